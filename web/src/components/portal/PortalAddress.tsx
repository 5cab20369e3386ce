// The agency's portal sign-in address (Settings): the one address its clients sign in at, to copy
// into mails and the website; rotating it makes every earlier address stop working.
import { useState } from "react";
import { api } from "../../api/client";
import { useAction, useFetch } from "../../hooks";
import { useI18n } from "../../i18n";
import { ErrorBox, Loading, Notice } from "../ui";

export function PortalAddress() {
  const { t } = useI18n();
  const address = useFetch<{ url: string }>("/api/company/portal");
  const action = useAction();
  const [note, setNote] = useState<"copied" | "rotated" | null>(null);
  const url = address.data?.url ?? "";
  return (
    <div className="panel">
      <h2>{t("staffPortal.address")}</h2>
      <p className="hint">{t("staffPortal.addressHint")}</p>
      <ErrorBox error={address.error ?? action.error} />
      {address.loading && !address.data ? (
        <Loading />
      ) : (
        url && (
          <>
            <div className="picker-row">
              <input className="invite-link" readOnly value={url} aria-label={t("staffPortal.address")} data-testid="portal-address" onFocus={(e) => e.target.select()} />
            </div>
            <div className="buttons spaced">
              <button
                type="button"
                onClick={() =>
                  void action.run(async () => {
                    await navigator.clipboard.writeText(url);
                    setNote("copied");
                  })
                }
              >
                {t("staffPortal.copy")}
              </button>
              <button
                type="button"
                className="danger"
                disabled={action.busy}
                onClick={() => {
                  if (!window.confirm(t("staffPortal.rotateConfirm"))) return;
                  void action.run(async () => {
                    address.setData(await api.post<{ url: string }>("/api/company/portal/rotate"));
                    setNote("rotated");
                  });
                }}
              >
                {t("staffPortal.rotate")}
              </button>
            </div>
          </>
        )
      )}
      {note && <Notice>{t(note === "copied" ? "staffPortal.copied" : "staffPortal.rotated")}</Notice>}
    </div>
  );
}
