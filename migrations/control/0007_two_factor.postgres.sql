-- Two-factor authentication per identity (TOTP, RFC 6238) and single-use recovery codes, and a
-- company's choice to require it of every member.
--
-- `secret` is the TOTP shared secret (base32). The row is a pending set-up until `confirmed_at`
-- is set by a first correct code; only a confirmed row makes the identity need a code.
-- `last_step` is the newest time step a code was accepted for: a code is accepted only for a
-- newer step, so no code works twice.
CREATE TABLE two_factor (
    identity_id TEXT PRIMARY KEY REFERENCES identities (id),
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    last_step BIGINT
);

-- Only a salted SHA-256 of each recovery code is kept; `used_at` spends it.
CREATE TABLE recovery_codes (
    id TEXT PRIMARY KEY,
    identity_id TEXT NOT NULL REFERENCES identities (id),
    code_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX recovery_codes_identity ON recovery_codes (identity_id);

ALTER TABLE companies ADD COLUMN require_two_factor BOOLEAN NOT NULL DEFAULT FALSE;
