// The portal's API client: the agency's client signs in by magic link and gets a portal session
// token, kept in this tab's sessionStorage (never localStorage: closing the tab ends it) and sent
// as `Authorization: Bearer`. It shares nothing with the staff client's token or refresh cookie.
import { ApiError, toApiError } from "../api/client";

const TOKEN_KEY = "silo.portal.token";
/** The agency's sign-in address (`/portal/k/<key>`) last used in this browser: a way back. */
const KEY_KEY = "silo.portal.key";

let lostHandler: (() => void) | null = null;

export function portalToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return memoryToken;
  }
}
let memoryToken: string | null = null;

export function setPortalToken(token: string | null): void {
  memoryToken = token;
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: the token lives in memory for this page only.
  }
}

/** The last sign-in address key seen in this browser, or null. */
export function rememberedKey(): string | null {
  try {
    return localStorage.getItem(KEY_KEY);
  } catch {
    return null;
  }
}

export function rememberKey(key: string): void {
  try {
    localStorage.setItem(KEY_KEY, key);
  } catch {
    // Not remembered; the mail's links still work.
  }
}

/** Called when the portal refuses the session (401): it ended, expired or the user was removed. */
export function onPortalSessionLost(handler: (() => void) | null): void {
  lostHandler = handler;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

async function send(method: Method, path: string, body?: BodyInit, contentType?: string): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (contentType) headers["Content-Type"] = contentType;
  const token = portalToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body, credentials: "omit" });
  } catch {
    throw new ApiError(0, "network", "network error");
  }
  if (!response.ok) {
    if (response.status === 401 && token) {
      setPortalToken(null);
      lostHandler?.();
    }
    throw await toApiError(response);
  }
  return response;
}

async function json<T>(response: Response): Promise<T> {
  const text = response.status === 204 ? "" : await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const portalApi = {
  get: async <T>(path: string) => json<T>(await send("GET", path)),
  post: async <T>(path: string, body: unknown = {}) => json<T>(await send("POST", path, JSON.stringify(body), "application/json")),
  del: async (path: string) => {
    await send("DELETE", path);
  },
  /** Uploads raw bytes (a file) with their type. */
  upload: async <T>(path: string, file: Blob) => json<T>(await send("POST", path, file, file.type || "application/octet-stream")),
  raw: (path: string) => send("GET", path),
};

/** Saves a file the portal answers (a plain link cannot carry the token). */
export async function portalDownload(path: string, fallbackName: string): Promise<void> {
  const response = await send("GET", path);
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

/** A blob as a `data:` URL (the page's content policy allows data: images, not blob: ones). */
export function dataUrl(blob: Blob): Promise<string> {
  return new Promise((ok, fail) => {
    const reader = new FileReader();
    reader.onload = () => ok(String(reader.result));
    reader.onerror = () => fail(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** The hex SHA-256 of a text's UTF-8 bytes, to check the document shown is the one signed. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
