import { useState, type FormEvent } from "react";
import { ApiError, api } from "../api/client";
import type { Invoice } from "../api/types";
import { parseMoney, useI18n } from "../i18n";
import { ErrorBox, Field } from "./ui";

export function PaymentForm({ invoice, onPaid, onCancel }: { invoice: Invoice; onPaid: (i: Invoice) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const open = invoice.total_cents - invoice.paid_cents;
  const [amount, setAmount] = useState((open / 100).toFixed(2));
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const cents = parseMoney(amount);
    if (cents === null || cents <= 0) {
      setError(new ApiError(422, "invalid", "", { [t("invoices.amount")]: amount }));
      return;
    }
    try {
      onPaid(await api.post<Invoice>(`/api/invoices/${invoice.id}/payments`, { amount_cents: cents }));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="inline" onSubmit={(e) => void submit(e)}>
      <Field label={t("invoices.amount")} inputMode="decimal" required value={amount} onChange={(e) => setAmount(e.target.value)} />
      <ErrorBox error={error} />
      <button type="submit" className="primary">
        {t("invoices.pay")}
      </button>
      <button type="button" onClick={onCancel}>
        {t("common.cancel")}
      </button>
    </form>
  );
}
