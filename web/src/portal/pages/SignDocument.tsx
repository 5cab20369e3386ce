// Reading and signing one document, for the signing link and the portal alike: the text shown is
// exactly the text signed, and its SHA-256 (as the server gave it, checked here when the browser
// can) goes back with the signature, so a document changed meanwhile is refused.
import { useEffect, useState } from "react";
import { useAction } from "../../hooks";
import { useI18n } from "../../i18n";
import { ErrorBox, Field, FieldErrors } from "../../components/ui";
import { sha256Hex } from "../client";

interface Props {
  title: string;
  body: string;
  documentSha256: string;
  defaultName?: string;
  /** Signs; throws what the server refused. */
  onSign: (name: string, documentSha256: string) => Promise<void>;
  /** A preview: the document only, no signing. */
  readOnly?: boolean;
  /** The consent sentence as the server records it (in the signer's language); ours otherwise. */
  consentText?: string;
}

export function SignDocument({ title, body, documentSha256, defaultName = "", onSign, readOnly, consentText }: Props) {
  const { t } = useI18n();
  const [name, setName] = useState(defaultName);
  const [consent, setConsent] = useState(false);
  const [matches, setMatches] = useState<boolean | null>(null);
  const action = useAction();

  useEffect(() => {
    let live = true;
    if (typeof crypto === "undefined" || !crypto.subtle) return;
    sha256Hex(body)
      .then((hash) => live && setMatches(hash === documentSha256.toLowerCase()))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [body, documentSha256]);

  const [needConsent, setNeedConsent] = useState(false);
  const submit = () => {
    setNeedConsent(!consent);
    if (!consent) return;
    void action.run(() => onSign(name.trim(), documentSha256));
  };

  return (
    <>
      <article className="paper document" aria-label={title} data-testid="document">
        <h2>{title}</h2>
        <div className="body">{body}</div>
      </article>
      <p className="hint mono" data-testid="document-hash">
        {t("portal.documentHash", { hash: documentSha256 })}
      </p>
      {matches === false && (
        <p className="error" role="alert">
          {t("portal.hashMismatch")}
        </p>
      )}
      {!readOnly && matches !== false && (
        <form
          className="panel sign-form"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <h2>{t("portal.signHeading")}</h2>
          <FieldErrors error={action.error}>
            <Field label={t("portal.typeName")} name="name" required autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
            <label className="check">
              <input
                type="checkbox"
                name="consent"
                checked={consent}
                aria-invalid={needConsent || undefined}
                aria-describedby={needConsent ? "consent-problem" : undefined}
                onChange={(e) => {
                  setConsent(e.target.checked);
                  if (e.target.checked) setNeedConsent(false);
                }}
              />
              {consentText || t("portal.consent")}
            </label>
            {needConsent && (
              <p className="field-problem" id="consent-problem" role="alert">
                {t("portal.consentNeeded")}
              </p>
            )}
            <ErrorBox error={action.error} />
          </FieldErrors>
          <div className="buttons spaced">
            <button type="submit" className="primary" disabled={action.busy}>
              {t("portal.signButton")}
            </button>
          </div>
        </form>
      )}
    </>
  );
}
