-- Projects per client, services (kinds of work), tasks, time entries that become invoice
-- lines, running timers, budgets and their warnings, people's capacity and time off.
-- Minutes and cents are BIGINT; dates are YYYY-MM-DD text, months YYYY-MM text computed by the
-- application; people are control-plane identity ids (no foreign key: people live there).

-- One row at most: how the company runs its time.
CREATE TABLE time_settings (
    singleton BIGINT PRIMARY KEY CHECK (singleton = 1),
    approval_required BOOLEAN NOT NULL DEFAULT TRUE,
    -- Entries dated on or before it are closed: nothing in the period changes any more.
    lock_date TEXT,
    billable_target_bp BIGINT NOT NULL DEFAULT 8000 CHECK (billable_target_bp BETWEEN 0 AND 10000),
    updated_at TEXT NOT NULL
);

CREATE TABLE services (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hourly_rate_cents BIGINT CHECK (hourly_rate_cents >= 0),
    billable BOOLEAN NOT NULL DEFAULT TRUE,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX services_name ON services (LOWER(name));

CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE RESTRICT,
    deal_id TEXT REFERENCES deals (id) ON DELETE SET NULL,
    contract_id TEXT REFERENCES contracts (id) ON DELETE SET NULL,
    status TEXT NOT NULL CHECK (status IN ('planned', 'active', 'on_hold', 'done', 'cancelled')),
    billing_type TEXT NOT NULL
        CHECK (billing_type IN ('time_and_materials', 'fixed_price', 'retainer', 'non_billable')),
    currency TEXT NOT NULL,
    -- The budget: hours (as minutes) and money, over the whole project or per calendar month.
    budget_minutes BIGINT CHECK (budget_minutes > 0),
    budget_cents BIGINT CHECK (budget_cents > 0),
    budget_period TEXT NOT NULL DEFAULT 'total' CHECK (budget_period IN ('total', 'monthly')),
    -- Never invoice more than the money budget (per period).
    budget_cap BOOLEAN NOT NULL DEFAULT FALSE,
    hourly_rate_cents BIGINT CHECK (hourly_rate_cents >= 0),
    -- A fixed-price project's price; a retainer's amount per month.
    fixed_price_cents BIGINT CHECK (fixed_price_cents > 0),
    retainer_cents BIGINT CHECK (retainer_cents > 0),
    rounding_minutes BIGINT NOT NULL DEFAULT 1 CHECK (rounding_minutes IN (1, 5, 6, 10, 15, 30, 60)),
    start_date TEXT,
    end_date TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX projects_account ON projects (account_id, id);
CREATE INDEX projects_status ON projects (status, id);

CREATE TABLE project_members (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    person_id TEXT NOT NULL,
    hourly_rate_cents BIGINT CHECK (hourly_rate_cents >= 0),
    added_at TEXT NOT NULL,
    PRIMARY KEY (project_id, person_id)
);
CREATE INDEX project_members_person ON project_members (person_id);

-- Tasks with one level of subtasks (the application refuses a subtask of a subtask).
CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    parent_id TEXT REFERENCES tasks (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL CHECK (status IN ('to_do', 'in_progress', 'review', 'done')),
    assignee_id TEXT,
    estimate_minutes BIGINT CHECK (estimate_minutes >= 0),
    due_date TEXT,
    position BIGINT NOT NULL,
    client_visible BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX tasks_project ON tasks (project_id, position);
CREATE INDEX tasks_parent ON tasks (parent_id);

-- Time: `minutes` is what was tracked; `billable_minutes` what is billed (the project's
-- rounding applied once, when the entry is written, or set by an approver). Rates are the
-- ones in force, frozen when the entry is approved. An invoiced entry names its invoice line.
CREATE TABLE time_entries (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE RESTRICT,
    task_id TEXT REFERENCES tasks (id) ON DELETE SET NULL,
    service_id TEXT REFERENCES services (id) ON DELETE RESTRICT,
    work_date TEXT NOT NULL,
    work_month TEXT NOT NULL,
    minutes BIGINT NOT NULL CHECK (minutes > 0 AND minutes <= 1440),
    billable BOOLEAN NOT NULL,
    billable_minutes BIGINT NOT NULL CHECK (billable_minutes >= 0),
    description TEXT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'invoiced')),
    rate_cents BIGINT NOT NULL CHECK (rate_cents >= 0),
    cost_rate_cents BIGINT NOT NULL CHECK (cost_rate_cents >= 0),
    invoice_id TEXT REFERENCES invoices (id) ON DELETE RESTRICT,
    invoice_line BIGINT,
    submitted_at TEXT,
    approved_at TEXT,
    approved_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((status = 'invoiced') = (invoice_id IS NOT NULL))
);
CREATE INDEX time_entries_person ON time_entries (person_id, work_date);
CREATE INDEX time_entries_project ON time_entries (project_id, work_date);
CREATE INDEX time_entries_date ON time_entries (work_date);
CREATE INDEX time_entries_status ON time_entries (status, project_id);
CREATE INDEX time_entries_invoice ON time_entries (invoice_id);

-- One running timer per person.
CREATE TABLE timers (
    person_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    task_id TEXT REFERENCES tasks (id) ON DELETE SET NULL,
    service_id TEXT REFERENCES services (id) ON DELETE SET NULL,
    description TEXT,
    started_at TEXT NOT NULL
);

-- What a fixed-price or retainer project put on an invoice (a price, a milestone or a
-- month), so it is never billed twice; deleting the draft invoice releases it.
CREATE TABLE project_charges (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE RESTRICT,
    invoice_id TEXT NOT NULL REFERENCES invoices (id) ON DELETE RESTRICT,
    invoice_line BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('fixed_price', 'retainer')),
    month TEXT,
    description TEXT NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    created_at TEXT NOT NULL
);
CREATE INDEX project_charges_project ON project_charges (project_id);
CREATE INDEX project_charges_invoice ON project_charges (invoice_id);
CREATE UNIQUE INDEX project_charges_month ON project_charges (project_id, month);

-- Each budget warning (80 % and 100 %, hours or money, per period) is emitted once.
CREATE TABLE budget_alerts (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    measure TEXT NOT NULL CHECK (measure IN ('hours', 'money')),
    threshold_pct BIGINT NOT NULL CHECK (threshold_pct IN (80, 100)),
    reached_at TEXT NOT NULL,
    PRIMARY KEY (project_id, period, measure, threshold_pct)
);

-- Capacity per person, each row in force from its date until the next one.
CREATE TABLE person_capacity (
    person_id TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    weekly_minutes BIGINT NOT NULL CHECK (weekly_minutes BETWEEN 0 AND 10080),
    billable_target_bp BIGINT CHECK (billable_target_bp BETWEEN 0 AND 10000),
    cost_rate_cents BIGINT CHECK (cost_rate_cents >= 0),
    created_at TEXT NOT NULL,
    PRIMARY KEY (person_id, effective_from)
);

-- Time off: whole working days from `start_date` to `end_date`.
CREATE TABLE time_off (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'sick', 'other')),
    note TEXT,
    created_at TEXT NOT NULL,
    CHECK (end_date >= start_date)
);
CREATE INDEX time_off_person ON time_off (person_id, start_date);
