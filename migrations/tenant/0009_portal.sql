-- The client portal: the agency's clients as their own principal (portal users, never members),
-- what each client sees, sign-in by magic link, portal sessions, contracts signed by the client
-- (signing links and the evidence of each signature), approvals and messages. Every row a
-- portal user can reach carries the client account it belongs to; the portal's one access layer
-- (crates/domain/src/portal/scope.rs) filters on it. Secrets are stored only as SHA-256 hashes.

-- What each client account's portal shows: one row per client that has a portal. No row means
-- the defaults (contracts and invoices on, the rest off).
CREATE TABLE portal_access (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    contracts BOOLEAN NOT NULL DEFAULT TRUE,
    invoices BOOLEAN NOT NULL DEFAULT TRUE,
    projects BOOLEAN NOT NULL DEFAULT FALSE,
    -- Approved time and budget burn on the client's projects.
    project_time BOOLEAN NOT NULL DEFAULT FALSE,
    files BOOLEAN NOT NULL DEFAULT FALSE,
    approvals BOOLEAN NOT NULL DEFAULT FALSE,
    messages BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TEXT NOT NULL
);

-- The agency's portal sign-in address carries a signed key naming this row; rotating it makes
-- every earlier address stop working. The address is public (the agency links to it), so the
-- token is kept to show it again; the check is still its signature and the secret's hash.
CREATE TABLE portal_address (
    singleton BIGINT PRIMARY KEY CHECK (singleton = 1),
    key_id TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    token TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE portal_users (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE RESTRICT,
    contact_id TEXT REFERENCES contacts (id) ON DELETE SET NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('client_admin', 'member', 'billing')),
    status TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'removed')),
    language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'nl')),
    -- A staff identity id, or a portal user id when a client admin invited a colleague.
    invited_by TEXT,
    last_login_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX portal_users_account ON portal_users (account_id, id);
-- One live portal user per address in a company (a removed one may be invited again).
CREATE UNIQUE INDEX portal_users_email ON portal_users (email) WHERE status <> 'removed';

-- Magic sign-in links: single use, short-lived.
CREATE TABLE portal_login_links (
    id TEXT PRIMARY KEY,
    portal_user_id TEXT NOT NULL REFERENCES portal_users (id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX portal_login_links_user ON portal_login_links (portal_user_id);

-- Portal sessions; a staff member's "view as client" preview is a read-only session without a
-- portal user.
CREATE TABLE portal_sessions (
    id TEXT PRIMARY KEY,
    portal_user_id TEXT REFERENCES portal_users (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    preview_by TEXT,
    secret_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at TEXT,
    client_ip TEXT,
    user_agent TEXT,
    CHECK ((portal_user_id IS NULL) <> (preview_by IS NULL))
);
CREATE INDEX portal_sessions_user ON portal_sessions (portal_user_id);

-- Links that let one person sign one contract (mailed when the contract is sent).
CREATE TABLE signing_links (
    id TEXT PRIMARY KEY,
    contract_id TEXT NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    signer_name TEXT NOT NULL,
    signer_email TEXT NOT NULL,
    portal_user_id TEXT REFERENCES portal_users (id) ON DELETE SET NULL,
    secret_hash TEXT NOT NULL,
    created_by TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    used_at TEXT
);
CREATE INDEX signing_links_contract ON signing_links (contract_id);

-- The evidence of a signature: one row per signed contract, never changed.
CREATE TABLE contract_signatures (
    contract_id TEXT PRIMARY KEY REFERENCES contracts (id) ON DELETE RESTRICT,
    method TEXT NOT NULL CHECK (method IN ('link', 'portal', 'paper')),
    signer_name TEXT NOT NULL,
    signer_email TEXT,
    signed_at TEXT NOT NULL,
    client_ip TEXT,
    user_agent TEXT,
    -- SHA-256 of the exact document the signer was shown (the contract's body bytes).
    document_sha256 TEXT NOT NULL,
    signing_link_id TEXT REFERENCES signing_links (id) ON DELETE RESTRICT,
    portal_user_id TEXT REFERENCES portal_users (id) ON DELETE RESTRICT,
    -- For a paper signature: the staff identity who uploaded the scan.
    recorded_by TEXT,
    consent_text TEXT,
    -- SHA-256 of the signed PDF kept in documents.
    pdf_sha256 TEXT
);

-- A client is asked to approve a deliverable (a file or a note).
CREATE TABLE approvals (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE RESTRICT,
    project_id TEXT REFERENCES projects (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    note TEXT,
    file_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'changes_requested', 'withdrawn')),
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    decided_by TEXT REFERENCES portal_users (id) ON DELETE RESTRICT,
    decided_at TEXT,
    decision_comment TEXT
);
CREATE INDEX approvals_account ON approvals (account_id, id);

-- Conversations between the agency and a client, per client or per project.
CREATE TABLE message_threads (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE RESTRICT,
    project_id TEXT REFERENCES projects (id) ON DELETE SET NULL,
    subject TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_message_at TEXT NOT NULL
);
CREATE INDEX message_threads_account ON message_threads (account_id, id);

CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL REFERENCES message_threads (id) ON DELETE CASCADE,
    -- Exactly one author: a staff identity id or a portal user.
    staff_author_id TEXT,
    portal_author_id TEXT REFERENCES portal_users (id) ON DELETE RESTRICT,
    body TEXT NOT NULL,
    -- Internal notes are the agency's own: never shown to portal users.
    internal BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    CHECK ((staff_author_id IS NULL) <> (portal_author_id IS NULL)),
    CHECK (portal_author_id IS NULL OR internal = FALSE)
);
CREATE INDEX messages_thread ON messages (thread_id, id);

-- Who wrote a change: the outbox names a staff identity or a portal user.
ALTER TABLE outbox ADD COLUMN actor_kind TEXT NOT NULL DEFAULT 'staff'
    CHECK (actor_kind IN ('staff', 'portal_user'));
