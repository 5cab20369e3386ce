import { useState } from "react";
import { can } from "../generated/roles";
import { usePaged } from "../hooks";
import { useI18n } from "../i18n";
import { useRole } from "../session";
import { PageTitle } from "../components/ui";
import { AccountForm } from "../components/AccountForm";
import { Link } from "../router";
import type { ClientAccount as Account } from "../crm/types";
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
            { header: t("common.name"), cell: (a) => <Link to={`/accounts/${encodeURIComponent(a.id)}`}>{a.name}</Link> },
            { header: t("client.city"), cell: (a) => a.city || t("common.none") },
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
