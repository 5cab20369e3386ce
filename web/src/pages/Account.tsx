// `/account`: the person rather than the company: password, sessions, two-factor, a download of
// one's data and deleting one's account.
import { useState, type FormEvent } from "react";
import { api, download } from "../api/client";
import { exportFileName, lastOwnedCompanies } from "../account";
import type { Me, RecoveryCodes } from "../api/types";
import { cleanCode } from "../auth";
import { useAction, useFetch } from "../hooks";
import { useI18n } from "../i18n";
import { navigate } from "../router";
import { actions, useSession } from "../session";
import { ErrorBox, Field, FieldErrors, NewPasswordField, Loading, Notice, PageTitle } from "../components/ui";
import { CodeError, CodeField, RecoveryCodesView, TwoFactorSetupFlow } from "../components/TwoFactor";

export function Account() {
  const { t } = useI18n();
  const me = useFetch<Me>("/api/me");

  return (
    <section className="account">
      <PageTitle>{t("account.title")}</PageTitle>
      <ErrorBox error={me.error} />
      {me.loading && !me.data && <Loading />}
      {me.data && (
        <>
          <p>
            {me.data.identity.name ? `${me.data.identity.name} · ` : ""}
            <strong>{me.data.identity.email}</strong>
          </p>
          <ChangePassword email={me.data.identity.email} />
          <TwoFactorPanel me={me.data} reload={() => void me.reload()} />
          <Sessions />
          <YourData identityId={me.data.identity.id} />
          <DeleteAccount email={me.data.identity.email} />
        </>
      )}
    </section>
  );
}

function ChangePassword({ email }: { email: string }) {
  const { t } = useI18n();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [done, setDone] = useState(false);
  const { busy, error, run } = useAction();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    await run(async () => {
      await actions.changePassword(current, next);
      setDone(true);
      setCurrent("");
      setNext("");
    });
  };

  return (
    <form className="panel" onSubmit={(e) => void submit(e)}>
      <h2>{t("account.password")}</h2>
      <input type="email" className="sr-only" autoComplete="username" value={email} readOnly tabIndex={-1} aria-hidden="true" />
      <FieldErrors error={error}>
        <Field label={t("account.currentPassword")} name="current" type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        <NewPasswordField label={t("reset.newPassword")} name="new" value={next} onChange={setNext} />
        <ErrorBox error={error} />
      </FieldErrors>
      {done && <Notice>{t("account.passwordChanged")}</Notice>}
      <button type="submit" className="primary" disabled={busy}>
        {t("account.changePassword")}
      </button>
    </form>
  );
}

function TwoFactorPanel({ me, reload }: { me: Me; reload: () => void }) {
  const { t } = useI18n();
  const enabled = me.two_factor?.enabled ?? false;
  // On from the moment the code is confirmed, while the recovery codes are still shown.
  const [confirmed, setConfirmed] = useState(false);
  const on = enabled || confirmed;
  return (
    <div className="panel">
      <h2>{t("twofa.title")}</h2>
      <p data-testid="twofa-status">
        <span className={on ? "badge paid" : "badge"}>{t(on ? "twofa.on" : "twofa.off")}</span>
      </p>
      {!enabled && (
        <TwoFactorSetupFlow email={me.identity.email} onConfirmed={() => setConfirmed(true)} onDone={reload} />
      )}
      {enabled && (
        <>
          <NewRecoveryCodes email={me.identity.email} />
          <DisableTwoFactor email={me.identity.email} onDisabled={reload} />
        </>
      )}
    </div>
  );
}

function NewRecoveryCodes({ email }: { email: string }) {
  const { t } = useI18n();
  const [code, setCode] = useState("");
  const [codes, setCodes] = useState<string[] | null>(null);
  const { busy, error, run } = useAction();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await run(async () => {
      setCodes((await api.post<RecoveryCodes>("/api/auth/2fa/recovery-codes", { code: cleanCode(code) })).recovery_codes);
      setCode("");
    });
  };

  if (codes) return <RecoveryCodesView codes={codes} email={email} onDone={() => setCodes(null)} />;
  return (
    <form className="subpanel" onSubmit={(e) => void submit(e)}>
      <h3>{t("twofa.regenerate")}</h3>
      <p className="hint">{t("twofa.regenerateHint")}</p>
      <CodeField value={code} onChange={setCode} recovery />
      <CodeError error={error} />
      <button type="submit" disabled={busy}>
        {t("twofa.regenerate")}
      </button>
    </form>
  );
}

function DisableTwoFactor({ email, onDisabled }: { email: string; onDisabled: () => void }) {
  const { t } = useI18n();
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const { busy, error, run } = useAction();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await run(() => api.post<void>("/api/auth/2fa/disable", { password, code: cleanCode(code) }))) onDisabled();
  };

  return (
    <form className="subpanel" onSubmit={(e) => void submit(e)}>
      <h3>{t("twofa.disable")}</h3>
      <p className="hint">{t("twofa.disableHint")}</p>
      <input type="email" className="sr-only" autoComplete="username" value={email} readOnly tabIndex={-1} aria-hidden="true" />
      <Field label={t("auth.password")} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
      <CodeField value={code} onChange={setCode} recovery />
      <CodeError error={error} />
      <button type="submit" className="danger" disabled={busy}>
        {t("twofa.disable")}
      </button>
    </form>
  );
}

function Sessions() {
  const { t } = useI18n();
  const { setSession } = useSession();
  const { busy, error, run } = useAction();

  const logoutAll = async () => {
    if (!window.confirm(t("account.logoutAllConfirm"))) return;
    if (await run(async () => setSession(await actions.logoutAll()))) navigate("/login", true);
  };

  return (
    <div className="panel">
      <h2>{t("account.sessions")}</h2>
      <p className="hint">{t("account.logoutAllHint")}</p>
      <ErrorBox error={error} />
      <button type="button" disabled={busy} onClick={() => void logoutAll()}>
        {t("account.logoutAll")}
      </button>
    </div>
  );
}

function YourData({ identityId }: { identityId: string }) {
  const { t } = useI18n();
  const { busy, error, run } = useAction();
  return (
    <div className="panel">
      <h2>{t("account.data")}</h2>
      <p className="hint">{t("account.dataHint")}</p>
      <ErrorBox error={error} />
      <button type="button" disabled={busy} onClick={() => void run(() => download("/api/me/export", exportFileName(identityId)))}>
        {t("account.download")}
      </button>
    </div>
  );
}

function DeleteAccount({ email }: { email: string }) {
  const { t } = useI18n();
  const { setSession } = useSession();
  const [password, setPassword] = useState("");
  const { busy, error, run } = useAction();
  const owned = lastOwnedCompanies(error);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // The password is the confirmation: typing it is the deliberate step.
    if (await run(async () => setSession(await actions.deleteAccount(password)))) navigate("/login", true);
  };

  return (
    <form className="panel" onSubmit={(e) => void submit(e)} aria-labelledby="delete-account-title">
      <h2 id="delete-account-title">{t("account.delete")}</h2>
      <p className="hint">{t("account.deleteHint")}</p>
      <input type="email" className="sr-only" autoComplete="username" value={email} readOnly tabIndex={-1} aria-hidden="true" />
      <FieldErrors error={error}>
        <Field label={t("account.deletePassword")} name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        {owned.length > 0 ? (
          <div className="error" role="alert" data-testid="last-owner">
            <p>{t("account.deleteLastOwner")}</p>
            <ul>
              {owned.map((c) => (
                <li key={c.id}>{c.name || c.slug}</li>
              ))}
            </ul>
          </div>
        ) : (
          <ErrorBox error={error} />
        )}
      </FieldErrors>
      <button type="submit" className="danger" disabled={busy}>
        {t("account.deleteButton")}
      </button>
    </form>
  );
}
