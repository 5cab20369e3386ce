-- Client records with what an invoice needs of a buyer; invoices that name and keep their
-- buyer; credit notes; payments that can be reversed; invoice mail and reminders.
-- Every addition is a new column or table: an issued invoice's stored history is never
-- rewritten.

ALTER TABLE accounts ADD COLUMN legal_name TEXT;
ALTER TABLE accounts ADD COLUMN street TEXT;
ALTER TABLE accounts ADD COLUMN postcode TEXT;
ALTER TABLE accounts ADD COLUMN city TEXT;
ALTER TABLE accounts ADD COLUMN country TEXT;
ALTER TABLE accounts ADD COLUMN vat_id TEXT;
ALTER TABLE accounts ADD COLUMN kvk_number TEXT;
ALTER TABLE accounts ADD COLUMN peppol_id TEXT;
ALTER TABLE accounts ADD COLUMN invoice_email TEXT;
ALTER TABLE accounts ADD COLUMN payment_terms_days BIGINT CHECK (payment_terms_days BETWEEN 0 AND 365);
ALTER TABLE accounts ADD COLUMN language TEXT CHECK (language IN ('nl', 'en'));

-- The seller's address in parts (the free-text `address` stays for what was stored before),
-- the address invoices are sent from and the reminder steps (days after the due date, as
-- comma-separated whole numbers).
ALTER TABLE company_invoicing ADD COLUMN street TEXT;
ALTER TABLE company_invoicing ADD COLUMN postcode TEXT;
ALTER TABLE company_invoicing ADD COLUMN city TEXT;
ALTER TABLE company_invoicing ADD COLUMN country TEXT;
ALTER TABLE company_invoicing ADD COLUMN email TEXT;
ALTER TABLE company_invoicing ADD COLUMN reminder_days TEXT;

-- `status` keeps its three stored values; 'paid' means settled (paid or credited in full),
-- and the API tells the two apart by `credited_cents`.
ALTER TABLE invoices ADD COLUMN language TEXT CHECK (language IN ('nl', 'en'));
ALTER TABLE invoices ADD COLUMN supply_date TEXT;
ALTER TABLE invoices ADD COLUMN reverse_charge BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE invoices ADD COLUMN credited_cents BIGINT NOT NULL DEFAULT 0 CHECK (credited_cents >= 0);
ALTER TABLE invoices ADD COLUMN payment_reference TEXT;
ALTER TABLE invoices ADD COLUMN seller_street TEXT;
ALTER TABLE invoices ADD COLUMN seller_postcode TEXT;
ALTER TABLE invoices ADD COLUMN seller_city TEXT;
ALTER TABLE invoices ADD COLUMN seller_country TEXT;
ALTER TABLE invoices ADD COLUMN seller_email TEXT;
ALTER TABLE invoices ADD COLUMN buyer_name TEXT;
ALTER TABLE invoices ADD COLUMN buyer_legal_name TEXT;
ALTER TABLE invoices ADD COLUMN buyer_street TEXT;
ALTER TABLE invoices ADD COLUMN buyer_postcode TEXT;
ALTER TABLE invoices ADD COLUMN buyer_city TEXT;
ALTER TABLE invoices ADD COLUMN buyer_country TEXT;
ALTER TABLE invoices ADD COLUMN buyer_vat_id TEXT;
ALTER TABLE invoices ADD COLUMN buyer_kvk_number TEXT;
ALTER TABLE invoices ADD COLUMN buyer_peppol_id TEXT;
ALTER TABLE invoices ADD COLUMN buyer_email TEXT;
ALTER TABLE invoices ADD COLUMN sent_at TEXT;
CREATE INDEX invoices_account ON invoices (account_id, id);
CREATE INDEX invoices_due ON invoices (status, due_date);

ALTER TABLE invoice_payments ADD COLUMN reference TEXT;

-- A reversal is a record of its own; the payment it reverses stays.
CREATE TABLE invoice_payment_reversals (
    payment_id TEXT PRIMARY KEY REFERENCES invoice_payments (id) ON DELETE RESTRICT,
    invoice_id TEXT NOT NULL REFERENCES invoices (id) ON DELETE RESTRICT,
    reason TEXT,
    reversed_at TEXT NOT NULL,
    reversed_month TEXT NOT NULL,
    reversed_by TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX invoice_payment_reversals_invoice ON invoice_payment_reversals (invoice_id);
CREATE INDEX invoice_payment_reversals_month ON invoice_payment_reversals (reversed_month);

-- Credit notes: their own gap-free series per calendar year; amounts stored as magnitudes
-- (the API shows them negative); the parties are the credited invoice's.
CREATE TABLE credit_note_counters (
    year BIGINT PRIMARY KEY,
    last BIGINT NOT NULL CHECK (last >= 0)
);

CREATE TABLE credit_notes (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    invoice_id TEXT NOT NULL REFERENCES invoices (id) ON DELETE RESTRICT,
    reason TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    issue_month TEXT NOT NULL,
    subtotal_cents BIGINT NOT NULL CHECK (subtotal_cents >= 0),
    vat_cents BIGINT NOT NULL CHECK (vat_cents >= 0),
    total_cents BIGINT NOT NULL CHECK (total_cents > 0),
    sent_at TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT
);
CREATE INDEX credit_notes_invoice ON credit_notes (invoice_id, id);
CREATE INDEX credit_notes_month ON credit_notes (issue_month);

CREATE TABLE credit_note_lines (
    credit_note_id TEXT NOT NULL REFERENCES credit_notes (id) ON DELETE RESTRICT,
    position BIGINT NOT NULL,
    description TEXT NOT NULL,
    quantity_milli BIGINT NOT NULL CHECK (quantity_milli > 0),
    unit_cents BIGINT NOT NULL CHECK (unit_cents >= 0),
    vat_rate_bp BIGINT NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
    net_cents BIGINT NOT NULL,
    vat_cents BIGINT NOT NULL,
    PRIMARY KEY (credit_note_id, position)
);

-- Invoice mail: the invoice or a credit note sent, and payment reminders. An automatic
-- reminder has its step (days after the due date); the unique index makes each step go out
-- once, whatever runs twice.
CREATE TABLE invoice_deliveries (
    id TEXT PRIMARY KEY,
    invoice_id TEXT NOT NULL REFERENCES invoices (id) ON DELETE RESTRICT,
    credit_note_id TEXT REFERENCES credit_notes (id) ON DELETE RESTRICT,
    kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note', 'reminder')),
    step BIGINT,
    recipient TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('nl', 'en')),
    state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
    error TEXT,
    queued_at TEXT NOT NULL,
    sent_at TEXT,
    queued_by TEXT
);
CREATE INDEX invoice_deliveries_invoice ON invoice_deliveries (invoice_id, id);
CREATE UNIQUE INDEX invoice_deliveries_step ON invoice_deliveries (invoice_id, step);
