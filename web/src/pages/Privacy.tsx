// `/privacy`: people's data requests (owners and admins, `privacy.manage`). Find a person by
// e-mail address, phone number or name; see every record the company holds about them (their
// own records and texts that mention them); download the report as a PDF for them; erase it.
// Below: the company's retention settings and the history of requests (counts only: the
// person's details are never kept with a request).
import { Fragment, useState } from "react";
import { api, download } from "../api/client";
import type { Member } from "../api/types";
import { RetentionInputBounds, type RetentionSettings, type SubjectReport, type SubjectRequest, type TableOutcome } from "../generated/api";
import { PagedList, Table } from "../components/List";
import { ErrorBox, Field, FieldErrors, Form, Loading, Notice, PageTitle } from "../components/ui";
import { useAction, useAll, useFetch, usePaged } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { erasedSummary, subjectBody, type SubjectFields } from "./privacy-logic";

export function Privacy() {
  const { t } = useI18n();
  const [fields, setFields] = useState<SubjectFields>({ email: "", phone: "", name: "" });
  const [report, setReport] = useState<SubjectReport | null>(null);
  const [erased, setErased] = useState<SubjectRequest | null>(null);
  const history = usePaged<SubjectRequest>("/api/privacy/requests");
  const { busy, error, run } = useAction();
  const { locale } = useI18n();

  const find = () =>
    run(async () => {
      setErased(null);
      setReport(await api.post<SubjectReport>("/api/privacy/report", subjectBody(fields)));
      await history.reload();
    });
  const pdf = () =>
    run(async () => {
      await download("/api/privacy/report/pdf", "personal-data.pdf", { ...subjectBody(fields), lang: locale });
      await history.reload();
    });
  const erase = () =>
    run(async () => {
      if (!window.confirm(t("privacy.confirmErase"))) return;
      setReport(null);
      setErased(await api.post<SubjectRequest>("/api/privacy/erasure", subjectBody(fields)));
      await history.reload();
    });
  const set = (key: keyof SubjectFields) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setFields((f) => ({ ...f, [key]: e.target.value }));

  return (
    <section>
      <PageTitle>{t("privacy.title")}</PageTitle>
      <p className="hint">{t("privacy.intro")}</p>
      <form
        className="panel"
        aria-label={t("privacy.title")}
        onSubmit={(e) => {
          e.preventDefault();
          void find();
        }}
      >
        <FieldErrors error={error}>
          <Field label={t("privacy.email")} name="email" type="email" autoComplete="off" value={fields.email} onChange={set("email")} />
          <Field label={t("privacy.phone")} name="phone" type="tel" autoComplete="off" value={fields.phone} onChange={set("phone")} />
          <Field label={t("privacy.name")} name="name" hint={t("privacy.nameHint")} autoComplete="off" value={fields.name} onChange={set("name")} />
          <ErrorBox error={error} />
        </FieldErrors>
        <div className="buttons">
          <button type="submit" className="primary" disabled={busy}>
            {t("privacy.find")}
          </button>
          <button type="button" disabled={busy} onClick={() => void pdf()}>
            {t("privacy.pdf")}
          </button>
          <button type="button" className="danger" disabled={busy} onClick={() => void erase()}>
            {t("privacy.erase")}
          </button>
        </div>
      </form>
      {erased && <Notice>{erasedSummary(erased.outcome, t)}</Notice>}
      {report && <Report report={report} />}
      <RetentionForm />
      <h2 className="section">{t("privacy.history")}</h2>
      <History list={history} />
    </section>
  );
}

function Report({ report }: { report: SubjectReport }) {
  const { t, locale } = useI18n();
  const found = report.sections.reduce((n, s) => n + s.rows.length, 0);
  if (found === 0) return <p role="status">{t("privacy.nothing")}</p>;
  return (
    <div role="status" className="wrap">
      <p>{t("privacy.found", { count: found })}</p>
      {report.sections.map((s) => (
        <details key={s.table} className="panel" open={report.sections.length <= 3}>
          <summary>
            {locale === "nl" ? s.label_nl : s.label_en} ({s.rows.length})
          </summary>
          <p className="hint">{t(s.erasure === "delete" ? "privacy.onErase.delete" : "privacy.onErase.anonymise")}</p>
          {s.retained_ground && <p className="hint">{t("privacy.kept")}: {s.retained_ground}</p>}
          <ul className="stack">
            {s.rows.map((r) => (
              <li key={JSON.stringify(r.key)}>
                <small className="hint">
                  {t(r.matched === "own" ? "privacy.own" : "privacy.mention")}
                  {r.retained && ` · ${t("privacy.kept")}`}
                </small>
                <dl className="facts">
                  {Object.entries(r.fields)
                    .filter(([, v]) => v !== null)
                    .map(([k, v]) => (
                      <Fragment key={k}>
                        <dt className="mono">{k}</dt>
                        <dd>{typeof v === "string" ? v : JSON.stringify(v)}</dd>
                      </Fragment>
                    ))}
                </dl>
              </li>
            ))}
          </ul>
        </details>
      ))}
    </div>
  );
}

function RetentionForm() {
  const { t } = useI18n();
  const settings = useFetch<RetentionSettings>("/api/privacy/retention");
  const [deals, setDeals] = useState<string | null>(null);
  const [audit, setAudit] = useState<string | null>(null);
  const [events, setEvents] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  if (settings.error) return <ErrorBox error={settings.error} />;
  if (!settings.data) return <Loading />;
  const current = settings.data;
  const dealsValue = deals ?? (current.closed_deal_months === null ? "" : String(current.closed_deal_months));
  const auditValue = audit ?? (current.audit_months === null ? "" : String(current.audit_months));
  const months = (value: string) => (value.trim() === "" ? null : Number(value));
  const eventsValue = events ?? String(current.event_retention_months);
  return (
    <section aria-labelledby="retention-title">
      <h2 className="section" id="retention-title">
        {t("privacy.retention.title")}
      </h2>
      <p className="hint">{t("privacy.retention.intro")}</p>
      <Form
        submitLabel={t("common.save")}
        onSubmit={async () => {
          setSaved(false);
          await api.put<RetentionSettings>("/api/privacy/retention", {
            closed_deal_months: months(dealsValue),
            audit_months: months(auditValue),
            event_retention_months: Number(eventsValue),
          });
          await settings.reload();
          setDeals(null);
          setAudit(null);
          setEvents(null);
          setSaved(true);
        }}
        footer={saved && <Notice>{t("common.saved")}</Notice>}
      >
        <Field
          label={t("privacy.retention.closedDeals")}
          name="closed_deal_months"
          type="number"
          min={RetentionInputBounds.closed_deal_months.min}
          max={RetentionInputBounds.closed_deal_months.max}
          hint={t("privacy.retention.closedDealsHint")}
          value={dealsValue}
          onChange={(e) => setDeals(e.target.value)}
        />
        <Field
          label={t("privacy.retention.audit")}
          name="audit_months"
          type="number"
          min={RetentionInputBounds.audit_months.min}
          max={RetentionInputBounds.audit_months.max}
          hint={t("privacy.retention.auditHint")}
          value={auditValue}
          onChange={(e) => setAudit(e.target.value)}
        />
        <Field
          label={t("privacy.retention.events")}
          name="event_retention_months"
          type="number"
          min={RetentionInputBounds.event_retention_months.min}
          max={RetentionInputBounds.event_retention_months.max}
          required
          hint={t("privacy.retention.eventsHint")}
          value={eventsValue}
          onChange={(e) => setEvents(e.target.value)}
        />
      </Form>
    </section>
  );
}

function History({ list }: { list: ReturnType<typeof usePaged<SubjectRequest>> }) {
  const { t, locale } = useI18n();
  const members = useAll<Member>("/api/members");
  const who = (id: string) => members.data?.find((m) => m.identity_id === id)?.name || id.slice(0, 8);
  const sum = (o: TableOutcome[], key: "found" | "deleted" | "anonymised") => o.reduce((n, x) => n + x[key], 0);
  return (
    <PagedList list={list} empty={t("privacy.none")} name={t("privacy.history")}>
      {list.items.length > 0 && (
        <div className="stack-on-phone">
          <Table
            label={t("privacy.history")}
            rows={list.items}
            rowKey={(r) => r.id}
            columns={[
              { header: t("privacy.when"), cell: (r) => formatDate(r.created_at, locale, true) },
              { header: t("privacy.kind"), cell: (r) => t(r.kind === "erasure" ? "privacy.kind.erasure" : "privacy.kind.access") },
              { header: t("privacy.by"), cell: (r) => who(r.requested_by) },
              {
                header: t("privacy.identifiedBy"),
                cell: (r) => r.identified_by.map((k) => t(`privacy.${k as "email" | "phone" | "name"}`)).join(", "),
              },
              {
                header: t("privacy.counts"),
                cell: (r) =>
                  t("privacy.countsOf", {
                    found: sum(r.outcome, "found"),
                    deleted: sum(r.outcome, "deleted"),
                    anonymised: sum(r.outcome, "anonymised"),
                  }),
              },
            ]}
          />
        </div>
      )}
    </PagedList>
  );
}
