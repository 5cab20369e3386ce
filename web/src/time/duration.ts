// Durations as people type them into the timesheet, the timer and the budget fields, read into
// whole minutes, and minutes shown back. The one reader of typed durations in the app:
//   `1:30` (hours:minutes), `1.5` or `1,5` (decimal hours, either separator), `2` (hours),
//   `90m` (minutes), `1h`, `1h30`, `1h 30m`, `1u30` (Dutch "uur").
// Decimal hours are read digit by digit (never through a float) and rounded to the nearest minute.

/** Why a typed duration was refused: worded for people as `time.problem.<code>`. */
export type DurationProblem = "not_duration" | "bad_minutes" | "too_long";

export type DurationReading =
  | { kind: "empty" }
  | { kind: "minutes"; minutes: number }
  | { kind: "problem"; problem: DurationProblem };

/** The most a duration may be by default: a whole day. */
export const DAY_MINUTES = 24 * 60;

/** Minutes of decimal hours `whole.fraction`, rounded half up to a whole minute. */
function decimalHours(whole: string, fraction: string): number {
  const scale = 10 ** fraction.length;
  const frac = fraction === "" ? 0 : Number.parseInt(fraction, 10);
  // (frac / scale) hours = frac * 60 / scale minutes, rounded half up in integers.
  return Number.parseInt(whole || "0", 10) * 60 + Math.floor((frac * 60 * 2 + scale) / (2 * scale));
}

/**
 * A duration typed by a person, in whole minutes; `empty` for nothing typed. `max` is the
 * largest allowed (a day by default; budgets pass `Infinity`).
 */
export function parseDuration(text: string, max: number = DAY_MINUTES): DurationReading {
  const s = text.trim().toLowerCase().replace(/\s+/g, " ");
  if (s === "") return { kind: "empty" };
  let minutes: number | null = null;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{0,4}):(\d{1,2})$/.exec(s))) {
    // 1:30, :45, 0:05
    const mins = Number.parseInt(m[2] ?? "0", 10);
    if (mins >= 60) return { kind: "problem", problem: "bad_minutes" };
    minutes = Number.parseInt(m[1] || "0", 10) * 60 + mins;
  } else if ((m = /^(\d{0,5})(?:[.,](\d{1,4}))?(?: ?(?:h|u|uur|hours?|hrs?))?$/.exec(s)) && (m[1] || m[2])) {
    // 2, 1.5, 1,5, ,5, 1.5h, 2u
    minutes = decimalHours(m[1] ?? "", m[2] ?? "");
  } else if ((m = /^(\d{1,6}) ?(?:m|min|mins|minutes?|minuten)$/.exec(s))) {
    // 90m, 90 min
    minutes = Number.parseInt(m[1] ?? "0", 10);
  } else if ((m = /^(\d{1,4}) ?(?:h|u|uur) ?(\d{1,2}) ?(?:m|min|minutes?|minuten)?$/.exec(s))) {
    // 1h30, 1h 30m, 1u30
    const mins = Number.parseInt(m[2] ?? "0", 10);
    if (mins >= 60) return { kind: "problem", problem: "bad_minutes" };
    minutes = Number.parseInt(m[1] ?? "0", 10) * 60 + mins;
  }
  if (minutes === null) return { kind: "problem", problem: "not_duration" };
  if (minutes > max) return { kind: "problem", problem: "too_long" };
  return { kind: "minutes", minutes };
}

/** Minutes as hours and minutes, as people type them: 90 -> "1:30", 5 -> "0:05". */
export function formatMinutes(minutes: number): string {
  const sign = minutes < 0 ? "-" : "";
  const abs = Math.abs(Math.trunc(minutes));
  return `${sign}${Math.floor(abs / 60)}:${String(abs % 60).padStart(2, "0")}`;
}

/** Seconds as a running clock: 3725 -> "1:02:05". */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}
