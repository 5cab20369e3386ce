import { useState, type FormEvent } from "react";
import { api } from "../api/client";
import type { Account, Contact } from "../api/types";
import { can } from "../generated/roles";
import { useFetch, usePaged } from "../hooks";
import { useI18n } from "../i18n";
import { useRole } from "../session";
import { ErrorBox, Field, Loading, PageTitle, Select } from "../components/ui";
import { SearchBox } from "../components/SearchBox";

export function Contacts() {
  const { t } = useI18n();
  const writable = can(useRole(), "crm.write");
  const [q, setQ] = useState("");
  const list = usePaged<Contact>("/api/contacts", { q });
  const accounts = useFetch<{ items: Account[] }>("/api/accounts?limit=200");
  const accountName = (id?: string | null) => accounts.data?.items.find((a) => a.id === id)?.name ?? t("common.none");
  const [editing, setEditing] = useState<Contact | "new" | null>(null);

  const saved = (contact: Contact) => {
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
          contact={editing === "new" ? null : editing}
          accounts={accounts.data?.items ?? []}
          onSaved={saved}
          onCancel={() => setEditing(null)}
        />
      )}
      <SearchBox onSearch={setQ} />
      <ErrorBox error={list.error} />
      <div className="table-wrap">
        <table>
        <thead>
          <tr>
            <th>{t("common.name")}</th>
            <th>{t("common.email")}</th>
            <th>{t("common.phone")}</th>
            <th>{t("common.account")}</th>
            {writable && <th>{t("common.actions")}</th>}
          </tr>
        </thead>
        <tbody>
          {list.items.map((c) => (
            <tr key={c.id}>
              <td>{c.name}</td>
              <td>{c.email ?? t("common.none")}</td>
              <td>{c.phone ?? t("common.none")}</td>
              <td>{accountName(c.account_id)}</td>
              {writable && (
                <td>
                  <button type="button" onClick={() => setEditing(c)} aria-label={`${t("common.edit")} ${c.name}`}>
                    {t("common.edit")}
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
        </table>
      </div>
      {list.loading ? <Loading /> : list.items.length === 0 && <p>{t("common.empty")}</p>}
      {list.hasMore && (
        <button type="button" onClick={() => void list.more()}>
          {t("common.more")}
        </button>
      )}
    </section>
  );
}

interface FormProps {
  contact: Contact | null;
  accounts: Account[];
  onSaved: (c: Contact) => void;
  onCancel: () => void;
}

function ContactForm({ contact, accounts, onSaved, onCancel }: FormProps) {
  const { t } = useI18n();
  const [form, setForm] = useState({
    name: contact?.name ?? "",
    email: contact?.email ?? "",
    phone: contact?.phone ?? "",
    account_id: contact?.account_id ?? "",
  });
  const [error, setError] = useState<unknown>(null);
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const body = { name: form.name, email: form.email || null, phone: form.phone || null, account_id: form.account_id || null };
    try {
      onSaved(contact ? await api.patch<Contact>(`/api/contacts/${contact.id}`, body) : await api.post<Contact>("/api/contacts", body));
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void submit(e)}>
      <Field label={t("common.name")} required value={form.name} onChange={set("name")} />
      <Field label={t("common.email")} type="email" value={form.email} onChange={set("email")} />
      <Field label={t("common.phone")} type="tel" value={form.phone} onChange={set("phone")} />
      <Select label={t("common.account")} value={form.account_id} onChange={set("account_id")}>
        <option value="">{t("common.none")}</option>
        {accounts.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name}
          </option>
        ))}
      </Select>
      <ErrorBox error={error} />
      <div className="buttons">
        <button type="submit" className="primary">
          {t("common.save")}
        </button>
        <button type="button" onClick={onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}
