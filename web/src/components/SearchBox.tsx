import { useState, type FormEvent } from "react";
import { useI18n } from "../i18n";

/** A search field that searches on submit (Enter or the button). */
export function SearchBox({ onSearch }: { onSearch: (q: string) => void }) {
  const { t } = useI18n();
  const [text, setText] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSearch(text.trim());
  };
  return (
    <form className="search" role="search" onSubmit={submit}>
      <input type="search" aria-label={t("common.search")} value={text} onChange={(e) => setText(e.target.value)} />
      <button type="submit">{t("common.search")}</button>
    </form>
  );
}
