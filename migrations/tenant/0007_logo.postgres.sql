-- The company's logo for its documents and the web app: one row at most, PNG or JPEG, at most
-- 512 KiB (checked by the server, which reads the image's header). The bytes column is the
-- only difference between the two backends (BLOB on SQLite, BYTEA on PostgreSQL).
CREATE TABLE company_logo (
    singleton BIGINT PRIMARY KEY CHECK (singleton = 1),
    content_type TEXT NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg')),
    bytes BYTEA NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);
