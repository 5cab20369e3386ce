// `/approvals`: the submitted time waiting for approval, grouped per person and week. Choose
// entries (or a whole group), then approve them or send them back as drafts with a reason.
// A locked entry or a closed period is refused by its code (`time_locked`, `period_locked`).
import { useRef, useState } from "react";
import { api } from "../api/client";
import type { TimeEntry } from "../generated/api";
import { useAll } from "../hooks";
import { errorMessage, formatDate, useI18n } from "../i18n";
import { ErrorBox, Loading, PageTitle } from "../components/ui";
import { formatMinutes, parseDuration } from "../time/duration";
import { durationMessage } from "../components/TimeParts";
import { addDays, groupByPersonWeek } from "../time/logic";

export function Approvals() {
  const { t, locale } = useI18n();
  const queue = useAll<TimeEntry>("/api/time-entries?status=submitted");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState("");
  const [busy, setBusy] = useState(false);
  const groups = groupByPersonWeek(queue.data ?? []);

  const toggle = (ids: string[], on: boolean) =>
    setSelected((old) => {
      const next = new Set(old);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return next;
    });

  const act = async (kind: "approve" | "reject") => {
    const ids = [...selected];
    if (ids.length === 0) return;
    setError(null);
    setNotice("");
    setBusy(true);
    try {
      await api.post(`/api/time-entries/${kind}`, kind === "approve" ? { ids } : { ids, reason: reason.trim() || null });
      setNotice(t(kind === "approve" ? "approvals.approved" : "approvals.rejected", { count: ids.length }));
      setSelected(new Set());
      setReason("");
      await queue.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="approvals">
      <PageTitle>{t("approvals.title")}</PageTitle>
      <ErrorBox error={error ?? queue.error} />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {queue.loading && <Loading />}
      {queue.data && groups.length === 0 && <p>{t("approvals.empty")}</p>}
      {groups.map((g) => {
        const ids = g.entries.map((e) => e.id);
        const all = ids.every((id) => selected.has(id));
        const name = g.person_name ?? t("crm.someone");
        const week = t("timesheet.week", { from: formatDate(g.week, locale), to: formatDate(addDays(g.week, 6), locale) });
        return (
          <section key={g.key} className="panel approval-group" aria-label={`${name}, ${week}`}>
            <div className="section-title">
              <h2>
                {name} <span className="hint">{week}</span>
              </h2>
              <span className="num">{t("approvals.groupTotal", { time: formatMinutes(g.minutes) })}</span>
            </div>
            <label className="checkbox">
              <input type="checkbox" checked={all} onChange={(e) => toggle(ids, e.target.checked)} /> {t("approvals.selectGroup", { name, week })}
            </label>
            <ul className="stack approval-entries">
              {g.entries.map((e) => (
                <li key={e.id}>
                  <label className="checkbox">
                    <input type="checkbox" checked={selected.has(e.id)} onChange={(ev) => toggle([e.id], ev.target.checked)} />{" "}
                    <span>
                      {formatDate(e.work_date, locale)} · {e.project_name}
                      {e.task_title ? ` / ${e.task_title}` : ""}
                      {e.service_name ? ` · ${e.service_name}` : ""} · <strong>{formatMinutes(e.minutes)}</strong>
                      {e.billable ? ` (${t("approvals.billable", { time: formatMinutes(e.billable_minutes) })})` : ` (${t("approvals.notBillable")})`}
                      {e.description ? ` · ${e.description}` : ""}
                    </span>
                  </label>
                  {e.billable && (
                    <BillableEditor
                      entry={e}
                      label={t("approvals.billableOf", { date: formatDate(e.work_date, locale), project: e.project_name })}
                      onSaved={() => void queue.reload()}
                    />
                  )}
                </li>
              ))}
            </ul>
          </section>
        );
      })}
      {groups.length > 0 && (
        <div className="panel approval-actions">
          <p aria-live="polite">{t("approvals.selected", { count: selected.size })}</p>
          <div className="row">
            <button type="button" className="primary" disabled={busy || selected.size === 0} onClick={() => void act("approve")}>
              {t("approvals.approve")}
            </button>
            <div className="field">
              <label htmlFor="reject-reason">{t("approvals.reason")}</label>
              <input id="reject-reason" maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
            </div>
            <button type="button" disabled={busy || selected.size === 0} onClick={() => void act("reject")}>
              {t("approvals.sendBack")}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

/** An approver sets the billable time of an entry by hand (rounding aside), typed like any duration. */
function BillableEditor({ entry, label, onSaved }: { entry: TimeEntry; label: string; onSaved: () => void }) {
  const { t } = useI18n();
  const shown = formatMinutes(entry.billable_minutes);
  const [text, setText] = useState(shown);
  const [problem, setProblem] = useState("");
  const pending = useRef(false);
  const save = async () => {
    if (pending.current || text === shown) return;
    const r = parseDuration(text);
    if (r.kind !== "minutes") {
      setProblem(r.kind === "problem" ? durationMessage(r.problem, t) : durationMessage("not_duration", t));
      return;
    }
    setProblem("");
    pending.current = true;
    try {
      await api.patch(`/api/time-entries/${entry.id}`, { billable_minutes: r.minutes });
      onSaved();
    } catch (e) {
      setProblem(errorMessage(e, t));
      setText(shown);
    } finally {
      pending.current = false;
    }
  };
  return (
    <span className="billable-editor">
      <label className="hint" htmlFor={`billable-${entry.id}`}>
        {t("approvals.billableSet")}
      </label>{" "}
      <input
        id={`billable-${entry.id}`}
        className="cell-input"
        aria-label={label}
        aria-invalid={problem ? true : undefined}
        size={5}
        value={text}
        onChange={(ev) => setText(ev.target.value)}
        onBlur={() => void save()}
        onKeyDown={(ev) => {
          if (ev.key === "Enter") {
            ev.preventDefault();
            void save();
          }
        }}
      />
      {problem && (
        <small className="field-problem" role="alert">
          {" "}
          {problem}
        </small>
      )}
    </span>
  );
}
