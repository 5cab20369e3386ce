import { useState } from "react";
import { ApiError, api, type FieldProblem } from "../api/client";
import type { Invoice } from "../api/types";
import { useI18n } from "../i18n";
import { formatMoney, lineTotals, milliToQuantity, parseMoney, parseQuantity, parseVatRate } from "../money";
import { Field, Form } from "./ui";
import { AccountPicker } from "./Picker";

interface LineDraft {
  description: string;
  quantity: string;
  unit: string;
  vat: string;
}

const EMPTY: LineDraft = { description: "", quantity: "1", unit: "", vat: "21" };

const NOT_AMOUNT: FieldProblem = { code: "not_amount", message: "is not an amount" };
const NOT_NUMBER: FieldProblem = { code: "wrong_type", message: "is not a number" };

export function InvoiceForm({ onSaved, onCancel }: { onSaved: (i: Invoice) => void; onCancel: () => void }) {
  const { t, locale } = useI18n();
  const [lines, setLines] = useState<LineDraft[]>([{ ...EMPTY }]);
  const [due, setDue] = useState("");
  const [account, setAccount] = useState("");

  // Every amount in integers: quantities in thousandths, prices in cents, VAT in basis points.
  const parsed = lines.map((l) => ({
    description: l.description,
    milli: parseQuantity(l.quantity, locale),
    unit_cents: parseMoney(l.unit, locale),
    vat_rate_bp: parseVatRate(l.vat, locale),
  }));
  const totals = parsed.reduce(
    (sum, l) => {
      if (l.milli === null || l.unit_cents === null || l.vat_rate_bp === null) return sum;
      const { net, vat } = lineTotals({ milli: l.milli, unit_cents: l.unit_cents, vat_rate_bp: l.vat_rate_bp });
      return { net: sum.net + net, vat: sum.vat + vat };
    },
    { net: 0, vat: 0 },
  );

  const update = (i: number, key: keyof LineDraft, value: string) =>
    setLines(lines.map((l, j) => (i === j ? { ...l, [key]: value } : l)));

  const submit = async () => {
    const body = parsed.map((l, i) => {
      const bad = (field: string, problem: FieldProblem) => ApiError.field(`lines[${i}].${field}`, problem);
      if (l.milli === null) throw bad("quantity", NOT_NUMBER);
      if (l.unit_cents === null) throw bad("unit_cents", NOT_AMOUNT);
      if (l.vat_rate_bp === null) throw bad("vat_rate_bp", NOT_NUMBER);
      return {
        description: l.description,
        quantity: milliToQuantity(l.milli),
        unit_cents: l.unit_cents,
        vat_rate_bp: l.vat_rate_bp,
      };
    });
    onSaved(await api.post<Invoice>("/api/invoices", { lines: body, due_date: due || null, account_id: account || null }));
  };

  return (
    <Form
      onSubmit={submit}
      submitLabel={t("common.create")}
      onCancel={onCancel}
      footer={
        <dl className="totals">
          <dt>{t("invoices.subtotal")}</dt>
          <dd>{formatMoney(totals.net, "EUR", locale)}</dd>
          <dt>{t("invoices.vat")}</dt>
          <dd>{formatMoney(totals.vat, "EUR", locale)}</dd>
          <dt>{t("invoices.total")}</dt>
          <dd>{formatMoney(totals.net + totals.vat, "EUR", locale)}</dd>
        </dl>
      }
    >
      <AccountPicker value={account} onChange={(id) => setAccount(id)} />
      <fieldset>
        <legend>{t("invoices.lines")}</legend>
        {lines.map((l, i) => (
          <div className="line" key={i}>
            <Field
              label={t("invoices.description")}
              name={`lines[${i}].description`}
              required
              value={l.description}
              onChange={(e) => update(i, "description", e.target.value)}
            />
            <Field
              label={t("invoices.quantity")}
              name={`lines[${i}].quantity`}
              inputMode="decimal"
              required
              value={l.quantity}
              onChange={(e) => update(i, "quantity", e.target.value)}
            />
            <Field
              label={t("invoices.unitPrice")}
              name={`lines[${i}].unit_cents`}
              inputMode="decimal"
              required
              value={l.unit}
              onChange={(e) => update(i, "unit", e.target.value)}
            />
            <Field
              label={t("invoices.vatRate")}
              name={`lines[${i}].vat_rate_bp`}
              inputMode="decimal"
              required
              value={l.vat}
              onChange={(e) => update(i, "vat", e.target.value)}
            />
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
      <Field label={t("invoices.due")} name="due_date" type="date" value={due} onChange={(e) => setDue(e.target.value)} />
    </Form>
  );
}
