-- Files shared with a client (per client, optionally per project) and the signed contract PDFs,
-- in the company's own database, so the same isolation, export and erasure hold for them. The
-- bytes column is the only difference between the two backends (BLOB on SQLite, BYTEA on
-- PostgreSQL). Size and type limits are checked by the server.
CREATE TABLE files (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE RESTRICT,
    project_id TEXT REFERENCES projects (id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL CHECK (size_bytes >= 0),
    sha256 TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    -- Exactly one uploader: a staff identity id or a portal user.
    uploaded_by_staff TEXT,
    uploaded_by_portal TEXT REFERENCES portal_users (id) ON DELETE RESTRICT,
    created_at TEXT NOT NULL,
    deleted_at TEXT,
    CHECK ((uploaded_by_staff IS NULL) <> (uploaded_by_portal IS NULL))
);
CREATE INDEX files_account ON files (account_id, id);

-- The signed contract as a PDF with its evidence page, or the scan of a paper signature.
CREATE TABLE contract_documents (
    contract_id TEXT PRIMARY KEY REFERENCES contracts (id) ON DELETE RESTRICT,
    content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf')),
    bytes BYTEA NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL
);
