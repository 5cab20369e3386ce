// `/timesheet`: one person's week as a grid: a row per project × task × service, a column per
// day (Monday first), totals per row, day and week. Typing `1:30`, `1.5`, `1,5` or `90m` into a
// cell and leaving it (or Enter) logs that time; 0 or empty removes it. ↑/↓ move between rows.
// The running timer sits above the grid; "Submit week" sends the week's drafts for approval.
// People who may see everyone's time choose whose week it is.
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { ApiError, api, query } from "../api/client";
import type { Project, Service, Task, TimeEntry, TimeSettings, Timesheet as Sheet, TimerState } from "../generated/api";
import { can } from "../generated/roles";
import { useAll, useFetch } from "../hooks";
import { INTL_LOCALE, errorMessage, formatDate, useI18n } from "../i18n";
import { useLocation, navigate } from "../router";
import { useRole } from "../session";
import { usePeople } from "../crm/people";
import { durationMessage, EntryStatusBadge } from "../components/TimeParts";
import { ErrorBox, Loading, PageTitle, Select } from "../components/ui";
import { formatClock, formatMinutes, parseDuration } from "../time/duration";
import { addDays, buildGrid, cellChange, dayTotals, entryEditable, isDate, mondayOf, rowKey, today, weekDays, type GridRow, type RowKey } from "../time/logic";

type ExtraRow = RowKey & { project_name: string; task_title: string | null; service_name: string | null };

export function Timesheet() {
  const { t, locale } = useI18n();
  const role = useRole();
  const people = usePeople();
  const { params } = useLocation();
  const week = mondayOf(isDate(params.get("week")) ? (params.get("week") as string) : today());
  const [chosen, setChosen] = useState("");
  const person = chosen || people.myId || "";
  const own = !!people.myId && person === people.myId;
  const editable = own || can(role, "time.approve");
  const approver = can(role, "time.approve");
  const sheet = useFetch<Sheet>(person ? `/api/timesheet${query({ person_id: person, week })}` : null);
  const [extra, setExtra] = useState<ExtraRow[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState("");
  const days = weekDays(week);
  const rows = buildGrid(days, sheet.data?.entries ?? [], extra);
  const totals = dayTotals(rows, 7);
  const drafts = (sheet.data?.entries ?? []).filter((e) => e.status === "draft");
  // Days on or before the company's lock date are closed (the server refuses them: period_locked).
  const settings = useFetch<TimeSettings>("/api/time-settings");
  const lock = settings.data?.lock_date ?? null;
  const closed = (d: string) => lock !== null && d <= lock;

  const goWeek = (date: string) => navigate(`/timesheet${query({ week: mondayOf(date) })}`, true);

  const submitWeek = async () => {
    setError(null);
    setNotice("");
    try {
      await api.post("/api/time-entries/submit", { ids: drafts.map((e) => e.id) });
      setNotice(t("timesheet.submitted", { count: drafts.length }));
      void sheet.reload();
    } catch (e) {
      setError(e);
    }
  };

  const dayName = (d: string) => new Intl.DateTimeFormat(INTL_LOCALE[locale], { weekday: "short", day: "numeric", month: "short" }).format(new Date(`${d}T12:00:00`));
  const rowName = (r: GridRow) => [r.project_name, r.task_title, r.service_name].filter(Boolean).join(" / ");

  return (
    <section className="timesheet">
      <PageTitle>{t("timesheet.title")}</PageTitle>
      {own && <TimerPanel onStopped={() => void sheet.reload()} />}
      <div className="panel row no-print">
        {can(role, "time.read_all") && (
          <Select label={t("timesheet.person")} value={person} onChange={(e) => setChosen(e.target.value)}>
            {people.list.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </Select>
        )}
        <div className="field">
          <span id="week-label">{t("timesheet.week", { from: formatDate(days[0], locale), to: formatDate(days[6], locale) })}</span>
          <div className="buttons" role="group" aria-labelledby="week-label">
            <button type="button" onClick={() => goWeek(addDays(week, -7))}>
              ← {t("timesheet.previous")}
            </button>
            <button type="button" onClick={() => goWeek(today())}>
              {t("timesheet.thisWeek")}
            </button>
            <button type="button" onClick={() => goWeek(addDays(week, 7))}>
              {t("timesheet.next")} →
            </button>
          </div>
        </div>
      </div>
      <ErrorBox error={error ?? sheet.error} />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {sheet.loading && !sheet.data && <Loading />}
      <p className="hint">{t("timesheet.typeHint")}</p>
      <div className="stack-on-phone timesheet-grid">
        <table aria-label={t("timesheet.gridLabel")}>
          <thead>
            <tr>
              <th>{t("timesheet.row")}</th>
              {days.map((d) => (
                <th key={d} className="num">
                  {dayName(d)}
                  {closed(d) && <small className="block hint">{t("timesheet.closed")}</small>}
                </th>
              ))}
              <th className="num">{t("timesheet.total")}</th>
              {own && <th className="sr-only">{t("common.actions")}</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, ri) => (
              <tr key={r.key}>
                <th scope="row" className="row-name">
                  {rowName(r)}
                </th>
                {days.map((d, di) => (
                  <td key={d} className="num" data-label={dayName(d)}>
                    <Cell
                      id={`cell-${ri}-${di}`}
                      label={t("timesheet.cellLabel", { row: rowName(r), day: formatDate(d, locale) })}
                      entries={r.cells[di] ?? []}
                      editable={editable}
                      approver={approver}
                      onKey={(e) => {
                        if (e.key === "ArrowDown" || e.key === "ArrowUp") {
                          const next = document.getElementById(`cell-${ri + (e.key === "ArrowDown" ? 1 : -1)}-${di}`);
                          if (next) {
                            e.preventDefault();
                            next.focus();
                          }
                        }
                      }}
                      onCommit={async (minutes) => {
                        setError(null);
                        const change = cellChange(r.cells[di] ?? [], minutes, approver);
                        if (change.kind === "none") return;
                        if (change.kind === "locked") throw new Error(t("timesheet.cellLocked"));
                        if (change.kind === "create") {
                          await api.post<TimeEntry>("/api/time-entries", {
                            project_id: r.project_id,
                            task_id: r.task_id,
                            service_id: r.service_id,
                            work_date: d,
                            minutes: change.minutes,
                            person_id: own ? null : person,
                          });
                        } else if (change.kind === "update") {
                          await api.patch<TimeEntry>(`/api/time-entries/${change.id}`, { minutes: change.minutes });
                        } else {
                          await api.del(`/api/time-entries/${change.id}`);
                        }
                        await sheet.reload();
                      }}
                    />
                  </td>
                ))}
                <td className="num total" data-label={t("timesheet.total")}>
                  {formatMinutes(r.total)}
                </td>
                {own && (
                  <td data-label={t("timer.title")}>
                    <StartButton row={r} name={rowName(r)} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">{t("timesheet.dayTotal")}</th>
              {totals.days.map((m, i) => (
                <td key={i} className="num" data-label={dayName(days[i] ?? "")} data-testid={`day-total-${i}`}>
                  {formatMinutes(m)}
                </td>
              ))}
              <td className="num total" data-label={t("timesheet.weekTotal")} data-testid="week-total">
                <strong>{formatMinutes(totals.total)}</strong>
              </td>
              {own && <td />}
            </tr>
          </tfoot>
        </table>
      </div>
      {editable && <AddRow onAdd={(r) => setExtra((old) => (old.some((x) => rowKey(x) === rowKey(r)) ? old : [...old, r]))} />}
      {own && (
        <div className="panel buttons">
          <button type="button" className="primary" disabled={drafts.length === 0} onClick={() => void submitWeek()}>
            {t("timesheet.submitWeek")}
          </button>
          <span className="hint">{t("timesheet.drafts", { count: drafts.length })}</span>
        </div>
      )}
      <WeekEntries entries={sheet.data?.entries ?? []} editable={editable} approver={approver} onChanged={() => void sheet.reload()} />
    </section>
  );
}

/** One cell: the minutes logged, typed anew to change them. */
function Cell({
  id,
  label,
  entries,
  editable,
  approver,
  onKey,
  onCommit,
}: {
  id: string;
  label: string;
  entries: TimeEntry[];
  editable: boolean;
  approver: boolean;
  onKey: (e: KeyboardEvent<HTMLInputElement>) => void;
  onCommit: (minutes: number) => Promise<void>;
}) {
  const { t } = useI18n();
  const minutes = entries.reduce((a, e) => a + e.minutes, 0);
  const shown = minutes === 0 ? "" : formatMinutes(minutes);
  const [text, setText] = useState(shown);
  const [problem, setProblem] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => setText(shown), [shown]);
  const locked = !editable || cellChange(entries, minutes + 1, approver).kind === "locked";
  const status = entries.length === 1 ? entries[0]?.status : entries.length > 1 ? "several" : null;

  // Enter commits, and so does leaving the cell: one change at a time.
  const pending = useRef(false);
  const commit = async () => {
    if (pending.current) return;
    if (text === shown) {
      setProblem("");
      return;
    }
    const r = parseDuration(text);
    if (r.kind === "problem") {
      setProblem(durationMessage(r.problem, t));
      return;
    }
    setProblem("");
    setBusy(true);
    pending.current = true;
    try {
      await onCommit(r.kind === "empty" ? 0 : r.minutes);
    } catch (e) {
      setProblem(e instanceof ApiError || !(e instanceof Error) ? errorMessage(e, t) : e.message);
      setText(shown);
    } finally {
      pending.current = false;
      setBusy(false);
    }
  };

  return (
    <div className={`cell${status ? ` cell-${status}` : ""}`}>
      <input
        id={id}
        className="cell-input"
        aria-label={label}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-problem` : undefined}
        inputMode="text"
        autoComplete="off"
        size={5}
        value={text}
        readOnly={locked || busy}
        aria-busy={busy || undefined}
        title={locked && status ? t("timesheet.lockedTitle") : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => void commit()}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            void commit();
          } else if (e.key === "Escape") {
            setText(shown);
            setProblem("");
          } else onKey(e);
        }}
      />
      {problem && (
        <small id={`${id}-problem`} className="field-problem" role="alert">
          {problem}
        </small>
      )}
    </div>
  );
}

/** Adds an empty row for a project, task and service (it stays once time is typed in it). */
function AddRow({ onAdd }: { onAdd: (r: ExtraRow) => void }) {
  const { t } = useI18n();
  const role = useRole();
  const readable = can(role, "projects.read");
  const projects = useAll<Project>(readable ? "/api/projects" : null);
  const services = useAll<Service>(readable ? "/api/services" : null);
  const [project, setProject] = useState("");
  const [task, setTask] = useState("");
  const [service, setService] = useState("");
  const tasks = useAll<Task>(project ? `/api/tasks?project_id=${encodeURIComponent(project)}` : null);
  const open = (projects.data ?? []).filter((p) => p.status === "active" || p.status === "planned" || p.status === "on_hold");
  if (!readable) return <p className="hint">{t("timesheet.noProjects")}</p>;
  return (
    <form
      className="panel row no-print"
      aria-label={t("timesheet.addRow")}
      onSubmit={(e) => {
        e.preventDefault();
        const p = open.find((x) => x.id === project);
        if (!p) return;
        onAdd({
          project_id: p.id,
          task_id: task || null,
          service_id: service || null,
          project_name: p.name,
          task_title: tasks.data?.find((x) => x.id === task)?.title ?? null,
          service_name: services.data?.find((x) => x.id === service)?.name ?? null,
        });
        setTask("");
      }}
    >
      <Select label={t("time.project")} value={project} onChange={(e) => { setProject(e.target.value); setTask(""); }}>
        <option value="">{t("common.none")}</option>
        {open.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name} ({p.account_name})
          </option>
        ))}
      </Select>
      <Select label={t("time.task")} value={task} onChange={(e) => setTask(e.target.value)} disabled={!project}>
        <option value="">{t("common.none")}</option>
        {(tasks.data ?? []).map((x) => (
          <option key={x.id} value={x.id}>
            {x.title}
          </option>
        ))}
      </Select>
      <Select label={t("time.service")} value={service} onChange={(e) => setService(e.target.value)}>
        <option value="">{t("common.none")}</option>
        {(services.data ?? []).filter((s) => !s.archived).map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </Select>
      <button type="submit" disabled={!project}>
        {t("timesheet.addRow")}
      </button>
    </form>
  );
}

/**
 * The week's entries one by one: their status, and what the grid has no room for: a description
 * to change, and deleting one entry of a cell holding several.
 */
function WeekEntries({ entries, editable, approver, onChanged }: { entries: TimeEntry[]; editable: boolean; approver: boolean; onChanged: () => void }) {
  const { t, locale } = useI18n();
  const [error, setError] = useState<unknown>(null);
  if (entries.length === 0) return null;
  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      onChanged();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <details className="panel">
      <summary>{t("timesheet.entries", { count: entries.length })}</summary>
      <ErrorBox error={error} />
      <ul className="stack week-entries">
        {entries.map((e) => {
          const open = editable && entryEditable(e, approver);
          return (
            <li key={e.id}>
              <span>
                {formatDate(e.work_date, locale)} · {e.project_name}
                {e.task_title ? ` / ${e.task_title}` : ""}
                {e.service_name ? ` · ${e.service_name}` : ""} · {formatMinutes(e.minutes)} <EntryStatusBadge status={e.status} />
                {!open && e.description ? ` · ${e.description}` : ""}
              </span>
              {open && (
                <form
                  className="inline"
                  onSubmit={(ev) => {
                    ev.preventDefault();
                    const text = String(new FormData(ev.currentTarget).get("description") ?? "").trim();
                    void act(() => api.patch(`/api/time-entries/${e.id}`, { description: text || null }));
                  }}
                >
                  <input name="description" aria-label={t("timesheet.descriptionOf", { date: formatDate(e.work_date, locale) })} defaultValue={e.description ?? ""} maxLength={1000} />
                  <button type="submit">{t("common.save")}</button>
                  <button type="button" onClick={() => void act(() => api.del(`/api/time-entries/${e.id}`))}>
                    {t("common.delete")}
                  </button>
                </form>
              )}
            </li>
          );
        })}
      </ul>
    </details>
  );
}

// The timer: which row it runs for is kept by the server; the page only shows and controls it.
const timerListeners = new Set<() => void>();
const timerChanged = () => timerListeners.forEach((l) => l());

function StartButton({ row, name }: { row: GridRow; name: string }) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <button
        type="button"
        aria-label={t("timer.startFor", { row: name })}
        onClick={async () => {
          setError(null);
          try {
            await api.post("/api/timer/start", { project_id: row.project_id, task_id: row.task_id, service_id: row.service_id });
            timerChanged();
          } catch (e) {
            setError(e);
          }
        }}
      >
        ▶
      </button>
      <ErrorBox error={error} />
    </>
  );
}

function TimerPanel({ onStopped }: { onStopped: () => void }) {
  const { t } = useI18n();
  const state = useFetch<TimerState>("/api/timer");
  const readable = can(useRole(), "projects.read");
  const [now, setNow] = useState(() => Date.now());
  const [error, setError] = useState<unknown>(null);
  const reload = useRef(state.reload);
  reload.current = state.reload;
  const timer = state.data?.timer ?? null;
  const project = useFetch<Project>(timer && readable ? `/api/projects/${timer.project_id}` : null);

  useEffect(() => {
    const l = () => void reload.current();
    timerListeners.add(l);
    return () => {
      timerListeners.delete(l);
    };
  }, []);
  useEffect(() => {
    if (!timer) return;
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, [timer]);

  const act = async (work: () => Promise<unknown>, stopped: boolean) => {
    setError(null);
    try {
      await work();
      await state.reload();
      if (stopped) onStopped();
    } catch (e) {
      setError(e);
    }
  };

  const elapsed = timer ? (now - new Date(timer.started_at).getTime()) / 1000 : 0;
  return (
    <div className="panel timer" aria-labelledby="timer-title">
      <h2 id="timer-title">{t("timer.title")}</h2>
      <ErrorBox error={error ?? state.error} />
      {timer ? (
        <div className="row">
          <p className="big" role="timer" aria-label={t("timer.elapsed")}>
            {formatClock(elapsed)}
          </p>
          <p>{project.data?.name ?? ""}</p>
          <div className="buttons">
            <button type="button" className="primary" onClick={() => void act(() => api.post("/api/timer/stop", { work_date: today() }), true)}>
              {t("timer.stop")}
            </button>
            <button type="button" onClick={() => void act(() => api.del("/api/timer"), false)}>
              {t("timer.discard")}
            </button>
          </div>
        </div>
      ) : (
        <p className="hint">{t("timer.none")}</p>
      )}
    </div>
  );
}

