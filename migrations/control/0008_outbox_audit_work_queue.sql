-- Audit records delivered from a company's outbox carry the event's id, so a delivery retried
-- after a lost answer is recognised and recorded once. Records made directly (identity and
-- operator actions) have none. The id is an idempotency key, not part of the hashed record.
ALTER TABLE audit_events ADD COLUMN event_id TEXT;
CREATE UNIQUE INDEX audit_events_event_id ON audit_events (event_id);

-- Which companies have background work (events to audit, jobs to run) and when it is due:
-- a hint that points the worker at a company, never the work itself, which stays in the
-- company's own database. `version` grows with every wake-up, so a worker finishing a pass
-- can tell whether new work arrived meanwhile; `claimed_by`/`claimed_until` is a worker's
-- lease on the company.
CREATE TABLE work_queue (
    company_id TEXT PRIMARY KEY,
    due_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    claimed_by TEXT,
    claimed_until TEXT
);
CREATE INDEX work_queue_due ON work_queue (due_at);
