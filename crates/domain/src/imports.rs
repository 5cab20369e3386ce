//! The API's field rules applied to rows that arrive by import (`silo company import`): a row
//! of a checked table that `POST` on its resource would refuse is refused in an archive too.
//! The rules are the create bodies' own (one declaration). Fields that refer to other rows
//! (`account_id`, ...) are left to the database's foreign keys, since an archive's ids are its
//! own.

use crate::error::{DomainError, DomainResult, Problem, ProblemCode};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A table's check: its create body read from one row, and that body's rules applied.
type Check = fn(Value) -> DomainResult<()>;

/// The tables whose imported rows are checked, each with its create body's rules.
const CHECKS: &[(&str, Check)] = &[
    ("accounts", crate::accounts::check_stored),
    ("contacts", crate::contacts::check_stored),
    ("deals", crate::deals::check_stored),
    ("services", crate::services::check_stored),
    ("projects", crate::projects::check_stored),
    ("tasks", crate::tasks::check_stored),
    ("contracts", crate::contracts::check_stored),
    ("time_entries", crate::time_entries::check_stored),
    ("person_capacity", crate::team::check_stored_capacity),
    ("time_off", crate::team::check_stored_time_off),
    ("approvals", crate::approvals::check_stored),
    ("portal_users", crate::portal::users::check_stored),
    ("message_threads", crate::messages::check_stored_thread),
    ("messages", crate::messages::check_stored_message),
    ("invoice_payments", crate::payments::check_stored),
];

/// The tables whose rows no create body describes, each with the reason: what the API never
/// takes as a request body is held by the database's own constraints (types, CHECKs, foreign
/// keys) on import. Every tenant table is in one list or the other (a test in `silo-tenancy`
/// checks it), so a new table must be placed deliberately.
const UNCHECKED: &[(&str, &str)] = &[
    ("deal_stage_changes", "history written by stage moves"),
    ("company_invoicing", "settings written by PUT, one row"),
    ("invoice_counters", "numbering state"),
    (
        "invoices",
        "drafts and issued invoices with numbers and totals derived at issue",
    ),
    (
        "invoice_lines",
        "lines whose totals were derived when written",
    ),
    ("invoice_payment_reversals", "corrections of payments"),
    ("credit_note_counters", "numbering state"),
    ("credit_notes", "issued documents with derived totals"),
    (
        "credit_note_lines",
        "lines whose totals were derived when written",
    ),
    ("invoice_deliveries", "delivery records"),
    ("outbox", "events written with their business writes"),
    ("jobs", "background work state"),
    (
        "webhook_endpoints",
        "endpoints whose secrets and subscriptions are stored encoded",
    ),
    (
        "webhook_endpoint_events",
        "subscriptions stored per endpoint",
    ),
    ("webhook_deliveries", "delivery records"),
    ("webhook_attempts", "delivery records"),
    (
        "company_logo",
        "an uploaded image, checked by its header when uploaded",
    ),
    ("time_settings", "settings written by PUT, one row"),
    ("project_members", "assignments"),
    ("timers", "running timers"),
    ("project_charges", "charges derived from projects"),
    ("budget_alerts", "alerts derived from budgets"),
    ("portal_access", "portal grants"),
    ("portal_address", "the portal address, one row"),
    ("portal_login_links", "sign-in link state (hashes)"),
    ("portal_sessions", "session state (hashes)"),
    ("signing_links", "signing link state (hashes)"),
    ("contract_signatures", "signature evidence"),
    ("files", "uploaded files, checked when uploaded"),
    ("contract_documents", "generated documents"),
    ("attribution_settings", "settings written by PUT, one row"),
    ("sites", "sites whose origins and keys are stored encoded"),
    ("visitors", "collected by the public endpoint"),
    ("tracking_events", "collected by the public endpoint"),
    ("event_daily", "aggregates"),
    ("consent_records", "consent evidence"),
    ("touchpoints", "derived from collected events"),
    ("destinations", "destinations whose credentials are sealed"),
    ("conversions", "recorded conversions"),
    ("conversion_deliveries", "delivery records"),
    (
        "subject_requests",
        "records of people's data requests, written by the requests",
    ),
    ("retention_settings", "settings written by PUT, one row"),
];

/// The tables [`check_row`] passes without a check, with the reason.
pub fn unchecked_tables() -> impl Iterator<Item = (&'static str, &'static str)> {
    UNCHECKED.iter().copied()
}

/// The tables whose rows [`check_row`] checks.
pub fn checked_tables() -> impl Iterator<Item = &'static str> {
    CHECKS.iter().map(|(table, _)| *table)
}

/// Checks one row of `table` (its columns and values as an archive holds them) against the
/// API's rules for creating one; the error names every field that is wrong. Rows of tables
/// without a check pass.
pub fn check_row(table: &str, columns: &[String], values: &[Value]) -> Result<(), String> {
    let Some((_, check)) = CHECKS.iter().find(|(t, _)| *t == table) else {
        return Ok(());
    };
    let row: Map<String, Value> = columns
        .iter()
        .cloned()
        .zip(values.iter().cloned())
        .collect();
    check(Value::Object(row)).map_err(|e| match e {
        DomainError::Invalid(problems) => problems
            .iter()
            .map(|(field, p)| format!("{field} {p}"))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    })
}

/// A create body read from a stored row (columns the body does not know are ignored).
pub(crate) fn body<T: DeserializeOwned>(row: Value) -> DomainResult<T> {
    serde_json::from_value(row)
        .map_err(|_| DomainError::invalid("row", Problem::new(ProblemCode::WrongType)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn contact(name: Value, email: Value) -> Result<(), String> {
        let columns = ["id", "name", "email", "phone", "account_id"].map(String::from);
        check_row(
            "contacts",
            &columns,
            &[
                json!("0190a000-0000-7000-8000-000000000001"),
                name,
                email,
                Value::Null,
                Value::Null,
            ],
        )
    }

    #[test]
    fn imported_rows_meet_the_create_rules() {
        assert_eq!(contact(json!("Ann"), json!("ann@example.nl")), Ok(()));
        let err = contact(json!("x".repeat(201)), json!("not an address")).unwrap_err();
        assert!(err.contains("name") && err.contains("email"), "{err}");
        assert!(contact(json!(""), Value::Null).is_err());
        assert!(contact(json!(7), Value::Null).is_err());
        let entry = |minutes: i64| {
            let columns = ["project_id", "work_date", "minutes", "description"].map(String::from);
            check_row(
                "time_entries",
                &columns,
                &[
                    json!("p1"),
                    json!("2026-02-30"),
                    json!(minutes),
                    Value::Null,
                ],
            )
        };
        let err = entry(1441).unwrap_err();
        assert!(
            err.contains("work_date") && err.contains("minutes"),
            "{err}"
        );
        // A table without a check passes whatever it holds.
        assert_eq!(
            check_row("invoices", &["notes".into()], &[json!(7)]),
            Ok(())
        );
    }
}
