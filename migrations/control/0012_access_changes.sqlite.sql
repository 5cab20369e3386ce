-- What the request path's cached access views depend on, as a log of who changed: an identity,
-- a company, or both for a membership (then only that person's view of that company). Triggers on
-- every table the view reads (identities, companies, placements, memberships, two_factor,
-- sessions) append a row in the same transaction as the change, so no write path can forget it.
-- A server that notices the registry file changed (its data version) reads the rows after the
-- last one it saw and forgets only the views they name: a commit that concerns one company (or an
-- audit record, a queued mail) no longer flushes every company's views.
-- SQLite has one writer at a time, so sequence numbers become visible in order.
-- Only the newest rows are kept; a server that fell further behind forgets every view.
CREATE TABLE access_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    identity_id TEXT,
    company_id TEXT
);
CREATE TRIGGER access_changes_prune AFTER INSERT ON access_changes BEGIN
    DELETE FROM access_changes WHERE seq <= NEW.seq - 4096;
END;
CREATE TRIGGER identities_insert_access AFTER INSERT ON identities BEGIN
    INSERT INTO access_changes (identity_id, company_id) VALUES (NEW.id, NULL);
END;
CREATE TRIGGER identities_update_access AFTER UPDATE ON identities BEGIN
    INSERT INTO access_changes (identity_id, company_id) VALUES (NEW.id, NULL);
END;
CREATE TRIGGER identities_delete_access AFTER DELETE ON identities BEGIN
    INSERT INTO access_changes (identity_id, company_id) VALUES (OLD.id, NULL);
END;
CREATE TRIGGER companies_insert_access AFTER INSERT ON companies BEGIN
    INSERT INTO access_changes (identity_id, company_id) VALUES (NULL, NEW.id);
END;
CREATE TRIGGER companies_update_access AFTER UPDATE ON companies BEGIN
    INSERT INTO access_changes (identity_id, company_id) VALUES (NULL, NEW.id);
END;
CREATE TRIGGER companies_delete_access AFTER DELETE ON companies BEGIN
    INSERT INTO access_changes (identity_id, company_id) VALUES (NULL, OLD.id);
END;
CREATE TRIGGER placements_insert_access AFTER INSERT ON placements BEGIN
    INSERT INTO access_changes (identity_id, company_id) VALUES (NULL, NEW.company_id);
END;
CREATE TRIGGER placements_update_access AFTER UPDATE ON placements BEGIN
    INSERT INTO access_changes (identity_id, company_id) VALUES (NULL, NEW.company_id);
END;
CREATE TRIGGER placements_delete_access AFTER DELETE ON placements BEGIN
    INSERT INTO access_changes (identity_id, company_id) VALUES (NULL, OLD.company_id);
END;
CREATE TRIGGER memberships_insert_access AFTER INSERT ON memberships BEGIN
    INSERT INTO access_changes (identity_id, company_id) VALUES (NEW.identity_id, NEW.company_id);
END;
CREATE TRIGGER memberships_update_access AFTER UPDATE ON memberships BEGIN
    INSERT INTO access_changes (identity_id, company_id) VALUES (NEW.identity_id, NEW.company_id);
END;
CREATE TRIGGER memberships_delete_access AFTER DELETE ON memberships BEGIN
    INSERT INTO access_changes (identity_id, company_id) VALUES (OLD.identity_id, OLD.company_id);
END;
CREATE TRIGGER two_factor_insert_access AFTER INSERT ON two_factor BEGIN
    INSERT INTO access_changes (identity_id, company_id) VALUES (NEW.identity_id, NULL);
END;
CREATE TRIGGER two_factor_update_access AFTER UPDATE ON two_factor BEGIN
    INSERT INTO access_changes (identity_id, company_id) VALUES (NEW.identity_id, NULL);
END;
CREATE TRIGGER two_factor_delete_access AFTER DELETE ON two_factor BEGIN
    INSERT INTO access_changes (identity_id, company_id) VALUES (OLD.identity_id, NULL);
END;
CREATE TRIGGER sessions_insert_access AFTER INSERT ON sessions BEGIN
    INSERT INTO access_changes (identity_id, company_id) VALUES (NEW.identity_id, NULL);
END;
CREATE TRIGGER sessions_update_access AFTER UPDATE ON sessions BEGIN
    INSERT INTO access_changes (identity_id, company_id) VALUES (NEW.identity_id, NULL);
END;
CREATE TRIGGER sessions_delete_access AFTER DELETE ON sessions BEGIN
    INSERT INTO access_changes (identity_id, company_id) VALUES (OLD.identity_id, NULL);
END;
