// The app shell: restores the session, holds locale and session state, and picks the page.
import { useEffect, useMemo, useState } from "react";
import { onSessionLost, onTwoFactorSetupRequired } from "./api/client";
import { I18nContext, LOCALES, translator, type Locale } from "./i18n";
import { useLocation } from "./router";
import { SessionContext, lost, restore, setupRequired, type SessionState } from "./session";
import { Loading } from "./components/ui";
import { Shell } from "./components/Shell";
import { Login } from "./pages/Login";
import { ChooseCompany } from "./pages/ChooseCompany";
import { CompanyPages } from "./pages/CompanyPages";
import { TwoFactorRequired } from "./pages/TwoFactorRequired";
import { matchRoute } from "./routes";
import { PortalApp, isPortalPath } from "./portal/PortalApp";

const LOCALE_KEY = "silo.locale";

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(LOCALE_KEY);
    if (saved && (LOCALES as readonly string[]).includes(saved)) return saved as Locale;
  } catch {
    // Storage disabled: fall back to the browser's language.
  }
  return navigator.language.toLowerCase().startsWith("nl") ? "nl" : "en";
}

export function App() {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const [session, setSession] = useState<SessionState>({ status: "loading" });
  const location = useLocation();

  useEffect(() => {
    let live = true;
    void restore().then((s) => live && setSession(s));
    onSessionLost(() => setSession(lost()));
    onTwoFactorSetupRequired((company) => setSession((s) => setupRequired(s, company)));
    return () => {
      live = false;
      onSessionLost(null);
      onTwoFactorSetupRequired(null);
    };
  }, []);

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  const i18n = useMemo(
    () => ({
      locale,
      t: translator(locale),
      setLocale: (l: Locale) => {
        setLocaleState(l);
        try {
          localStorage.setItem(LOCALE_KEY, l);
        } catch {
          // Not remembered; still switched.
        }
      },
    }),
    [locale],
  );

  return (
    <I18nContext.Provider value={i18n}>
      <SessionContext.Provider value={{ session, setSession }}>
        {isPortalPath(location.path) ? <PortalApp path={location.path} /> : <Shell>{page(session, location.path)}</Shell>}
      </SessionContext.Provider>
    </I18nContext.Provider>
  );
}

/** The page for a path in a session state, as the route table (routes.tsx) says. */
function page(session: SessionState, path: string) {
  const found = matchRoute(path);
  const access = found?.route.access;
  if (found && access === "link") return found.route.page(found.params);
  switch (session.status) {
    case "loading":
      return <Loading />;
    case "anonymous":
      // Any other page asks to log in first (and shows it after).
      return found && access === "anonymous" ? found.route.page(found.params) : <Login key={path} />;
    case "choosing":
      return found && access === "person" ? found.route.page(found.params) : <ChooseCompany companies={session.companies} />;
    case "twoFactorSetup":
      return <TwoFactorRequired company={session.company} companies={session.companies} />;
    case "ready":
      return <CompanyPages path={path} />;
  }
}
