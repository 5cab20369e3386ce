//! Every UBL document the tests produce passes the official Peppol BIS Billing 3.0 rules
//! (EN 16931 and Peppol Schematron, with the Dutch NL-R rules), run by the copy of the
//! OpenPEPPOL artefacts and `validate.py` in `tests/peppol/` (see its README) with Saxon
//! (`saxonche`) from the interpreter named by `SILO_TEST_PYTHON`.
//!
//! Without `SILO_TEST_PYTHON` the validation is skipped with a printed reason (as the other
//! tests that need Python do); when it is set (`.ci/run` always sets it) and the interpreter
//! lacks `saxonche`, the test fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::shapes;

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peppol")
}

/// The compiled rules are cached under the cargo target directory, so the checkout stays
/// clean and later runs skip the 4 s compilation.
fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("peppol-compiled")
}

/// Runs validate.py over `files`; `None` (after saying why) when no interpreter is set.
fn validate(files: &[PathBuf]) -> Option<(bool, String)> {
    let Ok(python) = std::env::var("SILO_TEST_PYTHON") else {
        eprintln!(
            "peppol: SILO_TEST_PYTHON is not set; the UBL documents were NOT validated against the Peppol rules"
        );
        return None;
    };
    let probe = Command::new(&python)
        .args(["-c", "import saxonche"])
        .output()
        .unwrap_or_else(|e| panic!("SILO_TEST_PYTHON={python} cannot be run: {e}"));
    assert!(
        probe.status.success(),
        "SILO_TEST_PYTHON={python} has no saxonche (pip install saxonche into that venv; .ci/run does):\n{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let out = Command::new(&python)
        .arg(rules_dir().join("validate.py"))
        .args(files)
        .env("PEPPOL_CACHE", cache_dir())
        .output()
        .expect("validate.py runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((out.status.success(), text))
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
