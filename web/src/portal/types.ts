// The portal API's shapes: the generated ones (../generated/api.ts) where the routes are on main,
// and until they land, the others as the contract (notes/portal-contract.md) names them.
export type {
  AccountPortal,
  LinkInfo as PortalLinkInfo,
  Parts as PortalParts,
  PortalAccess,
  PortalAddress,
  PortalInfo as PortalAuthInfo,
  PortalMe,
  PortalRole,
  PortalSession,
  PortalUser,
  Preview,
} from "../generated/api";

export interface Signature {
  method: "link" | "portal" | "paper";
  signer_name: string;
  signer_email: string | null;
  signed_at: string;
  client_ip: string | null;
  user_agent: string | null;
  document_sha256: string;
  portal_user_id: string | null;
  signing_link_id: string | null;
}

export interface PortalContract {
  id: string;
  title: string;
  body: string;
  status: "draft" | "sent" | "signed";
  document_sha256: string | null;
  sent_at: string | null;
  signed_at: string | null;
  signature?: (Partial<Signature> & { signer_name: string; signed_at: string; pdf?: boolean }) | null;
  /** The consent sentence the signer ticks, as the server records it. */
  consent_text?: string;
}

export interface PortalInvoiceLine {
  description: string;
  quantity_milli?: number;
  unit_price_cents?: number;
  vat_rate_bp?: number;
  net_cents?: number;
}

export interface PortalInvoice {
  id: string;
  number: string | null;
  status: string;
  currency: string;
  issue_date?: string | null;
  due_date?: string | null;
  total_cents: number;
  net_cents?: number;
  vat_cents?: number;
  open_cents?: number;
  lines?: PortalInvoiceLine[];
  payment?: { iban: string | null; bic?: string | null; reference: string | null; due_date: string | null; open_cents: number } | null;
}

export interface PortalTask {
  id: string;
  title: string;
  status: string;
  due_date?: string | null;
}

export interface PortalProject {
  id: string;
  name: string;
  status: string;
  start_date?: string | null;
  end_date?: string | null;
  tasks?: PortalTask[];
  currency?: string | null;
  approved_minutes?: number | null;
  budget_minutes?: number | null;
  budget_cents?: number | null;
  spent_cents?: number | null;
}

/** `GET /api/portal/projects/{id}` as the collab API answers it. */
export interface PortalProjectDetail {
  project: PortalProject;
  tasks: PortalTask[];
  time: {
    approved_minutes: number;
    budget: { budget_minutes: number | null; budget_cents: number | null; currency: string; value_cents: number } | null;
  } | null;
}

/** A project detail answer, nested or flat, as one flat record. */
export function flatProject(answer: PortalProject | PortalProjectDetail): PortalProject {
  if (!("project" in answer)) return answer;
  const time = answer.time;
  return {
    ...answer.project,
    tasks: answer.tasks,
    approved_minutes: time?.approved_minutes ?? null,
    budget_minutes: time?.budget?.budget_minutes ?? null,
    budget_cents: time?.budget?.budget_cents ?? null,
    spent_cents: time?.budget?.value_cents ?? null,
    currency: time?.budget?.currency ?? null,
  };
}

export interface PortalFile {
  id: string;
  name: string;
  content_type: string;
  size_bytes: number;
  project_id: string | null;
  created_at: string;
  uploaded_by?: string | null;
}

export type ApprovalStatus = "pending" | "approved" | "changes_requested" | "withdrawn";

export interface Approval {
  id: string;
  account_id?: string;
  project_id: string | null;
  title: string;
  note: string | null;
  file_id?: string | null;
  /** The file asked about (with the collab API), or null for a note. */
  file?: { id: string; name: string; content_type?: string; size_bytes?: number; deleted?: boolean } | null;
  status: ApprovalStatus;
  requested_at: string;
  decided_at: string | null;
  decided_by?: string | null;
  decided_by_name?: string | null;
  decision_comment: string | null;
}

export interface Thread {
  id: string;
  account_id?: string;
  project_id: string | null;
  subject: string;
  created_at: string;
  last_message_at: string;
}

export interface Message {
  id: string;
  thread_id: string;
  body: string;
  internal?: boolean;
  created_at: string;
  author_name?: string | null;
  /** `staff` or `portal`: who wrote it. */
  author_kind?: string | null;
  /** In the portal: whether the agency wrote it. */
  from_agency?: boolean;
  /** For staff: the portal user who wrote it, if one did. */
  portal_author_id?: string | null;
}

export interface SigningLink {
  id: string;
  signer_name: string;
  signer_email: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  used_at: string | null;
  state?: "active" | "used" | "revoked" | "expired";
}

export interface SignView {
  contract: { id: string; title: string; body: string; document_sha256: string; status: string };
  company_name: string;
  signer: { name: string; email: string };
  expires_at: string;
  consent_text?: string;
}

export interface Signed {
  contract_id: string;
  signed_at: string;
  document_sha256: string;
}

/** A list answer: a page (`{items, next_cursor}`) or a bare array, read alike. */
export type ListOf<T> = { items: T[]; next_cursor?: string | null } | T[];

export function itemsOf<T>(list: ListOf<T> | null | undefined): T[] {
  if (!list) return [];
  return Array.isArray(list) ? list : list.items;
}
