import { afterEach, describe, expect, it } from "vitest";
import { setFetch, setToken } from "../src/api/client";
import type { TokenResponse } from "../src/api/types";
import { actions, fromToken, setupRequired, type SessionState } from "../src/session";

const company = {
  id: "c1",
  slug: "acme",
  name: "Acme",
  plan: "starter",
  status: "active",
  require_two_factor: false,
  created_at: "2025-01-01T00:00:00Z",
  updated_at: "2025-01-01T00:00:00Z",
} as const;
const choices = [
  { id: "c1", slug: "acme", name: "Acme", role: "owner" },
  { id: "c2", slug: "beta", name: "Beta", role: "viewer" },
] as const;
const token = (extra: Partial<TokenResponse>): TokenResponse => ({
  token: "t",
  token_type: "Bearer",
  expires_in: 900,
  company: null,
  role: null,
  companies: [...choices],
  ...extra,
});
const json = (status: number, body: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

afterEach(() => {
  setToken(null);
  setFetch((...args) => fetch(...args));
});

describe("fromToken", () => {
  it("is ready with a company, choosing without one", () => {
    expect(fromToken(token({ company, role: "owner" })).status).toBe("ready");
    expect(fromToken(token({})).status).toBe("choosing");
  });

  it("asks for two-factor set-up when the login says the company requires it", () => {
    expect(fromToken(token({ two_factor_setup_required: "c2" }))).toEqual({
      status: "twoFactorSetup",
      company: "c2",
      companies: choices,
    });
  });
});

describe("setupRequired", () => {
  const ready: SessionState = { status: "ready", company, role: "owner", companies: [...choices] };

  it("sets up for the company the request named, else the current one", () => {
    expect(setupRequired(ready, "c2")).toMatchObject({ status: "twoFactorSetup", company: "c2" });
    expect(setupRequired(ready, null)).toMatchObject({ status: "twoFactorSetup", company: "c1" });
    expect(setupRequired({ status: "choosing", companies: [...choices] }, "c1")).toMatchObject({ company: "c1" });
  });

  it("leaves a state without a session or a company alone", () => {
    expect(setupRequired({ status: "anonymous" }, "c1")).toEqual({ status: "anonymous" });
    const choosing: SessionState = { status: "choosing", companies: [] };
    expect(setupRequired(choosing, null)).toBe(choosing);
  });
});

describe("actions", () => {
  it("sends a login code only when there is one", async () => {
    const bodies: unknown[] = [];
    setFetch(async (_input, init) => {
      bodies.push(JSON.parse(String(init?.body)));
      return json(200, token({ company, role: "owner" }));
    });
    await actions.login("a@b.test", "pw");
    await actions.login("a@b.test", "pw", "123456");
    expect(bodies).toEqual([
      { email: "a@b.test", password: "pw" },
      { email: "a@b.test", password: "pw", code: "123456" },
    ]);
  });

  it("signs up without logging in (202, with or without a body)", async () => {
    setFetch(async () => json(202, { status: "verification_sent" }));
    await expect(actions.signup("Acme", "a@b.test", "a long password", "", "nl")).resolves.toEqual({ status: "verification_sent" });
    setFetch(async () => new Response(null, { status: 202 }));
    await expect(actions.signup("Acme", "a@b.test", "a long password", "", "nl")).resolves.toBeUndefined();
  });

  it("accepts an invitation: a session for a new person, 'log in' for an existing one", async () => {
    const bodies: unknown[] = [];
    setFetch(async (_input, init) => {
      const body = JSON.parse(String(init?.body)) as { password?: string };
      bodies.push(body);
      return body.password
        ? json(200, token({ company, role: "viewer" }))
        : json(200, { status: "accepted", company: { id: "c1", slug: "acme", name: "Acme" }, login_required: true });
    });
    expect(await actions.acceptInvite("tok", "a long password", "Ann")).toMatchObject({ status: "ready" });
    expect(await actions.acceptInvite("tok", "", "")).toMatchObject({ status: "accepted", login_required: true });
    expect(bodies).toEqual([{ token: "tok", password: "a long password", name: "Ann" }, { token: "tok" }]);
  });
});
