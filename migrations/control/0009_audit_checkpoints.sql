-- Signed audit checkpoints. A checkpoint is the head (sequence number and hash) of every audit
-- chain at one moment, as canonical JSON (`payload`, the exact bytes signed), with a detached
-- Ed25519 signature (`signature`, base64url) by the deployment's signing key `kid`. Someone who
-- can write this database but does not hold the key cannot rewrite checkpointed records, even
-- with every later hash and the head recomputed: `silo audit verify` compares the chains with
-- the newest checkpoint. `id` numbers checkpoints from 1 without gaps and is in the payload.
CREATE TABLE audit_checkpoints (
    id BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    kid TEXT NOT NULL,
    chains BIGINT NOT NULL,
    payload TEXT NOT NULL,
    signature TEXT NOT NULL
);
