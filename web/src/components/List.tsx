// What every list page shares: the search box (where the API searches the list), the error, the
// items, and below them how many are shown with "Load more" while the API has more.
import { useEffect, useRef, type ReactNode } from "react";
import type { Paged } from "../hooks";
import { useI18n } from "../i18n";
import { SearchBox } from "./SearchBox";
import { ErrorBox, Loading } from "./ui";

interface PagedListProps<T> {
  list: Paged<T>;
  /** Offer a search box: only for lists the API searches (`q`). */
  search?: boolean;
  /** Shown when the list is empty (default: "Nothing here yet."). */
  empty?: string;
  /** The list's name, for pages with two lists ("Pending invitations"): names its button. */
  name?: string;
  /** The items (a table, cards, a board). */
  children: ReactNode;
}

export function PagedList<T>({ list, search, empty, name, children }: PagedListProps<T>) {
  const { t } = useI18n();
  return (
    <>
      {search && <SearchBox onSearch={list.search} />}
      <ErrorBox error={list.error} />
      {children}
      {list.loading ? <Loading /> : list.items.length === 0 && !list.error && <p>{empty ?? t("common.empty")}</p>}
      <MoreButton list={list} name={name} />
    </>
  );
}

/**
 * How many items are shown, and "Load more" while the API has more. When the last page arrives
 * the button goes away; the keyboard focus moves to the count instead of getting lost.
 */
export function MoreButton<T>({ list, name }: { list: Paged<T>; name?: string }) {
  const { t } = useI18n();
  const count = useRef<HTMLParagraphElement>(null);
  const clicked = useRef(false);
  useEffect(() => {
    if (clicked.current && !list.loading) {
      clicked.current = false;
      if (!list.hasMore) count.current?.focus();
    }
  }, [list.loading, list.hasMore]);
  if (list.items.length === 0) return null;
  return (
    <div className="list-footer">
      <p className="hint" ref={count} tabIndex={-1} aria-live="polite">
        {t(list.hasMore ? "list.shownMore" : "list.shown", { count: list.items.length })}
      </p>
      {list.hasMore && (
        <button
          type="button"
          disabled={list.loading}
          aria-label={name ? t("list.moreOf", { list: name }) : undefined}
          onClick={() => {
            clicked.current = true;
            void list.more();
          }}
        >
          {t("common.more")}
        </button>
      )}
    </div>
  );
}

export interface Column<T> {
  header: ReactNode;
  cell: (row: T) => ReactNode;
  /** `num` for amounts (right-aligned). */
  className?: string;
}

/** A table of rows; a column given as `false` is left out (one the role may not use). */
export function Table<T>({
  columns,
  rows,
  rowKey,
  label,
}: {
  columns: readonly (Column<T> | false | null | undefined)[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  label?: string;
}) {
  const shown = columns.filter((c): c is Column<T> => !!c);
  return (
    <div className="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>
            {shown.map((c, i) => (
              <th key={i} className={c.className}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {shown.map((c, i) => (
                <td key={i} className={c.className} data-label={typeof c.header === "string" ? c.header : undefined}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
