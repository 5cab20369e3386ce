// `/accept-invite?token=`: what the invitation is for is read on load (that does not use the token
// up); accepting it waits for a click, because mail scanners fetch links.
import { useEffect, useState, type FormEvent } from "react";
import type { InviteAccepted, InviteInfo } from "../api/types";
import { useI18n } from "../i18n";
import { Link, navigate, useLocation } from "../router";
import { actions, useSession } from "../session";
import { Field, FieldErrors, NewPasswordField, Loading, Notice, PageTitle } from "../components/ui";
import { LinkError, MissingToken } from "../components/LinkError";

export function AcceptInvite() {
  const { t } = useI18n();
  const token = useLocation().params.get("token") ?? "";
  const [info, setInfo] = useState<InviteInfo | null>(null);
  const [infoError, setInfoError] = useState<unknown>(null);
  const [accepted, setAccepted] = useState<InviteAccepted | null>(null);

  useEffect(() => {
    if (!token) return;
    let live = true;
    actions.inviteInfo(token).then(
      (answer) => live && setInfo(answer),
      (err: unknown) => live && setInfoError(err),
    );
    return () => {
      live = false;
    };
  }, [token]);

  let body;
  if (!token) body = <MissingToken />;
  else if (infoError) body = <LinkError error={infoError} kind="invite" />;
  else if (!info) body = <Loading />;
  else if (accepted) {
    body = (
      <Notice>
        <p>{t("invite.acceptedLogin", { company: accepted.company.name })}</p>
        <p>
          <Link to={`/login?email=${encodeURIComponent(info.email)}`}>{t("invite.loginToContinue")}</Link>
        </p>
      </Notice>
    );
  } else body = <AcceptForm token={token} info={info} onAccepted={setAccepted} />;

  return (
    <section className="auth">
      <PageTitle>{t("invite.title")}</PageTitle>
      {body}
    </section>
  );
}

function AcceptForm({ token, info, onAccepted }: { token: string; info: InviteInfo; onAccepted: (a: InviteAccepted) => void }) {
  const { t } = useI18n();
  const { setSession } = useSession();
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const newPerson = !info.account_exists;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await actions.acceptInvite(token, newPerson ? password : "", newPerson ? name : "");
      if ("login_required" in answer) {
        onAccepted(answer);
      } else {
        setSession(answer);
        navigate("/", true);
      }
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)}>
      <p data-testid="invite-summary">
        {t("invite.summary", { company: info.company.name, role: t(`role.${info.role}`), email: info.email })}
      </p>
      <FieldErrors error={error}>
        {newPerson ? (
          <>
            <p>{t("invite.hint")}</p>
            {/* For password managers: the account this password belongs to. */}
            <input type="email" className="sr-only" autoComplete="username" value={info.email} readOnly tabIndex={-1} aria-hidden="true" />
            <Field label={t("auth.name")} name="name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" />
            <NewPasswordField label={t("auth.password")} name="password" value={password} onChange={setPassword} />
          </>
        ) : (
          <p>{t("invite.existingHint")}</p>
        )}
        <LinkError error={error} kind="invite" />
      </FieldErrors>
      <button type="submit" className="primary" disabled={busy}>
        {t("invite.accept")}
      </button>
    </form>
  );
}
