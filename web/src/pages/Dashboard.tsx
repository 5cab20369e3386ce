import { useFetch } from "../hooks";
import { can } from "../generated/roles";
import { STAGES, type Deal, type MonthRevenue, type Page, type Stage } from "../api/types";
import { formatMoney, useI18n } from "../i18n";
import { useRole } from "../session";
import { ErrorBox, Loading, PageTitle } from "../components/ui";
import { PendingInvitations } from "../components/PendingInvitations";

const OPEN: readonly Stage[] = STAGES.filter((s) => s !== "won" && s !== "lost");

function thisMonth(): string {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
}

export function Dashboard() {
  const { t } = useI18n();
  const role = useRole();
  const month = thisMonth();
  const deals = useFetch<Page<Deal>>(can(role, "deals.read") ? "/api/deals?limit=200" : null);
  const revenue = useFetch<{ months: MonthRevenue[] }>(
    can(role, "reports.read") ? `/api/reports/revenue?from=${month}&to=${month}` : null,
  );

  return (
    <section>
      <PageTitle>{t("dashboard.title")}</PageTitle>
      <PendingInvitations />
      <ErrorBox error={deals.error ?? revenue.error} />
      {(deals.loading || revenue.loading) && <Loading />}
      {revenue.data && <RevenueCards months={revenue.data.months} />}
      {deals.data && <OpenDeals deals={deals.data.items} />}
    </section>
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

function OpenDeals({ deals }: { deals: Deal[] }) {
  const { t, locale } = useI18n();
  return (
    <>
      <h2>{t("dashboard.openDeals")}</h2>
      <table>
        <tbody>
          {OPEN.map((stage) => {
            const inStage = deals.filter((d) => d.stage === stage);
            const total = inStage.reduce((sum, d) => sum + d.value_cents, 0);
            return (
              <tr key={stage}>
                <th scope="row">{t(`stage.${stage}`)}</th>
                <td>{t("dashboard.count", { count: inStage.length })}</td>
                <td className="num">{formatMoney(total, "EUR", locale)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
