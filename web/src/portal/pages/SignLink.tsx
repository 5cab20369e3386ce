// `/sign?token=…`: one contract, read and signed through the link mailed to its signer. Opening
// the page only reads (`/api/sign/view`); the signature is the button.
import { useEffect, useState } from "react";
import { linkUnusable } from "../../auth";
import { formatDate, useI18n } from "../../i18n";
import { ErrorBox, Loading } from "../../components/ui";
import { portalApi } from "../client";
import type { SignView, Signed } from "../types";
import { SignDocument } from "./SignDocument";

export function SignLink() {
  const { t, locale } = useI18n();
  const token = new URLSearchParams(window.location.search).get("token") ?? "";
  const [view, setView] = useState<SignView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [signed, setSigned] = useState<Signed | null>(null);

  useEffect(() => {
    if (!token) return;
    let live = true;
    portalApi
      .post<SignView>("/api/sign/view", { token })
      .then((v) => live && setView(v))
      .catch((e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [token]);

  if (!token) {
    return (
      <p className="error" role="alert">
        {t("link.missing")}
      </p>
    );
  }
  if (error) {
    return (
      <section className="sign-page">
        <h1 tabIndex={-1}>{t("portal.signTitle")}</h1>
        {linkUnusable(error) ? (
          <p className="error" role="alert">
            {t("portal.signLinkUnusable")}
          </p>
        ) : (
          <ErrorBox error={error} />
        )}
      </section>
    );
  }
  if (!view) return <Loading />;
  const c = view.contract;
  return (
    <section className="sign-page">
      <h1 tabIndex={-1}>{c.title}</h1>
      <p>{t("portal.signIntro", { company: view.company_name, name: view.signer.name })}</p>
      {signed || c.status === "signed" ? (
        <div className="notice" role="status">
          <p>
            {signed
              ? t("portal.signedDone", { date: formatDate(signed.signed_at, locale, true) })
              : t("portal.alreadySigned")}
          </p>
          <p>{t("portal.signedCopy")}</p>
        </div>
      ) : (
        <>
          <p className="hint">{t("portal.linkValidUntil", { date: formatDate(view.expires_at, locale, true) })}</p>
          <SignDocument
            title={c.title}
            body={c.body}
            documentSha256={c.document_sha256}
            defaultName={view.signer.name}
            consentText={view.consent_text}
            onSign={async (name, document_sha256) => {
              setSigned(await portalApi.post<Signed>("/api/sign", { token, name, consent: true, document_sha256 }));
            }}
          />
        </>
      )}
    </section>
  );
}
