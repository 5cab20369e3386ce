// The typed API client. The access token lives only in this module's memory (never in
// localStorage or sessionStorage); the refresh cookie, which scripts cannot read, restores it.
import { ERROR_CODES as SERVER_ERROR_CODES } from "../generated/contract";
import type { TokenResponse } from "./types";

/**
 * Every error code the server answers (generated from the Rust declaration), plus the two the
 * client produces itself: `network` (no answer at all) and `unknown` (a code it does not know).
 */
export const ERROR_CODES = [...SERVER_ERROR_CODES, "network", "unknown"] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * What is wrong with one field of a 422 `invalid` answer (`error.problems[field]`): a code the
 * app words in the person's language, with its limits, and the server's English sentence.
 */
export interface FieldProblem {
  code: string;
  min?: number;
  max?: number;
  allowed?: string[];
  message: string;
}

/** A company named by a refusal: `error.companies` of `409 last_owner` on deleting one's account. */
export interface NamedCompany {
  id: string;
  slug: string;
  name: string;
}

/** An API refusal or failure, with the server's code and per-field problems. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** Per field, the server's English sentence (`error.fields`). */
    readonly fields: Record<string, string> = {},
    readonly retryAfter: number | null = null,
    /** Per field, the problem with its code (`error.problems`); may name fields `fields` lacks. */
    readonly problems: Record<string, FieldProblem> = {},
    /** The companies the refusal names (`error.companies`), if any. */
    readonly companies: NamedCompany[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** A problem the app finds before sending (a malformed amount, say), shown like the server's. */
  static field(field: string, problem: FieldProblem): ApiError {
    return new ApiError(422, "invalid", problem.message, { [field]: problem.message }, null, { [field]: problem });
  }
}

function knownCode(code: unknown): ErrorCode {
  return typeof code === "string" && (ERROR_CODES as readonly string[]).includes(code)
    ? (code as ErrorCode)
    : "unknown";
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `error.fields`: only the string sentences. */
function parseFields(raw: unknown): Record<string, string> {
  if (!isRecord(raw)) return {};
  return Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === "string"));
}

/** `error.problems`: each field's problem, its parts checked; a missing message falls back to `fields`. */
function parseProblems(raw: unknown, fields: Record<string, string>): Record<string, FieldProblem> {
  if (!isRecord(raw)) return {};
  const out: Record<string, FieldProblem> = {};
  for (const [field, value] of Object.entries(raw)) {
    if (!isRecord(value) || typeof value.code !== "string") continue;
    const problem: FieldProblem = {
      code: value.code,
      message: typeof value.message === "string" ? value.message : (fields[field] ?? ""),
    };
    if (typeof value.min === "number") problem.min = value.min;
    if (typeof value.max === "number") problem.max = value.max;
    if (Array.isArray(value.allowed)) problem.allowed = value.allowed.filter((a): a is string => typeof a === "string");
    out[field] = problem;
  }
  return out;
}

/** `error.companies`: only entries with a string id and name. */
export function parseCompanies(raw: unknown): NamedCompany[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter(isRecord)
    .filter((c) => typeof c.id === "string" && typeof c.name === "string")
    .map((c) => ({ id: c.id as string, slug: typeof c.slug === "string" ? c.slug : "", name: c.name as string }));
}

/** Turns a non-2xx answer into an ApiError, whatever its body. */
export async function toApiError(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page, say): the status alone decides below.
  }
  const error = (
    body as { error?: { code?: unknown; message?: unknown; fields?: unknown; problems?: unknown; companies?: unknown } } | null
  )?.error;
  const retry = Number(response.headers.get("Retry-After"));
  let code = knownCode(error?.code);
  if (code === "unknown" && response.status >= 500) code = "internal";
  const fields = parseFields(error?.fields);
  return new ApiError(
    response.status,
    code,
    typeof error?.message === "string" ? error.message : response.statusText,
    fields,
    Number.isFinite(retry) && retry > 0 ? retry : null,
    parseProblems(error?.problems, fields),
    parseCompanies(error?.companies),
  );
}

let accessToken: string | null = null;
let onUnauthenticated: (() => void) | null = null;
let onSetupRequired: ((company: string | null) => void) | null = null;

export function setToken(token: string | null): void {
  accessToken = token;
}

export function hasToken(): boolean {
  return accessToken !== null;
}

/** Called when a request is refused with 401 after the session could not be refreshed. */
export function onSessionLost(handler: (() => void) | null): void {
  onUnauthenticated = handler;
}

/**
 * Called when a request is refused with 403 `two_factor_setup_required`: the company demands
 * two-factor authentication and this identity has none yet. The argument is the company the
 * request was for when the caller named it (switching, accepting an invitation), else null: the
 * current company.
 */
export function onTwoFactorSetupRequired(handler: ((company: string | null) => void) | null): void {
  onSetupRequired = handler;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Whether to try a refresh and repeat the request once on 401 (default true). */
  retry?: boolean;
  /** The company the request is about, when it is not the current one (see onTwoFactorSetupRequired). */
  company?: string;
  /** Whether a read refused with 503 `busy` waits its `Retry-After` and is tried once more (default true). */
  retryBusy?: boolean;
}

/** The longest `Retry-After` a read waits out by itself before showing the refusal. */
export const BUSY_RETRY_MAX_SECONDS = 5;

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let fetcher: typeof fetch = (...args) => fetch(...args);
/** For tests: replace the network. */
export function setFetch(f: typeof fetch): void {
  fetcher = f;
}

export async function request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  let response: Response;
  try {
    response = await fetcher(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "network", "network error");
  }
  if (response.status === 401 && options.retry !== false && accessToken && !path.startsWith("/api/auth/")) {
    // The 15-minute access token expired: get a new one from the session and try once more.
    const refreshed = await refresh().catch(() => null);
    if (refreshed) return request<T>(method, path, { ...options, retry: false });
    onUnauthenticated?.();
  }
  if (!response.ok) {
    const error = await toApiError(response);
    if (error.code === "two_factor_setup_required") onSetupRequired?.(options.company ?? null);
    // A company at its bound of requests in flight answers `busy` at once: a read (which
    // changes nothing) is tried once more after the wait the server asked for.
    if (
      error.code === "busy" &&
      method === "GET" &&
      options.retryBusy !== false &&
      error.retryAfter !== null &&
      error.retryAfter <= BUSY_RETRY_MAX_SECONDS
    ) {
      await wait(error.retryAfter * 1000);
      return request<T>(method, path, { ...options, retryBusy: false });
    }
    throw error;
  }
  // 204, and a 202 may come without a body.
  const text = response.status === 204 ? "" : await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

let refreshing: Promise<TokenResponse> | null = null;

/**
 * A new access token from the refresh cookie. Concurrent callers share one request, and tabs take
 * turns through a Web Lock, because a refresh token is single-use: two tabs presenting the same
 * one would look like theft and end the session.
 */
export function refresh(): Promise<TokenResponse> {
  if (!refreshing) {
    const run = async () => {
      const answer = await request<TokenResponse>("POST", "/api/auth/refresh", {
        headers: { "X-Silo-Refresh": "1" },
        retry: false,
      });
      setToken(answer.token);
      return answer;
    };
    const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
    // The lock callback returns a promise; the lock is held until it settles.
    const started: Promise<TokenResponse> = locks ? locks.request("silo-refresh", run).then((answer) => answer) : run();
    refreshing = started.finally(() => {
      refreshing = null;
    });
    return refreshing;
  }
  return refreshing;
}

export const api = {
  get: <T>(path: string) => request<T>("GET", path),
  post: <T>(path: string, body?: unknown, options: Omit<RequestOptions, "body"> = {}) =>
    request<T>("POST", path, { ...options, body: body ?? {} }),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, { body }),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, { body }),
  del: (path: string) => request<void>("DELETE", path),
};

/** A query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/**
 * A request whose body or answer is not JSON (a PDF to download, a logo to upload): the same
 * token, one refresh on 401, and the same errors as `request`. Answers the response itself.
 */
export async function requestRaw(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: Blob, retry = true): Promise<Response> {
  const headers: Record<string, string> = {};
  if (body) headers["Content-Type"] = body.type || "application/octet-stream";
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  let response: Response;
  try {
    response = await fetcher(path, { method, headers, body, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "network", "network error");
  }
  if (response.status === 401 && retry && accessToken) {
    const refreshed = await refresh().catch(() => null);
    if (refreshed) return requestRaw(method, path, body, false);
    onUnauthenticated?.();
  }
  if (!response.ok) throw await toApiError(response);
  return response;
}

/**
 * Downloads a file the API answers (with the access token a plain link cannot carry); with a
 * `body`, POSTs it as JSON (what must not be in an address, a person's details say).
 */
export async function download(path: string, fallbackName: string, body?: unknown): Promise<void> {
  const response =
    body === undefined
      ? await requestRaw("GET", path)
      : await requestRaw("POST", path, new Blob([JSON.stringify(body)], { type: "application/json" }));
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
