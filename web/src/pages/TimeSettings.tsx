// `/settings/time`: the company's services (kinds of work, with a default rate and whether they
// are billable) and its time settings (approval on or off, the lock date closing a period, the
// default billable target). Changing them needs `projects.write` and `time.approve`.
import { useState } from "react";
import { api } from "../api/client";
import type { Service, TimeSettings as Settings } from "../generated/api";
import { can } from "../generated/roles";
import { useAll, useFetch } from "../hooks";
import { formatDate, useI18n, INTL_LOCALE } from "../i18n";
import { formatMoney, parseScaled } from "../money";
import { Link } from "../router";
import { useRole } from "../session";
import { Table } from "../components/List";
import { centsBody, centsInput } from "../components/TimeParts";
import { ApiError } from "../api/client";
import { ErrorBox, Field, Form, Loading, Notice, PageTitle } from "../components/ui";

export function TimeSettings() {
  const { t } = useI18n();
  const role = useRole();
  return (
    <section>
      <p className="no-print">
        {can(role, "company.update") ? <Link to="/settings">← {t("settings.title")}</Link> : <Link to="/projects">← {t("projects.title")}</Link>}
      </p>
      <PageTitle>{t("timeSettings.title")}</PageTitle>
      <SettingsForm editable={can(role, "time.approve")} />
      <Services editable={can(role, "projects.write")} />
    </section>
  );
}

function SettingsForm({ editable }: { editable: boolean }) {
  const { t, locale } = useI18n();
  const settings = useFetch<Settings>("/api/time-settings");
  if (settings.error) return <ErrorBox error={settings.error} />;
  if (!settings.data) return <Loading />;
  const s = settings.data;
  if (!editable) {
    return (
      <dl className="details panel">
        <div>
          <dt>{t("timeSettings.approval")}</dt>
          <dd>{s.approval_required ? t("timeSettings.approvalOn") : t("timeSettings.approvalOff")}</dd>
        </div>
        <div>
          <dt>{t("timeSettings.lockDate")}</dt>
          <dd>{formatDate(s.lock_date, locale) || t("common.none")}</dd>
        </div>
        <div>
          <dt>{t("timeSettings.target")}</dt>
          <dd>{new Intl.NumberFormat(INTL_LOCALE[locale], { style: "percent", maximumFractionDigits: 2 }).format(s.billable_target_bp / 10_000)}</dd>
        </div>
      </dl>
    );
  }
  return <SettingsEditor settings={s} onSaved={(x) => settings.setData(x)} />;
}

function SettingsEditor({ settings, onSaved }: { settings: Settings; onSaved: (s: Settings) => void }) {
  const { t, locale } = useI18n();
  const [approval, setApproval] = useState(settings.approval_required);
  const [lock, setLock] = useState(settings.lock_date ?? "");
  const [target, setTarget] = useState(String(settings.billable_target_bp / 100).replace(".", locale === "nl" ? "," : "."));
  const [done, setDone] = useState(false);
  const submit = async () => {
    setDone(false);
    const bp = parseScaled(target, 2, locale);
    if (bp === null || bp > 10_000) throw ApiError.field("billable_target_bp", { code: "out_of_range", min: 0, max: 100, message: "must be between 0 and 100" });
    onSaved(await api.patch<Settings>("/api/time-settings", { approval_required: approval, lock_date: lock || null, billable_target_bp: bp }));
    setDone(true);
  };
  return (
    <Form onSubmit={submit} submitLabel={t("common.save")} footer={done && <Notice>{t("common.saved")}</Notice>}>
      <h2>{t("timeSettings.time")}</h2>
      <div className="field checkbox">
        <label>
          <input type="checkbox" name="approval_required" checked={approval} onChange={(e) => setApproval(e.target.checked)} /> {t("timeSettings.approval")}
        </label>
        <small className="hint">{t("timeSettings.approvalHint")}</small>
      </div>
      <div className="row">
        <Field label={t("timeSettings.lockDate")} hint={t("timeSettings.lockDateHint")} name="lock_date" type="date" value={lock} onChange={(e) => setLock(e.target.value)} />
        <Field label={t("timeSettings.target")} hint={t("timeSettings.targetHint")} name="billable_target_bp" inputMode="decimal" value={target} onChange={(e) => setTarget(e.target.value)} />
      </div>
    </Form>
  );
}

function Services({ editable }: { editable: boolean }) {
  const { t, locale } = useI18n();
  const [archived, setArchived] = useState(false);
  const services = useAll<Service>(`/api/services${archived ? "?archived=true" : ""}`);
  const [editing, setEditing] = useState<Service | "new" | null>(null);
  const [error, setError] = useState<unknown>(null);
  const toggleArchive = async (s: Service) => {
    setError(null);
    try {
      await api.patch<Service>(`/api/services/${s.id}`, { archived: !s.archived });
      void services.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-labelledby="services-title">
      <div className="section-title">
        <h2 id="services-title" className="section">
          {t("services.title")}
        </h2>
        {editable && editing === null && (
          <button type="button" onClick={() => setEditing("new")}>
            {t("services.new")}
          </button>
        )}
      </div>
      <p className="hint">{t("services.hint")}</p>
      {editing !== null && (
        <ServiceForm
          service={editing === "new" ? undefined : editing}
          onSaved={() => {
            setEditing(null);
            void services.reload();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <label className="checkbox">
        <input type="checkbox" checked={archived} onChange={(e) => setArchived(e.target.checked)} /> {t("services.showArchived")}
      </label>
      <ErrorBox error={error ?? services.error} />
      {services.loading && <Loading />}
      {services.data && services.data.length === 0 && <p>{t("common.empty")}</p>}
      {services.data && services.data.length > 0 && (
        <div className="stack-on-phone">
          <Table
            label={t("services.title")}
            rows={services.data}
            rowKey={(s) => s.id}
            columns={[
              { header: t("common.name"), cell: (s) => (s.archived ? `${s.name} (${t("services.archived")})` : s.name) },
              { header: t("services.rate"), className: "num", cell: (s) => (s.hourly_rate_cents === null ? t("services.projectRate") : formatMoney(s.hourly_rate_cents, "EUR", locale)) },
              { header: t("services.billable"), cell: (s) => (s.billable ? t("services.yes") : t("services.no")) },
              editable && {
                header: t("common.actions"),
                cell: (s: Service) => (
                  <div className="buttons">
                    <button type="button" onClick={() => setEditing(s)} aria-label={t("services.editOf", { name: s.name })}>
                      {t("common.edit")}
                    </button>
                    <button type="button" onClick={() => void toggleArchive(s)}>
                      {s.archived ? t("services.restore") : t("services.archive")}
                    </button>
                  </div>
                ),
              },
            ]}
          />
        </div>
      )}
    </section>
  );
}

function ServiceForm({ service, onSaved, onCancel }: { service?: Service; onSaved: () => void; onCancel: () => void }) {
  const { t, locale } = useI18n();
  const [name, setName] = useState(service?.name ?? "");
  const [rate, setRate] = useState(centsInput(service?.hourly_rate_cents, locale));
  const [billable, setBillable] = useState(service?.billable ?? true);
  const submit = async () => {
    const body = { name, hourly_rate_cents: centsBody("hourly_rate_cents", rate, locale), billable };
    if (service) await api.patch<Service>(`/api/services/${service.id}`, body);
    else await api.post<Service>("/api/services", body);
    onSaved();
  };
  return (
    <Form onSubmit={submit} submitLabel={service ? t("common.save") : t("common.create")} onCancel={onCancel}>
      <h3>{service ? t("services.edit") : t("services.new")}</h3>
      <div className="row">
        <Field label={t("common.name")} name="name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        <Field label={t("services.rate")} hint={t("services.rateHint")} name="hourly_rate_cents" inputMode="decimal" value={rate} onChange={(e) => setRate(e.target.value)} />
        <div className="field checkbox">
          <label>
            <input type="checkbox" name="billable" checked={billable} onChange={(e) => setBillable(e.target.checked)} /> {t("services.billableDefault")}
          </label>
        </div>
      </div>
    </Form>
  );
}
