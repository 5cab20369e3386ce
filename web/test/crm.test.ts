// The CRM pages' logic: pipeline totals and weighted values, what a dragged card may do, audit
// sentences in both languages for every generated action, timeline labels for every event,
// report series and CSV, the first-run checklist and the client form's body.
import { describe, expect, it } from "vitest";
import { AUDIT_ACTIONS, EVENT_TYPES, STAGES } from "../src/generated/contract";
import { MESSAGES, translator } from "../src/i18n";
import {
  STAGE_PROBABILITY_BP,
  auditAreas,
  auditSentence,
  auditSentenceParts,
  auditSubjectPath,
  canDrop,
  csvAmount,
  currenciesOf,
  eventKey,
  monthOf,
  monthsBetween,
  pipelineTotals,
  revenueChart,
  sentenceKey,
  toCsv,
  topClient,
  weighted,
} from "../src/crm/logic";
import { checklistSteps } from "../src/components/Checklist";
import { accountBody } from "../src/components/AccountForm";
import { rowsOf } from "../src/pages/Reports";
import { ApiError } from "../src/api/client";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("audit sentences", () => {
  it("exist for every generated audit action in English and Dutch, with the same placeholders", () => {
    for (const action of AUDIT_ACTIONS) {
      const key = sentenceKey(action);
      const en = (MESSAGES.en as Record<string, string>)[key];
      const nl = (MESSAGES.nl as Record<string, string>)[key];
      expect(en, `en ${key}`).toBeTruthy();
      expect(nl, `nl ${key}`).toBeTruthy();
      expect(placeholders(nl!), key).toEqual(placeholders(en!));
    }
  });

  it("name the areas of every action in both languages", () => {
    for (const area of auditAreas()) {
      expect(Object.keys(MESSAGES.en), area).toContain(`audit.area.${area}`);
      expect(Object.keys(MESSAGES.nl), area).toContain(`audit.area.${area}`);
    }
  });

  const record = {
    id: 7,
    seq: 7,
    at: "2026-11-30T10:00:00Z",
    action: "invoice.issue",
    actor: "0190f0e0-0000-7000-8000-000000000001",
    actor_name: "Olivia Owner",
    target: "0190f0e0-0000-7000-8000-000000000002",
    subject_title: "2026-0001",
    outcome: "success",
    client_ip: null,
    request_id: null,
  };

  it("put names and titles in a plain sentence, in the language asked for", () => {
    expect(auditSentence(record, translator("en"))).toBe("Olivia Owner issued the invoice 2026-0001.");
    expect(auditSentence(record, translator("nl"))).toBe("Olivia Owner heeft de factuur 2026-0001 uitgegeven.");
  });

  it("fall back to the stored target, to Someone, and to Silo for the system", () => {
    const t = translator("en");
    expect(auditSentence({ ...record, actor_name: null, subject_title: null }, t)).toBe(
      "Someone issued the invoice 0190f0e0-0000-7000-8000-000000000002.",
    );
    expect(auditSentence({ ...record, actor: null, actor_name: null }, t)).toBe("Silo issued the invoice 2026-0001.");
    expect(auditSentence({ ...record, action: "something.new" }, t)).toBe("Olivia Owner: something.new 2026-0001");
  });
});

describe("audit sentence parts", () => {
  const record = {
    id: 1, seq: 1, at: "2026-11-30T10:00:00Z", action: "deal.create", actor: "a", actor_name: "Olivia Owner",
    target: "0190f0e0-0000-7000-8000-000000000009", subject_title: "Website redesign", outcome: "success", client_ip: null, request_id: null,
  };
  it("set the subject apart, to link it to its page", () => {
    expect(auditSentenceParts(record, translator("en"))).toEqual({ before: "Olivia Owner created the deal ", subject: "Website redesign", after: "." });
    expect(auditSentenceParts(record, translator("nl"))).toEqual({ before: "Olivia Owner heeft de deal ", subject: "Website redesign", after: " aangemaakt." });
    expect(auditSubjectPath(record)).toBe("/deals/0190f0e0-0000-7000-8000-000000000009");
    expect(auditSubjectPath({ ...record, action: "deal.delete" })).toBeNull();
    expect(auditSubjectPath({ ...record, action: "webhook.create" })).toBeNull();
    expect(auditSentenceParts({ ...record, action: "auth.login" }, translator("en"))).toEqual({ before: "Olivia Owner logged in.", subject: null, after: "" });
  });
});

describe("timeline labels", () => {
  it("exist for every generated event type in both languages", () => {
    for (const event of EVENT_TYPES) {
      expect(eventKey(event), event).not.toBeNull();
      expect(Object.keys(MESSAGES.nl)).toContain(`event.${event}`);
    }
    expect(eventKey("never.heard.of")).toBeNull();
  });
});

describe("pipeline totals", () => {
  it("weights by the stage's probability, rounding down to a cent", () => {
    expect(weighted(12345, 2500)).toBe(3086);
    expect(weighted(10, 5000)).toBe(5);
    expect(weighted(1, 5000)).toBe(0);
    expect(weighted(0, 10000)).toBe(0);
  });

  it("count and sum per stage and currency, in pipeline order, zero rows for empty stages", () => {
    const rows = pipelineTotals([
      { stage: "lead", currency: "EUR", value_cents: 100000 },
      { stage: "lead", currency: "EUR", value_cents: 50000 },
      { stage: "lead", currency: "USD", value_cents: 20000 },
      { stage: "proposal", currency: "EUR", value_cents: 1000001 },
      { stage: "won", currency: "EUR", value_cents: 700 },
    ]);
    expect(rows.map((r) => `${r.stage}/${r.currency}`)).toEqual(["lead/EUR", "lead/USD", "qualified/EUR", "proposal/EUR", "won/EUR", "lost/EUR"]);
    expect(rows[0]).toEqual({ stage: "lead", currency: "EUR", count: 2, value_cents: 150000, weighted_cents: 15000, probability_bp: 1000 });
    expect(rows[2]).toMatchObject({ count: 0, value_cents: 0, weighted_cents: 0 });
    expect(rows[3]).toMatchObject({ count: 1, weighted_cents: 500000 });
    expect(rows[4]).toMatchObject({ weighted_cents: 700 });
  });

  it("declare a probability for every stage", () => {
    for (const stage of STAGES) expect(STAGE_PROBABILITY_BP[stage]).toBeGreaterThanOrEqual(0);
  });

  it("let open deals be dropped on any other stage, closed ones nowhere", () => {
    expect(canDrop("lead", "won")).toBe(true);
    expect(canDrop("proposal", "lead")).toBe(true);
    expect(canDrop("lead", "lead")).toBe(false);
    expect(canDrop("won", "proposal")).toBe(false);
    expect(canDrop("lost", "lead")).toBe(false);
  });
});

describe("reports", () => {
  it("lists the months of a period, across years", () => {
    expect(monthsBetween("2025-11", "2026-02")).toEqual(["2025-11", "2025-12", "2026-01", "2026-02"]);
    expect(monthsBetween("2026-03", "2026-02")).toEqual([]);
    expect(monthsBetween("nonsense", "2026-02")).toEqual([]);
    expect(monthOf(new Date(2026, 0, 15), -1)).toBe("2025-12");
  });

  it("builds one currency's chart series with zero for months without figures", () => {
    const rows = [
      { month: "2026-01", currency: "EUR", invoiced_cents: 121000, paid_cents: 50000, open_cents: 71000, overdue_cents: 0, won_cents: 0 },
      { month: "2026-03", currency: "EUR", invoiced_cents: 100, paid_cents: 0, open_cents: 100, overdue_cents: 100, won_cents: 0 },
      { month: "2026-01", currency: "USD", invoiced_cents: 999, paid_cents: 0, won_cents: 0 },
    ];
    const chart = revenueChart(rows, "EUR", "2026-01", "2026-03");
    expect(chart.months).toEqual(["2026-01", "2026-02", "2026-03"]);
    expect(chart.series.invoiced_cents).toEqual([1210, 0, 1]);
    expect(chart.series.overdue_cents).toEqual([0, 0, 1]);
    expect(currenciesOf([{ currency: "USD" }, { currency: "EUR" }, { currency: "GBP" }])).toEqual(["EUR", "GBP", "USD"]);
  });

  it("reads top clients whatever the name and amount are called", () => {
    expect(topClient({ account_id: "a", account_name: "Acme", currency: "EUR", total_cents: 5 })).toEqual({
      account_id: "a",
      name: "Acme",
      currency: "EUR",
      invoiced_cents: 5,
      credited_cents: undefined,
      net_cents: undefined,
      paid_cents: undefined,
      open_cents: undefined,
    });
  });

  it("reads list answers with or without a wrapper", () => {
    expect(rowsOf([1, 2])).toEqual([1, 2]);
    expect(rowsOf({ months: [1] })).toEqual([1]);
    expect(rowsOf({ items: [2] })).toEqual([2]);
    expect(rowsOf(null)).toEqual([]);
  });

  it("writes CSV with quoting, CRLF, plain amounts and no formulas", () => {
    expect(csvAmount(123456)).toBe("1234.56");
    expect(csvAmount(-5)).toBe("-0.05");
    expect(csvAmount(null)).toBe("0.00");
    expect(toCsv(["client", "invoiced"], [["Acme, \"the\" BV", "12.00"], ["=HYPERLINK()", 3]])).toBe(
      'client,invoiced\r\n"Acme, ""the"" BV",12.00\r\n\'=HYPERLINK(),3\r\n',
    );
  });
});

describe("first-run checklist", () => {
  const empty = { invoicing: null, accounts: 0, deals: 0, invoices: 0, members: 1, invitations: 0 };
  it("ticks nothing for a new company", () => {
    expect(checklistSteps(empty).filter((s) => s.done)).toEqual([]);
  });
  it("ticks each step from its data", () => {
    const steps = checklistSteps({
      invoicing: { legal_name: "Acme B.V.", iban: "NL91ABNA0417164300", kvk_number: null, vat_id: "NL004495445B01" },
      accounts: 1,
      deals: 0,
      invoices: 1,
      members: 1,
      invitations: 1,
    });
    expect(Object.fromEntries(steps.map((s) => [s.key, s.done]))).toEqual({ company: true, client: true, deal: false, invoice: true, colleague: true });
    expect(checklistSteps({ ...empty, invoicing: { legal_name: "Acme", iban: null, kvk_number: "12345678", vat_id: null } })[0]?.done).toBe(false);
    expect(checklistSteps({ ...empty, members: 2 }).find((s) => s.key === "colleague")?.done).toBe(true);
    // Where the server has the address fields, they count too.
    const details = { legal_name: "Acme", iban: "NL91ABNA0417164300", kvk_number: "12345678", vat_id: null };
    expect(checklistSteps({ ...empty, invoicing: { ...details, street: "Damrak 1", postcode: null, city: "Amsterdam" } })[0]?.done).toBe(false);
    expect(checklistSteps({ ...empty, invoicing: { ...details, street: "Damrak 1", postcode: "1012 LG", city: "Amsterdam" } })[0]?.done).toBe(true);
  });
});

describe("the client form's body", () => {
  const values = {
    name: "Client BV",
    website: "",
    legal_name: " Client B.V. ",
    street: "Keizersgracht 1",
    postcode: "1015 CJ",
    city: "Amsterdam",
    country: "nl",
    vat_id: "nl 0044.95445 b01",
    kvk_number: "1234 5678",
    peppol_id: "",
    invoice_email: "billing@client.example",
    payment_terms_days: "14",
    language: "en",
  };
  it("clears empty fields, normalises codes and reads the term as a number", () => {
    expect(accountBody(values)).toEqual({
      name: "Client BV",
      website: null,
      legal_name: "Client B.V.",
      street: "Keizersgracht 1",
      postcode: "1015 CJ",
      city: "Amsterdam",
      country: "NL",
      vat_id: "NL004495445B01",
      kvk_number: "12345678",
      peppol_id: null,
      invoice_email: "billing@client.example",
      payment_terms_days: 14,
      language: "en",
    });
  });
  it("refuses a term that is no whole number of days, beside its field", () => {
    try {
      accountBody({ ...values, payment_terms_days: "two weeks" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).problems.payment_terms_days?.code).toBe("out_of_range");
    }
  });
});
