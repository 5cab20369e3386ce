// The attribution pages' logic, kept free of React so unit tests can check it: the report's
// table and chart, the origins a site form takes, which touchpoints are first and last, and the
// settings and credentials each ad platform's destination form asks for.
import type { Translate } from "../i18n";
import type { Consent, ContactTouchpoints, CurrencyReport, Platform, ReportRow } from "./types";

// --- The report ------------------------------------------------------------------------------

/** One row of the report's table as shown. */
export interface ReportLine {
  key: string;
  /** `source / medium / campaign`, or the words for the closing rows. */
  label: string;
  /** Whether it is the unattributed or no-consent row. */
  fixed: boolean;
  paid_cents: number;
  payments: number;
  /** Share of the column's total in basis points (0 when the total is 0). */
  share_bp: number;
}

/** A row's label: its touch's parts joined by " / " (a dash for what is missing). */
export function rowLabel(row: ReportRow, t: Translate): string {
  if (row.kind === "unattributed") return t("attribution.report.unattributed");
  if (row.kind === "no_consent") return t("attribution.report.noConsent");
  return [row.source, row.medium, row.campaign].map((v) => (v ? v : "–")).join(" / ");
}

/** A currency's rows as the table shows them, in the server's order, with their shares. */
export function reportLines(column: CurrencyReport, t: Translate): ReportLine[] {
  return column.rows.map((row, i) => ({
    key: `${row.kind}:${row.source ?? ""}:${row.medium ?? ""}:${row.campaign ?? ""}:${i}`,
    label: rowLabel(row, t),
    fixed: row.kind !== "attributed",
    paid_cents: row.paid_cents,
    payments: row.payments,
    share_bp: column.total_cents > 0 ? Math.round((row.paid_cents * 10000) / column.total_cents) : 0,
  }));
}

/** Whether the column adds up to the finance report's paid total (it always should). */
export function reconciles(column: CurrencyReport): boolean {
  const sum = column.rows.reduce((s, r) => s + r.paid_cents, 0);
  return sum === column.total_cents && column.total_cents === column.finance_paid_cents;
}

/** The chart of a currency: a bar per row with an amount, in whole currency units. */
export function reportChart(column: CurrencyReport, t: Translate): { labels: string[]; values: number[] } {
  const rows = column.rows.filter((r) => r.paid_cents !== 0);
  return { labels: rows.map((r) => rowLabel(r, t)), values: rows.map((r) => r.paid_cents / 100) };
}

/** The longest period the server reports on, in months (`report::MAX_MONTHS`). */
export const MAX_REPORT_MONTHS = 60;

/** What is wrong with a period before asking the server, or null. */
export function periodProblem(from: string, to: string): "order" | "length" | null {
  const index = (m: string) => {
    const [y, mo] = m.split("-").map(Number);
    return (y ?? 0) * 12 + (mo ?? 1) - 1;
  };
  const months = index(to) - index(from) + 1;
  if (months < 1) return "order";
  if (months > MAX_REPORT_MONTHS) return "length";
  return null;
}

// --- Sites -----------------------------------------------------------------------------------

/**
 * The origins typed into a site form, one per line or separated by commas or spaces: each
 * reduced to `scheme://host[:port]` (a pasted page address keeps only its origin), duplicates
 * dropped. `bad` holds what is not an http(s) address; the server checks them again.
 */
export function parseOrigins(text: string): { origins: string[]; bad: string[] } {
  const origins: string[] = [];
  const bad: string[] = [];
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    let url: URL | null = null;
    try {
      url = new URL(part);
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || !url.hostname || url.username || url.password) {
      bad.push(part);
      continue;
    }
    if (!origins.includes(url.origin)) origins.push(url.origin);
  }
  return { origins, bad };
}

/** The granted signals of a consent, as words ("Analytics, Ads"), or "None". */
export function consentWords(consent: Consent, t: Translate): string {
  const granted = (["analytics", "ads", "ad_user_data", "ad_personalization"] as const).filter((k) => consent[k]);
  return granted.length ? granted.map((k) => t(`attribution.consent.${k}`)).join(", ") : t("attribution.consent.none");
}

/** The share of `part` in `whole` as a whole percentage (0 when `whole` is 0). */
export function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((part * 100) / whole) : 0;
}

// --- Touchpoints -----------------------------------------------------------------------------

/** Which touchpoint of a contact is its first touch, its last touch, or both. */
export function touchMark(list: ContactTouchpoints, id: string): "first" | "last" | "both" | null {
  const first = list.first_touchpoint_id === id;
  const last = list.last_touchpoint_id === id;
  return first && last ? "both" : first ? "first" : last ? "last" : null;
}

// --- Destinations ----------------------------------------------------------------------------

/** One field of a platform's settings or credentials. */
export interface PlatformField {
  name: string;
  required: boolean;
}

/** What each platform's destination asks for (the contract's list; TikTok and LinkedIn later). */
export const PLATFORM_FIELDS: Readonly<Record<Platform, { settings: PlatformField[]; credentials: PlatformField[] } | null>> = {
  meta: {
    settings: [
      { name: "pixel_id", required: true },
      { name: "test_event_code", required: false },
    ],
    credentials: [{ name: "access_token", required: true }],
  },
  google_ads: {
    settings: [
      { name: "customer_id", required: true },
      { name: "conversion_action_id", required: true },
      { name: "login_customer_id", required: false },
    ],
    credentials: [
      { name: "developer_token", required: true },
      { name: "access_token", required: true },
    ],
  },
  tiktok: null,
  linkedin: null,
};

/** The platforms a new destination can be made for here. */
export const FORM_PLATFORMS = (Object.keys(PLATFORM_FIELDS) as Platform[]).filter((p) => PLATFORM_FIELDS[p] !== null);

/**
 * The values typed for `fields`, trimmed, empty optional ones left out; `missing` names the
 * required ones left empty.
 */
export function fieldValues(fields: readonly PlatformField[], values: Readonly<Record<string, string>>): { values: Record<string, string>; missing: string[] } {
  const out: Record<string, string> = {};
  const missing: string[] = [];
  for (const f of fields) {
    const v = (values[f.name] ?? "").trim();
    if (v) out[f.name] = v;
    else if (f.required) missing.push(f.name);
  }
  return { values: out, missing };
}
