// A client admin's colleagues in the portal: invite (they get a sign-in link) and remove.
import { useState } from "react";
import { useAction } from "../../hooks";
import { useI18n } from "../../i18n";
import { Table } from "../../components/List";
import { ErrorBox, Field, Form, Loading, PageTitle, Select } from "../../components/ui";
import { portalApi } from "../client";
import { usePortal, usePortalFetch } from "../hooks";
import { itemsOf, type ListOf, type PortalRole, type PortalUser } from "../types";

export const PORTAL_ROLES: readonly PortalRole[] = ["client_admin", "member", "billing"];

export function PortalColleagues() {
  const { t } = useI18n();
  const { me, readOnly } = usePortal();
  const list = usePortalFetch<ListOf<PortalUser>>("/api/portal/colleagues");
  const rows = itemsOf(list.data).filter((u) => u.status !== "removed");
  const [inviting, setInviting] = useState(false);
  const remove = useAction();
  return (
    <section>
      <PageTitle
        actions={
          !readOnly &&
          !inviting && (
            <button type="button" className="primary" onClick={() => setInviting(true)}>
              {t("portal.inviteColleague")}
            </button>
          )
        }
      >
        {t("portal.nav.colleagues")}
      </PageTitle>
      {inviting && (
        <InviteForm
          path="/api/portal/colleagues"
          onDone={() => {
            setInviting(false);
            void list.reload();
          }}
          onCancel={() => setInviting(false)}
        />
      )}
      <ErrorBox error={list.error ?? remove.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : (
        <Table
          label={t("portal.nav.colleagues")}
          rows={rows}
          rowKey={(u) => u.id}
          columns={[
            { header: t("common.name"), cell: (u) => u.name },
            { header: t("common.email"), cell: (u) => u.email },
            { header: t("portal.role"), cell: (u) => t(`portal.role.${u.role}`) },
            !readOnly && {
              header: t("common.actions"),
              cell: (u) =>
                u.id !== me.user?.id && (
                  <button
                    type="button"
                    className="danger"
                    disabled={remove.busy}
                    aria-label={t("portal.removeUser", { name: u.name })}
                    onClick={() => {
                      if (!window.confirm(t("portal.removeConfirm", { name: u.name }))) return;
                      void remove.run(async () => {
                        await portalApi.del(`/api/portal/colleagues/${encodeURIComponent(u.id)}`);
                        await list.reload();
                      });
                    }}
                  >
                    {t("portal.remove")}
                  </button>
                ),
            },
          ]}
        />
      )}
    </section>
  );
}

/** Invites a portal user (by the client admin here; staff use the same fields). */
export function InviteForm({
  path,
  onDone,
  onCancel,
  post = (p, body) => portalApi.post(p, body),
  extra,
}: {
  path: string;
  onDone: () => void;
  onCancel: () => void;
  post?: (path: string, body: Record<string, unknown>) => Promise<unknown>;
  extra?: Record<string, unknown>;
}) {
  const { t, locale } = useI18n();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<PortalRole>("member");
  return (
    <Form
      onSubmit={async () => {
        await post(path, { name: name.trim(), email: email.trim(), role, language: locale, ...extra });
        onDone();
      }}
      submitLabel={t("portal.invite")}
      onCancel={onCancel}
    >
      <div className="form-grid">
        <Field label={t("common.name")} name="name" required value={name} onChange={(e) => setName(e.target.value)} />
        <Field label={t("common.email")} name="email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Select label={t("portal.role")} name="role" value={role} onChange={(e) => setRole(e.target.value as PortalRole)}>
          {PORTAL_ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`portal.role.${r}`)}
            </option>
          ))}
        </Select>
      </div>
    </Form>
  );
}
