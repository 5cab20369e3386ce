// The pages inside a company, each behind the permission its nav item names.
import { useEffect } from "react";
import { useI18n } from "../i18n";
import { allowed, itemFor } from "../permissions";
import { Link } from "../router";
import { useRole, useSession } from "../session";
import { ApiError } from "../api/client";
import { ErrorBox, PageTitle } from "../components/ui";
import { Dashboard } from "./Dashboard";
import { Accounts } from "./Accounts";
import { Contacts } from "./Contacts";
import { Pipeline } from "./Pipeline";
import { Contracts } from "./Contracts";
import { Invoices } from "./Invoices";
import { InvoiceView } from "./InvoiceView";
import { Members } from "./Members";
import { Audit } from "./Audit";
import { Account } from "./Account";
import { Settings } from "./Settings";

export function CompanyPages({ path }: { path: string }) {
  const role = useRole();
  const { session } = useSession();
  const company = session.status === "ready" ? session.company.id : "";
  const item = itemFor(path === "/login" || path === "/signup" ? "/" : path);

  useEffect(() => {
    // Move focus to the new page's heading so keyboard and screen-reader users follow along.
    document.querySelector<HTMLElement>("main h1")?.focus();
  }, [path]);

  // The person's own page, not the company's: every member has it.
  if (path === "/account") return <Account />;
  if (!item) return <NotFound />;
  // A page the role may not use is not linked anywhere; a typed or old address says why.
  if (!allowed(role, item.permission)) return <ErrorBox error={new ApiError(403, "forbidden", "")} />;
  // Keyed by company: switching companies starts every page afresh, never showing old data.
  return <div key={company}>{pageFor(path)}</div>;
}

function pageFor(path: string) {
  const invoice = /^\/invoices\/([0-9a-f-]{36})$/.exec(path);
  if (invoice?.[1]) return <InvoiceView id={invoice[1]} />;
  switch (path) {
    case "/":
    case "/login":
    case "/signup":
      return <Dashboard />;
    case "/accounts":
      return <Accounts />;
    case "/contacts":
      return <Contacts />;
    case "/pipeline":
      return <Pipeline />;
    case "/contracts":
      return <Contracts />;
    case "/invoices":
      return <Invoices />;
    case "/members":
      return <Members />;
    case "/audit":
      return <Audit />;
    case "/settings":
      return <Settings />;
    default:
      return <NotFound />;
  }
}

function NotFound() {
  const { t } = useI18n();
  return (
    <section>
      <PageTitle>{t("notFound.title")}</PageTitle>
      <Link to="/">{t("notFound.back")}</Link>
    </section>
  );
}
