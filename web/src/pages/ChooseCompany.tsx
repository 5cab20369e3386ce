import { useState } from "react";
import type { CompanyChoice } from "../api/types";
import { useI18n } from "../i18n";
import { Link, navigate } from "../router";
import { actions, useSession } from "../session";
import { ErrorBox, PageTitle } from "../components/ui";
import { PendingInvitations } from "../components/PendingInvitations";

export function ChooseCompany({ companies }: { companies: CompanyChoice[] }) {
  const { t } = useI18n();
  const { setSession } = useSession();
  const [error, setError] = useState<unknown>(null);

  const choose = async (id: string) => {
    setError(null);
    try {
      setSession(await actions.switchTo(id));
      navigate("/", true);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section className="auth">
      <PageTitle>{t("auth.chooseCompany")}</PageTitle>
      <PendingInvitations />
      {companies.length === 0 ? <p>{t("auth.noCompanies")}</p> : <p>{t("auth.chooseHint")}</p>}
      <ErrorBox error={error} />
      <ul className="choices">
        {companies.map((c) => (
          <li key={c.id}>
            <button type="button" onClick={() => void choose(c.id)}>
              <strong>{c.name}</strong> <span className="role">{t(`role.${c.role}`)}</span>
            </button>
          </li>
        ))}
      </ul>
      <p>
        <Link to="/account">{t("account.title")}</Link>
      </p>
    </section>
  );
}
