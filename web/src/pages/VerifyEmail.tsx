// `/verify-email?token=`: mail scanners fetch links, so nothing is sent before the click.
import { useState } from "react";
import { useI18n } from "../i18n";
import { navigate, useLocation } from "../router";
import { actions, useSession } from "../session";
import { PageTitle } from "../components/ui";
import { LinkError, MissingToken } from "../components/LinkError";

export function VerifyEmail() {
  const { t } = useI18n();
  const { setSession } = useSession();
  const token = useLocation().params.get("token") ?? "";
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      setSession(await actions.verifyEmail(token));
      navigate("/", true);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <section className="auth">
      <PageTitle>{t("verify.title")}</PageTitle>
      {token ? (
        <>
          <p>{t("verify.hint")}</p>
          <LinkError error={error} kind="verify" />
          <button type="button" className="primary wide" disabled={busy} onClick={() => void confirm()}>
            {t("verify.confirm")}
          </button>
        </>
      ) : (
        <MissingToken />
      )}
    </section>
  );
}
