// The app shell: restores the session, holds locale and session state, and picks the page.
import { useEffect, useMemo, useState, type ReactElement } from "react";
import { onSessionLost, onTwoFactorSetupRequired } from "./api/client";
import { I18nContext, LOCALES, translator, type Locale } from "./i18n";
import { useLocation } from "./router";
import { SessionContext, lost, restore, setupRequired, type SessionState } from "./session";
import { Loading } from "./components/ui";
import { Shell } from "./components/Shell";
import { Login } from "./pages/Login";
import { Signup } from "./pages/Signup";
import { AcceptInvite } from "./pages/AcceptInvite";
import { ChooseCompany } from "./pages/ChooseCompany";
import { CompanyPages } from "./pages/CompanyPages";
import { VerifyEmail } from "./pages/VerifyEmail";
import { ForgotPassword, ResetPassword } from "./pages/PasswordReset";
import { TwoFactorRequired } from "./pages/TwoFactorRequired";
import { Account } from "./pages/Account";

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
        <Shell>{page(session, location.path)}</Shell>
      </SessionContext.Provider>
    </I18nContext.Provider>
  );
}

/** Pages opened from a mailed link, shown whoever is logged in (the link is what counts). */
const LINK_PAGES: Record<string, () => ReactElement> = {
  "/accept-invite": () => <AcceptInvite />,
  "/verify-email": () => <VerifyEmail />,
  "/reset-password": () => <ResetPassword />,
  "/forgot-password": () => <ForgotPassword />,
};

function page(session: SessionState, path: string) {
  const linked = LINK_PAGES[path];
  if (linked) return linked();
  switch (session.status) {
    case "loading":
      return <Loading />;
    case "anonymous":
      return path === "/signup" ? <Signup /> : <Login key={path} notice={session.notice} />;
    case "choosing":
      return path === "/account" ? <Account /> : <ChooseCompany companies={session.companies} />;
    case "twoFactorSetup":
      return <TwoFactorRequired company={session.company} companies={session.companies} />;
    case "ready":
      return <CompanyPages path={path} />;
  }
}
