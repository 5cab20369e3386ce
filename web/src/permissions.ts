// What the current role is offered. Everything here derives from can(role, permission) in the
// generated role registry, so the UI never offers what the server would refuse.
import { can, type Permission, type Role } from "./generated/roles";
import type { MessageKey } from "./i18n/en";

export interface NavItem {
  path: string;
  label: MessageKey;
  /** Needed to see the page at all; null: every member. */
  permission: Permission | null;
}

export const NAV: readonly NavItem[] = [
  { path: "/", label: "nav.dashboard", permission: null },
  { path: "/accounts", label: "nav.accounts", permission: "crm.read" },
  { path: "/contacts", label: "nav.contacts", permission: "crm.read" },
  { path: "/pipeline", label: "nav.pipeline", permission: "deals.read" },
  { path: "/contracts", label: "nav.contracts", permission: "contracts.read" },
  { path: "/invoices", label: "nav.invoices", permission: "invoices.read" },
  { path: "/members", label: "nav.members", permission: "members.read" },
  { path: "/audit", label: "nav.audit", permission: "audit.read" },
  { path: "/settings", label: "nav.settings", permission: "company.update" },
];

export function allowed(role: Role | null, permission: Permission | null): boolean {
  return permission === null || can(role, permission);
}

/** The navigation items the role may see, in order. */
export function navFor(role: Role | null): NavItem[] {
  return NAV.filter((item) => allowed(role, item.permission));
}

/** The nav item a path belongs to (for `/invoices/123`, the invoices item). */
export function itemFor(path: string): NavItem | undefined {
  if (path === "/") return NAV[0];
  return NAV.find((item) => item.path !== "/" && (path === item.path || path.startsWith(`${item.path}/`)));
}
