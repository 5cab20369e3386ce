// Names of the company's people (deal owners, who moved a deal): the member list where the role
// may read it, and always the person's own name.
import type { Me, Member } from "../api/types";
import { can } from "../generated/roles";
import { useAll, useFetch } from "../hooks";
import { useRole } from "../session";

export function usePeople() {
  const role = useRole();
  const me = useFetch<Me>("/api/me");
  const members = useAll<Member>(can(role, "members.read") ? "/api/members" : null);
  const names = new Map<string, string>();
  for (const m of members.data ?? []) names.set(m.identity_id, m.name || m.email);
  const myId = me.data?.identity.id ?? null;
  if (me.data && myId) names.set(myId, me.data.identity.name || me.data.identity.email);
  return {
    myId,
    /** Everyone known by name, sorted (for an owner filter). */
    list: [...names.entries()].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name)),
    name: (id: string | null | undefined) => (id ? names.get(id) : undefined),
  };
}
