// The audit log in plain words: who did what to which record, in the person's language, with
// names and titles the server resolves in the company's own view (never ids where a name is
// known). Filters: a period, a person and an action (or a whole area, such as invoices).
import { useState, type FormEvent } from "react";
import { AUDIT_ACTIONS } from "../generated/contract";
import { usePaged } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { Field, PageTitle, Select } from "../components/ui";
import { PagedList, Table } from "../components/List";
import { auditAreas, auditSentenceParts, auditSubjectPath, sentenceKey } from "../crm/logic";
import { Link } from "../router";
import { labelOr } from "../crm/labels";
import { usePeople } from "../crm/people";
import type { ReadableAuditRecord } from "../crm/types";

/** A date input's value (local day) as the RFC 3339 instant the API filters on. */
export function dayStart(day: string): string | undefined {
  if (!day) return undefined;
  const d = new Date(`${day}T00:00:00`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function Audit() {
  const { t, locale } = useI18n();
  const people = usePeople();
  const [filters, setFilters] = useState({ action: "", actor: "", from: "", to: "" });
  const [applied, setApplied] = useState<Record<string, string | undefined>>({});
  const list = usePaged<ReadableAuditRecord>("/api/audit", { params: applied, key: (r) => String(r.seq) });
  const set = (key: keyof typeof filters) => (e: { target: { value: string } }) => setFilters({ ...filters, [key]: e.target.value });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const actor = filters.actor || undefined;
    setApplied({
      action: filters.action || undefined,
      // `actor_id` is the readable audit's name; `actor` the older one.
      actor_id: actor,
      actor,
      from: dayStart(filters.from),
      to: dayStart(filters.to),
    });
  };

  return (
    <section>
      <PageTitle>{t("audit.title")}</PageTitle>
      <form className="panel row" onSubmit={submit}>
        <Select label={t("audit.person")} value={filters.actor} onChange={set("actor")}>
          <option value="">{t("audit.anyone")}</option>
          {people.list.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </Select>
        <Select label={t("audit.action")} value={filters.action} onChange={set("action")}>
          <option value="">{t("audit.anyAction")}</option>
          {auditAreas().map((area) => (
            <optgroup key={area} label={labelOr(t, `audit.area.${area}`, area)}>
              <option value={`${area}.`}>
                {labelOr(t, `audit.area.${area}`, area)}: {t("crm.all")}
              </option>
              {AUDIT_ACTIONS.filter((a) => a.startsWith(`${area}.`)).map((a) => (
                <option key={a} value={a}>
                  {t(sentenceKey(a), { actor: "…", subject: "…" })}
                </option>
              ))}
            </optgroup>
          ))}
        </Select>
        <Field label={t("audit.from")} type="date" value={filters.from} onChange={set("from")} />
        <Field label={t("audit.to")} type="date" value={filters.to} onChange={set("to")} />
        <button type="submit">{t("audit.filter")}</button>
      </form>
      <PagedList list={list}>
        <Table
          rows={list.items}
          rowKey={(r) => String(r.seq)}
          columns={[
            { header: t("audit.at"), cell: (r) => formatDate(r.at, locale, true) },
            {
              header: t("audit.what"),
              cell: (r) => (
                <>
                  <AuditSentence record={r} />
                  <code className="hint">{r.action}</code>
                </>
              ),
            },
            { header: t("audit.person"), cell: (r) => r.actor_name ?? people.name(r.actor) ?? r.actor ?? t("crm.system") },
            {
              header: t("audit.outcome"),
              cell: (r) =>
                r.outcome === "success" ? t("audit.success") : <span className="badge expired">{labelOr(t, `audit.${r.outcome}`, r.outcome)}</span>,
            },
          ]}
        />
      </PagedList>
    </section>
  );
}

function AuditSentence({ record }: { record: ReadableAuditRecord }) {
  const { t } = useI18n();
  const { before, subject, after } = auditSentenceParts(record, t);
  const to = auditSubjectPath(record);
  return (
    <span className="block" data-testid="audit-sentence">
      {before}
      {subject !== null && (to ? <Link to={to}>{subject}</Link> : subject)}
      {after}
    </span>
  );
}
