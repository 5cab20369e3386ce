import { useState, type DragEvent, type KeyboardEvent, type PointerEvent } from "react";
import { ApiError, api, query } from "../api/client";
import { STAGES, type Deal, type Stage } from "../api/types";
import { can } from "../generated/roles";
import { useFetch, useNames, usePaged } from "../hooks";
import { useI18n } from "../i18n";
import { formatMoney, parseMoney } from "../money";
import { Link } from "../router";
import { useRole } from "../session";
import { ErrorBox, Field, Form, PageTitle, Select } from "../components/ui";
import { PagedList } from "../components/List";
import { AccountPicker, RecordPicker } from "../components/Picker";
import { canDrop, isClosed, pipelineTotals, rowsOf, stageRows } from "../crm/logic";
import { usePeople } from "../crm/people";
import type { ClientAccount, CrmDeal, PipelineRow } from "../crm/types";

/** The stages a deal can be moved to from its card: neighbours, and the two closing stages. */
export function moveTargets(stage: Stage): Stage[] {
  if (stage === "won" || stage === "lost") return [];
  const i = STAGES.indexOf(stage);
  const wanted = new Set<Stage>([STAGES[i - 1], STAGES[i + 1], "won", "lost"].filter((s): s is Stage => !!s));
  wanted.delete(stage);
  return STAGES.filter((s) => wanted.has(s));
}

/** The MIME type a dragged card carries (its deal id). */
const DEAL_DRAG = "application/x-silo-deal";

interface Filters {
  owner_id?: string;
  account_id?: string;
}

export function Pipeline() {
  const { t } = useI18n();
  const writable = can(useRole(), "deals.write");
  const people = usePeople();
  const [filters, setFilters] = useState<Filters>({});
  const deals = usePaged<CrmDeal>("/api/deals", { params: { ...filters } });
  const totals = useFetch<unknown>(`/api/pipeline${query({ ...filters, q: deals.q })}`);
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);
  const [dragging, setDragging] = useState<CrmDeal | null>(null);
  const [over, setOver] = useState<Stage | null>(null);

  // A server that ignores a filter still shows only the matching deals.
  const shown = deals.items.filter(
    (d) => (!filters.owner_id || d.owner_id === filters.owner_id) && (!filters.account_id || d.account_id === filters.account_id),
  );
  // The server's totals cover every matching deal; without the route, the loaded ones.
  const serverRows = totals.data ? rowsOf<PipelineRow>(totals.data) : null;
  const rows = serverRows ?? pipelineTotals(shown);
  // Each card names its client, read by id (never the whole account list).
  const clients = useNames<ClientAccount>(
    "/api/accounts",
    shown.map((d) => d.account_id),
    (a) => a.name,
  );

  const move = async (deal: Deal, stage: Stage) => {
    setError(null);
    try {
      const updated = await api.patch<CrmDeal>(`/api/deals/${deal.id}`, { stage });
      deals.setItems((items) => items.map((d) => (d.id === updated.id ? updated : d)));
      void totals.reload();
      // Keep the keyboard where the card went.
      requestAnimationFrame(() => document.getElementById(`deal-${deal.id}`)?.focus());
    } catch (e) {
      setError(e);
    }
  };

  // Touch and pen (HTML5 drag and drop is for mice): the card's handle follows the finger, the
  // column under it is the target, lifting the finger drops.
  const stageAt = (x: number, y: number): Stage | null => {
    const el = document.elementFromPoint(x, y)?.closest<HTMLElement>("[data-stage]");
    return (el?.dataset.stage as Stage | undefined) ?? null;
  };
  const pointerDrag = (deal: CrmDeal) => ({
    onPointerDown: (e: PointerEvent) => {
      if (e.pointerType === "mouse") return;
      e.preventDefault();
      try {
        e.currentTarget.setPointerCapture(e.pointerId);
      } catch {
        // Not capturable (a synthetic event): the handle still gets its own events.
      }
      setDragging(deal);
    },
    onPointerMove: (e: PointerEvent) => {
      if (e.pointerType === "mouse" || dragging?.id !== deal.id) return;
      const stage = stageAt(e.clientX, e.clientY);
      setOver(stage && canDrop(deal.stage, stage) ? stage : null);
    },
    onPointerUp: (e: PointerEvent) => {
      if (e.pointerType === "mouse" || dragging?.id !== deal.id) return;
      const stage = stageAt(e.clientX, e.clientY);
      setDragging(null);
      setOver(null);
      if (stage && canDrop(deal.stage, stage)) void move(deal, stage);
    },
    onPointerCancel: () => {
      setDragging(null);
      setOver(null);
    },
  });

  const dropOn = (stage: Stage) => ({
    onDragOver: (e: DragEvent) => {
      if (!dragging || !canDrop(dragging.stage, stage)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "move";
      if (over !== stage) setOver(stage);
    },
    onDragLeave: (e: DragEvent) => {
      if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver((o) => (o === stage ? null : o));
    },
    onDrop: (e: DragEvent) => {
      e.preventDefault();
      const id = e.dataTransfer.getData(DEAL_DRAG) || dragging?.id;
      const deal = deals.items.find((d) => d.id === id);
      setOver(null);
      setDragging(null);
      if (deal && canDrop(deal.stage, stage)) void move(deal, stage);
    },
  });

  return (
    <section className="pipeline">
      <PageTitle
        actions={
          writable && (
            <button type="button" className="primary" onClick={() => setCreating(true)}>
              {t("pipeline.new")}
            </button>
          )
        }
      >
        {t("pipeline.title")}
      </PageTitle>
      {creating && (
        <DealForm
          onSaved={(d) => {
            deals.setItems((items) => [d, ...items]);
            void totals.reload();
            setCreating(false);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      <div className="panel filters">
        <Select
          label={t("pipeline.owner")}
          value={filters.owner_id ?? ""}
          onChange={(e) => setFilters((f) => ({ ...f, owner_id: e.target.value || undefined }))}
        >
          <option value="">{t("pipeline.anyOwner")}</option>
          {people.myId && <option value={people.myId}>{t("pipeline.mine")}</option>}
          {people.list
            .filter((p) => p.id !== people.myId)
            .map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
        </Select>
        <RecordPicker<ClientAccount>
          label={t("pipeline.client")}
          searchLabel={t("picker.findAccount")}
          path="/api/accounts"
          value={filters.account_id ?? ""}
          onChange={(id) => {
            setFilters((f) => ({ ...f, account_id: id || undefined }));
          }}
          describe={(a) => a.name}
        />
      </div>
      {writable && <p className="hint">{t("pipeline.dragHint")}</p>}
      <ErrorBox error={error} />
      <PagedList list={deals} search>
        <div className="board">
          {STAGES.map((stage) => (
            <section
              className={`column${over === stage ? " drop-target" : ""}${dragging && canDrop(dragging.stage, stage) ? " droppable" : ""}`}
              key={stage}
              aria-labelledby={`stage-${stage}`}
              data-stage={stage}
              {...dropOn(stage)}
            >
              <h2 id={`stage-${stage}`}>{t(`stage.${stage}`)}</h2>
              <StageTotals stage={stage} rows={stageRows(rows, stage)} />
              <ul>
                {shown
                  .filter((d) => d.stage === stage)
                  .map((d) => (
                    <DealCard
                      key={d.id}
                      deal={d}
                      owner={d.owner_name ?? people.name(d.owner_id)}
                      client={clients.get(d.account_id)}
                      writable={writable}
                      onMove={(s) => void move(d, s)}
                      onDrag={(on) => {
                        setDragging(on ? d : null);
                        if (!on) setOver(null);
                      }}
                      pointerDrag={pointerDrag(d)}
                    />
                  ))}
              </ul>
              {dragging && canDrop(dragging.stage, stage) && (
                <p className="drop-hint" aria-hidden="true">
                  {t("pipeline.dropHere", { stage: t(`stage.${stage}`) })}
                </p>
              )}
            </section>
          ))}
        </div>
      </PagedList>
    </section>
  );
}

function StageTotals({ stage, rows }: { stage: Stage; rows: PipelineRow[] }) {
  const { t, locale } = useI18n();
  const count = rows.reduce((n, r) => n + r.count, 0);
  return (
    <dl className="stage-totals" aria-label={t("pipeline.totalsOf", { stage: t(`stage.${stage}`) })} data-testid={`totals-${stage}`}>
      <div>
        <dt className="sr-only">{t("reports.count")}</dt>
        <dd>{count === 1 ? t("pipeline.countOne") : t("pipeline.count", { count })}</dd>
      </div>
      <div>
        <dt>{t("pipeline.total")}</dt>
        <dd data-testid={`total-${stage}`}>
          {rows.map((r) => (
            <span className="block" key={r.currency}>
              {formatMoney(r.value_cents, r.currency, locale)}
            </span>
          ))}
        </dd>
      </div>
      {!isClosed(stage) && (
        <div>
          <dt>{t("pipeline.weighted")}</dt>
          <dd data-testid={`weighted-${stage}`}>
            {rows.map((r) => (
              <span className="block" key={r.currency}>
                {formatMoney(r.weighted_cents, r.currency, locale)}
              </span>
            ))}
          </dd>
        </div>
      )}
    </dl>
  );
}

interface CardProps {
  deal: CrmDeal;
  owner: string | undefined;
  client: string | undefined;
  writable: boolean;
  onMove: (s: Stage) => void;
  onDrag: (dragging: boolean) => void;
  /** Handlers of the handle that drags the card by touch or pen. */
  pointerDrag: Record<string, (e: PointerEvent) => void>;
}

function DealCard({ deal, owner, client, writable, onMove, onDrag, pointerDrag }: CardProps) {
  const { t, locale } = useI18n();
  const targets = writable ? moveTargets(deal.stage) : [];
  const draggable = writable && !isClosed(deal.stage);
  const i = STAGES.indexOf(deal.stage);
  const onKey = (e: KeyboardEvent) => {
    if (e.target !== e.currentTarget) return;
    const to = e.key === "ArrowLeft" ? STAGES[i - 1] : e.key === "ArrowRight" ? STAGES[i + 1] : undefined;
    if (to && targets.includes(to)) {
      e.preventDefault();
      onMove(to);
    }
  };
  return (
    <li
      className={`deal${draggable ? " draggable" : ""}`}
      id={`deal-${deal.id}`}
      tabIndex={0}
      onKeyDown={onKey}
      aria-label={deal.title}
      draggable={draggable}
      onDragStart={(e) => {
        e.dataTransfer.setData(DEAL_DRAG, deal.id);
        e.dataTransfer.setData("text/plain", deal.title);
        e.dataTransfer.effectAllowed = "move";
        onDrag(true);
      }}
      onDragEnd={() => onDrag(false)}
    >
      <div className="deal-head">
        <Link to={`/deals/${encodeURIComponent(deal.id)}`} draggable={false}>
          <strong>{deal.title}</strong>
        </Link>
        {draggable && (
          <span className="drag-handle" aria-hidden="true" data-testid="drag-handle" {...pointerDrag}>
            ⠿
          </span>
        )}
      </div>
      <span>{formatMoney(deal.value_cents, deal.currency, locale)}</span>
      {client && <small>{client}</small>}
      {owner && <small className="hint">{owner}</small>}
      {deal.source && <small>{deal.source}</small>}
      {targets.length > 0 && (
        <div className="moves">
          {targets.map((to) => {
            const arrow = to === STAGES[i - 1] ? "← " : to === STAGES[i + 1] ? "→ " : "";
            return (
              <button type="button" key={to} onClick={() => onMove(to)} aria-label={t("pipeline.moveTo", { stage: t(`stage.${to}`) })}>
                {arrow}
                {t(`stage.${to}`)}
              </button>
            );
          })}
        </div>
      )}
    </li>
  );
}

export function DealForm({ onSaved, onCancel, accountId }: { onSaved: (d: Deal) => void; onCancel: () => void; accountId?: string }) {
  const { t, locale } = useI18n();
  const [title, setTitle] = useState("");
  const [value, setValue] = useState("");
  const [source, setSource] = useState("");
  const [account, setAccount] = useState(accountId ?? "");
  const [contact, setContact] = useState("");

  const submit = async () => {
    const cents = value.trim() === "" ? 0 : parseMoney(value, locale);
    if (cents === null) throw ApiError.field("value_cents", { code: "not_amount", message: "is not an amount" });
    onSaved(
      await api.post<Deal>("/api/deals", {
        title,
        value_cents: cents,
        source: source || null,
        account_id: account || null,
        contact_id: contact || null,
      }),
    );
  };

  return (
    <Form onSubmit={submit} submitLabel={t("common.create")} onCancel={onCancel}>
      <Field label={t("common.title")} name="title" required value={title} onChange={(e) => setTitle(e.target.value)} />
      <Field label={t("pipeline.value")} name="value_cents" inputMode="decimal" value={value} onChange={(e) => setValue(e.target.value)} />
      <Field label={t("pipeline.source")} name="source" value={source} onChange={(e) => setSource(e.target.value)} />
      <AccountPicker value={account} onChange={(id) => setAccount(id)} />
      <ContactPicker value={contact} onChange={setContact} />
    </Form>
  );
}

function ContactPicker({ value, onChange }: { value: string; onChange: (id: string) => void }) {
  const { t } = useI18n();
  return (
    <RecordPicker<{ id: string; name: string }>
      label={t("crm.contact")}
      searchLabel={t("crm.findContact")}
      path="/api/contacts"
      name="contact_id"
      value={value}
      onChange={(id) => onChange(id)}
      describe={(c) => c.name}
    />
  );
}
