-- Attempt counters shared by every server on this control plane: login and magic-link attempts,
-- signup, password-reset and invitation requests, and the allowance of the event collection
-- endpoint. Each row is one fixed window of one key (a SHA-256 of what the limit counts: an
-- email, a client address, a site), so typed emails are not kept. `window_ends` is Unix time in
-- milliseconds; ended windows are deleted by the servers now and then.
CREATE TABLE attempt_counts (
    key_hash TEXT PRIMARY KEY,
    window_ends BIGINT NOT NULL,
    count BIGINT NOT NULL
);
CREATE INDEX attempt_counts_window_ends ON attempt_counts (window_ends);
