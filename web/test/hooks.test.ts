import { afterEach, describe, expect, it } from "vitest";
import { setFetch } from "../src/api/client";
import { MAX_PAGE_SIZE, fetchAll, itemKey } from "../src/hooks";

afterEach(() => setFetch((...args) => fetch(...args)));

describe("fetchAll", () => {
  it("follows the cursor to the last page, in the largest pages the API gives", async () => {
    const asked: string[] = [];
    const pages: Record<string, { items: number[]; next_cursor: string | null }> = {
      "": { items: [1, 2], next_cursor: "c2" },
      c2: { items: [3, 4], next_cursor: "c3" },
      c3: { items: [5], next_cursor: null },
    };
    setFetch(async (input) => {
      const url = new URL(String(input), "http://silo.test");
      asked.push(url.pathname + url.search);
      const page = pages[url.searchParams.get("cursor") ?? ""];
      return new Response(JSON.stringify(page), { status: 200, headers: { "Content-Type": "application/json" } });
    });
    expect(await fetchAll<number>("/api/deals", { q: "x" })).toEqual([1, 2, 3, 4, 5]);
    expect(asked).toEqual([
      `/api/deals?q=x&limit=${MAX_PAGE_SIZE}`,
      `/api/deals?q=x&cursor=c2&limit=${MAX_PAGE_SIZE}`,
      `/api/deals?q=x&cursor=c3&limit=${MAX_PAGE_SIZE}`,
    ]);
  });

  it("keeps the filters written into the path", async () => {
    const asked: string[] = [];
    setFetch(async (input) => {
      const url = new URL(String(input), "http://silo.test");
      asked.push(url.pathname + url.search);
      return new Response(JSON.stringify({ items: [1], next_cursor: null }), { status: 200, headers: { "Content-Type": "application/json" } });
    });
    expect(await fetchAll<number>("/api/tasks?project_id=p%201")).toEqual([1]);
    expect(asked).toEqual([`/api/tasks?project_id=p+1&limit=${MAX_PAGE_SIZE}`]);
  });

  it("stops at the first refused page", async () => {
    setFetch(async () => new Response(JSON.stringify({ error: { code: "forbidden", message: "no" } }), { status: 403 }));
    await expect(fetchAll("/api/deals")).rejects.toMatchObject({ code: "forbidden" });
  });
});

describe("itemKey", () => {
  it("knows records by id, members by identity id", () => {
    expect(itemKey({ id: "a" })).toBe("a");
    expect(itemKey({ id: 7 })).toBe("7");
    expect(itemKey({ identity_id: "m" })).toBe("m");
  });
});
