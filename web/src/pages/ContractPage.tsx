// `/contracts/:id`: one contract: its text, sending it for signature, the signing links, a paper
// signature, and once signed the evidence and the signed PDF.
import { useState } from "react";
import { can } from "../generated/roles";
import { useFetch } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { Link } from "../router";
import { useRole } from "../session";
import { ErrorBox, Loading, Notice, PageTitle } from "../components/ui";
import { PaperSignature, SendForm, SignatureEvidence, SigningLinks, type SignedContract } from "../components/ContractSigning";

export function ContractPage({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const writable = can(useRole(), "contracts.write");
  const contract = useFetch<SignedContract>(`/api/contracts/${encodeURIComponent(id)}`);
  const [sent, setSent] = useState(false);
  const c = contract.data;
  if (contract.loading && !c) return <Loading />;
  if (!c) {
    return (
      <section>
        <PageTitle>{t("contracts.title")}</PageTitle>
        <ErrorBox error={contract.error} />
        <Link to="/contracts">{t("crm.back")}</Link>
      </section>
    );
  }
  return (
    <section className="record-page">
      <p className="crumbs no-print">
        <Link to="/contracts">{t("contracts.title")}</Link>
      </p>
      <PageTitle>{c.title}</PageTitle>
      <p>
        <span className={`badge ${c.status}`}>{t(`contracts.status.${c.status}`)}</span>{" "}
        {c.sent_at && <span className="hint">{t("signing.sentOn", { date: formatDate(c.sent_at, locale, true) })}</span>}
      </p>
      {sent && <Notice>{t("signing.sentNotice")}</Notice>}
      <article className="paper document" aria-label={c.title}>
        <div className="body">{c.body}</div>
      </article>
      {c.document_sha256 && <p className="hint mono">{t("portal.documentHash", { hash: c.document_sha256 })}</p>}
      {c.status === "signed" && <SignatureEvidence contract={c} />}
      {writable && c.status === "draft" && (
        <>
          <h2 className="section">{t("signing.sendTitle")}</h2>
          <SendForm
            contract={c}
            path="send"
            submitLabel={t("signing.send")}
            onSent={() => {
              setSent(true);
              void contract.reload();
            }}
          />
        </>
      )}
      {writable && c.status === "sent" && (
        <>
          <SigningLinks contract={c} onChanged={() => void contract.reload()} />
          <PaperSignature contract={c} onSigned={() => void contract.reload()} />
        </>
      )}
    </section>
  );
}
