import { useState, type FormEvent } from "react";
import type { AuditRecord } from "../api/types";
import { usePaged } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { ErrorBox, Field, Loading, PageTitle } from "../components/ui";

/** A date input's value (local day) as the RFC 3339 instant the API filters on. */
export function dayStart(day: string): string | undefined {
  if (!day) return undefined;
  const d = new Date(`${day}T00:00:00`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function Audit() {
  const { t, locale } = useI18n();
  const [filters, setFilters] = useState({ action: "", actor: "", from: "", to: "" });
  const [applied, setApplied] = useState<Record<string, string | undefined>>({});
  const list = usePaged<AuditRecord>("/api/audit", applied);
  const set = (key: keyof typeof filters) => (e: { target: { value: string } }) => setFilters({ ...filters, [key]: e.target.value });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setApplied({
      action: filters.action || undefined,
      actor: filters.actor || undefined,
      from: dayStart(filters.from),
      to: dayStart(filters.to),
    });
  };

  return (
    <section>
      <PageTitle>{t("audit.title")}</PageTitle>
      <form className="panel row" onSubmit={submit}>
        <Field label={t("audit.action")} value={filters.action} onChange={set("action")} placeholder="invoice." />
        <Field label={t("audit.actor")} value={filters.actor} onChange={set("actor")} />
        <Field label={t("audit.from")} type="date" value={filters.from} onChange={set("from")} />
        <Field label={t("audit.to")} type="date" value={filters.to} onChange={set("to")} />
        <button type="submit">{t("audit.filter")}</button>
      </form>
      <ErrorBox error={list.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t("audit.at")}</th>
              <th>{t("audit.action")}</th>
              <th>{t("audit.actor")}</th>
              <th>{t("audit.target")}</th>
              <th>{t("audit.outcome")}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((r) => (
              <tr key={r.id}>
                <td>{formatDate(r.at, locale, true)}</td>
                <td>
                  <code>{r.action}</code>
                </td>
                <td className="mono">{r.actor ?? t("common.none")}</td>
                <td className="mono">{r.target ?? t("common.none")}</td>
                <td>{r.outcome}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.loading ? <Loading /> : list.items.length === 0 && <p>{t("common.empty")}</p>}
      {list.hasMore && (
        <button type="button" onClick={() => void list.more()}>
          {t("common.more")}
        </button>
      )}
    </section>
  );
}
