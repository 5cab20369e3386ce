import { describe, expect, it } from "vitest";
import { MATRIX, ROLES } from "../src/generated/roles";
import { allowed } from "../src/permissions";
import { NAV, ROUTES, itemFor, matchRoute, navFor } from "../src/routes";
import { moveTargets } from "../src/pages/Pipeline";

describe("navigation gating", () => {
  it("shows a viewer only what a viewer may read", () => {
    expect(navFor("viewer").map((i) => i.path)).toEqual(["/", "/accounts", "/contacts", "/pipeline", "/contracts", "/projects", "/invoices"]);
  });

  it("gives delivery people projects and their timesheet, not approvals or invoices", () => {
    const paths = navFor("delivery").map((i) => i.path);
    expect(paths).toContain("/projects");
    expect(paths).toContain("/timesheet");
    expect(paths).not.toContain("/approvals");
    expect(paths).not.toContain("/invoices");
    expect(navFor("manager").map((i) => i.path)).toContain("/approvals");
  });

  it("offers attribution to the roles with attribution.read, its pages under one item", () => {
    for (const role of ["owner", "admin", "manager", "marketing", "finance"] as const) expect(navFor(role).map((i) => i.path)).toContain("/attribution");
    for (const role of ["sales", "delivery", "viewer"] as const) expect(navFor(role).map((i) => i.path)).not.toContain("/attribution");
    expect(itemFor("/attribution/sites/0190f0e0-0000-7000-8000-000000000000")?.path).toBe("/attribution");
    expect(itemFor("/attribution/destinations")?.path).toBe("/attribution");
    expect(matchRoute("/attribution/conversions")?.route.permission).toBe("attribution.read");
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
    expect(itemFor("/projects/0190f0e0-0000-7000-8000-000000000000")?.path).toBe("/projects");
    expect(itemFor("/invoices/from-time")?.path).toBe("/invoices");
    expect(matchRoute("/invoices/from-time")?.route.permission).toBe("invoices.write");
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
      "nav.projects",
      "nav.timesheet",
      "nav.approvals",
      "nav.invoices",
      "nav.reports",
      "nav.utilisation",
      "nav.attribution",
      "nav.members",
      "nav.audit",
      "nav.webhooks",
      "nav.privacy",
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
