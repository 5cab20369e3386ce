// `/settings`: the company's own settings. Requiring two-factor is for owners only.
import { useEffect, useState, type FormEvent } from "react";
import { api } from "../api/client";
import type { Company, Me } from "../api/types";
import { useFetch } from "../hooks";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { useRole, useSession } from "../session";
import { can } from "../generated/roles";
import { ErrorBox, Field, Form, Loading, Notice, PageTitle } from "../components/ui";
import { PortalAddress } from "../components/portal/PortalAddress";

export function Settings() {
  const { t } = useI18n();
  const company = useFetch<Company>("/api/company");
  const { setSession } = useSession();
  const role = useRole();

  const saved = (updated: Company) => {
    company.setData(updated);
    setSession((s) => (s.status === "ready" ? { ...s, company: { ...s.company, ...updated } } : s));
  };

  return (
    <section>
      <PageTitle>{t("settings.title")}</PageTitle>
      <ErrorBox error={company.error} />
      {company.loading && !company.data && <Loading />}
      {company.data && (
        <>
          <NameForm company={company.data} onSaved={saved} />
          <p className="panel">
            <Link to="/settings/invoicing">{t("money.invoicingLink")}</Link>
          </p>
          {can(role, "projects.read") && (
            <p className="panel">
              <Link to="/settings/time">{t("timeSettings.link")}</Link>
            </p>
          )}
          {can(role, "portal.manage") && <PortalAddress />}
          <TwoFactorRequirement company={company.data} onSaved={saved} />
        </>
      )}
    </section>
  );
}

function NameForm({ company, onSaved }: { company: Company; onSaved: (c: Company) => void }) {
  const { t } = useI18n();
  const [name, setName] = useState(company.name);
  const [done, setDone] = useState(false);

  const submit = async () => {
    setDone(false);
    onSaved(await api.patch<Company>("/api/company", { name }));
    setDone(true);
  };

  return (
    <Form onSubmit={submit} submitLabel={t("common.save")} footer={done && <Notice>{t("common.saved")}</Notice>}>
      <h2>{t("settings.general")}</h2>
      <Field label={t("auth.companyName")} name="name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
    </Form>
  );
}

function TwoFactorRequirement({ company, onSaved }: { company: Company; onSaved: (c: Company) => void }) {
  const { t } = useI18n();
  const owner = useRole() === "owner";
  const me = useFetch<Me>(owner ? "/api/me" : null);
  const [required, setRequired] = useState(company.require_two_factor ?? false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  useEffect(() => setRequired(company.require_two_factor ?? false), [company.require_two_factor]);
  const ownHasTwoFactor = me.data?.two_factor?.enabled ?? false;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setDone(false);
    try {
      onSaved(await api.patch<Company>("/api/company", { require_two_factor: required }));
      setDone(true);
    } catch (err) {
      setError(err);
    }
  };

  if (!owner) {
    return (
      <div className="panel">
        <h2>{t("settings.security")}</h2>
        <p data-testid="require-two-factor">{t(company.require_two_factor ? "settings.twoFactorRequired" : "settings.twoFactorOptional")}</p>
      </div>
    );
  }
  return (
    <form className="panel" onSubmit={(e) => void submit(e)}>
      <h2>{t("settings.security")}</h2>
      <label className="check">
        <input type="checkbox" checked={required} onChange={(e) => setRequired(e.target.checked)} />
        {t("settings.requireTwoFactor")}
      </label>
      <p className="hint">{t("settings.requireTwoFactorHint")}</p>
      {me.data && !ownHasTwoFactor && (
        <p className="hint">
          {t("settings.ownTwoFactorFirst")} <Link to="/account">{t("account.title")}</Link>
        </p>
      )}
      <ErrorBox error={error} />
      {done && <Notice>{t("common.saved")}</Notice>}
      <button type="submit" className="primary">
        {t("common.save")}
      </button>
    </form>
  );
}
