// `/utilisation`: per person and period, capacity, time off, available, worked and billable
// hours, billable utilisation (billable ÷ worked) against the target, as a chart (hours per
// person) next to a table of the same figures and a CSV of them. Without `time.read_all` the
// server answers only the person's own row.
import { useMemo, useState, type FormEvent } from "react";
import { download, query } from "../api/client";
import { useFetch } from "../hooks";
import { useI18n, type Locale } from "../i18n";
import { INTL_LOCALE } from "../i18n";
import { BarChart, downloadText } from "../components/Chart";
import { Table } from "../components/List";
import { ErrorBox, Field, Loading, PageTitle } from "../components/ui";
import { rowsOf, toCsv } from "../crm/logic";
import { formatMinutes } from "../time/duration";
import { can } from "../generated/roles";
import { formatMoney } from "../money";
import { Link } from "../router";
import { useRole } from "../session";
import type { PersonUtilisation, ProjectFigures, ProjectsReport as ProjectsReportAnswer, Utilisation as UtilisationReport, UtilisationTotals } from "../generated/api";
import { TeamPanel } from "../components/TeamPanel";
import { addDays, today } from "../time/logic";

/** One person's row of the utilisation report, and the sums over everyone (generated). */
export type UtilisationRow = PersonUtilisation;
export type { UtilisationTotals };

/** The report's rows: `people` of `{from, to, people, totals}`, or a plain list. */
export function peopleOf(answer: unknown): UtilisationRow[] {
  const people = (answer as { people?: unknown } | null)?.people;
  return Array.isArray(people) ? (people as UtilisationRow[]) : rowsOf<UtilisationRow>(answer);
}

/** Basis points as a percentage in the locale: 8125 -> "81,25%". */
export function formatBp(bp: number, locale: Locale): string {
  return new Intl.NumberFormat(INTL_LOCALE[locale], { style: "percent", maximumFractionDigits: 1 }).format(bp / 10_000);
}

/** The first and last day of the month a date is in. */
export function monthRange(date: string): { from: string; to: string } {
  const from = `${date.slice(0, 7)}-01`;
  const [y = 0, m = 1] = from.split("-").map(Number);
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, "0")}-01`;
  return { from, to: addDays(next, -1) };
}

export function Utilisation() {
  const { t, locale } = useI18n();
  const role = useRole();
  const [period, setPeriod] = useState(() => monthRange(today()));
  const [applied, setApplied] = useState(period);
  const answer = useFetch<UtilisationReport>(`/api/reports/utilisation${query(applied)}`);
  const rows = useMemo(() => peopleOf(answer.data), [answer.data]);
  const totals = answer.data?.totals ?? null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setApplied(period);
  };
  const name = (r: UtilisationRow) => r.name ?? t("crm.someone");
  const labels = useMemo(() => rows.map((r) => r.name ?? "?"), [rows]);
  const hours = (m: number) => Math.round(m / 6) / 10;
  const series = useMemo(
    () => [
      { label: t("util.available"), values: rows.map((r) => hours(r.available_minutes)) },
      { label: t("util.worked"), values: rows.map((r) => hours(r.worked_minutes)) },
      { label: t("util.billable"), values: rows.map((r) => hours(r.billable_minutes)) },
    ],
    [rows, t],
  );
  const [csvError, setCsvError] = useState<unknown>(null);
  const serverCsv = () => {
    setCsvError(null);
    download(`/api/reports/utilisation/csv${query(applied)}`, `utilisation-${applied.from}-${applied.to}.csv`).catch(setCsvError);
  };
  // Kept for a server without the CSV route: the figures shown.
  const csv = () =>
    downloadText(
      `utilisation-${applied.from}-${applied.to}.csv`,
      toCsv(
        ["person", "capacity_hours", "time_off_hours", "available_hours", "worked_hours", "billable_hours", "billable_utilisation_percent", "target_percent", "attainment_percent"],
        rows.map((r) => [
          name(r),
          hours(r.capacity_minutes),
          hours(r.time_off_minutes),
          hours(r.available_minutes),
          hours(r.worked_minutes),
          hours(r.billable_minutes),
          r.billable_utilisation_bp / 100,
          r.target_bp / 100,
          r.attainment_bp / 100,
        ]),
      ),
    );

  return (
    <section className="reports utilisation">
      <PageTitle>{t("util.title")}</PageTitle>
      <form className="panel row no-print" onSubmit={submit}>
        <Field label={t("fromTime.from")} type="date" required value={period.from} onChange={(e) => setPeriod({ ...period, from: e.target.value })} />
        <Field label={t("fromTime.to")} type="date" required value={period.to} onChange={(e) => setPeriod({ ...period, to: e.target.value })} />
        <button type="submit">{t("reports.show")}</button>
      </form>
      <ErrorBox error={answer.error} />
      {answer.loading && <Loading />}
      {answer.data !== null && rows.length === 0 && <p>{t("reports.noData")}</p>}
      {rows.length > 0 && (
        <>
          <BarChart labels={labels} series={series} currency="EUR" unit="hours" horizontal={rows.length > 6} label={t("util.chart")} testId="chart-utilisation" />
          <div className="buttons no-print">
            <button type="button" onClick={serverCsv}>
              {t("crm.downloadCsv")}
            </button>
          </div>
          {csvError ? (
            <>
              <ErrorBox error={csvError} />
              <button type="button" onClick={csv}>
                {t("util.csvShown")}
              </button>
            </>
          ) : null}
          <div className="stack-on-phone">
            <Table
              label={t("util.title")}
              rows={rows}
              rowKey={(r) => r.person_id}
              columns={[
                { header: t("time.person"), cell: name },
                { header: t("util.capacity"), className: "num", cell: (r) => formatMinutes(r.capacity_minutes) },
                { header: t("util.timeOff"), className: "num", cell: (r) => formatMinutes(r.time_off_minutes) },
                { header: t("util.available"), className: "num", cell: (r) => formatMinutes(r.available_minutes) },
                { header: t("util.worked"), className: "num", cell: (r) => formatMinutes(r.worked_minutes) },
                { header: t("util.billable"), className: "num", cell: (r) => formatMinutes(r.billable_minutes) },
                { header: t("util.utilisation"), className: "num", cell: (r) => formatBp(r.billable_utilisation_bp, locale) },
                { header: t("util.target"), className: "num", cell: (r) => formatBp(r.target_bp, locale) },
                { header: t("util.attainment"), className: "num", cell: (r) => formatBp(r.attainment_bp, locale) },
              ]}
            />
          </div>
          {totals && rows.length > 1 && (
            <p className="hint" data-testid="utilisation-totals">
              {t("util.totals", {
                worked: formatMinutes(totals.worked_minutes),
                billable: formatMinutes(totals.billable_minutes),
                available: formatMinutes(totals.available_minutes),
                utilisation: formatBp(totals.billable_utilisation_bp, locale),
              })}
            </p>
          )}
        </>
      )}
      {can(role, "projects.read") && <ProjectsReport from={applied.from} to={applied.to} />}
      <TeamPanel from={applied.from} to={applied.to} />
    </section>
  );
}

/** Per project: estimate against actual time, revenue, and (for those who may see them) cost and margin. */
function ProjectsReport({ from, to }: { from: string; to: string }) {
  const { t, locale } = useI18n();
  const answer = useFetch<ProjectsReportAnswer>(`/api/reports/projects${query({ from, to })}`);
  const rows = answer.data?.projects ?? [];
  const costs = rows.some((r) => r.cost_cents !== null);
  return (
    <section className="report" aria-labelledby="report-projects">
      <h2 id="report-projects" className="section">
        {t("util.projects")}
      </h2>
      <ErrorBox error={answer.error} />
      {answer.loading && <Loading />}
      {answer.data && rows.length === 0 && <p>{t("reports.noData")}</p>}
      {rows.length > 0 && (
        <div className="stack-on-phone">
          <Table
            label={t("util.projects")}
            rows={rows}
            rowKey={(r) => r.project_id}
            columns={[
              { header: t("time.project"), cell: (r) => <Link to={`/projects/${encodeURIComponent(r.project_id)}`}>{r.name}</Link> },
              { header: t("project.client"), cell: (r) => r.account_name },
              { header: t("util.estimate"), className: "num", cell: (r) => formatMinutes(r.estimate_minutes) },
              { header: t("util.budgetHours"), className: "num", cell: (r) => (r.budget_minutes === null ? t("common.none") : formatMinutes(r.budget_minutes)) },
              { header: t("util.actual"), className: "num", cell: (r) => formatMinutes(r.actual_minutes) },
              { header: t("util.billable"), className: "num", cell: (r) => formatMinutes(r.billable_minutes) },
              { header: t("util.revenue"), className: "num", cell: (r) => formatMoney(r.revenue_cents, r.currency, locale) },
              costs && { header: t("util.cost"), className: "num", cell: (r: ProjectFigures) => (r.cost_cents === null ? t("common.none") : formatMoney(r.cost_cents, r.currency, locale)) },
              costs && { header: t("util.margin"), className: "num", cell: (r: ProjectFigures) => (r.margin_cents === null ? t("common.none") : formatMoney(r.margin_cents, r.currency, locale)) },
            ]}
          />
        </div>
      )}
    </section>
  );
}
