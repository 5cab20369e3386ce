import { afterEach, describe, expect, it } from "vitest";
import { ApiError, hasToken, setFetch, setToken, toApiError } from "../src/api/client";
import { exportFileName, lastOwnedCompanies } from "../src/account";
import { actions } from "../src/session";

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const refused = {
  error: {
    code: "last_owner",
    message: "you are the only owner of a company",
    companies: [
      { id: "c1", slug: "acme-k3xq7z", name: "Acme" },
      { id: 7, name: "not a company" },
      { id: "c2", name: "Bolt" },
    ],
  },
};

afterEach(() => {
  setToken(null);
  setFetch((...args) => fetch(...args));
});

describe("lastOwnedCompanies", () => {
  it("names the companies of a last_owner refusal, skipping malformed entries", async () => {
    const e = await toApiError(json(409, refused));
    expect(lastOwnedCompanies(e)).toEqual([
      { id: "c1", slug: "acme-k3xq7z", name: "Acme" },
      { id: "c2", slug: "", name: "Bolt" },
    ]);
  });

  it("is empty for other errors and for a last_owner without the list", async () => {
    expect(lastOwnedCompanies(await toApiError(json(422, { error: { code: "invalid", message: "x" } })))).toEqual([]);
    expect(lastOwnedCompanies(await toApiError(json(409, { error: { code: "last_owner", message: "x" } })))).toEqual([]);
    expect(lastOwnedCompanies(new Error("network"))).toEqual([]);
    expect(lastOwnedCompanies(null)).toEqual([]);
  });
});

describe("deleteAccount", () => {
  it("sends the password in a DELETE to /api/me and ends the session", async () => {
    const sent: { method?: string; url: string; body?: unknown }[] = [];
    setToken("t");
    setFetch(async (input, init) => {
      sent.push({ method: init?.method, url: String(input), body: init?.body ? JSON.parse(String(init.body)) : undefined });
      return new Response(null, { status: 204 });
    });
    const state = await actions.deleteAccount("secret words");
    expect(sent).toEqual([{ method: "DELETE", url: "/api/me", body: { password: "secret words" } }]);
    expect(state).toEqual({ status: "anonymous", notice: "accountDeleted" });
  });

  it("throws the refusal with its companies and keeps the session", async () => {
    setToken("t");
    setFetch(async () => json(409, refused));
    const error = await actions.deleteAccount("pw").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(lastOwnedCompanies(error).map((c) => c.name)).toEqual(["Acme", "Bolt"]);
    expect(hasToken()).toBe(true);
  });
});

it("names the download after the identity", () => {
  expect(exportFileName("abc")).toBe("silo-account-abc.json");
});
