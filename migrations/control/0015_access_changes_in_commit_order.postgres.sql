-- The PostgreSQL request path now remembers access views too (see 0012): each request reads the
-- log of access changes after the last entry its server applied, and uses a remembered view only
-- when no entry names it. That is exact only if an entry can never become visible after one with
-- a higher number, which BIGSERIAL does not promise (two transactions take numbers in one order
-- and may commit in the other).
-- So the number now comes from one version row, updated by a trigger that runs when the
-- transaction commits (a deferred constraint trigger): the row's lock is held from there to the
-- end of the commit, so transactions that change access are numbered in the order they commit,
-- and a rolled-back one gives its numbers back (no gaps but pruning). Taking the lock last, after
-- every other row the transaction writes, means no transaction waits for a row while holding it
-- (no deadlock through it); the cost is that such commits follow one another (a login, a
-- logout, a membership or company change), not the reads.
CREATE TABLE access_version (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    seq BIGINT NOT NULL
);
INSERT INTO access_version (seq) SELECT COALESCE(MAX(seq), 0) FROM access_changes;

CREATE OR REPLACE FUNCTION note_access_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    rec jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
    added bigint;
BEGIN
    -- TG_ARGV names the row's identity and company columns ('' for none: no such key).
    UPDATE access_version SET seq = seq + 1 RETURNING seq INTO added;
    INSERT INTO access_changes (seq, identity_id, company_id)
        VALUES (added, rec ->> TG_ARGV[0], rec ->> TG_ARGV[1]);
    DELETE FROM access_changes WHERE seq <= added - 4096;
    RETURN NULL;
END;
$$;

DROP TRIGGER identities_access ON identities;
DROP TRIGGER companies_access ON companies;
DROP TRIGGER placements_access ON placements;
DROP TRIGGER memberships_access ON memberships;
DROP TRIGGER two_factor_access ON two_factor;
DROP TRIGGER sessions_access ON sessions;
CREATE CONSTRAINT TRIGGER identities_access AFTER INSERT OR UPDATE OR DELETE ON identities
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION note_access_change('id', '');
CREATE CONSTRAINT TRIGGER companies_access AFTER INSERT OR UPDATE OR DELETE ON companies
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION note_access_change('', 'id');
CREATE CONSTRAINT TRIGGER placements_access AFTER INSERT OR UPDATE OR DELETE ON placements
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION note_access_change('', 'company_id');
CREATE CONSTRAINT TRIGGER memberships_access AFTER INSERT OR UPDATE OR DELETE ON memberships
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION note_access_change('identity_id', 'company_id');
CREATE CONSTRAINT TRIGGER two_factor_access AFTER INSERT OR UPDATE OR DELETE ON two_factor
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION note_access_change('identity_id', '');
CREATE CONSTRAINT TRIGGER sessions_access AFTER INSERT OR UPDATE OR DELETE ON sessions
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION note_access_change('identity_id', '');
