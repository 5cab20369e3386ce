import { useState } from "react";
import { ApiError, api } from "../api/client";
import type { Invoice } from "../api/types";
import { useI18n } from "../i18n";
import { moneyInput, parseMoney } from "../money";
import { Field, Form } from "./ui";

export function PaymentForm({ invoice, onPaid, onCancel }: { invoice: Invoice; onPaid: (i: Invoice) => void; onCancel: () => void }) {
  const { t, locale } = useI18n();
  const open = invoice.total_cents - invoice.paid_cents;
  const [amount, setAmount] = useState(moneyInput(open, locale));
  const submit = async () => {
    const cents = parseMoney(amount, locale);
    if (cents === null || cents <= 0) throw ApiError.field("amount_cents", { code: "not_amount", message: "is not an amount" });
    onPaid(await api.post<Invoice>(`/api/invoices/${invoice.id}/payments`, { amount_cents: cents }));
  };
  return (
    <Form className="inline" onSubmit={submit} submitLabel={t("invoices.pay")} onCancel={onCancel}>
      <Field label={t("invoices.amount")} name="amount_cents" inputMode="decimal" required value={amount} onChange={(e) => setAmount(e.target.value)} />
    </Form>
  );
}
