import { useState, type FormEvent } from "react";
import type { AuditEntry } from "../api/types";
import { usePaged } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { Field, PageTitle } from "../components/ui";
import { PagedList, Table } from "../components/List";

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
  const list = usePaged<AuditEntry>("/api/audit", { params: applied });
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
      <PagedList list={list}>
        <Table
          rows={list.items}
          rowKey={(r) => String(r.id)}
          columns={[
            { header: t("audit.at"), cell: (r) => formatDate(r.at, locale, true) },
            { header: t("audit.action"), cell: (r) => <code>{r.action}</code> },
            { header: t("audit.actor"), className: "mono", cell: (r) => r.actor ?? t("common.none") },
            { header: t("audit.target"), className: "mono", cell: (r) => r.target ?? t("common.none") },
            { header: t("audit.outcome"), cell: (r) => r.outcome },
          ]}
        />
      </PagedList>
    </section>
  );
}
