-- The company's outbox and its background jobs, in its own database.
--
-- `outbox` holds one row per domain event, appended in the transaction of the write it
-- describes (no event without its change, no change without its event). `seq` orders events
-- as they committed within this database; `audited_at` is set once the control plane's audit
-- trail holds the event's record (delivered idempotently by event id, so a retry after a lost
-- answer records nothing twice). Rows are never deleted by Silo: they are the company's own
-- history.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    data TEXT NOT NULL,
    actor_id TEXT,
    client_ip TEXT,
    request_id TEXT,
    occurred_at TEXT NOT NULL,
    audited_at TEXT
);
CREATE INDEX outbox_unaudited ON outbox (audited_at, seq);
CREATE INDEX outbox_subject ON outbox (subject_id, seq);

-- Work the worker runs later, in this database only. Jobs sharing a `queue_key` (one webhook
-- endpoint) run strictly in `seq` order: a later one waits while an earlier one is pending or
-- running. `locked_until` is a running job's lease: a worker that died leaves it to run again
-- once the lease is over.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    queue_key TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'dead', 'dropped')),
    attempts BIGINT NOT NULL DEFAULT 0,
    due_at TEXT NOT NULL,
    locked_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX jobs_due ON jobs (state, due_at);
CREATE INDEX jobs_queue ON jobs (queue_key, state, seq);

-- Appending an event (a job) takes the 'outbox' ('jobs') row's lock first, so `seq` is
-- assigned in commit order on PostgreSQL too (SQLite serialises writers anyway).
INSERT INTO write_locks (name) VALUES ('outbox'), ('jobs');
