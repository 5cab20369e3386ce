// Shapes of the issue-19 CRM routes as the contract (notes/issue19-contract.md) fixes them. The
// fields the generated types (../generated/api.ts) do not have yet are optional here, so the pages
// work against a server with or without them; once codegen has them these become plain aliases.
import type { Account, AuditEntry, Deal } from "../api/types";
import type { EventType, Stage } from "../generated/contract";

/** A client account with its client-record fields (legal name, address, VAT, ...). */
export type ClientAccount = Account & {
  legal_name?: string | null;
  street?: string | null;
  postcode?: string | null;
  city?: string | null;
  country?: string | null;
  vat_id?: string | null;
  kvk_number?: string | null;
  peppol_id?: string | null;
  invoice_email?: string | null;
  payment_terms_days?: number | null;
  language?: "nl" | "en" | null;
};

/** The client-record fields of the account form, in the form's order. */
export const CLIENT_FIELDS = [
  "legal_name",
  "street",
  "postcode",
  "city",
  "country",
  "vat_id",
  "kvk_number",
  "peppol_id",
  "invoice_email",
  "payment_terms_days",
  "language",
] as const;
export type ClientField = (typeof CLIENT_FIELDS)[number];

/** One entry of a timeline (`GET /api/accounts/{id}/timeline`, contacts, deals), newest first. */
export interface TimelineEntry {
  id: string;
  at: string;
  event: EventType | string;
  subject_type: string;
  subject_id: string;
  /** Resolved in the company's own database: deal title, invoice number, contact name. */
  title: string | null;
  actor_id: string | null;
  actor_name: string | null;
  data?: unknown;
}

/** A deal with its owner's name when the server gives it. */
export type CrmDeal = Deal & { owner_name?: string | null };

/** An audit record with the names resolved at read time (`actor_name`, `subject_title`). */
export type ReadableAuditRecord = Omit<AuditEntry, "actor_name" | "subject_title"> & {
  actor_name?: string | null;
  subject_title?: string | null;
};

/** `GET /api/pipeline`: one row per stage (pipeline order) and currency. */
export interface PipelineRow {
  stage: Stage;
  currency: string;
  count: number;
  value_cents: number;
  weighted_cents: number;
  probability_bp: number;
}

/** `GET /api/reports/revenue?from&to`: one row per month and currency. */
export interface RevenueRow {
  month: string;
  currency: string;
  invoiced_cents: number;
  credited_cents?: number;
  paid_cents: number;
  open_cents?: number;
  overdue_cents?: number;
  won_cents: number;
}

/** `GET /api/reports/top-clients?from&to&limit`. */
export interface TopClient {
  account_id: string;
  name: string;
  currency: string;
  invoiced_cents: number;
  /** Credit notes on those invoices (negative amounts counted as positive). */
  credited_cents?: number;
  /** Invoiced less credited: what the ranking is by. */
  net_cents?: number;
  paid_cents?: number;
  /** What is still open of those invoices. */
  open_cents?: number;
}
