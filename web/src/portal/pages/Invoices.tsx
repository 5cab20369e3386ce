// The client's issued invoices: list, one with its lines and how to pay it, PDF and e-invoice.
import { useState } from "react";
import { formatDate, useI18n } from "../../i18n";
import { labelOr } from "../../crm/labels";
import { formatMoney } from "../../money";
import { Link } from "../../router";
import { Table } from "../../components/List";
import { ErrorBox, Loading, PageTitle } from "../../components/ui";
import { portalDownload } from "../client";
import { usePortalFetch } from "../hooks";
import { itemsOf, type ListOf, type PortalInvoice } from "../types";

export function PortalInvoices() {
  const { t, locale } = useI18n();
  const list = usePortalFetch<ListOf<PortalInvoice>>("/api/portal/invoices");
  const rows = itemsOf(list.data);
  return (
    <section>
      <PageTitle>{t("portal.nav.invoices")}</PageTitle>
      <ErrorBox error={list.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : rows.length === 0 ? (
        <p>{t("portal.noInvoices")}</p>
      ) : (
        <Table
          label={t("portal.nav.invoices")}
          rows={rows}
          rowKey={(i) => i.id}
          columns={[
            { header: t("invoices.number"), cell: (i) => <Link to={`/portal/invoices/${encodeURIComponent(i.id)}`}>{i.number ?? i.id}</Link> },
            { header: t("common.status"), cell: (i) => <span className={`badge ${i.status}`}>{labelOr(t, `invoices.status.${i.status}`, i.status)}</span> },
            { header: t("portal.dueDate"), cell: (i) => formatDate(i.due_date, locale) },
            { header: t("invoices.total"), className: "num", cell: (i) => formatMoney(i.total_cents, i.currency, locale) },
          ]}
        />
      )}
    </section>
  );
}

export function PortalInvoicePage({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const path = `/api/portal/invoices/${encodeURIComponent(id)}`;
  const invoice = usePortalFetch<PortalInvoice>(path);
  const [error, setError] = useState<unknown>(null);
  const inv = invoice.data;
  if (invoice.loading && !inv) return <Loading />;
  if (!inv) return <ErrorBox error={invoice.error} />;
  const money = (cents: number | undefined) => (cents === undefined ? "" : formatMoney(cents, inv.currency, locale));
  const save = (suffix: string, ext: string) => {
    setError(null);
    portalDownload(`${path}/${suffix}`, `${inv.number ?? inv.id}.${ext}`).catch(setError);
  };
  const pay = inv.payment;
  return (
    <section>
      <p className="crumbs">
        <Link to="/portal/invoices">{t("portal.nav.invoices")}</Link>
      </p>
      <PageTitle
        actions={
          <>
            <button type="button" onClick={() => save("pdf", "pdf")}>
              {t("portal.downloadPdf")}
            </button>
            <button type="button" onClick={() => save("ubl", "xml")}>
              {t("portal.downloadUbl")}
            </button>
          </>
        }
      >
        {t("portal.invoiceTitle", { number: inv.number ?? "" })}
      </PageTitle>
      <ErrorBox error={error} />
      <div className="panel">
        <dl className="details">
          <div>
            <dt>{t("common.status")}</dt>
            <dd>
              <span className={`badge ${inv.status}`}>{labelOr(t, `invoices.status.${inv.status}`, inv.status)}</span>
            </dd>
          </div>
          {inv.issue_date && (
            <div>
              <dt>{t("portal.issueDate")}</dt>
              <dd>{formatDate(inv.issue_date, locale)}</dd>
            </div>
          )}
          <div>
            <dt>{t("portal.dueDate")}</dt>
            <dd>{formatDate(pay?.due_date ?? inv.due_date, locale) || t("common.none")}</dd>
          </div>
          <div>
            <dt>{t("invoices.total")}</dt>
            <dd data-testid="invoice-total">{money(inv.total_cents)}</dd>
          </div>
          {(pay || inv.open_cents !== undefined) && (
            <div>
              <dt>{t("portal.open")}</dt>
              <dd data-testid="invoice-open">{money(pay?.open_cents ?? inv.open_cents)}</dd>
            </div>
          )}
        </dl>
      </div>
      {inv.lines && inv.lines.length > 0 && (
        <Table
          label={t("portal.lines")}
          rows={inv.lines.map((line, i) => ({ ...line, key: String(i) }))}
          rowKey={(l) => l.key}
          columns={[
            { header: t("portal.description"), cell: (l) => l.description },
            { header: t("portal.amount"), className: "num", cell: (l) => money(l.net_cents) },
          ]}
        />
      )}
      {pay && (
        <div className="panel pay" data-testid="payment-instructions">
          <h2>{t("portal.howToPay")}</h2>
          {pay.open_cents > 0 ? (
            pay.iban && pay.reference && <p>{t("portal.payText", { amount: money(pay.open_cents), iban: pay.iban, reference: pay.reference })}</p>
          ) : (
            <p>{t("portal.paid")}</p>
          )}
          <dl className="details">
            {pay.iban && (
              <div>
                <dt>IBAN</dt>
                <dd className="mono">{pay.iban}</dd>
              </div>
            )}
            {pay.bic && (
              <div>
                <dt>BIC</dt>
                <dd className="mono">{pay.bic}</dd>
              </div>
            )}
            {pay.reference && (
              <div>
                <dt>{t("portal.reference")}</dt>
                <dd className="mono" data-testid="payment-reference">
                  {pay.reference}
                </dd>
              </div>
            )}
          </dl>
        </div>
      )}
    </section>
  );
}
