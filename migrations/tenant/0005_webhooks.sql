-- Webhooks (Standard Webhooks): the company's endpoints, the deliveries queued for them and
-- every HTTP attempt, in the company's own database.
--
-- `secret` is the current signing secret (`whsec_` + base64); during a rotation
-- `previous_secret` keeps signing too until `previous_secret_until`. The API never answers
-- either after the create or rotate answer that showed it once.
--
-- Deleting an endpoint through the API marks it (`deleted_at`), clears its secrets and drops
-- its waiting deliveries; the row stays so its delivery log (which names it) is kept as the
-- company's history, like the outbox. An endpoint disabled by a `410 Gone` answer (or by a
-- person) keeps its subscriptions and can be enabled again.
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    description TEXT,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until TEXT,
    enabled BOOLEAN NOT NULL,
    disabled_reason TEXT,
    disabled_at TEXT,
    deleted_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The event types an endpoint subscribes to, one row each (indexed by type: every business
-- write looks up the endpoints of its event's type).
CREATE TABLE webhook_endpoint_events (
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    PRIMARY KEY (endpoint_id, event_type)
);
CREATE INDEX webhook_endpoint_events_type ON webhook_endpoint_events (event_type, endpoint_id);

-- One event to one endpoint. `event_id` is the outbox event (the `webhook-id` header): the
-- payload is built from it at each attempt. `job_id` is the job that runs it now (a
-- redelivery queues a new one). `state` is what the last attempt came to; a delivery whose job
-- became a dead letter or was dropped reads as `failed`.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id),
    event_id TEXT NOT NULL REFERENCES outbox (id),
    event_type TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'retrying', 'delivered', 'failed')),
    job_id TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_status BIGINT,
    last_response TEXT,
    last_error TEXT,
    last_attempt_at TEXT,
    delivered_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

-- Each HTTP attempt of a delivery: when, the status (none when no answer came), how long it
-- took, the start of the answer (bounded) and the error, if any.
CREATE TABLE webhook_attempts (
    id TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id),
    attempted_at TEXT NOT NULL,
    status BIGINT,
    duration_ms BIGINT NOT NULL,
    response TEXT,
    error TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
