// The timesheet's and the approval queue's arithmetic, without React: weeks (Monday first),
// the grid's rows and totals, entries grouped per person and week, and budget burn levels.
import type { BudgetLevel, TimeEntry } from "../generated/api";

/** `YYYY-MM-DD` of a local date. */
export function isoDate(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** Today's local date, `YYYY-MM-DD` (the person's work date, not UTC's). */
export function today(): string {
  return isoDate(new Date());
}

/** A `YYYY-MM-DD` date `days` later (or earlier), in calendar days (no DST surprises). */
export function addDays(date: string, days: number): string {
  const [y = 0, m = 1, d = 1] = date.split("-").map((p) => Number.parseInt(p, 10));
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return t.toISOString().slice(0, 10);
}

/** 0 for Monday … 6 for Sunday. */
export function weekday(date: string): number {
  const [y = 0, m = 1, d = 1] = date.split("-").map((p) => Number.parseInt(p, 10));
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

/** The Monday of the week a date is in. */
export function mondayOf(date: string): string {
  return addDays(date, -weekday(date));
}

/** The seven dates of the week a date is in, Monday first. */
export function weekDays(date: string): string[] {
  const monday = mondayOf(date);
  return Array.from({ length: 7 }, (_, i) => addDays(monday, i));
}

/** Whether a text is a real `YYYY-MM-DD` date. */
export function isDate(text: string | null | undefined): text is string {
  return !!text && /^\d{4}-\d{2}-\d{2}$/.test(text) && addDays(text, 0) === text;
}

/** What a timesheet row is: the project, task and service the time is logged on. */
export interface RowKey {
  project_id: string;
  task_id: string | null;
  service_id: string | null;
}

export function rowKey(r: RowKey): string {
  return `${r.project_id}|${r.task_id ?? ""}|${r.service_id ?? ""}`;
}

export interface GridRow extends RowKey {
  key: string;
  project_name: string;
  task_title: string | null;
  service_name: string | null;
  /** Per day (Monday first), the entries logged there. */
  cells: TimeEntry[][];
  /** Minutes per day. */
  minutes: number[];
  total: number;
}

/**
 * The grid of a week: one row per project × task × service with entries (and the `extra` rows
 * added by hand, still empty), sorted by project, task and service name; entries outside the
 * week are left out.
 */
export function buildGrid(days: readonly string[], entries: readonly TimeEntry[], extra: readonly (RowKey & Partial<GridRow>)[] = []): GridRow[] {
  const rows = new Map<string, GridRow>();
  const ensure = (r: RowKey, names: { project_name?: string; task_title?: string | null; service_name?: string | null }) => {
    const key = rowKey(r);
    let row = rows.get(key);
    if (!row) {
      row = {
        key,
        project_id: r.project_id,
        task_id: r.task_id,
        service_id: r.service_id,
        project_name: names.project_name ?? "",
        task_title: names.task_title ?? null,
        service_name: names.service_name ?? null,
        cells: days.map(() => []),
        minutes: days.map(() => 0),
        total: 0,
      };
      rows.set(key, row);
    }
    return row;
  };
  for (const e of entries) {
    const day = days.indexOf(e.work_date);
    if (day < 0) continue;
    const row = ensure(e, e);
    row.cells[day]?.push(e);
    row.minutes[day] = (row.minutes[day] ?? 0) + e.minutes;
    row.total += e.minutes;
  }
  for (const r of extra) ensure(r, r);
  const name = (s: string | null) => (s ?? "").toLocaleLowerCase();
  return [...rows.values()].sort(
    (a, b) =>
      name(a.project_name).localeCompare(name(b.project_name)) ||
      name(a.task_title).localeCompare(name(b.task_title)) ||
      name(a.service_name).localeCompare(name(b.service_name)),
  );
}

/** Minutes per day over all rows, and the week's total. */
export function dayTotals(rows: readonly GridRow[], days: number): { days: number[]; total: number } {
  const out = Array.from({ length: days }, () => 0);
  for (const r of rows) r.minutes.forEach((m, i) => (out[i] = (out[i] ?? 0) + m));
  return { days: out, total: out.reduce((a, b) => a + b, 0) };
}

/**
 * What typing a new total into a cell does to its entries: create one, change or delete the one
 * there, or nothing; `locked` when the cell's entries cannot be changed here (approved or
 * invoiced, or more than one entry).
 */
export type CellChange =
  | { kind: "none" }
  | { kind: "create"; minutes: number }
  | { kind: "update"; id: string; minutes: number }
  | { kind: "delete"; id: string }
  | { kind: "locked" };

export function cellChange(entries: readonly TimeEntry[], minutes: number, mayEditApproved = false): CellChange {
  const current = entries.reduce((a, e) => a + e.minutes, 0);
  if (current === minutes) return { kind: "none" };
  if (entries.length === 0) return minutes === 0 ? { kind: "none" } : { kind: "create", minutes };
  const only = entries[0];
  if (entries.length > 1 || !only || !entryEditable(only, mayEditApproved)) return { kind: "locked" };
  return minutes === 0 ? { kind: "delete", id: only.id } : { kind: "update", id: only.id, minutes };
}

/** Whether an entry may still be changed: drafts and submitted ones; approved ones by approvers. */
export function entryEditable(e: TimeEntry, mayEditApproved: boolean): boolean {
  return e.status === "draft" || e.status === "submitted" || (e.status === "approved" && mayEditApproved);
}

export interface EntryGroup {
  key: string;
  person_id: string;
  person_name: string | null;
  /** The Monday of the week. */
  week: string;
  entries: TimeEntry[];
  minutes: number;
}

/** Entries grouped per person and week (Monday), people by name, weeks oldest first. */
export function groupByPersonWeek(entries: readonly TimeEntry[]): EntryGroup[] {
  const groups = new Map<string, EntryGroup>();
  for (const e of entries) {
    const week = mondayOf(e.work_date);
    const key = `${e.person_id}|${week}`;
    let g = groups.get(key);
    if (!g) {
      g = { key, person_id: e.person_id, person_name: e.person_name, week, entries: [], minutes: 0 };
      groups.set(key, g);
    }
    g.entries.push(e);
    g.minutes += e.minutes;
  }
  for (const g of groups.values()) g.entries.sort((a, b) => a.work_date.localeCompare(b.work_date) || a.created_at.localeCompare(b.created_at));
  return [...groups.values()].sort(
    (a, b) => (a.person_name ?? a.person_id).localeCompare(b.person_name ?? b.person_id) || a.week.localeCompare(b.week),
  );
}

/** A budget's level from its share used (basis points): warning from 80 %, exceeded from 100 %. */
export function levelOf(bp: number | null | undefined): BudgetLevel {
  if (bp === null || bp === undefined) return "ok";
  return bp >= 10_000 ? "exceeded" : bp >= 8_000 ? "warning" : "ok";
}

/** A share in basis points as a whole percentage for a bar's width, 0..100. */
export function barWidth(bp: number | null | undefined): number {
  if (!bp || bp < 0) return 0;
  return Math.min(100, Math.floor(bp / 100));
}
