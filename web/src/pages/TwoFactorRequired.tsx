// A company that requires two-factor refused this person, who has none yet: set it up here (the
// two-factor routes need no company), then switch into the company.
import { useState } from "react";
import type { CompanyChoice, Me } from "../api/types";
import { useFetch } from "../hooks";
import { useI18n } from "../i18n";
import { navigate } from "../router";
import { actions, useSession } from "../session";
import { ErrorBox, Loading, PageTitle } from "../components/ui";
import { TwoFactorSetupFlow } from "../components/TwoFactor";

export function TwoFactorRequired({ company, companies }: { company: string; companies: CompanyChoice[] }) {
  const { t } = useI18n();
  const { setSession } = useSession();
  const me = useFetch<Me>("/api/me");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const name = companies.find((c) => c.id === company)?.name;
  const others = companies.filter((c) => c.id !== company);

  const enter = async () => {
    setBusy(true);
    setError(null);
    try {
      setSession(await actions.switchTo(company));
      navigate("/", true);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <section className="auth wide">
      <PageTitle>{t("twofa.requiredTitle")}</PageTitle>
      <p role="status">{name ? t("twofa.requiredBy", { company: name }) : t("twofa.requiredGeneric")}</p>
      <ErrorBox error={error ?? me.error} />
      {me.loading && !me.data && <Loading />}
      {me.data &&
        (me.data.two_factor?.enabled ? (
          <button type="button" className="primary" disabled={busy} onClick={() => void enter()}>
            {t("twofa.continue")}
          </button>
        ) : (
          <TwoFactorSetupFlow email={me.data.identity.email} onDone={() => void enter()} />
        ))}
      {others.length > 0 && (
        <p>
          <button type="button" className="link" onClick={() => setSession({ status: "choosing", companies })}>
            {t("twofa.otherCompany")}
          </button>
        </p>
      )}
    </section>
  );
}
