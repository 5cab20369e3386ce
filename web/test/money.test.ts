import { describe, expect, it } from "vitest";
import {
  formatMoney,
  formatQuantity,
  formatVatRate,
  lineTotals,
  milliToQuantity,
  moneyInput,
  parseMoney,
  parseQuantity,
  parseVatRate,
  quantityToMilli,
  scaledToDecimal,
  sumByCurrency,
} from "../src/money";

// Intl puts narrow no-break spaces in some locales; compare with plain spaces.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, " ");

describe("formatting money", () => {
  it("formats integer cents as EUR in each locale", () => {
    expect(plain(formatMoney(123456, "EUR", "en"))).toBe("€1,234.56");
    expect(plain(formatMoney(123456, "EUR", "nl"))).toBe("€ 1.234,56");
    expect(plain(formatMoney(5, "EUR", "nl"))).toBe("€ 0,05");
    expect(plain(formatMoney(-1000, "EUR", "en"))).toBe("-€10.00");
    expect(plain(formatMoney(0, "EUR", "en"))).toBe("€0.00");
  });

  it("formats every whole number of cents exactly, up to 2^53", () => {
    expect(plain(formatMoney(Number.MAX_SAFE_INTEGER, "EUR", "en"))).toBe("€90,071,992,547,409.91");
    expect(plain(formatMoney(100_000_000_000_000, "EUR", "nl"))).toBe("€ 1.000.000.000.000,00");
  });

  it("writes integers with implied decimals as decimal text", () => {
    expect(scaledToDecimal(123456, 2)).toBe("1234.56");
    expect(scaledToDecimal(5, 2)).toBe("0.05");
    expect(scaledToDecimal(-5, 2)).toBe("-0.05");
    expect(scaledToDecimal(1500, 3)).toBe("1.500");
    expect(scaledToDecimal(7, 0)).toBe("7");
    expect(() => scaledToDecimal(1.5, 2)).toThrow();
  });

  it("prefills an amount the way the locale types it", () => {
    expect(moneyInput(121000, "en")).toBe("1210.00");
    expect(moneyInput(121000, "nl")).toBe("1210,00");
    expect(parseMoney(moneyInput(29, "nl"), "nl")).toBe(29);
  });

  it("shows VAT rates and quantities in the locale", () => {
    expect(formatVatRate(2100, "en")).toBe("21%");
    expect(formatVatRate(550, "nl")).toBe("5,5%");
    expect(formatVatRate(0, "nl")).toBe("0%");
    expect(formatQuantity(1500, "nl")).toBe("1,5");
    expect(formatQuantity(1_234_000, "en")).toBe("1,234");
  });
});

describe("parsing amounts", () => {
  it("reads plain and decimal amounts into cents, without float drift", () => {
    expect(parseMoney("12,50")).toBe(1250);
    expect(parseMoney("12.5")).toBe(1250);
    expect(parseMoney(" 1210 ")).toBe(121000);
    expect(parseMoney("0.29")).toBe(29); // 0.29 * 100 is 28.999999999999996 in floats
    expect(parseMoney("1.15", "en")).toBe(115); // 1.15 * 100 is 114.99999999999999
    expect(parseMoney("4.35", "nl")).toBe(435);
    expect(parseMoney("0")).toBe(0);
    expect(parseMoney("007")).toBe(700);
    expect(parseMoney("€ 12,00", "nl")).toBe(1200);
  });

  it("reads thousands separators of either style where only one reading exists", () => {
    expect(parseMoney("1.234,56", "nl")).toBe(123456);
    expect(parseMoney("1.234,56", "en")).toBe(123456);
    expect(parseMoney("1,234.56", "en")).toBe(123456);
    expect(parseMoney("1,234.56", "nl")).toBe(123456);
    expect(parseMoney("1.234.567", "nl")).toBe(123456700);
    expect(parseMoney("1,234,567", "en")).toBe(123456700);
    expect(parseMoney("1 234,56", "nl")).toBe(123456);
  });

  it("lets the language decide a single separator before three digits", () => {
    expect(parseMoney("1.234", "nl")).toBe(123400); // Dutch: "." groups thousands
    expect(parseMoney("1,234", "en")).toBe(123400); // English: "," groups thousands
    expect(parseMoney("1.234", "en")).toBeNull(); // English: 1.234 has too many decimals
    expect(parseMoney("1,234", "nl")).toBeNull();
  });

  it("refuses what is not an amount", () => {
    for (const text of ["", "abc", "-3", "1,2,3", "1.23.456", "12.", ",5", "1.234,567", "1.2345,00", "12,34,56", "1e3", "0x10"]) {
      expect(parseMoney(text, "nl"), text).toBeNull();
      expect(parseMoney(text, "en"), text).toBeNull();
    }
    expect(parseMoney("1.005", "en")).toBeNull();
    expect(parseMoney("1,005", "nl")).toBeNull();
    expect(parseMoney("1,234.56.78", "en")).toBeNull();
    expect(parseMoney("1.234,56,78", "nl")).toBeNull();
  });

  it("refuses amounts too large to hold exactly", () => {
    expect(parseMoney("9999999999999.99")).toBe(999999999999999);
    expect(parseMoney("99999999999999.99")).toBeNull();
  });

  it("reads quantities in thousandths and VAT rates in basis points", () => {
    expect(parseQuantity("1,5", "nl")).toBe(1500);
    expect(parseQuantity("1.5", "nl")).toBe(1500);
    expect(parseQuantity("2", "en")).toBe(2000);
    expect(parseQuantity("0.125", "en")).toBe(125);
    expect(parseQuantity("1,234", "nl")).toBe(1234); // Dutch decimal comma: 1.234 units
    expect(parseQuantity("1.234", "nl")).toBe(1_234_000); // Dutch grouping: 1234 units
    expect(parseQuantity("0")).toBeNull();
    expect(parseQuantity("0.0001")).toBeNull();
    expect(parseVatRate("21")).toBe(2100);
    expect(parseVatRate("5,5", "nl")).toBe(550);
    expect(parseVatRate("9.75", "en")).toBe(975);
    expect(parseVatRate("x")).toBeNull();
  });

  it("converts quantities at the API border without losing a thousandth", () => {
    for (const milli of [1, 125, 1500, 1_234_000, 999_999_999_999, 1_000_000_000_000]) {
      expect(quantityToMilli(milliToQuantity(milli))).toBe(milli);
    }
    expect(milliToQuantity(1500)).toBe(1.5);
  });
});

describe("invoice arithmetic in integers", () => {
  it("computes a line's net and VAT in cents, each rounded half up", () => {
    expect(lineTotals({ milli: 2000, unit_cents: 50000, vat_rate_bp: 2100 })).toEqual({ net: 100000, vat: 21000 });
    expect(lineTotals({ milli: 1500, unit_cents: 999, vat_rate_bp: 900 })).toEqual({ net: 1499, vat: 135 });
    // 0.5 cent rounds up: 1 thousandth of 500 cents is 0.5 cents.
    expect(lineTotals({ milli: 1, unit_cents: 500, vat_rate_bp: 0 })).toEqual({ net: 1, vat: 0 });
    expect(lineTotals({ milli: 1, unit_cents: 499, vat_rate_bp: 0 })).toEqual({ net: 0, vat: 0 });
  });

  it("stays exact for the largest amounts the API allows", () => {
    // A billion units at a million euros: 10^12 thousandths × 10^8 cents overflows 2^53 on the way.
    expect(lineTotals({ milli: 1_000_000_000_000, unit_cents: 100_000_000, vat_rate_bp: 2100 })).toEqual({
      net: 100_000_000_000_000_000,
      vat: 21_000_000_000_000_000,
    });
    expect(lineTotals({ milli: 333, unit_cents: 1_000_000_001, vat_rate_bp: 2100 }).net).toBe(333_000_000);
  });

  it("sums per currency and never across currencies", () => {
    const sums = sumByCurrency(
      [
        { c: "EUR", v: 10 },
        { c: "USD", v: 5 },
        { c: "EUR", v: 7 },
      ],
      (x) => x.c,
      (x) => x.v,
    );
    expect([...sums]).toEqual([
      ["EUR", 17],
      ["USD", 5],
    ]);
  });
});
