//! Every UBL document the tests produce passes the official Peppol BIS Billing 3.0 rules
//! (EN 16931 and Peppol Schematron, with the Dutch NL-R rules), run by the copy of the
//! OpenPEPPOL artefacts and `validate.py` in `tests/peppol/` (see its README) with Saxon
//! (`saxonche`) from the interpreter named by `SILO_TEST_PYTHON`.
//!
//! Without `SILO_TEST_PYTHON` the validation is skipped with a printed reason (as the other
//! tests that need Python do); when it is set (`.ci/run` always sets it) and the interpreter
//! lacks `saxonche`, the test fails.

use std::path::{Path, PathBuf};

use crate::shapes;

/// The compiled rules are cached under the cargo target directory, so the checkout stays
/// clean and later runs skip the 4 s compilation.
fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("peppol-compiled")
}

fn validate(files: &[PathBuf]) -> Option<(bool, String)> {
    silo_testkit::documents::validate_ubl(files, &cache_dir())
}

#[test]
fn every_shape_passes_the_peppol_rules() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    for (name, doc) in shapes::all() {
        let xml = silo_documents::ubl(&doc).unwrap_or_else(|e| panic!("{name}: {e}"));
        let path = dir.path().join(format!("{name}.xml"));
        std::fs::write(&path, xml).expect("write");
        files.push(path);
    }
    let Some((ok, report)) = validate(&files) else {
        return;
    };
    eprintln!("{report}");
    assert!(ok, "a fatal Peppol/EN 16931 rule failed:\n{report}");
    assert_eq!(
        report.matches(": valid,").count(),
        files.len(),
        "every document is reported valid:\n{report}"
    );
}

/// The validator itself catches what it should: a credit note without its invoice reference
/// (NL-R-001 and the EN 16931 rules) is refused, so a passing run means something.
#[test]
fn the_validator_refuses_a_broken_document() {
    let shapes = shapes::all();
    let (_, credit) = shapes
        .iter()
        .find(|(name, _)| *name == "credit-note-partial")
        .expect("shape");
    let xml = silo_documents::ubl(credit).expect("ubl");
    let start = xml.find("<cac:BillingReference>").expect("reference");
    let end = xml.find("</cac:BillingReference>").expect("reference end")
        + "</cac:BillingReference>".len();
    let broken = format!("{}{}", &xml[..start], &xml[end..]);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.xml");
    std::fs::write(&path, broken).expect("write");
    let Some((ok, report)) = validate(&[path]) else {
        return;
    };
    assert!(!ok, "{report}");
    assert!(report.contains("NL-R-001"), "{report}");
}

/// The rules refuse exactly what docs/invoices.md lists as required: each document below
/// lacks one detail and must fail with the named rule; the ones marked valid lack a detail
/// the rules do not require (a Dutch buyer's KvK number, a foreign buyer's street).
#[test]
fn missing_details_fail_the_rules_named_in_the_docs() {
    use silo_documents::Document;

    fn shape(name: &str) -> Document {
        shapes::all()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, d)| d)
            .expect("shape")
    }
    let mut cases: Vec<(&str, Document, &[&str])> = Vec::new();

    let mut d = shape("german-buyer-21");
    d.buyer.vat_id = None;
    cases.push(("buyer-email-endpoint-only", d, &["PEPPOL-EN16931-CL008"]));

    let mut d = shape("standard-21");
    d.seller.vat_id = None;
    cases.push(("seller-without-vat-id", d, &["BR-S-02"]));

    let mut d = shape("zero-rate");
    d.seller.vat_id = None;
    cases.push(("zero-rate-seller-without-vat-id", d, &["BR-Z-02"]));

    let mut d = shape("standard-21");
    d.seller.street = String::new();
    cases.push(("nl-seller-without-street", d, &["NL-R-002"]));

    let mut d = shape("standard-21");
    d.seller.postcode = String::new();
    cases.push(("nl-seller-without-postcode", d, &["NL-R-002"]));

    let mut d = shape("standard-21");
    d.buyer.city = String::new();
    cases.push(("nl-buyer-without-city", d, &["NL-R-004"]));

    let mut d = shape("standard-21");
    d.seller.kvk_number = None;
    d.seller.vat_id = None;
    d.seller.email = None;
    cases.push((
        "seller-without-any-identifier",
        d,
        &["PEPPOL-EN16931-R020", "BR-CO-26"],
    ));

    let mut d = shape("standard-21");
    d.seller_iban = String::new();
    cases.push(("invoice-without-iban", d, &["BR-61"]));

    let mut d = shape("standard-21");
    d.buyer.name = String::new();
    cases.push(("buyer-without-name", d, &["BR-07"]));

    let mut d = shape("standard-21");
    d.buyer.country = String::new();
    cases.push(("buyer-without-country", d, &["BR-11"]));

    let mut d = shape("reverse-charge-de");
    d.buyer.vat_id = None;
    cases.push(("reverse-charge-buyer-without-vat-id", d, &["BR-AE-02"]));

    let mut d = shape("standard-21");
    d.buyer.kvk_number = None;
    d.buyer.peppol_id = None;
    cases.push(("nl-buyer-without-kvk", d, &[]));

    let mut d = shape("german-buyer-21");
    d.buyer.street = String::new();
    d.buyer.postcode = String::new();
    cases.push(("foreign-buyer-without-street", d, &[]));

    let dir = tempfile::tempdir().expect("temp dir");
    let files: Vec<PathBuf> = cases
        .iter()
        .map(|(name, doc, _)| {
            let path = dir.path().join(format!("{name}.xml"));
            std::fs::write(&path, silo_documents::ubl(doc).expect("ubl")).expect("write");
            path
        })
        .collect();
    let Some((_, report)) = validate(&files) else {
        return;
    };
    eprintln!("{report}");
    for ((name, _, rules), path) in cases.iter().zip(&files) {
        // This file's section of the report: its status line and the failed rules below it.
        let head = format!("{}: ", path.display());
        let start = report
            .find(&head)
            .unwrap_or_else(|| panic!("{name}:\n{report}"));
        let section: String = report[start..]
            .lines()
            .enumerate()
            .take_while(|(i, l)| *i == 0 || l.starts_with("  "))
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        if rules.is_empty() {
            assert!(
                section.contains(": valid,"),
                "{name} should pass:\n{section}"
            );
        }
        for rule in *rules {
            assert!(
                section.contains(&format!("  {rule}:")),
                "{name} should fail {rule}:\n{section}"
            );
        }
    }
}
