// The client's projects: status and dates, the tasks the agency marked visible to the client, and
// approved time and budget when the agency shows them.
import { formatDate, useI18n } from "../../i18n";
import { labelOr } from "../../crm/labels";
import { formatMoney } from "../../money";
import { formatMinutes } from "../format";
import { Link } from "../../router";
import { Table } from "../../components/List";
import { ErrorBox, Loading, PageTitle } from "../../components/ui";
import { usePortal, usePortalFetch } from "../hooks";
import { flatProject, itemsOf, type ListOf, type PortalProject, type PortalProjectDetail } from "../types";

export function PortalProjects() {
  const { t, locale } = useI18n();
  const list = usePortalFetch<ListOf<PortalProject>>("/api/portal/projects");
  const rows = itemsOf(list.data);
  return (
    <section>
      <PageTitle>{t("portal.nav.projects")}</PageTitle>
      <ErrorBox error={list.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : rows.length === 0 ? (
        <p>{t("portal.noProjects")}</p>
      ) : (
        <Table
          label={t("portal.nav.projects")}
          rows={rows}
          rowKey={(p) => p.id}
          columns={[
            { header: t("common.name"), cell: (p) => <Link to={`/portal/projects/${encodeURIComponent(p.id)}`}>{p.name}</Link> },
            { header: t("common.status"), cell: (p) => labelOr(t, `project.status.${p.status}`, p.status) },
            { header: t("project.dates"), cell: (p) => [formatDate(p.start_date, locale), formatDate(p.end_date, locale)].filter(Boolean).join(" – ") },
          ]}
        />
      )}
    </section>
  );
}

export function PortalProjectPage({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const { can } = usePortal();
  const project = usePortalFetch<PortalProject | PortalProjectDetail>(`/api/portal/projects/${encodeURIComponent(id)}`);
  const p = project.data ? flatProject(project.data) : null;
  if (project.loading && !p) return <Loading />;
  if (!p) return <ErrorBox error={project.error} />;
  const tasks = p.tasks ?? [];
  const showTime = can("project_time") && (p.approved_minutes !== undefined && p.approved_minutes !== null);
  return (
    <section>
      <p className="crumbs">
        <Link to="/portal/projects">{t("portal.nav.projects")}</Link>
      </p>
      <PageTitle>{p.name}</PageTitle>
      <div className="panel">
        <dl className="details">
          <div>
            <dt>{t("common.status")}</dt>
            <dd>{labelOr(t, `project.status.${p.status}`, p.status)}</dd>
          </div>
          <div>
            <dt>{t("project.start")}</dt>
            <dd>{formatDate(p.start_date, locale) || t("common.none")}</dd>
          </div>
          <div>
            <dt>{t("project.end")}</dt>
            <dd>{formatDate(p.end_date, locale) || t("common.none")}</dd>
          </div>
          {showTime && (
            <div>
              <dt>{t("portal.approvedTime")}</dt>
              <dd data-testid="approved-time">
                {p.budget_minutes
                  ? t("portal.ofBudget", { used: formatMinutes(p.approved_minutes ?? 0), budget: formatMinutes(p.budget_minutes) })
                  : formatMinutes(p.approved_minutes ?? 0)}
              </dd>
            </div>
          )}
          {showTime && p.budget_cents && p.currency ? (
            <div>
              <dt>{t("portal.budget")}</dt>
              <dd>
                {t("portal.ofBudget", {
                  used: formatMoney(p.spent_cents ?? 0, p.currency, locale),
                  budget: formatMoney(p.budget_cents, p.currency, locale),
                })}
              </dd>
            </div>
          ) : null}
        </dl>
      </div>
      <h2 className="section">{t("portal.tasks")}</h2>
      {tasks.length === 0 ? (
        <p>{t("portal.noTasks")}</p>
      ) : (
        <Table
          label={t("portal.tasks")}
          rows={tasks}
          rowKey={(task) => task.id}
          columns={[
            { header: t("common.title"), cell: (task) => task.title },
            { header: t("common.status"), cell: (task) => labelOr(t, `task.status.${task.status}`, task.status) },
            { header: t("portal.dueDate"), cell: (task) => formatDate(task.due_date, locale) || t("common.none") },
          ]}
        />
      )}
    </section>
  );
}
