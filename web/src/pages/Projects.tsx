// `/projects`: the projects, as a paged list or as a board with a column per status, filtered by
// status and client, each with its budget burn. Moving a card to another status works with its
// select (keyboard, phone) as well.
import { useState } from "react";
import { api } from "../api/client";
import type { Project, ProjectStatus } from "../generated/api";
import { can } from "../generated/roles";
import { usePaged } from "../hooks";
import { useI18n } from "../i18n";
import { Link, navigate, useLocation } from "../router";
import { useRole } from "../session";
import { PagedList, Table } from "../components/List";
import { AccountPicker } from "../components/Picker";
import { PROJECT_STATUSES, ProjectForm } from "../components/ProjectForm";
import { BurnBars, ProjectStatusBadge } from "../components/TimeParts";
import { ErrorBox, PageTitle, Select } from "../components/ui";

export function Projects() {
  const { t } = useI18n();
  const role = useRole();
  const writable = can(role, "projects.write");
  const { params } = useLocation();
  // A client's page links here with its id (`?account_id=`); a status may come the same way.
  const [status, setStatus] = useState(() => params.get("status") ?? "");
  const [account, setAccount] = useState(() => params.get("account_id") ?? "");
  const [view, setView] = useState<"list" | "board">("list");
  const list = usePaged<Project>("/api/projects", { params: { status: status || undefined, account_id: account || undefined } });
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const move = async (p: Project, to: ProjectStatus) => {
    setError(null);
    try {
      const updated = await api.patch<Project>(`/api/projects/${p.id}`, { status: to });
      list.setItems((items) => items.map((x) => (x.id === updated.id ? updated : x)));
      requestAnimationFrame(() => document.getElementById(`project-${p.id}`)?.focus());
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section className="projects">
      <PageTitle
        actions={
          <>
            <Link className="button" to="/timesheet">
              {t("nav.timesheet")}
            </Link>
            <Link className="button" to="/settings/time">
              {t("timeSettings.title")}
            </Link>
            {writable && (
              <button type="button" className="primary" onClick={() => setCreating(true)}>
                {t("project.new")}
              </button>
            )}
          </>
        }
      >
        {t("projects.title")}
      </PageTitle>
      {creating && (
        <ProjectForm
          accountId={account || undefined}
          onSaved={(p) => {
            setCreating(false);
            navigate(`/projects/${p.id}`);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      <div className="panel row no-print">
        <Select label={t("projects.statusFilter")} value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">{t("crm.all")}</option>
          {PROJECT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`project.status.${s}`)}
            </option>
          ))}
        </Select>
        <AccountPicker value={account} onChange={(id) => setAccount(id)} />
        <div className="field" role="group" aria-label={t("projects.view")}>
          <span>{t("projects.view")}</span>
          <div className="buttons">
            <button type="button" aria-pressed={view === "list"} onClick={() => setView("list")}>
              {t("projects.list")}
            </button>
            <button type="button" aria-pressed={view === "board"} onClick={() => setView("board")}>
              {t("projects.board")}
            </button>
          </div>
        </div>
      </div>
      <ErrorBox error={error} />
      <PagedList list={list} search>
        {view === "list" ? (
          <div className="stack-on-phone">
            <Table
              label={t("projects.title")}
              rows={list.items}
              rowKey={(p) => p.id}
              columns={[
                { header: t("common.name"), cell: (p) => <Link to={`/projects/${p.id}`}>{p.name}</Link> },
                { header: t("project.client"), cell: (p) => p.account_name },
                { header: t("common.status"), cell: (p) => <ProjectStatusBadge status={p.status} /> },
                { header: t("project.billingType"), cell: (p) => t(`project.billing.${p.billing_type}`) },
                { header: t("budget.burn"), cell: (p) => <BurnBars burn={p.burn} currency={p.currency} compact /> },
              ]}
            />
          </div>
        ) : (
          <div className="board project-board">
            {PROJECT_STATUSES.map((s) => {
              const mine = list.items.filter((p) => p.status === s);
              return (
                <section key={s} className="column" aria-labelledby={`col-${s}`}>
                  <h2 id={`col-${s}`} className="column-title">
                    {t(`project.status.${s}`)} <span className="hint">({mine.length})</span>
                  </h2>
                  <ul>
                    {mine.map((p) => (
                      <li key={p.id} id={`project-${p.id}`} tabIndex={-1} className="deal">
                        <Link to={`/projects/${p.id}`}>
                          <strong>{p.name}</strong>
                        </Link>
                        <small className="hint">{p.account_name}</small>
                        <BurnBars burn={p.burn} currency={p.currency} compact />
                        {writable && (
                          <label className="move">
                            <span className="sr-only">{t("projects.moveTo", { name: p.name })}</span>
                            <select aria-label={t("projects.moveTo", { name: p.name })} value={p.status} onChange={(e) => void move(p, e.target.value as ProjectStatus)}>
                              {PROJECT_STATUSES.map((to) => (
                                <option key={to} value={to}>
                                  {t(`project.status.${to}`)}
                                </option>
                              ))}
                            </select>
                          </label>
                        )}
                      </li>
                    ))}
                  </ul>
                </section>
              );
            })}
          </div>
        )}
      </PagedList>
    </section>
  );
}
