// The "Portal" part of a client's page: which parts of the portal are on, the client's portal
// users (invite, disable, remove) and "view as client"; then the files, approvals and messages
// shared with the client (./Collab). Shown to roles with `portal.engage`; changing the switches
// and the users needs `portal.manage`.
import { useState } from "react";
import { api } from "../../api/client";
import type { Contact } from "../../api/types";
import { can } from "../../generated/roles";
import { useAction, useAll, useFetch } from "../../hooks";
import { formatDate, useI18n } from "../../i18n";
import type { MessageKey } from "../../i18n/en";
import { navigate } from "../../router";
import { useRole } from "../../session";
import { setPortalToken } from "../../portal/client";
import type { AccountPortal as Portal, PortalAccess, PortalRole, PortalUser } from "../../portal/types";
import { PORTAL_ROLES } from "../../portal/pages/Colleagues";
import { Table } from "../List";
import { ErrorBox, Field, Form, Loading, Notice, Select } from "../ui";
import { AccountApprovals, AccountFiles, AccountThreads } from "./Collab";

export const PARTS: readonly (keyof PortalAccess)[] = ["contracts", "invoices", "projects", "project_time", "files", "approvals", "messages"];

export function AccountPortal({ accountId, accountName }: { accountId: string; accountName: string }) {
  const { t } = useI18n();
  const role = useRole();
  const path = `/api/accounts/${encodeURIComponent(accountId)}/portal`;
  const portal = useFetch<Portal>(path);
  const manage = can(role, "portal.manage");
  const access = portal.data?.access;
  return (
    <section className="portal-section" aria-labelledby="portal-heading">
      <h2 className="section" id="portal-heading">
        {t("staffPortal.title")}
      </h2>
      <ErrorBox error={portal.error} />
      {portal.loading && !portal.data && <Loading />}
      {portal.data && (
        <>
          <AccessForm
            path={path}
            access={portal.data.access}
            manage={manage}
            onSaved={(a) => portal.setData((old) => (old ? { ...old, access: a } : old))}
          />
          <PortalUsers accountId={accountId} users={portal.data.users} manage={manage} reload={() => void portal.reload()} />
          {manage && <Preview accountId={accountId} accountName={accountName} />}
        </>
      )}
      {access?.files && <AccountFiles accountId={accountId} />}
      {access?.approvals && <AccountApprovals accountId={accountId} />}
      {access?.messages && <AccountThreads accountId={accountId} />}
    </section>
  );
}

function AccessForm({ path, access, manage, onSaved }: { path: string; access: PortalAccess; manage: boolean; onSaved: (a: PortalAccess) => void }) {
  const { t } = useI18n();
  const [value, setValue] = useState<PortalAccess>(access);
  const [done, setDone] = useState(false);
  const boxes = (
    <div className="event-areas">
      {PARTS.map((part) => (
        <label className="check" key={part}>
          <input
            type="checkbox"
            checked={value[part]}
            disabled={!manage}
            onChange={(e) => {
              setDone(false);
              setValue((v) => ({ ...v, [part]: e.target.checked }));
            }}
          />
          {t(`staffPortal.part.${part}` as MessageKey)}
        </label>
      ))}
    </div>
  );
  if (!manage) {
    return (
      <div className="panel">
        <h3>{t("staffPortal.parts")}</h3>
        {boxes}
      </div>
    );
  }
  return (
    <Form
      onSubmit={async () => {
        setDone(false);
        const answer = await api.patch<Portal | PortalAccess | { access: PortalAccess }>(path, value);
        const saved = answer && "access" in answer ? answer.access : ((answer as PortalAccess | undefined) ?? value);
        onSaved(saved);
        setValue(saved);
        setDone(true);
      }}
      submitLabel={t("staffPortal.saveParts")}
      footer={done && <Notice>{t("common.saved")}</Notice>}
    >
      <h3>{t("staffPortal.parts")}</h3>
      <p className="hint">{t("staffPortal.partsHint")}</p>
      {boxes}
    </Form>
  );
}

function PortalUsers({ accountId, users, manage, reload }: { accountId: string; users: PortalUser[]; manage: boolean; reload: () => void }) {
  const { t, locale } = useI18n();
  const [inviting, setInviting] = useState(false);
  const [invited, setInvited] = useState<string | null>(null);
  const action = useAction();
  const shown = users.filter((u) => u.status !== "removed");
  const patch = (u: PortalUser, body: Record<string, unknown>) =>
    action.run(async () => {
      await api.patch(`/api/portal-users/${encodeURIComponent(u.id)}`, body);
      reload();
    });
  return (
    <div className="panel">
      <div className="section-title">
        <h3>{t("staffPortal.users")}</h3>
        {manage && !inviting && (
          <button type="button" onClick={() => setInviting(true)}>
            {t("staffPortal.invite")}
          </button>
        )}
      </div>
      {inviting && (
        <StaffInviteForm
          accountId={accountId}
          onDone={(email) => {
            setInviting(false);
            setInvited(email);
            reload();
          }}
          onCancel={() => setInviting(false)}
        />
      )}
      {invited && <Notice>{t("staffPortal.invited", { email: invited })}</Notice>}
      <ErrorBox error={action.error} />
      {shown.length === 0 ? (
        <p>{t("staffPortal.noUsers")}</p>
      ) : (
        <Table
          label={t("staffPortal.users")}
          rows={shown}
          rowKey={(u) => u.id}
          columns={[
            { header: t("common.name"), cell: (u) => u.name },
            { header: t("common.email"), cell: (u) => u.email },
            { header: t("portal.role"), cell: (u) => t(`portal.role.${u.role}`) },
            { header: t("common.status"), cell: (u) => t(u.status === "disabled" ? "staffPortal.disabled" : "staffPortal.active") },
            { header: t("staffPortal.lastSignIn"), cell: (u) => formatDate(u.last_login_at, locale, true) || t("common.none") },
            manage && {
              header: t("common.actions"),
              cell: (u) => (
                <div className="buttons">
                  <button
                    type="button"
                    disabled={action.busy}
                    aria-label={t(u.status === "disabled" ? "staffPortal.enableUser" : "staffPortal.disableUser", { name: u.name })}
                    onClick={() => void patch(u, { disabled: u.status !== "disabled" })}
                  >
                    {t(u.status === "disabled" ? "staffPortal.enable" : "staffPortal.disable")}
                  </button>
                  <button
                    type="button"
                    className="danger"
                    disabled={action.busy}
                    aria-label={t("portal.removeUser", { name: u.name })}
                    onClick={() => {
                      if (!window.confirm(t("portal.removeConfirm", { name: u.name }))) return;
                      void action.run(async () => {
                        await api.del(`/api/portal-users/${encodeURIComponent(u.id)}`);
                        reload();
                      });
                    }}
                  >
                    {t("portal.remove")}
                  </button>
                </div>
              ),
            },
          ]}
        />
      )}
    </div>
  );
}

function StaffInviteForm({ accountId, onDone, onCancel }: { accountId: string; onDone: (email: string) => void; onCancel: () => void }) {
  const { t, locale } = useI18n();
  const contacts = useAll<Contact>(`/api/contacts?account_id=${encodeURIComponent(accountId)}`);
  const mine = (contacts.data ?? []).filter((c) => c.account_id === accountId && c.email);
  const [contactId, setContactId] = useState("");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<PortalRole>("client_admin");
  const [language, setLanguage] = useState<string>(locale);
  const choose = (id: string) => {
    setContactId(id);
    const c = mine.find((x) => x.id === id);
    if (c) {
      setName(c.name);
      setEmail(c.email ?? "");
    }
  };
  return (
    <Form
      className="panel"
      onSubmit={async () => {
        await api.post(`/api/accounts/${encodeURIComponent(accountId)}/portal-users`, {
          name: name.trim(),
          email: email.trim(),
          role,
          language,
          contact_id: contactId || undefined,
        });
        onDone(email.trim());
      }}
      submitLabel={t("staffPortal.sendInvite")}
      onCancel={onCancel}
    >
      <div className="form-grid">
        {mine.length > 0 && (
          <Select label={t("staffPortal.fromContact")} name="contact_id" value={contactId} onChange={(e) => choose(e.target.value)}>
            <option value="">{t("staffPortal.noContact")}</option>
            {mine.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({c.email})
              </option>
            ))}
          </Select>
        )}
        <Field label={t("common.name")} name="name" required value={name} onChange={(e) => setName(e.target.value)} />
        <Field label={t("common.email")} name="email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Select label={t("portal.role")} name="role" value={role} onChange={(e) => setRole(e.target.value as PortalRole)}>
          {PORTAL_ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`portal.role.${r}`)}
            </option>
          ))}
        </Select>
        <Select label={t("staffPortal.mailLanguage")} name="language" value={language} onChange={(e) => setLanguage(e.target.value)}>
          <option value="en">English</option>
          <option value="nl">Nederlands</option>
        </Select>
      </div>
      <p className="hint">{t("staffPortal.inviteHint")}</p>
    </Form>
  );
}

function Preview({ accountId, accountName }: { accountId: string; accountName: string }) {
  const { t } = useI18n();
  const action = useAction();
  const [token, setToken] = useState<string | null>(null);
  const start = () =>
    action.run(async () => {
      const answer = await api.post<{ token: string; expires_at: string }>(`/api/accounts/${encodeURIComponent(accountId)}/portal/preview`);
      setToken(answer.token);
    });
  const href = token ? `/portal/preview#token=${encodeURIComponent(token)}` : "";
  return (
    <div className="panel">
      <h3>{t("staffPortal.preview")}</h3>
      <p className="hint">{t("staffPortal.previewHint")}</p>
      <ErrorBox error={action.error} />
      {token ? (
        <div className="buttons">
          <a className="button" href={href} target="_blank" rel="noopener">
            {t("staffPortal.openNewTab", { client: accountName })}
          </a>
          <button
            type="button"
            onClick={() => {
              setPortalToken(token);
              navigate("/portal");
            }}
          >
            {t("staffPortal.openHere")}
          </button>
        </div>
      ) : (
        <button type="button" disabled={action.busy} onClick={() => void start()}>
          {t("staffPortal.viewAsClient")}
        </button>
      )}
    </div>
  );
}
