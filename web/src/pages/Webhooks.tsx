// `/webhooks`: the company's webhook endpoints (owners and admins, `webhooks.manage`). A new
// endpoint's secret, and a rotated one, is shown once with a copy button; the API never shows
// it again. Each endpoint's delivery log lists its deliveries with their attempts, and a failed
// delivery can be sent again.
import { useRef, useState } from "react";
import { api } from "../api/client";
import type { DeliveryState, EventType, WebhookDelivery, WebhookEndpoint, WebhookEndpointSecret } from "../api/types";
import { WEBHOOK_EVENT_TYPES } from "../generated/contract";
import { usePaged } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { ErrorBox, Field, Form, Notice, PageTitle, useDescribed } from "../components/ui";
import { PagedList, Table } from "../components/List";

export function Webhooks() {
  const { t } = useI18n();
  const list = usePaged<WebhookEndpoint>("/api/webhooks");
  const [editing, setEditing] = useState<WebhookEndpoint | "new" | null>(null);
  const [secret, setSecret] = useState<WebhookEndpointSecret | null>(null);
  const [log, setLog] = useState<WebhookEndpoint | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const replace = (e: WebhookEndpoint) => list.setItems((items) => items.map((x) => (x.id === e.id ? e : x)));

  const act = async (work: () => Promise<void>) => {
    setError(null);
    setNotice(null);
    try {
      await work();
    } catch (e) {
      setError(e);
    }
  };

  const rotate = (e: WebhookEndpoint) =>
    act(async () => {
      if (!window.confirm(t("webhooks.confirmRotate", { url: e.url }))) return;
      const rotated = await api.post<WebhookEndpointSecret>(`/api/webhooks/${e.id}/rotate-secret`);
      replace(rotated.endpoint);
      setSecret(rotated);
    });

  const test = (e: WebhookEndpoint) =>
    act(async () => {
      await api.post<WebhookDelivery>(`/api/webhooks/${e.id}/test`);
      setNotice(t("webhooks.testSent", { url: e.url }));
      setLog(e);
    });

  const remove = (e: WebhookEndpoint) =>
    act(async () => {
      if (!window.confirm(t("webhooks.confirmDelete", { url: e.url }))) return;
      await api.del(`/api/webhooks/${e.id}`);
      list.setItems((items) => items.filter((x) => x.id !== e.id));
      if (log?.id === e.id) setLog(null);
      setNotice(t("webhooks.deleted", { url: e.url }));
    });

  return (
    <section>
      <PageTitle
        actions={
          <button type="button" className="primary" onClick={() => setEditing("new")}>
            {t("webhooks.add")}
          </button>
        }
      >
        {t("webhooks.title")}
      </PageTitle>
      <p className="hint">{t("webhooks.intro")}</p>
      {secret && <SecretShownOnce shown={secret} onDone={() => setSecret(null)} />}
      {editing && (
        <EndpointForm
          key={editing === "new" ? "new" : editing.id}
          endpoint={editing === "new" ? null : editing}
          onCancel={() => setEditing(null)}
          onCreated={(created) => {
            list.setItems((items) => [...items.filter((x) => x.id !== created.endpoint.id), created.endpoint]);
            setSecret(created);
            setEditing(null);
          }}
          onSaved={(saved) => {
            replace(saved);
            setEditing(null);
            setNotice(t("common.saved"));
          }}
        />
      )}
      <ErrorBox error={error} />
      {notice && <Notice>{notice}</Notice>}
      <PagedList list={list} search empty={t("webhooks.none")} name={t("webhooks.title")}>
        {list.items.length > 0 && (
          <Table
            label={t("webhooks.endpoints")}
            rows={list.items}
            rowKey={(e) => e.id}
            columns={[
              {
                header: t("webhooks.url"),
                cell: (e) => (
                  <>
                    <span className="mono">{e.url}</span>
                    {e.description && <small className="hint block">{e.description}</small>}
                  </>
                ),
              },
              {
                header: t("webhooks.events"),
                cell: (e) => (
                  <details>
                    <summary>{t("webhooks.eventCount", { count: e.event_types.length })}</summary>
                    <ul className="stack mono">
                      {e.event_types.map((type) => (
                        <li key={type}>{type}</li>
                      ))}
                    </ul>
                  </details>
                ),
              },
              { header: t("webhooks.status"), cell: (e) => <EndpointStatus endpoint={e} /> },
              {
                header: t("common.actions"),
                cell: (e) => (
                  <div className="buttons">
                    <button type="button" onClick={() => setLog(log?.id === e.id ? null : e)} aria-expanded={log?.id === e.id} aria-label={t("webhooks.deliveriesOf", { url: e.url })}>
                      {t("webhooks.deliveries")}
                    </button>
                    <button type="button" onClick={() => setEditing(e)} aria-label={`${t("common.edit")} ${e.url}`}>
                      {t("common.edit")}
                    </button>
                    <button type="button" disabled={!e.enabled} onClick={() => void test(e)} aria-label={t("webhooks.testOf", { url: e.url })}>
                      {t("webhooks.test")}
                    </button>
                    <button type="button" onClick={() => void rotate(e)} aria-label={t("webhooks.rotateOf", { url: e.url })}>
                      {t("webhooks.rotate")}
                    </button>
                    <button type="button" className="danger" onClick={() => void remove(e)} aria-label={`${t("webhooks.delete")} ${e.url}`}>
                      {t("webhooks.delete")}
                    </button>
                  </div>
                ),
              },
            ]}
          />
        )}
      </PagedList>
      {log && <DeliveryLog key={log.id} endpoint={log} onClose={() => setLog(null)} />}
    </section>
  );
}

function EndpointStatus({ endpoint }: { endpoint: WebhookEndpoint }) {
  const { t, locale } = useI18n();
  return (
    <>
      {endpoint.enabled ? (
        <span className="badge paid">{t("webhooks.enabled")}</span>
      ) : (
        <span className="badge expired">{t("webhooks.disabled")}</span>
      )}
      {!endpoint.enabled && endpoint.disabled_reason && (
        <small className="hint block">
          {t(`webhooks.reason.${endpoint.disabled_reason}`)}
          {endpoint.disabled_at && ` (${formatDate(endpoint.disabled_at, locale, true)})`}
        </small>
      )}
      {endpoint.previous_secret_expires_at && (
        <small className="hint block">
          {t("webhooks.oldSecretUntil", { date: formatDate(endpoint.previous_secret_expires_at, locale, true) })}
        </small>
      )}
    </>
  );
}

/** The secret of a new or rotated endpoint: shown here once, with a copy button. */
function SecretShownOnce({ shown, onDone }: { shown: WebhookEndpointSecret; onDone: () => void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<boolean | null>(null);
  const field = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(shown.secret);
      setCopied(true);
    } catch {
      // No clipboard here (an insecure page, a refused permission): select it for Ctrl+C.
      field.current?.select();
      setCopied(false);
    }
  };
  return (
    <div className="panel" role="region" aria-label={t("webhooks.secretTitle")}>
      <h2>{t("webhooks.secretTitle")}</h2>
      <p>{t("webhooks.secretOnce", { url: shown.endpoint.url })}</p>
      <div className="picker-row">
        <input
          ref={field}
          className="secret"
          readOnly
          value={shown.secret}
          aria-label={t("webhooks.secret")}
          data-testid="webhook-secret"
          onFocus={(e) => e.target.select()}
        />
        <button type="button" onClick={() => void copy()}>
          {t("webhooks.copy")}
        </button>
      </div>
      <p className="hint" aria-live="polite">
        {copied === true && t("webhooks.copied")}
        {copied === false && t("webhooks.copyByHand")}
      </p>
      <div className="buttons">
        <button type="button" className="primary" onClick={onDone}>
          {t("webhooks.secretSaved")}
        </button>
      </div>
    </div>
  );
}

/** The event types an endpoint may subscribe to, as checkboxes grouped by area. */
function EventTypes({ value, onChange }: { value: EventType[]; onChange: (v: EventType[]) => void }) {
  const { t } = useI18n();
  const d = useDescribed("event_types", t("webhooks.events"), t("webhooks.eventsHint"));
  const areas = new Map<string, EventType[]>();
  for (const type of WEBHOOK_EVENT_TYPES) {
    const area = type.split(".")[0] ?? type;
    areas.set(area, [...(areas.get(area) ?? []), type]);
  }
  const chosen = new Set(value);
  const toggle = (type: EventType, on: boolean) =>
    onChange(WEBHOOK_EVENT_TYPES.filter((x) => (x === type ? on : chosen.has(x))));
  const all = value.length === WEBHOOK_EVENT_TYPES.length;
  return (
    <fieldset aria-describedby={d.control["aria-describedby"]} aria-invalid={d.control["aria-invalid"]}>
      <legend>{t("webhooks.events")}</legend>
      <label className="check">
        <input type="checkbox" checked={all} onChange={(e) => onChange(e.target.checked ? [...WEBHOOK_EVENT_TYPES] : [])} />
        {t("webhooks.allEvents")}
      </label>
      <div className="event-areas">
        {[...areas].map(([area, types]) => (
          <div key={area} className="event-area">
            {types.map((type) => (
              <label key={type} className="check mono">
                <input type="checkbox" checked={chosen.has(type)} onChange={(e) => toggle(type, e.target.checked)} />
                {type}
              </label>
            ))}
          </div>
        ))}
      </div>
      {d.below}
    </fieldset>
  );
}

interface EndpointFormProps {
  endpoint: WebhookEndpoint | null;
  onCreated: (created: WebhookEndpointSecret) => void;
  onSaved: (saved: WebhookEndpoint) => void;
  onCancel: () => void;
}

function EndpointForm({ endpoint, onCreated, onSaved, onCancel }: EndpointFormProps) {
  const { t } = useI18n();
  const [url, setUrl] = useState(endpoint?.url ?? "https://");
  const [description, setDescription] = useState(endpoint?.description ?? "");
  const [types, setTypes] = useState<EventType[]>(endpoint?.event_types ?? []);
  const [enabled, setEnabled] = useState(endpoint?.enabled ?? true);

  const submit = async () => {
    const body = { url: url.trim(), description: description.trim() || null, event_types: types, enabled };
    if (endpoint) onSaved(await api.patch<WebhookEndpoint>(`/api/webhooks/${endpoint.id}`, body));
    else onCreated(await api.post<WebhookEndpointSecret>("/api/webhooks", body));
  };

  return (
    <Form onSubmit={submit} submitLabel={endpoint ? t("common.save") : t("webhooks.add")} onCancel={onCancel}>
      <h2>{endpoint ? t("webhooks.edit") : t("webhooks.add")}</h2>
      <Field label={t("webhooks.url")} hint={t("webhooks.urlHint")} name="url" type="url" required maxLength={2000} value={url} onChange={(e) => setUrl(e.target.value)} />
      <Field label={t("webhooks.description")} name="description" maxLength={500} value={description} onChange={(e) => setDescription(e.target.value)} />
      <EventTypes value={types} onChange={setTypes} />
      <label className="check">
        <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        {t("webhooks.sendDeliveries")}
      </label>
    </Form>
  );
}

const STATE_BADGE: Record<DeliveryState, string> = {
  pending: "",
  retrying: "issued",
  delivered: "paid",
  failed: "expired",
};

/** An endpoint's deliveries, newest first, with their attempts; failed ones can be sent again. */
function DeliveryLog({ endpoint, onClose }: { endpoint: WebhookEndpoint; onClose: () => void }) {
  const { t, locale } = useI18n();
  const list = usePaged<WebhookDelivery>(`/api/webhooks/${endpoint.id}/deliveries`);
  const [error, setError] = useState<unknown>(null);

  const redeliver = async (d: WebhookDelivery) => {
    setError(null);
    try {
      const queued = await api.post<WebhookDelivery>(`/api/webhooks/${endpoint.id}/deliveries/${d.id}/redeliver`);
      list.setItems((items) => items.map((x) => (x.id === d.id ? queued : x)));
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div className="panel" role="region" aria-label={t("webhooks.deliveriesOf", { url: endpoint.url })}>
      <div className="page-title">
        <h2>{t("webhooks.deliveriesOf", { url: endpoint.url })}</h2>
        <div className="buttons">
          <button type="button" onClick={() => void list.reload()}>
            {t("webhooks.refresh")}
          </button>
          <button type="button" onClick={onClose}>
            {t("common.close")}
          </button>
        </div>
      </div>
      <ErrorBox error={error} />
      <PagedList list={list} empty={t("webhooks.noDeliveries")} name={t("webhooks.deliveries")}>
        {list.items.length > 0 && (
          <Table
            label={t("webhooks.deliveries")}
            rows={list.items}
            rowKey={(d) => d.id}
            columns={[
              { header: t("webhooks.when"), cell: (d) => formatDate(d.created_at, locale, true) },
              { header: t("webhooks.event"), cell: (d) => <span className="mono">{d.event_type}</span> },
              {
                header: t("webhooks.status"),
                cell: (d) => (
                  <>
                    <span className={`badge ${STATE_BADGE[d.state]}`}>{t(`webhooks.state.${d.state}`)}</span>
                    {d.next_attempt_at && <small className="hint block">{t("webhooks.nextAttempt", { date: formatDate(d.next_attempt_at, locale, true) })}</small>}
                  </>
                ),
              },
              {
                header: t("webhooks.attempts"),
                cell: (d) =>
                  d.attempt_log.length === 0 ? (
                    "0"
                  ) : (
                    <details>
                      <summary>
                        {t("webhooks.attemptSummary", { count: d.attempts, status: d.last_status ?? t("webhooks.noAnswer") })}
                      </summary>
                      <ol className="stack">
                        {d.attempt_log.map((a) => (
                          <li key={a.id} className="subpanel">
                            {formatDate(a.attempted_at, locale, true)} · {a.status ?? t("webhooks.noAnswer")} · {t("webhooks.duration", { ms: a.duration_ms })}
                            {a.error && <small className="block field-problem">{a.error}</small>}
                            {a.response && <pre className="pre mono">{a.response}</pre>}
                          </li>
                        ))}
                      </ol>
                    </details>
                  ),
              },
              {
                header: t("common.actions"),
                cell: (d) =>
                  d.state === "failed" && (
                    <button type="button" onClick={() => void redeliver(d)} aria-label={t("webhooks.redeliverOf", { event: d.event_type })}>
                      {t("webhooks.redeliver")}
                    </button>
                  ),
              },
            ]}
          />
        )}
      </PagedList>
    </div>
  );
}
