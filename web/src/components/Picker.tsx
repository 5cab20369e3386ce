// Choosing one record of a list the API searches (an account for a contact, deal or invoice):
// a search field that asks the API (`q`) as one types, and a select of the matches. Nothing
// loads the whole list, so the choice works the same with five records or fifty thousand; a
// plain select keeps it usable with the keyboard, a screen reader and a phone.
import { useEffect, useRef, useState } from "react";
import { api, query } from "../api/client";
import type { Account, Page } from "../api/types";
import { useI18n } from "../i18n";
import { useDescribed } from "./ui";

/** How many matches the select offers; more means: type more. */
export const PICKER_SIZE = 20;
/** Milliseconds of typing pause before asking the API. */
const PAUSE = 250;

interface PickerProps<T> {
  /** The select's label ("Account"). */
  label: string;
  /** The search field's label ("Find an account"). */
  searchLabel: string;
  /** The list to search, e.g. `/api/accounts`; `path/{id}` reads the chosen record. */
  path: string;
  /** The field's name in the request, to show the server's problem with it. */
  name?: string;
  /** The chosen id, "" for none. */
  value: string;
  onChange: (id: string, record: T | null) => void;
  /** How a record reads in the select. */
  describe: (record: T) => string;
}

export function RecordPicker<T extends { id: string }>({ label, searchLabel, path, name, value, onChange, describe }: PickerProps<T>) {
  const { t } = useI18n();
  const d = useDescribed(name, label, undefined);
  const [text, setText] = useState("");
  const [q, setQ] = useState("");
  const [matches, setMatches] = useState<{ items: T[]; more: boolean } | null>(null);
  const [chosen, setChosen] = useState<T | null>(null);
  const [error, setError] = useState(false);
  const latest = useRef(0);

  useEffect(() => {
    const timer = setTimeout(() => setQ(text.trim()), PAUSE);
    return () => clearTimeout(timer);
  }, [text]);

  useEffect(() => {
    const request = ++latest.current;
    setError(false);
    api
      .get<Page<T>>(path + query({ q, limit: PICKER_SIZE }))
      .then((page) => request === latest.current && setMatches({ items: page.items, more: page.next_cursor !== null }))
      .catch(() => request === latest.current && setError(true));
  }, [path, q]);

  // The chosen record may be outside the matches (editing a contact of some account): read it.
  const inMatches = matches?.items.find((m) => m.id === value);
  useEffect(() => {
    if (!value || inMatches || chosen?.id === value) return;
    let live = true;
    api
      .get<T>(`${path}/${encodeURIComponent(value)}`)
      .then((record) => live && setChosen(record))
      .catch(() => {
        // Gone: the select shows the id's option without a name until another is chosen.
      });
    return () => {
      live = false;
    };
  }, [path, value, inMatches, chosen?.id]);

  const items = matches?.items ?? [];
  const current = inMatches ?? (chosen?.id === value ? chosen : null);
  const status = error
    ? t("picker.failed")
    : matches === null
      ? t("app.loading")
      : items.length === 0
        ? t("picker.none")
        : matches.more
          ? t("picker.narrow", { count: items.length })
          : "";

  return (
    <div className="field picker">
      <label htmlFor={d.id}>{label}</label>
      <div className="picker-row">
        <input
          type="search"
          aria-label={searchLabel}
          aria-controls={d.id}
          placeholder={t("picker.placeholder")}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            // Enter searches at once instead of sending the form.
            if (e.key === "Enter") {
              e.preventDefault();
              setQ(text.trim());
            }
          }}
        />
        <select
          {...d.control}
          value={value}
          onChange={(e) => {
            const id = e.target.value;
            const record = items.find((m) => m.id === id) ?? (current?.id === id ? current : null);
            if (record) setChosen(record);
            onChange(id, record);
          }}
        >
          <option value="">{t("common.none")}</option>
          {value && !inMatches && <option value={value}>{current ? describe(current) : "…"}</option>}
          {items.map((m) => (
            <option key={m.id} value={m.id}>
              {describe(m)}
            </option>
          ))}
        </select>
      </div>
      <small className="hint" aria-live="polite">
        {status}
      </small>
      {d.below}
    </div>
  );
}

/** The account picker of the contact, deal and invoice forms (field `account_id`). */
export function AccountPicker({ value, onChange }: { value: string; onChange: (id: string, account: Account | null) => void }) {
  const { t } = useI18n();
  return (
    <RecordPicker<Account>
      label={t("common.account")}
      searchLabel={t("picker.findAccount")}
      path="/api/accounts"
      name="account_id"
      value={value}
      onChange={onChange}
      describe={(a) => a.name}
    />
  );
}
