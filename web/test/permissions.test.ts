import { describe, expect, it } from "vitest";
import { MATRIX, ROLES } from "../src/generated/roles";
import { allowed } from "../src/permissions";
import { NAV, ROUTES, itemFor, matchRoute, navFor } from "../src/routes";
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
        const expected = item.permission === null || (MATRIX[role] as readonly string[]).includes(item.permission);
        expect(allowed(role, item.permission), `${role} ${item.path}`).toBe(expected);
      }
    }
  });

  it("finds the item of nested paths", () => {
    expect(itemFor("/invoices/0190f0e0-0000-7000-8000-000000000000")?.path).toBe("/invoices");
    expect(itemFor("/")?.path).toBe("/");
    expect(itemFor("/nowhere")).toBeUndefined();
    expect(itemFor("/deals/0190f0e0-0000-7000-8000-000000000000")?.path).toBe("/pipeline");
    expect(itemFor("/accounts/0190f0e0-0000-7000-8000-000000000000")?.path).toBe("/accounts");
  });
});

describe("the route table", () => {
  it("gives every path one route, and the navigation its labelled rows in order", () => {
    const paths = ROUTES.map((r) => r.path);
    expect(new Set(paths).size).toBe(paths.length);
    expect(NAV.map((r) => r.nav)).toEqual([
      "nav.dashboard",
      "nav.accounts",
      "nav.contacts",
      "nav.pipeline",
      "nav.contracts",
      "nav.invoices",
      "nav.reports",
      "nav.members",
      "nav.audit",
      "nav.webhooks",
      "nav.settings",
    ]);
    for (const route of ROUTES) {
      expect(matchRoute(route.path.replace(":id", "x"))?.route, route.path).toBe(route);
      if (route.access !== "company") expect(route.permission, route.path).toBeNull();
    }
  });

  it("matches parameters and nothing else", () => {
    const id = "0190f0e0-0000-7000-8000-000000000000";
    const found = matchRoute(`/invoices/${id}`);
    expect(found?.route.path).toBe("/invoices/:id");
    expect(found?.params).toEqual({ id });
    expect(found?.route.permission).toBe("invoices.read");
    expect(matchRoute("/invoices/")?.route.path).toBe("/invoices");
    expect(matchRoute("/invoices/a/b")).toBeUndefined();
    expect(matchRoute("/nowhere")).toBeUndefined();
    expect(matchRoute("/accept-invite")?.route.access).toBe("link");
    expect(matchRoute("/account")?.route.access).toBe("person");
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
