// Who is logged in, into which company, and the actions that change it. The access token itself
// stays in the API client's memory.
import { createContext, useContext } from "react";
import type { Role } from "./generated/roles";
import type { Company, CompanyChoice, TokenResponse } from "./api/types";
import { api, refresh, request, setToken } from "./api/client";

export type SessionState =
  | { status: "loading" }
  | { status: "anonymous"; notice?: "sessionExpired" | "loggedOut" }
  | { status: "choosing"; companies: CompanyChoice[] }
  | { status: "ready"; company: Company; role: Role; companies: CompanyChoice[] };

// Not a secret: only whether this browser had a session, to tell "expired" from "first visit".
const HAD_SESSION = "silo.hadSession";

export function fromToken(answer: TokenResponse): SessionState {
  setToken(answer.token);
  try {
    localStorage.setItem(HAD_SESSION, "1");
  } catch {
    // Storage may be disabled; the notice is a nicety.
  }
  if (answer.company && answer.role) {
    return { status: "ready", company: answer.company, role: answer.role, companies: answer.companies };
  }
  return { status: "choosing", companies: answer.companies };
}

export function lost(): SessionState {
  setToken(null);
  let had = false;
  try {
    had = localStorage.getItem(HAD_SESSION) === "1";
    localStorage.removeItem(HAD_SESSION);
  } catch {
    // See above.
  }
  return had ? { status: "anonymous", notice: "sessionExpired" } : { status: "anonymous" };
}

export async function restore(): Promise<SessionState> {
  // Without a session on record there is no cookie to try, and a refused refresh would only add
  // a failed request to a first visit.
  let had = false;
  try {
    had = localStorage.getItem(HAD_SESSION) === "1";
  } catch {
    had = true;
  }
  if (!had) return { status: "anonymous" };
  try {
    return fromToken(await refresh());
  } catch {
    return lost();
  }
}

export const actions = {
  login: (email: string, password: string, company?: string) =>
    api.post<TokenResponse>("/api/auth/login", { email, password, company }).then(fromToken),
  signup: (company_name: string, email: string, password: string, name: string) =>
    api.post<TokenResponse>("/api/signup", { company_name, email, password, name: name || undefined }).then(fromToken),
  acceptInvite: (token: string, password: string, name: string) =>
    api.post<TokenResponse>("/api/auth/accept-invite", { token, password, name: name || undefined }).then(fromToken),
  switchTo: (company: string) => api.post<TokenResponse>("/api/auth/switch", { company }).then(fromToken),
  logout: async (): Promise<SessionState> => {
    await request("POST", "/api/auth/logout", { headers: { "X-Silo-Refresh": "1" }, retry: false }).catch(() => undefined);
    setToken(null);
    try {
      localStorage.removeItem(HAD_SESSION);
    } catch {
      // See above.
    }
    return { status: "anonymous", notice: "loggedOut" };
  },
};

export interface SessionContextValue {
  session: SessionState;
  setSession: (s: SessionState) => void;
}

export const SessionContext = createContext<SessionContextValue>({
  session: { status: "loading" },
  setSession: () => {},
});

export function useSession(): SessionContextValue {
  return useContext(SessionContext);
}

/** The role in the current company, or null when none is chosen. */
export function useRole(): Role | null {
  const { session } = useSession();
  return session.status === "ready" ? session.role : null;
}
