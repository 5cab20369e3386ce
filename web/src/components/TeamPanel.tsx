// What the utilisation report is computed from: each person's capacity (weekly hours from a
// date on, billable target, cost rate for those who may see it) and time off in the period.
// Capacity is recorded by approvers (`time.approve`); time off by anyone for themselves, and by
// approvers for anyone (`/api/capacity`, `/api/time-off`).
import { useState } from "react";
import { api, query } from "../api/client";
import type { Capacity, CapacityList, TimeOff, TimeOffList } from "../generated/api";
import { can } from "../generated/roles";
import { useFetch } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { formatMoney, parseScaled } from "../money";
import { useRole } from "../session";
import { usePeople } from "../crm/people";
import { formatMinutes } from "../time/duration";
import { ApiError } from "../api/client";
import { Table } from "./List";
import { centsBody, minutesBody } from "./TimeParts";
import { ErrorBox, Field, Form, Loading, Select } from "./ui";

export type CapacityRow = Capacity;
export type TimeOffRow = TimeOff;

const KINDS = ["holiday", "sick", "other"] as const;

export function TeamPanel({ from, to }: { from: string; to: string }) {
  const { t, locale } = useI18n();
  const role = useRole();
  const approver = can(role, "time.approve");
  const costs = can(role, "rates.read_cost");
  const people = usePeople();
  const capacity = useFetch<CapacityList>("/api/capacity");
  const timeOff = useFetch<TimeOffList>(`/api/time-off${query({ from, to })}`);
  const [error, setError] = useState<unknown>(null);
  const name = (id: string) => people.name(id) ?? t("crm.someone");

  const remove = async (row: TimeOffRow) => {
    setError(null);
    try {
      await api.del(`/api/time-off/${row.id}`);
      void timeOff.reload();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section className="report" aria-labelledby="team-title">
      <h2 id="team-title" className="section">
        {t("team.title")}
      </h2>
      <ErrorBox error={error} />
      <h3>{t("team.capacity")}</h3>
      <ErrorBox error={capacity.error} />
      {capacity.loading && <Loading />}
      {capacity.data && capacity.data.items.length === 0 && <p>{t("team.noCapacity")}</p>}
      {capacity.data && capacity.data.items.length > 0 && (
        <div className="stack-on-phone">
          <Table
            label={t("team.capacity")}
            rows={capacity.data.items}
            rowKey={(r) => `${r.person_id}-${r.effective_from}`}
            columns={[
              { header: t("time.person"), cell: (r) => name(r.person_id) },
              { header: t("team.from"), cell: (r) => formatDate(r.effective_from, locale) },
              { header: t("team.weekly"), className: "num", cell: (r) => formatMinutes(r.weekly_minutes) },
              { header: t("util.target"), className: "num", cell: (r) => (r.billable_target_bp === null ? t("team.default") : `${r.billable_target_bp / 100}%`) },
              costs && { header: t("team.costRate"), className: "num", cell: (r: CapacityRow) => (r.cost_rate_cents === null ? t("common.none") : formatMoney(r.cost_rate_cents, "EUR", locale)) },
            ]}
          />
        </div>
      )}
      {approver && <CapacityForm people={people.list} costs={costs} onSaved={() => void capacity.reload()} />}
      <h3>{t("team.timeOff")}</h3>
      <ErrorBox error={timeOff.error} />
      {timeOff.data && timeOff.data.items.length === 0 && <p>{t("team.noTimeOff")}</p>}
      {timeOff.data && timeOff.data.items.length > 0 && (
        <div className="stack-on-phone">
          <Table
            label={t("team.timeOff")}
            rows={timeOff.data.items}
            rowKey={(r) => r.id}
            columns={[
              { header: t("time.person"), cell: (r) => name(r.person_id) },
              { header: t("team.dates"), cell: (r) => `${formatDate(r.start_date, locale)} – ${formatDate(r.end_date, locale)}` },
              { header: t("team.kind"), cell: (r) => t(`team.kind.${r.kind}`) },
              { header: t("team.note"), cell: (r) => r.note ?? "" },
              {
                header: t("common.actions"),
                cell: (r) =>
                  (approver || r.person_id === people.myId) && (
                    <button type="button" onClick={() => void remove(r)}>
                      {t("common.delete")}
                    </button>
                  ),
              },
            ]}
          />
        </div>
      )}
      <TimeOffForm people={approver ? people.list : []} onSaved={() => void timeOff.reload()} />
    </section>
  );
}

function CapacityForm({ people, costs, onSaved }: { people: { id: string; name: string }[]; costs: boolean; onSaved: () => void }) {
  const { t, locale } = useI18n();
  const [person, setPerson] = useState("");
  const [from, setFrom] = useState("");
  const [weekly, setWeekly] = useState("40");
  const [target, setTarget] = useState("");
  const [cost, setCost] = useState("");
  const submit = async () => {
    const bp = target.trim() === "" ? null : parseScaled(target, 2, locale);
    if (target.trim() !== "" && (bp === null || bp > 10_000)) {
      throw ApiError.field("billable_target_bp", { code: "out_of_range", min: 0, max: 100, message: "must be between 0 and 100" });
    }
    await api.post("/api/capacity", {
      person_id: person,
      effective_from: from,
      weekly_minutes: minutesBody("weekly_minutes", weekly, 7 * 24 * 60) ?? 0,
      billable_target_bp: bp,
      cost_rate_cents: costs ? centsBody("cost_rate_cents", cost, locale) : undefined,
    });
    onSaved();
  };
  return (
    <Form onSubmit={submit} submitLabel={t("team.recordCapacity")}>
      <div className="row">
        <Select label={t("time.person")} name="person_id" required value={person} onChange={(e) => setPerson(e.target.value)}>
          <option value="">{t("common.none")}</option>
          {people.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </Select>
        <Field label={t("team.from")} name="effective_from" type="date" required value={from} onChange={(e) => setFrom(e.target.value)} />
        <Field label={t("team.weekly")} hint={t("team.weeklyHint")} name="weekly_minutes" required value={weekly} onChange={(e) => setWeekly(e.target.value)} />
        <Field label={t("team.target")} hint={t("team.targetHint")} name="billable_target_bp" inputMode="decimal" value={target} onChange={(e) => setTarget(e.target.value)} />
        {costs && <Field label={t("team.costRate")} name="cost_rate_cents" inputMode="decimal" value={cost} onChange={(e) => setCost(e.target.value)} />}
      </div>
    </Form>
  );
}

function TimeOffForm({ people, onSaved }: { people: { id: string; name: string }[]; onSaved: () => void }) {
  const { t } = useI18n();
  const [person, setPerson] = useState("");
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [kind, setKind] = useState<(typeof KINDS)[number]>("holiday");
  const [note, setNote] = useState("");
  const submit = async () => {
    await api.post("/api/time-off", { person_id: person || null, start_date: start, end_date: end || start, kind, note: note.trim() || null });
    setNote("");
    onSaved();
  };
  return (
    <Form onSubmit={submit} submitLabel={t("team.addTimeOff")}>
      <div className="row">
        {people.length > 0 && (
          <Select label={t("time.person")} name="person_id" value={person} onChange={(e) => setPerson(e.target.value)}>
            <option value="">{t("team.myself")}</option>
            {people.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </Select>
        )}
        <Field label={t("team.start")} name="start_date" type="date" required value={start} onChange={(e) => setStart(e.target.value)} />
        <Field label={t("team.end")} name="end_date" type="date" value={end} onChange={(e) => setEnd(e.target.value)} />
        <Select label={t("team.kind")} name="kind" value={kind} onChange={(e) => setKind(e.target.value as (typeof KINDS)[number])}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`team.kind.${k}`)}
            </option>
          ))}
        </Select>
        <Field label={t("team.note")} name="note" maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />
      </div>
    </Form>
  );
}
