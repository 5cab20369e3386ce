// The pages inside a company: the route table (routes.tsx) picks the page, behind the permission
// its row names.
import { useEffect } from "react";
import { useI18n } from "../i18n";
import { allowed } from "../permissions";
import { Link } from "../router";
import { matchRoute } from "../routes";
import { useRole, useSession } from "../session";
import { ApiError } from "../api/client";
import { ErrorBox, PageTitle } from "../components/ui";

export function CompanyPages({ path }: { path: string }) {
  const role = useRole();
  const { session } = useSession();
  const company = session.status === "ready" ? session.company.id : "";
  const found = matchRoute(path);
  // Logged in, the log-in and sign-up addresses show the dashboard.
  const shown = found?.route.access === "anonymous" ? matchRoute("/") : found;

  useEffect(() => {
    // Move focus to the new page's heading so keyboard and screen-reader users follow along.
    document.querySelector<HTMLElement>("main h1")?.focus();
  }, [path]);

  if (!shown) return <NotFound />;
  const { route, params } = shown;
  // A page the role may not use is not linked anywhere; a typed or old address says why.
  if (!allowed(role, route.permission)) return <ErrorBox error={new ApiError(403, "forbidden", "")} />;
  // Keyed by company: switching companies starts every page afresh, never showing old data.
  return <div key={company}>{route.page(params)}</div>;
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
