// `/attribution/sites/:id`: one tracked site: its snippet, what visitors consented to over the
// last 30 days, the consent ledger and the recent events as they were stored (without consent:
// no visitor, no campaign, no click ids).
import { consentWords, percent } from "../../attribution/logic";
import { AttributionTabs } from "../../attribution/Tabs";
import { Snippet } from "../../attribution/Snippet";
import type { ConsentOverview, ConsentRecord, ConsentSource, Site, TrackedEvent } from "../../attribution/types";
import { PagedList, Table } from "../../components/List";
import { ErrorBox, Loading, PageTitle } from "../../components/ui";
import { useFetch, usePaged } from "../../hooks";
import { formatDate, useI18n } from "../../i18n";

const SOURCES: readonly ConsentSource[] = ["default", "banner", "gcm", "tcf"];

export function SitePage({ id }: { id: string }) {
  const { t } = useI18n();
  const path = `/api/sites/${encodeURIComponent(id)}`;
  const site = useFetch<Site>(path);
  return (
    <section>
      <AttributionTabs />
      <PageTitle>{site.data?.name ?? t("attribution.sites.title")}</PageTitle>
      <ErrorBox error={site.error} />
      {site.loading && <Loading />}
      {site.data && (
        <>
          <p className="mono">{site.data.origins.join(", ")}</p>
          <Snippet site={site.data} />
          <Overview path={`${path}/consent`} />
          <Events path={`${path}/events`} />
          <Records path={`${path}/consent-records`} />
        </>
      )}
    </section>
  );
}

function Overview({ path }: { path: string }) {
  const { t } = useI18n();
  const answer = useFetch<ConsentOverview>(path);
  const o = answer.data;
  const events = o ? o.events_with_consent + o.events_without_consent : 0;
  return (
    <section className="panel" aria-labelledby="site-consent">
      <h2 id="site-consent">{t("attribution.site.consentOverview", { days: o?.days ?? 30 })}</h2>
      <ErrorBox error={answer.error} />
      {o && (
        <dl className="report-totals">
          <div>
            <dt>{t("attribution.site.decisions")}</dt>
            <dd className="num">{o.decisions}</dd>
          </div>
          {(["analytics", "ads", "ad_user_data", "ad_personalization"] as const).map((k) => (
            <div key={k}>
              <dt>{t(`attribution.consent.${k}`)}</dt>
              <dd className="num">
                {o[k]} ({percent(o[k], o.decisions)}%)
              </dd>
            </div>
          ))}
          <div>
            <dt>{t("attribution.site.gpc")}</dt>
            <dd className="num">{o.gpc}</dd>
          </div>
          <div>
            <dt>{t("attribution.site.eventsWith")}</dt>
            <dd className="num">
              {o.events_with_consent} ({percent(o.events_with_consent, events)}%)
            </dd>
          </div>
          <div>
            <dt>{t("attribution.site.eventsWithout")}</dt>
            <dd className="num">{o.events_without_consent}</dd>
          </div>
          <div>
            <dt>{t("attribution.site.bySource")}</dt>
            <dd>{SOURCES.map((s) => `${t(`attribution.consentSource.${s}`)}: ${o.by_source[s] ?? 0}`).join(" · ")}</dd>
          </div>
        </dl>
      )}
    </section>
  );
}

function Events({ path }: { path: string }) {
  const { t, locale } = useI18n();
  const list = usePaged<TrackedEvent>(path);
  const campaign = (e: TrackedEvent) => [e.utm_source, e.utm_medium, e.utm_campaign].filter(Boolean).join(" / ") || e.referrer_host || "";
  return (
    <section aria-labelledby="site-events">
      <h2 id="site-events" className="section">
        {t("attribution.site.events")}
      </h2>
      <PagedList list={list} empty={t("attribution.site.noEvents")} name={t("attribution.site.events")}>
        {list.items.length > 0 && (
          <Table
            label={t("attribution.site.events")}
            rows={list.items}
            rowKey={(e) => e.id}
            columns={[
              { header: t("attribution.site.time"), cell: (e) => formatDate(e.occurred_at, locale, true) },
              { header: t("attribution.site.event"), cell: (e) => e.name },
              { header: t("attribution.site.page"), cell: (e) => <span className="mono">{e.page ?? ""}</span> },
              { header: t("attribution.site.campaign"), cell: campaign },
              { header: t("attribution.site.consent"), cell: (e) => `${consentWords(e.consent, t)}${e.gpc ? " · GPC" : ""}` },
              { header: t("attribution.site.visitor"), cell: (e) => (e.visitor_id ? t("attribution.site.known") : t("attribution.site.anonymous")) },
            ]}
          />
        )}
      </PagedList>
    </section>
  );
}

function Records({ path }: { path: string }) {
  const { t, locale } = useI18n();
  const list = usePaged<ConsentRecord>(path);
  return (
    <section aria-labelledby="site-records">
      <h2 id="site-records" className="section">
        {t("attribution.site.records")}
      </h2>
      <PagedList list={list} empty={t("attribution.site.noRecords")} name={t("attribution.site.records")}>
        {list.items.length > 0 && (
          <Table
            label={t("attribution.site.records")}
            rows={list.items}
            rowKey={(r) => r.id}
            columns={[
              { header: t("attribution.site.time"), cell: (r) => formatDate(r.recorded_at, locale, true) },
              { header: t("attribution.site.consent"), cell: (r) => `${consentWords(r.consent, t)}${r.gpc ? " · GPC" : ""}` },
              { header: t("attribution.sites.consentMode"), cell: (r) => t(`attribution.consentSource.${r.source}`) },
              { header: t("attribution.site.version"), cell: (r) => r.version ?? "" },
            ]}
          />
        )}
      </PagedList>
    </section>
  );
}
