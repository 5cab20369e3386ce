-- The deployment's outgoing mail (verification links, invitations, password resets): mail about
-- identities belongs to no company, so it is queued here, in the control plane, where every
-- `silo serve` and `silo worker` of the deployment can deliver it. A message is queued fully
-- built: `id` is its Message-ID's local part (UUIDv7), `sender` and `recipient` its SMTP
-- envelope (the recipients one per line; Silo's messages have one), `message` its RFC 5322
-- bytes. `message` is set to NULL once the message is sent or dropped (it carries secret
-- links), and once it has been a dead letter for a while; the other columns stay.
--
-- `state`: pending (waiting or being delivered), sent, dead (attempts used up or refused for
-- good), dropped (given up by an operator). A worker claims a pending message with a lease
-- (`locked_by`, `locked_until`); `attempts` counts the attempts started.
CREATE TABLE mail_queue (
    id TEXT PRIMARY KEY,
    sender TEXT,
    recipient TEXT NOT NULL,
    message BYTEA,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    due_at TEXT NOT NULL,
    locked_by TEXT,
    locked_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX mail_queue_due ON mail_queue (state, due_at);
