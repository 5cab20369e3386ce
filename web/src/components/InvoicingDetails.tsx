// The company's legal and invoicing details (printed on its invoices), for roles that may change
// company settings. Issued invoices keep the details they were issued with.
import { useState, type FormEvent } from "react";
import { ApiError, api } from "../api/client";
import type { Invoicing } from "../api/types";
import { useFetch } from "../hooks";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n/en";
import { ErrorBox, Field, FieldErrors, Loading, Notice } from "./ui";

const TEXT_FIELDS: [keyof Invoicing, MessageKey][] = [
  ["legal_name", "invoicing.legalName"],
  ["street", "money.field.street"],
  ["postcode", "money.field.postcode"],
  ["city", "money.field.city"],
  ["country", "money.field.country"],
  ["kvk_number", "invoices.kvk"],
  ["vat_id", "invoices.vatId"],
  ["iban", "invoices.iban"],
  ["email", "money.field.email"],
  ["invoice_prefix", "money.invoicePrefix"],
];

/** "7, 21" as [7, 21]; null when it is not a list of whole numbers. */
export function parseDays(text: string): number[] | null {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (!parts.every((p) => /^[0-9]{1,3}$/.test(p))) return null;
  return parts.map(Number);
}

export function InvoicingDetails({ onClose }: { onClose?: () => void }) {
  const { t } = useI18n();
  const details = useFetch<Invoicing>("/api/company/invoicing");
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const stored = (key: string): string => {
    const v = (details.data as Record<string, unknown> | null)?.[key];
    if (Array.isArray(v)) return v.join(", ");
    return v === null || v === undefined ? "" : String(v);
  };
  const value = (key: string) => edits[key] ?? stored(key);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      const body: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(edits)) {
        if (k === "payment_terms_days") {
          if (v.trim() === "") body[k] = null;
          else if (/^[0-9]{1,3}$/.test(v.trim())) body[k] = Number(v.trim());
          else throw ApiError.field(k, { code: "wrong_type", message: "is not a whole number" });
        } else if (k === "reminder_days") {
          const days = parseDays(v);
          if (days === null) throw ApiError.field(k, { code: "wrong_type", message: "is not a list of whole numbers" });
          body[k] = days;
        } else {
          body[k] = v.trim() === "" ? null : k === "country" ? v.trim().toUpperCase() : v.trim();
        }
      }
      details.setData(await api.patch<Invoicing>("/api/company/invoicing", body));
      setEdits({});
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void submit(e)}>
      <h2>{t("money.legalDetails")}</h2>
      {details.loading && <Loading />}
      <ErrorBox error={details.error} />
      <FieldErrors error={error}>
        <div className="row">
          {TEXT_FIELDS.map(([key, label]) => (
            <Field key={key} label={t(label)} name={key} value={value(key)} onChange={(e) => setEdits({ ...edits, [key]: e.target.value })} />
          ))}
          <Field
            label={t("money.paymentTerms")}
            name="payment_terms_days"
            inputMode="numeric"
            value={value("payment_terms_days")}
            onChange={(e) => setEdits({ ...edits, payment_terms_days: e.target.value })}
          />
          <Field
            label={t("money.reminderDays")}
            hint={t("money.reminderDaysHint")}
            name="reminder_days"
            value={value("reminder_days")}
            onChange={(e) => setEdits({ ...edits, reminder_days: e.target.value })}
          />
        </div>
        <ErrorBox error={error} />
      </FieldErrors>
      {saved && <Notice>{t("common.saved")}</Notice>}
      <div className="buttons">
        <button type="submit" className="primary">
          {t("common.save")}
        </button>
        {onClose && (
          <button type="button" onClick={onClose}>
            {t("common.close")}
          </button>
        )}
      </div>
    </form>
  );
}
