-- Timelines and the company's logo.
--
-- `outbox_refs` indexes the ids an event's data names besides its subject (the account, contact,
-- deal, invoice or credit note it belongs to), so a client's, contact's or deal's timeline finds
-- the events of what belongs to it, deleted records included, without reading JSON. `emit`
-- writes the rows with the event; the events stored before this migration are indexed here.
CREATE TABLE outbox_refs (
    event_id TEXT NOT NULL REFERENCES outbox (id),
    ref_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (event_id, ref_id)
);
CREATE INDEX outbox_refs_ref ON outbox_refs (ref_id, seq);

INSERT OR IGNORE INTO outbox_refs (event_id, ref_id, seq)
    SELECT id, json_extract(data, '$.account_id'), seq FROM outbox
    WHERE json_extract(data, '$.account_id') IS NOT NULL AND json_extract(data, '$.account_id') <> subject_id;
INSERT OR IGNORE INTO outbox_refs (event_id, ref_id, seq)
    SELECT id, json_extract(data, '$.contact_id'), seq FROM outbox
    WHERE json_extract(data, '$.contact_id') IS NOT NULL AND json_extract(data, '$.contact_id') <> subject_id;
INSERT OR IGNORE INTO outbox_refs (event_id, ref_id, seq)
    SELECT id, json_extract(data, '$.deal_id'), seq FROM outbox
    WHERE json_extract(data, '$.deal_id') IS NOT NULL AND json_extract(data, '$.deal_id') <> subject_id;
INSERT OR IGNORE INTO outbox_refs (event_id, ref_id, seq)
    SELECT id, json_extract(data, '$.invoice_id'), seq FROM outbox
    WHERE json_extract(data, '$.invoice_id') IS NOT NULL AND json_extract(data, '$.invoice_id') <> subject_id;
INSERT OR IGNORE INTO outbox_refs (event_id, ref_id, seq)
    SELECT id, json_extract(data, '$.credit_note_id'), seq FROM outbox
    WHERE json_extract(data, '$.credit_note_id') IS NOT NULL AND json_extract(data, '$.credit_note_id') <> subject_id;

-- The company's logo for its documents and the web app: one row at most, PNG or JPEG, at most
-- 512 KiB (checked by the server, which reads the image's header).
CREATE TABLE company_logo (
    singleton BIGINT PRIMARY KEY CHECK (singleton = 1),
    content_type TEXT NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg')),
    bytes BLOB NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);
