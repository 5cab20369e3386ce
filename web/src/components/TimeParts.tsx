// Pieces the project and time pages share: a budget's burn bars, status badges, a duration
// field read by the one duration parser, and typed amounts and durations turned into the
// integers the API takes (a malformed one throws a field problem shown beside its field).
import { ApiError } from "../api/client";
import type { Burn, ProjectStatus, TimeEntryStatus } from "../generated/api";
import { useI18n, type Locale, type Translate } from "../i18n";
import { amountProblem, formatMoney, moneyInput, readAmount } from "../money";
import { formatMinutes, parseDuration, type DurationProblem } from "../time/duration";
import { barWidth } from "../time/logic";

/** The English sentence of a refused duration (the app words it as `problem.duration_<code>`). */
const DURATION_MESSAGES: Record<DurationProblem, string> = {
  not_duration: "is not a duration (for example 1:30, 1.5 or 90m)",
  bad_minutes: "has 60 minutes or more after the colon",
  too_long: "is longer than a day",
};

/** The people's sentence for a refused duration, in the locale. */
export function durationMessage(problem: DurationProblem, t: Translate): string {
  return t(`problem.duration_${problem}`);
}

/** Minutes from a typed duration for field `field`; null when nothing is typed. */
export function minutesBody(field: string, text: string, max = Number.MAX_SAFE_INTEGER): number | null {
  const r = parseDuration(text, max);
  if (r.kind === "empty") return null;
  if (r.kind === "problem") throw ApiError.field(field, { code: `duration_${r.problem}`, message: DURATION_MESSAGES[r.problem] });
  return r.minutes;
}

/** Cents from a typed amount for field `field`; null when nothing is typed. */
export function centsBody(field: string, text: string, locale: Locale): number | null {
  if (text.trim() === "") return null;
  const r = readAmount(text, locale, { allowZero: true });
  if (r.problem) throw ApiError.field(field, amountProblem(r.problem));
  return r.cents;
}

/** Stored cents as a form shows them ("" for none). */
export function centsInput(cents: number | null | undefined, locale: Locale): string {
  return cents === null || cents === undefined ? "" : moneyInput(cents, locale);
}

/** Stored minutes as a form shows them ("" for none). */
export function minutesInput(minutes: number | null | undefined): string {
  return minutes === null || minutes === undefined ? "" : formatMinutes(minutes);
}

export function ProjectStatusBadge({ status }: { status: ProjectStatus }) {
  const { t } = useI18n();
  return <span className={`badge project-${status}`}>{t(`project.status.${status}`)}</span>;
}

export function EntryStatusBadge({ status }: { status: TimeEntryStatus }) {
  const { t } = useI18n();
  return <span className={`badge entry-${status}`}>{t(`entry.status.${status}`)}</span>;
}

/** One bar: the share used, its level's colour, and the figures as text. */
function Bar({ label, bp, text }: { label: string; bp: number | null; text: string }) {
  const { t } = useI18n();
  const level = bp === null ? "ok" : bp >= 10_000 ? "exceeded" : bp >= 8_000 ? "warning" : "ok";
  return (
    <div className={`burn burn-${level}`}>
      <div className="burn-text">
        <span>{label}</span>
        <span className="num">
          {text}
          {bp !== null && ` (${Math.floor(bp / 100)}%)`}
          {level !== "ok" && <strong className={`badge level-${level}`}> {t(`budget.level.${level}`)}</strong>}
        </span>
      </div>
      {bp !== null && (
        <div className="burn-track" aria-hidden="true">
          <div className="burn-fill" style={{ width: `${barWidth(bp)}%` }} />
        </div>
      )}
    </div>
  );
}

/** A period's burn: hours against the hour budget and the time's value against the money budget. */
export function BurnBars({ burn, currency, compact = false }: { burn: Burn; currency: string; compact?: boolean }) {
  const { t, locale } = useI18n();
  const hours =
    burn.budget_minutes !== null
      ? t("budget.ofBudget", { used: formatMinutes(burn.minutes), budget: formatMinutes(burn.budget_minutes) })
      : formatMinutes(burn.minutes);
  const money =
    burn.budget_cents !== null
      ? t("budget.ofBudget", { used: formatMoney(burn.value_cents, currency, locale), budget: formatMoney(burn.budget_cents, currency, locale) })
      : formatMoney(burn.value_cents, currency, locale);
  if (compact && burn.budget_minutes === null && burn.budget_cents === null) {
    return <span className="hint">{t("budget.none", { hours: formatMinutes(burn.minutes) })}</span>;
  }
  return (
    <div className="burns">
      {(!compact || burn.budget_minutes !== null) && <Bar label={t("budget.hours")} bp={burn.minutes_used_bp} text={hours} />}
      {(!compact || burn.budget_cents !== null) && <Bar label={t("budget.money")} bp={burn.money_used_bp} text={money} />}
    </div>
  );
}
