//! The PDF carries every detail Article 35a Wet OB asks of an invoice, in Dutch and in
//! English: checked on the text `pdftotext` (Debian's poppler-utils; `.ci/run` installs it)
//! extracts from it, as a reader or a bookkeeping tool would.

use silo_documents::{Document, Language};

use crate::shapes;

/// The PDF's text, pages separated by form feeds.
pub fn text_of(pdf: &[u8]) -> String {
    silo_testkit::documents::pdf_text(pdf)
}

fn shape(name: &str) -> Document {
    shapes::all()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, d)| d)
        .expect("shape")
}

fn assert_all(text: &str, what: &str, expected: &[&str]) {
    let missing: Vec<&&str> = expected.iter().filter(|e| !text.contains(**e)).collect();
    assert!(
        missing.is_empty(),
        "{what}: missing {missing:?} in the PDF text:\n{text}"
    );
}

/// The parties: names, addresses, VAT ids, KvK numbers (Art. 35a lid 1 a, c, d, e, f).
fn parties(doc: &Document) -> Vec<String> {
    let (s, b) = (&doc.seller, &doc.buyer);
    let mut v = vec![
        s.name.clone(),
        s.street.clone(),
        format!("{} {}", s.postcode, s.city),
        b.name.clone(),
        b.street.clone(),
        format!("{} {}", b.postcode, b.city),
        s.vat_id.clone().expect("seller vat"),
        s.kvk_number.clone().expect("seller kvk"),
    ];
    v.extend(b.vat_id.clone());
    v.extend(b.kvk_number.clone());
    v
}

#[test]
fn dutch_invoice_has_every_article_35a_field() {
    let doc = shape("standard-21");
    let text = text_of(&silo_documents::pdf(&doc).expect("pdf"));
    let parties = parties(&doc);
    assert_all(
        &text,
        "parties",
        &parties.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_all(
        &text,
        "nl invoice",
        &[
            "Factuur",
            "Factuurnummer",
            "2026-0001",
            "Factuurdatum",
            "30 november 2026",
            "Leveringsdatum",
            "20 november 2026",
            "Webdesign homepage",
            "Aantal",
            "12,5",
            "Prijs per stuk",
            "€ 95,00",
            "21%",
            // VAT per rate with the taxable amount per rate.
            "Btw-tarief",
            "Grondslag",
            "€ 1.187,50",
            "€ 249,38",
            "Totaal incl. btw",
            "€ 1.436,88",
            "Vervaldatum",
            "14 december 2026",
            "Betalingstermijn",
            "14 dagen",
            "IBAN NL91 ABNA 0417 1643 00",
            "Betalingskenmerk",
            "RF18 2026-0001",
            "KvK",
            "Btw-id",
            "Nederland",
            "Bedankt voor de opdracht.",
        ],
    );
    // The client's copy carries no status.
    for badge in [
        "CONCEPT",
        "Concept",
        "BETAALD",
        "Betaald",
        "Openstaand",
        "DRAFT",
        "PAID",
    ] {
        assert!(!text.contains(badge), "status {badge:?} printed:\n{text}");
    }
    assert!(!text.contains("verlegd"), "no reverse-charge note:\n{text}");
}

#[test]
fn english_invoice_has_every_article_35a_field() {
    let mut doc = shape("standard-21");
    doc.language = Language::En;
    let text = text_of(&silo_documents::pdf(&doc).expect("pdf"));
    let parties = parties(&doc);
    assert_all(
        &text,
        "parties",
        &parties.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_all(
        &text,
        "en invoice",
        &[
            "Invoice",
            "Invoice number",
            "2026-0001",
            "Invoice date",
            "30 November 2026",
            "Supply date",
            "20 November 2026",
            "Webdesign homepage",
            "Quantity",
            "12.5",
            "Unit price",
            "€95.00",
            "21%",
            "VAT rate",
            "Taxable amount",
            "€1,187.50",
            "€249.38",
            "Total incl. VAT",
            "€1,436.88",
            "Due date",
            "14 December 2026",
            "Payment terms",
            "14 days",
            "IBAN NL91 ABNA 0417 1643 00",
            "Payment reference",
            "RF18 2026-0001",
            "VAT ID",
            "Netherlands",
        ],
    );
    for badge in ["DRAFT", "Draft", "PAID", "Paid", "Outstanding"] {
        assert!(!text.contains(badge), "status {badge:?} printed:\n{text}");
    }
}

#[test]
fn rates_each_get_their_taxable_amount_and_payments_show() {
    let doc = shape("mixed-rates-partly-paid");
    let text = text_of(&silo_documents::pdf(&doc).expect("pdf"));
    let rows = [(2100, "21%"), (900, "9%"), (0, "0%")];
    for (bp, label) in rows {
        let base: i64 = doc
            .lines
            .iter()
            .filter(|l| l.vat_rate_bp == bp)
            .map(|l| l.net_cents)
            .sum();
        let vat: i64 = doc
            .lines
            .iter()
            .filter(|l| l.vat_rate_bp == bp)
            .map(|l| l.vat_cents)
            .sum();
        let row = text
            .lines()
            .find(|l| l.trim_start().starts_with(label) && l.contains("€"))
            .unwrap_or_else(|| panic!("no VAT row for {label}:\n{text}"));
        for cents in [base, vat] {
            let money = format!("€ {},{:02}", dutch_thousands(cents / 100), cents % 100);
            assert!(row.contains(&money), "{label}: {money} not in {row:?}");
        }
    }
    assert_all(
        &text,
        "paid",
        &["Reeds betaald", "-€ 500,00", "Te betalen", "1,333"],
    );
}

fn dutch_thousands(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

#[test]
fn reverse_charge_is_printed_in_both_languages() {
    let mut doc = shape("reverse-charge-de");
    let en = text_of(&silo_documents::pdf(&doc).expect("pdf"));
    assert_all(
        &en,
        "en reverse charge",
        &[
            "VAT reverse charged",
            "DE136695976",
            "Müller Werbeagentur GmbH",
            "Friedrichstraße 123",
            "10117 Berlin",
            "Germany",
            "27 November 2026",
        ],
    );
    doc.language = Language::Nl;
    let nl = text_of(&silo_documents::pdf(&doc).expect("pdf"));
    assert_all(
        &nl,
        "nl reverse charge",
        &["btw verlegd", "Btw verlegd", "DE136695976", "Duitsland"],
    );
}

#[test]
fn credit_notes_refer_to_the_invoice_with_negative_amounts() {
    let doc = shape("credit-note-full");
    let nl = text_of(&silo_documents::pdf(&doc).expect("pdf"));
    assert_all(
        &nl,
        "nl credit note",
        &[
            "Creditnota",
            "Creditnotanummer",
            "CN-2026-0001",
            "Betreft factuur",
            "2026-0001",
            "30 november 2026",
            "2 december 2026",
            "Factuur volledig gecrediteerd",
            "-€ 1.187,50",
            "-€ 249,38",
            "-€ 1.436,88",
        ],
    );
    let mut doc = shape("credit-note-partial");
    doc.language = Language::En;
    let en = text_of(&silo_documents::pdf(&doc).expect("pdf"));
    assert_all(
        &en,
        "en credit note",
        &[
            "Credit note",
            "Credit note number",
            "CN-2026-0002",
            "Credits invoice",
            "2026-0005",
            "Reason: Twee uur te veel gefactureerd",
            "-€170.00",
            "-€35.70",
            "-€205.70",
        ],
    );
}

#[test]
fn a_long_invoice_runs_over_several_pages() {
    let doc = shape("long-multi-page");
    let text = text_of(&silo_documents::pdf(&doc).expect("pdf"));
    let pages = text.split('\u{c}').filter(|p| !p.trim().is_empty()).count();
    assert!(pages >= 2, "{pages} page(s):\n{text}");
    assert!(
        text.contains(&format!("Pagina 1 van {pages}")),
        "page numbers:\n{text}"
    );
    assert!(text.contains(&format!("Pagina {pages} van {pages}")));
    assert!(text.contains("Factuur 2026-0009 (vervolg)"));
    for i in 1..=70 {
        assert!(
            text.contains(&format!("Regel {i}:")),
            "line {i} missing:\n{text}"
        );
    }
    // Totals once, at the end.
    let last = text
        .split('\u{c}')
        .rfind(|p| !p.trim().is_empty())
        .expect("last page");
    assert!(last.contains("Te betalen"), "{last}");
}

#[test]
fn control_characters_in_names_print_as_spaces() {
    let mut doc = shape("reduced-9");
    doc.buyer.name = "Kantoor\tvan\nJansen\u{7}".into();
    doc.buyer.street = "Dorpsstraat 1\r\n".into();
    let text = text_of(&silo_documents::pdf(&doc).expect("pdf"));
    assert_all(&text, "sanitised", &["Kantoor van Jansen", "Dorpsstraat 1"]);
}

fn subject_report(records: usize) -> silo_documents::SubjectReportPdf {
    use silo_documents::{SubjectRecord, SubjectReportPdf, SubjectSection};
    SubjectReportPdf {
        language: Language::Nl,
        agency: "Studio Noord".into(),
        generated_at: "2026-12-01 14:00 UTC".into(),
        request_id: "0190abcd-test".into(),
        identified_by: vec![("E-mail".into(), "jan@example.nl".into())],
        sections: vec![SubjectSection {
            title: "Contactpersonen".into(),
            note: Some("Bewaard op uitgereikte facturen".into()),
            records: (0..records)
                .map(|i| SubjectRecord {
                    heading: format!("record-{i}"),
                    fields: vec![
                        ("name".into(), "Jan de Vries".into()),
                        ("body".into(), "lange tekst ".repeat(60)),
                    ],
                })
                .collect(),
        }],
    }
}

#[test]
fn a_subject_report_prints_every_record_over_as_many_pages_as_it_needs() {
    let one = text_of(&silo_documents::subject_report_pdf(&subject_report(1)).expect("pdf"));
    assert_all(
        &one,
        "subject report",
        &[
            "Overzicht van persoonsgegevens",
            "Studio Noord",
            "jan@example.nl",
            "0190abcd-test",
            "Contactpersonen (1)",
            "Bewaard op uitgereikte facturen",
            "record-0",
            "Jan de Vries",
        ],
    );
    let pages = |text: &str| text.split('\u{c}').filter(|p| !p.trim().is_empty()).count();
    assert_eq!(pages(&one), 1);
    let many = text_of(&silo_documents::subject_report_pdf(&subject_report(40)).expect("pdf"));
    assert!(pages(&many) > 3, "pages: {}", pages(&many));
    for i in [0, 17, 39] {
        assert!(many.contains(&format!("record-{i}")), "record-{i}");
    }
}
