// Reports: revenue by month (invoiced, paid, open, overdue) for a chosen period, pipeline value
// by stage and the top clients. Each has a chart (Chart.js), the same figures as a table (what
// print, phones and screen readers read best) and a CSV download of those figures.
import { useMemo, useState, type FormEvent } from "react";
import { query } from "../api/client";
import { STAGES } from "../generated/contract";
import { useFetch } from "../hooks";
import { INTL_LOCALE, useI18n, type Locale } from "../i18n";
import { formatMoney } from "../money";
import { Link } from "../router";
import { BarChart, downloadText } from "../components/Chart";
import { Table } from "../components/List";
import { ErrorBox, Field, Loading, PageTitle } from "../components/ui";
import {
  REVENUE_SERIES,
  csvAmount,
  currenciesOf,
  monthOf,
  monthsBetween,
  revenueChart,
  rowsOf,
  toCsv,
  topClient,
  type RevenueSeries,
} from "../crm/logic";
import type { PipelineRow, RevenueRow, TopClient } from "../crm/types";

const SERIES_KEY = {
  invoiced_cents: "reports.invoiced",
  paid_cents: "reports.paid",
  open_cents: "reports.open",
  overdue_cents: "reports.overdue",
} as const satisfies Record<RevenueSeries, string>;

export function Reports() {
  const { t } = useI18n();
  const now = new Date();
  const [period, setPeriod] = useState({ from: monthOf(now, -11), to: monthOf(now) });
  const [applied, setApplied] = useState(period);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setApplied(period);
  };
  return (
    <section className="reports">
      <PageTitle>{t("reports.title")}</PageTitle>
      <form className="panel row no-print" onSubmit={submit}>
        <Field label={t("reports.from")} type="month" required value={period.from} onChange={(e) => setPeriod({ ...period, from: e.target.value })} />
        <Field label={t("reports.to")} type="month" required value={period.to} onChange={(e) => setPeriod({ ...period, to: e.target.value })} />
        <button type="submit">{t("reports.show")}</button>
      </form>
      <RevenueReport from={applied.from} to={applied.to} />
      <PipelineReport />
      <TopClientsReport from={applied.from} to={applied.to} />
    </section>
  );
}

function RevenueReport({ from, to }: { from: string; to: string }) {
  const { t } = useI18n();
  const answer = useFetch<unknown>(`/api/reports/revenue${query({ from, to })}`);
  const rows = useMemo(() => rowsOf<RevenueRow>(answer.data), [answer.data]);
  const currencies = currenciesOf(rows);
  return (
    <section className="report" aria-labelledby="report-revenue">
      <h2 id="report-revenue" className="section">
        {t("reports.revenue")}
      </h2>
      <ErrorBox error={answer.error} />
      {answer.loading && <Loading />}
      {answer.data !== null && currencies.length === 0 && <p>{t("reports.noData")}</p>}
      {currencies.map((currency) => (
        <RevenueOfCurrency key={currency} rows={rows} currency={currency} from={from} to={to} multi={currencies.length > 1} />
      ))}
    </section>
  );
}

/** A month (`YYYY-MM`) as people read it: "Nov 2026", "nov 2026". */
function monthLabel(month: string, locale: Locale): string {
  return new Intl.DateTimeFormat(INTL_LOCALE[locale], { month: "short", year: "numeric" }).format(new Date(`${month}-01T00:00:00`));
}

function RevenueOfCurrency({ rows, currency, from, to, multi }: { rows: RevenueRow[]; currency: string; from: string; to: string; multi: boolean }) {
  const { t, locale } = useI18n();
  const { months, series } = useMemo(() => revenueChart(rows, currency, from, to), [rows, currency, from, to]);
  // Open and overdue where the server gives them (invoiced and paid always).
  const present = useMemo(
    () => REVENUE_SERIES.filter((k) => k === "invoiced_cents" || k === "paid_cents" || rows.some((r) => r[k] !== undefined)),
    [rows],
  );
  const labels = useMemo(() => months.map((m) => monthLabel(m, locale)), [months, locale]);
  const chartSeries = useMemo(() => present.map((k) => ({ label: t(SERIES_KEY[k]), values: series[k] })), [present, series, t]);
  const byMonth = new Map(rows.filter((r) => r.currency === currency).map((r) => [r.month, r]));
  const table = months.map((m) => ({ month: m, row: byMonth.get(m) }));
  const csv = () =>
    downloadText(
      `revenue-${from}-${to}-${currency}.csv`,
      toCsv(
        ["month", "currency", ...present.map((k) => k.replace(/_cents$/, ""))],
        table.map(({ month, row }) => [month, currency, ...present.map((k) => csvAmount(row?.[k]))]),
      ),
    );
  return (
    <div className="report-part">
      {multi && <h3>{t("reports.currency", { currency })}</h3>}
      <BarChart labels={labels} series={chartSeries} currency={currency} label={t("reports.chartOf", { title: t("reports.revenue"), currency })} testId="chart-revenue" />
      <div className="buttons no-print">
        <button type="button" onClick={csv}>
          {t("crm.downloadCsv")}
        </button>
      </div>
      <Table
        label={`${t("reports.revenue")} (${currency})`}
        rows={table}
        rowKey={(r) => r.month}
        columns={[
          { header: t("reports.month"), cell: (r) => monthLabel(r.month, locale) },
          ...present.map((k) => ({ header: t(SERIES_KEY[k]), className: "num", cell: (r: (typeof table)[number]) => formatMoney(r.row?.[k] ?? 0, currency, locale) })),
        ]}
      />
    </div>
  );
}

function PipelineReport() {
  const { t } = useI18n();
  // The pipeline as it stands (every open and closed deal), per stage and currency.
  const answer = useFetch<unknown>("/api/pipeline");
  const rows = useMemo(() => rowsOf<PipelineRow>(answer.data), [answer.data]);
  const currencies = currenciesOf(rows);
  return (
    <section className="report" aria-labelledby="report-pipeline">
      <h2 id="report-pipeline" className="section">
        {t("reports.pipeline")}
      </h2>
      <ErrorBox error={answer.error} />
      {answer.loading && <Loading />}
      {answer.data !== null && currencies.length === 0 && <p>{t("reports.noData")}</p>}
      {currencies.map((currency) => (
        <PipelineOfCurrency key={currency} rows={rows.filter((r) => r.currency === currency)} currency={currency} multi={currencies.length > 1} />
      ))}
    </section>
  );
}

function PipelineOfCurrency({ rows, currency, multi }: { rows: PipelineRow[]; currency: string; multi: boolean }) {
  const { t, locale } = useI18n();
  const ordered = useMemo(() => STAGES.map((s) => rows.find((r) => r.stage === s) ?? { stage: s, currency, count: 0, value_cents: 0, weighted_cents: 0, probability_bp: 0 }), [rows, currency]);
  const labels = useMemo(() => ordered.map((r) => t(`stage.${r.stage}`)), [ordered, t]);
  const series = useMemo(
    () => [
      { label: t("reports.value"), values: ordered.map((r) => r.value_cents / 100) },
      { label: t("reports.weighted"), values: ordered.map((r) => r.weighted_cents / 100) },
    ],
    [ordered, t],
  );
  const csv = () =>
    downloadText(
      `pipeline-${currency}.csv`,
      toCsv(
        ["stage", "currency", "count", "value", "weighted", "probability_percent"],
        ordered.map((r) => [r.stage, currency, r.count, csvAmount(r.value_cents), csvAmount(r.weighted_cents), r.probability_bp / 100]),
      ),
    );
  return (
    <div className="report-part">
      {multi && <h3>{t("reports.currency", { currency })}</h3>}
      <BarChart labels={labels} series={series} currency={currency} label={t("reports.chartOf", { title: t("reports.pipeline"), currency })} testId="chart-pipeline" />
      <div className="buttons no-print">
        <button type="button" onClick={csv}>
          {t("crm.downloadCsv")}
        </button>
      </div>
      <Table
        label={`${t("reports.pipeline")} (${currency})`}
        rows={ordered}
        rowKey={(r) => r.stage}
        columns={[
          { header: t("reports.stage"), cell: (r) => t(`stage.${r.stage}`) },
          { header: t("reports.count"), className: "num", cell: (r) => r.count },
          { header: t("reports.value"), className: "num", cell: (r) => formatMoney(r.value_cents, currency, locale) },
          { header: t("reports.weighted"), className: "num", cell: (r) => formatMoney(r.weighted_cents, currency, locale) },
        ]}
      />
    </div>
  );
}

function TopClientsReport({ from, to }: { from: string; to: string }) {
  const { t, locale } = useI18n();
  const answer = useFetch<unknown>(`/api/reports/top-clients${query({ from, to, limit: 10 })}`);
  const rows = useMemo(() => rowsOf<Record<string, unknown>>(answer.data).map(topClient), [answer.data]);
  const currencies = currenciesOf(rows);
  if (answer.error) return null;
  return (
    <section className="report" aria-labelledby="report-top">
      <h2 id="report-top" className="section">
        {t("reports.topClients")}
      </h2>
      {answer.loading && <Loading />}
      {answer.data !== null && rows.length === 0 && <p>{t("reports.noData")}</p>}
      {currencies.map((currency) => {
        const mine = rows.filter((r) => r.currency === currency);
        return (
          <div className="report-part" key={currency}>
            {currencies.length > 1 && <h3>{t("reports.currency", { currency })}</h3>}
            <TopChart rows={mine} currency={currency} />
            <div className="buttons no-print">
              <button
                type="button"
                onClick={() =>
                  downloadText(
                    `top-clients-${from}-${to}-${currency}.csv`,
                    toCsv(
                      ["client", "currency", "invoiced", "credited", "paid", "open"],
                      mine.map((r) => [r.name, currency, csvAmount(r.invoiced_cents), csvAmount(r.credited_cents), csvAmount(r.paid_cents), csvAmount(r.open_cents)]),
                    ),
                  )
                }
              >
                {t("crm.downloadCsv")}
              </button>
            </div>
            <Table
              label={`${t("reports.topClients")} (${currency})`}
              rows={mine}
              rowKey={(r) => r.account_id}
              columns={[
                { header: t("reports.client"), cell: (r) => <Link to={`/accounts/${encodeURIComponent(r.account_id)}`}>{r.name}</Link> },
                { header: t("reports.invoiced"), className: "num", cell: (r) => formatMoney(r.invoiced_cents, currency, locale) },
                mine.some((r) => r.credited_cents) && {
                  header: t("reports.credited"),
                  className: "num",
                  cell: (r: TopClient) => formatMoney(r.credited_cents ?? 0, currency, locale),
                },
                mine.some((r) => r.net_cents !== undefined) && {
                  header: t("reports.net"),
                  className: "num",
                  cell: (r: TopClient) => formatMoney(r.net_cents ?? r.invoiced_cents, currency, locale),
                },
                { header: t("reports.paid"), className: "num", cell: (r) => formatMoney(r.paid_cents ?? 0, currency, locale) },
                mine.some((r) => r.open_cents !== undefined) && {
                  header: t("reports.open"),
                  className: "num",
                  cell: (r: TopClient) => formatMoney(r.open_cents ?? 0, currency, locale),
                },
              ]}
            />
          </div>
        );
      })}
    </section>
  );
}

function TopChart({ rows, currency }: { rows: TopClient[]; currency: string }) {
  const { t } = useI18n();
  const labels = useMemo(() => rows.map((r) => r.name), [rows]);
  // Ranked by what was invoiced net of credit notes, where the server says.
  const series = useMemo(
    () => [
      rows.some((r) => r.net_cents !== undefined)
        ? { label: t("reports.net"), values: rows.map((r) => (r.net_cents ?? r.invoiced_cents) / 100) }
        : { label: t("reports.invoiced"), values: rows.map((r) => r.invoiced_cents / 100) },
    ],
    [rows, t],
  );
  return <BarChart labels={labels} series={series} currency={currency} horizontal label={t("reports.chartOf", { title: t("reports.topClients"), currency })} testId="chart-top-clients" />;
}

export { monthsBetween, rowsOf };
