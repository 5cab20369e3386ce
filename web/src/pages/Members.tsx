import { useState } from "react";
import { api } from "../api/client";
import type { Invitation, Member } from "../api/types";
import { can, grantableRoles, mayManage, type Role } from "../generated/roles";
import { usePaged, type Paged } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { useRole } from "../session";
import { ErrorBox, Field, Form, Notice, PageTitle, Select } from "../components/ui";
import { PagedList, Table } from "../components/List";

export function Members() {
  const { t } = useI18n();
  const role = useRole();
  const manage = can(role, "members.manage");
  const roles = grantableRoles(role);
  const list = usePaged<Member>("/api/members");
  const invitations = usePaged<Invitation>("/api/members/invitations");
  const [error, setError] = useState<unknown>(null);
  // Who may touch which membership comes from the role registry (only owners touch owners).
  const editable = (m: Member) => mayManage(role, m.role);

  const change = async (m: Member, to: Role) => {
    setError(null);
    try {
      const updated = await api.patch<Member>(`/api/members/${m.identity_id}`, { role: to });
      list.setItems((items) => items.map((x) => (x.identity_id === m.identity_id ? updated : x)));
    } catch (e) {
      setError(e);
    }
  };

  const remove = async (m: Member) => {
    if (!window.confirm(t("members.confirmRemove", { email: m.email }))) return;
    setError(null);
    try {
      await api.del(`/api/members/${m.identity_id}`);
      list.setItems((items) => items.filter((x) => x.identity_id !== m.identity_id));
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section>
      <PageTitle>{t("members.title")}</PageTitle>
      {manage && <InviteForm roles={roles} onInvited={(i) => invitations.setItems((items) => [i, ...items.filter((x) => x.id !== i.id)])} />}
      <ErrorBox error={error} />
      <PagedList list={list} name={t("members.title")}>
        <Table
          rows={list.items}
          rowKey={(m) => m.identity_id}
          columns={[
            { header: t("common.name"), cell: (m) => m.name || t("common.none") },
            { header: t("common.email"), cell: (m) => m.email },
            {
              header: t("members.role"),
              cell: (m) =>
                editable(m) ? (
                  <select aria-label={t("members.changeRole", { email: m.email })} value={m.role} onChange={(e) => void change(m, e.target.value as Role)}>
                    {(roles.includes(m.role) ? roles : [m.role, ...roles]).map((r) => (
                      <option key={r} value={r}>
                        {t(`role.${r}`)}
                      </option>
                    ))}
                  </select>
                ) : (
                  t(`role.${m.role}`)
                ),
            },
            manage && {
              header: t("common.actions"),
              cell: (m) =>
                editable(m) && (
                  <button type="button" onClick={() => void remove(m)} aria-label={`${t("members.remove")} ${m.email}`}>
                    {t("members.remove")}
                  </button>
                ),
            },
          ]}
        />
      </PagedList>
      <Invitations list={invitations} manage={manage} />
    </section>
  );
}

/** Pending invitations: each went by mail; they can be sent again (a new link) or revoked. */
function Invitations({ list, manage }: { list: Paged<Invitation>; manage: boolean }) {
  const { t, locale } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [resent, setResent] = useState<string | null>(null);

  const resend = async (i: Invitation) => {
    setError(null);
    setResent(null);
    try {
      const updated = await api.post<Invitation>(`/api/members/invitations/${i.id}/resend`);
      list.setItems((items) => items.map((x) => (x.id === i.id ? updated : x)));
      setResent(i.email);
    } catch (e) {
      setError(e);
    }
  };

  const revoke = async (i: Invitation) => {
    if (!window.confirm(t("invitations.confirmRevoke", { email: i.email }))) return;
    setError(null);
    setResent(null);
    try {
      await api.del(`/api/members/invitations/${i.id}`);
      list.setItems((items) => items.filter((x) => x.id !== i.id));
    } catch (e) {
      setError(e);
    }
  };

  return (
    <>
      <h2 className="section">{t("invitations.pending")}</h2>
      <ErrorBox error={error} />
      {resent && <Notice>{t("invitations.resent", { email: resent })}</Notice>}
      <PagedList list={list} empty={t("invitations.none")} name={t("invitations.pending")}>
        {list.items.length > 0 && (
          <Table
            label={t("invitations.pending")}
            rows={list.items}
            rowKey={(i) => i.id}
            columns={[
              {
                header: t("common.email"),
                cell: (i) => (
                  <>
                    {i.email}
                    {i.name && <small className="hint block">{i.name}</small>}
                  </>
                ),
              },
              { header: t("members.role"), cell: (i) => t(`role.${i.role}`) },
              { header: t("invitations.invitedBy"), cell: (i) => (i.invited_by ? i.invited_by.name || i.invited_by.email : t("common.none")) },
              {
                header: t("invitations.expiresAt"),
                cell: (i) => (i.expired ? <span className="badge expired">{t("invitations.expired")}</span> : formatDate(i.expires_at, locale)),
              },
              manage && {
                header: t("common.actions"),
                cell: (i) => (
                  <div className="buttons">
                    <button type="button" onClick={() => void resend(i)} aria-label={t("invitations.resendLabel", { email: i.email })}>
                      {t("invitations.resend")}
                    </button>
                    <button type="button" onClick={() => void revoke(i)} aria-label={t("invitations.revokeLabel", { email: i.email })}>
                      {t("invitations.revoke")}
                    </button>
                  </div>
                ),
              },
            ]}
          />
        )}
      </PagedList>
    </>
  );
}

function InviteForm({ roles, onInvited }: { roles: Role[]; onInvited: (i: Invitation) => void }) {
  const { t, locale } = useI18n();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [result, setResult] = useState<Invitation | null>(null);

  const submit = async () => {
    setResult(null);
    // The invitation goes to the address by mail; its link never comes back here.
    const added = await api.post<{ invitation: Invitation }>("/api/members", { email, role, name: name.trim() || undefined });
    onInvited(added.invitation);
    setResult(added.invitation);
    setEmail("");
    setName("");
  };

  return (
    <Form
      onSubmit={submit}
      submitLabel={t("members.invite")}
      footer={result && <Notice>{t("members.invited", { email: result.email, date: formatDate(result.expires_at, locale) })}</Notice>}
    >
      <h2>{t("members.invite")}</h2>
      <div className="row">
        <Field label={t("common.email")} name="email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Field label={t("common.name")} name="name" value={name} onChange={(e) => setName(e.target.value)} />
        <Select label={t("members.role")} name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {t(`role.${r}`)}
            </option>
          ))}
        </Select>
      </div>
    </Form>
  );
}
