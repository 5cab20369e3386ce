// Signing in to the portal: the agency's sign-in address asks for an e-mail address and always
// answers "check your mail" (known or not); the mailed link opens a page whose button signs in
// (opening the link alone uses nothing: mail scanners open links too); a staff preview starts
// from a token in the address's fragment, which never reaches a server.
import { useEffect, useState } from "react";
import { ApiError } from "../../api/client";
import { linkUnusable } from "../../auth";
import { useAction } from "../../hooks";
import { useI18n } from "../../i18n";
import { Link, useLocation } from "../../router";
import { ErrorBox, Field, Form, Loading } from "../../components/ui";
import { portalApi, rememberKey, rememberedKey, setPortalToken } from "../client";
import { PortalFrame, enterPortal } from "../PortalApp";
import type { PortalAuthInfo, PortalLinkInfo, PortalSession } from "../types";

export function SignIn({ keyToken }: { keyToken: string }) {
  const { t, locale } = useI18n();
  const [info, setInfo] = useState<PortalAuthInfo | null>(null);
  const [infoError, setInfoError] = useState<unknown>(null);
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    portalApi
      .post<PortalAuthInfo>("/api/portal/auth/info", { key: keyToken })
      .then((i) => {
        if (!live) return;
        setInfo(i);
        rememberKey(keyToken);
      })
      .catch((e) => live && setInfoError(e));
    return () => {
      live = false;
    };
  }, [keyToken]);

  return (
    <PortalFrame company={info?.company_name} logo={info?.logo_data_url}>
      <section className="auth">
        <h1 tabIndex={-1}>{info ? t("portal.signInTo", { company: info.company_name }) : t("portal.signIn")}</h1>
        {infoError ? (
          infoError instanceof ApiError && (infoError.code === "not_found" || infoError.code === "invalid") ? (
            <p className="error" role="alert">
              {t("portal.addressUnusable")}
            </p>
          ) : (
            <ErrorBox error={infoError} />
          )
        ) : !info ? (
          <Loading />
        ) : sent ? (
          <div role="status">
            <h2>{t("portal.checkMail")}</h2>
            <p>{t("portal.checkMailText", { email: sent })}</p>
            <button type="button" className="link" onClick={() => setSent(null)}>
              {t("portal.otherAddress")}
            </button>
          </div>
        ) : (
          <Form
            onSubmit={async () => {
              await portalApi.post("/api/portal/auth/request-link", { key: keyToken, email: email.trim(), language: locale });
              setSent(email.trim());
            }}
            submitLabel={t("portal.sendLink")}
            className=""
          >
            <p>{t("portal.signInHint")}</p>
            <Field label={t("common.email")} name="email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </Form>
        )}
      </section>
    </PortalFrame>
  );
}

export function MagicLink() {
  const { t } = useI18n();
  const { params } = useLocation();
  const token = params.get("token") ?? "";
  const [info, setInfo] = useState<PortalLinkInfo | null>(null);
  const [infoError, setInfoError] = useState<unknown>(null);
  const action = useAction();
  const key = rememberedKey();

  useEffect(() => {
    if (!token) return;
    let live = true;
    // Reads who the link is from; never uses it.
    portalApi
      .post<PortalLinkInfo>("/api/portal/auth/link-info", { token })
      .then((i) => live && setInfo(i))
      .catch((e) => live && setInfoError(e));
    return () => {
      live = false;
    };
  }, [token]);

  const consume = () =>
    action.run(async () => {
      const session = await portalApi.post<PortalSession>("/api/portal/auth/consume", { token });
      enterPortal(session.token);
    });

  const unusable = (info && !info.valid) || linkUnusable(action.error) || linkUnusable(infoError);
  return (
    <PortalFrame company={info?.company_name}>
      <section className="auth">
        <h1 tabIndex={-1}>{info ? t("portal.signInTo", { company: info.company_name }) : t("portal.signIn")}</h1>
        {!token ? (
          <p className="error" role="alert">
            {t("link.missing")}
          </p>
        ) : unusable ? (
          <div className="error" role="alert">
            <p>{t("portal.linkUnusable")}</p>
            {key ? (
              <p>
                <Link to={`/portal/k/${encodeURIComponent(key)}`}>{t("portal.newLink")}</Link>
              </p>
            ) : (
              <p>{t("portal.askAgency")}</p>
            )}
          </div>
        ) : (
          <>
            <p>{t("portal.magicHint")}</p>
            <ErrorBox error={action.error ?? infoError} />
            <button type="button" className="primary wide" disabled={action.busy} onClick={() => void consume()}>
              {t("portal.signInButton")}
            </button>
          </>
        )}
      </section>
    </PortalFrame>
  );
}

/** `/portal/preview#token=…`: a staff member's read-only session, started in this tab. */
export function PreviewStart() {
  const { t } = useI18n();
  const [missing, setMissing] = useState(false);
  useEffect(() => {
    const token = new URLSearchParams(window.location.hash.slice(1)).get("token");
    if (!token) {
      setMissing(true);
      return;
    }
    setPortalToken(token);
    // A fresh load (not the app's router): this runs before the app listens to its history, and
    // the token leaves the address bar and the history entry.
    window.location.replace("/portal");
  }, []);
  return (
    <PortalFrame>
      {missing ? (
        <p className="error" role="alert">
          {t("link.missing")}
        </p>
      ) : (
        <Loading />
      )}
    </PortalFrame>
  );
}
