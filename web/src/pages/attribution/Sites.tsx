// `/attribution/sites`: the clients' tracked websites. Anyone with `attribution.read` sees them
// and their snippets; `attribution.manage` adds, edits, enables and disables them, replaces a
// key (the old snippet stops working) and deletes them.
import { useState } from "react";
import { ApiError, api } from "../../api/client";
import type { Account } from "../../api/types";
import { parseOrigins } from "../../attribution/logic";
import { Retention } from "../../attribution/Retention";
import { AttributionTabs } from "../../attribution/Tabs";
import { Snippet } from "../../attribution/Snippet";
import { CONSENT_MODES, type ConsentMode, type NewSite, type Site, type SitePatch } from "../../attribution/types";
import { PagedList, Table } from "../../components/List";
import { AccountPicker } from "../../components/Picker";
import { ErrorBox, Field, Form, Notice, PageTitle, Select, TextArea } from "../../components/ui";
import { can } from "../../generated/roles";
import { useNames, usePaged } from "../../hooks";
import { useI18n } from "../../i18n";
import { Link } from "../../router";
import { useRole } from "../../session";

export function Sites() {
  const { t } = useI18n();
  const writable = can(useRole(), "attribution.manage");
  const list = usePaged<Site>("/api/sites");
  const accounts = useNames<Account>("/api/accounts", list.items.map((s) => s.account_id), (a) => a.name);
  const [editing, setEditing] = useState<Site | "new" | null>(null);
  const [snippet, setSnippet] = useState<Site | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const replace = (s: Site) => list.setItems((items) => items.map((x) => (x.id === s.id ? s : x)));

  const act = async (work: () => Promise<void>) => {
    setError(null);
    setNotice(null);
    try {
      await work();
    } catch (e) {
      setError(e);
    }
  };
  const toggle = (s: Site) => act(async () => replace(await api.patch<Site>(`/api/sites/${s.id}`, { enabled: !s.enabled } satisfies SitePatch)));
  const rotate = (s: Site) =>
    act(async () => {
      if (!window.confirm(t("attribution.sites.confirmRotate", { name: s.name }))) return;
      const rotated = await api.post<Site>(`/api/sites/${s.id}/rotate-key`);
      replace(rotated);
      setSnippet(rotated);
      setNotice(t("attribution.sites.rotated", { name: s.name }));
    });
  const remove = (s: Site) =>
    act(async () => {
      if (!window.confirm(t("attribution.sites.confirmDelete", { name: s.name }))) return;
      await api.del(`/api/sites/${s.id}`);
      list.setItems((items) => items.filter((x) => x.id !== s.id));
      if (snippet?.id === s.id) setSnippet(null);
      setNotice(t("attribution.sites.deleted", { name: s.name }));
    });
  const of = (action: string, s: Site) => t("attribution.sites.actionOf", { action, name: s.name });

  return (
    <section>
      <AttributionTabs />
      <PageTitle
        actions={
          writable && (
            <button type="button" className="primary" onClick={() => setEditing("new")}>
              {t("attribution.sites.add")}
            </button>
          )
        }
      >
        {t("attribution.sites.title")}
      </PageTitle>
      <p className="hint">{t("attribution.sites.intro")}</p>
      {editing && (
        <SiteForm
          key={editing === "new" ? "new" : editing.id}
          site={editing === "new" ? null : editing}
          onCancel={() => setEditing(null)}
          onSaved={(saved, created) => {
            if (created) {
              list.setItems((items) => [saved, ...items.filter((x) => x.id !== saved.id)]);
              setSnippet(saved);
            } else {
              replace(saved);
              setNotice(t("common.saved"));
            }
            setEditing(null);
          }}
        />
      )}
      {snippet && <Snippet site={snippet} onClose={() => setSnippet(null)} />}
      <ErrorBox error={error} />
      {notice && <Notice>{notice}</Notice>}
      <PagedList list={list} search empty={t("attribution.sites.none")} name={t("attribution.sites.title")}>
        {list.items.length > 0 && (
          <Table
            label={t("attribution.sites.title")}
            rows={list.items}
            rowKey={(s) => s.id}
            columns={[
              { header: t("attribution.sites.name"), cell: (s) => <Link to={`/attribution/sites/${encodeURIComponent(s.id)}`}>{s.name}</Link> },
              { header: t("attribution.sites.client"), cell: (s) => accounts.get(s.account_id) ?? "" },
              { header: t("attribution.sites.origins"), cell: (s) => <span className="mono">{s.origins.join(", ")}</span> },
              { header: t("attribution.sites.consentMode"), cell: (s) => t(`attribution.sites.consentMode.${s.consent_mode}`) },
              { header: t("common.status"), cell: (s) => (s.enabled ? t("attribution.sites.enabled") : t("attribution.sites.disabled")) },
              {
                header: t("common.actions"),
                cell: (s) => (
                  <div className="buttons">
                    <button type="button" onClick={() => setSnippet(snippet?.id === s.id ? null : s)} aria-expanded={snippet?.id === s.id} aria-label={of(t("attribution.sites.snippet"), s)}>
                      {t("attribution.sites.snippet")}
                    </button>
                    {writable && (
                      <>
                        <button type="button" onClick={() => setEditing(s)} aria-label={of(t("common.edit"), s)}>
                          {t("common.edit")}
                        </button>
                        <button type="button" onClick={() => void toggle(s)} aria-label={of(t(s.enabled ? "attribution.sites.disable" : "attribution.sites.enable"), s)}>
                          {t(s.enabled ? "attribution.sites.disable" : "attribution.sites.enable")}
                        </button>
                        <button type="button" onClick={() => void rotate(s)} aria-label={of(t("attribution.sites.rotate"), s)}>
                          {t("attribution.sites.rotate")}
                        </button>
                        <button type="button" className="danger" onClick={() => void remove(s)} aria-label={of(t("common.delete"), s)}>
                          {t("common.delete")}
                        </button>
                      </>
                    )}
                  </div>
                ),
              },
            ]}
          />
        )}
      </PagedList>
      <Retention />
    </section>
  );
}

function SiteForm({ site, onCancel, onSaved }: { site: Site | null; onCancel: () => void; onSaved: (site: Site, created: boolean) => void }) {
  const { t } = useI18n();
  const [accountId, setAccountId] = useState(site?.account_id ?? "");
  const [name, setName] = useState(site?.name ?? "");
  const [origins, setOrigins] = useState((site?.origins ?? []).join("\n"));
  const [mode, setMode] = useState<ConsentMode>(site?.consent_mode ?? "banner");
  const [version, setVersion] = useState(site?.consent_version ?? "1");
  const parsed = parseOrigins(origins);
  return (
    <Form
      submitLabel={site ? t("common.save") : t("common.create")}
      onCancel={onCancel}
      onSubmit={async () => {
        // Nothing typed is dropped silently: an entry that is not an address stops the form.
        if (parsed.bad.length > 0) {
          throw ApiError.field("origins", { code: "not_url", message: t("attribution.sites.badOrigins", { list: parsed.bad.join(", ") }) });
        }
        if (site) {
          const patch: SitePatch = { name, origins: parsed.origins, consent_mode: mode, consent_version: version };
          onSaved(await api.patch<Site>(`/api/sites/${site.id}`, patch), false);
        } else {
          const body: NewSite = { account_id: accountId, name, origins: parsed.origins, consent_mode: mode, consent_version: version };
          onSaved(await api.post<Site>("/api/sites", body), true);
        }
      }}
    >
      {!site && <AccountPicker value={accountId} onChange={(id) => setAccountId(id)} />}
      <Field label={t("attribution.sites.name")} name="name" required value={name} onChange={(e) => setName(e.target.value)} />
      <TextArea label={t("attribution.sites.origins")} name="origins" hint={t("attribution.sites.originsHint")} required value={origins} onChange={(e) => setOrigins(e.target.value)} />
      {parsed.bad.length > 0 && (
        <p className="error" role="alert">
          {t("attribution.sites.badOrigins", { list: parsed.bad.join(", ") })}
        </p>
      )}
      <Select label={t("attribution.sites.consentMode")} name="consent_mode" value={mode} onChange={(e) => setMode(e.target.value as ConsentMode)}>
        {CONSENT_MODES.map((m) => (
          <option key={m} value={m}>
            {t(`attribution.sites.consentMode.${m}`)}
          </option>
        ))}
      </Select>
      <Field label={t("attribution.sites.consentVersion")} name="consent_version" hint={t("attribution.sites.consentVersionHint")} value={version} onChange={(e) => setVersion(e.target.value)} />
    </Form>
  );
}
