// `/projects/:id`: one project: its details, the people on it with their rates there, its budget
// burn now and per month, its tasks board and its time; fixed-price and retainer projects can be
// invoiced from here (their price or a milestone, a retainer's month).
import { useState } from "react";
import { api, download, request } from "../api/client";
import type { BudgetReport, Invoice, Project, TimeEntry } from "../generated/api";
import { can } from "../generated/roles";
import { useFetch, usePaged } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { formatMoney } from "../money";
import { Link, navigate } from "../router";
import { useRole } from "../session";
import { usePeople } from "../crm/people";
import { PagedList, Table } from "../components/List";
import { ProjectForm } from "../components/ProjectForm";
import { TaskBoard } from "../components/TaskBoard";
import { BurnBars, EntryStatusBadge, ProjectStatusBadge, centsBody, centsInput } from "../components/TimeParts";
import { ErrorBox, Field, Form, Loading, PageTitle } from "../components/ui";
import { formatMinutes } from "../time/duration";
import { today } from "../time/logic";

export function ProjectPage({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const role = useRole();
  const writable = can(role, "projects.write");
  const project = useFetch<Project>(`/api/projects/${encodeURIComponent(id)}`);
  const budget = useFetch<BudgetReport>(`/api/projects/${encodeURIComponent(id)}/budget`);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const p = project.data;

  const remove = async () => {
    if (!p || !window.confirm(t("project.deleteConfirm", { name: p.name }))) return;
    setError(null);
    try {
      await api.del(`/api/projects/${p.id}`);
      navigate("/projects");
    } catch (e) {
      setError(e);
    }
  };

  if (project.error) return <ErrorBox error={project.error} />;
  if (!p) return <Loading />;
  return (
    <section className="project-page">
      <p className="no-print">
        <Link to="/projects">← {t("projects.title")}</Link>
      </p>
      <PageTitle
        actions={
          writable && (
            <>
              <button type="button" onClick={() => setEditing(true)}>
                {t("common.edit")}
              </button>
              <button type="button" onClick={() => void remove()}>
                {t("common.delete")}
              </button>
            </>
          )
        }
      >
        {p.name}
      </PageTitle>
      <ErrorBox error={error} />
      {editing ? (
        <ProjectForm
          project={p}
          onSaved={(saved) => {
            project.setData(saved);
            setEditing(false);
            void budget.reload();
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <dl className="details panel">
          <div>
            <dt>{t("project.client")}</dt>
            <dd>
              <Link to={`/accounts/${p.account_id}`}>{p.account_name}</Link>
            </dd>
          </div>
          <div>
            <dt>{t("common.status")}</dt>
            <dd>
              <ProjectStatusBadge status={p.status} />
            </dd>
          </div>
          <div>
            <dt>{t("project.billingType")}</dt>
            <dd>{t(`project.billing.${p.billing_type}`)}</dd>
          </div>
          {p.hourly_rate_cents !== null && (
            <div>
              <dt>{t("project.hourlyRate")}</dt>
              <dd>{formatMoney(p.hourly_rate_cents, p.currency, locale)}</dd>
            </div>
          )}
          {p.fixed_price_cents !== null && (
            <div>
              <dt>{t("project.fixedPrice")}</dt>
              <dd>{formatMoney(p.fixed_price_cents, p.currency, locale)}</dd>
            </div>
          )}
          {p.retainer_cents !== null && (
            <div>
              <dt>{t("project.retainer")}</dt>
              <dd>{formatMoney(p.retainer_cents, p.currency, locale)}</dd>
            </div>
          )}
          <div>
            <dt>{t("project.rounding")}</dt>
            <dd>{t("project.roundingMinutes", { minutes: p.rounding_minutes })}</dd>
          </div>
          <div>
            <dt>{t("project.dates")}</dt>
            <dd>
              {formatDate(p.start_date, locale) || t("common.none")} – {formatDate(p.end_date, locale) || t("common.none")}
            </dd>
          </div>
          {p.description && (
            <div>
              <dt>{t("project.description")}</dt>
              <dd>{p.description}</dd>
            </div>
          )}
        </dl>
      )}
      <BudgetSection project={p} report={budget.data} error={budget.error} />
      {can(role, "invoices.write") && (p.billing_type === "fixed_price" || p.billing_type === "retainer") && (
        <ProjectInvoiceForm project={p} onDone={() => void budget.reload()} />
      )}
      <MembersSection project={p} writable={writable} onChanged={(x) => project.setData(x)} />
      <h2 className="section">{t("tasks.title")}</h2>
      <TaskBoard projectId={p.id} writable={writable} />
      <ProjectTime projectId={p.id} />
    </section>
  );
}

function BudgetSection({ project, report, error }: { project: Project; report: BudgetReport | null; error: unknown }) {
  const { t } = useI18n();
  const current = report?.current ?? project.burn;
  return (
    <section aria-labelledby="budget-title">
      <h2 id="budget-title" className="section">
        {t("budget.title")}
        {report?.cap && <span className="badge"> {t("project.capShort")}</span>}
      </h2>
      <ErrorBox error={error} />
      <div className="panel" data-testid="budget-current">
        <h3>{current.period === "total" ? t("budget.total") : t("budget.month", { month: current.period })}</h3>
        <BurnBars burn={current} currency={project.currency} />
      </div>
      {report && report.months.length > 0 && (
        <MonthsTable report={report} currency={project.currency} />
      )}
    </section>
  );
}

function MonthsTable({ report, currency }: { report: BudgetReport; currency: string }) {
  const { t, locale } = useI18n();
  return (
    <div className="stack-on-phone">
      <Table
        label={t("budget.perMonth")}
        rows={report.months}
        rowKey={(m) => m.period}
        columns={[
          { header: t("reports.month"), cell: (m) => m.period },
          { header: t("budget.hours"), className: "num", cell: (m) => formatMinutes(m.minutes) },
          { header: t("budget.billable"), className: "num", cell: (m) => formatMinutes(m.billable_minutes) },
          report.period === "monthly" && {
            header: t("budget.left"),
            className: "num",
            cell: (m) => (m.minutes_left === null ? t("common.none") : formatMinutes(m.minutes_left)),
          },
          { header: t("budget.value"), className: "num", cell: (m) => formatMoney(m.value_cents, currency, locale) },
          { header: t("budget.invoiced"), className: "num", cell: (m) => formatMoney(m.invoiced_cents, currency, locale) },
          {
            header: t("budget.level"),
            cell: (m) => (m.level === "ok" ? t("budget.level.ok") : <strong className={`badge level-${m.level}`}>{t(`budget.level.${m.level}`)}</strong>),
          },
        ]}
      />
    </div>
  );
}

function ProjectInvoiceForm({ project, onDone }: { project: Project; onDone: () => void }) {
  const { t, locale } = useI18n();
  const fixed = project.billing_type === "fixed_price";
  const [amount, setAmount] = useState("");
  const [month, setMonth] = useState(today().slice(0, 7));
  const [description, setDescription] = useState("");
  const [made, setMade] = useState<Invoice | null>(null);
  const submit = async () => {
    setMade(null);
    const body = fixed
      ? { amount_cents: centsBody("amount_cents", amount, locale), description: description.trim() || null }
      : { month, description: description.trim() || null };
    const invoice = await api.post<Invoice>(`/api/projects/${project.id}/invoice`, body);
    setMade(invoice);
    onDone();
  };
  return (
    <Form
      onSubmit={submit}
      submitLabel={fixed ? t("project.invoicePrice") : t("project.invoiceMonth")}
      footer={
        made && (
          <p className="notice" role="status">
            {t("project.invoiced")} <Link to={`/invoices/${made.id}`}>{t("invoices.view")}</Link>
          </p>
        )
      }
    >
      <h2>{fixed ? t("project.invoicePriceTitle") : t("project.invoiceMonthTitle")}</h2>
      <div className="row">
        {fixed ? (
          <Field label={t("project.milestone")} hint={t("project.milestoneHint")} name="amount_cents" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
        ) : (
          <Field label={t("reports.month")} name="month" type="month" required value={month} onChange={(e) => setMonth(e.target.value)} />
        )}
        <Field label={t("project.lineText")} name="description" value={description} onChange={(e) => setDescription(e.target.value)} />
      </div>
    </Form>
  );
}

function MembersSection({ project, writable, onChanged }: { project: Project; writable: boolean; onChanged: (p: Project) => void }) {
  const { t, locale } = useI18n();
  const people = usePeople();
  const [adding, setAdding] = useState("");
  const [rate, setRate] = useState("");
  const [error, setError] = useState<unknown>(null);
  const on = new Set(project.members.map((m) => m.person_id));
  const offered = people.list.filter((p) => !on.has(p.id));

  const put = async (person: string, text: string) => {
    setError(null);
    try {
      const cents = centsBody("hourly_rate_cents", text, locale);
      onChanged(await api.put<Project>(`/api/projects/${project.id}/members/${person}`, { hourly_rate_cents: cents }));
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };
  const remove = async (person: string) => {
    setError(null);
    try {
      onChanged(await request<Project>("DELETE", `/api/projects/${project.id}/members/${person}`));
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section aria-labelledby="members-title">
      <h2 id="members-title" className="section">
        {t("project.members")}
      </h2>
      <ErrorBox error={error} />
      {project.members.length === 0 ? (
        <p>{t("project.noMembers")}</p>
      ) : (
        <ul className="members-list">
          {project.members.map((m) => (
            <li key={m.person_id}>
              <span>{people.name(m.person_id) ?? t("crm.someone")}</span>
              <span className="hint">
                {m.hourly_rate_cents === null ? t("project.defaultRate") : formatMoney(m.hourly_rate_cents, project.currency, locale)}
              </span>
              {writable && (
                <MemberRateEditor
                  name={people.name(m.person_id) ?? ""}
                  initial={m.hourly_rate_cents}
                  onSave={(text) => put(m.person_id, text)}
                  onRemove={() => void remove(m.person_id)}
                />
              )}
            </li>
          ))}
        </ul>
      )}
      {writable && offered.length > 0 && (
        <form
          className="panel row"
          onSubmit={(e) => {
            e.preventDefault();
            if (!adding) return;
            void put(adding, rate).then((ok) => {
              if (ok) {
                setAdding("");
                setRate("");
              }
            });
          }}
        >
          <div className="field">
            <label htmlFor="member-add">{t("project.addMember")}</label>
            <select id="member-add" value={adding} onChange={(e) => setAdding(e.target.value)}>
              <option value="">{t("common.none")}</option>
              {offered.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
          <Field label={t("project.memberRate")} hint={t("project.memberRateHint")} inputMode="decimal" value={rate} onChange={(e) => setRate(e.target.value)} />
          <button type="submit" disabled={!adding}>
            {t("project.addMemberButton")}
          </button>
        </form>
      )}
    </section>
  );
}

function MemberRateEditor({ name, initial, onSave, onRemove }: { name: string; initial: number | null; onSave: (text: string) => Promise<boolean>; onRemove: () => void }) {
  const { t, locale } = useI18n();
  const [text, setText] = useState(centsInput(initial, locale));
  return (
    <span className="buttons">
      <input aria-label={t("project.rateOf", { name })} inputMode="decimal" size={8} value={text} onChange={(e) => setText(e.target.value)} />
      <button type="button" onClick={() => void onSave(text)}>
        {t("common.save")}
      </button>
      <button type="button" onClick={onRemove} aria-label={t("project.removeMember", { name })}>
        {t("project.remove")}
      </button>
    </span>
  );
}

function ProjectTime({ projectId }: { projectId: string }) {
  const { t, locale } = useI18n();
  const list = usePaged<TimeEntry>("/api/time-entries", { params: { project_id: projectId } });
  const [csvError, setCsvError] = useState<unknown>(null);
  return (
    <section aria-labelledby="time-title">
      <div className="section-title">
        <h2 id="time-title" className="section">
          {t("project.time")}
        </h2>
        <button type="button" className="no-print" onClick={() => download(`/api/time-entries/csv?project_id=${encodeURIComponent(projectId)}`, "time.csv").catch(setCsvError)}>
          {t("crm.downloadCsv")}
        </button>
      </div>
      <ErrorBox error={csvError} />
      <PagedList list={list} name={t("project.time")}>
        <div className="stack-on-phone">
          <Table
            label={t("project.time")}
            rows={list.items}
            rowKey={(e) => e.id}
            columns={[
              { header: t("time.date"), cell: (e) => formatDate(e.work_date, locale) },
              { header: t("time.person"), cell: (e) => e.person_name ?? t("crm.someone") },
              { header: t("time.task"), cell: (e) => e.task_title ?? t("common.none") },
              { header: t("time.service"), cell: (e) => e.service_name ?? t("common.none") },
              { header: t("time.description"), cell: (e) => e.description ?? "" },
              { header: t("time.minutes"), className: "num", cell: (e) => formatMinutes(e.minutes) },
              { header: t("time.billableMinutes"), className: "num", cell: (e) => formatMinutes(e.billable_minutes) },
              { header: t("common.status"), cell: (e) => <EntryStatusBadge status={e.status} /> },
            ]}
          />
        </div>
      </PagedList>
    </section>
  );
}
