import { useState, type FormEvent } from "react";
import { api } from "../api/client";
import type { Account } from "../api/types";
import { can } from "../generated/roles";
import { usePaged } from "../hooks";
import { useI18n } from "../i18n";
import { useRole } from "../session";
import { ErrorBox, Field, Loading, PageTitle } from "../components/ui";
import { SearchBox } from "../components/SearchBox";

export function Accounts() {
  const { t } = useI18n();
  const writable = can(useRole(), "crm.write");
  const [q, setQ] = useState("");
  const list = usePaged<Account>("/api/accounts", { q });
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
      {editing && <AccountForm account={editing === "new" ? null : editing} onSaved={saved} onCancel={() => setEditing(null)} />}
      <SearchBox onSearch={setQ} />
      <ErrorBox error={list.error} />
      <div className="table-wrap">
        <table>
        <thead>
          <tr>
            <th>{t("common.name")}</th>
            <th>{t("common.website")}</th>
            {writable && <th>{t("common.actions")}</th>}
          </tr>
        </thead>
        <tbody>
          {list.items.map((a) => (
            <tr key={a.id}>
              <td>{a.name}</td>
              <td>{a.website ?? t("common.none")}</td>
              {writable && (
                <td>
                  <button type="button" onClick={() => setEditing(a)} aria-label={`${t("common.edit")} ${a.name}`}>
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

function AccountForm({ account, onSaved, onCancel }: { account: Account | null; onSaved: (a: Account) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState(account?.name ?? "");
  const [website, setWebsite] = useState(account?.website ?? "");
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const body = { name, website: website || null };
    try {
      onSaved(account ? await api.patch<Account>(`/api/accounts/${account.id}`, body) : await api.post<Account>("/api/accounts", body));
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void submit(e)}>
      <Field label={t("common.name")} required value={name} onChange={(e) => setName(e.target.value)} />
      <Field label={t("common.website")} value={website} onChange={(e) => setWebsite(e.target.value)} />
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
