// A record's timeline (client, contact, deal): what happened, newest first, each entry with
// its time, a plain label of the event, the record it was about (linked where the app has a
// page for it) and who did it. Paged like every list.
import { usePaged } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { Link } from "../router";
import { eventKey } from "../crm/logic";
import type { TimelineEntry } from "../crm/types";
import { PagedList } from "./List";

/** Where the app shows a subject of a timeline entry, if anywhere. */
export function subjectPath(type: string, id: string): string | null {
  const safe = encodeURIComponent(id);
  switch (type) {
    case "account":
      return `/accounts/${safe}`;
    case "contact":
      return `/contacts/${safe}`;
    case "deal":
      return `/deals/${safe}`;
    case "invoice":
      return `/invoices/${safe}`;
    case "credit_note":
      return `/credit-notes/${safe}`;
    default:
      return null;
  }
}

export function Timeline({ path, label }: { path: string; label: string }) {
  const { t, locale } = useI18n();
  const list = usePaged<TimelineEntry>(path);
  return (
    <section className="timeline" aria-label={label}>
      <PagedList list={list} empty={t("timeline.empty")} name={label}>
        <ol className="stack timeline-list">
          {list.items.map((e) => {
            const key = eventKey(e.event);
            const to = subjectPath(e.subject_type, e.subject_id);
            return (
              <li key={e.id} className="timeline-entry">
                <time dateTime={e.at}>{formatDate(e.at, locale, true)}</time>
                <span className="timeline-what">
                  <strong>{key ? t(key) : e.event}</strong>
                  {e.title && (
                    <>
                      {": "}
                      {to ? <Link to={to}>{e.title}</Link> : e.title}
                    </>
                  )}
                </span>
                {e.actor_name && <small className="hint">{t("timeline.by", { actor: e.actor_name })}</small>}
              </li>
            );
          })}
        </ol>
      </PagedList>
    </section>
  );
}
