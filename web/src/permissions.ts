// What the current role is offered. Everything here derives from can(role, permission) in the
// generated role registry, so the UI never offers what the server would refuse. Which page needs
// which permission is in the route table (routes.tsx).
import { can, type Permission, type Role } from "./generated/roles";

export function allowed(role: Role | null, permission: Permission | null): boolean {
  return permission === null || can(role, permission);
}
