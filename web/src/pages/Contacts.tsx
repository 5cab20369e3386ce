import { useState } from "react";
import { api } from "../api/client";
import type { Account, Contact } from "../api/types";
import { can } from "../generated/roles";
import { useNames, usePaged } from "../hooks";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { useRole } from "../session";
import { Field, Form, PageTitle } from "../components/ui";
import { PagedList, Table } from "../components/List";
import { AccountPicker } from "../components/Picker";

export function Contacts() {
  const { t } = useI18n();
  const writable = can(useRole(), "crm.write");
  const list = usePaged<Contact>("/api/contacts");
  // The account of each shown contact, read by id (never the whole account list).
  const accounts = useNames<Account>(
    "/api/accounts",
    list.items.map((c) => c.account_id),
    (a) => a.name,
  );
  const [editing, setEditing] = useState<Contact | "new" | null>(null);

  const saved = (contact: Contact, account: Account | null) => {
    if (account) accounts.set(account.id, account.name);
    list.setItems((items) => [contact, ...items.filter((c) => c.id !== contact.id)]);
    setEditing(null);
  };

  return (
    <section>
      <PageTitle
        actions={
          writable && (
            <button type="button" className="primary" onClick={() => setEditing("new")}>
              {t("contacts.new")}
            </button>
          )
        }
      >
        {t("contacts.title")}
      </PageTitle>
      {editing && (
        <ContactForm
          key={editing === "new" ? "new" : editing.id}
          contact={editing === "new" ? null : editing}
          onSaved={saved}
          onCancel={() => setEditing(null)}
        />
      )}
      <PagedList list={list} search>
        <Table
          rows={list.items}
          rowKey={(c) => c.id}
          columns={[
            { header: t("common.name"), cell: (c) => <Link to={`/contacts/${encodeURIComponent(c.id)}`}>{c.name}</Link> },
            { header: t("common.email"), cell: (c) => c.email ?? t("common.none") },
            { header: t("common.phone"), cell: (c) => c.phone ?? t("common.none") },
            {
              header: t("common.account"),
              cell: (c) =>
                c.account_id ? <Link to={`/accounts/${encodeURIComponent(c.account_id)}`}>{accounts.get(c.account_id) ?? "…"}</Link> : t("common.none"),
            },
            writable && {
              header: t("common.actions"),
              cell: (c) => (
                <button type="button" onClick={() => setEditing(c)} aria-label={`${t("common.edit")} ${c.name}`}>
                  {t("common.edit")}
                </button>
              ),
            },
          ]}
        />
      </PagedList>
    </section>
  );
}

interface FormProps {
  contact: Contact | null;
  onSaved: (c: Contact, account: Account | null) => void;
  onCancel: () => void;
  /** A new contact's account (added from a client's page). */
  accountId?: string;
}

export function ContactForm({ contact, onSaved, onCancel, accountId }: FormProps) {
  const { t } = useI18n();
  const [form, setForm] = useState({
    name: contact?.name ?? "",
    email: contact?.email ?? "",
    phone: contact?.phone ?? "",
    account_id: contact?.account_id ?? accountId ?? "",
  });
  const [account, setAccount] = useState<Account | null>(null);
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });

  const submit = async () => {
    const body = { name: form.name, email: form.email || null, phone: form.phone || null, account_id: form.account_id || null };
    const saved = contact ? await api.patch<Contact>(`/api/contacts/${contact.id}`, body) : await api.post<Contact>("/api/contacts", body);
    onSaved(saved, account);
  };

  return (
    <Form onSubmit={submit} submitLabel={t("common.save")} onCancel={onCancel}>
      <Field label={t("common.name")} name="name" required value={form.name} onChange={set("name")} />
      <Field label={t("common.email")} name="email" type="email" value={form.email} onChange={set("email")} />
      <Field label={t("common.phone")} name="phone" type="tel" value={form.phone} onChange={set("phone")} />
      <AccountPicker
        value={form.account_id}
        onChange={(id, record) => {
          setForm({ ...form, account_id: id });
          setAccount(record);
        }}
      />
    </Form>
  );
}
