import { useState, type KeyboardEvent } from "react";
import { ApiError, api } from "../api/client";
import { STAGES, type Deal, type Stage } from "../api/types";
import { can } from "../generated/roles";
import { usePaged } from "../hooks";
import { useI18n } from "../i18n";
import { formatMoney, parseMoney } from "../money";
import { useRole } from "../session";
import { ErrorBox, Field, Form, PageTitle } from "../components/ui";
import { PagedList } from "../components/List";
import { AccountPicker } from "../components/Picker";

/** The stages a deal can be moved to from its card: neighbours, and the two closing stages. */
export function moveTargets(stage: Stage): Stage[] {
  if (stage === "won" || stage === "lost") return [];
  const i = STAGES.indexOf(stage);
  const wanted = new Set<Stage>([STAGES[i - 1], STAGES[i + 1], "won", "lost"].filter((s): s is Stage => !!s));
  wanted.delete(stage);
  return STAGES.filter((s) => wanted.has(s));
}

export function Pipeline() {
  const { t } = useI18n();
  const writable = can(useRole(), "deals.write");
  const deals = usePaged<Deal>("/api/deals");
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);

  const move = async (deal: Deal, stage: Stage) => {
    setError(null);
    try {
      const updated = await api.patch<Deal>(`/api/deals/${deal.id}`, { stage });
      deals.setItems((items) => items.map((d) => (d.id === updated.id ? updated : d)));
      // Keep the keyboard where the card went.
      requestAnimationFrame(() => document.getElementById(`deal-${deal.id}`)?.focus());
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section>
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
            setCreating(false);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      {writable && <p className="hint">{t("pipeline.keyboardHint")}</p>}
      <ErrorBox error={error} />
      <PagedList list={deals} search>
        <div className="board">
          {STAGES.map((stage) => (
            <section className="column" key={stage} aria-labelledby={`stage-${stage}`}>
              <h2 id={`stage-${stage}`}>{t(`stage.${stage}`)}</h2>
              <ul>
                {deals.items
                  .filter((d) => d.stage === stage)
                  .map((d) => (
                    <DealCard key={d.id} deal={d} writable={writable} onMove={(s) => void move(d, s)} />
                  ))}
              </ul>
            </section>
          ))}
        </div>
      </PagedList>
    </section>
  );
}

function DealCard({ deal, writable, onMove }: { deal: Deal; writable: boolean; onMove: (s: Stage) => void }) {
  const { t, locale } = useI18n();
  const targets = writable ? moveTargets(deal.stage) : [];
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
    <li className="deal" id={`deal-${deal.id}`} tabIndex={0} onKeyDown={onKey} aria-label={deal.title}>
      <strong>{deal.title}</strong>
      <span>{formatMoney(deal.value_cents, deal.currency, locale)}</span>
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

function DealForm({ onSaved, onCancel }: { onSaved: (d: Deal) => void; onCancel: () => void }) {
  const { t, locale } = useI18n();
  const [title, setTitle] = useState("");
  const [value, setValue] = useState("");
  const [source, setSource] = useState("");
  const [account, setAccount] = useState("");

  const submit = async () => {
    const cents = value.trim() === "" ? 0 : parseMoney(value, locale);
    if (cents === null) throw ApiError.field("value_cents", { code: "not_amount", message: "is not an amount" });
    onSaved(
      await api.post<Deal>("/api/deals", { title, value_cents: cents, source: source || null, account_id: account || null }),
    );
  };

  return (
    <Form onSubmit={submit} submitLabel={t("common.create")} onCancel={onCancel}>
      <Field label={t("common.title")} name="title" required value={title} onChange={(e) => setTitle(e.target.value)} />
      <Field label={t("pipeline.value")} name="value_cents" inputMode="decimal" value={value} onChange={(e) => setValue(e.target.value)} />
      <Field label={t("pipeline.source")} name="source" value={source} onChange={(e) => setSource(e.target.value)} />
      <AccountPicker value={account} onChange={(id) => setAccount(id)} />
    </Form>
  );
}
