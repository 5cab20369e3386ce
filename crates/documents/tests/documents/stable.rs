//! The same document gives the same bytes: no clock, no random ids, no machine fonts.

use silo_documents::{DocumentError, Kind, Logo};

use crate::shapes;

#[test]
fn same_input_same_bytes() {
    for (name, doc) in shapes::all() {
        let first = silo_documents::pdf(&doc).unwrap_or_else(|e| panic!("{name}: {e}"));
        let again = silo_documents::pdf(&doc.clone()).expect("pdf");
        assert!(first.starts_with(b"%PDF-"), "{name}");
        assert!(first == again, "{name}: two renderings differ");
        assert_eq!(
            silo_documents::ubl(&doc).expect("ubl"),
            silo_documents::ubl(&doc).expect("ubl"),
            "{name}"
        );
        // Nothing time-dependent in the file.
        let text = String::from_utf8_lossy(&first);
        assert!(!text.contains("/CreationDate"), "{name}");
        assert!(!text.contains("/ModDate"), "{name}");
    }
}

#[test]
fn different_documents_differ() {
    let shapes = shapes::all();
    let a = silo_documents::pdf(&shapes[0].1).expect("pdf");
    let mut other = shapes[0].1.clone();
    other.number = "2026-0100".into();
    let b = silo_documents::pdf(&other).expect("pdf");
    assert!(a != b);
}

#[test]
fn a_jpeg_logo_is_printed_and_a_bad_one_refused() {
    let mut doc = shapes::all().remove(0).1;
    doc.logo = Some(Logo {
        content_type: "image/jpeg".into(),
        bytes: include_bytes!("logo.jpg").to_vec(),
    });
    let with_jpeg = silo_documents::pdf(&doc).expect("pdf with jpeg");
    assert!(
        with_jpeg.windows(9).any(|w| w == b"DCTDecode"),
        "JPEG embedded as is"
    );
    doc.logo = Some(Logo {
        content_type: "image/png".into(),
        bytes: b"GIF89a not a png".to_vec(),
    });
    assert!(matches!(
        silo_documents::pdf(&doc),
        Err(DocumentError::Logo(_))
    ));
}

#[test]
fn inconsistent_documents_are_refused() {
    let base = shapes::all().remove(0).1;

    let mut doc = base.clone();
    doc.total_cents += 1;
    assert!(matches!(
        silo_documents::pdf(&doc),
        Err(DocumentError::Totals(_))
    ));
    assert!(matches!(
        silo_documents::ubl(&doc),
        Err(DocumentError::Totals(_))
    ));

    let mut doc = base.clone();
    doc.reverse_charge = true;
    assert!(matches!(
        silo_documents::ubl(&doc),
        Err(DocumentError::ReverseChargeWithVat)
    ));

    let mut doc = base.clone();
    doc.kind = Kind::CreditNote;
    assert!(matches!(
        silo_documents::pdf(&doc),
        Err(DocumentError::MissingCreditedInvoice)
    ));

    let mut doc = base.clone();
    doc.lines.clear();
    doc.subtotal_cents = 0;
    doc.vat_cents = 0;
    doc.total_cents = 0;
    assert!(matches!(
        silo_documents::pdf(&doc),
        Err(DocumentError::NoLines)
    ));

    let mut doc = base;
    doc.lines[0].quantity_milli = -1;
    assert!(matches!(
        silo_documents::ubl(&doc),
        Err(DocumentError::NegativeLine(1))
    ));
}

#[test]
fn text_is_escaped_in_the_ubl() {
    let doc = shapes::all().remove(0).1;
    let xml = silo_documents::ubl(&doc).expect("ubl");
    assert!(
        xml.contains("Bakkerij de Vries &amp; Zn. &lt;Utrecht&gt;"),
        "{xml}"
    );
    assert!(!xml.contains("<Utrecht>"));
}

/// With `SILO_DOCUMENTS_OUT=DIR`, writes every shape's PDF and UBL there, to look at or to
/// validate by hand (docs/invoices.md).
#[test]
fn write_samples_when_asked() {
    let Ok(dir) = std::env::var("SILO_DOCUMENTS_OUT") else {
        return;
    };
    std::fs::create_dir_all(&dir).expect("output dir");
    for (name, doc) in shapes::all() {
        let base = std::path::Path::new(&dir).join(name);
        std::fs::write(
            base.with_extension("pdf"),
            silo_documents::pdf(&doc).expect("pdf"),
        )
        .expect("write");
        std::fs::write(
            base.with_extension("xml"),
            silo_documents::ubl(&doc).expect("ubl"),
        )
        .expect("write");
    }
}
