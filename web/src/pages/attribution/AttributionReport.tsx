// `/attribution`: the reconciliation report. Paid revenue in a period by the first or last
// campaign of each sale, with the unattributed and no-consent rows, so each currency's total
// equals the revenue report's paid total (shown beside it). A chart (Chart.js), the same figures
// as a table, and the server's CSV and white-label PDF (in the person's language) to download.
import { useMemo, useState, type FormEvent } from "react";
import { download, query } from "../../api/client";
import { AttributionTabs } from "../../attribution/Tabs";
import { MAX_REPORT_MONTHS, periodProblem, reconciles, reportChart, reportLines, type ReportLine } from "../../attribution/logic";
import type { AttributionReport as Report, CurrencyReport, TouchModel } from "../../attribution/types";
import { BarChart } from "../../components/Chart";
import { Table } from "../../components/List";
import { ErrorBox, Field, Loading, PageTitle, Select } from "../../components/ui";
import { monthOf } from "../../crm/logic";
import { useFetch } from "../../hooks";
import { INTL_LOCALE, useI18n } from "../../i18n";
import { formatMoney } from "../../money";

interface Period {
  from: string;
  to: string;
  model: TouchModel;
}

export function AttributionReport() {
  const { t } = useI18n();
  const now = new Date();
  const [period, setPeriod] = useState<Period>({ from: monthOf(now, -11), to: monthOf(now), model: "last" });
  const [applied, setApplied] = useState(period);
  const problem = periodProblem(period.from, period.to);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!problem) setApplied(period);
  };
  return (
    <section className="reports">
      <AttributionTabs />
      <PageTitle>{t("attribution.report.title")}</PageTitle>
      <p className="hint">{t("attribution.report.intro")}</p>
      <form className="panel row no-print" onSubmit={submit} noValidate>
        <Field label={t("attribution.report.from")} type="month" required value={period.from} onChange={(e) => setPeriod({ ...period, from: e.target.value })} />
        <Field label={t("attribution.report.to")} type="month" required value={period.to} onChange={(e) => setPeriod({ ...period, to: e.target.value })} />
        <Select label={t("attribution.report.model")} value={period.model} onChange={(e) => setPeriod({ ...period, model: e.target.value as TouchModel })}>
          <option value="last">{t("attribution.report.model.last")}</option>
          <option value="first">{t("attribution.report.model.first")}</option>
        </Select>
        <button type="submit" disabled={problem !== null}>
          {t("attribution.report.show")}
        </button>
        {problem && (
          <p className="error" role="alert">
            {problem === "order" ? t("attribution.report.periodOrder") : t("attribution.report.periodLength", { max: MAX_REPORT_MONTHS })}
          </p>
        )}
      </form>
      <ReportBody period={applied} />
    </section>
  );
}

function ReportBody({ period }: { period: Period }) {
  const { t, locale } = useI18n();
  const q = query({ from: period.from, to: period.to, model: period.model });
  const answer = useFetch<Report>(`/api/attribution/report${q}`);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const get = (kind: "csv" | "pdf") => {
    setDownloadError(null);
    const lang = kind === "pdf" ? `&lang=${locale}` : "";
    download(`/api/attribution/report/${kind}${q}${lang}`, `attribution-${period.from}-${period.to}.${kind}`).catch(setDownloadError);
  };
  const report = answer.data;
  return (
    <div>
      <ErrorBox error={answer.error ?? downloadError} />
      {answer.loading && <Loading />}
      {report && (
        <>
          <div className="buttons no-print">
            <button type="button" onClick={() => get("csv")}>
              {t("attribution.report.csv")}
            </button>
            <button type="button" onClick={() => get("pdf")}>
              {t("attribution.report.pdf")}
            </button>
          </div>
          {report.currencies.length === 0 && <p>{t("attribution.report.none")}</p>}
          {report.currencies.map((column) => (
            <CurrencyPart key={column.currency} column={column} multi={report.currencies.length > 1} />
          ))}
        </>
      )}
    </div>
  );
}

function CurrencyPart({ column, multi }: { column: CurrencyReport; multi: boolean }) {
  const { t, locale } = useI18n();
  const { currency } = column;
  const lines = useMemo(() => reportLines(column, t), [column, t]);
  const chart = useMemo(() => reportChart(column, t), [column, t]);
  const series = useMemo(() => [{ label: t("attribution.report.paid"), values: chart.values }], [chart, t]);
  const money = (cents: number) => formatMoney(cents, currency, locale);
  const share = (bp: number) => new Intl.NumberFormat(INTL_LOCALE[locale], { style: "percent", maximumFractionDigits: 1 }).format(bp / 10000);
  return (
    <section className="report-part" aria-label={t("attribution.report.currency", { currency })}>
      {multi && <h2 className="section">{t("attribution.report.currency", { currency })}</h2>}
      {chart.values.length > 0 && (
        <BarChart labels={chart.labels} series={series} currency={currency} horizontal label={t("attribution.report.chart", { currency })} testId={`chart-attribution-${currency}`} />
      )}
      <Table<ReportLine>
        label={`${t("attribution.report.title")} (${currency})`}
        rows={lines}
        rowKey={(r) => r.key}
        columns={[
          { header: t("attribution.report.source"), cell: (r) => (r.fixed ? <em>{r.label}</em> : r.label) },
          { header: t("attribution.report.payments"), className: "num", cell: (r) => r.payments },
          { header: t("attribution.report.paid"), className: "num", cell: (r) => money(r.paid_cents) },
          { header: t("attribution.report.share"), className: "num", cell: (r) => share(r.share_bp) },
        ]}
      />
      <dl className="report-totals">
        <div>
          <dt>{t("attribution.report.total")}</dt>
          <dd className="num" data-testid={`attribution-total-${currency}`}>
            <strong>{money(column.total_cents)}</strong>
          </dd>
        </div>
        <div>
          <dt>{t("attribution.report.finance")}</dt>
          <dd className="num" data-testid={`attribution-finance-${currency}`}>
            {money(column.finance_paid_cents)}
          </dd>
        </div>
      </dl>
      <p className={reconciles(column) ? "hint" : "error"} role={reconciles(column) ? undefined : "alert"}>
        {reconciles(column) ? t("attribution.report.reconciled") : t("attribution.report.notReconciled")}
      </p>
    </section>
  );
}
