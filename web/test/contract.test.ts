// The generated contract (web/src/generated/contract.ts, from the Rust declarations) and what the
// web app builds on it: every error code the server can answer has a message in both languages.
import { describe, expect, it } from "vitest";
import { ERROR_CODES as CLIENT_ERROR_CODES, type ErrorCode } from "../src/api/client";
import { ERROR_CODES, ERROR_STATUS, STAGES, CONTRACT_STATUSES, INVOICE_STATUSES } from "../src/generated/contract";
import { GRANTABLE, ROLES, can, grantableRoles, mayManage } from "../src/generated/roles";
import { MESSAGES } from "../src/i18n";
import type { MessageKey } from "../src/i18n/en";

// A code without an English message does not even type-check.
const everyCodeHasAKey: `error.${ErrorCode}` extends MessageKey ? true : false = true;

describe("error codes", () => {
  it("each have a message in every language", () => {
    expect(everyCodeHasAKey).toBe(true);
    for (const code of CLIENT_ERROR_CODES) {
      for (const [locale, messages] of Object.entries(MESSAGES)) {
        const text = (messages as Record<string, string | undefined>)[`error.${code}`];
        expect(text?.trim(), `${locale} has no message for ${code}`).toBeTruthy();
      }
    }
  });

  it("are all known to the client, each with an error status", () => {
    for (const code of ERROR_CODES) {
      expect(CLIENT_ERROR_CODES).toContain(code);
      expect(ERROR_STATUS[code]).toBeGreaterThanOrEqual(400);
      expect(ERROR_STATUS[code]).toBeLessThan(600);
    }
    expect(ERROR_STATUS.last_owner).toBe(409);
    expect(ERROR_STATUS.invalid).toBe(422);
  });
});

describe("wire enums", () => {
  it("have a label in every language", () => {
    const keys = [
      ...STAGES.map((s) => `stage.${s}`),
      ...CONTRACT_STATUSES.map((s) => `contracts.status.${s}`),
      ...INVOICE_STATUSES.map((s) => `invoices.status.${s}`),
    ];
    for (const key of keys) {
      expect(Object.keys(MESSAGES.en), key).toContain(key);
      expect(Object.keys(MESSAGES.nl), key).toContain(key);
    }
  });
});

describe("granting roles", () => {
  it("lets only owners grant or touch owner, and non-managers nothing", () => {
    expect(grantableRoles("owner")).toContain("owner");
    expect(grantableRoles("admin")).not.toContain("owner");
    expect(grantableRoles("admin")).toContain("finance");
    expect(grantableRoles("manager")).toEqual([]);
    expect(grantableRoles(null)).toEqual([]);
    expect(mayManage("admin", "owner")).toBe(false);
    expect(mayManage("owner", "owner")).toBe(true);
    expect(mayManage(undefined, "viewer")).toBe(false);
  });

  it("grants something only to roles that may manage members", () => {
    for (const role of ROLES) {
      expect(GRANTABLE[role].length > 0, role).toBe(can(role, "members.manage"));
    }
  });
});
