// Getting a contract signed by the client: "Send for signature" (the signer gets a link by mail),
// the signing links with revoke, a paper signature uploaded as a scanned PDF (marked as such),
// the signed PDF, and the evidence of the signature. Staff never sign on the client's behalf.
import { useRef, useState } from "react";
import { ApiError, api, download, query, requestRaw } from "../api/client";
import type { Contract } from "../api/types";
import { useAction, useFetch } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import type { MessageKey } from "../i18n/en";
import { itemsOf, type ListOf, type Signature, type SigningLink } from "../portal/types";
import { Table } from "./List";
import { ErrorBox, Field, FieldErrors, Form, Loading, Select } from "./ui";
import { SendContractBounds } from "../generated/api";

/** A contract with the signature evidence (`signature`, once signed). */
export type SignedContract = Contract & { signature?: Signature | null };

/** The signer and how long the link works: for sending, and for a new link. */
export function SendForm({
  contract,
  path,
  submitLabel,
  onSent,
  onCancel,
}: {
  contract: Contract;
  /** `/send` for a draft, `/signing-links` for another link to a sent contract. */
  path: "send" | "signing-links";
  submitLabel: string;
  onSent: (answer: unknown) => void;
  onCancel?: () => void;
}) {
  const { t, locale } = useI18n();
  const [name, setName] = useState(contract.signed_by?.name ?? "");
  const [email, setEmail] = useState(contract.signed_by?.email ?? "");
  const [days, setDays] = useState("14");
  const [language, setLanguage] = useState<string>(locale);
  return (
    <Form
      className="panel"
      onSubmit={async () => {
        const answer = await api.post(`/api/contracts/${encodeURIComponent(contract.id)}/${path}`, {
          signer_name: name.trim(),
          signer_email: email.trim(),
          expires_in_days: Number(days),
          language,
        });
        onSent(answer);
      }}
      submitLabel={submitLabel}
      onCancel={onCancel}
    >
      <div className="form-grid">
        <Field label={t("contracts.signerName")} name="signer_name" required value={name} onChange={(e) => setName(e.target.value)} />
        <Field label={t("contracts.signerEmail")} name="signer_email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Field
          label={t("signing.validDays")}
          name="expires_in_days"
          type="number"
          min={SendContractBounds.expires_in_days.min}
          max={SendContractBounds.expires_in_days.max}
          required
          value={days}
          onChange={(e) => setDays(e.target.value)}
        />
        <Select label={t("staffPortal.mailLanguage")} name="language" value={language} onChange={(e) => setLanguage(e.target.value)}>
          <option value="en">English</option>
          <option value="nl">Nederlands</option>
        </Select>
      </div>
      <p className="hint">{t("signing.sendHint")}</p>
    </Form>
  );
}

export function SigningLinks({ contract, onChanged }: { contract: Contract; onChanged: () => void }) {
  const { t, locale } = useI18n();
  const base = `/api/contracts/${encodeURIComponent(contract.id)}/signing-links`;
  const links = useFetch<ListOf<SigningLink>>(base);
  const rows = itemsOf(links.data);
  const [adding, setAdding] = useState(false);
  const action = useAction();
  const state = (l: SigningLink): MessageKey =>
    l.state
      ? ({ active: "signing.open", used: "signing.used", revoked: "signing.revoked", expired: "signing.expired" } as const)[l.state]
      : l.used_at ? "signing.used" : l.revoked_at ? "signing.revoked" : new Date(l.expires_at) < new Date() ? "signing.expired" : "signing.open";
  return (
    <div className="panel">
      <div className="section-title">
        <h2>{t("signing.links")}</h2>
        {!adding && contract.status === "sent" && (
          <button type="button" onClick={() => setAdding(true)}>
            {t("signing.newLink")}
          </button>
        )}
      </div>
      {adding && (
        <SendForm
          contract={contract}
          path="signing-links"
          submitLabel={t("signing.sendLink")}
          onSent={() => {
            setAdding(false);
            void links.reload();
            onChanged();
          }}
          onCancel={() => setAdding(false)}
        />
      )}
      <ErrorBox error={links.error ?? action.error} />
      {links.loading && !links.data ? (
        <Loading />
      ) : rows.length === 0 ? (
        <p>{t("signing.noLinks")}</p>
      ) : (
        <Table
          label={t("signing.links")}
          rows={rows}
          rowKey={(l) => l.id}
          columns={[
            { header: t("contracts.signerName"), cell: (l) => `${l.signer_name} <${l.signer_email}>` },
            { header: t("signing.sent"), cell: (l) => formatDate(l.created_at, locale, true) },
            { header: t("signing.until"), cell: (l) => formatDate(l.expires_at, locale, true) },
            { header: t("common.status"), cell: (l) => t(state(l)) },
            {
              header: t("common.actions"),
              cell: (l) =>
                state(l) === "signing.open" && (
                  <button
                    type="button"
                    className="danger"
                    disabled={action.busy}
                    aria-label={t("signing.revokeLabel", { name: l.signer_name })}
                    onClick={() =>
                      void action.run(async () => {
                        await api.post(`${base}/${encodeURIComponent(l.id)}/revoke`);
                        await links.reload();
                      })
                    }
                  >
                    {t("signing.revoke")}
                  </button>
                ),
            },
          ]}
        />
      )}
    </div>
  );
}

export function PaperSignature({ contract, onSigned }: { contract: Contract; onSigned: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState("");
  const [date, setDate] = useState(new Date().toISOString().slice(0, 10));
  const file = useRef<HTMLInputElement>(null);
  const action = useAction();
  return (
    <form
      className="panel"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(async () => {
          const pdf = file.current?.files?.[0];
          if (!pdf) throw ApiError.field("file", { code: "required", message: t("signing.pdfNeeded") });
          await requestRaw(
            "PUT",
            `/api/contracts/${encodeURIComponent(contract.id)}/paper-signature${query({ signer_name: name.trim(), signed_on: date })}`,
            new Blob([pdf], { type: "application/pdf" }),
          );
          onSigned();
        });
      }}
    >
      <h2>{t("signing.paper")}</h2>
      <p className="hint">{t("signing.paperHint")}</p>
      <FieldErrors error={action.error}>
        <div className="form-grid">
          <Field label={t("contracts.signerName")} name="signer_name" required value={name} onChange={(e) => setName(e.target.value)} />
          <Field label={t("signing.signedOn")} name="signed_on" type="date" required value={date} onChange={(e) => setDate(e.target.value)} />
          <div className="field">
            <label htmlFor={`paper-${contract.id}`}>{t("signing.scan")}</label>
            <input id={`paper-${contract.id}`} ref={file} type="file" accept="application/pdf,.pdf" required />
          </div>
        </div>
        <ErrorBox error={action.error} />
      </FieldErrors>
      <div className="buttons">
        <button type="submit" disabled={action.busy}>
          {t("signing.uploadPaper")}
        </button>
      </div>
    </form>
  );
}

export function SignatureEvidence({ contract }: { contract: SignedContract }) {
  const { t, locale } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const s = contract.signature;
  const rows: [string, string][] = s
    ? [
        [t("signing.method"), t(`signing.method.${s.method}`)],
        [t("signing.signer"), [s.signer_name, s.signer_email && `<${s.signer_email}>`].filter(Boolean).join(" ")],
        [t("signing.time"), `${formatDate(s.signed_at, locale, true)} (${s.signed_at})`],
        [t("signing.ip"), s.client_ip ?? t("common.none")],
        [t("signing.userAgent"), s.user_agent ?? t("common.none")],
        [t("signing.hash"), s.document_sha256],
        [t("signing.via"), s.portal_user_id ? t("signing.viaPortal") : s.signing_link_id ? t("signing.viaLink") : t("signing.viaPaper")],
      ]
    : [];
  return (
    <div className="panel" data-testid="signature-evidence">
      <div className="section-title">
        <h2>{t("signing.evidence")}</h2>
        <button
          type="button"
          onClick={() => {
            setError(null);
            download(`/api/contracts/${encodeURIComponent(contract.id)}/signed-pdf`, `${contract.title}.pdf`).catch(setError);
          }}
        >
          {t("signing.signedPdf")}
        </button>
      </div>
      <ErrorBox error={error} />
      {s ? (
        <dl className="details evidence">
          {rows.map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd className={label === t("signing.hash") || label === t("signing.userAgent") ? "mono" : undefined}>{value}</dd>
            </div>
          ))}
        </dl>
      ) : (
        contract.signed_by && <p>{t("contracts.signedBy", { name: contract.signed_by.name, date: formatDate(contract.signed_at, locale) })}</p>
      )}
    </div>
  );
}
