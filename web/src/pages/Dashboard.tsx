import { useAll, useFetch } from "../hooks";
import { can } from "../generated/roles";
import { STAGES, type Deal, type MonthRevenue, type Stage } from "../api/types";
import { useI18n } from "../i18n";
import { formatMoney, sumByCurrency } from "../money";
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
  // Every deal, page after page: totals that left deals out would be wrong without saying so.
  const deals = useAll<Deal>(can(role, "deals.read") ? "/api/deals" : null);
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
      {revenue.data && <RevenueCards months={revenue.data.months} />}
      {deals.data && <OpenDeals deals={deals.data} />}
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
            // Amounts in different currencies are never added together.
            const totals = [...sumByCurrency(inStage, (d) => d.currency, (d) => d.value_cents)];
            return (
              <tr key={stage}>
                <th scope="row">{t(`stage.${stage}`)}</th>
                <td data-testid={`open-${stage}`}>{t("dashboard.count", { count: inStage.length })}</td>
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
