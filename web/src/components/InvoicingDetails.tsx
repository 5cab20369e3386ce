// The company's invoicing details (printed on its invoices), for roles that may change company
// settings. Issued invoices keep the details they were issued with.
import { useState, type FormEvent } from "react";
import { api } from "../api/client";
import type { Invoicing } from "../api/types";
import { useFetch } from "../hooks";
import { useI18n } from "../i18n";
import { ErrorBox, Field, FieldErrors, Loading, Notice } from "./ui";

const TEXT_FIELDS = [
  ["legal_name", "invoicing.legalName"],
  ["address", "invoicing.address"],
  ["vat_id", "invoices.vatId"],
  ["kvk_number", "invoices.kvk"],
  ["iban", "invoices.iban"],
] as const;

export function InvoicingDetails({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const details = useFetch<Invoicing>("/api/company/invoicing");
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const value = (key: string) => edits[key] ?? ((details.data as Record<string, unknown> | null)?.[key] as string | null) ?? "";

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const body = Object.fromEntries(Object.entries(edits).map(([k, v]) => [k, v.trim() === "" ? null : v]));
    try {
      details.setData(await api.patch<Invoicing>("/api/company/invoicing", body));
      setEdits({});
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void submit(e)}>
      <h2>{t("invoicing.title")}</h2>
      {details.loading && <Loading />}
      <ErrorBox error={details.error} />
      <FieldErrors error={error}>
        <div className="row">
          {TEXT_FIELDS.map(([key, label]) => (
            <Field key={key} label={t(label)} name={key} value={value(key)} onChange={(e) => setEdits({ ...edits, [key]: e.target.value })} />
          ))}
        </div>
        <ErrorBox error={error} />
      </FieldErrors>
      {saved && <Notice>{t("common.saved")}</Notice>}
      <div className="buttons">
        <button type="submit" className="primary">
          {t("common.save")}
        </button>
        <button type="button" onClick={onClose}>
          {t("common.close")}
        </button>
      </div>
    </form>
  );
}
