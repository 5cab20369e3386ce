import { describe, expect, it } from "vitest";
import { formatDate, formatMoney, parseMoney } from "../src/i18n";
import { lineTotals } from "../src/components/InvoiceForm";

// Intl puts narrow no-break spaces in some locales; compare with plain spaces.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, " ");

describe("money", () => {
  it("formats integer cents as EUR in each locale", () => {
    expect(plain(formatMoney(123456, "EUR", "en"))).toBe("€1,234.56");
    expect(plain(formatMoney(123456, "EUR", "nl"))).toBe("€ 1.234,56");
    expect(plain(formatMoney(5, "EUR", "nl"))).toBe("€ 0,05");
    expect(plain(formatMoney(-1000, "EUR", "en"))).toBe("-€10.00");
  });

  it("parses amounts people type into cents, without float drift", () => {
    expect(parseMoney("12,50")).toBe(1250);
    expect(parseMoney("12.5")).toBe(1250);
    expect(parseMoney(" 1210 ")).toBe(121000);
    expect(parseMoney("0.29")).toBe(29);
    expect(parseMoney("1.005")).toBeNull();
    expect(parseMoney("abc")).toBeNull();
    expect(parseMoney("-3")).toBeNull();
  });

  it("computes a line's net and VAT in cents", () => {
    expect(lineTotals({ quantity: 2, unit_cents: 50000, vat_rate_bp: 2100 })).toEqual({ net: 100000, vat: 21000 });
    expect(lineTotals({ quantity: 1.5, unit_cents: 999, vat_rate_bp: 900 })).toEqual({ net: 1499, vat: 135 });
  });
});

describe("dates", () => {
  it("formats in the locale and leaves non-dates alone", () => {
    expect(formatDate("2026-03-05", "en")).toBe("5 Mar 2026");
    expect(formatDate("2026-03-05", "nl")).toBe("5 mrt 2026");
    expect(formatDate("soon", "en")).toBe("soon");
    expect(formatDate(null, "en")).toBe("");
  });
});
