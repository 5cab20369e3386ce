// The client portal: a shell of its own (the agency's name and logo, the client's name, the
// parts the agency turned on), separate from the staff app. Public pages first (the agency's
// sign-in address, the magic-link page, a staff preview's start and the signing link), then the
// signed-in pages, each shown only when `/api/portal/me` says its part is on.
import { useCallback, useEffect, useMemo, useState, type ReactElement, type ReactNode } from "react";
import { LOCALES, errorMessage, useI18n, type Locale } from "../i18n";
import type { MessageKey } from "../i18n/en";
import { Link, navigate } from "../router";
import { Loading } from "../components/ui";
import { dataUrl, onPortalSessionLost, portalApi, portalToken, rememberedKey, setPortalToken } from "./client";
import { PortalContext, type PortalContextValue } from "./hooks";
import type { PortalMe, PortalParts } from "./types";
import { MagicLink, PreviewStart, SignIn } from "./pages/SignIn";
import { SignLink } from "./pages/SignLink";
import { PortalHome } from "./pages/Home";
import { PortalContractPage, PortalContracts } from "./pages/Contracts";
import { PortalInvoicePage, PortalInvoices } from "./pages/Invoices";
import { PortalProjectPage, PortalProjects } from "./pages/Projects";
import { PortalFiles } from "./pages/Files";
import { PortalApprovals } from "./pages/Approvals";
import { PortalThread, PortalThreads } from "./pages/Messages";
import { PortalColleagues } from "./pages/Colleagues";

/** Whether a path belongs to the portal (or the public signing page) rather than the staff app. */
export function isPortalPath(path: string): boolean {
  return path === "/portal" || path.startsWith("/portal/") || path === "/sign";
}

type Part = keyof PortalParts | "home";

interface PortalRoute {
  path: string;
  part: Part;
  nav?: MessageKey;
  page: (params: Record<string, string>) => ReactElement;
}

/** The signed-in pages, one row each; the navigation lists the labelled rows whose part is on. */
const PORTAL_ROUTES: readonly PortalRoute[] = [
  { path: "/portal", part: "home", nav: "portal.nav.home", page: () => <PortalHome /> },
  { path: "/portal/contracts", part: "contracts", nav: "portal.nav.contracts", page: () => <PortalContracts /> },
  { path: "/portal/contracts/:id", part: "contracts", page: ({ id = "" }) => <PortalContractPage id={id} /> },
  { path: "/portal/invoices", part: "invoices", nav: "portal.nav.invoices", page: () => <PortalInvoices /> },
  { path: "/portal/invoices/:id", part: "invoices", page: ({ id = "" }) => <PortalInvoicePage id={id} /> },
  { path: "/portal/projects", part: "projects", nav: "portal.nav.projects", page: () => <PortalProjects /> },
  { path: "/portal/projects/:id", part: "projects", page: ({ id = "" }) => <PortalProjectPage id={id} /> },
  { path: "/portal/files", part: "files", nav: "portal.nav.files", page: () => <PortalFiles /> },
  { path: "/portal/approvals", part: "approvals", nav: "portal.nav.approvals", page: () => <PortalApprovals /> },
  { path: "/portal/messages", part: "messages", nav: "portal.nav.messages", page: () => <PortalThreads /> },
  { path: "/portal/messages/:id", part: "messages", page: ({ id = "" }) => <PortalThread id={id} /> },
  { path: "/portal/colleagues", part: "colleagues", nav: "portal.nav.colleagues", page: () => <PortalColleagues /> },
];

function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? "";
    const g = got[i] ?? "";
    if (w.startsWith(":")) {
      if (!g) return null;
      params[w.slice(1)] = decodeURIComponent(g);
    } else if (w !== g) return null;
  }
  return params;
}

export function PortalApp({ path }: { path: string }) {
  if (path === "/sign") {
    return (
      <PortalFrame>
        <SignLink />
      </PortalFrame>
    );
  }
  const key = matchPath("/portal/k/:key", path);
  if (key) return <SignIn keyToken={key.key ?? ""} />;
  if (path === "/portal/magic") return <MagicLink />;
  if (path === "/portal/preview") return <PreviewStart />;
  return <SignedInPortal path={path} />;
}

/** The language switch every portal page has. */
function LanguageSwitch() {
  const { t, locale, setLocale } = useI18n();
  return (
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
  );
}

/** A public portal page's frame: the agency's name and logo when known, and the language. */
export function PortalFrame({ company, logo, children }: { company?: string | null; logo?: string | null; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="portal">
      <a className="skip" href="#main">
        {t("app.skip")}
      </a>
      <header className="top portal-top">
        <span className="brand portal-brand">
          {logo && <img src={logo} alt="" className="portal-logo" />}
          <span>{company || t("portal.title")}</span>
        </span>
        <div className="tools">
          <LanguageSwitch />
        </div>
      </header>
      <main id="main" className="portal-main">
        {children}
      </main>
    </div>
  );
}

type SessionState = { status: "loading" } | { status: "out"; notice?: "ended" | "signedOut" | "everywhere" } | { status: "in"; me: PortalMe };

function SignedInPortal({ path }: { path: string }) {
  const { t } = useI18n();
  const [state, setState] = useState<SessionState>(() => (portalToken() ? { status: "loading" } : { status: "out" }));
  const [logo, setLogo] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async () => {
    if (!portalToken()) return setState({ status: "out" });
    try {
      setState({ status: "in", me: await portalApi.get<PortalMe>("/api/portal/me") });
    } catch (e) {
      if (!portalToken()) setState({ status: "out", notice: "ended" });
      else setError(e);
    }
  }, []);

  useEffect(() => {
    onPortalSessionLost(() => setState({ status: "out", notice: "ended" }));
    void load();
    return () => onPortalSessionLost(null);
  }, [load]);

  const signedIn = state.status === "in";
  useEffect(() => {
    if (!signedIn) return;
    let live = true;
    portalApi
      .raw("/api/portal/logo")
      .then((r) => r.blob())
      .then(dataUrl)
      .then((url) => live && setLogo(url))
      .catch(() => {
        // No logo (404): the agency's name alone.
      });
    return () => {
      live = false;
    };
  }, [signedIn]);

  const context = useMemo<PortalContextValue | null>(() => {
    if (state.status !== "in") return null;
    const me = state.me;
    return { me, can: (part) => me.parts[part] === true, readOnly: me.preview };
  }, [state]);

  const signOut = async (everywhere: boolean) => {
    setError(null);
    try {
      await portalApi.post<void>(everywhere ? "/api/portal/auth/logout-all" : "/api/portal/auth/logout");
    } catch (e) {
      // A session that already ended is signed out all the same.
      if (portalToken()) return setError(e);
    }
    setPortalToken(null);
    setState({ status: "out", notice: everywhere ? "everywhere" : "signedOut" });
  };

  if (state.status === "loading") {
    return (
      <PortalFrame>
        {error ? (
          <p className="error" role="alert">
            {errorMessage(error, t)}
          </p>
        ) : (
          <Loading />
        )}
      </PortalFrame>
    );
  }
  if (state.status === "out" || !context) {
    return (
      <PortalFrame>
        <SignedOut notice={state.status === "out" ? state.notice : undefined} />
      </PortalFrame>
    );
  }
  const { me } = context;
  let page: ReactElement | null = null;
  let active: string | undefined;
  for (const route of PORTAL_ROUTES) {
    const params = matchPath(route.path, path);
    if (!params) continue;
    if (route.part !== "home" && !context.can(route.part)) break;
    page = route.page(params);
    active = PORTAL_ROUTES.find((r) => r.nav && r.part === route.part)?.path;
    break;
  }
  const nav = PORTAL_ROUTES.filter((r) => r.nav && (r.part === "home" || context.can(r.part)));
  return (
    <PortalContext.Provider value={context}>
      <div className="portal">
        <a className="skip" href="#main">
          {t("app.skip")}
        </a>
        <header className="top portal-top">
          <span className="brand portal-brand">
            {logo && <img src={logo} alt="" className="portal-logo" />}
            <span data-testid="portal-company">{me.company_name}</span>
          </span>
          <div className="company">
            <strong className="company-name" data-testid="portal-account">
              {me.account.name}
            </strong>
            {me.user && <span className="role">{me.user.name}</span>}
          </div>
          <div className="tools">
            <LanguageSwitch />
            {!me.preview && (
              <>
                <button type="button" onClick={() => void signOut(false)}>
                  {t("portal.signOut")}
                </button>
                <button type="button" onClick={() => void signOut(true)}>
                  {t("portal.signOutAll")}
                </button>
              </>
            )}
          </div>
        </header>
        {me.preview && (
          <p className="preview-banner" role="status">
            {t("portal.previewBanner", { client: me.account.name })}
          </p>
        )}
        {error ? (
          <p className="error" role="alert">
            {errorMessage(error, t)}
          </p>
        ) : null}
        <div className="layout portal-layout">
          <nav aria-label={t("app.menu")}>
            <ul>
              {nav.map((item) => (
                <li key={item.path}>
                  <Link to={item.path} aria-current={active === item.path ? "page" : undefined}>
                    {item.nav && t(item.nav)}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <main id="main">{page ?? <NotHere />}</main>
        </div>
      </div>
    </PortalContext.Provider>
  );
}

function NotHere() {
  const { t } = useI18n();
  return (
    <section>
      <h1 tabIndex={-1}>{t("portal.notHere")}</h1>
      <p>
        <Link to="/portal">{t("portal.nav.home")}</Link>
      </p>
    </section>
  );
}

/** Not signed in (any more): how to get back in. */
export function SignedOut({ notice }: { notice?: "ended" | "signedOut" | "everywhere" }) {
  const { t } = useI18n();
  const key = rememberedKey();
  const text: Record<NonNullable<typeof notice>, MessageKey> = {
    ended: "portal.sessionEnded",
    signedOut: "portal.signedOut",
    everywhere: "portal.signedOutEverywhere",
  };
  return (
    <section className="auth">
      <h1 tabIndex={-1}>{t("portal.title")}</h1>
      {notice && (
        <p className="notice" role="status">
          {t(text[notice])}
        </p>
      )}
      <p>{t("portal.signInHow")}</p>
      {key && (
        <p>
          <Link to={`/portal/k/${encodeURIComponent(key)}`}>{t("portal.signInAgain")}</Link>
        </p>
      )}
    </section>
  );
}

/** Goes to a portal page (after signing in). */
export function enterPortal(token: string): void {
  setPortalToken(token);
  navigate("/portal", true);
}
