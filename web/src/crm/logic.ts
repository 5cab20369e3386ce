// The CRM pages' logic, kept free of React so unit tests can check it: pipeline totals and
// weighted values, which stage a dragged card may go to, audit sentences, and report tables
// (chart series and CSV).
import { AUDIT_ACTIONS, STAGES, type AuditAction, type Stage } from "../generated/contract";
import { en, type MessageKey } from "../i18n/en";
import type { Translate } from "../i18n";
import type { Deal } from "../api/types";
import type { PipelineRow, ReadableAuditRecord, RevenueRow, TopClient } from "./types";

/** Each stage's probability in basis points (declared once on the server; the same numbers). */
export const STAGE_PROBABILITY_BP: Readonly<Record<Stage, number>> = {
  lead: 1000,
  qualified: 2500,
  proposal: 5000,
  won: 10000,
  lost: 0,
};

export const isClosed = (stage: Stage) => stage === "won" || stage === "lost";

/** A value weighted by a probability in basis points, rounded down to a cent (as the server does). */
export function weighted(valueCents: number, probabilityBp: number): number {
  return Math.floor((valueCents * probabilityBp) / 10000);
}

/**
 * Totals per stage (in pipeline order) and currency of the given deals, shaped like
 * `GET /api/pipeline`; a stage without deals has one row of zeroes in `fallbackCurrency`.
 */
export function pipelineTotals(deals: readonly Pick<Deal, "stage" | "currency" | "value_cents">[], fallbackCurrency = "EUR"): PipelineRow[] {
  const rows: PipelineRow[] = [];
  for (const stage of STAGES) {
    const byCurrency = new Map<string, PipelineRow>();
    for (const d of deals) {
      if (d.stage !== stage) continue;
      const row = byCurrency.get(d.currency) ?? {
        stage,
        currency: d.currency,
        count: 0,
        value_cents: 0,
        weighted_cents: 0,
        probability_bp: STAGE_PROBABILITY_BP[stage],
      };
      row.count += 1;
      row.value_cents += d.value_cents;
      byCurrency.set(d.currency, row);
    }
    if (byCurrency.size === 0) {
      rows.push({ stage, currency: fallbackCurrency, count: 0, value_cents: 0, weighted_cents: 0, probability_bp: STAGE_PROBABILITY_BP[stage] });
    }
    for (const row of [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency))) {
      row.weighted_cents = weighted(row.value_cents, row.probability_bp);
      rows.push(row);
    }
  }
  return rows;
}

/** The rows of one stage (one per currency); a stage the server left out has one row of zeroes. */
export function stageRows(rows: readonly PipelineRow[], stage: Stage, fallbackCurrency = "EUR"): PipelineRow[] {
  const found = rows.filter((r) => r.stage === stage);
  return found.length > 0
    ? found
    : [{ stage, currency: fallbackCurrency, count: 0, value_cents: 0, weighted_cents: 0, probability_bp: STAGE_PROBABILITY_BP[stage] }];
}

/**
 * Whether a card in stage `from` may be dropped on `to`: an open deal goes to any other stage;
 * a closed one (won, lost) only through "Reopen", never by dragging.
 */
export function canDrop(from: Stage, to: Stage): boolean {
  return from !== to && !isClosed(from);
}

// --- Audit ---------------------------------------------------------------------------------

/** The message key of an action's sentence. */
export const sentenceKey = (action: AuditAction) => `audit.sentence.${action}` as const;

// Compile-time: every generated audit action has an English sentence (nl has every English key).
type SentenceKeys = ReturnType<typeof sentenceKey>;
const everyActionHasASentence: SentenceKeys extends MessageKey ? true : false = true;
void everyActionHasASentence;

/** The areas of the actions (`invoice` of `invoice.issue`), in the generated list's order. */
export function auditAreas(): string[] {
  return [...new Set(AUDIT_ACTIONS.map((a) => a.split(".")[0] ?? a))];
}

/**
 * A plain sentence for an audit record, in the translator's language: who (the actor's name, else
 * "Someone", or Silo for the system's own records) did what to which subject (its title, else
 * the stored target). An action this app does not know reads as its name.
 */
export function auditSentence(record: ReadableAuditRecord, t: Translate): string {
  const actor = record.actor_name?.trim() || (record.actor ? t("crm.someone") : t("crm.system"));
  const subject = record.subject_title?.trim() || record.target || t("common.none");
  if (!(AUDIT_ACTIONS as readonly string[]).includes(record.action)) return `${actor}: ${record.action} ${subject}`.trim();
  return t(sentenceKey(record.action as AuditAction), { actor, subject });
}

/** Where the app shows an audit record's subject, from its action's area (none for others). */
export function auditSubjectPath(record: Pick<ReadableAuditRecord, "action" | "target" | "outcome">): string | null {
  if (!record.target || record.outcome !== "success" || /\.delete$/.test(record.action)) return null;
  const area = record.action.split(".")[0];
  const base = { account: "/accounts", contact: "/contacts", deal: "/deals", invoice: "/invoices", project: "/projects" }[area ?? ""];
  return base ? `${base}/${encodeURIComponent(record.target)}` : null;
}

/**
 * The sentence of `auditSentence` in parts, the subject apart (to show it as a link): text
 * before it, the subject, text after it. A sentence without a subject is all `before`.
 */
export function auditSentenceParts(record: ReadableAuditRecord, t: Translate): { before: string; subject: string | null; after: string } {
  const marker = "\u0000";
  const subject = record.subject_title?.trim() || record.target || t("common.none");
  const whole = auditSentence({ ...record, subject_title: marker, target: marker }, t);
  const at = whole.indexOf(marker);
  if (at < 0) return { before: whole, subject: null, after: "" };
  return { before: whole.slice(0, at), subject, after: whole.slice(at + marker.length).split(marker).join(subject) };
}

// --- Reports -------------------------------------------------------------------------------

/** The rows of a list answer, whatever the wrapper (`items`, `months`, `stages`, `clients` or none). */
export function rowsOf<T>(answer: unknown): T[] {
  if (Array.isArray(answer)) return answer as T[];
  if (answer && typeof answer === "object") {
    for (const key of ["items", "months", "stages", "clients", "rows"]) {
      const v = (answer as Record<string, unknown>)[key];
      if (Array.isArray(v)) return v as T[];
    }
  }
  return [];
}

/** The months from `from` to `to` (`YYYY-MM`, both included); empty when `to` is before `from`. */
export function monthsBetween(from: string, to: string): string[] {
  const [fy, fm] = from.split("-").map(Number);
  const [ty, tm] = to.split("-").map(Number);
  if (!fy || !fm || !ty || !tm) return [];
  const out: string[] = [];
  for (let y = fy, m = fm; y < ty || (y === ty && m <= tm); m === 12 ? ((y += 1), (m = 1)) : (m += 1)) {
    out.push(`${y}-${String(m).padStart(2, "0")}`);
    if (out.length > 240) break;
  }
  return out;
}

/** `YYYY-MM` of a date, `offset` months later (negative: earlier). */
export function monthOf(date: Date, offset = 0): string {
  const d = new Date(date.getFullYear(), date.getMonth() + offset, 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
}

export const REVENUE_SERIES = ["invoiced_cents", "paid_cents", "open_cents", "overdue_cents"] as const;
export type RevenueSeries = (typeof REVENUE_SERIES)[number];

/** The currencies present in rows, EUR first. */
export function currenciesOf(rows: readonly { currency: string }[]): string[] {
  return [...new Set(rows.map((r) => r.currency))].sort((a, b) => (a === "EUR" ? -1 : b === "EUR" ? 1 : a.localeCompare(b)));
}

/**
 * One currency's revenue as chart series: a label per month of the period (months without
 * figures are zero) and per series the amounts in whole units (cents / 100) per month.
 */
export function revenueChart(rows: readonly RevenueRow[], currency: string, from: string, to: string) {
  const months = monthsBetween(from, to);
  const byMonth = new Map(rows.filter((r) => r.currency === currency).map((r) => [r.month, r]));
  const series = Object.fromEntries(
    REVENUE_SERIES.map((key) => [key, months.map((m) => (byMonth.get(m)?.[key] ?? 0) / 100)]),
  ) as Record<RevenueSeries, number[]>;
  return { months, series };
}

/** A CSV text (RFC 4180: comma separated, CRLF, quoted where needed); formulas are defused. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  const cell = (v: string | number | null | undefined) => {
    let s = v === null || v === undefined ? "" : String(v);
    // A spreadsheet runs a cell starting with = + - @ as a formula; numbers stay numbers.
    if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}

/** Cents as a plain decimal for CSV ("1234.50"): no grouping, a point, whatever the language. */
export function csvAmount(cents: number | null | undefined): string {
  const c = cents ?? 0;
  const sign = c < 0 ? "-" : "";
  const abs = Math.abs(c);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** A message key of an event type's label, when the app has one. */
export function eventKey(event: string): MessageKey | null {
  const key = `event.${event}`;
  return key in en ? (key as MessageKey) : null;
}

/**
 * A top-clients row as this app reads it, whatever the server calls the client's name
 * (`name`, `account_name`, `title`) and its amount (`invoiced_cents`, `total_cents`, `revenue_cents`).
 */
export function topClient(raw: Record<string, unknown>): TopClient {
  const text = (...keys: string[]) => keys.map((k) => raw[k]).find((v): v is string => typeof v === "string") ?? "";
  const cents = (...keys: string[]) => keys.map((k) => raw[k]).find((v): v is number => typeof v === "number");
  return {
    account_id: text("account_id", "id"),
    name: text("name", "account_name", "title"),
    currency: text("currency") || "EUR",
    invoiced_cents: cents("invoiced_cents", "total_cents", "revenue_cents") ?? 0,
    credited_cents: cents("credited_cents"),
    net_cents: cents("net_cents"),
    paid_cents: cents("paid_cents"),
    open_cents: cents("open_cents"),
  };
}
