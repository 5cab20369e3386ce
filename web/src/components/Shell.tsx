// The frame around every page: header with the current company, switcher, language and logout,
// and the navigation the role may use.
import type { ReactNode } from "react";
import { useState } from "react";
import { LOCALES, errorMessage, useI18n, type Locale } from "../i18n";
import { navFor, itemFor } from "../routes";
import { Link, navigate, useLocation } from "../router";
import { actions, useSession } from "../session";

export function Shell({ children }: { children: ReactNode }) {
  const { t, locale, setLocale } = useI18n();
  const { session, setSession } = useSession();
  const { path } = useLocation();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const ready = session.status === "ready" ? session : null;

  const switchTo = async (id: string) => {
    setBusy(true);
    setError(null);
    try {
      setSession(await actions.switchTo(id));
      navigate("/");
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const logout = async () => {
    setSession(await actions.logout());
    navigate("/login");
  };

  const active = itemFor(path);
  return (
    <>
      <a className="skip" href="#main">
        {t("app.skip")}
      </a>
      <header className="top">
        <span className="brand">{t("app.name")}</span>
        {ready && (
          <div className="company">
            {ready.companies.length > 1 ? (
              <label>
                <span className="sr-only">{t("header.switch")}</span>
                <select
                  aria-label={t("header.switch")}
                  value={ready.company.id}
                  disabled={busy}
                  onChange={(e) => void switchTo(e.target.value)}
                >
                  {ready.companies.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name}
                    </option>
                  ))}
                </select>
              </label>
            ) : (
              <strong className="company-name">{ready.company.name}</strong>
            )}
            <span className="role">{t("header.role", { role: t(`role.${ready.role}`) })}</span>
          </div>
        )}
        <div className="tools">
          <label>
            <span className="sr-only">{t("app.language")}</span>
            <select aria-label={t("app.language")} value={locale} onChange={(e) => setLocale(e.target.value as Locale)}>
              {LOCALES.map((l) => (
                <option key={l} value={l}>
                  {l === "en" ? "English" : "Nederlands"}
                </option>
              ))}
            </select>
          </label>
          {(ready || session.status === "choosing") && (
            <Link to="/account" className="header-link" aria-current={path === "/account" ? "page" : undefined}>
              {t("header.account")}
            </Link>
          )}
          {(ready || session.status === "choosing" || session.status === "twoFactorSetup") && (
            <button type="button" onClick={() => void logout()}>
              {t("header.logout")}
            </button>
          )}
        </div>
      </header>
      {error ? (
        <p className="error" role="alert">
          {errorMessage(error, t)}
        </p>
      ) : null}
      <div className={ready ? "layout" : "layout bare"}>
        {ready && (
          <nav aria-label={t("app.menu")}>
            <ul>
              {navFor(ready.role).map((item) => (
                <li key={item.path}>
                  <Link to={item.path} aria-current={active?.path === item.path ? "page" : undefined}>
                    {item.nav && t(item.nav)}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
        )}
        <main id="main">{children}</main>
      </div>
    </>
  );
}
