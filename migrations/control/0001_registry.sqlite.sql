-- The control plane: the registry of companies, identities and memberships, plans, placement
-- and the audit trail. No business data is ever stored here.

CREATE TABLE plans (
    name TEXT PRIMARY KEY,
    max_seats BIGINT,      -- NULL: no limit
    max_contacts BIGINT    -- NULL: no limit
);
INSERT INTO plans (name, max_seats, max_contacts) VALUES
    ('starter', 10, 2500),
    ('growth', 50, 50000),
    ('scale', NULL, NULL);

CREATE TABLE companies (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    plan TEXT NOT NULL DEFAULT 'starter' REFERENCES plans (name),
    status TEXT NOT NULL CHECK (status IN ('provisioning', 'active', 'suspended', 'erased')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    erased_at TEXT,
    erased_by TEXT
);

CREATE TABLE identities (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    password_hash TEXT,    -- NULL until an invitation is accepted
    status TEXT NOT NULL CHECK (status IN ('active', 'invited', 'disabled')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX identities_email ON identities (lower(email));

CREATE TABLE memberships (
    identity_id TEXT NOT NULL REFERENCES identities (id),
    company_id TEXT NOT NULL REFERENCES companies (id),
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (identity_id, company_id)
);
CREATE INDEX memberships_company ON memberships (company_id);

-- Where each company's tenant database lives.
CREATE TABLE placements (
    company_id TEXT PRIMARY KEY REFERENCES companies (id),
    backend TEXT NOT NULL CHECK (backend IN ('sqlite', 'postgres')),
    server TEXT NOT NULL,
    database_name TEXT NOT NULL,
    credentials_ref TEXT,
    schema_version BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Append-only; later records chain to earlier ones of the same company by hash.
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    company_id TEXT,
    identity_id TEXT,
    action TEXT NOT NULL,
    target TEXT,
    outcome TEXT NOT NULL,
    client_ip TEXT,
    request_id TEXT,
    prev_hash TEXT,
    hash TEXT
);
CREATE INDEX audit_events_company ON audit_events (company_id, id);

-- Single-use invitations: only a SHA-256 of the token is kept.
CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY,
    identity_id TEXT NOT NULL REFERENCES identities (id),
    company_id TEXT NOT NULL REFERENCES companies (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
