// Money in integer cents, quantities in thousandths and VAT rates in basis points, as the API
// keeps them. What people type is parsed digit by digit (never through a float), sums and line
// amounts are integer arithmetic, and only display hands a decimal to Intl.
import { INTL_LOCALE, type Locale } from "./i18n";

/** The locale's decimal and grouping separators as people type them. */
const SEPARATORS: Record<Locale, { decimal: string; group: string }> = {
  en: { decimal: ".", group: "," },
  nl: { decimal: ",", group: "." },
};

/**
 * A non-negative decimal typed by a person, scaled to an integer with `scale` decimals
 * ("12,5" at scale 2 is 1250), or null when it is not one or has more decimals than `scale`.
 *
 * Both "." and "," are accepted where only one reading exists: "1.234,56" and "1,234.56" (the
 * last separator is the decimal one, the other groups thousands in threes), "12,50" and "12.50"
 * (one separator followed by one or two digits is decimal), "1.234.567" (a repeated separator
 * groups thousands). One separator followed by exactly three digits ("1.234") could be either:
 * the locale decides (Dutch: "." groups, "," is decimal; English the other way round).
 */
export function parseScaled(text: string, scale: number, locale: Locale): number | null {
  const s = text.trim().replace(/[\s\u00a0\u202f€]/g, "");
  if (!/^[0-9.,]+$/.test(s) || !/[0-9]/.test(s)) return null;
  const dots = s.split(".").length - 1;
  const commas = s.split(",").length - 1;
  let whole = s;
  let fraction = "";
  let group: string | null = null;
  if (dots > 0 && commas > 0) {
    const decimal = s.lastIndexOf(".") > s.lastIndexOf(",") ? "." : ",";
    if (s.split(decimal).length - 1 !== 1) return null;
    group = decimal === "." ? "," : ".";
    [whole = "", fraction = ""] = s.split(decimal);
    if (fraction === "") return null;
  } else if (dots + commas === 1) {
    const sep = dots === 1 ? "." : ",";
    const [before = "", after = ""] = s.split(sep);
    const decimal = after.length !== 3 || SEPARATORS[locale].decimal === sep;
    if (decimal) {
      // "12." and ",5" are half-typed: refused rather than guessed.
      if (after === "") return null;
      whole = before;
      fraction = after;
    } else {
      group = sep;
    }
  } else if (dots + commas > 1) {
    group = dots > 0 ? "." : ",";
  }
  if (group !== null) {
    const groups = whole.split(group);
    if (!/^[0-9]{1,3}$/.test(groups[0] ?? "") || groups.slice(1).some((g) => !/^[0-9]{3}$/.test(g))) return null;
    whole = groups.join("");
  }
  if (!/^[0-9]+$/.test(whole) || !/^[0-9]*$/.test(fraction) || fraction.length > scale) return null;
  const digits = (whole + fraction.padEnd(scale, "0")).replace(/^0+(?=[0-9])/, "");
  // Beyond 2^53 a number no longer holds every integer: refuse rather than round.
  if (digits.length > 15) return null;
  return Number.parseInt(digits, 10);
}

/**
 * An amount typed by a person ("1234.56", "1.234,56" in Dutch, "12,50") as integer cents (zero
 * included), or null; ambiguous input is null too. `readAmount` also says why.
 */
export function parseMoney(text: string, locale: Locale = "en"): number | null {
  return readAmount(text, locale, { allowZero: true }).cents ?? null;
}

/** A quantity typed by a person ("1,5") in thousandths (1500), or null. Zero is refused. */
export function parseQuantity(text: string, locale: Locale = "en"): number | null {
  const milli = parseScaled(text, 3, locale);
  return milli === null || milli === 0 ? null : milli;
}

/** A VAT percentage typed by a person ("21", "5,5") in basis points (2100, 550), or null. */
export function parseVatRate(text: string, locale: Locale = "en"): number | null {
  return parseScaled(text, 2, locale);
}

/** An integer with `scale` implied decimals as a plain decimal text: (123456, 2) -> "1234.56". */
export function scaledToDecimal(value: number, scale: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not a whole number: ${value}`);
  const sign = value < 0 ? "-" : "";
  const digits = String(Math.abs(value)).padStart(scale + 1, "0");
  if (scale === 0) return sign + digits;
  return `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** Integer cents as money in the locale, e.g. 123456 -> "€ 1.234,56" in Dutch. */
export function formatMoney(cents: number, currency: string, locale: Locale): string {
  // Intl formats a decimal string exactly; no division by 100 on a float.
  const format = new Intl.NumberFormat(INTL_LOCALE[locale], { style: "currency", currency });
  return format.format(scaledToDecimal(cents, 2) as unknown as number);
}

/** Integer cents as people type them in the locale, without grouping: 121000 -> "1210,00" in Dutch. */
export function moneyInput(cents: number, locale: Locale): string {
  return scaledToDecimal(cents, 2).replace(".", SEPARATORS[locale].decimal);
}

/** A VAT rate in basis points as a percentage in the locale: 2100 -> "21%", 550 -> "5,5%" in Dutch. */
export function formatVatRate(bp: number, locale: Locale): string {
  const format = new Intl.NumberFormat(INTL_LOCALE[locale], { style: "percent", maximumFractionDigits: 2 });
  return format.format(scaledToDecimal(bp, 4) as unknown as number);
}

/** A quantity in thousandths as a number in the locale: 1500 -> "1,5" in Dutch. */
export function formatQuantity(milli: number, locale: Locale): string {
  const format = new Intl.NumberFormat(INTL_LOCALE[locale], { maximumFractionDigits: 3 });
  return format.format(scaledToDecimal(milli, 3) as unknown as number);
}

/**
 * The API sends and takes a line's quantity as a JSON number with at most three decimals: these
 * two convert at that border only. The number nearest "1.5" times 1000, rounded, is 1500 again
 * for every quantity the API allows (at most a billion units, far inside 2^53).
 */
export function quantityToMilli(quantity: number): number {
  return Math.round(quantity * 1000);
}

/** Thousandths as the JSON number the API takes: 1500 -> 1.5 (parsed from "1.500", not divided). */
export function milliToQuantity(milli: number): number {
  return Number(scaledToDecimal(milli, 3));
}

/** round(numerator / denominator), half up, for non-negative integers. */
function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator / 2n) / denominator;
}

/**
 * One invoice line's net and VAT in cents, each rounded half up on its own, as the server
 * computes them (quantity in thousandths times unit cents; products kept in BigInt so large
 * amounts stay exact).
 */
export function lineTotals(line: { milli: number; unit_cents: number; vat_rate_bp: number }): { net: number; vat: number } {
  const net = divRoundHalfUp(BigInt(line.milli) * BigInt(line.unit_cents), 1000n);
  const vat = divRoundHalfUp(net * BigInt(line.vat_rate_bp), 10_000n);
  return { net: Number(net), vat: Number(vat) };
}

/** Adds amounts per currency (amounts in different currencies are never added together). */
export function sumByCurrency<T>(items: readonly T[], currency: (item: T) => string, cents: (item: T) => number): Map<string, number> {
  const sums = new Map<string, number>();
  for (const item of items) {
    const key = currency(item);
    const sum = (sums.get(key) ?? 0) + cents(item);
    if (!Number.isSafeInteger(sum)) throw new RangeError("sum of amounts out of range");
    sums.set(key, sum);
  }
  return sums;
}

/** Why a typed amount was refused: worded for people as `problem.<code>`. */
export type AmountProblem = "not_amount" | "ambiguous_amount" | "too_many_decimals" | "not_positive";

/**
 * An amount typed by a person as integer cents, or why not. The one reader of typed amounts in
 * the app: Dutch takes `1.234,56` and `1234,56`, English `1,234.56` and `1234.56` (and each the
 * other's unmistakable forms, such as `12.50` in Dutch). The locale's own decimal separator
 * followed by exactly three digits (`1,234` in Dutch, `1.234` in English) could mean a thousand
 * or one and a bit: refused as ambiguous rather than guessed.
 */
export function readAmount(
  text: string,
  locale: Locale,
  options: { allowZero?: boolean } = {},
): { cents: number; problem?: undefined } | { cents?: undefined; problem: AmountProblem } {
  const s = text.trim().replace(/[\s\u00a0\u202f€]/g, "");
  const sep = SEPARATORS[locale].decimal;
  if (/^[0-9]+[.,][0-9]{3}$/.test(s) && s.includes(sep)) return { problem: "ambiguous_amount" };
  const cents = parseScaled(text, 2, locale);
  if (cents === null) {
    // More decimals than cents, written plainly ("12,345"): say so rather than "not an amount".
    if (/^[0-9]*[.,][0-9]{3,}$/.test(s)) return { problem: "too_many_decimals" };
    return { problem: "not_amount" };
  }
  if (cents === 0 && !options.allowZero) return { problem: "not_positive" };
  return { cents };
}

/** A field problem for a refused amount, shown beside its field like the server's. */
export function amountProblem(problem: AmountProblem): { code: string; message: string; max?: number } {
  const message: Record<AmountProblem, string> = {
    not_amount: "is not an amount",
    ambiguous_amount: "is ambiguous: write it with cents or without the separator",
    too_many_decimals: "has more than 2 decimals",
    not_positive: "must be more than 0",
  };
  return problem === "too_many_decimals" ? { code: problem, message: message[problem], max: 2 } : { code: problem, message: message[problem] };
}
