//! UBL 2.1 `Invoice` / `CreditNote` after Peppol BIS Billing 3.0 (EN 16931 CIUS), written with
//! quick-xml (every text and attribute escaped by the writer).

use std::io::Cursor;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::format::{ubl_amount, ubl_date, ubl_quantity, ubl_rate};
use crate::{Category, Document, DocumentError, Kind, Party, due_date, prepaid, vat_breakdown};

const CUSTOMIZATION: &str =
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
const PROFILE: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// Peppol electronic address scheme (EAS) for a VAT number, by its country prefix: the
/// `99xx` "<country>:VAT" schemes and the few countries whose VAT scheme has another code.
/// Only codes on the Peppol EAS list (PEPPOL-EN16931-CL008) are here.
const VAT_EAS: &[(&str, &str)] = &[
    ("AD", "9922"),
    ("AL", "9923"),
    ("AT", "9914"),
    ("BA", "9924"),
    ("BE", "9925"),
    ("BG", "9926"),
    ("CH", "9927"),
    ("CY", "9928"),
    ("CZ", "9929"),
    ("DE", "9930"),
    ("DK", "0198"),
    ("EE", "9931"),
    ("EL", "9933"),
    ("ES", "9920"),
    ("FI", "0213"),
    ("FR", "9957"),
    ("GB", "9932"),
    ("GR", "9933"),
    ("HR", "9934"),
    ("HU", "9910"),
    ("IE", "9935"),
    ("IT", "0211"),
    ("LI", "9936"),
    ("LT", "9937"),
    ("LU", "9938"),
    ("LV", "9939"),
    ("MC", "9940"),
    ("ME", "9941"),
    ("MK", "9942"),
    ("MT", "9943"),
    ("NL", "9944"),
    ("PL", "9945"),
    ("PT", "9946"),
    ("RO", "9947"),
    ("RS", "9948"),
    ("SI", "9949"),
    ("SK", "9950"),
    ("SM", "9951"),
    ("TR", "9952"),
    ("VA", "9953"),
];

/// The Peppol endpoint (scheme, id) of a party. `kvk_first` is set for the seller (its KvK
/// number unless it has a Peppol id) and for a Dutch buyer; otherwise the VAT number comes
/// before the KvK number. The e-mail address (`EM`) is the last resort: EN 16931 accepts it,
/// the Peppol network does not (PEPPOL-EN16931-CL008).
fn endpoint(party: &Party, kvk_first: bool) -> Option<(String, String)> {
    if let Some((scheme, id)) = party.peppol_id.as_deref().and_then(|p| p.split_once(':')) {
        let (scheme, id) = (scheme.trim(), id.trim());
        if !scheme.is_empty() && !id.is_empty() {
            return Some((scheme.to_string(), id.to_string()));
        }
    }
    let kvk = present(&party.kvk_number).map(|k| ("0106".to_string(), k.to_string()));
    let vat = present(&party.vat_id).and_then(|v| {
        let v: String = v.chars().filter(|c| !c.is_whitespace()).collect();
        let prefix = v.get(..2)?.to_ascii_uppercase();
        VAT_EAS
            .iter()
            .find(|(country, _)| *country == prefix)
            .map(|(_, scheme)| ((*scheme).to_string(), v.clone()))
    });
    let email = present(&party.email).map(|e| ("EM".to_string(), e.to_string()));
    if kvk_first {
        kvk.or(vat).or(email)
    } else {
        vat.or(kvk).or(email)
    }
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

struct Xml {
    w: Writer<Cursor<Vec<u8>>>,
}

impl Xml {
    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) -> std::io::Result<()> {
        let mut el = BytesStart::new(name);
        for attr in attrs {
            el.push_attribute(*attr);
        }
        self.w.write_event(Event::Start(el))
    }

    fn end(&mut self, name: &str) -> std::io::Result<()> {
        self.w.write_event(Event::End(BytesEnd::new(name)))
    }

    /// An element with text; nothing at all when the text is empty (Peppol refuses empty
    /// elements, PEPPOL-EN16931-R008, and a missing one names the real problem).
    fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> std::io::Result<()> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(());
        }
        self.start(name, attrs)?;
        self.w.write_event(Event::Text(BytesText::new(text)))?;
        self.end(name)
    }

    fn amount(&mut self, name: &str, currency: &str, cents: i64) -> std::io::Result<()> {
        self.leaf(name, &[("currencyID", currency)], &ubl_amount(cents))
    }
}

pub(crate) fn write(doc: &Document) -> Result<String, DocumentError> {
    let mut xml = Xml {
        w: Writer::new_with_indent(Cursor::new(Vec::new()), b' ', 2),
    };
    body(&mut xml, doc).map_err(|e| DocumentError::Xml(e.to_string()))?;
    String::from_utf8(xml.w.into_inner().into_inner())
        .map_err(|e| DocumentError::Xml(e.to_string()))
}

fn body(x: &mut Xml, doc: &Document) -> std::io::Result<()> {
    let invoice = doc.kind == Kind::Invoice;
    let (root, ns) = if invoice {
        (
            "Invoice",
            "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
        )
    } else {
        (
            "CreditNote",
            "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
        )
    };
    let cur = doc.currency.as_str();
    x.w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    x.start(
        root,
        &[("xmlns", ns), ("xmlns:cac", CAC), ("xmlns:cbc", CBC)],
    )?;
    x.leaf("cbc:CustomizationID", &[], CUSTOMIZATION)?;
    x.leaf("cbc:ProfileID", &[], PROFILE)?;
    x.leaf("cbc:ID", &[], &doc.number)?;
    x.leaf("cbc:IssueDate", &[], &ubl_date(doc.issue_date))?;
    if invoice {
        x.leaf("cbc:DueDate", &[], &ubl_date(due_date(doc)))?;
        x.leaf("cbc:InvoiceTypeCode", &[], "380")?;
    } else {
        x.leaf("cbc:CreditNoteTypeCode", &[], "381")?;
    }
    // Peppol allows one note (PEPPOL-EN16931-R002): the credit reason and the notes together.
    let note = [doc.reason.as_deref(), doc.notes.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    x.leaf("cbc:Note", &[], &note)?;
    x.leaf("cbc:DocumentCurrencyCode", &[], cur)?;
    // PEPPOL-EN16931-R003: a buyer reference or an order reference. We have no purchase
    // order number, so the payment reference (else the number) serves.
    let buyer_reference = if doc.payment_reference.trim().is_empty() {
        doc.number.as_str()
    } else {
        doc.payment_reference.as_str()
    };
    x.leaf("cbc:BuyerReference", &[], buyer_reference)?;
    if let Some((number, date)) = &doc.credited_invoice {
        x.start("cac:BillingReference", &[])?;
        x.start("cac:InvoiceDocumentReference", &[])?;
        x.leaf("cbc:ID", &[], number)?;
        x.leaf("cbc:IssueDate", &[], &ubl_date(*date))?;
        x.end("cac:InvoiceDocumentReference")?;
        x.end("cac:BillingReference")?;
    }

    x.start("cac:AccountingSupplierParty", &[])?;
    party(x, &doc.seller, endpoint(&doc.seller, true))?;
    x.end("cac:AccountingSupplierParty")?;
    x.start("cac:AccountingCustomerParty", &[])?;
    let buyer_nl = doc.buyer.country.trim().eq_ignore_ascii_case("NL");
    party(x, &doc.buyer, endpoint(&doc.buyer, buyer_nl))?;
    x.end("cac:AccountingCustomerParty")?;

    if let Some(supply) = doc.supply_date {
        x.start("cac:Delivery", &[])?;
        x.leaf("cbc:ActualDeliveryDate", &[], &ubl_date(supply))?;
        x.end("cac:Delivery")?;
    }

    let total = doc.total_cents;
    let paid = prepaid(doc);
    if invoice {
        // 58: SEPA credit transfer, to the seller's IBAN, quoting the payment reference.
        x.start("cac:PaymentMeans", &[])?;
        x.leaf(
            "cbc:PaymentMeansCode",
            &[("name", "SEPA credit transfer")],
            "58",
        )?;
        x.leaf("cbc:PaymentID", &[], &doc.payment_reference)?;
        x.start("cac:PayeeFinancialAccount", &[])?;
        let iban: String = doc
            .seller_iban
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        x.leaf("cbc:ID", &[], &iban)?;
        x.leaf("cbc:Name", &[], &doc.seller.name)?;
        x.end("cac:PayeeFinancialAccount")?;
        x.end("cac:PaymentMeans")?;
        x.start("cac:PaymentTerms", &[])?;
        x.leaf(
            "cbc:Note",
            &[],
            &format!(
                "Payment within {} days, by {}",
                doc.payment_terms_days,
                ubl_date(due_date(doc))
            ),
        )?;
        x.end("cac:PaymentTerms")?;
    }

    x.start("cac:TaxTotal", &[])?;
    x.amount("cbc:TaxAmount", cur, doc.vat_cents)?;
    for row in vat_breakdown(doc) {
        x.start("cac:TaxSubtotal", &[])?;
        x.amount("cbc:TaxableAmount", cur, row.taxable_cents)?;
        x.amount("cbc:TaxAmount", cur, row.vat_cents)?;
        x.start("cac:TaxCategory", &[])?;
        x.leaf("cbc:ID", &[], row.category.code())?;
        x.leaf("cbc:Percent", &[], &ubl_rate(row.rate_bp))?;
        if row.category == Category::Ae {
            x.leaf("cbc:TaxExemptionReasonCode", &[], "vatex-eu-ae")?;
            x.leaf("cbc:TaxExemptionReason", &[], "Reverse charge")?;
        }
        tax_scheme(x)?;
        x.end("cac:TaxCategory")?;
        x.end("cac:TaxSubtotal")?;
    }
    x.end("cac:TaxTotal")?;

    x.start("cac:LegalMonetaryTotal", &[])?;
    x.amount("cbc:LineExtensionAmount", cur, doc.subtotal_cents)?;
    x.amount("cbc:TaxExclusiveAmount", cur, doc.subtotal_cents)?;
    x.amount("cbc:TaxInclusiveAmount", cur, total)?;
    if paid > 0 {
        x.amount("cbc:PrepaidAmount", cur, paid)?;
    }
    x.amount("cbc:PayableAmount", cur, total - paid)?;
    x.end("cac:LegalMonetaryTotal")?;

    let (line_el, quantity_el) = if invoice {
        ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    } else {
        ("cac:CreditNoteLine", "cbc:CreditedQuantity")
    };
    for (i, line) in doc.lines.iter().enumerate() {
        x.start(line_el, &[])?;
        x.leaf("cbc:ID", &[], &(i + 1).to_string())?;
        // C62: "one" (a unit without a name); the description says what was counted.
        x.leaf(
            quantity_el,
            &[("unitCode", "C62")],
            &ubl_quantity(line.quantity_milli),
        )?;
        x.amount("cbc:LineExtensionAmount", cur, line.net_cents)?;
        x.start("cac:Item", &[])?;
        let description = line.description.trim();
        let name: String = description.split_whitespace().collect::<Vec<_>>().join(" ");
        if description.contains('\n') {
            x.leaf("cbc:Description", &[], description)?;
        }
        x.leaf("cbc:Name", &[], &name)?;
        x.start("cac:ClassifiedTaxCategory", &[])?;
        x.leaf("cbc:ID", &[], Category::of(doc, line).code())?;
        x.leaf("cbc:Percent", &[], &ubl_rate(line.vat_rate_bp))?;
        tax_scheme(x)?;
        x.end("cac:ClassifiedTaxCategory")?;
        x.end("cac:Item")?;
        x.start("cac:Price", &[])?;
        x.amount("cbc:PriceAmount", cur, line.unit_cents)?;
        x.end("cac:Price")?;
        x.end(line_el)?;
    }
    x.end(root)?;
    Ok(())
}

fn tax_scheme(x: &mut Xml) -> std::io::Result<()> {
    x.start("cac:TaxScheme", &[])?;
    x.leaf("cbc:ID", &[], "VAT")?;
    x.end("cac:TaxScheme")
}

fn party(x: &mut Xml, p: &Party, endpoint: Option<(String, String)>) -> std::io::Result<()> {
    x.start("cac:Party", &[])?;
    if let Some((scheme, id)) = &endpoint {
        x.leaf("cbc:EndpointID", &[("schemeID", scheme)], id)?;
    }
    x.start("cac:PartyName", &[])?;
    x.leaf("cbc:Name", &[], &p.name)?;
    x.end("cac:PartyName")?;
    x.start("cac:PostalAddress", &[])?;
    x.leaf("cbc:StreetName", &[], &p.street)?;
    x.leaf("cbc:CityName", &[], &p.city)?;
    x.leaf("cbc:PostalZone", &[], &p.postcode)?;
    x.start("cac:Country", &[])?;
    x.leaf(
        "cbc:IdentificationCode",
        &[],
        &p.country.trim().to_ascii_uppercase(),
    )?;
    x.end("cac:Country")?;
    x.end("cac:PostalAddress")?;
    if let Some(vat) = present(&p.vat_id) {
        let vat: String = vat.chars().filter(|c| !c.is_whitespace()).collect();
        x.start("cac:PartyTaxScheme", &[])?;
        x.leaf("cbc:CompanyID", &[], &vat)?;
        tax_scheme(x)?;
        x.end("cac:PartyTaxScheme")?;
    }
    x.start("cac:PartyLegalEntity", &[])?;
    x.leaf("cbc:RegistrationName", &[], &p.name)?;
    if let Some(kvk) = present(&p.kvk_number) {
        x.leaf("cbc:CompanyID", &[("schemeID", "0106")], kvk)?;
    }
    x.end("cac:PartyLegalEntity")?;
    if let Some(email) = present(&p.email) {
        x.start("cac:Contact", &[])?;
        x.leaf("cbc:ElectronicMail", &[], email)?;
        x.end("cac:Contact")?;
    }
    x.end("cac:Party")
}
