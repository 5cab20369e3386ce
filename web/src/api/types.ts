// The API's shapes, generated from the OpenAPI document into ../generated/api.ts by
// `silo codegen`. This file only gives some of them the names the pages import.
export type {
  AcceptedLoginRequired as InviteAccepted,
  Account,
  AuditEntry,
  Company,
  CompanyChoice,
  CompanySummary as CompanyRef,
  Contact,
  Contract,
  Deal,
  Invitation,
  InviteInfo,
  Invoice,
  Invoicing,
  Line as InvoiceLine,
  Me,
  Member,
  MonthRevenue,
  OfferedMembership as MyInvitation,
  Page,
  RecoveryCodes,
  Seller,
  SetupResponse as TwoFactorSetup,
  Stage,
  TokenResponse,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointSecret,
} from "../generated/api";
export type { DeliveryState, EventType } from "../generated/contract";
export { STAGES } from "../generated/contract";
