// Pieces the invoice and credit note views share: a party's name and address as printed, the
// lines table, VAT per rate, and the readiness panel that names what is missing before issuing.
import type { ReactNode } from "react";
import type { Buyer, Invoice, Readiness, Seller } from "../generated/api";
import { ApiError } from "../api/client";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n/en";
import { formatMoney, formatQuantity, formatVatRate, quantityToMilli } from "../money";
import { Link } from "../router";

export interface DocLine {
  description: string;
  quantity: number;
  unit_cents: number;
  vat_rate_bp: number;
  net_cents: number;
  vat_cents: number;
}

/** A party's block: legal name, street, postcode and city, country, VAT, KvK, e-mail. */
export function PartyBlock({ title, party, fallbackName, testId }: { title: string; party: Partial<Seller & Buyer> | null; fallbackName?: string; testId?: string }) {
  const { t } = useI18n();
  const name = party?.legal_name || party?.name || fallbackName || "";
  const place = [party?.postcode, party?.city].filter(Boolean).join(" ");
  return (
    <div className="party" data-testid={testId}>
      <h2>{title}</h2>
      {name && <p className="party-name">{name}</p>}
      {party?.street && <p>{party.street}</p>}
      {place && <p>{place}</p>}
      {party?.country && <p>{party.country}</p>}
      {!party?.street && party?.address && <p className="pre">{party.address}</p>}
      {party?.vat_id && (
        <p>
          {t("invoices.vatId")}: {party.vat_id}
        </p>
      )}
      {party?.kvk_number && (
        <p>
          {t("invoices.kvk")}: {party.kvk_number}
        </p>
      )}
      {party?.peppol_id && (
        <p>
          {t("money.field.peppol_id")}: {party.peppol_id}
        </p>
      )}
      {party?.iban && (
        <p>
          {t("invoices.iban")}: {party.iban}
        </p>
      )}
      {party?.email && <p>{party.email}</p>}
    </div>
  );
}

/** The lines as a table that wraps on a phone (each cell labelled there). */
export function LinesTable({ lines, currency }: { lines: DocLine[]; currency: string }) {
  const { t, locale } = useI18n();
  const money = (cents: number) => formatMoney(cents, currency, locale);
  return (
    <div className="table-scroll">
      <table className="lines">
        <thead>
          <tr>
            <th>{t("invoices.description")}</th>
            <th className="num">{t("invoices.quantity")}</th>
            <th className="num">{t("money.unitPrice")}</th>
            <th className="num">{t("invoices.vatRate")}</th>
            <th className="num">{t("money.net")}</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l, i) => (
            <tr key={i}>
              <td data-label={t("invoices.description")}>{l.description}</td>
              <td className="num" data-label={t("invoices.quantity")}>
                {formatQuantity(quantityToMilli(l.quantity), locale)}
              </td>
              <td className="num" data-label={t("money.unitPrice")}>
                {money(l.unit_cents)}
              </td>
              <td className="num" data-label={t("invoices.vatRate")}>
                {formatVatRate(l.vat_rate_bp, locale)}
              </td>
              <td className="num" data-label={t("money.net")}>
                {money(l.net_cents)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Taxable amount and VAT per rate, as Article 35a asks. */
export function vatByRate(lines: DocLine[]): { rate: number; net: number; vat: number }[] {
  const rates = new Map<number, { rate: number; net: number; vat: number }>();
  for (const l of lines) {
    const r = rates.get(l.vat_rate_bp) ?? { rate: l.vat_rate_bp, net: 0, vat: 0 };
    r.net += l.net_cents;
    r.vat += l.vat_cents;
    rates.set(l.vat_rate_bp, r);
  }
  return [...rates.values()].sort((a, b) => b.rate - a.rate);
}

/** Subtotal, VAT per rate (with its taxable amount) and total. */
export function DocTotals({ lines, subtotal, total, currency, children }: { lines: DocLine[]; subtotal: number; total: number; currency: string; children?: ReactNode }) {
  const { t, locale } = useI18n();
  const money = (cents: number) => formatMoney(cents, currency, locale);
  return (
    <dl className="totals">
      <dt>{t("invoices.subtotal")}</dt>
      <dd>{money(subtotal)}</dd>
      {vatByRate(lines).map((r) => (
        <div key={r.rate} className="vat-rate" data-testid={`vat-${r.rate}`}>
          <dt>{t("money.vatAt", { rate: formatVatRate(r.rate, locale), base: money(r.net) })}</dt>
          <dd>{money(r.vat)}</dd>
        </div>
      ))}
      <dt className="grand">{t("invoices.total")}</dt>
      <dd className="grand" data-testid="invoice-total">
        {money(total)}
      </dd>
      {children}
    </dl>
  );
}

const FIELD_KEYS = new Set([
  "legal_name",
  "street",
  "postcode",
  "city",
  "country",
  "vat_id",
  "kvk_number",
  "iban",
  "email",
  "peppol_id",
  "account_id",
  "lines",
]);

/** A missing detail's name for people: "Your company: KvK number", "Client: street". */
export function missingLabel(path: string, t: (key: MessageKey) => string): string {
  const [owner, field] = path.includes(".") ? (path.split(".", 2) as [string, string]) : ["", path];
  const label = FIELD_KEYS.has(field) ? t(`money.field.${field}` as MessageKey) : field;
  if (owner === "seller") return `${t("money.yourCompany")}: ${label}`;
  if (owner === "buyer") return `${t("money.client")}: ${label}`;
  return label;
}

/** The error with its fields (`seller.kvk_number`) named as the readiness panel names them. */
export function namedForPeople(e: ApiError, t: (key: MessageKey) => string): ApiError {
  const rename = <V,>(record: Record<string, V>) => Object.fromEntries(Object.entries(record).map(([k, v]) => [missingLabel(k, t), v]));
  return new ApiError(e.status, e.code, e.message, rename(e.fields), e.retryAfter, rename(e.problems));
}

/** What is missing before the draft can be issued, each with a link to where it is filled in. */
export function ReadinessPanel({ invoice, readiness, onEdit }: { invoice: Invoice; readiness: Readiness; onEdit: () => void }) {
  const { t } = useI18n();
  if (readiness.ready) {
    return (
      <div className="notice no-print" role="status" data-testid="readiness">
        {t("money.ready")}
      </div>
    );
  }
  return (
    <div className="panel readiness no-print" data-testid="readiness">
      <h2>{t("money.missingTitle")}</h2>
      <ul>
        {readiness.missing.map((path) => (
          <li key={path}>
            {missingLabel(path, t)}{" "}
            {path.startsWith("seller.") ? (
              <Link to="/settings/invoicing">{t("money.fillInCompany")}</Link>
            ) : path.startsWith("buyer.") && invoice.account_id ? (
              <Link to={`/accounts/${invoice.account_id}`}>{t("money.fillInClient")}</Link>
            ) : (
              <button type="button" className="link" onClick={onEdit}>
                {t("money.fillInInvoice")}
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
