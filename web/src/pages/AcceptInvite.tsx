import { useState, type FormEvent } from "react";
import { useI18n } from "../i18n";
import { navigate, useLocation } from "../router";
import { actions, useSession } from "../session";
import { ErrorBox, Field, PageTitle } from "../components/ui";

export function AcceptInvite() {
  const { t } = useI18n();
  const { setSession } = useSession();
  const token = useLocation().params.get("token") ?? "";
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setSession(await actions.acceptInvite(token, password, name));
      navigate("/", true);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <section className="auth">
      <PageTitle>{t("invite.title")}</PageTitle>
      {token ? (
        <form onSubmit={(e) => void submit(e)}>
          <p>{t("invite.hint")}</p>
          <Field label={t("auth.name")} value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" />
          <Field
            label={t("auth.password")}
            hint={t("auth.passwordHint")}
            type="password"
            required
            minLength={12}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="new-password"
          />
          <ErrorBox error={error} />
          <button type="submit" className="primary" disabled={busy}>
            {t("invite.accept")}
          </button>
        </form>
      ) : (
        <p className="error" role="alert">
          {t("invite.missing")}
        </p>
      )}
    </section>
  );
}
