import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, ERROR_CODES, api, onTwoFactorSetupRequired, query, setFetch, setToken, toApiError } from "../src/api/client";
import { errorMessage, translator } from "../src/i18n";

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

afterEach(() => {
  setToken(null);
  onTwoFactorSetupRequired(null);
  setFetch((...args) => fetch(...args));
});

describe("toApiError", () => {
  it("keeps the code, message and fields of an api.md error body", async () => {
    const e = await toApiError(json(422, { error: { code: "invalid", message: "bad", fields: { email: "must contain @" } } }));
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.code, e.message, e.fields]).toEqual([422, "invalid", "bad", { email: "must contain @" }]);
  });

  it("reads Retry-After on 429", async () => {
    const e = await toApiError(json(429, { error: { code: "rate_limited", message: "slow" } }, { "Retry-After": "42" }));
    expect(e.retryAfter).toBe(42);
    expect(errorMessage(e, translator("en"))).toBe("Too many attempts. Try again in 42 seconds.");
  });

  it("reads Retry-After on 503 busy", async () => {
    const e = await toApiError(json(503, { error: { code: "busy", message: "busy" } }, { "Retry-After": "2" }));
    expect([e.code, e.retryAfter]).toEqual(["busy", 2]);
    expect(errorMessage(e, translator("nl"))).toBe("Silo heeft het nu druk. Probeer het over 2 seconden opnieuw.");
  });

  it("maps unknown codes and non-JSON server failures to generic ones", async () => {
    expect((await toApiError(json(409, { error: { code: "brand_new", message: "?" } }))).code).toBe("unknown");
    expect((await toApiError(new Response("<html>bad gateway</html>", { status: 502 }))).code).toBe("internal");
  });
});

describe("request", () => {
  it("waits out a busy read's Retry-After once, and never repeats a write", async () => {
    vi.useFakeTimers();
    try {
      const calls: string[] = [];
      const answers = [
        json(503, { error: { code: "busy", message: "busy" } }, { "Retry-After": "1" }),
        json(200, { ok: true }),
        json(503, { error: { code: "busy", message: "busy" } }, { "Retry-After": "1" }),
      ];
      setFetch(async (input, init) => {
        calls.push(`${init?.method} ${String(input)}`);
        return answers.shift()!;
      });
      const read = api.get("/api/contacts");
      await vi.advanceTimersByTimeAsync(999);
      expect(calls).toEqual(["GET /api/contacts"]);
      await vi.advanceTimersByTimeAsync(1);
      expect(await read).toEqual({ ok: true });
      expect(calls).toEqual(["GET /api/contacts", "GET /api/contacts"]);
      await expect(api.post("/api/contacts", { name: "x" })).rejects.toMatchObject({ code: "busy", retryAfter: 1 });
      expect(calls).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it("shows a second busy answer to a read instead of waiting again", async () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      setFetch(async () => {
        calls += 1;
        return json(503, { error: { code: "busy", message: "busy" } }, { "Retry-After": "1" });
      });
      const read = api.get("/api/contacts");
      const outcome = expect(read).rejects.toMatchObject({ code: "busy" });
      await vi.advanceTimersByTimeAsync(1000);
      await outcome;
      expect(calls).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("sends the token in memory as a bearer header and parses JSON", async () => {
    let seen: Headers | null = null;
    setFetch(async (_input, init) => {
      seen = new Headers(init?.headers);
      return json(200, { ok: true });
    });
    setToken("abc");
    expect(await api.get("/api/me")).toEqual({ ok: true });
    expect(seen!.get("Authorization")).toBe("Bearer abc");
  });

  it("throws ApiError with the server's code", async () => {
    setFetch(async () => json(403, { error: { code: "forbidden", message: "no" } }));
    await expect(api.get("/api/audit")).rejects.toMatchObject({ status: 403, code: "forbidden" });
  });

  it("turns a network failure into the network code", async () => {
    setFetch(async () => {
      throw new TypeError("offline");
    });
    await expect(api.get("/api/me")).rejects.toMatchObject({ code: "network" });
  });

  it("refreshes once on 401 and repeats the request with the new token", async () => {
    const calls: string[] = [];
    setFetch(async (input, init) => {
      const url = String(input);
      const auth = new Headers(init?.headers).get("Authorization");
      calls.push(`${url} ${auth}`);
      if (url === "/api/auth/refresh") {
        expect(new Headers(init?.headers).get("X-Silo-Refresh")).toBe("1");
        return json(200, { token: "new", companies: [], company: null, role: null });
      }
      return auth === "Bearer new" ? json(200, { items: [] }) : json(401, { error: { code: "unauthenticated", message: "" } });
    });
    setToken("old");
    expect(await api.get("/api/accounts")).toEqual({ items: [] });
    expect(calls).toEqual(["/api/accounts Bearer old", "/api/auth/refresh Bearer old", "/api/accounts Bearer new"]);
  });
});

describe("two-factor set-up required", () => {
  it("tells the app which company asked, then still throws", async () => {
    const seen: (string | null)[] = [];
    onTwoFactorSetupRequired((company) => seen.push(company));
    setFetch(async () => json(403, { error: { code: "two_factor_setup_required", message: "" } }));
    setToken("abc");
    await expect(api.get("/api/deals")).rejects.toMatchObject({ status: 403, code: "two_factor_setup_required" });
    await expect(api.post("/api/auth/switch", { company: "c2" }, { company: "c2" })).rejects.toMatchObject({
      code: "two_factor_setup_required",
    });
    expect(seen).toEqual([null, "c2"]);
  });

  it("is not called for other refusals", async () => {
    const seen: (string | null)[] = [];
    onTwoFactorSetupRequired((company) => seen.push(company));
    setFetch(async () => json(403, { error: { code: "forbidden", message: "" } }));
    await expect(api.get("/api/audit")).rejects.toMatchObject({ code: "forbidden" });
    expect(seen).toEqual([]);
  });
});

describe("query", () => {
  it("keeps only set values", () => {
    expect(query({ q: "acme", cursor: null, limit: 50, action: "" })).toBe("?q=acme&limit=50");
    expect(query({})).toBe("");
  });
});

describe("error messages", () => {
  it("has a translated message for every error code in both languages", () => {
    for (const locale of ["en", "nl"] as const) {
      const t = translator(locale);
      for (const code of ERROR_CODES) {
        const text = errorMessage(new ApiError(400, code, ""), t);
        expect(text, `${locale} ${code}`).not.toBe("");
        expect(text).not.toContain("error.");
      }
    }
  });
});
