// A contact's touchpoints (oldest first) on the contact page, the first and last touch marked:
// shown only to roles with `attribution.read`.
import { touchMark } from "./logic";
import type { ContactTouchpoints } from "./types";
import { ErrorBox, Loading } from "../components/ui";
import { useFetch } from "../hooks";
import { formatDate, useI18n } from "../i18n";

export function Touchpoints({ contactId }: { contactId: string }) {
  const { t, locale } = useI18n();
  const answer = useFetch<ContactTouchpoints>(`/api/contacts/${encodeURIComponent(contactId)}/touchpoints`);
  const list = answer.data;
  return (
    <section className="panel" aria-labelledby="contact-touchpoints">
      <h2 id="contact-touchpoints">{t("attribution.touchpoints.title")}</h2>
      <ErrorBox error={answer.error} />
      {answer.loading && <Loading />}
      {list && list.items.length === 0 && <p className="hint">{t("attribution.touchpoints.none")}</p>}
      {list && list.items.length > 0 && (
        <ol className="stack" data-testid="touchpoints">
          {list.items.map((tp) => {
            const mark = touchMark(list, tp.id);
            const what = tp.direct ? t("attribution.touchpoints.direct") : [tp.source ?? tp.referrer_host, tp.medium, tp.campaign].filter(Boolean).join(" / ");
            return (
              <li key={tp.id}>
                <strong>{what}</strong>
                {(mark === "first" || mark === "both") && <span className="badge">{t("attribution.touchpoints.first")}</span>}
                {(mark === "last" || mark === "both") && <span className="badge">{t("attribution.touchpoints.last")}</span>}
                <small className="hint block">
                  {formatDate(tp.occurred_at, locale, true)} · {t("attribution.touchpoints.site")}: {tp.site_name}
                  {tp.click_ids.length > 0 && ` · ${t("attribution.touchpoints.clickIds", { list: tp.click_ids.join(", ") })}`}
                </small>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
