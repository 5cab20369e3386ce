// Editing a deal on its page: title, value, source, expected close, its client and contact
// (searched, never listed whole) and its owner (one of the company's people).
import { useState } from "react";
import { ApiError, api } from "../api/client";
import { useI18n } from "../i18n";
import { moneyInput, parseMoney } from "../money";
import type { CrmDeal } from "../crm/types";
import { AccountPicker, RecordPicker } from "./Picker";
import { Field, Form, Select } from "./ui";

interface Props {
  deal: CrmDeal;
  people: { id: string; name: string }[];
  onSaved: (deal: CrmDeal) => void;
  onCancel: () => void;
}

export function DealEditForm({ deal, people, onSaved, onCancel }: Props) {
  const { t, locale } = useI18n();
  const [v, setV] = useState({
    title: deal.title,
    value: moneyInput(deal.value_cents, locale),
    source: deal.source ?? "",
    expected_close_date: deal.expected_close_date ?? "",
    account_id: deal.account_id ?? "",
    contact_id: deal.contact_id ?? "",
    owner_id: deal.owner_id ?? "",
  });
  const set = (key: keyof typeof v) => (e: { target: { value: string } }) => setV((old) => ({ ...old, [key]: e.target.value }));

  const submit = async () => {
    const cents = v.value.trim() === "" ? 0 : parseMoney(v.value, locale);
    if (cents === null) throw ApiError.field("value_cents", { code: "not_amount", message: "is not an amount" });
    onSaved(
      await api.patch<CrmDeal>(`/api/deals/${encodeURIComponent(deal.id)}`, {
        title: v.title,
        value_cents: cents,
        source: v.source.trim() || null,
        expected_close_date: v.expected_close_date || null,
        account_id: v.account_id || null,
        contact_id: v.contact_id || null,
        owner_id: v.owner_id || null,
      }),
    );
  };

  // The owner may be someone this role cannot list: keep them as a choice.
  const owners = people.some((p) => p.id === v.owner_id) || !v.owner_id ? people : [...people, { id: v.owner_id, name: "…" }];
  return (
    <Form onSubmit={submit} submitLabel={t("common.save")} onCancel={onCancel}>
      <div className="form-grid">
        <Field label={t("common.title")} name="title" required value={v.title} onChange={set("title")} />
        <Field label={t("deal.value")} name="value_cents" inputMode="decimal" value={v.value} onChange={set("value")} />
        <Field label={t("pipeline.source")} name="source" value={v.source} onChange={set("source")} />
        <Field label={t("deal.expectedClose")} name="expected_close_date" type="date" value={v.expected_close_date} onChange={set("expected_close_date")} />
        <Select label={t("deal.owner")} name="owner_id" value={v.owner_id} onChange={set("owner_id")}>
          <option value="">{t("common.none")}</option>
          {owners.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </Select>
      </div>
      <AccountPicker value={v.account_id} onChange={(id) => setV((old) => ({ ...old, account_id: id }))} />
      <RecordPicker<{ id: string; name: string }>
        label={t("crm.contact")}
        searchLabel={t("crm.findContact")}
        path="/api/contacts"
        name="contact_id"
        value={v.contact_id}
        onChange={(id) => setV((old) => ({ ...old, contact_id: id }))}
        describe={(c) => c.name}
      />
    </Form>
  );
}
