// One invoice as the client receives it: printable (the print stylesheet hides the app's frame).
import type { Invoice, Invoicing, Seller } from "../api/types";
import { useFetch } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { formatMoney, formatQuantity, formatVatRate, lineTotals, quantityToMilli } from "../money";
import { Link } from "../router";
import { useSession } from "../session";
import { ErrorBox, Loading } from "../components/ui";

export function InvoiceView({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const { session } = useSession();
  const invoice = useFetch<Invoice>(`/api/invoices/${encodeURIComponent(id)}`);
  // Issued invoices carry the seller details frozen at issue; drafts show the current ones.
  const current = useFetch<Invoicing>(invoice.data && !invoice.data.seller ? "/api/company/invoicing" : null);
  const inv = invoice.data;
  const seller: Seller | null = inv?.seller ?? current.data ?? null;
  const money = (cents: number) => formatMoney(cents, inv?.currency ?? "EUR", locale);

  return (
    <section className="invoice-view">
      <div className="buttons no-print">
        <Link to="/invoices">{t("invoices.back")}</Link>
        <button type="button" onClick={() => window.print()}>
          {t("invoices.print")}
        </button>
      </div>
      <ErrorBox error={invoice.error ?? current.error} />
      {invoice.loading && <Loading />}
      {inv && (
        <article className="paper">
          <header>
            <h1 tabIndex={-1}>
              {t("invoices.single")} {inv.number ?? t("invoices.draftNumber")}
            </h1>
            <p className={`badge ${inv.status}`}>{t(`invoices.status.${inv.status}`)}</p>
          </header>
          <div className="parties">
            <div>
              <h2>{t("invoices.from")}</h2>
              <p>{seller?.legal_name || (session.status === "ready" ? session.company.name : "")}</p>
              {seller?.address && <p className="pre">{seller.address}</p>}
              {seller?.vat_id && <p>{t("invoices.vatId")}: {seller.vat_id}</p>}
              {seller?.kvk_number && <p>{t("invoices.kvk")}: {seller.kvk_number}</p>}
              {seller?.iban && <p>{t("invoices.iban")}: {seller.iban}</p>}
            </div>
            <div>
              {inv.issue_date && <p>{formatDate(inv.issue_date, locale)}</p>}
              {inv.due_date && (
                <p>
                  {t("invoices.due")}: {formatDate(inv.due_date, locale)}
                </p>
              )}
            </div>
          </div>
          <table>
            <thead>
              <tr>
                <th>{t("invoices.description")}</th>
                <th className="num">{t("invoices.quantity")}</th>
                <th className="num">{t("invoices.unitPrice")}</th>
                <th className="num">{t("invoices.vatRate")}</th>
                <th className="num">{t("invoices.total")}</th>
              </tr>
            </thead>
            <tbody>
              {inv.lines.map((l, i) => (
                <tr key={i}>
                  <td>{l.description}</td>
                  <td className="num">{formatQuantity(quantityToMilli(l.quantity), locale)}</td>
                  <td className="num">{money(l.unit_cents)}</td>
                  <td className="num">{formatVatRate(l.vat_rate_bp, locale)}</td>
                  <td className="num">{money(l.net_cents ?? lineTotals({ ...l, milli: quantityToMilli(l.quantity) }).net)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <dl className="totals">
            <dt>{t("invoices.subtotal")}</dt>
            <dd>{money(inv.subtotal_cents)}</dd>
            <dt>{t("invoices.vat")}</dt>
            <dd>{money(inv.vat_cents)}</dd>
            <dt>{t("invoices.total")}</dt>
            <dd data-testid="invoice-total">{money(inv.total_cents)}</dd>
            <dt>{t("invoices.paidAmount")}</dt>
            <dd>{money(inv.paid_cents)}</dd>
          </dl>
          {inv.notes && <p className="pre">{inv.notes}</p>}
        </article>
      )}
    </section>
  );
}
