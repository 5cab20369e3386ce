// Field problems of 422 answers: kept by the client and worded in the person's language.
import { describe, expect, it } from "vitest";
import { ApiError, toApiError, type FieldProblem } from "../src/api/client";
import { MESSAGES, problemMessage, translator } from "../src/i18n";
import { fieldProblems } from "../src/components/ui";
import { PROBLEM_CODES } from "../src/generated/contract";


const invalid = (body: unknown) =>
  new Response(JSON.stringify(body), { status: 422, headers: { "Content-Type": "application/json" } });
const en = translator("en");
const nl = translator("nl");

describe("reading problems from a 422 answer", () => {
  it("keeps each field's problem beside the English sentences", async () => {
    const e = await toApiError(
      invalid({
        error: {
          code: "invalid",
          message: "some fields are invalid",
          fields: { name: "must be at most 200 characters", stage: "must be one of lead, won" },
          problems: {
            name: { code: "too_long", max: 200, message: "must be at most 200 characters" },
            stage: { code: "not_allowed", allowed: ["lead", "won"], message: "must be one of lead, won" },
          },
        },
      }),
    );
    expect(e.fields.name).toBe("must be at most 200 characters");
    expect(e.problems).toEqual({
      name: { code: "too_long", max: 200, message: "must be at most 200 characters" },
      stage: { code: "not_allowed", allowed: ["lead", "won"], message: "must be one of lead, won" },
    });
  });

  it("answers without problems, or with malformed ones, as before", async () => {
    const old = await toApiError(invalid({ error: { code: "invalid", message: "x", fields: { email: "must contain @" } } }));
    expect(old.problems).toEqual({});
    const odd = await toApiError(
      invalid({
        error: {
          code: "invalid",
          message: "x",
          fields: { a: "is required", b: 7 },
          problems: { a: { code: "required" }, b: "nonsense", c: { max: 3 }, d: { code: "too_long", max: "3", message: "long" } },
        },
      }),
    );
    expect(odd.fields).toEqual({ a: "is required" });
    // A missing message falls back to the field's sentence; limits of the wrong type are dropped.
    expect(odd.problems).toEqual({ a: { code: "required", message: "is required" }, d: { code: "too_long", message: "long" } });
  });
});

describe("wording problems", () => {
  it("has a text for every problem code in both languages", () => {
    for (const code of PROBLEM_CODES) {
      expect(Object.keys(MESSAGES.en), code).toContain(`problem.${code}`);
      expect(Object.keys(MESSAGES.nl), code).toContain(`problem.${code}`);
    }
  });

  it("fills the limits in", () => {
    const long: FieldProblem = { code: "too_long", max: 200, message: "must be at most 200 characters" };
    expect(problemMessage(long, en, "en")).toBe("At most 200 characters.");
    expect(problemMessage(long, nl, "nl")).toBe("Maximaal 200 tekens.");
    expect(problemMessage({ code: "too_short", min: 12, message: "short" }, nl, "nl")).toBe("Minimaal 12 tekens.");
    expect(problemMessage({ code: "not_allowed", allowed: ["lead", "won"], message: "m" }, nl, "nl")).toBe(
      "Moet een van deze zijn: lead, won.",
    );
    expect(problemMessage({ code: "required", message: "is required" }, nl, "nl")).toBe("Verplicht.");
  });

  it("words ranges open on one side, with numbers in the locale", () => {
    const range = (min?: number, max?: number): FieldProblem => ({ code: "out_of_range", min, max, message: "out of range" });
    expect(problemMessage(range(1, 200), en, "en")).toBe("Must be between 1 and 200.");
    expect(problemMessage(range(0, 100_000_000_000_000), nl, "nl")).toBe("Moet tussen 0 en 100.000.000.000.000 liggen.");
    expect(problemMessage(range(1), nl, "nl")).toBe("Moet minstens 1 zijn.");
    expect(problemMessage(range(undefined, 10), en, "en")).toBe("Must be at most 10.");
    expect(problemMessage(range(), nl, "nl")).toBe("out of range");
  });

  it("falls back to the server's English where it cannot word the problem itself", () => {
    // `rule`: a rule only the server words.
    const rule: FieldProblem = { code: "rule", message: "turn on two-factor authentication for yourself first" };
    expect(problemMessage(rule, nl, "nl")).toBe("turn on two-factor authentication for yourself first");
    // A code newer than this app.
    expect(problemMessage({ code: "not_a_planet", message: "is not a planet" }, nl, "nl")).toBe("is not a planet");
    // A limit the text needs is missing.
    expect(problemMessage({ code: "too_long", message: "is too long" }, nl, "nl")).toBe("is too long");
    // Nothing at all: the general message.
    expect(problemMessage({ code: "rule", message: "" }, nl, "nl")).toBe(nl("error.invalid"));
  });

  it("words every code without leaving a key or placeholder behind", () => {
    for (const [t, locale] of [[en, "en"], [nl, "nl"]] as const) {
      for (const code of PROBLEM_CODES) {
        const text = problemMessage({ code, min: 1, max: 9, allowed: ["a"], message: "fallback" }, t, locale);
        expect(text, `${locale} ${code}`).not.toMatch(/problem\.|\{\w+\}/);
      }
    }
  });

  it("lists each field once: from problems where given, else the sentence", () => {
    const e = new ApiError(422, "invalid", "", { name: "must be at most 3 characters", email: "must contain @" }, null, {
      name: { code: "too_long", max: 3, message: "must be at most 3 characters" },
      "lines[0].quantity": { code: "wrong_type", message: "is not a number" },
    });
    expect(fieldProblems(e, nl, "nl")).toEqual([
      ["name", "Maximaal 3 tekens."],
      ["lines[0].quantity", "Niet het juiste soort waarde."],
      ["email", "must contain @"],
    ]);
    expect(fieldProblems(new Error("x"), nl, "nl")).toEqual([]);
  });

  it("words problems the app finds itself like the server's", () => {
    const e = ApiError.field("value_cents", { code: "not_amount", message: "is not an amount" });
    expect([e.status, e.code, e.fields.value_cents]).toEqual([422, "invalid", "is not an amount"]);
    expect(fieldProblems(e, nl, "nl")).toEqual([["value_cents", "Geen bedrag (bijvoorbeeld 1.234,56)."]]);
  });
});
