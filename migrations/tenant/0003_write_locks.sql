-- Rows that writers lock (with a no-op UPDATE) to serialise a count-then-insert, such as a plan
-- limit check. SQLite serialises writers anyway; on PostgreSQL under READ COMMITTED two
-- transactions could otherwise both count below the limit and both insert.
CREATE TABLE write_locks (
    name TEXT PRIMARY KEY
);
INSERT INTO write_locks (name) VALUES ('contacts');
