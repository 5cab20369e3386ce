import { useState } from "react";
import { api } from "../api/client";
import type { Account } from "../api/types";
import { can } from "../generated/roles";
import { usePaged } from "../hooks";
import { useI18n } from "../i18n";
import { useRole } from "../session";
import { Field, Form, PageTitle } from "../components/ui";
import { PagedList, Table } from "../components/List";

export function Accounts() {
  const { t } = useI18n();
  const writable = can(useRole(), "crm.write");
  const list = usePaged<Account>("/api/accounts");
  const [editing, setEditing] = useState<Account | "new" | null>(null);

  const saved = (account: Account) => {
    list.setItems((items) => [account, ...items.filter((a) => a.id !== account.id)]);
    setEditing(null);
  };

  return (
    <section>
      <PageTitle
        actions={
          writable && (
            <button type="button" className="primary" onClick={() => setEditing("new")}>
              {t("accounts.new")}
            </button>
          )
        }
      >
        {t("accounts.title")}
      </PageTitle>
      {editing && (
        <AccountForm
          key={editing === "new" ? "new" : editing.id}
          account={editing === "new" ? null : editing}
          onSaved={saved}
          onCancel={() => setEditing(null)}
        />
      )}
      <PagedList list={list} search>
        <Table
          rows={list.items}
          rowKey={(a) => a.id}
          columns={[
            { header: t("common.name"), cell: (a) => a.name },
            { header: t("common.website"), cell: (a) => a.website ?? t("common.none") },
            writable && {
              header: t("common.actions"),
              cell: (a) => (
                <button type="button" onClick={() => setEditing(a)} aria-label={`${t("common.edit")} ${a.name}`}>
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

function AccountForm({ account, onSaved, onCancel }: { account: Account | null; onSaved: (a: Account) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState(account?.name ?? "");
  const [website, setWebsite] = useState(account?.website ?? "");

  const submit = async () => {
    const body = { name, website: website || null };
    onSaved(account ? await api.patch<Account>(`/api/accounts/${account.id}`, body) : await api.post<Account>("/api/accounts", body));
  };

  return (
    <Form onSubmit={submit} submitLabel={t("common.save")} onCancel={onCancel}>
      <Field label={t("common.name")} name="name" required value={name} onChange={(e) => setName(e.target.value)} />
      <Field label={t("common.website")} name="website" value={website} onChange={(e) => setWebsite(e.target.value)} />
    </Form>
  );
}
