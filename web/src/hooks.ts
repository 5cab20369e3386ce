// Loading data for a page (a list with search and "load more", every page of a list, one
// request, names by id) and sending a form.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, query } from "./api/client";
import type { Page } from "./api/types";

/** The page size the lists ask for (the API's default; it allows up to 200). */
export const PAGE_SIZE = 50;
/** The largest page the API gives, for reading a whole list. */
export const MAX_PAGE_SIZE = 200;

/** The identity of a list item: its `id`, or for members the `identity_id`. */
export function itemKey(item: unknown): string {
  const record = item as { id?: unknown; identity_id?: unknown };
  return String(record.id ?? record.identity_id ?? "");
}

export interface PagedOptions<T> {
  /** Filters sent with every page, besides `limit`, `cursor` and `q`. */
  params?: Record<string, string | undefined>;
  /** An item's identity; a later page repeating an item shown already (one created here) drops it. */
  key?: (item: T) => string;
}

/**
 * A list read page by page through the API's cursor (`limit`, `cursor`, and `q` when searching):
 * `more()` appends the next page, `search(q)` starts over with a search text. Answers to requests
 * overtaken by a newer one (a new search while a page was loading) are dropped.
 */
export function usePaged<T>(path: string, options: PagedOptions<T> = {}) {
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [q, setQ] = useState("");
  const params = JSON.stringify(options.params ?? {});
  const keyOf = useRef(options.key ?? itemKey);
  keyOf.current = options.key ?? itemKey;
  const latest = useRef(0);

  const load = useCallback(
    async (cursor: string | null) => {
      const request = ++latest.current;
      setLoading(true);
      setError(null);
      try {
        const page = await api.get<Page<T>>(path + query({ ...JSON.parse(params), q, cursor, limit: PAGE_SIZE }));
        if (request !== latest.current) return;
        setItems((old) => {
          if (!cursor) return page.items;
          const seen = new Set(old.map((i) => keyOf.current(i)));
          return [...old, ...page.items.filter((i) => !seen.has(keyOf.current(i)))];
        });
        setNext(page.next_cursor);
      } catch (e) {
        if (request === latest.current) setError(e);
      } finally {
        if (request === latest.current) setLoading(false);
      }
    },
    [path, params, q],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  return {
    items,
    setItems,
    loading,
    error,
    /** The search text in use ("" for none). */
    q,
    search: setQ,
    hasMore: next !== null,
    more: () => load(next),
    reload: () => load(null),
  };
}

export type Paged<T> = ReturnType<typeof usePaged<T>>;

/**
 * Every item of a list, read in the largest pages the API gives, following the cursor to the end.
 * Filters may come in `params` or in the path's own query (`/api/tasks?project_id=…`).
 */
export async function fetchAll<T>(path: string, params: Record<string, string | undefined> = {}): Promise<T[]> {
  const items: T[] = [];
  const [base = path, search = ""] = path.split("?");
  const filters = { ...Object.fromEntries(new URLSearchParams(search)), ...params };
  let cursor: string | null = null;
  do {
    const page: Page<T> = await api.get<Page<T>>(base + query({ ...filters, cursor, limit: MAX_PAGE_SIZE }));
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

/** One request's answer (none while `path` is null), with its error and a reload. */
export function useFetch<T>(path: string | null) {
  return useLoad<T>(path, (p) => api.get<T>(p));
}

/** A whole list (every page; none while `path` is null): for totals, where no page may be left out. */
export function useAll<T>(path: string | null) {
  return useLoad<T[]>(path, (p) => fetchAll<T>(p));
}

function useLoad<T>(path: string | null, get: (path: string) => Promise<T>) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(path !== null);
  const getter = useRef(get);
  getter.current = get;
  const reload = useCallback(async () => {
    if (!path) return;
    setLoading(true);
    setError(null);
    try {
      setData(await getter.current(path));
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, [path]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, setData, error, loading, reload };
}

/**
 * Names of records by id (`GET path/{id}`), for the rows of a list that refer to them: each id is
 * asked for once. Answers `undefined` while an id is loading or when it could not be read.
 */
export function useNames<T>(path: string, ids: readonly (string | null | undefined)[], name: (record: T) => string) {
  const [names, setNames] = useState<Record<string, string>>({});
  const asked = useRef(new Set<string>());
  const nameOf = useRef(name);
  nameOf.current = name;
  const wanted = [...new Set(ids.filter((id): id is string => !!id))].sort().join(",");
  useEffect(() => {
    for (const id of wanted ? wanted.split(",") : []) {
      if (asked.current.has(id)) continue;
      asked.current.add(id);
      api
        .get<T>(`${path}/${encodeURIComponent(id)}`)
        .then((record) => setNames((old) => ({ ...old, [id]: nameOf.current(record) })))
        .catch(() => {
          // A record gone or unreadable: the row shows no name; asked again on the next visit.
          asked.current.delete(id);
        });
    }
  }, [path, wanted]);
  return {
    get: (id: string | null | undefined) => (id ? names[id] : undefined),
    /** Remember a name already known (a record just created or chosen). */
    set: (id: string, value: string) => setNames((old) => ({ ...old, [id]: value })),
  };
}

/**
 * A form's submission: `busy` while `run`'s work goes on, the error it threw kept for an
 * `ErrorBox`. `run` answers whether the work succeeded.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (work: () => Promise<void>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await work();
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}
