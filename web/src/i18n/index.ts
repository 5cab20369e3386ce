// Locale state, translation and locale-aware formatting of money and dates.
import { createContext, useContext } from "react";
import type { ApiError, ErrorCode } from "../api/client";
import { en, type MessageKey, type Messages } from "./en";
import { nl } from "./nl";

export type Locale = "en" | "nl";
export const LOCALES: readonly Locale[] = ["en", "nl"];
export const MESSAGES: Record<Locale, Messages> = { en, nl };
const INTL_LOCALE: Record<Locale, string> = { en: "en-GB", nl: "nl-NL" };

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(locale: Locale): Translate {
  const messages = MESSAGES[locale];
  return (key, params) =>
    messages[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
      params && name in params ? String(params[name]) : whole,
    );
}

/** Integer cents as money in the locale, e.g. 123456 -> "€ 1.234,56" in Dutch. */
export function formatMoney(cents: number, currency: string, locale: Locale): string {
  return new Intl.NumberFormat(INTL_LOCALE[locale], { style: "currency", currency }).format(cents / 100);
}

/** A decimal amount typed by a person ("12,50" or "12.50") as integer cents, or null. */
export function parseMoney(text: string): number | null {
  const cleaned = text.trim().replace(/\s/g, "").replace(",", ".");
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null;
  return Math.round(Number(cleaned) * 100);
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
