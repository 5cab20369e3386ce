// The app's pages, one row each: path, who may see it, its navigation label and the page. The
// router (App and CompanyPages) picks the page and checks the permission from this table, and
// the navigation lists its labelled rows in this order; adding a page is adding a row.
import { Suspense, lazy, type ReactElement } from "react";
import { Loading } from "./components/ui";
import type { Permission, Role } from "./generated/roles";
import type { MessageKey } from "./i18n/en";
import { allowed } from "./permissions";
import { AcceptInvite } from "./pages/AcceptInvite";
import { Account } from "./pages/Account";
import { Accounts } from "./pages/Accounts";
import { AccountPage } from "./pages/AccountPage";
import { ContactPage } from "./pages/ContactPage";
import { DealPage } from "./pages/DealPage";
import { Audit } from "./pages/Audit";
import { Contacts } from "./pages/Contacts";
import { CompanyInvoicing } from "./pages/CompanyInvoicing";
import { Contracts } from "./pages/Contracts";
import { ContractPage } from "./pages/ContractPage";
import { CreditNoteView } from "./pages/CreditNoteView";
import { Dashboard } from "./pages/Dashboard";
import { InvoiceView } from "./pages/InvoiceView";
import { Invoices } from "./pages/Invoices";
import { Login } from "./pages/Login";
import { Members } from "./pages/Members";
import { ForgotPassword, ResetPassword } from "./pages/PasswordReset";
import { Pipeline } from "./pages/Pipeline";
import { Settings } from "./pages/Settings";
import { Signup } from "./pages/Signup";
import { VerifyEmail } from "./pages/VerifyEmail";
import { Webhooks } from "./pages/Webhooks";

// Reports bring the charting library: loaded when the page is first opened.
const Reports = lazy(() => import("./pages/Reports").then((m) => ({ default: m.Reports })));
const Utilisation = lazy(() => import("./pages/Utilisation").then((m) => ({ default: m.Utilisation })));
// The project and time pages: loaded when one is first opened.
const Projects = lazy(() => import("./pages/Projects").then((m) => ({ default: m.Projects })));
const ProjectPage = lazy(() => import("./pages/ProjectPage").then((m) => ({ default: m.ProjectPage })));
const Timesheet = lazy(() => import("./pages/Timesheet").then((m) => ({ default: m.Timesheet })));
const Approvals = lazy(() => import("./pages/Approvals").then((m) => ({ default: m.Approvals })));
const InvoiceFromTime = lazy(() => import("./pages/InvoiceFromTime").then((m) => ({ default: m.InvoiceFromTime })));
// The attribution pages (the report brings the charting library): loaded when first opened.
const AttributionReport = lazy(() => import("./pages/attribution/AttributionReport").then((m) => ({ default: m.AttributionReport })));
const Sites = lazy(() => import("./pages/attribution/Sites").then((m) => ({ default: m.Sites })));
const SitePage = lazy(() => import("./pages/attribution/SitePage").then((m) => ({ default: m.SitePage })));
const Conversions = lazy(() => import("./pages/attribution/Conversions").then((m) => ({ default: m.Conversions })));
const Destinations = lazy(() => import("./pages/attribution/Destinations").then((m) => ({ default: m.Destinations })));
const Privacy = lazy(() => import("./pages/Privacy").then((m) => ({ default: m.Privacy })));
const TimeSettings = lazy(() => import("./pages/TimeSettings").then((m) => ({ default: m.TimeSettings })));

/** A page loaded on first use, with "Loading…" meanwhile. */
const later = (page: ReactElement) => <Suspense fallback={<Loading />}>{page}</Suspense>;

/** Who a page is for. */
export type Access =
  /** Opened from a mailed link: shown whoever is logged in (the link is what counts). */
  | "link"
  /** For people not logged in (log in, sign up); once logged in the path shows the dashboard. */
  | "anonymous"
  /** The person's own pages: logged in, inside a company or not. */
  | "person"
  /** Inside a company, for the roles that have `permission`. */
  | "company";

export interface Route {
  /** The path; a `:name` segment matches any one segment, handed to the page as a parameter. */
  path: string;
  access: Access;
  /** For `company` pages: needed to see the page at all; null: every member. */
  permission: Permission | null;
  /** The navigation label; pages without one are reached by links. */
  nav?: MessageKey;
  /** For pages reached by links: the navigation item they belong to (a deal's page: the pipeline). */
  under?: string;
  page: (params: Record<string, string>) => ReactElement;
}

export const ROUTES: readonly Route[] = [
  { path: "/", access: "company", permission: null, nav: "nav.dashboard", page: () => <Dashboard /> },
  { path: "/accounts", access: "company", permission: "crm.read", nav: "nav.accounts", page: () => <Accounts /> },
  { path: "/accounts/:id", access: "company", permission: "crm.read", page: ({ id = "" }) => <AccountPage id={id} /> },
  { path: "/contacts", access: "company", permission: "crm.read", nav: "nav.contacts", page: () => <Contacts /> },
  { path: "/contacts/:id", access: "company", permission: "crm.read", page: ({ id = "" }) => <ContactPage id={id} /> },
  { path: "/pipeline", access: "company", permission: "deals.read", nav: "nav.pipeline", page: () => <Pipeline /> },
  { path: "/deals/:id", access: "company", permission: "deals.read", under: "/pipeline", page: ({ id = "" }) => <DealPage id={id} /> },
  { path: "/contracts", access: "company", permission: "contracts.read", nav: "nav.contracts", page: () => <Contracts /> },
  { path: "/contracts/:id", access: "company", permission: "contracts.read", page: ({ id = "" }) => <ContractPage id={id} /> },
  { path: "/projects", access: "company", permission: "projects.read", nav: "nav.projects", page: () => later(<Projects />) },
  { path: "/projects/:id", access: "company", permission: "projects.read", page: ({ id = "" }) => later(<ProjectPage id={id} />) },
  { path: "/timesheet", access: "company", permission: "time.log", nav: "nav.timesheet", page: () => later(<Timesheet />) },
  { path: "/approvals", access: "company", permission: "time.approve", nav: "nav.approvals", page: () => later(<Approvals />) },
  { path: "/invoices", access: "company", permission: "invoices.read", nav: "nav.invoices", page: () => <Invoices /> },
  { path: "/invoices/from-time", access: "company", permission: "invoices.write", under: "/invoices", page: () => later(<InvoiceFromTime />) },
  { path: "/invoices/:id", access: "company", permission: "invoices.read", page: ({ id = "" }) => <InvoiceView id={id} /> },
  { path: "/credit-notes/:id", access: "company", permission: "invoices.read", page: ({ id = "" }) => <CreditNoteView id={id} /> },
  { path: "/reports", access: "company", permission: "reports.read", nav: "nav.reports", page: () => (<Suspense fallback={<Loading />}><Reports /></Suspense>) },
  { path: "/utilisation", access: "company", permission: "time.log", nav: "nav.utilisation", page: () => later(<Utilisation />) },
  { path: "/attribution", access: "company", permission: "attribution.read", nav: "nav.attribution", page: () => later(<AttributionReport />) },
  { path: "/attribution/sites", access: "company", permission: "attribution.read", under: "/attribution", page: () => later(<Sites />) },
  { path: "/attribution/sites/:id", access: "company", permission: "attribution.read", under: "/attribution", page: ({ id = "" }) => later(<SitePage id={id} />) },
  { path: "/attribution/conversions", access: "company", permission: "attribution.read", under: "/attribution", page: () => later(<Conversions />) },
  { path: "/attribution/destinations", access: "company", permission: "attribution.read", under: "/attribution", page: () => later(<Destinations />) },
  { path: "/members", access: "company", permission: "members.read", nav: "nav.members", page: () => <Members /> },
  { path: "/audit", access: "company", permission: "audit.read", nav: "nav.audit", page: () => <Audit /> },
  { path: "/webhooks", access: "company", permission: "webhooks.manage", nav: "nav.webhooks", page: () => <Webhooks /> },
  { path: "/privacy", access: "company", permission: "privacy.manage", nav: "nav.privacy", page: () => later(<Privacy />) },
  { path: "/settings", access: "company", permission: "company.update", nav: "nav.settings", page: () => <Settings /> },
  { path: "/settings/invoicing", access: "company", permission: "company.update", page: () => <CompanyInvoicing /> },
  { path: "/settings/time", access: "company", permission: "projects.read", under: "/settings", page: () => later(<TimeSettings />) },
  { path: "/account", access: "person", permission: null, page: () => <Account /> },
  { path: "/login", access: "anonymous", permission: null, page: () => <Login /> },
  { path: "/signup", access: "anonymous", permission: null, page: () => <Signup /> },
  { path: "/accept-invite", access: "link", permission: null, page: () => <AcceptInvite /> },
  { path: "/verify-email", access: "link", permission: null, page: () => <VerifyEmail /> },
  { path: "/reset-password", access: "link", permission: null, page: () => <ResetPassword /> },
  { path: "/forgot-password", access: "link", permission: null, page: () => <ForgotPassword /> },
];

export interface Match {
  route: Route;
  params: Record<string, string>;
}

/** The route a path shows, with its `:name` parameters (as they appear in the path). */
export function matchRoute(path: string): Match | undefined {
  const segments = path.split("/").filter(Boolean);
  for (const route of ROUTES) {
    const pattern = route.path.split("/").filter(Boolean);
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const fits = pattern.every((part, i) => {
      const segment = segments[i] ?? "";
      if (part.startsWith(":")) {
        params[part.slice(1)] = segment;
        return segment !== "";
      }
      return part === segment;
    });
    if (fits) return { route, params };
  }
  return undefined;
}

/** The navigation: the labelled rows, in order. */
export const NAV: readonly Route[] = ROUTES.filter((r) => r.nav !== undefined);

/** The navigation items the role may see, in order. */
export function navFor(role: Role | null): Route[] {
  return NAV.filter((item) => allowed(role, item.permission));
}

/** The navigation item a path belongs to (for `/invoices/123`, the invoices item). */
export function itemFor(path: string): Route | undefined {
  if (path === "/") return NAV[0];
  const under = matchRoute(path)?.route.under;
  if (under) return NAV.find((item) => item.path === under);
  return NAV.find((item) => item.path !== "/" && (path === item.path || path.startsWith(`${item.path}/`)));
}
