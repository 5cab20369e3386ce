//! The registry of personal data (`silo_domain::privacy::registry`) covers the tenant schema:
//! every table is in it once, in the schema's order; every column it names exists; and every
//! column whose name looks personal is either registered or listed with the reason it is not.
//! A table or column added later without a decision fails here.

use silo_domain::privacy::registry::{Entry, NOT_PERSONAL, REGISTRY, holdings};
use silo_schema::{TENANT_MIGRATIONS, TENANT_TABLES};
use silo_store::ColumnKind;
use std::collections::BTreeMap;

/// Words in column names (split at `_`) that suggest a person: identifiers, texts, people.
const PERSONAL_WORDS: &[&str] = &[
    "name",
    "email",
    "phone",
    "address",
    "street",
    "postcode",
    "city",
    "ip",
    "agent",
    "body",
    "note",
    "notes",
    "description",
    "comment",
    "title",
    "recipient",
    "response",
    "reason",
    "signer",
    "buyer",
    "page",
    "click",
    "visit",
    "tcf",
    "error",
    "reference",
    "subject",
    "data",
    "website",
    "by",
];
/// Words that make a reference (`…_id`) one to a person.
const PERSON_WORDS: &[&str] = &[
    "person", "owner", "assignee", "actor", "author", "contact", "visitor", "portal", "user",
    "subject",
];

/// Whether a text column's name suggests it holds something about a person. Numbers and
/// booleans identify nobody; a reference does when it names a kind of person.
fn looks_personal(column: &str) -> bool {
    let words: Vec<&str> = column.split('_').collect();
    if words.last() == Some(&"id") {
        return words.iter().any(|w| PERSON_WORDS.contains(w));
    }
    words
        .iter()
        .any(|w| PERSONAL_WORDS.contains(w) || PERSON_WORDS.contains(w))
}

async fn columns() -> (
    tempfile::TempDir,
    BTreeMap<String, Vec<(String, ColumnKind)>>,
) {
    let dir = tempfile::tempdir().expect("dir");
    let db = silo_store::sqlite::create_new(&dir.path().join("t.sqlite3"), Default::default())
        .await
        .expect("db");
    silo_store::migrate(&db, &TENANT_MIGRATIONS)
        .await
        .expect("migrate");
    let mut out = BTreeMap::new();
    for table in TENANT_TABLES {
        let cols = silo_store::table_columns(&db, table)
            .await
            .expect("columns");
        out.insert((*table).to_owned(), cols);
    }
    (dir, out)
}

#[test]
fn the_name_rule_finds_people_and_leaves_plain_references() {
    for personal in [
        "signer_email",
        "client_ip",
        "user_agent",
        "person_id",
        "queued_by",
        "data",
    ] {
        assert!(looks_personal(personal), "{personal}");
    }
    for plain in [
        "credit_note_id",
        "invoice_id",
        "status",
        "currency",
        "project_id",
    ] {
        assert!(!looks_personal(plain), "{plain}");
    }
}

#[test]
fn every_tenant_table_is_in_the_registry_once_in_schema_order() {
    let registered: Vec<&str> = REGISTRY.iter().map(|(t, _)| *t).collect();
    assert_eq!(
        registered, TENANT_TABLES,
        "the registry lists the tables in TENANT_TABLES order"
    );
    for (table, entry) in REGISTRY {
        if let Entry::Holds(h) = entry {
            assert_eq!(h.table, *table);
            assert!(!h.key.is_empty(), "{table} has a key");
        }
    }
}

#[tokio::test]
async fn every_registered_column_exists_and_every_personal_looking_one_is_decided() {
    let (_dir, schema) = columns().await;
    let mut undecided = Vec::new();
    for h in holdings() {
        let cols = &schema[h.table];
        for k in h.key {
            assert!(
                cols.iter().any(|(c, _)| c == k),
                "{}.{k} (key) exists",
                h.table
            );
        }
        for (c, _) in h.columns {
            assert!(cols.iter().any(|(x, _)| x == c), "{}.{c} exists", h.table);
        }
        if let Some(r) = h.retained {
            for c in r.columns {
                assert!(
                    h.columns.iter().any(|(x, _)| x == c),
                    "{}.{c} is kept, so it is registered",
                    h.table
                );
            }
        }
    }
    for (table, column, why) in NOT_PERSONAL {
        assert!(
            schema[*table].iter().any(|(c, _)| c == column),
            "{table}.{column} ({why}) exists"
        );
    }
    for (table, cols) in &schema {
        let registered: Vec<&str> = holdings()
            .filter(|h| h.table == table)
            .flat_map(|h| h.columns.iter().map(|(c, _)| *c))
            .collect();
        for (c, kind) in cols {
            let text = matches!(kind, ColumnKind::Text | ColumnKind::Bytes);
            let looks = text && looks_personal(c);
            let decided = registered.contains(&c.as_str())
                || NOT_PERSONAL.iter().any(|(t, x, _)| t == table && x == c);
            if looks && !decided {
                undecided.push(format!("{table}.{c}"));
            }
        }
    }
    assert!(
        undecided.is_empty(),
        "columns that look personal, neither registered in privacy::registry nor listed in \
         NOT_PERSONAL: {undecided:?}"
    );
}
