// The attribution pages' own navigation: one entry in the app's menu ("Attribution"), and these
// links between its pages (the report, sites, conversions, destinations).
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n/en";
import { Link, useLocation } from "../router";

const TABS: readonly { path: string; label: MessageKey }[] = [
  { path: "/attribution", label: "attribution.tab.report" },
  { path: "/attribution/sites", label: "attribution.tab.sites" },
  { path: "/attribution/conversions", label: "attribution.tab.conversions" },
  { path: "/attribution/destinations", label: "attribution.tab.destinations" },
];

export function AttributionTabs() {
  const { t } = useI18n();
  const { path } = useLocation();
  const current = (tab: string) => (tab === "/attribution" ? path === tab : path === tab || path.startsWith(`${tab}/`));
  return (
    <nav className="tabs buttons no-print" aria-label={t("attribution.tabs")}>
      {TABS.map((tab) => (
        <Link key={tab.path} to={tab.path} aria-current={current(tab.path) ? "page" : undefined}>
          {t(tab.label)}
        </Link>
      ))}
    </nav>
  );
}
