// `/attribution/destinations`: where the clients' conversions go (Meta Conversions API, Google
// Ads). Credentials are typed once: the API stores them encrypted and only ever shows a hint
// ("…wxyz"); replacing them is a separate step. Each destination's delivery log shows every
// conversion sent, skipped for lack of consent, or failed, and sends a failed one again.
import { useState } from "react";
import { ApiError, api } from "../../api/client";
import type { Account } from "../../api/types";
import { FORM_PLATFORMS, PLATFORM_FIELDS, fieldValues, type PlatformField } from "../../attribution/logic";
import { AttributionTabs } from "../../attribution/Tabs";
import {
  CONVERSION_KINDS,
  type ConversionDelivery,
  type ConversionKind,
  type Destination,
  type DestinationPatch,
  type NewDestination,
  type Platform,
} from "../../attribution/types";
import { PagedList, Table } from "../../components/List";
import { AccountPicker } from "../../components/Picker";
import { ErrorBox, Field, Form, Notice, PageTitle, Select } from "../../components/ui";
import { can } from "../../generated/roles";
import { useNames, usePaged } from "../../hooks";
import { formatDate, useI18n, type Translate } from "../../i18n";
import type { MessageKey } from "../../i18n/en";
import { useRole } from "../../session";

const fieldLabel = (t: Translate, name: string) => t(`attribution.destinations.field.${name}` as MessageKey);

/**
 * Refuses a form with required values left empty, worded like the server's problems and shown
 * beside the first such field (`settings.pixel_id`, `credentials.access_token`).
 */
function requireAll(t: Translate, missing: { part: "settings" | "credentials"; name: string }[]): void {
  const first = missing[0];
  if (!first) return;
  const message = t("attribution.destinations.missing", { list: missing.map((m) => fieldLabel(t, m.name)).join(", ") });
  throw ApiError.field(`${first.part}.${first.name}`, { code: "required", message });
}

export function Destinations() {
  const { t } = useI18n();
  const writable = can(useRole(), "attribution.manage");
  const list = usePaged<Destination>("/api/destinations");
  const accounts = useNames<Account>("/api/accounts", list.items.map((d) => d.account_id), (a) => a.name);
  const [editing, setEditing] = useState<Destination | "new" | null>(null);
  const [log, setLog] = useState<Destination | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const replace = (d: Destination) => list.setItems((items) => items.map((x) => (x.id === d.id ? d : x)));
  const remove = async (d: Destination) => {
    setError(null);
    setNotice(null);
    if (!window.confirm(t("attribution.destinations.confirmDelete", { name: d.name }))) return;
    try {
      await api.del(`/api/destinations/${d.id}`);
      list.setItems((items) => items.filter((x) => x.id !== d.id));
      if (log?.id === d.id) setLog(null);
      setNotice(t("attribution.destinations.deleted", { name: d.name }));
    } catch (e) {
      setError(e);
    }
  };
  const of = (action: string, d: Destination) => t("attribution.sites.actionOf", { action, name: d.name });

  return (
    <section>
      <AttributionTabs />
      <PageTitle
        actions={
          writable && (
            <button type="button" className="primary" onClick={() => setEditing("new")}>
              {t("attribution.destinations.add")}
            </button>
          )
        }
      >
        {t("attribution.destinations.title")}
      </PageTitle>
      <p className="hint">{t("attribution.destinations.intro")}</p>
      {editing && (
        <DestinationForm
          key={editing === "new" ? "new" : editing.id}
          destination={editing === "new" ? null : editing}
          onCancel={() => setEditing(null)}
          onSaved={(saved, created) => {
            if (created) list.setItems((items) => [saved, ...items.filter((x) => x.id !== saved.id)]);
            else replace(saved);
            setEditing(null);
            setNotice(t("common.saved"));
          }}
        />
      )}
      <ErrorBox error={error} />
      {notice && <Notice>{notice}</Notice>}
      <PagedList list={list} search empty={t("attribution.destinations.none")} name={t("attribution.destinations.title")}>
        {list.items.length > 0 && (
          <Table
            label={t("attribution.destinations.title")}
            rows={list.items}
            rowKey={(d) => d.id}
            columns={[
              { header: t("common.name"), cell: (d) => d.name },
              { header: t("attribution.sites.client"), cell: (d) => accounts.get(d.account_id) ?? "" },
              { header: t("attribution.destinations.platform"), cell: (d) => t(`attribution.destinations.platform.${d.platform}`) },
              { header: t("attribution.destinations.kinds"), cell: (d) => d.kinds.map((k) => t(`attribution.kind.${k}`)).join(", ") },
              {
                header: t("common.status"),
                cell: (d) => (
                  <>
                    {d.enabled ? t("attribution.sites.enabled") : t("attribution.sites.disabled")}
                    {d.test_mode && <span className="badge">{t("attribution.destinations.test")}</span>}
                  </>
                ),
              },
              { header: t("attribution.destinations.credentials"), cell: (d) => <span className="mono">{d.credentials_hint}</span> },
              {
                header: t("common.actions"),
                cell: (d) => (
                  <div className="buttons">
                    <button type="button" onClick={() => setLog(log?.id === d.id ? null : d)} aria-expanded={log?.id === d.id} aria-label={t("attribution.destinations.deliveriesOf", { name: d.name })}>
                      {t("attribution.destinations.deliveries")}
                    </button>
                    {writable && (
                      <>
                        <button type="button" onClick={() => setEditing(d)} aria-label={of(t("common.edit"), d)}>
                          {t("common.edit")}
                        </button>
                        <button type="button" className="danger" onClick={() => void remove(d)} aria-label={of(t("common.delete"), d)}>
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
      {log && <DeliveryLog key={log.id} destination={log} writable={writable} />}
    </section>
  );
}

function PlatformFields({ fields, values, onChange, secret }: { fields: PlatformField[]; values: Record<string, string>; onChange: (name: string, value: string) => void; secret?: boolean }) {
  const { t } = useI18n();
  return (
    <>
      {fields.map((f) => (
        <Field
          key={f.name}
          label={fieldLabel(t, f.name)}
          name={`${secret ? "credentials" : "settings"}.${f.name}`}
          type={secret ? "password" : "text"}
          autoComplete="off"
          required={f.required}
          value={values[f.name] ?? ""}
          onChange={(e) => onChange(f.name, e.target.value)}
        />
      ))}
    </>
  );
}

function DestinationForm({ destination, onCancel, onSaved }: { destination: Destination | null; onCancel: () => void; onSaved: (d: Destination, created: boolean) => void }) {
  const { t } = useI18n();
  const [accountId, setAccountId] = useState(destination?.account_id ?? "");
  const [platform, setPlatform] = useState<Platform>(destination?.platform ?? "meta");
  const [name, setName] = useState(destination?.name ?? "");
  const [kinds, setKinds] = useState<ConversionKind[]>(destination?.kinds ?? ["invoice_paid"]);
  const [settings, setSettings] = useState<Record<string, string>>(() =>
    Object.fromEntries(Object.entries(destination?.settings ?? {}).filter((e): e is [string, string] => typeof e[1] === "string")),
  );
  const [credentials, setCredentials] = useState<Record<string, string>>({});
  const [replacing, setReplacing] = useState(destination === null);
  const [testMode, setTestMode] = useState(destination?.test_mode ?? false);
  const [enabled, setEnabled] = useState(destination?.enabled ?? true);
  const fields = PLATFORM_FIELDS[platform];
  const toggleKind = (k: ConversionKind) => setKinds((old) => (old.includes(k) ? old.filter((x) => x !== k) : [...old, k]));
  return (
    <Form
      submitLabel={destination ? t("common.save") : t("common.create")}
      onCancel={onCancel}
      onSubmit={async () => {
        const s = fieldValues(fields?.settings ?? [], settings);
        const c = fieldValues(fields?.credentials ?? [], credentials);
        const missing: { part: "settings" | "credentials"; name: string }[] = s.missing.map((name) => ({ part: "settings", name }));
        if (replacing) missing.push(...c.missing.map((name) => ({ part: "credentials" as const, name })));
        requireAll(t, missing);
        if (!destination) {
          const body: NewDestination = { account_id: accountId, platform, name, kinds, settings: s.values, credentials: c.values, test_mode: testMode, enabled };
          onSaved(await api.post<Destination>("/api/destinations", body), true);
          return;
        }
        const patch: DestinationPatch = { name, kinds, settings: s.values, test_mode: testMode, enabled };
        let saved = await api.patch<Destination>(`/api/destinations/${destination.id}`, patch);
        if (replacing) saved = await api.put<Destination>(`/api/destinations/${destination.id}/credentials`, { credentials: c.values });
        onSaved(saved, false);
      }}
    >
      {!destination && <AccountPicker value={accountId} onChange={(id) => setAccountId(id)} />}
      <Select label={t("attribution.destinations.platform")} name="platform" value={platform} disabled={destination !== null} onChange={(e) => setPlatform(e.target.value as Platform)}>
        {(destination ? [destination.platform] : FORM_PLATFORMS).map((p) => (
          <option key={p} value={p}>
            {t(`attribution.destinations.platform.${p}`)}
          </option>
        ))}
      </Select>
      <Field label={t("common.name")} name="name" required value={name} onChange={(e) => setName(e.target.value)} />
      <fieldset>
        <legend>{t("attribution.destinations.kinds")}</legend>
        {CONVERSION_KINDS.map((k) => (
          <label key={k} className="check">
            <input type="checkbox" checked={kinds.includes(k)} onChange={() => toggleKind(k)} /> {t(`attribution.kind.${k}`)}
          </label>
        ))}
      </fieldset>
      {fields && (
        <>
          <fieldset>
            <legend>{t("attribution.destinations.settings")}</legend>
            <PlatformFields fields={fields.settings} values={settings} onChange={(n, v) => setSettings((old) => ({ ...old, [n]: v }))} />
          </fieldset>
          <fieldset>
            <legend>{t("attribution.destinations.credentials")}</legend>
            {replacing ? (
              <>
                <p className="hint">{t("attribution.destinations.credentialsOnce")}</p>
                <PlatformFields secret fields={fields.credentials} values={credentials} onChange={(n, v) => setCredentials((old) => ({ ...old, [n]: v }))} />
              </>
            ) : (
              <>
                <p className="hint">{t("attribution.destinations.credentialsHint", { hint: destination?.credentials_hint ?? "" })}</p>
                <button type="button" onClick={() => setReplacing(true)}>
                  {t("attribution.destinations.replaceCredentials")}
                </button>
              </>
            )}
          </fieldset>
        </>
      )}
      <label className="check">
        <input type="checkbox" checked={testMode} onChange={(e) => setTestMode(e.target.checked)} /> {t("attribution.destinations.testMode")}
      </label>
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> {t("attribution.sites.enabled")}
      </label>
    </Form>
  );
}

function DeliveryLog({ destination, writable }: { destination: Destination; writable: boolean }) {
  const { t, locale } = useI18n();
  const list = usePaged<ConversionDelivery>(`/api/destinations/${destination.id}/deliveries`);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const retry = async (d: ConversionDelivery) => {
    setError(null);
    setNotice(null);
    try {
      const again = await api.post<ConversionDelivery>(`/api/destinations/${destination.id}/deliveries/${d.id}/retry`);
      list.setItems((items) => items.map((x) => (x.id === again.id ? again : x)));
      setNotice(t("attribution.destinations.retried"));
    } catch (e) {
      setError(e);
    }
  };
  const title = t("attribution.destinations.deliveriesOf", { name: destination.name });
  return (
    <section className="panel" aria-label={title}>
      <h2>{title}</h2>
      <ErrorBox error={error} />
      {notice && <Notice>{notice}</Notice>}
      <PagedList list={list} empty={t("attribution.destinations.noDeliveries")} name={title}>
        {list.items.length > 0 && (
          <Table
            label={title}
            rows={list.items}
            rowKey={(d) => d.id}
            columns={[
              { header: t("attribution.conversions.when"), cell: (d) => formatDate(d.created_at, locale, true) },
              { header: t("attribution.conversions.kind"), cell: (d) => t(`attribution.kind.${d.conversion_kind}`) },
              { header: t("attribution.conversions.order"), cell: (d) => <span className="mono">{d.order_id}</span> },
              {
                header: t("common.status"),
                cell: (d) => (
                  <>
                    {t(`attribution.delivery.${d.state}`)}
                    {d.test && <span className="badge">{t("attribution.destinations.test")}</span>}
                  </>
                ),
              },
              { header: t("attribution.destinations.attempts"), className: "num", cell: (d) => d.attempts },
              { header: t("attribution.destinations.error"), cell: (d) => [d.last_status, d.last_error].filter((v) => v !== null).join(" ") },
              { header: t("attribution.destinations.next"), cell: (d) => formatDate(d.next_attempt_at, locale, true) },
              writable && {
                header: t("common.actions"),
                cell: (d: ConversionDelivery) =>
                  d.state === "failed" ? (
                    <button type="button" onClick={() => void retry(d)}>
                      {t("attribution.destinations.retry")}
                    </button>
                  ) : null,
              },
            ]}
          />
        )}
      </PagedList>
    </section>
  );
}
