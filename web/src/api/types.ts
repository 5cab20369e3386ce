// Shapes of the Silo HTTP API (see shared/design/api.md and /api/openapi.json).
import type { Role } from "../generated/roles";

export interface Company {
  id: string;
  slug: string;
  name: string;
  plan: "starter" | "growth" | "scale";
  status: "provisioning" | "active" | "suspended" | "erased";
  /** Whether every member must use two-factor authentication (owners change it). */
  require_two_factor?: boolean;
}

export interface CompanyChoice {
  id: string;
  slug: string;
  name: string;
  role: Role;
}

export interface TokenResponse {
  token: string;
  token_type: "Bearer";
  expires_in: number;
  company: Company | null;
  role: Role | null;
  companies: CompanyChoice[];
  /**
   * Set on an identity-only token when the chosen (or only) company requires two-factor and this
   * identity has none: the id of that company, to switch into once set-up is done.
   */
  two_factor_setup_required?: string | null;
}

/** `POST /api/auth/accept-invite` for an existing, verified person: no session, log in next. */
export interface InviteAccepted {
  status: "accepted";
  company: CompanyRef;
  login_required: true;
}

export interface CompanyRef {
  id: string;
  slug: string;
  name: string;
}

/** `POST /api/auth/invite-info`: what a mailed invitation is for; does not use the token up. */
export interface InviteInfo {
  company: CompanyRef;
  role: Role;
  email: string;
  account_exists: boolean;
}

/** A pending membership in this company, sent by mail (`/api/members/invitations`). */
export interface Invitation {
  id: string;
  email: string;
  /** The name the inviting company gave the person, if any. */
  name?: string;
  role: Role;
  status: "pending" | "accepted" | "declined" | "revoked";
  /** Past its expiry: the link no longer works; it can be sent again. */
  expired?: boolean;
  invited_by?: { id: string; name: string; email: string } | null;
  created_at: string;
  expires_at: string;
}

/** An invitation addressed to the logged-in person (`GET /api/me`, `invitations`). */
export interface MyInvitation {
  id: string;
  company: CompanyRef;
  role: Role;
  expires_at: string;
}

export interface Me {
  identity: { id: string; email: string; name: string };
  company: Company | null;
  role: Role | null;
  permissions: string[];
  companies: CompanyChoice[];
  invitations?: MyInvitation[];
  two_factor?: { enabled: boolean };
}

export interface TwoFactorSetup {
  secret: string;
  otpauth_uri: string;
}

export interface RecoveryCodes {
  recovery_codes: string[];
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Member {
  identity_id: string;
  email: string;
  name: string;
  role: Role;
}

export interface Account {
  id: string;
  name: string;
  website?: string | null;
}

export interface Contact {
  id: string;
  name: string;
  email?: string | null;
  phone?: string | null;
  account_id?: string | null;
}

export const STAGES = ["lead", "qualified", "proposal", "won", "lost"] as const;
export type Stage = (typeof STAGES)[number];

export interface Deal {
  id: string;
  title: string;
  value_cents: number;
  currency: string;
  stage: Stage;
  account_id?: string | null;
  contact_id?: string | null;
  source?: string | null;
}

export interface Contract {
  id: string;
  title: string;
  status: "draft" | "sent" | "signed";
  body: string;
  deal_id?: string | null;
  document_sha256?: string | null;
  signed_by?: { name: string; email: string } | null;
  signed_at?: string | null;
}

export interface InvoiceLine {
  description: string;
  quantity: number;
  unit_cents: number;
  vat_rate_bp: number;
  net_cents?: number;
  vat_cents?: number;
}

export interface Seller {
  legal_name?: string | null;
  address?: string | null;
  vat_id?: string | null;
  kvk_number?: string | null;
  iban?: string | null;
}

export interface Invoice {
  id: string;
  number?: string | null;
  status: "draft" | "issued" | "paid";
  currency: string;
  lines: InvoiceLine[];
  subtotal_cents: number;
  vat_cents: number;
  total_cents: number;
  paid_cents: number;
  due_date?: string | null;
  issue_date?: string | null;
  account_id?: string | null;
  notes?: string | null;
  seller?: Seller | null;
}

export interface Invoicing extends Seller {
  invoice_prefix?: string | null;
  payment_terms_days: number;
}

export interface MonthRevenue {
  month: string;
  currency: string;
  won_cents: number;
  invoiced_cents: number;
  paid_cents: number;
}

export interface AuditRecord {
  id: number;
  seq: number;
  at: string;
  action: string;
  actor?: string | null;
  target?: string | null;
  outcome: string;
  client_ip?: string | null;
}
