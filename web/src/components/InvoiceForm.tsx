import { useState, type FormEvent } from "react";
import { ApiError, api } from "../api/client";
import type { Invoice } from "../api/types";
import { formatMoney, parseMoney, useI18n } from "../i18n";
import { ErrorBox, Field } from "./ui";

interface LineDraft {
  description: string;
  quantity: string;
  unit: string;
  vat: string;
}

const EMPTY: LineDraft = { description: "", quantity: "1", unit: "", vat: "21" };

/** VAT in cents for one line, rounded half up like the server's per-line rounding. */
export function lineTotals(line: { quantity: number; unit_cents: number; vat_rate_bp: number }) {
  const net = Math.round(line.quantity * line.unit_cents);
  return { net, vat: Math.round((net * line.vat_rate_bp) / 10000) };
}

export function InvoiceForm({ onSaved, onCancel }: { onSaved: (i: Invoice) => void; onCancel: () => void }) {
  const { t, locale } = useI18n();
  const [lines, setLines] = useState<LineDraft[]>([{ ...EMPTY }]);
  const [due, setDue] = useState("");
  const [error, setError] = useState<unknown>(null);

  const parsed = lines.map((l) => ({
    description: l.description,
    quantity: Number(l.quantity.replace(",", ".")),
    unit_cents: parseMoney(l.unit),
    vat_rate_bp: Math.round(Number(l.vat.replace(",", ".")) * 100),
  }));
  const valid = parsed.every((l) => l.unit_cents !== null && l.quantity > 0 && l.vat_rate_bp >= 0);
  const totals = parsed.reduce(
    (sum, l) => {
      if (l.unit_cents === null) return sum;
      const { net, vat } = lineTotals({ ...l, unit_cents: l.unit_cents });
      return { net: sum.net + net, vat: sum.vat + vat };
    },
    { net: 0, vat: 0 },
  );

  const update = (i: number, key: keyof LineDraft, value: string) =>
    setLines(lines.map((l, j) => (i === j ? { ...l, [key]: value } : l)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!valid) {
      setError(new ApiError(422, "invalid", "", {}));
      return;
    }
    try {
      onSaved(await api.post<Invoice>("/api/invoices", { lines: parsed, due_date: due || null }));
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void submit(e)}>
      <fieldset>
        <legend>{t("invoices.lines")}</legend>
        {lines.map((l, i) => (
          <div className="line" key={i}>
            <Field label={t("invoices.description")} required value={l.description} onChange={(e) => update(i, "description", e.target.value)} />
            <Field label={t("invoices.quantity")} inputMode="decimal" required value={l.quantity} onChange={(e) => update(i, "quantity", e.target.value)} />
            <Field label={t("invoices.unitPrice")} inputMode="decimal" required value={l.unit} onChange={(e) => update(i, "unit", e.target.value)} />
            <Field label={t("invoices.vatRate")} inputMode="decimal" required value={l.vat} onChange={(e) => update(i, "vat", e.target.value)} />
            {lines.length > 1 && (
              <button type="button" onClick={() => setLines(lines.filter((_, j) => j !== i))}>
                {t("invoices.removeLine")}
              </button>
            )}
          </div>
        ))}
        <button type="button" onClick={() => setLines([...lines, { ...EMPTY }])}>
          {t("invoices.addLine")}
        </button>
      </fieldset>
      <Field label={t("invoices.due")} type="date" value={due} onChange={(e) => setDue(e.target.value)} />
      <dl className="totals">
        <dt>{t("invoices.subtotal")}</dt>
        <dd>{formatMoney(totals.net, "EUR", locale)}</dd>
        <dt>{t("invoices.vat")}</dt>
        <dd>{formatMoney(totals.vat, "EUR", locale)}</dd>
        <dt>{t("invoices.total")}</dt>
        <dd>{formatMoney(totals.net + totals.vat, "EUR", locale)}</dd>
      </dl>
      <ErrorBox error={error} />
      <div className="buttons">
        <button type="submit" className="primary">
          {t("common.create")}
        </button>
        <button type="button" onClick={onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}
