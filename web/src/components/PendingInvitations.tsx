// Invitations to the logged-in person's address (from `GET /api/me`), offered where they choose
// or enter a company: accept switches into that company, decline drops it.
import { useState } from "react";
import type { Me, MyInvitation } from "../api/types";
import { useFetch } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { navigate } from "../router";
import { actions, useSession } from "../session";
import { ErrorBox } from "./ui";

export function PendingInvitations() {
  const { t, locale } = useI18n();
  const { setSession } = useSession();
  const me = useFetch<Me>("/api/me");
  const [gone, setGone] = useState<string[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const invitations = (me.data?.invitations ?? []).filter((i) => !gone.includes(i.id));
  if (invitations.length === 0 && !error) return null;

  const accept = async (i: MyInvitation) => {
    setBusy(i.id);
    setError(null);
    try {
      setSession(await actions.acceptInvitation(i.id, i.company.id));
      navigate("/", true);
    } catch (err) {
      setError(err);
      setBusy(null);
    }
  };

  const decline = async (i: MyInvitation) => {
    setBusy(i.id);
    setError(null);
    try {
      await actions.declineInvitation(i.id);
      setGone((g) => [...g, i.id]);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="notice invitations" role="region" aria-label={t("invitations.title")}>
      <h2>{t("invitations.title")}</h2>
      <ul>
        {invitations.map((i) => (
          <li key={i.id}>
            <p>
              {t("invitations.to", { company: i.company.name, role: t(`role.${i.role}`) })}{" "}
              <small className="hint">{t("invitations.expires", { date: formatDate(i.expires_at, locale) })}</small>
            </p>
            <div className="buttons">
              <button
                type="button"
                className="primary"
                disabled={busy !== null}
                onClick={() => void accept(i)}
                aria-label={t("invitations.acceptLabel", { company: i.company.name })}
              >
                {t("invitations.accept")}
              </button>
              <button
                type="button"
                disabled={busy !== null}
                onClick={() => void decline(i)}
                aria-label={t("invitations.declineLabel", { company: i.company.name })}
              >
                {t("invitations.decline")}
              </button>
            </div>
          </li>
        ))}
      </ul>
      <ErrorBox error={error} />
    </div>
  );
}
