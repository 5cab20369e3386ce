// The portal's first page: a welcome and a card per part that is on, with what waits there.
import type { MessageKey } from "../../i18n/en";
import { useI18n } from "../../i18n";
import { Link } from "../../router";
import { PageTitle } from "../../components/ui";
import { usePortal, usePortalFetch } from "../hooks";
import { itemsOf, type Approval, type ListOf, type PortalContract, type PortalParts } from "../types";

const CARDS: [keyof PortalParts, string, MessageKey, MessageKey][] = [
  ["contracts", "/portal/contracts", "portal.nav.contracts", "portal.card.contracts"],
  ["invoices", "/portal/invoices", "portal.nav.invoices", "portal.card.invoices"],
  ["projects", "/portal/projects", "portal.nav.projects", "portal.card.projects"],
  ["approvals", "/portal/approvals", "portal.nav.approvals", "portal.card.approvals"],
  ["files", "/portal/files", "portal.nav.files", "portal.card.files"],
  ["messages", "/portal/messages", "portal.nav.messages", "portal.card.messages"],
  ["colleagues", "/portal/colleagues", "portal.nav.colleagues", "portal.card.colleagues"],
];

export function PortalHome() {
  const { t } = useI18n();
  const { me, can } = usePortal();
  const contracts = usePortalFetch<ListOf<PortalContract>>(can("contracts") ? "/api/portal/contracts" : null);
  const approvals = usePortalFetch<ListOf<Approval>>(can("approvals") ? "/api/portal/approvals" : null);
  const toSign = itemsOf(contracts.data).filter((c) => c.status === "sent").length;
  const toApprove = itemsOf(approvals.data).filter((a) => a.status === "pending").length;
  return (
    <section>
      <PageTitle>{me.user ? t("portal.welcome", { name: me.user.name }) : t("portal.welcomePreview", { client: me.account.name })}</PageTitle>
      <p>{t("portal.homeIntro", { company: me.company_name, client: me.account.name })}</p>
      {toSign > 0 && (
        <p className="notice" role="status">
          <Link to="/portal/contracts">{t("portal.toSign", { count: toSign })}</Link>
        </p>
      )}
      {toApprove > 0 && (
        <p className="notice" role="status">
          <Link to="/portal/approvals">{t("portal.toApprove", { count: toApprove })}</Link>
        </p>
      )}
      <div className="cards-row">
        {CARDS.filter(([part]) => can(part)).map(([part, to, title, text]) => (
          <div className="card" key={part}>
            <h2>
              <Link to={to}>{t(title)}</Link>
            </h2>
            <p>{t(text)}</p>
          </div>
        ))}
      </div>
    </section>
  );
}
