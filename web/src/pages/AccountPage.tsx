// A client's page: its details (the client record invoices use), its contacts, deals, contracts
// and invoices, and a timeline of what happened. Editing is the same form as the list's.
import { useState } from "react";
import type { Contact, Contract, Invoice } from "../api/types";
import { can } from "../generated/roles";
import { useFetch, usePaged } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { formatMoney } from "../money";
import { Link } from "../router";
import { useRole } from "../session";
import { AccountForm } from "../components/AccountForm";
import { ContactForm } from "./Contacts";
import { DealForm } from "./Pipeline";
import { PagedList, Table } from "../components/List";
import { Timeline } from "../components/Timeline";
import { ErrorBox, Loading, PageTitle } from "../components/ui";
import { AccountPortal } from "../components/portal/AccountPortal";
import { labelOr } from "../crm/labels";
import type { ClientAccount, CrmDeal } from "../crm/types";

export function AccountPage({ id }: { id: string }) {
  const { t } = useI18n();
  const role = useRole();
  const account = useFetch<ClientAccount>(`/api/accounts/${encodeURIComponent(id)}`);
  const [editing, setEditing] = useState(false);

  if (account.loading && !account.data) return <Loading />;
  if (!account.data) {
    return (
      <section>
        <PageTitle>{t("client.notFound")}</PageTitle>
        <ErrorBox error={account.error} />
        <Link to="/accounts">{t("crm.back")}</Link>
      </section>
    );
  }
  const a = account.data;
  return (
    <section className="record-page">
      <p className="crumbs no-print">
        <Link to="/accounts">{t("accounts.title")}</Link>
      </p>
      <PageTitle
        actions={
          <>
            {can(role, "projects.read") && (
              <Link className="button" to={`/projects?account_id=${encodeURIComponent(a.id)}`}>
                {t("projects.ofClient")}
              </Link>
            )}
            {can(role, "crm.write") && !editing && (
              <button type="button" onClick={() => setEditing(true)}>
                {t("client.edit")}
              </button>
            )}
          </>
        }
      >
        {a.name}
      </PageTitle>
      {editing ? (
        <AccountForm
          account={a}
          onSaved={(saved) => {
            account.setData(saved);
            setEditing(false);
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <ClientDetails account={a} />
      )}
      <div className="record-grid">
        <div>
          <AccountContacts id={a.id} />
          {can(role, "deals.read") && <AccountDeals id={a.id} />}
          {can(role, "contracts.read") && can(role, "deals.read") && <AccountContracts id={a.id} />}
          {can(role, "invoices.read") && <AccountInvoices id={a.id} />}
        </div>
        <div>
          <h2 className="section">{t("client.timeline")}</h2>
          <Timeline path={`/api/accounts/${encodeURIComponent(a.id)}/timeline`} label={t("client.timeline")} />
        </div>
      </div>
      {can(role, "portal.engage") && <AccountPortal accountId={a.id} accountName={a.name} />}
    </section>
  );
}

/** The client record as a description list; empty fields show a dash. */
export function ClientDetails({ account: a }: { account: ClientAccount }) {
  const { t } = useI18n();
  const none = t("common.none");
  const address = [a.street, [a.postcode, a.city].filter(Boolean).join(" "), a.country].filter(Boolean);
  const rows: [string, React.ReactNode][] = [
    [t("client.legalName"), a.legal_name || none],
    [t("client.address"), address.length ? address.map((line) => <span className="block" key={line}>{line}</span>) : none],
    [t("client.vatId"), a.vat_id || none],
    [t("client.kvk"), a.kvk_number || none],
    [t("client.peppolId"), a.peppol_id || none],
    [t("client.invoiceEmail"), a.invoice_email || none],
    [
      t("client.paymentTerms"),
      a.payment_terms_days === null || a.payment_terms_days === undefined
        ? t("client.defaultTerm")
        : t("client.paymentTermsValue", { days: a.payment_terms_days }),
    ],
    [t("client.language"), t(a.language === "en" ? "client.lang.en" : "client.lang.nl")],
    [t("common.website"), a.website ? <a href={a.website} rel="noopener noreferrer" target="_blank">{a.website}</a> : none],
  ];
  return (
    <section className="panel" aria-label={t("client.details")}>
      <dl className="details" data-testid="client-details">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function AccountContacts({ id }: { id: string }) {
  const { t } = useI18n();
  const writable = can(useRole(), "crm.write");
  const list = usePaged<Contact>("/api/contacts", { params: { account_id: id } });
  const [adding, setAdding] = useState(false);
  // A server without the filter answers every contact: only this client's are shown.
  const rows = list.items.filter((c) => c.account_id === id);
  return (
    <>
      <SectionTitle title={t("client.contacts")} add={writable && !adding ? () => setAdding(true) : null} addLabel={t("contacts.new")} />
      {adding && (
        <ContactForm
          contact={null}
          accountId={id}
          onSaved={(c) => {
            list.setItems((items) => [c, ...items]);
            setAdding(false);
          }}
          onCancel={() => setAdding(false)}
        />
      )}
      <PagedList list={list} name={t("client.contacts")}>
        {rows.length > 0 && (
          <Table
            label={t("client.contacts")}
            rows={rows}
            rowKey={(c) => c.id}
            columns={[
              { header: t("common.name"), cell: (c) => <Link to={`/contacts/${encodeURIComponent(c.id)}`}>{c.name}</Link> },
              { header: t("common.email"), cell: (c) => c.email ?? t("common.none") },
              { header: t("common.phone"), cell: (c) => c.phone ?? t("common.none") },
            ]}
          />
        )}
      </PagedList>
    </>
  );
}

export function DealsTable({ rows, label }: { rows: CrmDeal[]; label: string }) {
  const { t, locale } = useI18n();
  return (
    <Table
      label={label}
      rows={rows}
      rowKey={(d) => d.id}
      columns={[
        { header: t("common.title"), cell: (d) => <Link to={`/deals/${encodeURIComponent(d.id)}`}>{d.title}</Link> },
        { header: t("deal.stage"), cell: (d) => t(`stage.${d.stage}`) },
        { header: t("deal.value"), className: "num", cell: (d) => formatMoney(d.value_cents, d.currency, locale) },
      ]}
    />
  );
}

function AccountDeals({ id }: { id: string }) {
  const { t } = useI18n();
  const writable = can(useRole(), "deals.write");
  const list = usePaged<CrmDeal>("/api/deals", { params: { account_id: id } });
  const [adding, setAdding] = useState(false);
  const rows = list.items.filter((d) => d.account_id === id);
  return (
    <>
      <SectionTitle title={t("client.deals")} add={writable && !adding ? () => setAdding(true) : null} addLabel={t("pipeline.new")} />
      {adding && (
        <DealForm
          accountId={id}
          onSaved={(d) => {
            list.setItems((items) => [d, ...items]);
            setAdding(false);
          }}
          onCancel={() => setAdding(false)}
        />
      )}
      <PagedList list={list} name={t("client.deals")}>
        {rows.length > 0 && <DealsTable rows={rows} label={t("client.deals")} />}
      </PagedList>
    </>
  );
}

function AccountContracts({ id }: { id: string }) {
  const { t, locale } = useI18n();
  // The contracts of this client's deals (the server follows the deals).
  const list = usePaged<Contract>("/api/contracts", { params: { account_id: id } });
  const rows = list.items;
  return (
    <>
      <h2 className="section">{t("client.contracts")}</h2>
      <PagedList list={list} name={t("client.contracts")}>
        {rows.length > 0 && (
          <Table
            label={t("client.contracts")}
            rows={rows}
            rowKey={(c) => c.id}
            columns={[
              { header: t("common.title"), cell: (c) => c.title },
              { header: t("common.status"), cell: (c) => <span className={`badge ${c.status}`}>{t(`contracts.status.${c.status}`)}</span> },
              { header: t("audit.at"), cell: (c) => formatDate(c.signed_at ?? c.sent_at ?? c.created_at, locale) },
            ]}
          />
        )}
      </PagedList>
    </>
  );
}

function AccountInvoices({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const list = usePaged<Invoice>("/api/invoices", { params: { account_id: id } });
  const rows = list.items.filter((i) => i.account_id === id);
  return (
    <>
      <h2 className="section">{t("client.invoices")}</h2>
      <PagedList list={list} name={t("client.invoices")}>
        {rows.length > 0 && (
          <Table
            label={t("client.invoices")}
            rows={rows}
            rowKey={(i) => i.id}
            columns={[
              {
                header: t("invoices.number"),
                cell: (i) => <Link to={`/invoices/${encodeURIComponent(i.id)}`}>{i.number ?? t("invoices.draftNumber")}</Link>,
              },
              {
                header: t("common.status"),
                cell: (i) => <span className={`badge ${i.status}`}>{labelOr(t, `invoices.status.${i.status}`, i.status)}</span>,
              },
              { header: t("invoices.total"), className: "num", cell: (i) => formatMoney(i.total_cents, i.currency, locale) },
            ]}
          />
        )}
      </PagedList>
    </>
  );
}

/** A section's heading, with an "add" button beside it where the role may add. */
function SectionTitle({ title, add, addLabel }: { title: string; add: (() => void) | null; addLabel: string }) {
  return (
    <div className="section-title">
      <h2 className="section">{title}</h2>
      {add && (
        <button type="button" onClick={add}>
          {addLabel}
        </button>
      )}
    </div>
  );
}
