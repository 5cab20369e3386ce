-- Audit retention: where each pruned chain now starts. Records up to `through_seq` were removed
-- by a company's retention setting; `through_hash` is the hash of the last one removed, so the
-- chain from `through_seq + 1` still verifies link by link, and a checkpoint that holds a
-- removed record is compared against this row instead. Every pruning also appends an
-- `audit.prune` record to the chain itself.
CREATE TABLE audit_prunes (
    chain TEXT PRIMARY KEY,
    through_seq BIGINT NOT NULL,
    through_hash TEXT NOT NULL,
    pruned_at TEXT NOT NULL
);
