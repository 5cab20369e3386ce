-- Identities prove control of their address before they can act, and a membership another
-- company offers is only an invitation until the person accepts it.
--
-- `email_verified_at`: when the person proved control of the address (a verification or
-- invitation link) or an operator vouched for it. Identities that already had a password are
-- taken as verified; invited ones that never set one stay unverified.
-- `tokens_valid_after`: access tokens issued before it are refused and sessions before it are
-- ended (password change or reset, "log out everywhere", disabling).
ALTER TABLE identities ADD COLUMN email_verified_at TEXT;
ALTER TABLE identities ADD COLUMN tokens_valid_after TEXT;
UPDATE identities SET email_verified_at = updated_at
    WHERE password_hash IS NOT NULL AND status = 'active';

-- Sessions also end at an absolute time, however often they are used.
ALTER TABLE sessions ADD COLUMN absolute_expires_at TEXT;

-- Pending memberships, by address: an invitation grants nothing until its person accepts.
-- Only the SHA-256 of the link's token is kept.
CREATE TABLE member_invitations (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies (id),
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',   -- as the inviting company wrote it; shown only to that company
    invited_by TEXT REFERENCES identities (id),
    token_hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'revoked')),
    language TEXT NOT NULL DEFAULT 'en',
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    decided_at TEXT
);
CREATE UNIQUE INDEX member_invitations_pending ON member_invitations (company_id, lower(email))
    WHERE status = 'pending';
CREATE INDEX member_invitations_email ON member_invitations (lower(email), status);

-- Memberships of people who never accepted their invitation become pending invitations. Their
-- old links were answered to whichever company added the address, so none of them is usable:
-- the company resends (the invitation shows as expired until then).
INSERT INTO member_invitations (id, company_id, email, role, name, token_hash, status, created_at, expires_at)
SELECT
    lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
        || substr(lower(hex(randomblob(2))), 2) || '-a'
        || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
    m.company_id, i.email, m.role, i.name, 'void:' || lower(hex(randomblob(32))), 'pending',
    m.created_at, m.created_at
FROM memberships m JOIN identities i ON i.id = m.identity_id
WHERE i.status = 'invited';
DELETE FROM memberships WHERE identity_id IN (SELECT id FROM identities WHERE status = 'invited');
DROP TABLE invitations;

-- Signups wait here until their address is verified; the company is provisioned then.
CREATE TABLE pending_signups (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    company_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    language TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX pending_signups_expiry ON pending_signups (expires_at);

-- Single-use password reset links (1 hour).
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    identity_id TEXT NOT NULL REFERENCES identities (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX password_resets_identity ON password_resets (identity_id);
