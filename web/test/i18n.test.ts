import { describe, expect, it } from "vitest";
import { MESSAGES, translator } from "../src/i18n";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("translations", () => {
  it("have the same keys in English and Dutch, none empty", () => {
    const en = Object.keys(MESSAGES.en).sort();
    const nl = Object.keys(MESSAGES.nl).sort();
    expect(nl).toEqual(en);
    for (const [locale, messages] of Object.entries(MESSAGES)) {
      for (const [key, text] of Object.entries(messages)) {
        expect(text.trim(), `${locale} ${key}`).not.toBe("");
      }
    }
  });

  it("use the same placeholders in both languages", () => {
    for (const key of Object.keys(MESSAGES.en) as (keyof typeof MESSAGES.en)[]) {
      expect(placeholders(MESSAGES.nl[key]), key).toEqual(placeholders(MESSAGES.en[key]));
    }
  });

  it("fill placeholders", () => {
    expect(translator("nl")("invitations.to", { company: "Acme", role: "Kijker" })).toBe("Acme nodigt je uit als Kijker.");
    expect(translator("en")("header.role", { role: "Owner" })).toBe("Role: Owner");
  });
});

describe("role names", () => {
  it("exist in both languages for every generated role", async () => {
    const { ROLES } = await import("../src/generated/roles");
    for (const role of ROLES) {
      expect(Object.keys(MESSAGES.en)).toContain(`role.${role}`);
      expect(Object.keys(MESSAGES.nl)).toContain(`role.${role}`);
    }
  });
});
