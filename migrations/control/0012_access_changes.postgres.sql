-- What the request path's cached access views depend on, as a log of who changed: an identity,
-- a company, or both for a membership (then only that person's view of that company). Triggers on
-- every table the view reads (identities, companies, placements, memberships, two_factor,
-- sessions) append a row in the same transaction as the change, so no write path can forget it.
-- A server that notices the registry file changed (its data version) reads the rows after the
-- last one it saw and forgets only the views they name: a commit that concerns one company (or an
-- audit record, a queued mail) no longer flushes every company's views.
-- On PostgreSQL the request path reads the registry on every request and does not use this log
-- yet; it is written (and pruned) the same way so both backends hold the same schema. Sequence
-- numbers of concurrent transactions can become visible out of order here, so a reader must not
-- assume they do.
-- Only the newest rows are kept; a server that fell further behind forgets every view.
CREATE TABLE access_changes (
    seq BIGSERIAL PRIMARY KEY,
    identity_id TEXT,
    company_id TEXT
);
CREATE FUNCTION note_access_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    rec jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
    added bigint;
BEGIN
    -- TG_ARGV names the row's identity and company columns ('' for none: no such key).
    INSERT INTO access_changes (identity_id, company_id)
        VALUES (rec ->> TG_ARGV[0], rec ->> TG_ARGV[1])
        RETURNING seq INTO added;
    DELETE FROM access_changes WHERE seq <= added - 4096;
    RETURN NULL;
END;
$$;
CREATE TRIGGER identities_access AFTER INSERT OR UPDATE OR DELETE ON identities
    FOR EACH ROW EXECUTE FUNCTION note_access_change('id', '');
CREATE TRIGGER companies_access AFTER INSERT OR UPDATE OR DELETE ON companies
    FOR EACH ROW EXECUTE FUNCTION note_access_change('', 'id');
CREATE TRIGGER placements_access AFTER INSERT OR UPDATE OR DELETE ON placements
    FOR EACH ROW EXECUTE FUNCTION note_access_change('', 'company_id');
CREATE TRIGGER memberships_access AFTER INSERT OR UPDATE OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION note_access_change('identity_id', 'company_id');
CREATE TRIGGER two_factor_access AFTER INSERT OR UPDATE OR DELETE ON two_factor
    FOR EACH ROW EXECUTE FUNCTION note_access_change('identity_id', '');
CREATE TRIGGER sessions_access AFTER INSERT OR UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION note_access_change('identity_id', '');
