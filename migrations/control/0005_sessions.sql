-- Browser sessions: the refresh cookie holds an opaque random token, and only its SHA-256 is kept
-- here, so a copy of the control database holds no usable session. The token is replaced on every
-- use; `previous_hash` remembers the one it replaced so a replayed (stolen) token is recognised
-- and the whole session revoked.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    previous_hash TEXT,
    identity_id TEXT NOT NULL REFERENCES identities (id),
    company_id TEXT REFERENCES companies (id),  -- NULL: an identity-only session
    created_at TEXT NOT NULL,
    last_used_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX sessions_previous_hash ON sessions (previous_hash);
CREATE INDEX sessions_identity ON sessions (identity_id);
