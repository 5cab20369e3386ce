import { useState, type FormEvent } from "react";
import { api } from "../api/client";
import type { Member } from "../api/types";
import { ROLES, can, type Role } from "../generated/roles";
import { usePaged } from "../hooks";
import { useI18n } from "../i18n";
import { assignableRoles } from "../permissions";
import { useRole } from "../session";
import { ErrorBox, Field, Loading, Notice, PageTitle, Select } from "../components/ui";

export function Members() {
  const { t } = useI18n();
  const role = useRole();
  const manage = can(role, "members.manage");
  const roles = assignableRoles(role, ROLES);
  const list = usePaged<Member>("/api/members");
  const [error, setError] = useState<unknown>(null);
  // Owners' memberships are only for owners to touch (roles.md).
  const editable = (m: Member) => manage && (m.role !== "owner" || role === "owner");

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
      {manage && <InviteForm roles={roles} onAdded={(m) => list.setItems((items) => [...items, m])} />}
      <ErrorBox error={error ?? list.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t("common.name")}</th>
              <th>{t("common.email")}</th>
              <th>{t("members.role")}</th>
              {manage && <th>{t("common.actions")}</th>}
            </tr>
          </thead>
          <tbody>
            {list.items.map((m) => (
              <tr key={m.identity_id}>
                <td>{m.name || t("common.none")}</td>
                <td>{m.email}</td>
                <td>
                  {editable(m) ? (
                    <select aria-label={t("members.changeRole", { email: m.email })} value={m.role} onChange={(e) => void change(m, e.target.value as Role)}>
                      {(roles.includes(m.role) ? roles : [m.role, ...roles]).map((r) => (
                        <option key={r} value={r}>
                          {t(`role.${r}`)}
                        </option>
                      ))}
                    </select>
                  ) : (
                    t(`role.${m.role}`)
                  )}
                </td>
                {manage && (
                  <td>
                    {editable(m) && (
                      <button type="button" onClick={() => void remove(m)} aria-label={`${t("members.remove")} ${m.email}`}>
                        {t("members.remove")}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.loading && <Loading />}
    </section>
  );
}

function InviteForm({ roles, onAdded }: { roles: Role[]; onAdded: (m: Member) => void }) {
  const { t } = useI18n();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [result, setResult] = useState<{ email: string; link: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setResult(null);
    try {
      const added = await api.post<{ member: Member; invite_url?: string | null }>("/api/members", { email, role });
      onAdded(added.member);
      setResult({ email, link: added.invite_url ?? null });
      setEmail("");
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void submit(e)}>
      <h2>{t("members.invite")}</h2>
      <div className="row">
        <Field label={t("common.email")} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Select label={t("members.role")} value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {t(`role.${r}`)}
            </option>
          ))}
        </Select>
      </div>
      <ErrorBox error={error} />
      <button type="submit" className="primary">
        {t("members.invite")}
      </button>
      {result && (
        <Notice>
          {result.link ? (
            <>
              <p>{t("members.inviteLink", { email: result.email })}</p>
              <input className="invite-link" readOnly value={result.link} aria-label={t("members.inviteLink", { email: result.email })} onFocus={(e) => e.target.select()} />
            </>
          ) : (
            <p>{t("members.added", { email: result.email })}</p>
          )}
        </Notice>
      )}
    </form>
  );
}
