// The API shapes of attribution (issue 22), from the generated types (generated/api.ts, made from
// the server's OpenAPI document): one declaration per shape, re-exported here for one import
// path. `Campaign` is the generated `Touch` (a conversion's first or last source, medium and
// campaign); `ConversionDeliveryState` the generated `ForwardState`.
import type { ConsentMode, ConversionKind, Platform } from "../generated/api";

export type {
  Attribution as AttributionKind,
  AttributionReport,
  AttributionSettings,
  Consent,
  ConsentMode,
  ConsentOverview,
  ConsentRecord,
  ConsentSource,
  ContactTouchpoints,
  Conversion,
  ConversionDelivery,
  ConversionKind,
  CurrencyReport,
  Destination,
  DestinationPatch,
  ForwardState as ConversionDeliveryState,
  NewDestination,
  NewSite,
  Platform,
  PlatformRequest as DeliveryPreview,
  ReportRow,
  Site,
  SitePatch,
  Touch as Campaign,
  Touchpoint,
  TouchModel,
  TrackedEvent,
} from "../generated/api";

/** The consent modes a site can use, in the order the form offers them. */
export const CONSENT_MODES: readonly ConsentMode[] = ["banner", "gcm", "tcf"];
/** The CRM facts that become conversions, in the order of a sale. */
export const CONVERSION_KINDS: readonly ConversionKind[] = ["lead", "deal_won", "invoice_issued", "invoice_paid"];
/** The ad platforms a destination can be. */
export const PLATFORMS: readonly Platform[] = ["meta", "google_ads", "tiktok", "linkedin"];
