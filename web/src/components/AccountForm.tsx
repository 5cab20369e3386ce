// The client (account) form: name and website, and the client record an invoice needs (legal
// name, address, VAT and KvK numbers, Peppol id, invoice address, payment term, language). Each
// field shows the server's problem with it beside itself, in the person's language.
import { useState } from "react";
import { ApiError, api } from "../api/client";
import { useI18n } from "../i18n";
import { CLIENT_FIELDS, type ClientAccount, type ClientField } from "../crm/types";
import { Field, Form, Select } from "./ui";

type Values = Record<"name" | "website" | ClientField, string>;

function initial(account: ClientAccount | null): Values {
  const values = { name: account?.name ?? "", website: account?.website ?? "" } as Values;
  for (const f of CLIENT_FIELDS) {
    const v = account?.[f];
    values[f] = v === null || v === undefined ? "" : String(v);
  }
  // No language is Dutch.
  if (values.language === "") values.language = "nl";
  return values;
}

/** The request body: empty fields are null (cleared), the country upper case, the term a number. */
export function accountBody(values: Values): Record<string, string | number | null> {
  const body: Record<string, string | number | null> = {};
  for (const [key, raw] of Object.entries(values)) {
    const v = raw.trim();
    body[key] = v === "" ? null : v;
  }
  body.name = values.name;
  if (typeof body.country === "string") body.country = body.country.toUpperCase();
  if (typeof body.vat_id === "string") body.vat_id = body.vat_id.replace(/[\s.]/g, "").toUpperCase();
  if (typeof body.kvk_number === "string") body.kvk_number = body.kvk_number.replace(/\s/g, "");
  if (typeof body.payment_terms_days === "string") {
    const days = body.payment_terms_days;
    if (!/^[0-9]{1,3}$/.test(days)) {
      throw ApiError.field("payment_terms_days", { code: "out_of_range", min: 0, max: 365, message: "must be between 0 and 365" });
    }
    body.payment_terms_days = Number(days);
  }
  return body;
}

interface Props {
  account: ClientAccount | null;
  onSaved: (account: ClientAccount) => void;
  onCancel: () => void;
}

export function AccountForm({ account, onSaved, onCancel }: Props) {
  const { t } = useI18n();
  const [values, setValues] = useState(() => initial(account));
  const set = (key: keyof Values) => (e: { target: { value: string } }) => setValues((v) => ({ ...v, [key]: e.target.value }));

  const submit = async () => {
    const body = accountBody(values);
    onSaved(
      account
        ? await api.patch<ClientAccount>(`/api/accounts/${encodeURIComponent(account.id)}`, body)
        : await api.post<ClientAccount>("/api/accounts", body),
    );
  };

  return (
    <Form onSubmit={submit} submitLabel={t("common.save")} onCancel={onCancel}>
      <div className="form-grid">
        <Field label={t("common.name")} name="name" required value={values.name} onChange={set("name")} />
        <Field label={t("common.website")} name="website" value={values.website} onChange={set("website")} />
        <Field label={t("client.legalName")} name="legal_name" value={values.legal_name} onChange={set("legal_name")} />
        <Field label={t("client.street")} name="street" autoComplete="street-address" value={values.street} onChange={set("street")} />
        <Field label={t("client.postcode")} name="postcode" autoComplete="postal-code" value={values.postcode} onChange={set("postcode")} />
        <Field label={t("client.city")} name="city" autoComplete="address-level2" value={values.city} onChange={set("city")} />
        <Field
          label={t("client.country")}
          name="country"
          hint={t("client.countryHint")}
          maxLength={2}
          autoComplete="country"
          value={values.country}
          onChange={set("country")}
        />
        <Field label={t("client.vatId")} name="vat_id" hint={t("client.vatIdHint")} value={values.vat_id} onChange={set("vat_id")} />
        <Field
          label={t("client.kvk")}
          name="kvk_number"
          hint={t("client.kvkHint")}
          inputMode="numeric"
          value={values.kvk_number}
          onChange={set("kvk_number")}
        />
        <Field label={t("client.peppolId")} name="peppol_id" hint={t("client.peppolIdHint")} value={values.peppol_id} onChange={set("peppol_id")} />
        <Field
          label={t("client.invoiceEmail")}
          name="invoice_email"
          type="email"
          hint={t("client.invoiceEmailHint")}
          value={values.invoice_email}
          onChange={set("invoice_email")}
        />
        <Field
          label={t("client.paymentTerms")}
          name="payment_terms_days"
          hint={t("client.paymentTermsHint")}
          inputMode="numeric"
          value={values.payment_terms_days}
          onChange={set("payment_terms_days")}
        />
        <Select label={t("client.language")} name="language" hint={t("client.languageHint")} value={values.language} onChange={set("language")}>
          <option value="nl">{t("client.lang.nl")}</option>
          <option value="en">{t("client.lang.en")}</option>
        </Select>
      </div>
    </Form>
  );
}
