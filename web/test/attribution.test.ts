// The attribution pages' logic: the report's table, shares, chart and reconciliation, the
// period check, the origins a site form takes, the first and last touch marks, the platform
// forms' values, and that every text has both languages.
import { describe, expect, it } from "vitest";
import { MESSAGES, translator } from "../src/i18n";
import { enAttribution } from "../src/i18n/en-attribution";
import { nlAttribution } from "../src/i18n/nl-attribution";
import {
  PLATFORM_FIELDS,
  consentWords,
  fieldValues,
  parseOrigins,
  percent,
  periodProblem,
  reconciles,
  reportChart,
  reportLines,
  rowLabel,
  touchMark,
} from "../src/attribution/logic";
import type { CurrencyReport } from "../src/attribution/types";

const en = translator("en");
const nl = translator("nl");

const column: CurrencyReport = {
  currency: "EUR",
  rows: [
    { kind: "attributed", source: "google", medium: "cpc", campaign: "spring", paid_cents: 15_000, payments: 2 },
    { kind: "attributed", source: "meta", medium: null, campaign: "launch", paid_cents: 2_000, payments: 1 },
    { kind: "unattributed", source: null, medium: null, campaign: null, paid_cents: 1_345, payments: 2 },
    { kind: "no_consent", source: null, medium: null, campaign: null, paid_cents: 0, payments: 0 },
  ],
  total_cents: 18_345,
  finance_paid_cents: 18_345,
};

describe("the report", () => {
  it("labels rows by their touch, and the closing rows in the person's language", () => {
    expect(rowLabel(column.rows[0]!, en)).toBe("google / cpc / spring");
    expect(rowLabel(column.rows[1]!, en)).toBe("meta / – / launch");
    expect(rowLabel(column.rows[2]!, en)).toBe("Unattributed");
    expect(rowLabel(column.rows[3]!, nl)).toBe("Geen toestemming");
  });

  it("keeps the server's order, marks the closing rows and gives shares in basis points", () => {
    const lines = reportLines(column, en);
    expect(lines.map((l) => [l.label, l.fixed, l.share_bp])).toEqual([
      ["google / cpc / spring", false, 8177],
      ["meta / – / launch", false, 1090],
      ["Unattributed", true, 733],
      ["No consent", true, 0],
    ]);
    expect(new Set(lines.map((l) => l.key)).size).toBe(lines.length);
    expect(reportLines({ ...column, rows: [column.rows[3]!], total_cents: 0 }, en)[0]!.share_bp).toBe(0);
  });

  it("charts only rows with an amount, in whole units", () => {
    expect(reportChart(column, en)).toEqual({ labels: ["google / cpc / spring", "meta / – / launch", "Unattributed"], values: [150, 20, 13.45] });
  });

  it("reconciles only when the rows, the total and the finance total agree to the cent", () => {
    expect(reconciles(column)).toBe(true);
    expect(reconciles({ ...column, finance_paid_cents: 18_344 })).toBe(false);
    expect(reconciles({ ...column, total_cents: 18_346, finance_paid_cents: 18_346 })).toBe(false);
  });

  it("checks the period as the server does", () => {
    expect(periodProblem("2026-01", "2026-12")).toBeNull();
    expect(periodProblem("2026-03", "2026-03")).toBeNull();
    expect(periodProblem("2026-04", "2026-03")).toBe("order");
    expect(periodProblem("2021-01", "2025-12")).toBeNull();
    expect(periodProblem("2021-01", "2026-01")).toBe("length");
  });
});

describe("sites", () => {
  it("reduces typed origins to scheme, host and port, once each, and names what is not one", () => {
    expect(parseOrigins("https://shop.example/products?x=1\nhttps://shop.example, http://localhost:8080  ftp://x.example nonsense")).toEqual({
      origins: ["https://shop.example", "http://localhost:8080"],
      bad: ["ftp://x.example", "nonsense"],
    });
    expect(parseOrigins("https://user:pw@shop.example").bad).toEqual(["https://user:pw@shop.example"]);
    expect(parseOrigins("  ")).toEqual({ origins: [], bad: [] });
  });

  it("words consent and shares", () => {
    expect(consentWords({ analytics: true, ads: false, ad_user_data: true, ad_personalization: false }, en)).toBe("Analytics, Ad user data");
    expect(consentWords({ analytics: false, ads: false, ad_user_data: false, ad_personalization: false }, nl)).toBe("Geen");
    expect(percent(1, 3)).toBe(33);
    expect(percent(5, 0)).toBe(0);
  });
});

describe("touchpoints", () => {
  it("marks the first touch, the last touch, or both", () => {
    const list = { first_touchpoint_id: "a", last_touchpoint_id: "b", items: [] };
    expect(touchMark(list, "a")).toBe("first");
    expect(touchMark(list, "b")).toBe("last");
    expect(touchMark(list, "c")).toBeNull();
    expect(touchMark({ ...list, last_touchpoint_id: "a" }, "a")).toBe("both");
  });
});

describe("destinations", () => {
  it("sends trimmed values, leaves out empty optional ones and names missing required ones", () => {
    const meta = PLATFORM_FIELDS.meta!;
    expect(fieldValues(meta.settings, { pixel_id: " 123 ", test_event_code: "" })).toEqual({ values: { pixel_id: "123" }, missing: [] });
    expect(fieldValues(PLATFORM_FIELDS.google_ads!.credentials, { access_token: "x" })).toEqual({ values: { access_token: "x" }, missing: ["developer_token"] });
  });

  it("has a label in both languages for every platform field", () => {
    for (const fields of Object.values(PLATFORM_FIELDS)) {
      for (const f of [...(fields?.settings ?? []), ...(fields?.credentials ?? [])]) {
        const key = `attribution.destinations.field.${f.name}`;
        expect(key in MESSAGES.en && key in MESSAGES.nl, key).toBe(true);
      }
    }
  });
});

describe("texts", () => {
  it("has every attribution text in both languages, none empty", () => {
    expect(Object.keys(nlAttribution).sort()).toEqual(Object.keys(enAttribution).sort());
    for (const [key, text] of Object.entries(nlAttribution)) expect(text.trim(), key).not.toBe("");
  });
});
