// The dashboard's first-run checklist for owners and admins: company details, a first client,
// deal and invoice, and a colleague invited. Each step is ticked from the company's real data
// (a first page of one item says whether there is any); it can be hidden, per company and
// browser, and goes away by itself once everything is done.
import { useState } from "react";
import type { Invoicing, Page } from "../api/types";
import { can } from "../generated/roles";
import { useFetch } from "../hooks";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n/en";
import { Link } from "../router";
import { useRole, useSession } from "../session";

export interface ChecklistFacts {
  invoicing:
    | (Pick<Invoicing, "legal_name" | "iban" | "kvk_number" | "vat_id"> & { street?: string | null; postcode?: string | null; city?: string | null })
    | null;
  accounts: number;
  deals: number;
  invoices: number;
  members: number;
  invitations: number;
}

export interface Step {
  key: "company" | "client" | "deal" | "invoice" | "colleague";
  label: MessageKey;
  to: string;
  done: boolean;
}

/**
 * The steps and whether each is done. Company details: legal name, IBAN, a KvK or VAT number,
 * and the address (street, postcode, city) where the server has those fields.
 */
export function checklistSteps(f: ChecklistFacts): Step[] {
  const inv = f.invoicing;
  const address = !inv || !("street" in inv) || !!(inv.street && inv.postcode && inv.city);
  const company = !!(inv?.legal_name && inv.iban && (inv.kvk_number || inv.vat_id) && address);
  return [
    { key: "company", label: "checklist.company", to: "/settings/invoicing", done: company },
    { key: "client", label: "checklist.client", to: "/accounts", done: f.accounts > 0 },
    { key: "deal", label: "checklist.deal", to: "/pipeline", done: f.deals > 0 },
    { key: "invoice", label: "checklist.invoice", to: "/invoices", done: f.invoices > 0 },
    { key: "colleague", label: "checklist.colleague", to: "/members", done: f.members > 1 || f.invitations > 0 },
  ];
}

const KEY = "silo.checklist.hidden.";

function hidden(company: string): boolean {
  try {
    return localStorage.getItem(KEY + company) === "1";
  } catch {
    return false;
  }
}

export function Checklist() {
  const role = useRole();
  const { session } = useSession();
  const company = session.status === "ready" ? session.company.id : "";
  const [dismissed, setDismissed] = useState(() => hidden(company));
  // For the people who set a company up: it needs their rights to tick every step.
  const show = can(role, "company.update") && can(role, "members.read") && !dismissed;
  return show ? <ChecklistPanel company={company} onHide={() => setDismissed(true)} /> : null;
}

function ChecklistPanel({ company, onHide }: { company: string; onHide: () => void }) {
  const { t } = useI18n();
  const role = useRole();
  const one = (path: string, allowed: boolean) => (allowed ? `${path}?limit=1` : null);
  const invoicing = useFetch<Invoicing>("/api/company/invoicing");
  const accounts = useFetch<Page<unknown>>(one("/api/accounts", can(role, "crm.read")));
  const deals = useFetch<Page<unknown>>(one("/api/deals", can(role, "deals.read")));
  const invoices = useFetch<Page<unknown>>(one("/api/invoices", can(role, "invoices.read")));
  const members = useFetch<Page<unknown>>("/api/members?limit=2");
  const invitations = useFetch<Page<unknown>>("/api/members/invitations?limit=1");
  const all = [invoicing, accounts, deals, invoices, members, invitations];
  if (all.some((r) => r.loading)) return null;
  const n = (r: { data: Page<unknown> | null }) => r.data?.items.length ?? 0;
  const steps = checklistSteps({
    invoicing: invoicing.data,
    accounts: n(accounts),
    deals: n(deals),
    invoices: n(invoices),
    members: n(members),
    invitations: n(invitations),
  });
  const done = steps.filter((s) => s.done).length;
  if (done === steps.length) return null;

  const hide = () => {
    try {
      localStorage.setItem(KEY + company, "1");
    } catch {
      // Not remembered: hidden until the next visit.
    }
    onHide();
  };

  return (
    <section className="panel checklist" aria-labelledby="checklist-title">
      <div className="spaced buttons">
        <h2 id="checklist-title">{t("checklist.title")}</h2>
        <button type="button" className="link" onClick={hide}>
          {t("checklist.dismiss")}
        </button>
      </div>
      <p className="hint">
        {t("checklist.intro")} {t("checklist.progress", { done, total: steps.length })}
      </p>
      <ul className="stack">
        {steps.map((s) => (
          <li key={s.key} className={s.done ? "done" : "todo"} data-testid={`checklist-${s.key}`} data-done={s.done ? "true" : "false"}>
            <span className="tick" aria-hidden="true">
              {s.done ? "✓" : "○"}
            </span>{" "}
            {s.done ? <span>{t(s.label)}</span> : <Link to={s.to}>{t(s.label)}</Link>}{" "}
            <span className="sr-only">({t(s.done ? "checklist.done" : "checklist.todo")})</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
