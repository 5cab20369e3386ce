import { useState, type FormEvent } from "react";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { actions } from "../session";
import { ErrorBox, Field, FieldErrors, NewPasswordField, PageTitle } from "../components/ui";

export function Signup() {
  const { t, locale } = useI18n();
  const [form, setForm] = useState({ company: "", name: "", email: "", password: "" });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // The server answers alike for a fresh and a taken address, so this page cannot tell either.
  const [sentTo, setSentTo] = useState<string | null>(null);
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await actions.signup(form.company, form.email, form.password, form.name, locale);
      setSentTo(form.email);
      setForm({ company: "", name: "", email: "", password: "" });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (sentTo) {
    return (
      <section className="auth">
        <PageTitle>{t("signup.checkMail")}</PageTitle>
        <p role="status">{t("signup.sent", { email: sentTo })}</p>
        <p className="hint">{t("signup.sentHint")}</p>
        <p>
          <Link to="/login">{t("auth.login")}</Link>
        </p>
      </section>
    );
  }

  return (
    <section className="auth">
      <PageTitle>{t("auth.signup")}</PageTitle>
      <form onSubmit={(e) => void submit(e)}>
        <FieldErrors error={error}>
          <Field label={t("auth.companyName")} name="company_name" required value={form.company} onChange={set("company")} autoComplete="organization" />
          <Field label={t("auth.name")} name="name" value={form.name} onChange={set("name")} autoComplete="name" />
          <Field label={t("auth.email")} name="email" type="email" required value={form.email} onChange={set("email")} autoComplete="email" />
          <NewPasswordField label={t("auth.password")} name="password" value={form.password} onChange={(password) => setForm({ ...form, password })} />
          <ErrorBox error={error} />
        </FieldErrors>
        <button type="submit" className="primary" disabled={busy}>
          {t("auth.createCompany")}
        </button>
      </form>
      <p>
        {t("auth.haveAccount")} <Link to="/login">{t("auth.login")}</Link>
      </p>
    </section>
  );
}
