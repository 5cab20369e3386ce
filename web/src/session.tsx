// Who is logged in, into which company, and the actions that change it. The access token itself
// stays in the API client's memory.
import { createContext, useContext } from "react";
import type { Role } from "./generated/roles";
import type { Company, CompanyChoice, InviteAccepted, InviteInfo, TokenResponse } from "./api/types";
import { api, refresh, request, setToken } from "./api/client";

export type Notice = "sessionExpired" | "loggedOut" | "loggedOutEverywhere" | "accountDeleted";

export type SessionState =
  | { status: "loading" }
  | { status: "anonymous"; notice?: Notice }
  | { status: "choosing"; companies: CompanyChoice[] }
  /** Logged in, but `company` requires two-factor and this identity has none: set it up, then switch. */
  | { status: "twoFactorSetup"; company: string; companies: CompanyChoice[] }
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
  if (answer.two_factor_setup_required) {
    return { status: "twoFactorSetup", company: answer.two_factor_setup_required, companies: answer.companies };
  }
  return { status: "choosing", companies: answer.companies };
}

/**
 * The state after a request was refused with `two_factor_setup_required`: set-up for the company
 * the request named, or else the current one. Without a session there is nothing to set up.
 */
export function setupRequired(state: SessionState, company: string | null): SessionState {
  const companies = "companies" in state ? state.companies : [];
  const target = company ?? (state.status === "ready" ? state.company.id : state.status === "twoFactorSetup" ? state.company : null);
  if (!target || state.status === "anonymous" || state.status === "loading") return state;
  return { status: "twoFactorSetup", company: target, companies };
}

function forget(): void {
  setToken(null);
  try {
    localStorage.removeItem(HAD_SESSION);
  } catch {
    // See above.
  }
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

/** A text field left blank is not sent at all. */
const optional = (text: string) => (text.trim() ? text : undefined);

export const actions = {
  /** `code`: a TOTP code or a recovery code, once the server asked for one (`two_factor_required`). */
  login: (email: string, password: string, code?: string) =>
    api.post<TokenResponse>("/api/auth/login", { email, password, code: code && optional(code) }).then(fromToken),
  /** Answers 202 for a fresh and a taken address alike: nothing to log in with until the mail's link. */
  signup: (company_name: string, email: string, password: string, name: string, language: string) =>
    api.post<void>("/api/signup", { company_name, email, password, name: optional(name), language }),
  verifyEmail: (token: string) => api.post<TokenResponse>("/api/auth/verify-email", { token }).then(fromToken),
  inviteInfo: (token: string) => api.post<InviteInfo>("/api/auth/invite-info", { token }),
  /**
   * A new person chooses a password and is logged in; an existing one accepts without a password
   * and logs in as usual next (the answer then says `login_required`).
   */
  acceptInvite: async (token: string, password: string, name: string): Promise<SessionState | InviteAccepted> => {
    const answer = await api.post<TokenResponse | InviteAccepted>("/api/auth/accept-invite", {
      token,
      password: optional(password),
      name: optional(name),
    });
    return "token" in answer ? fromToken(answer) : answer;
  },
  /** An invitation to the logged-in person's address, accepted from inside the app. */
  acceptInvitation: (id: string, company: string) =>
    api.post<TokenResponse>(`/api/invitations/${encodeURIComponent(id)}/accept`, {}, { company }).then(fromToken),
  declineInvitation: (id: string) => api.post<void>(`/api/invitations/${encodeURIComponent(id)}/decline`),
  switchTo: (company: string) => api.post<TokenResponse>("/api/auth/switch", { company }, { company }).then(fromToken),
  /** `language`: of the mail. Answers 202 alike for known and unknown addresses. */
  requestPasswordReset: (email: string, language: string) => api.post<void>("/api/auth/password-reset", { email, language }),
  confirmPasswordReset: (token: string, password: string) =>
    api.post<void>("/api/auth/password-reset/confirm", { token, password }),
  /**
   * Ends the person's other sessions, and access tokens issued before now (this one too): a fresh
   * token from this session's refresh cookie keeps this tab going without a refused request.
   */
  changePassword: async (current: string, next: string): Promise<void> => {
    await api.post<void>("/api/auth/password", { current, new: next });
    await refresh().catch(() => undefined);
  },
  logout: async (): Promise<SessionState> => {
    await request("POST", "/api/auth/logout", { headers: { "X-Silo-Refresh": "1" }, retry: false }).catch(() => undefined);
    forget();
    return { status: "anonymous", notice: "loggedOut" };
  },
  /**
   * Deletes the person's account, confirmed with the password; refused (409 `last_owner`, the
   * companies in `error.companies`) while they are a company's only owner.
   */
  deleteAccount: async (password: string): Promise<SessionState> => {
    await request<void>("DELETE", "/api/me", { body: { password } });
    forget();
    return { status: "anonymous", notice: "accountDeleted" };
  },
  /** Ends every session of this person, this one included. */
  logoutAll: async (): Promise<SessionState> => {
    await api.post<void>("/api/auth/logout-all");
    forget();
    return { status: "anonymous", notice: "loggedOutEverywhere" };
  },
};

export interface SessionContextValue {
  session: SessionState;
  setSession: (s: SessionState | ((old: SessionState) => SessionState)) => void;
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
