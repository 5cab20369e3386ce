// Recording a payment: amount (typed the locale's way), date, method and reference. A payment
// above the open balance is refused by the server; the form then says so and offers to record it
// as an overpayment on purpose.
import { useState } from "react";
import { ApiError, api } from "../api/client";
import type { Invoice } from "../api/types";
import { useI18n } from "../i18n";
import { amountProblem, formatMoney, moneyInput, readAmount } from "../money";
import { Field, Form } from "./ui";

export function PaymentForm({ invoice, onPaid, onCancel }: { invoice: Invoice; onPaid: (i: Invoice) => void; onCancel: () => void }) {
  const { t, locale } = useI18n();
  const open = invoice.open_cents ?? invoice.total_cents - invoice.paid_cents;
  const [amount, setAmount] = useState(moneyInput(open, locale));
  const [date, setDate] = useState("");
  const [method, setMethod] = useState("");
  const [reference, setReference] = useState("");
  const [over, setOver] = useState(false);
  const [refused, setRefused] = useState(false);
  const submit = async () => {
    const read = readAmount(amount, locale);
    if (read.problem) throw ApiError.field("amount_cents", amountProblem(read.problem));
    try {
      onPaid(
        await api.post<Invoice>(`/api/invoices/${invoice.id}/payments`, {
          amount_cents: read.cents,
          paid_at: date || null,
          method: method.trim() || null,
          reference: reference.trim() || null,
          allow_overpayment: over,
        }),
      );
    } catch (e) {
      if (e instanceof ApiError && e.code === "payment_exceeds_balance") setRefused(true);
      throw e;
    }
  };
  return (
    <Form className="inline payment-form" onSubmit={submit} submitLabel={t("invoices.pay")} onCancel={onCancel}>
      <Field label={t("invoices.amount")} name="amount_cents" inputMode="decimal" required value={amount} onChange={(e) => setAmount(e.target.value)} />
      <Field label={t("money.paidOn")} name="paid_at" type="date" value={date} onChange={(e) => setDate(e.target.value)} />
      <Field label={t("money.method")} name="method" value={method} onChange={(e) => setMethod(e.target.value)} />
      <Field label={t("money.reference")} name="reference" value={reference} onChange={(e) => setReference(e.target.value)} />
      {refused && (
        <p className="hint" data-testid="overpayment-hint">
          {t("money.overpaymentHint", { open: formatMoney(open, invoice.currency, locale) })}
        </p>
      )}
      {(refused || over) && (
        <div className="field checkbox">
          <label>
            <input type="checkbox" name="allow_overpayment" checked={over} onChange={(e) => setOver(e.target.checked)} /> {t("money.recordOverpayment")}
          </label>
        </div>
      )}
    </Form>
  );
}
