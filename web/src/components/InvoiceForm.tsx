// A draft invoice: its customer, language, dates, reverse charge and lines. Creates a draft or
// edits one (`invoice`); every typed amount goes through money.ts and is sent as integers.
import { useState } from "react";
import { ApiError, api, type FieldProblem } from "../api/client";
import type { Invoice, Line } from "../generated/api";
import { useI18n, type Locale } from "../i18n";
import {
  amountProblem,
  formatMoney,
  lineTotals,
  milliToQuantity,
  moneyInput,
  parseQuantity,
  parseVatRate,
  quantityToMilli,
  readAmount,
  scaledToDecimal,
} from "../money";
import { Field, Form, Select, TextArea } from "./ui";
import { AccountPicker } from "./Picker";

export interface LineDraft {
  description: string;
  quantity: string;
  unit: string;
  vat: string;
}

const EMPTY: LineDraft = { description: "", quantity: "1", unit: "", vat: "21" };

const NOT_NUMBER: FieldProblem = { code: "wrong_type", message: "is not a number" };

/** A plain decimal ("1.500") as typed in the locale, without trailing zeros ("1,5" in Dutch). */
function typed(decimal: string, locale: Locale): string {
  const trimmed = decimal.includes(".") ? decimal.replace(/0+$/, "").replace(/\.$/, "") : decimal;
  return locale === "nl" ? trimmed.replace(".", ",") : trimmed;
}

/** A stored line as the form shows it, in the locale's way of writing numbers. */
export function lineDraft(line: Line, locale: Locale): LineDraft {
  return {
    description: line.description,
    quantity: typed(scaledToDecimal(quantityToMilli(line.quantity), 3), locale),
    unit: moneyInput(line.unit_cents, locale),
    vat: typed(scaledToDecimal(line.vat_rate_bp, 2), locale),
  };
}

/**
 * The lines as the API takes them (quantity a JSON number, cents and basis points as integers);
 * a malformed entry throws a field problem under its field (`lines[0].unit_cents`).
 */
export function linesBody(lines: LineDraft[], locale: Locale, prefix = "lines") {
  return lines.map((l, i) => {
    const bad = (field: string, problem: FieldProblem) => ApiError.field(`${prefix}[${i}].${field}`, problem);
    const milli = parseQuantity(l.quantity, locale);
    if (milli === null) throw bad("quantity", NOT_NUMBER);
    const unit = readAmount(l.unit, locale, { allowZero: true });
    if (unit.problem) throw bad("unit_cents", amountProblem(unit.problem));
    const vat = parseVatRate(l.vat, locale);
    if (vat === null) throw bad("vat_rate_bp", NOT_NUMBER);
    return { description: l.description, quantity: milliToQuantity(milli), unit_cents: unit.cents, vat_rate_bp: vat };
  });
}

/** Net and VAT of the lines that read well (for the running totals under the form). */
export function draftTotals(lines: LineDraft[], locale: Locale) {
  return lines.reduce(
    (sum, l) => {
      const milli = parseQuantity(l.quantity, locale);
      const unit = readAmount(l.unit, locale, { allowZero: true });
      const vat = parseVatRate(l.vat, locale);
      if (milli === null || unit.problem || vat === null) return sum;
      const line = lineTotals({ milli, unit_cents: unit.cents, vat_rate_bp: vat });
      return { net: sum.net + line.net, vat: sum.vat + line.vat };
    },
    { net: 0, vat: 0 },
  );
}

/** The description, quantity, price and VAT fields of lines (also used by the credit note form). */
export function LineFields({ lines, onChange, prefix = "lines", vatLocked = false }: { lines: LineDraft[]; onChange: (lines: LineDraft[]) => void; prefix?: string; vatLocked?: boolean }) {
  const { t } = useI18n();
  const update = (i: number, key: keyof LineDraft, value: string) => onChange(lines.map((l, j) => (i === j ? { ...l, [key]: value } : l)));
  return (
    <fieldset>
      <legend>{t("invoices.lines")}</legend>
      {lines.map((l, i) => (
        <div className="line" key={i}>
          <Field label={t("invoices.description")} name={`${prefix}[${i}].description`} required value={l.description} onChange={(e) => update(i, "description", e.target.value)} />
          <Field label={t("invoices.quantity")} name={`${prefix}[${i}].quantity`} inputMode="decimal" required value={l.quantity} onChange={(e) => update(i, "quantity", e.target.value)} />
          <Field
            label={t("invoices.unitPrice")}
            name={`${prefix}[${i}].unit_cents`}
            inputMode="decimal"
            required
            value={l.unit}
            hint={t("money.amountHint")}
            onChange={(e) => update(i, "unit", e.target.value)}
          />
          <Field
            label={t("invoices.vatRate")}
            name={`${prefix}[${i}].vat_rate_bp`}
            inputMode="decimal"
            required
            readOnly={vatLocked}
            value={vatLocked ? "0" : l.vat}
            onChange={(e) => update(i, "vat", e.target.value)}
          />
          {lines.length > 1 && (
            <button type="button" onClick={() => onChange(lines.filter((_, j) => j !== i))}>
              {t("invoices.removeLine")}
            </button>
          )}
        </div>
      ))}
      <button type="button" onClick={() => onChange([...lines, { ...EMPTY, vat: vatLocked ? "0" : EMPTY.vat }])}>
        {t("invoices.addLine")}
      </button>
    </fieldset>
  );
}

export function Totals({ net, vat, currency = "EUR" }: { net: number; vat: number; currency?: string }) {
  const { t, locale } = useI18n();
  return (
    <dl className="totals">
      <dt>{t("invoices.subtotal")}</dt>
      <dd>{formatMoney(net, currency, locale)}</dd>
      <dt>{t("invoices.vat")}</dt>
      <dd>{formatMoney(vat, currency, locale)}</dd>
      <dt>{t("invoices.total")}</dt>
      <dd data-testid="form-total">{formatMoney(net + vat, currency, locale)}</dd>
    </dl>
  );
}

export function InvoiceForm({ invoice, onSaved, onCancel }: { invoice?: Invoice; onSaved: (i: Invoice) => void; onCancel: () => void }) {
  const { t, locale } = useI18n();
  const [lines, setLines] = useState<LineDraft[]>(invoice && invoice.lines.length > 0 ? invoice.lines.map((l) => lineDraft(l, locale)) : [{ ...EMPTY }]);
  const [due, setDue] = useState(invoice?.due_date ?? "");
  const [supply, setSupply] = useState(invoice?.supply_date ?? "");
  const [account, setAccount] = useState(invoice?.account_id ?? "");
  const [language, setLanguage] = useState<string>(invoice?.language ?? "");
  const [reverse, setReverse] = useState(invoice?.reverse_charge ?? false);
  const [notes, setNotes] = useState(invoice?.notes ?? "");

  const shown = reverse ? lines.map((l) => ({ ...l, vat: "0" })) : lines;
  const totals = draftTotals(shown, locale);

  const submit = async () => {
    const body = {
      lines: linesBody(shown, locale),
      account_id: account || null,
      due_date: due || null,
      supply_date: supply || null,
      reverse_charge: reverse,
      notes: notes.trim() || null,
      ...(language ? { language } : {}),
    };
    onSaved(invoice ? await api.patch<Invoice>(`/api/invoices/${invoice.id}`, body) : await api.post<Invoice>("/api/invoices", body));
  };

  return (
    <Form onSubmit={submit} submitLabel={invoice ? t("common.save") : t("common.create")} onCancel={onCancel} footer={<Totals {...totals} currency={invoice?.currency ?? "EUR"} />}>
      <div className="row top">
        <AccountPicker value={account} onChange={(id) => setAccount(id)} />
        <Select label={t("money.language")} name="language" value={language} onChange={(e) => setLanguage(e.target.value)}>
          <option value="">{t("money.languageClient")}</option>
          <option value="nl">{t("money.languageNl")}</option>
          <option value="en">{t("money.languageEn")}</option>
        </Select>
      </div>
      <div className="row top">
        <Field label={t("money.supplyDate")} hint={t("money.supplyDateHint")} name="supply_date" type="date" value={supply} onChange={(e) => setSupply(e.target.value)} />
        <Field label={t("invoices.due")} name="due_date" type="date" value={due} onChange={(e) => setDue(e.target.value)} />
      </div>
      <div className="field checkbox">
        <label>
          <input type="checkbox" name="reverse_charge" checked={reverse} onChange={(e) => setReverse(e.target.checked)} /> {t("money.reverseCharge")}
        </label>
        <small className="hint">{t("money.reverseChargeHint")}</small>
      </div>
      <LineFields lines={shown} onChange={setLines} vatLocked={reverse} />
      <TextArea label={t("money.notes")} name="notes" value={notes} onChange={(e) => setNotes(e.target.value)} />
    </Form>
  );
}
