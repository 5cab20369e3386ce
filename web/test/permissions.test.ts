import { describe, expect, it } from "vitest";
import { MATRIX, ROLES } from "../src/generated/roles";
import { NAV, allowed, itemFor, navFor } from "../src/permissions";
import { moveTargets } from "../src/pages/Pipeline";

describe("navigation gating", () => {
  it("shows a viewer only what a viewer may read", () => {
    expect(navFor("viewer").map((i) => i.path)).toEqual(["/", "/accounts", "/contacts", "/pipeline", "/contracts", "/invoices"]);
  });

  it("shows an owner everything and nobody nothing without a role", () => {
    expect(navFor("owner")).toHaveLength(NAV.length);
    expect(navFor(null).map((i) => i.path)).toEqual(["/"]);
  });

  it("follows the generated matrix for every role and item", () => {
    for (const role of ROLES) {
      for (const item of NAV) {
        const expected = item.permission === null || MATRIX[role].includes(item.permission);
        expect(allowed(role, item.permission), `${role} ${item.path}`).toBe(expected);
      }
    }
  });

  it("finds the item of nested paths", () => {
    expect(itemFor("/invoices/0190f0e0-0000-7000-8000-000000000000")?.path).toBe("/invoices");
    expect(itemFor("/")?.path).toBe("/");
    expect(itemFor("/nowhere")).toBeUndefined();
  });
});

describe("pipeline moves", () => {
  it("offers neighbours and the closing stages, nothing once closed", () => {
    expect(moveTargets("lead")).toEqual(["qualified", "won", "lost"]);
    expect(moveTargets("proposal")).toEqual(["qualified", "won", "lost"]);
    expect(moveTargets("won")).toEqual([]);
    expect(moveTargets("lost")).toEqual([]);
  });
});
