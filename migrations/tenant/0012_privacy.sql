-- People's data requests (AVG/GDPR articles 15 and 17) and how long records are kept.

-- One row per request answered: who asked, what was looked for (the kinds of identifier, never
-- their values) and what was found and done per table (counts only). The erased content is
-- never written here: this is the record that the request was handled.
CREATE TABLE subject_requests (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('access', 'erasure')),
    -- The staff identity who made the request.
    requested_by TEXT NOT NULL,
    -- JSON array of the identifier kinds given: "email", "phone", "name".
    identified_by TEXT NOT NULL,
    -- JSON array of {table, found, deleted, anonymised, redacted, retained}.
    outcome TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- One row at most: how long the company keeps closed (won or lost) deals after they closed,
-- and its audit records (kept in the control plane; at least a year) (raw attribution events
-- keep their own setting in attribution_settings). NULL: for ever.
CREATE TABLE retention_settings (
    singleton BIGINT PRIMARY KEY CHECK (singleton = 1),
    closed_deal_months BIGINT CHECK (closed_deal_months BETWEEN 1 AND 240),
    audit_months BIGINT CHECK (audit_months BETWEEN 12 AND 240),
    updated_at TEXT NOT NULL
);
