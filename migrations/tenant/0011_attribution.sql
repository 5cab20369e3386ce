-- Server-side attribution (issue 22): tracked sites of the agency's clients, first-party events
-- collected with consent denied by default, the consent ledger, touchpoints on the CRM,
-- conversions from CRM facts and their forwarding to ad platforms. Rules that the schema holds:
-- an event's identifiers (visitor, contact, click ids) are only ever stored with the consent
-- that allows them, so nothing collected without consent can be joined to a person later;
-- a conversion is unique per (kind, record) and its delivery unique per (conversion,
-- destination), so a fact is sent to a platform at most once.

-- Per-company settings; no row means the defaults.
CREATE TABLE attribution_settings (
    singleton BIGINT PRIMARY KEY CHECK (singleton = 1),
    -- How long raw events are kept; daily aggregates are kept.
    event_retention_months BIGINT NOT NULL DEFAULT 13 CHECK (event_retention_months BETWEEN 1 AND 120),
    updated_at TEXT NOT NULL
);

-- A client's tracked website. Its public site key (an entry token of purpose `silo-site` naming
-- this row) is kept to show it again, like the portal address; the check is its signature and
-- the secret's hash. Rotating the key replaces both.
CREATE TABLE sites (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE RESTRICT,
    name TEXT NOT NULL,
    -- JSON array of the origins allowed to send events (`https://shop.example`).
    origins TEXT NOT NULL,
    -- Where the script reads consent: Silo's own banner, Google Consent Mode v2, IAB TCF v2.2.
    consent_mode TEXT NOT NULL CHECK (consent_mode IN ('banner', 'gcm', 'tcf')),
    -- The version of the consent text the banner shows (recorded with every decision).
    consent_version TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    token TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX sites_account ON sites (account_id, id);

-- A visitor who granted analytics consent: the first-party id the server set in a cookie.
-- Nothing without that consent ever gets a row here.
CREATE TABLE visitors (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    contact_id TEXT REFERENCES contacts (id) ON DELETE CASCADE,
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX visitors_contact ON visitors (contact_id);

-- Raw events, idempotent per (site, event_id). Without analytics consent: no visitor, no
-- contact, no UTMs, a page without its query string, only the day's visit hash; click ids only
-- with ad_storage consent. Deleted after the retention period (aggregates stay).
CREATE TABLE tracking_events (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    name TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    -- `YYYY-MM-DD` of `received_at` (UTC): retention and aggregates.
    day TEXT NOT NULL,
    page TEXT,
    referrer_host TEXT,
    utm_source TEXT,
    utm_medium TEXT,
    utm_campaign TEXT,
    utm_term TEXT,
    utm_content TEXT,
    -- JSON object of click ids (`gclid`, `fbc`, `_fbp`, ...), only with ad_storage consent.
    click_ids TEXT,
    analytics BOOLEAN NOT NULL,
    ads BOOLEAN NOT NULL,
    ad_user_data BOOLEAN NOT NULL,
    ad_personalization BOOLEAN NOT NULL,
    consent_source TEXT NOT NULL,
    gpc BOOLEAN NOT NULL,
    -- SHA-256 of the day's salt, the site, the truncated address and the user agent; the salt
    -- is deleted the next day, so it cannot be joined to anything after that.
    visit_hash TEXT NOT NULL,
    visitor_id TEXT REFERENCES visitors (id) ON DELETE CASCADE,
    contact_id TEXT REFERENCES contacts (id) ON DELETE CASCADE,
    UNIQUE (site_id, event_id)
);
CREATE INDEX tracking_events_day ON tracking_events (day);
CREATE INDEX tracking_events_site ON tracking_events (site_id, id);
CREATE INDEX tracking_events_visitor ON tracking_events (visitor_id);
CREATE INDEX tracking_events_contact ON tracking_events (contact_id);

-- Event counts per site, day, name and campaign: what stays after raw events expire.
CREATE TABLE event_daily (
    site_id TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    name TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    medium TEXT NOT NULL DEFAULT '',
    campaign TEXT NOT NULL DEFAULT '',
    consented BOOLEAN NOT NULL,
    events BIGINT NOT NULL,
    PRIMARY KEY (site_id, day, name, source, medium, campaign, consented)
);

-- The consent ledger (GDPR Art. 7(1)): every decision with its source and version.
CREATE TABLE consent_records (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    visitor_id TEXT REFERENCES visitors (id) ON DELETE CASCADE,
    visit_hash TEXT NOT NULL,
    analytics BOOLEAN NOT NULL,
    ads BOOLEAN NOT NULL,
    ad_user_data BOOLEAN NOT NULL,
    ad_personalization BOOLEAN NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('default', 'banner', 'gcm', 'tcf')),
    version TEXT,
    tcf_string TEXT,
    gpc BOOLEAN NOT NULL,
    recorded_at TEXT NOT NULL,
    day TEXT NOT NULL
);
CREATE INDEX consent_records_site ON consent_records (site_id, id);
CREATE INDEX consent_records_visitor ON consent_records (visitor_id);

-- A visit's origin (campaign, click, referral or direct), for a visitor with analytics consent;
-- linked to a contact once the visitor identifies. Kept after raw events expire.
CREATE TABLE touchpoints (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    visitor_id TEXT REFERENCES visitors (id) ON DELETE CASCADE,
    contact_id TEXT REFERENCES contacts (id) ON DELETE CASCADE,
    tracking_event_id TEXT REFERENCES tracking_events (id) ON DELETE SET NULL,
    occurred_at TEXT NOT NULL,
    source TEXT,
    medium TEXT,
    campaign TEXT,
    term TEXT,
    content TEXT,
    referrer_host TEXT,
    click_ids TEXT,
    direct BOOLEAN NOT NULL,
    -- The consent at the time (analytics is always granted here).
    ads BOOLEAN NOT NULL,
    ad_user_data BOOLEAN NOT NULL,
    ad_personalization BOOLEAN NOT NULL
);
CREATE INDEX touchpoints_contact ON touchpoints (contact_id, occurred_at);
CREATE INDEX touchpoints_visitor ON touchpoints (visitor_id);

-- First touch and last non-direct touch on contacts and deals (no foreign key: touchpoints come
-- after contacts in export order; erasing a contact removes both).
ALTER TABLE contacts ADD COLUMN first_touchpoint_id TEXT;
ALTER TABLE contacts ADD COLUMN last_touchpoint_id TEXT;
ALTER TABLE deals ADD COLUMN first_touchpoint_id TEXT;
ALTER TABLE deals ADD COLUMN last_touchpoint_id TEXT;

-- A client's ad-platform destination. Credentials are sealed with the deployment's vault key
-- (never stored or shown in the clear); `settings` holds what is not secret.
CREATE TABLE destinations (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE RESTRICT,
    platform TEXT NOT NULL CHECK (platform IN ('meta', 'google_ads', 'tiktok', 'linkedin')),
    name TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    test_mode BOOLEAN NOT NULL DEFAULT FALSE,
    -- JSON array of the conversion kinds it receives.
    kinds TEXT NOT NULL,
    -- JSON object: pixel id, customer id, conversion action, test event code, ...
    settings TEXT NOT NULL,
    credentials_sealed TEXT NOT NULL,
    -- The last characters of the credential, to recognise it.
    credentials_hint TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX destinations_account ON destinations (account_id, id);

-- A conversion from a CRM fact, once per (kind, record), with the consent snapshot and the
-- campaign of the touches it is attributed to (kept when the touchpoints go).
CREATE TABLE conversions (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('lead', 'deal_won', 'invoice_issued', 'invoice_paid')),
    -- The contact, deal or invoice.
    subject_id TEXT NOT NULL,
    contact_id TEXT REFERENCES contacts (id) ON DELETE SET NULL,
    account_id TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    -- The site of the touch or form it is attributed to; its client's destinations receive it.
    site_id TEXT REFERENCES sites (id) ON DELETE SET NULL,
    first_touchpoint_id TEXT REFERENCES touchpoints (id) ON DELETE SET NULL,
    last_touchpoint_id TEXT REFERENCES touchpoints (id) ON DELETE SET NULL,
    attribution TEXT NOT NULL CHECK (attribution IN ('attributed', 'unattributed', 'no_consent')),
    first_source TEXT,
    first_medium TEXT,
    first_campaign TEXT,
    last_source TEXT,
    last_medium TEXT,
    last_campaign TEXT,
    -- The dedup key sent to platforms (the invoice number for invoices).
    order_id TEXT NOT NULL,
    value_cents BIGINT,
    currency TEXT,
    analytics BOOLEAN NOT NULL,
    ads BOOLEAN NOT NULL,
    ad_user_data BOOLEAN NOT NULL,
    ad_personalization BOOLEAN NOT NULL,
    occurred_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (kind, subject_id)
);
CREATE INDEX conversions_contact ON conversions (contact_id);
CREATE INDEX conversions_site ON conversions (site_id, id);

-- One delivery of a conversion to a destination, at most once per pair.
CREATE TABLE conversion_deliveries (
    id TEXT PRIMARY KEY,
    conversion_id TEXT NOT NULL REFERENCES conversions (id) ON DELETE CASCADE,
    destination_id TEXT NOT NULL REFERENCES destinations (id) ON DELETE RESTRICT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'retrying', 'delivered', 'failed', 'skipped_no_consent', 'dropped')),
    job_id TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    test BOOLEAN NOT NULL DEFAULT FALSE,
    last_status BIGINT,
    last_error TEXT,
    last_attempt_at TEXT,
    delivered_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (conversion_id, destination_id)
);
CREATE INDEX conversion_deliveries_destination ON conversion_deliveries (destination_id, id);

-- The day's salt of the visit hash; yesterday's is deleted when today's is made.
CREATE TABLE visit_salts (
    day TEXT PRIMARY KEY,
    salt TEXT NOT NULL
);
