//! Checking documents as their readers do: a PDF's text as `pdftotext` (Debian's
//! poppler-utils; `.ci/run` installs it) extracts it, and UBL e-invoices against the official
//! Peppol BIS Billing 3.0 rules (EN 16931, Peppol and the Dutch NL-R rules), run by the copy of
//! OpenPEPPOL's artefacts and `validate.py` in `crates/documents/tests/peppol/` with Saxon
//! (`saxonche`) from the interpreter named by `SILO_TEST_PYTHON`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The PDF's text, pages separated by form feeds.
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .unwrap_or_else(|e| {
            panic!("pdftotext cannot be run ({e}); install Debian's poppler-utils (.ci/run does)")
        });
    assert!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The folder with the Peppol rules and `validate.py`.
pub fn peppol_rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../documents/tests/peppol")
}

/// Runs `validate.py` over `files`, with the compiled rules cached in `cache` (under the cargo
/// target directory, so the checkout stays clean): whether every file passed, and what the
/// validator said. `None` (after saying why) when `SILO_TEST_PYTHON` is not set; when it is
/// set (`.ci/run` always sets it) and the interpreter lacks `saxonche`, this fails the test.
pub fn validate_ubl(files: &[PathBuf], cache: &Path) -> Option<(bool, String)> {
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
        .arg(peppol_rules().join("validate.py"))
        .args(files)
        .env("PEPPOL_CACHE", cache)
        .output()
        .expect("validate.py runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((out.status.success(), text))
}
