import { describe, expect, it } from "vitest";
import { draftTotals, lineDraft, linesBody } from "../src/components/InvoiceForm";
import { parseDays } from "../src/components/InvoicingDetails";
import { missingLabel, vatByRate } from "../src/components/InvoiceParts";
import { ApiError } from "../src/api/client";
import { translator } from "../src/i18n";
import { readAmount } from "../src/money";

describe("reading typed amounts", () => {
  it("takes the Dutch way in Dutch", () => {
    expect(readAmount("1.234,56", "nl")).toEqual({ cents: 123456 });
    expect(readAmount("1234,56", "nl")).toEqual({ cents: 123456 });
    expect(readAmount("1.234", "nl")).toEqual({ cents: 123400 });
    expect(readAmount("12,5", "nl")).toEqual({ cents: 1250 });
    expect(readAmount("€ 1.234.567,89", "nl")).toEqual({ cents: 123456789 });
    // Unmistakable English forms still read.
    expect(readAmount("1,234.56", "nl")).toEqual({ cents: 123456 });
    expect(readAmount("12.50", "nl")).toEqual({ cents: 1250 });
  });

  it("takes the English way in English", () => {
    expect(readAmount("1,234.56", "en")).toEqual({ cents: 123456 });
    expect(readAmount("1234.56", "en")).toEqual({ cents: 123456 });
    expect(readAmount("1,234", "en")).toEqual({ cents: 123400 });
    expect(readAmount("1.234,56", "en")).toEqual({ cents: 123456 });
  });

  it("refuses what could be read two ways, saying so", () => {
    expect(readAmount("1,234", "nl")).toEqual({ problem: "ambiguous_amount" });
    expect(readAmount("1.234", "en")).toEqual({ problem: "ambiguous_amount" });
    expect(translator("nl")("problem.ambiguous_amount")).toMatch(/Dubbelzinnig/);
  });

  it("refuses what is not an amount, too precise or zero", () => {
    expect(readAmount("abc", "nl")).toEqual({ problem: "not_amount" });
    expect(readAmount("12,", "nl")).toEqual({ problem: "not_amount" });
    expect(readAmount("-5", "en")).toEqual({ problem: "not_amount" });
    expect(readAmount("1,2,3", "en")).toEqual({ problem: "not_amount" });
    expect(readAmount("1,2345", "nl")).toEqual({ problem: "too_many_decimals" });
    expect(readAmount("0", "en")).toEqual({ problem: "not_positive" });
    expect(readAmount("0", "en", { allowZero: true })).toEqual({ cents: 0 });
  });
});

describe("invoice lines in the form", () => {
  it("sends cents, thousandths and basis points", () => {
    const body = linesBody([{ description: "Design", quantity: "1,5", unit: "1.234,56", vat: "21" }], "nl");
    expect(body).toEqual([{ description: "Design", quantity: 1.5, unit_cents: 123456, vat_rate_bp: 2100 }]);
  });

  it("names the field of a malformed amount, with why", () => {
    try {
      linesBody([{ description: "x", quantity: "1", unit: "1,234", vat: "21" }], "nl");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).problems["lines[0].unit_cents"]?.code).toBe("ambiguous_amount");
    }
  });

  it("shows a stored line the locale's way and reads it back unchanged", () => {
    const line = { description: "d", quantity: 1.125, unit_cents: 123456, vat_rate_bp: 550, net_cents: 0, vat_cents: 0 };
    for (const locale of ["nl", "en"] as const) {
      const draft = lineDraft(line, locale);
      expect(linesBody([draft], locale)[0]).toEqual({ description: "d", quantity: 1.125, unit_cents: 123456, vat_rate_bp: 550 });
    }
    expect(lineDraft(line, "nl")).toMatchObject({ quantity: "1,125", unit: "1234,56", vat: "5,5" });
  });

  it("totals the lines that read", () => {
    expect(draftTotals([{ description: "", quantity: "2", unit: "500", vat: "21" }, { description: "", quantity: "1", unit: "??", vat: "21" }], "en")).toEqual({ net: 100000, vat: 21000 });
  });
});

describe("invoice pieces", () => {
  it("groups VAT per rate, highest first", () => {
    const l = (rate: number, net: number, vat: number) => ({ description: "", quantity: 1, unit_cents: net, vat_rate_bp: rate, net_cents: net, vat_cents: vat });
    expect(vatByRate([l(900, 100, 9), l(2100, 1000, 210), l(2100, 500, 105)])).toEqual([
      { rate: 2100, net: 1500, vat: 315 },
      { rate: 900, net: 100, vat: 9 },
    ]);
  });

  it("names missing details for people", () => {
    expect(missingLabel("seller.kvk_number", translator("en"))).toBe("Your company: KvK number");
    expect(missingLabel("buyer.street", translator("nl"))).toBe("Klant: Straat en huisnummer");
    expect(missingLabel("account_id", translator("en"))).toBe("Client");
  });

  it("reads reminder days", () => {
    expect(parseDays("7, 21")).toEqual([7, 21]);
    expect(parseDays("")).toEqual([]);
    expect(parseDays("7, x")).toBeNull();
  });
});

describe("an issue refusal", () => {
  it("names the missing details as the readiness panel does", async () => {
    const { namedForPeople } = await import("../src/components/InvoiceParts");
    const e = new ApiError(422, "invalid", "incomplete", { "seller.kvk_number": "is required" }, null, { "seller.kvk_number": { code: "required", message: "is required" } });
    const named = namedForPeople(e, translator("nl"));
    expect(Object.keys(named.problems)).toEqual(["Uw bedrijf: KvK-nummer"]);
    expect(named.code).toBe("invalid");
  });
});
