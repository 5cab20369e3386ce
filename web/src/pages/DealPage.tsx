// A deal's page: value, stage and how likely it is, its owner, client and contact, its stage
// history (who moved it when), reopen for a won or lost deal, and a timeline.
import { useState } from "react";
import { api } from "../api/client";
import type { Contact } from "../api/types";
import { STAGES, type Stage } from "../generated/contract";
import { can } from "../generated/roles";
import { useAction, useFetch } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { formatMoney } from "../money";
import { Link } from "../router";
import { useRole } from "../session";
import { DealEditForm } from "../components/DealEditForm";
import { Timeline } from "../components/Timeline";
import { ErrorBox, Loading, PageTitle, Select } from "../components/ui";
import { isClosed, STAGE_PROBABILITY_BP } from "../crm/logic";
import { usePeople } from "../crm/people";
import type { ClientAccount, CrmDeal } from "../crm/types";

/** The stages a closed deal can be reopened in. */
export const REOPEN_STAGES: readonly Stage[] = STAGES.filter((s) => !isClosed(s));

export function DealPage({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const role = useRole();
  const deal = useFetch<CrmDeal>(`/api/deals/${encodeURIComponent(id)}`);
  const d = deal.data;
  const account = useFetch<ClientAccount>(d?.account_id ? `/api/accounts/${encodeURIComponent(d.account_id)}` : null);
  const contact = useFetch<Contact>(d?.contact_id ? `/api/contacts/${encodeURIComponent(d.contact_id)}` : null);
  const people = usePeople();
  const [reopenStage, setReopenStage] = useState<Stage>("proposal");
  const reopen = useAction();
  const [editing, setEditing] = useState(false);

  if (deal.loading && !d) return <Loading />;
  if (!d) {
    return (
      <section>
        <PageTitle>{t("deal.notFound")}</PageTitle>
        <ErrorBox error={deal.error} />
        <Link to="/pipeline">{t("crm.back")}</Link>
      </section>
    );
  }
  const none = t("common.none");
  const owner = d.owner_name ?? people.name(d.owner_id);
  const stageName = (s: string | null) => (s && (STAGES as readonly string[]).includes(s) ? t(`stage.${s as Stage}`) : (s ?? none));

  const doReopen = () =>
    reopen.run(async () => {
      const reopened = await api.post<CrmDeal>(`/api/deals/${encodeURIComponent(d.id)}/reopen`, { stage: reopenStage });
      // The single-deal answer carries the history; read it again when the reopen answer lacks it.
      deal.setData(reopened.stage_history ? reopened : { ...reopened, stage_history: d.stage_history });
      void deal.reload();
    });

  return (
    <section className="record-page">
      <p className="crumbs no-print">
        <Link to="/pipeline">{t("pipeline.title")}</Link>
      </p>
      <PageTitle
        actions={
          can(role, "deals.write") &&
          !editing && (
            <button type="button" onClick={() => setEditing(true)}>
              {t("deal.edit")}
            </button>
          )
        }
      >
        {d.title}
      </PageTitle>
      {editing && (
        <DealEditForm
          deal={d}
          people={people.list}
          onSaved={(saved) => {
            deal.setData({ ...saved, stage_history: saved.stage_history ?? d.stage_history });
            setEditing(false);
          }}
          onCancel={() => setEditing(false)}
        />
      )}
      <section className="panel" aria-label={t("client.details")}>
        <dl className="details" data-testid="deal-details">
          <div>
            <dt>{t("deal.value")}</dt>
            <dd>{formatMoney(d.value_cents, d.currency, locale)}</dd>
          </div>
          <div>
            <dt>{t("deal.stage")}</dt>
            <dd data-testid="deal-stage">
              <span className={`badge stage-${d.stage}`}>{t(`stage.${d.stage}`)}</span>{" "}
              <small className="hint">{t("deal.probability", { percent: STAGE_PROBABILITY_BP[d.stage] / 100 })}</small>
            </dd>
          </div>
          <div>
            <dt>{t("deal.owner")}</dt>
            <dd>{owner ?? none}</dd>
          </div>
          <div>
            <dt>{t("deal.client")}</dt>
            <dd>{d.account_id ? <Link to={`/accounts/${encodeURIComponent(d.account_id)}`}>{account.data?.name ?? "…"}</Link> : none}</dd>
          </div>
          <div>
            <dt>{t("deal.contact")}</dt>
            <dd>{d.contact_id ? <Link to={`/contacts/${encodeURIComponent(d.contact_id)}`}>{contact.data?.name ?? "…"}</Link> : none}</dd>
          </div>
          <div>
            <dt>{t("pipeline.source")}</dt>
            <dd>{d.source ?? none}</dd>
          </div>
          <div>
            <dt>{t("deal.expectedClose")}</dt>
            <dd>{d.expected_close_date ? formatDate(d.expected_close_date, locale) : none}</dd>
          </div>
          {d.closed_at && (
            <div>
              <dt>{t("deal.closedAt")}</dt>
              <dd>{formatDate(d.closed_at, locale, true)}</dd>
            </div>
          )}
        </dl>
        {isClosed(d.stage) && can(role, "deals.write") && (
          <form
            className="inline"
            onSubmit={(e) => {
              e.preventDefault();
              void doReopen();
            }}
          >
            <Select label={t("deal.reopenIn")} value={reopenStage} onChange={(e) => setReopenStage(e.target.value as Stage)}>
              {REOPEN_STAGES.map((s) => (
                <option key={s} value={s}>
                  {t(`stage.${s}`)}
                </option>
              ))}
            </Select>
            <button type="submit" disabled={reopen.busy} aria-label={t("deal.reopenLabel", { title: d.title })}>
              {t("deal.reopen")}
            </button>
          </form>
        )}
        <ErrorBox error={reopen.error} />
      </section>
      <div className="record-grid">
        <div>
          <h2 className="section">{t("deal.history")}</h2>
          <ol className="stack timeline-list" aria-label={t("deal.history")} data-testid="stage-history">
            {(d.stage_history ?? []).map((h, i) => (
              <li key={`${h.at}-${i}`} className="timeline-entry">
                <time dateTime={h.at}>{formatDate(h.at, locale, true)}</time>
                <strong>{h.from ? t("deal.historyEntry", { from: stageName(h.from), to: stageName(h.to) }) : t("deal.created", { stage: stageName(h.to) })}</strong>
                {h.by && <small className="hint">{t("timeline.by", { actor: people.name(h.by) ?? t("crm.someone") })}</small>}
              </li>
            ))}
          </ol>
        </div>
        <div>
          <h2 className="section">{t("client.timeline")}</h2>
          <Timeline path={`/api/deals/${encodeURIComponent(d.id)}/timeline`} label={t("client.timeline")} />
        </div>
      </div>
    </section>
  );
}
