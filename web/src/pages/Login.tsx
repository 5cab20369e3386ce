import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { cleanCode } from "../auth";
import { useI18n } from "../i18n";
import { Link, navigate, useLocation } from "../router";
import { actions, useSession, type Notice as SessionNotice } from "../session";
import { ErrorBox, Field, Notice, PageTitle } from "../components/ui";

const NOTICES = {
  sessionExpired: "auth.sessionExpired",
  loggedOut: "auth.loggedOut",
  loggedOutEverywhere: "auth.loggedOutEverywhere",
  accountDeleted: "auth.accountDeleted",
} as const;

export function Login() {
  const { t } = useI18n();
  const { session, setSession } = useSession();
  // Why the person is here again (session ended, logged out), if that is why.
  const notice: SessionNotice | undefined = session.status === "anonymous" ? session.notice : undefined;
  // `?email=` comes from "accepted, log in to continue" and the password-reset page.
  const prefill = useLocation().params.get("email") ?? "";
  const [email, setEmail] = useState(prefill);
  const [password, setPassword] = useState("");
  // Asked for after the server answered `two_factor_required`.
  const [step, setStep] = useState<"password" | "code">("password");
  const [recovery, setRecovery] = useState(false);
  const [code, setCode] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setSession(await actions.login(email, password, step === "code" ? cleanCode(code) : undefined));
      navigate("/", true);
    } catch (err) {
      if (err instanceof ApiError && err.code === "two_factor_required") {
        setStep("code");
      } else if (step === "code" && err instanceof ApiError && err.code === "invalid_credentials") {
        // At this step the password was right: it is the code that was refused.
        setCode("");
        setError("wrongCode");
      } else {
        setError(err);
      }
      setBusy(false);
    }
  };

  const back = () => {
    setStep("password");
    setCode("");
    setPassword("");
    setError(null);
  };

  return (
    <section className="auth">
      <PageTitle>{step === "code" ? t("twofa.loginTitle") : t("auth.login")}</PageTitle>
      {notice && step === "password" && <Notice>{t(NOTICES[notice])}</Notice>}
      <form onSubmit={(e) => void submit(e)}>
        {step === "password" ? (
          <>
            <Field label={t("auth.email")} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
            <Field
              label={t("auth.password")}
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </>
        ) : recovery ? (
          <Field
            key="recovery"
            label={t("twofa.recoveryCode")}
            hint={t("twofa.recoveryHint")}
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            required
            autoFocus
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
        ) : (
          <Field
            key="totp"
            label={t("twofa.code")}
            hint={t("twofa.loginCodeHint")}
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="\s*(\d\s*){6}"
            maxLength={9}
            required
            autoFocus
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
        )}
        {error === "wrongCode" ? (
          <p className="error" role="alert">
            {t(recovery ? "twofa.wrongRecovery" : "twofa.wrongCode")}
          </p>
        ) : (
          <ErrorBox error={error} />
        )}
        <button type="submit" className="primary" disabled={busy}>
          {step === "code" ? t("twofa.verify") : t("auth.login")}
        </button>
      </form>
      {step === "code" ? (
        <div className="buttons spaced">
          <button type="button" className="link" onClick={() => setRecovery(!recovery)}>
            {t(recovery ? "twofa.useApp" : "twofa.useRecovery")}
          </button>
          <button type="button" className="link" onClick={back}>
            {t("twofa.startOver")}
          </button>
        </div>
      ) : (
        <>
          <p>
            <Link to="/forgot-password">{t("auth.forgot")}</Link>
          </p>
          <p>
            {t("auth.noAccount")} <Link to="/signup">{t("auth.signup")}</Link>
          </p>
        </>
      )}
    </section>
  );
}
