-- Deals, contracts, invoices and the company's invoicing details. Money and counts are BIGINT
-- cents; times are sortable UTC text; dates are YYYY-MM-DD text; months (report keys) are
-- YYYY-MM text computed by the application, so no engine-specific date functions are needed.

CREATE TABLE deals (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    value_cents BIGINT NOT NULL CHECK (value_cents >= 0),
    currency TEXT NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('lead', 'qualified', 'proposal', 'won', 'lost')),
    source TEXT,
    account_id TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    contact_id TEXT REFERENCES contacts (id) ON DELETE SET NULL,
    owner_id TEXT,
    expected_close_date TEXT,
    closed_at TEXT,
    closed_month TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX deals_account ON deals (account_id);
CREATE INDEX deals_closed_month ON deals (stage, closed_month);

CREATE TABLE deal_stage_changes (
    id TEXT PRIMARY KEY,
    deal_id TEXT NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT
);
CREATE INDEX deal_stage_changes_deal ON deal_stage_changes (deal_id, id);

CREATE TABLE contracts (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'signed')),
    deal_id TEXT REFERENCES deals (id) ON DELETE SET NULL,
    account_id TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    document_sha256 TEXT,
    sent_at TEXT,
    signer_name TEXT,
    signer_email TEXT,
    signer_address TEXT,
    signed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One row at most: the company's own invoicing details, printed on its invoices.
CREATE TABLE company_invoicing (
    singleton BIGINT PRIMARY KEY CHECK (singleton = 1),
    legal_name TEXT,
    address TEXT,
    kvk_number TEXT,
    vat_id TEXT,
    iban TEXT,
    invoice_prefix TEXT,
    payment_terms_days BIGINT NOT NULL DEFAULT 30 CHECK (payment_terms_days BETWEEN 0 AND 365),
    updated_at TEXT NOT NULL
);

-- The last issued sequence number per calendar year; incremented in the transaction that
-- issues, so numbers have neither gaps nor duplicates.
CREATE TABLE invoice_counters (
    year BIGINT PRIMARY KEY,
    last BIGINT NOT NULL CHECK (last >= 0)
);

CREATE TABLE invoices (
    id TEXT PRIMARY KEY,
    number TEXT UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('draft', 'issued', 'paid')),
    currency TEXT NOT NULL,
    account_id TEXT REFERENCES accounts (id) ON DELETE RESTRICT,
    deal_id TEXT REFERENCES deals (id) ON DELETE SET NULL,
    notes TEXT,
    issue_date TEXT,
    issue_month TEXT,
    due_date TEXT,
    subtotal_cents BIGINT NOT NULL DEFAULT 0 CHECK (subtotal_cents >= 0),
    vat_cents BIGINT NOT NULL DEFAULT 0 CHECK (vat_cents >= 0),
    total_cents BIGINT NOT NULL DEFAULT 0 CHECK (total_cents >= 0),
    paid_cents BIGINT NOT NULL DEFAULT 0 CHECK (paid_cents >= 0),
    seller_legal_name TEXT,
    seller_address TEXT,
    seller_kvk_number TEXT,
    seller_vat_id TEXT,
    seller_iban TEXT,
    issued_at TEXT,
    paid_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX invoices_issue_month ON invoices (issue_month);

CREATE TABLE invoice_lines (
    invoice_id TEXT NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    description TEXT NOT NULL,
    quantity_milli BIGINT NOT NULL CHECK (quantity_milli > 0),
    unit_cents BIGINT NOT NULL CHECK (unit_cents >= 0),
    vat_rate_bp BIGINT NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
    net_cents BIGINT NOT NULL,
    vat_cents BIGINT NOT NULL,
    PRIMARY KEY (invoice_id, position)
);

CREATE TABLE invoice_payments (
    id TEXT PRIMARY KEY,
    invoice_id TEXT NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    paid_at TEXT NOT NULL,
    paid_month TEXT NOT NULL,
    method TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX invoice_payments_invoice ON invoice_payments (invoice_id, id);
CREATE INDEX invoice_payments_month ON invoice_payments (paid_month);
