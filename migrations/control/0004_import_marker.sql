-- A company registered by `silo company import` is marked until its rows are in, so an
-- interrupted import is never finished (and activated empty) like an interrupted signup.
ALTER TABLE companies ADD COLUMN importing BIGINT NOT NULL DEFAULT 0;
