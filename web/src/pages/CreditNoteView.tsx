// One credit note as the client receives it: the invoice it corrects, the reason, its lines
// and amounts (negative), VAT per rate; PDF and UBL downloads.
import { useAction, useFetch } from "../hooks";
import { useState } from "react";
import { api, download } from "../api/client";
import { can } from "../generated/roles";
import { useRole } from "../session";
import type { CreditNote } from "../generated/api";
import { formatDate, useI18n } from "../i18n";
import { Link } from "../router";
import { ErrorBox, Loading, Notice } from "../components/ui";
import { DocTotals, LinesTable, PartyBlock } from "../components/InvoiceParts";

export function CreditNoteView({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const note = useFetch<CreditNote>(`/api/credit-notes/${encodeURIComponent(id)}`);
  const action = useAction();
  const c = note.data;
  const writable = can(useRole(), "invoices.write");
  const [sent, setSent] = useState(false);
  const send = () =>
    void action.run(async () => {
      setSent(false);
      await api.post(`/api/credit-notes/${id}/send`, {});
      setSent(true);
    });
  const file = (kind: "pdf" | "ubl") => void action.run(() => download(`/api/credit-notes/${id}/${kind}`, `${c?.number ?? "credit-note"}.${kind === "pdf" ? "pdf" : "xml"}`));
  return (
    <section className="invoice-view">
      <div className="buttons no-print">
        {c && <Link to={`/invoices/${c.invoice_id}`}>{t("money.backToInvoice")}</Link>}
        <button type="button" onClick={() => window.print()}>
          {t("invoices.print")}
        </button>
        <button type="button" onClick={() => file("pdf")}>
          {t("money.downloadPdf")}
        </button>
        <button type="button" onClick={() => file("ubl")}>
          {t("money.downloadUbl")}
        </button>
        {writable && (
          <button type="button" disabled={action.busy} onClick={send}>
            {t("money.sendCreditNote")}
          </button>
        )}
      </div>
      {sent && <Notice>{t("money.creditNoteQueued")}</Notice>}
      <ErrorBox error={note.error ?? action.error} />
      {note.loading && !c && <Loading />}
      {c && (
        <article className="paper">
          <header>
            <h1 tabIndex={-1}>
              {t("money.creditNote")} {c.number}
            </h1>
          </header>
          <div className="parties">
            <PartyBlock title={t("invoices.from")} party={c.seller} />
            <PartyBlock title={t("money.to")} party={c.buyer} />
          </div>
          <dl className="facts">
            <dt>{t("money.creditNoteDate")}</dt>
            <dd>{formatDate(c.issue_date, locale)}</dd>
            <dt>{t("money.correctsInvoice")}</dt>
            <dd>
              <Link to={`/invoices/${c.invoice_id}`}>{c.invoice_number}</Link> ({formatDate(c.invoice_issue_date, locale)})
            </dd>
            <dt>{t("money.reason")}</dt>
            <dd>{c.reason}</dd>
          </dl>
          <LinesTable lines={c.lines} currency={c.currency} />
          <DocTotals lines={c.lines} subtotal={c.subtotal_cents} total={c.total_cents} currency={c.currency} />
          {c.reverse_charge && <p className="reverse-charge">{t("money.reverseChargeNote")}</p>}
        </article>
      )}
    </section>
  );
}
