// Locale state, translation, dates in the locale, and the wording of API errors and field problems.
import { createContext, useContext } from "react";
import type { ApiError, ErrorCode, FieldProblem } from "../api/client";
import { en, type MessageKey, type Messages } from "./en";
import { nl } from "./nl";

export type Locale = "en" | "nl";
export const LOCALES: readonly Locale[] = ["en", "nl"];
export const MESSAGES: Record<Locale, Messages> = { en, nl };
/** The Intl locale of each language (dates, numbers, money). */
export const INTL_LOCALE: Record<Locale, string> = { en: "en-GB", nl: "nl-NL" };

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(locale: Locale): Translate {
  const messages = MESSAGES[locale];
  return (key, params) =>
    messages[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
      params && name in params ? String(params[name]) : whole,
    );
}

/** A date or timestamp in the locale; the text itself when it is not a date. */
export function formatDate(value: string | null | undefined, locale: Locale, withTime = false): string {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(INTL_LOCALE[locale], {
    dateStyle: "medium",
    ...(withTime ? { timeStyle: "short" } : {}),
  }).format(date);
}

/** The message for people for an API error, in the locale. */
export function errorMessage(error: unknown, t: Translate): string {
  const e = error as Partial<ApiError> | null;
  const code: ErrorCode = e && typeof e.code === "string" ? (e.code as ErrorCode) : "unknown";
  const key = `error.${code}` as MessageKey;
  if (!(key in en)) return t("error.unknown");
  return t(key, { seconds: e?.retryAfter ?? 60 });
}

/**
 * A field's problem in the locale, from its code and limits (`problem.<code>`); the server's
 * English sentence when the code is new to this app, a limit the text needs is missing, or the
 * code is `rule` (a rule worded only by the server).
 */
export function problemMessage(problem: FieldProblem, t: Translate, locale: Locale = "en"): string {
  const number = (n: number | undefined) =>
    n === undefined ? undefined : new Intl.NumberFormat(INTL_LOCALE[locale]).format(n);
  const params: Record<string, string | undefined> = {
    min: number(problem.min),
    max: number(problem.max),
    allowed: problem.allowed?.join(", "),
  };
  let key = `problem.${problem.code}`;
  // A range open on one side has a text of its own.
  if (problem.code === "out_of_range" && (problem.min === undefined) !== (problem.max === undefined)) {
    key = problem.min === undefined ? "problem.at_most" : "problem.at_least";
  }
  const fallback = problem.message || t("error.invalid");
  if (problem.code === "rule" || !(key in en)) return fallback;
  const text = en[key as MessageKey];
  const needed = [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "");
  if (needed.some((name) => params[name] === undefined)) return fallback;
  return t(key as MessageKey, params as Record<string, string>);
}

export interface I18n {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: Translate;
}

export const I18nContext = createContext<I18n>({
  locale: "en",
  setLocale: () => {},
  t: translator("en"),
});

export function useI18n(): I18n {
  return useContext(I18nContext);
}
