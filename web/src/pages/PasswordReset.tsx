// Forgotten passwords: `/forgot-password` asks for a mailed link, `/reset-password?token=` uses it.
import { useState, type FormEvent } from "react";
import { useI18n } from "../i18n";
import { Link, useLocation } from "../router";
import { useAction } from "../hooks";
import { actions } from "../session";
import { ErrorBox, Field, FieldErrors, NewPasswordField, Notice, PageTitle } from "../components/ui";
import { LinkError, MissingToken } from "../components/LinkError";

export function ForgotPassword() {
  const { t, locale } = useI18n();
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const { busy, error, run } = useAction();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await run(() => actions.requestPasswordReset(email, locale))) setSent(true);
  };

  return (
    <section className="auth">
      <PageTitle>{t("reset.forgotTitle")}</PageTitle>
      {sent ? (
        // The same answer for known and unknown addresses: the page cannot tell which it was.
        <Notice>{t("reset.sent")}</Notice>
      ) : (
        <form onSubmit={(e) => void submit(e)}>
          <p>{t("reset.forgotHint")}</p>
          <Field label={t("auth.email")} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
          <ErrorBox error={error} />
          <button type="submit" className="primary" disabled={busy}>
            {t("reset.send")}
          </button>
        </form>
      )}
      <p>
        <Link to="/login">{t("reset.backToLogin")}</Link>
      </p>
    </section>
  );
}

export function ResetPassword() {
  const { t } = useI18n();
  const token = useLocation().params.get("token") ?? "";
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const { busy, error, run } = useAction();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await run(() => actions.confirmPasswordReset(token, password))) setDone(true);
  };

  let body;
  if (!token) body = <MissingToken />;
  else if (done) {
    body = (
      <Notice>
        <p>{t("reset.done")}</p>
        <p>
          <Link to="/login">{t("auth.login")}</Link>
        </p>
      </Notice>
    );
  } else {
    body = (
      <form onSubmit={(e) => void submit(e)}>
        <FieldErrors error={error}>
          <NewPasswordField label={t("reset.newPassword")} name="password" value={password} onChange={setPassword} />
          <LinkError error={error} kind="reset" />
        </FieldErrors>
        <button type="submit" className="primary" disabled={busy}>
          {t("reset.change")}
        </button>
      </form>
    );
  }

  return (
    <section className="auth">
      <PageTitle>{t("reset.title")}</PageTitle>
      {body}
    </section>
  );
}
