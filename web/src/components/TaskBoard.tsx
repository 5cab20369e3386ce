// A project's tasks on a board: to do, in progress, review, done. Subtasks show under their
// parent's card. A card moves with its buttons, or with the keyboard while it has focus
// (←/→ another status, Alt+↑/↓ up or down in its column); each card says whether the client may
// see it in the portal.
import { useState, type FormEvent, type KeyboardEvent } from "react";
import { api } from "../api/client";
import type { Task, TaskStatus } from "../generated/api";
import { useAll } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { usePeople } from "../crm/people";
import { formatMinutes } from "../time/duration";
import { minutesBody } from "./TimeParts";
import { ErrorBox, Field, FieldErrors, Select } from "./ui";

export const TASK_STATUSES: readonly TaskStatus[] = ["to_do", "in_progress", "review", "done"];

/** The top-level tasks of a status in board order, and every task's subtasks in order. */
export function boardOf(tasks: readonly Task[]): { columns: Record<TaskStatus, Task[]>; children: Map<string, Task[]> } {
  const byPosition = (a: Task, b: Task) => a.position - b.position || a.created_at.localeCompare(b.created_at);
  const ids = new Set(tasks.map((t) => t.id));
  const children = new Map<string, Task[]>();
  const columns: Record<TaskStatus, Task[]> = { to_do: [], in_progress: [], review: [], done: [] };
  for (const task of [...tasks].sort(byPosition)) {
    if (task.parent_id && ids.has(task.parent_id)) {
      const list = children.get(task.parent_id) ?? [];
      list.push(task);
      children.set(task.parent_id, list);
    } else {
      columns[task.status].push(task);
    }
  }
  return { columns, children };
}

export function TaskBoard({ projectId, writable }: { projectId: string; writable: boolean }) {
  const { t } = useI18n();
  const tasks = useAll<Task>(`/api/tasks?project_id=${encodeURIComponent(projectId)}`);
  const [error, setError] = useState<unknown>(null);
  const all = tasks.data ?? [];
  const { columns, children } = boardOf(all);

  const replace = (changed: Task[]) =>
    tasks.setData((old) => (old ?? []).map((x) => changed.find((c) => c.id === x.id) ?? x));

  const patch = async (task: Task, body: Partial<Task>) => {
    setError(null);
    try {
      const updated = await api.patch<Task>(`/api/tasks/${task.id}`, body);
      replace([updated]);
      requestAnimationFrame(() => document.getElementById(`task-${task.id}`)?.focus());
    } catch (e) {
      setError(e);
    }
  };

  const moveStatus = (task: Task, step: number) => {
    const i = TASK_STATUSES.indexOf(task.status) + step;
    const to = TASK_STATUSES[i];
    if (to) void patch(task, { status: to });
  };

  /** Swaps a task with its neighbour in the same list (column or parent). */
  const reorder = async (task: Task, step: number) => {
    const siblings = task.parent_id && children.has(task.parent_id) ? (children.get(task.parent_id) ?? []) : columns[task.status];
    const i = siblings.findIndex((s) => s.id === task.id);
    const other = siblings[i + step];
    if (!other) return;
    setError(null);
    try {
      // Equal positions (tasks made at once) would swap to the same: make room first.
      const a = other.position === task.position ? task.position + step : other.position;
      const b = task.position;
      const first = await api.patch<Task>(`/api/tasks/${task.id}`, { position: a });
      const second = await api.patch<Task>(`/api/tasks/${other.id}`, { position: b });
      replace([first, second]);
      requestAnimationFrame(() => document.getElementById(`task-${task.id}`)?.focus());
    } catch (e) {
      setError(e);
    }
  };

  const remove = async (task: Task) => {
    if (!window.confirm(t("tasks.deleteConfirm", { title: task.title }))) return;
    setError(null);
    try {
      await api.del(`/api/tasks/${task.id}`);
      void tasks.reload();
    } catch (e) {
      setError(e);
    }
  };

  const keys = (task: Task) => (e: KeyboardEvent) => {
    if (!writable || e.target !== e.currentTarget) return;
    if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
      e.preventDefault();
      moveStatus(task, e.key === "ArrowLeft" ? -1 : 1);
    } else if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      e.preventDefault();
      void reorder(task, e.key === "ArrowUp" ? -1 : 1);
    }
  };

  const card = (task: Task, sub: boolean) => (
    <li key={task.id} id={`task-${task.id}`} tabIndex={0} className={`deal task${sub ? " subtask" : ""}`} onKeyDown={keys(task)} aria-label={task.title}>
      <TaskCard task={task} sub={sub} writable={writable} onPatch={(b) => void patch(task, b)} onMove={(s) => moveStatus(task, s)} onReorder={(s) => void reorder(task, s)} onDelete={() => void remove(task)} />
      {(children.get(task.id)?.length ?? 0) > 0 && (
        <ul className="subtasks" aria-label={t("tasks.subtasksOf", { title: task.title })}>
          {children.get(task.id)?.map((c) => card(c, true))}
        </ul>
      )}
    </li>
  );

  return (
    <div className="tasks">
      {writable && <p className="hint">{t("tasks.keysHint")}</p>}
      <ErrorBox error={error ?? tasks.error} />
      {writable && (
        <NewTask
          projectId={projectId}
          parents={all.filter((x) => !x.parent_id)}
          onCreated={(task) => tasks.setData((old) => [...(old ?? []), task])}
        />
      )}
      <div className="board task-board">
        {TASK_STATUSES.map((s) => (
          <section key={s} className="column" aria-labelledby={`tasks-${s}`} data-testid={`tasks-${s}`}>
            <h3 id={`tasks-${s}`} className="column-title">
              {t(`task.status.${s}`)} <span className="hint">({columns[s].length})</span>
            </h3>
            <ul>{columns[s].map((task) => card(task, false))}</ul>
          </section>
        ))}
      </div>
    </div>
  );
}

interface CardProps {
  task: Task;
  sub: boolean;
  writable: boolean;
  onPatch: (body: Partial<Task>) => void;
  onMove: (step: number) => void;
  onReorder: (step: number) => void;
  onDelete: () => void;
}

function TaskCard({ task, sub, writable, onPatch, onMove, onReorder, onDelete }: CardProps) {
  const { t, locale } = useI18n();
  const people = usePeople();
  const i = TASK_STATUSES.indexOf(task.status);
  const prev = TASK_STATUSES[i - 1];
  const next = TASK_STATUSES[i + 1];
  return (
    <>
      <div className="deal-head">
        <strong>{task.title}</strong>
        {sub && <span className="badge">{t(`task.status.${task.status}`)}</span>}
      </div>
      <small className="hint">
        {[
          task.assignee_id && (people.name(task.assignee_id) ?? t("crm.someone")),
          task.estimate_minutes !== null && t("tasks.estimateShort", { time: formatMinutes(task.estimate_minutes) }),
          task.due_date && t("tasks.dueShort", { date: formatDate(task.due_date, locale) }),
        ]
          .filter(Boolean)
          .join(" · ")}
      </small>
      <label className="checkbox">
        <input type="checkbox" checked={task.client_visible} disabled={!writable} onChange={(e) => onPatch({ client_visible: e.target.checked })} /> {t("tasks.clientVisible")}
      </label>
      {writable && (
        <div className="moves buttons">
          {prev && (
            <button type="button" onClick={() => onMove(-1)} aria-label={t("tasks.moveTo", { title: task.title, status: t(`task.status.${prev}`) })}>
              ← {t(`task.status.${prev}`)}
            </button>
          )}
          {next && (
            <button type="button" onClick={() => onMove(1)} aria-label={t("tasks.moveTo", { title: task.title, status: t(`task.status.${next}`) })}>
              {t(`task.status.${next}`)} →
            </button>
          )}
          <button type="button" onClick={() => onReorder(-1)} aria-label={t("tasks.up", { title: task.title })}>
            ↑
          </button>
          <button type="button" onClick={() => onReorder(1)} aria-label={t("tasks.down", { title: task.title })}>
            ↓
          </button>
          <button type="button" onClick={onDelete} aria-label={t("tasks.delete", { title: task.title })}>
            ✕
          </button>
        </div>
      )}
    </>
  );
}

function NewTask({ projectId, parents, onCreated }: { projectId: string; parents: Task[]; onCreated: (t: Task) => void }) {
  const { t } = useI18n();
  const people = usePeople();
  const [title, setTitle] = useState("");
  const [parent, setParent] = useState("");
  const [assignee, setAssignee] = useState("");
  const [estimate, setEstimate] = useState("");
  const [due, setDue] = useState("");
  const [visible, setVisible] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const task = await api.post<Task>("/api/tasks", {
        project_id: projectId,
        title,
        parent_id: parent || null,
        assignee_id: assignee || null,
        estimate_minutes: minutesBody("estimate_minutes", estimate),
        due_date: due || null,
        client_visible: visible,
      });
      onCreated(task);
      setTitle("");
      setEstimate("");
      setDue("");
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="panel" onSubmit={(e) => void submit(e)} aria-label={t("tasks.new")}>
      <FieldErrors error={error}>
        <div className="row">
          <Field label={t("tasks.titleField")} name="title" required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
          <Select label={t("tasks.parent")} name="parent_id" value={parent} onChange={(e) => setParent(e.target.value)}>
            <option value="">{t("common.none")}</option>
            {parents.map((p) => (
              <option key={p.id} value={p.id}>
                {p.title}
              </option>
            ))}
          </Select>
          <Select label={t("tasks.assignee")} name="assignee_id" value={assignee} onChange={(e) => setAssignee(e.target.value)}>
            <option value="">{t("common.none")}</option>
            {people.list.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </Select>
          <Field label={t("tasks.estimate")} name="estimate_minutes" hint={t("time.durationHint")} value={estimate} onChange={(e) => setEstimate(e.target.value)} />
          <Field label={t("tasks.due")} name="due_date" type="date" value={due} onChange={(e) => setDue(e.target.value)} />
          <div className="field checkbox">
            <label>
              <input type="checkbox" checked={visible} onChange={(e) => setVisible(e.target.checked)} /> {t("tasks.clientVisible")}
            </label>
          </div>
          <button type="submit" className="primary" disabled={busy}>
            {t("tasks.add")}
          </button>
        </div>
        <ErrorBox error={error} />
      </FieldErrors>
    </form>
  );
}
