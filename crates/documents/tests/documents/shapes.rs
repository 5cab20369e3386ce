//! Every document shape the tests produce: rates, reverse charge, credit notes, buyers in and
//! outside the Netherlands, a long invoice. Amounts are computed the way an invoice computes
//! them (line net = quantity × price, VAT per line, rounded half away from zero).

use silo_documents::{Document, Kind, Language, Line, Logo, Party};
use time::macros::date;

pub fn seller() -> Party {
    Party {
        name: "Studio Noord B.V.".into(),
        street: "Prinsengracht 263".into(),
        postcode: "1016 GV".into(),
        city: "Amsterdam".into(),
        country: "NL".into(),
        vat_id: Some("NL859648345B01".into()),
        kvk_number: Some("69599084".into()),
        peppol_id: None,
        email: Some("facturen@studionoord.example".into()),
    }
}

pub fn nl_buyer() -> Party {
    Party {
        name: "Bakkerij de Vries & Zn. <Utrecht>".into(),
        street: "Oudegracht 12".into(),
        postcode: "3511 AP".into(),
        city: "Utrecht".into(),
        country: "NL".into(),
        vat_id: Some("NL004495445B01".into()),
        kvk_number: Some("30123456".into()),
        peppol_id: None,
        email: Some("administratie@devries.example".into()),
    }
}

pub fn de_buyer() -> Party {
    Party {
        name: "Müller Werbeagentur GmbH".into(),
        street: "Friedrichstraße 123".into(),
        postcode: "10117".into(),
        city: "Berlin".into(),
        country: "DE".into(),
        vat_id: Some("DE136695976".into()),
        kvk_number: None,
        peppol_id: None,
        email: Some("rechnung@mueller.example".into()),
    }
}

fn round_div(n: i64, d: i64) -> i64 {
    let q = n / d;
    let r = n % d;
    if 2 * r.abs() >= d { q + n.signum() } else { q }
}

pub fn line(description: &str, quantity_milli: i64, unit_cents: i64, vat_rate_bp: i64) -> Line {
    let net_cents = round_div(quantity_milli * unit_cents, 1000);
    Line {
        description: description.into(),
        quantity_milli,
        unit_cents,
        vat_rate_bp,
        net_cents,
        vat_cents: round_div(net_cents * vat_rate_bp, 10_000),
    }
}

pub fn invoice(number: &str, buyer: Party, lines: Vec<Line>) -> Document {
    let subtotal_cents = lines.iter().map(|l| l.net_cents).sum();
    let vat_cents = lines.iter().map(|l| l.vat_cents).sum();
    Document {
        kind: Kind::Invoice,
        language: Language::Nl,
        number: number.into(),
        issue_date: date!(2026 - 11 - 30),
        due_date: Some(date!(2026 - 12 - 14)),
        supply_date: None,
        currency: "EUR".into(),
        seller: seller(),
        seller_iban: "NL91 ABNA 0417 1643 00".into(),
        buyer,
        lines,
        subtotal_cents,
        vat_cents,
        total_cents: subtotal_cents + vat_cents,
        paid_cents: 0,
        reverse_charge: false,
        payment_terms_days: 14,
        payment_reference: format!("RF18 {number}"),
        notes: None,
        credited_invoice: None,
        reason: None,
        logo: None,
    }
}

pub fn credit_note(number: &str, of: &Document, lines: Vec<Line>, reason: &str) -> Document {
    let mut doc = invoice(number, of.buyer.clone(), lines);
    doc.kind = Kind::CreditNote;
    doc.language = of.language;
    doc.issue_date = date!(2026 - 12 - 02);
    doc.due_date = None;
    doc.reverse_charge = of.reverse_charge;
    doc.credited_invoice = Some((of.number.clone(), of.issue_date));
    doc.reason = Some(reason.into());
    doc.payment_reference = of.payment_reference.clone();
    doc
}

/// A 48 × 16 PNG (made for these tests), for the logo.
pub fn png_logo() -> Logo {
    Logo {
        content_type: "image/png".into(),
        bytes: include_bytes!("logo.png").to_vec(),
    }
}

/// Every shape, by name.
pub fn all() -> Vec<(&'static str, Document)> {
    let mut standard = invoice(
        "2026-0001",
        nl_buyer(),
        vec![line("Webdesign homepage", 12_500, 9_500, 2100)],
    );
    standard.supply_date = Some(date!(2026 - 11 - 20));
    standard.logo = Some(png_logo());
    standard.notes = Some("Bedankt voor de opdracht.".into());

    let reduced = invoice(
        "2026-0002",
        nl_buyer(),
        vec![line("Boeken: Handboek typografie", 3_000, 4_250, 900)],
    );

    let mut zero = invoice(
        "2026-0003",
        nl_buyer(),
        vec![line("Levering aan zeeschip (nultarief)", 1_000, 250_000, 0)],
    );
    zero.language = Language::En;

    let mut reverse = invoice(
        "2026-0004",
        de_buyer(),
        vec![
            line("Brand strategy workshop", 2_000, 120_000, 0),
            line("Design system, phase 1", 1_000, 450_000, 0),
        ],
    );
    reverse.reverse_charge = true;
    reverse.language = Language::En;
    reverse.supply_date = Some(date!(2026 - 11 - 27));

    let mut mixed = invoice(
        "2026-0005",
        nl_buyer(),
        vec![
            line("Fotografie productdag", 8_000, 8_500, 2100),
            line("Drukwerk brochures (boekwerk)", 500_000, 95, 900),
            line("Doorbelaste reiskosten", 1_000, 4_710, 0),
            line("Hosting december", 1_000, 2_500, 2100),
            line("Redactie teksten", 1_333, 7_500, 2100),
        ],
    );
    mixed.paid_cents = 50_000;

    let mut german = invoice(
        "2026-0006",
        de_buyer(),
        vec![line("Beratung", 4_000, 11_000, 2100)],
    );
    german.language = Language::En;

    let mut peppol_buyer = nl_buyer();
    peppol_buyer.peppol_id = Some("0106:30123456".into());
    let with_peppol_id = invoice(
        "2026-0007",
        peppol_buyer,
        vec![line("Onderhoud website", 1_000, 30_000, 2100)],
    );

    let mut vat_only = nl_buyer();
    vat_only.kvk_number = None;
    vat_only.email = None;
    let nl_vat_only = invoice(
        "2026-0008",
        vat_only,
        vec![line("Logo-ontwerp", 1_000, 85_000, 2100)],
    );

    let mut long_lines = Vec::new();
    for i in 1..=70 {
        let rate = [2100, 900, 0][i % 3];
        let description = if i % 7 == 0 {
            format!(
                "Regel {i}: sprint {i} ontwikkelwerk aan de klantportal, inclusief overleg, testen, opleveren en een lange toelichting die over meerdere regels doorloopt"
            )
        } else {
            format!("Regel {i}: uren ontwikkeling sprint {i}")
        };
        long_lines.push(line(&description, 1_000 + (i as i64) * 250, 8_750, rate));
    }
    let long = invoice("2026-0009", nl_buyer(), long_lines);

    let full_credit = credit_note(
        "CN-2026-0001",
        &standard,
        standard.lines.clone(),
        "Factuur volledig gecrediteerd: verkeerde afnemer",
    );
    let partial_credit = credit_note(
        "CN-2026-0002",
        &mixed,
        vec![line("Fotografie productdag", 2_000, 8_500, 2100)],
        "Twee uur te veel gefactureerd",
    );
    let mut reverse_credit = credit_note(
        "CN-2026-0003",
        &reverse,
        vec![line("Brand strategy workshop", 1_000, 120_000, 0)],
        "Workshop shortened to one day",
    );
    reverse_credit.language = Language::En;

    vec![
        ("standard-21", standard),
        ("reduced-9", reduced),
        ("zero-rate", zero),
        ("reverse-charge-de", reverse),
        ("mixed-rates-partly-paid", mixed),
        ("german-buyer-21", german),
        ("buyer-peppol-id", with_peppol_id),
        ("nl-buyer-vat-only", nl_vat_only),
        ("long-multi-page", long),
        ("credit-note-full", full_credit),
        ("credit-note-partial", partial_credit),
        ("credit-note-reverse-charge", reverse_credit),
    ]
}
