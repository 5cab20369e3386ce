-- Hash chains over audit records, one per company (chain '-' for records without a company).
-- `audit_heads` holds each chain's newest sequence number and hash; appending updates it in the
-- same transaction, which also serialises concurrent appends to one chain.
ALTER TABLE audit_events ADD COLUMN chain TEXT NOT NULL DEFAULT '-';
ALTER TABLE audit_events ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX audit_events_chain_seq ON audit_events (chain, seq);

CREATE TABLE audit_heads (
    chain TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
