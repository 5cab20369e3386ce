-- Every refresh token a session has replaced, by hash. Presenting any of them again (not only
-- the one replaced last) means a copy is in someone else's hands, and ends the session. The rows
-- go when their session is cleared after it expires. This replaces `sessions.previous_hash`,
-- which remembered only the token replaced last.
CREATE TABLE session_spent_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    spent_at TEXT NOT NULL
);
CREATE INDEX session_spent_tokens_session ON session_spent_tokens (session_id);
INSERT INTO session_spent_tokens (token_hash, session_id, spent_at)
    SELECT previous_hash, id, last_used_at FROM sessions WHERE previous_hash IS NOT NULL;
DROP INDEX sessions_previous_hash;
ALTER TABLE sessions DROP COLUMN previous_hash;
