// What the agency asked the client to approve: a file or a note, approved or sent back with a
// comment. Decided ones show who decided and when.
import { useState } from "react";
import { useAction } from "../../hooks";
import { formatDate, useI18n } from "../../i18n";
import { ErrorBox, FieldErrors, Loading, PageTitle, TextArea } from "../../components/ui";
import { portalApi, portalDownload } from "../client";
import { usePortal, usePortalFetch } from "../hooks";
import { itemsOf, type Approval, type ListOf } from "../types";

export function PortalApprovals() {
  const { t } = useI18n();
  const list = usePortalFetch<ListOf<Approval>>("/api/portal/approvals");
  const rows = itemsOf(list.data);
  const pending = rows.filter((a) => a.status === "pending");
  const decided = rows.filter((a) => a.status !== "pending");
  const replace = (a: Approval) =>
    list.setData((old) => {
      const items = itemsOf(old).map((x) => (x.id === a.id ? { ...x, ...a } : x));
      return Array.isArray(old) || !old ? items : { ...old, items };
    });
  return (
    <section>
      <PageTitle>{t("portal.nav.approvals")}</PageTitle>
      <ErrorBox error={list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && pending.length === 0 && <p>{t("portal.nothingToApprove")}</p>}
      <ul className="stack">
        {pending.map((a) => (
          <ApprovalCard key={a.id} approval={a} onDecided={replace} />
        ))}
      </ul>
      {decided.length > 0 && (
        <>
          <h2 className="section">{t("portal.decided")}</h2>
          <ul className="stack">
            {decided.map((a) => (
              <ApprovalCard key={a.id} approval={a} onDecided={replace} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

export function ApprovalStatus({ approval: a }: { approval: Approval }) {
  const { t } = useI18n();
  return <span className={`badge approval-${a.status}`}>{t(`portal.approval.${a.status}`)}</span>;
}

function ApprovalCard({ approval: a, onDecided }: { approval: Approval; onDecided: (a: Approval) => void }) {
  const { t, locale } = useI18n();
  const { readOnly } = usePortal();
  const [comment, setComment] = useState("");
  const [changes, setChanges] = useState(false);
  const action = useAction();
  const [fileError, setFileError] = useState<unknown>(null);
  const decide = (decision: "approved" | "changes_requested") =>
    action.run(async () => {
      const answer = await portalApi.post<Approval | undefined>(`/api/portal/approvals/${encodeURIComponent(a.id)}/decide`, {
        decision,
        comment: comment.trim() || undefined,
      });
      onDecided(answer && answer.id ? answer : { ...a, status: decision, decision_comment: comment.trim() || null, decided_at: new Date().toISOString() });
    });
  return (
    <li className="panel" aria-label={a.title}>
      <div className="section-title">
        <h2>{a.title}</h2>
        <ApprovalStatus approval={a} />
      </div>
      <p className="hint">{t("portal.askedOn", { date: formatDate(a.requested_at, locale) })}</p>
      {a.note && <p className="body">{a.note}</p>}
      {(a.file || a.file_id) && (a.file?.deleted !== true) && (
        <p>
          <button
            type="button"
            className="link"
            onClick={() => {
              setFileError(null);
              portalDownload(`/api/portal/approvals/${encodeURIComponent(a.id)}/file`, a.file?.name ?? a.title).catch(setFileError);
            }}
          >
            {a.file ? t("portal.downloadFile", { name: a.file.name }) : t("portal.openFile")}
          </button>
        </p>
      )}
      <ErrorBox error={fileError} />
      {a.status !== "pending" && (
        <p>
          {t("portal.decidedOn", { date: formatDate(a.decided_at, locale, true) })}
          {a.decision_comment && (
            <>
              {" "}
              <q>{a.decision_comment}</q>
            </>
          )}
        </p>
      )}
      {a.status === "pending" && !readOnly && (
        <FieldErrors error={action.error}>
          {changes && (
            <TextArea label={t("portal.whatToChange")} name="comment" rows={3} required value={comment} onChange={(e) => setComment(e.target.value)} />
          )}
          <ErrorBox error={action.error} />
          <div className="buttons">
            {!changes ? (
              <>
                <button type="button" className="primary" disabled={action.busy} onClick={() => void decide("approved")}>
                  {t("portal.approve")}
                </button>
                <button type="button" disabled={action.busy} onClick={() => setChanges(true)}>
                  {t("portal.requestChanges")}
                </button>
              </>
            ) : (
              <>
                <button type="button" className="primary" disabled={action.busy || !comment.trim()} onClick={() => void decide("changes_requested")}>
                  {t("portal.sendChanges")}
                </button>
                <button type="button" onClick={() => setChanges(false)}>
                  {t("common.cancel")}
                </button>
              </>
            )}
          </div>
        </FieldErrors>
      )}
    </li>
  );
}
