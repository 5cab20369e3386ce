// One invoice as the client receives it (printable: the print stylesheet hides the app's frame,
// the buttons and the status), with around it what the agency does with it: edit or delete a
// draft and see what is missing to issue it; send it and reminders; download its PDF and UBL;
// payments one by one (reverse one with a reason); credit notes.
import { useState } from "react";
import { ApiError, api, download } from "../api/client";
import type { Account, CreditNote, Invoice, Invoicing, Readiness } from "../generated/api";
import { can } from "../generated/roles";
import { useAction, useFetch } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { formatMoney } from "../money";
import { Link, navigate } from "../router";
import { useRole, useSession } from "../session";
import { ErrorBox, Field, Form, Loading, TextArea } from "../components/ui";
import { InvoiceTime } from "../components/InvoiceTime";
import { InvoiceForm, LineFields, linesBody, type LineDraft } from "../components/InvoiceForm";
import { DocTotals, LinesTable, PartyBlock, ReadinessPanel, namedForPeople } from "../components/InvoiceParts";
import { PaymentForm } from "../components/PaymentForm";

type Panel = null | "edit" | "pay" | "credit" | "send";

export function InvoiceView({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const { session } = useSession();
  const role = useRole();
  const writable = can(role, "invoices.write");
  const invoice = useFetch<Invoice>(`/api/invoices/${encodeURIComponent(id)}`);
  const inv = invoice.data;
  const draft = inv?.status === "draft";
  // Issued invoices carry the details frozen at issue; drafts show the current ones.
  const current = useFetch<Invoicing>(inv && draft ? "/api/company/invoicing" : null);
  const account = useFetch<Account>(inv && draft && inv.account_id ? `/api/accounts/${inv.account_id}` : null);
  const readiness = useFetch<Readiness>(inv && draft ? `/api/invoices/${encodeURIComponent(id)}/readiness` : null);
  const [panel, setPanel] = useState<Panel>(null);
  const action = useAction();
  const money = (cents: number) => formatMoney(cents, inv?.currency ?? "EUR", locale);

  const changed = (updated: Invoice) => {
    invoice.setData(updated);
    setPanel(null);
    if (updated.status === "draft") void readiness.reload();
  };
  const run = (work: () => Promise<void>) => void action.run(work);
  const issue = () =>
    run(async () => {
      try {
        changed(await api.post<Invoice>(`/api/invoices/${id}/issue`));
      } catch (e) {
        // Refused as incomplete: the panel is read again, and the error names the details for people.
        void readiness.reload();
        throw e instanceof ApiError ? namedForPeople(e, t) : e;
      }
    });
  const remove = () =>
    run(async () => {
      if (!window.confirm(t("money.confirmDelete"))) return;
      await api.del(`/api/invoices/${id}`);
      navigate("/invoices");
    });
  const remind = () =>
    run(async () => {
      await api.post(`/api/invoices/${id}/remind`, {});
      await invoice.reload();
    });
  const [reversing, setReversing] = useState<string | null>(null);
  const file = (kind: "pdf" | "ubl") => run(() => download(`/api/invoices/${id}/${kind}`, `${inv?.number ?? "invoice"}.${kind === "pdf" ? "pdf" : "xml"}`));

  const seller = inv?.seller ?? current.data ?? null;
  const buyer = inv?.buyer ?? (account.data ? { ...account.data, email: account.data.invoice_email } : null);
  const companyName = session.status === "ready" ? session.company.name : "";

  return (
    <section className="invoice-view">
      <div className="buttons no-print">
        <Link to="/invoices">{t("invoices.back")}</Link>
        <button type="button" onClick={() => window.print()}>
          {t("invoices.print")}
        </button>
        {inv && !draft && (
          <>
            <button type="button" onClick={() => file("pdf")}>
              {t("money.downloadPdf")}
            </button>
            <button type="button" onClick={() => file("ubl")}>
              {t("money.downloadUbl")}
            </button>
          </>
        )}
        {inv && writable && draft && (
          <>
            {!inv.bills_time && (
              <button type="button" onClick={() => setPanel(panel === "edit" ? null : "edit")} aria-expanded={panel === "edit"}>
                {t("money.edit")}
              </button>
            )}
            <button type="button" className="primary" disabled={action.busy || readiness.data?.ready === false} onClick={issue}>
              {t("invoices.issue")}
            </button>
            <button type="button" className="danger" disabled={action.busy} onClick={remove}>
              {t("money.deleteDraft")}
            </button>
          </>
        )}
        {inv && writable && !draft && (
          <>
            <button type="button" onClick={() => setPanel(panel === "send" ? null : "send")} aria-expanded={panel === "send"}>
              {t("money.sendInvoice")}
            </button>
            {inv.open_cents > 0 && (
              <button type="button" disabled={action.busy} onClick={remind}>
                {t("money.sendReminder")}
              </button>
            )}
            {inv.status !== "credited" && (
              <button type="button" onClick={() => setPanel(panel === "pay" ? null : "pay")} aria-expanded={panel === "pay"}>
                {t("invoices.pay")}
              </button>
            )}
            {inv.status !== "credited" && (
              <button type="button" onClick={() => setPanel(panel === "credit" ? null : "credit")} aria-expanded={panel === "credit"}>
                {t("money.newCreditNote")}
              </button>
            )}
          </>
        )}
      </div>
      <ErrorBox error={invoice.error ?? current.error ?? action.error} />
      {invoice.loading && !inv && <Loading />}
      {inv && draft && readiness.data && <ReadinessPanel invoice={inv} readiness={readiness.data} onEdit={() => setPanel("edit")} />}
      {inv && panel === "edit" && <InvoiceForm key={inv.updated_at} invoice={inv} onSaved={changed} onCancel={() => setPanel(null)} />}
      {inv && panel === "pay" && <PaymentForm invoice={inv} onPaid={changed} onCancel={() => setPanel(null)} />}
      {inv && panel === "send" && <SendForm invoice={inv} onSent={() => void invoice.reload().then(() => setPanel(null))} onCancel={() => setPanel(null)} />}
      {inv && panel === "credit" && (
        <CreditNoteForm
          invoice={inv}
          onCreated={(note) => {
            setPanel(null);
            void invoice.reload();
            navigate(`/credit-notes/${note.id}`);
          }}
          onCancel={() => setPanel(null)}
        />
      )}
      {inv && (
        <article className="paper">
          <header>
            <h1 tabIndex={-1}>
              {t("invoices.single")} {inv.number ?? t("invoices.draftNumber")}
            </h1>
            <p className={`badge ${inv.status} no-print`}>{t(`invoices.status.${inv.status}`)}</p>
          </header>
          <div className="parties">
            <PartyBlock title={t("invoices.from")} party={seller} fallbackName={companyName} testId="seller" />
            <PartyBlock title={t("money.to")} party={buyer} testId="buyer" />
          </div>
          <dl className="facts">
            <dt>{t("money.invoiceNumber")}</dt>
            <dd>{inv.number ?? t("invoices.draftNumber")}</dd>
            <dt>{t("money.invoiceDate")}</dt>
            <dd data-testid="invoice-date">{inv.issue_date ? formatDate(inv.issue_date, locale) : t("money.onIssue")}</dd>
            {inv.supply_date && (
              <>
                <dt>{t("money.supplyDate")}</dt>
                <dd>{formatDate(inv.supply_date, locale)}</dd>
              </>
            )}
            {inv.due_date && (
              <>
                <dt>{t("invoices.due")}</dt>
                <dd>{formatDate(inv.due_date, locale)}</dd>
              </>
            )}
            {inv.payment_reference && (
              <>
                <dt>{t("money.paymentReference")}</dt>
                <dd data-testid="payment-reference">{inv.payment_reference}</dd>
              </>
            )}
          </dl>
          <LinesTable lines={inv.lines} currency={inv.currency} />
          <DocTotals lines={inv.lines} subtotal={inv.subtotal_cents} total={inv.total_cents} currency={inv.currency}>
            {inv.paid_cents > 0 && (
              <>
                <dt>{t("invoices.paidAmount")}</dt>
                <dd>{money(inv.paid_cents)}</dd>
              </>
            )}
            {inv.credited_cents > 0 && (
              <>
                <dt>{t("money.credited")}</dt>
                <dd>{money(inv.credited_cents)}</dd>
              </>
            )}
            {!draft && (
              <>
                <dt>{t("money.open")}</dt>
                <dd data-testid="open-amount">{money(inv.open_cents)}</dd>
              </>
            )}
            {inv.overpaid_cents > 0 && (
              <>
                <dt>{t("money.overpaid")}</dt>
                <dd data-testid="overpaid-amount">{money(inv.overpaid_cents)}</dd>
              </>
            )}
          </DocTotals>
          {inv.reverse_charge && <p className="reverse-charge">{t("money.reverseChargeNote")}</p>}
          {seller?.iban && inv.payment_reference && (
            <p className="pay-instructions">{t("money.payTo", { iban: seller.iban, reference: inv.payment_reference })}</p>
          )}
          {inv.notes && <p className="pre">{inv.notes}</p>}
        </article>
      )}
      {inv && !draft && (
        <div className="no-print">
          <h2>{t("money.payments")}</h2>
          {inv.payments.length === 0 ? (
            <p className="hint">{t("money.noPayments")}</p>
          ) : (
            <ul className="records" data-testid="payments">
              {inv.payments.map((p) => (
                <li key={p.id} className={p.reversed_at ? "reversed" : undefined}>
                  <span>{formatDate(p.paid_at, locale)}</span>
                  <span className="num">{money(p.amount_cents)}</span>
                  <span>{p.method ?? t("common.none")}</span>
                  <span>{p.reference ?? ""}</span>
                  {p.reversed_at ? (
                    <span className="badge">{t("money.reversedOn", { date: formatDate(p.reversed_at, locale), reason: p.reversal_reason ?? "" })}</span>
                  ) : (
                    writable &&
                    reversing !== p.id && (
                      <button type="button" onClick={() => setReversing(p.id)}>
                        {t("money.reverse")}
                      </button>
                    )
                  )}
                  {reversing === p.id && (
                    <ReverseForm
                      invoiceId={inv.id}
                      paymentId={p.id}
                      onDone={(updated) => {
                        setReversing(null);
                        changed(updated);
                      }}
                      onCancel={() => setReversing(null)}
                    />
                  )}
                </li>
              ))}
            </ul>
          )}
          <h2>{t("money.creditNotes")}</h2>
          {inv.credit_notes.length === 0 ? (
            <p className="hint">{t("money.noCreditNotes")}</p>
          ) : (
            <ul className="records" data-testid="credit-notes">
              {inv.credit_notes.map((c) => (
                <li key={c.id}>
                  <Link to={`/credit-notes/${c.id}`}>{c.number}</Link>
                  <span>{formatDate(c.issue_date, locale)}</span>
                  <span className="num">{money(c.total_cents)}</span>
                </li>
              ))}
            </ul>
          )}
          <h2>{t("money.deliveries")}</h2>
          {inv.deliveries.length === 0 ? (
            <p className="hint">{t("money.noDeliveries")}</p>
          ) : (
            <ul className="records" data-testid="deliveries">
              {inv.deliveries.map((d) => (
                <li key={d.id}>
                  <span>{t(`money.kind.${d.kind}`)}</span>
                  <span className="wrap">{d.to}</span>
                  <span>{t(`money.state.${d.state}`)}</span>
                  <span>{formatDate(d.sent_at ?? d.queued_at, locale, true)}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {inv && <InvoiceTime invoiceId={inv.id} draft={draft} />}
    </section>
  );
}

function ReverseForm({ invoiceId, paymentId, onDone, onCancel }: { invoiceId: string; paymentId: string; onDone: (i: Invoice) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState("");
  return (
    <Form
      className="inline reverse-form"
      submitLabel={t("money.reversePayment")}
      onCancel={onCancel}
      onSubmit={async () => onDone(await api.post<Invoice>(`/api/invoices/${invoiceId}/payments/${paymentId}/reverse`, { reason: reason.trim() || null }))}
    >
      <Field label={t("money.reverseReason")} name="reason" required value={reason} onChange={(e) => setReason(e.target.value)} />
    </Form>
  );
}

function SendForm({ invoice, onSent, onCancel }: { invoice: Invoice; onSent: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [to, setTo] = useState("");
  return (
    <Form
      className="panel no-print"
      submitLabel={t("money.send")}
      onCancel={onCancel}
      onSubmit={async () => {
        await api.post(`/api/invoices/${invoice.id}/send`, { to: to.trim() || null });
        onSent();
      }}
    >
      <Field label={t("money.sendTo")} hint={t("money.sendToHint")} name="to" type="email" value={to} onChange={(e) => setTo(e.target.value)} />
    </Form>
  );
}

function CreditNoteForm({ invoice, onCreated, onCancel }: { invoice: Invoice; onCreated: (c: CreditNote) => void; onCancel: () => void }) {
  const { t, locale } = useI18n();
  const [reason, setReason] = useState("");
  const [partial, setPartial] = useState(false);
  const [lines, setLines] = useState<LineDraft[]>([{ description: "", quantity: "1", unit: "", vat: invoice.reverse_charge ? "0" : "21" }]);
  return (
    <Form
      className="panel no-print"
      submitLabel={t("money.createCreditNote")}
      onCancel={onCancel}
      onSubmit={async () => {
        const body = { reason, ...(partial ? { lines: linesBody(lines, locale) } : {}) };
        onCreated(await api.post<CreditNote>(`/api/invoices/${invoice.id}/credit-notes`, body));
      }}
    >
      <h2>{t("money.newCreditNote")}</h2>
      <TextArea label={t("money.reason")} name="reason" required value={reason} onChange={(e) => setReason(e.target.value)} />
      <fieldset>
        <legend>{t("money.creditWhat")}</legend>
        <label>
          <input type="radio" name="credit-scope" checked={!partial} onChange={() => setPartial(false)} /> {t("money.creditAll")}
        </label>
        <label>
          <input type="radio" name="credit-scope" checked={partial} onChange={() => setPartial(true)} /> {t("money.creditPart")}
        </label>
      </fieldset>
      {partial && <LineFields lines={lines} onChange={setLines} vatLocked={invoice.reverse_charge} />}
    </Form>
  );
}
