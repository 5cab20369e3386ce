import { useState, type FormEvent } from "react";
import { useI18n } from "../i18n";
import { Link, navigate } from "../router";
import { actions, useSession } from "../session";
import { ErrorBox, Field, Notice, PageTitle } from "../components/ui";

export function Login({ notice }: { notice?: "sessionExpired" | "loggedOut" }) {
  const { t } = useI18n();
  const { setSession } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setSession(await actions.login(email, password));
      navigate("/", true);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <section className="auth">
      <PageTitle>{t("auth.login")}</PageTitle>
      {notice && <Notice>{t(notice === "sessionExpired" ? "auth.sessionExpired" : "auth.loggedOut")}</Notice>}
      <form onSubmit={(e) => void submit(e)}>
        <Field label={t("auth.email")} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Field
          label={t("auth.password")}
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <ErrorBox error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {t("auth.login")}
        </button>
      </form>
      <p>
        {t("auth.noAccount")} <Link to="/signup">{t("auth.signup")}</Link>
      </p>
    </section>
  );
}
