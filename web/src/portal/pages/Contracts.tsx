// The client's contracts: sent ones to read and sign, signed ones with their signed PDF.
import { formatDate, useI18n } from "../../i18n";
import { Link } from "../../router";
import { Table } from "../../components/List";
import { ErrorBox, Loading, PageTitle } from "../../components/ui";
import { portalApi, portalDownload } from "../client";
import { usePortal, usePortalFetch } from "../hooks";
import { itemsOf, type ListOf, type PortalContract } from "../types";
import { SignDocument } from "./SignDocument";
import { useState } from "react";

export function contractStatus(status: string) {
  return `contracts.status.${status === "signed" ? "signed" : status === "sent" ? "sent" : "draft"}` as const;
}

export function PortalContracts() {
  const { t, locale } = useI18n();
  const list = usePortalFetch<ListOf<PortalContract>>("/api/portal/contracts");
  const rows = itemsOf(list.data);
  return (
    <section>
      <PageTitle>{t("portal.nav.contracts")}</PageTitle>
      <ErrorBox error={list.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : rows.length === 0 ? (
        <p>{t("portal.noContracts")}</p>
      ) : (
        <Table
          label={t("portal.nav.contracts")}
          rows={rows}
          rowKey={(c) => c.id}
          columns={[
            { header: t("common.title"), cell: (c) => <Link to={`/portal/contracts/${encodeURIComponent(c.id)}`}>{c.title}</Link> },
            { header: t("common.status"), cell: (c) => <span className={`badge ${c.status}`}>{t(contractStatus(c.status))}</span> },
            { header: t("audit.at"), cell: (c) => formatDate(c.signed_at ?? c.sent_at, locale) },
          ]}
        />
      )}
    </section>
  );
}

export function PortalContractPage({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const { me, readOnly } = usePortal();
  const path = `/api/portal/contracts/${encodeURIComponent(id)}`;
  const contract = usePortalFetch<PortalContract>(path);
  const [error, setError] = useState<unknown>(null);
  const c = contract.data;
  if (contract.loading && !c) return <Loading />;
  if (!c) return <ErrorBox error={contract.error} />;
  return (
    <section className="sign-page">
      <p className="crumbs">
        <Link to="/portal/contracts">{t("portal.nav.contracts")}</Link>
      </p>
      <PageTitle>{c.title}</PageTitle>
      <p className={`badge ${c.status}`}>{t(contractStatus(c.status))}</p>
      {c.status === "signed" ? (
        <>
          <div className="notice" role="status">
            {t("portal.signedOn", {
              name: c.signature?.signer_name ?? "",
              date: formatDate(c.signed_at ?? c.signature?.signed_at, locale, true),
            })}
          </div>
          <article className="paper document" aria-label={c.title}>
            <div className="body">{c.body}</div>
          </article>
          <ErrorBox error={error} />
          <div className="buttons spaced">
            <button
              type="button"
              onClick={() => {
                setError(null);
                portalDownload(`${path}/pdf`, `${c.title}.pdf`).catch(setError);
              }}
            >
              {t("portal.signedPdf")}
            </button>
          </div>
        </>
      ) : (
        <SignDocument
          title={c.title}
          body={c.body}
          documentSha256={c.document_sha256 ?? ""}
          defaultName={me.user?.name ?? ""}
          readOnly={readOnly}
          consentText={c.consent_text}
          onSign={async (name, document_sha256) => {
            await portalApi.post(`${path}/sign`, { name, consent: true, document_sha256 });
            await contract.reload();
          }}
        />
      )}
    </section>
  );
}
