// A contact's page: how to reach them, their client, their deals, and a timeline.
import { useState } from "react";
import type { Contact } from "../api/types";
import { can } from "../generated/roles";
import { useFetch, usePaged } from "../hooks";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { useRole } from "../session";
import { ContactForm } from "./Contacts";
import { DealsTable } from "./AccountPage";
import { PagedList } from "../components/List";
import { Touchpoints } from "../attribution/Touchpoints";
import { Timeline } from "../components/Timeline";
import { ErrorBox, Loading, PageTitle } from "../components/ui";
import type { ClientAccount, CrmDeal } from "../crm/types";

export function ContactPage({ id }: { id: string }) {
  const { t } = useI18n();
  const role = useRole();
  const contact = useFetch<Contact>(`/api/contacts/${encodeURIComponent(id)}`);
  const accountId = contact.data?.account_id ?? null;
  const account = useFetch<ClientAccount>(accountId ? `/api/accounts/${encodeURIComponent(accountId)}` : null);
  const [editing, setEditing] = useState(false);

  if (contact.loading && !contact.data) return <Loading />;
  if (!contact.data) {
    return (
      <section>
        <PageTitle>{t("contact.notFound")}</PageTitle>
        <ErrorBox error={contact.error} />
        <Link to="/contacts">{t("crm.back")}</Link>
      </section>
    );
  }
  const c = contact.data;
  const none = t("common.none");
  return (
    <section className="record-page">
      <p className="crumbs no-print">
        <Link to="/contacts">{t("contacts.title")}</Link>
      </p>
      <PageTitle
        actions={
          can(role, "crm.write") &&
          !editing && (
            <button type="button" onClick={() => setEditing(true)}>
              {t("contact.edit")}
            </button>
          )
        }
      >
        {c.name}
      </PageTitle>
      {editing ? (
        <ContactForm
          contact={c}
          onSaved={(saved) => {
            contact.setData(saved);
            setEditing(false);
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <section className="panel" aria-label={t("client.details")}>
          <dl className="details">
            <div>
              <dt>{t("common.email")}</dt>
              <dd>{c.email ? <a href={`mailto:${c.email}`}>{c.email}</a> : none}</dd>
            </div>
            <div>
              <dt>{t("common.phone")}</dt>
              <dd>{c.phone ? <a href={`tel:${c.phone.replace(/\s/g, "")}`}>{c.phone}</a> : none}</dd>
            </div>
            <div>
              <dt>{t("deal.client")}</dt>
              <dd>{c.account_id ? <Link to={`/accounts/${encodeURIComponent(c.account_id)}`}>{account.data?.name ?? "…"}</Link> : none}</dd>
            </div>
          </dl>
        </section>
      )}
      <div className="record-grid">
        <div>
          {can(role, "deals.read") && <ContactDeals id={c.id} />}
          {can(role, "attribution.read") && <Touchpoints contactId={c.id} />}
        </div>
        <div>
          <h2 className="section">{t("client.timeline")}</h2>
          <Timeline path={`/api/contacts/${encodeURIComponent(c.id)}/timeline`} label={t("client.timeline")} />
        </div>
      </div>
    </section>
  );
}

function ContactDeals({ id }: { id: string }) {
  const { t } = useI18n();
  const list = usePaged<CrmDeal>("/api/deals", { params: { contact_id: id } });
  const rows = list.items.filter((d) => d.contact_id === id);
  return (
    <>
      <h2 className="section">{t("client.deals")}</h2>
      <PagedList list={list} name={t("client.deals")}>
        {rows.length > 0 && <DealsTable rows={rows} label={t("client.deals")} />}
      </PagedList>
    </>
  );
}
