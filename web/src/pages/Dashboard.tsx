import { useFetch } from "../hooks";
import type { Timesheet } from "../generated/api";
import { Link } from "../router";
import { formatMinutes } from "../time/duration";
import { can } from "../generated/roles";
import { STAGES, type MonthRevenue, type Stage } from "../api/types";
import { useI18n } from "../i18n";
import { formatMoney } from "../money";
import { rowsOf } from "../crm/logic";
import type { PipelineRow } from "../crm/types";
import { useRole } from "../session";
import { ErrorBox, Loading, PageTitle } from "../components/ui";
import { PendingInvitations } from "../components/PendingInvitations";
import { Checklist } from "../components/Checklist";

const OPEN: readonly Stage[] = STAGES.filter((s) => s !== "won" && s !== "lost");

function thisMonth(): string {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
}

export function Dashboard() {
  const { t } = useI18n();
  const role = useRole();
  const month = thisMonth();
  // The server's totals over every deal (never a first page that leaves deals out).
  const deals = useFetch<unknown>(can(role, "deals.read") ? "/api/pipeline" : null);
  const revenue = useFetch<{ months: MonthRevenue[] }>(
    can(role, "reports.read") ? `/api/reports/revenue?from=${month}&to=${month}` : null,
  );

  return (
    <section>
      <PageTitle>{t("dashboard.title")}</PageTitle>
      <PendingInvitations />
      <Checklist />
      <ErrorBox error={deals.error ?? revenue.error} />
      {(deals.loading || revenue.loading) && <Loading />}
      {can(role, "time.log") && <MyWeek />}
      {revenue.data && <RevenueCards months={revenue.data.months} />}
      {deals.data !== null && <OpenDeals rows={rowsOf<PipelineRow>(deals.data)} />}
    </section>
  );
}

/** The person's time this week, with the way to the timesheet (and to the approval queue). */
function MyWeek() {
  const { t } = useI18n();
  const role = useRole();
  const sheet = useFetch<Timesheet>("/api/timesheet");
  if (!sheet.data) return null;
  const drafts = sheet.data.entries.filter((e) => e.status === "draft").length;
  return (
    <div className="cards-row">
      <div className="card">
        <h2>{t("dashboard.myWeek")}</h2>
        <p className="big" data-testid="my-week">
          {formatMinutes(sheet.data.total_minutes)}
        </p>
        <p className="hint">
          {t("timesheet.drafts", { count: drafts })} · <Link to="/timesheet">{t("nav.timesheet")}</Link>
          {can(role, "time.approve") && (
            <>
              {" · "}
              <Link to="/approvals">{t("nav.approvals")}</Link>
            </>
          )}
        </p>
      </div>
    </div>
  );
}

function RevenueCards({ months }: { months: MonthRevenue[] }) {
  const { t, locale } = useI18n();
  const rows = months.length > 0 ? months : [{ month: "", currency: "EUR", won_cents: 0, invoiced_cents: 0, paid_cents: 0 }];
  return (
    <div className="cards">
      {rows.map((m) => (
        <div className="cards-row" key={m.currency}>
          <div className="card">
            <h2>{t("dashboard.invoiced")}</h2>
            <p className="big" data-testid="invoiced">{formatMoney(m.invoiced_cents, m.currency, locale)}</p>
          </div>
          <div className="card">
            <h2>{t("dashboard.paid")}</h2>
            <p className="big" data-testid="paid">{formatMoney(m.paid_cents, m.currency, locale)}</p>
          </div>
          <div className="card">
            <h2>{t("dashboard.won")}</h2>
            <p className="big">{formatMoney(m.won_cents, m.currency, locale)}</p>
          </div>
        </div>
      ))}
    </div>
  );
}

function OpenDeals({ rows }: { rows: PipelineRow[] }) {
  const { t, locale } = useI18n();
  return (
    <>
      <h2>{t("dashboard.openDeals")}</h2>
      <table>
        <tbody>
          {OPEN.map((stage) => {
            const inStage = rows.filter((r) => r.stage === stage);
            const count = inStage.reduce((n, r) => n + r.count, 0);
            // Amounts in different currencies are never added together.
            const totals = inStage.map((r) => [r.currency, r.value_cents] as const);
            return (
              <tr key={stage}>
                <th scope="row">{t(`stage.${stage}`)}</th>
                <td data-testid={`open-${stage}`}>{t("dashboard.count", { count })}</td>
                <td className="num">
                  {totals.length === 0
                    ? formatMoney(0, "EUR", locale)
                    : totals.map(([currency, cents]) => (
                        <span className="block" key={currency}>
                          {formatMoney(cents, currency, locale)}
                        </span>
                      ))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
