//! A signed contract as a PDF: the contract's text over as many pages as it needs, then an
//! evidence page that says who signed which exact text, when, from where and how (the parties,
//! the signer, the time in UTC, the signer's address and browser, the SHA-256 of the text
//! shown, the method and the link or portal user used). Laid out and drawn like the invoice
//! PDF (A4, DejaVu Sans, the same drawing code); the same input always gives the same bytes.

use crate::pdf::{
    BODY, BOTTOM, Fonts, GREY, LEADING, LEFT, Op, RIGHT, SMALL, TOP, Weight, draw, one_line,
    page_footers,
};
use crate::{DocumentError, Language};
use krilla::Document as PdfDocument;
use krilla::metadata::Metadata;

/// How a contract was signed, as the evidence page names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureMethod {
    /// Through a single-document signing link mailed to the signer.
    Link,
    /// In the client portal, by a signed-in portal user.
    Portal,
    /// On paper; a staff member uploaded the scan.
    Paper,
}

/// The evidence of one signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureEvidence {
    /// How it was signed.
    pub method: SignatureMethod,
    /// The name the signer typed.
    pub signer_name: String,
    /// The signer's address, when known.
    pub signer_email: Option<String>,
    /// When, in UTC (`2026-12-01T10:15:00Z`).
    pub signed_at: String,
    /// The signer's own client address.
    pub client_ip: Option<String>,
    /// The signer's browser (`User-Agent`).
    pub user_agent: Option<String>,
    /// Hex SHA-256 of the exact text shown and signed.
    pub document_sha256: String,
    /// The signing link used.
    pub signing_link_id: Option<String>,
    /// The portal user who signed (or whose link it was).
    pub portal_user_id: Option<String>,
    /// The consent the signer gave, as shown to them.
    pub consent_text: Option<String>,
}

/// A signed contract, ready to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedContract {
    /// Language of the labels.
    pub language: Language,
    /// The contract's id (printed, and the PDF's file id).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its text, exactly as signed.
    pub body: String,
    /// The agency.
    pub agency: String,
    /// The client, when the contract names one.
    pub client: Option<String>,
    /// The signature.
    pub evidence: SignatureEvidence,
}

struct Sheet<'a> {
    c: &'a SignedContract,
    fonts: &'a Fonts,
    nl: bool,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Sheet<'_> {
    fn t(&self, nl: &'static str, en: &'static str) -> &'static str {
        if self.nl { nl } else { en }
    }

    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    /// `s` as one line (nothing is drawn for an empty one).
    fn text(&mut self, x: f32, size: f32, weight: Weight, grey: u8, s: &str) {
        let text = one_line(s);
        if text.is_empty() {
            return;
        }
        let y = self.y;
        self.push(Op::Text {
            x,
            y,
            size,
            weight,
            grey,
            text,
        });
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a page when `height` does not fit on this one; the continuation says whose
    /// contract it is.
    fn room(&mut self, height: f32) {
        if self.y + height <= BOTTOM {
            return;
        }
        self.new_page();
        let head = format!("{} ({})", self.c.title, self.t("vervolg", "continued"));
        self.text(LEFT, BODY, Weight::Bold, 0, &head);
        self.y += 2.0 * LEADING;
    }

    fn header(&mut self) {
        let agency = self.c.agency.clone();
        let x = RIGHT
            - self
                .fonts
                .face(Weight::Bold)
                .width(&one_line(&agency), 11.0);
        self.text(x, 11.0, Weight::Bold, 0, &agency);
        self.y = TOP + 36.0;
        for line in self
            .fonts
            .wrap(&one_line(&self.c.title), 18.0, Weight::Bold, RIGHT - LEFT)
        {
            self.text(LEFT, 18.0, Weight::Bold, 0, &line);
            self.y += 24.0;
        }
        self.y += 6.0;
    }

    /// The contract's text, wrapped, its own line breaks and blank lines kept.
    fn body(&mut self) {
        let lines = self
            .fonts
            .wrap(&self.c.body, BODY + 1.0, Weight::Regular, RIGHT - LEFT);
        for line in lines {
            self.room(LEADING + 1.0);
            self.text(LEFT, BODY + 1.0, Weight::Regular, 0, &line);
            self.y += LEADING + 1.0;
        }
    }

    /// A label and its value, the value wrapped in its column.
    fn fact(&mut self, label: &str, value: &str) {
        const VALUE_X: f32 = LEFT + 110.0;
        let lines = self
            .fonts
            .wrap(&one_line(value), BODY, Weight::Regular, RIGHT - VALUE_X);
        self.room(LEADING * lines.len() as f32);
        self.text(LEFT, BODY, Weight::Regular, GREY, label);
        for line in lines {
            self.text(VALUE_X, BODY, Weight::Regular, 0, &line);
            self.y += LEADING;
        }
        self.y += 3.0;
    }

    fn evidence(&mut self) {
        self.new_page();
        let e = &self.c.evidence;
        let title = self.t("Bewijs van ondertekening", "Signature evidence");
        self.text(LEFT, 16.0, Weight::Bold, 0, title);
        self.y += 28.0;
        let none = self.t("onbekend", "unknown").to_owned();
        let method = match e.method {
            SignatureMethod::Link => self.t(
                "elektronisch, via een ondertekeningslink per e-mail",
                "electronic, through a signing link sent by e-mail",
            ),
            SignatureMethod::Portal => self.t(
                "elektronisch, in het klantportaal",
                "electronic, in the client portal",
            ),
            SignatureMethod::Paper => self.t(
                "op papier (scan geüpload door het bureau)",
                "on paper (scan uploaded by the agency)",
            ),
        };
        let facts: Vec<(&str, String)> = vec![
            (self.t("Contract", "Contract"), self.c.title.clone()),
            (self.t("Contract-id", "Contract id"), self.c.id.clone()),
            (self.t("Bureau", "Agency"), self.c.agency.clone()),
            (
                self.t("Klant", "Client"),
                self.c.client.clone().unwrap_or_else(|| none.clone()),
            ),
            (self.t("Ondertekenaar", "Signer"), e.signer_name.clone()),
            (
                self.t("E-mail ondertekenaar", "Signer's e-mail"),
                e.signer_email.clone().unwrap_or_else(|| none.clone()),
            ),
            (self.t("Tijdstip (UTC)", "Time (UTC)"), e.signed_at.clone()),
            (
                self.t("IP-adres", "IP address"),
                e.client_ip.clone().unwrap_or_else(|| none.clone()),
            ),
            (
                self.t("Browser", "User agent"),
                e.user_agent.clone().unwrap_or_else(|| none.clone()),
            ),
            (
                self.t("SHA-256 van de tekst", "SHA-256 of the text"),
                e.document_sha256.clone(),
            ),
            (self.t("Methode", "Method"), method.to_owned()),
        ];
        for (label, value) in facts {
            self.fact(label, &value);
        }
        if let Some(link) = &e.signing_link_id {
            let label = self.t("Ondertekeningslink", "Signing link");
            self.fact(label, link);
        }
        if let Some(user) = &e.portal_user_id {
            let label = self.t("Portaalgebruiker", "Portal user");
            self.fact(label, user);
        }
        if let Some(consent) = &e.consent_text {
            let label = self.t("Toestemming", "Consent");
            self.fact(label, consent);
        }
        self.y += LEADING;
        let note = self.t(
            "De SHA-256 is berekend over de UTF-8-bytes van de contracttekst precies zoals die aan de ondertekenaar is getoond; dezelfde tekst geeft altijd dezelfde waarde.",
            "The SHA-256 is computed over the UTF-8 bytes of the contract text exactly as shown to the signer; the same text always gives the same value.",
        );
        for line in self.fonts.wrap(note, SMALL, Weight::Regular, RIGHT - LEFT) {
            self.room(LEADING);
            self.text(LEFT, SMALL, Weight::Regular, GREY, &line);
            self.y += LEADING - 2.0;
        }
    }

    fn footers(&mut self) {
        let left = format!(
            "{}  ·  SHA-256 {}",
            one_line(&self.c.agency),
            self.c.evidence.document_sha256
        );
        let language = if self.nl { Language::Nl } else { Language::En };
        page_footers(&mut self.pages, self.fonts, language, &left);
    }
}

/// Renders the signed contract: its text over as many pages as needed, then the evidence page.
pub fn signed_contract_pdf(c: &SignedContract) -> Result<Vec<u8>, DocumentError> {
    let fonts = Fonts::load()?;
    let mut sheet = Sheet {
        c,
        fonts: &fonts,
        nl: c.language == Language::Nl,
        pages: vec![Vec::new()],
        y: TOP,
    };
    sheet.header();
    sheet.body();
    sheet.evidence();
    sheet.footers();
    let mut pdf = PdfDocument::new();
    pdf.set_metadata(
        Metadata::new()
            .title(one_line(&c.title))
            .language(
                match c.language {
                    Language::Nl => "nl",
                    Language::En => "en",
                }
                .to_string(),
            )
            // No clock, no randomness: the same signature gives the same bytes.
            .document_id(format!(
                "contract:{}:{}:{}",
                c.id, c.evidence.document_sha256, c.evidence.signed_at
            )),
    );
    draw(pdf, &sheet.pages, &fonts, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contract(body: String) -> SignedContract {
        SignedContract {
            language: Language::En,
            id: "0193a1b2-0000-7000-8000-000000000001".into(),
            title: "Master services agreement".into(),
            body,
            agency: "Acme Digital B.V.".into(),
            client: Some("Globex".into()),
            evidence: SignatureEvidence {
                method: SignatureMethod::Link,
                signer_name: "Bo Client".into(),
                signer_email: Some("bo@client.example".into()),
                signed_at: "2026-12-01T10:15:00Z".into(),
                client_ip: Some("203.0.113.7".into()),
                user_agent: Some("Mozilla/5.0 (Signer)".into()),
                document_sha256: "ab".repeat(32),
                signing_link_id: Some("4f1c0000-0000-4000-8000-000000000002".into()),
                portal_user_id: None,
                consent_text: Some("I agree to sign electronically.".into()),
            },
        }
    }

    #[test]
    fn a_long_contract_runs_over_pages_and_ends_with_the_evidence() {
        let para = "The supplier builds a website for the client as described in the offer. ";
        let body = (0..60)
            .map(|i| format!("{i}. {}\n\n", para.repeat(3)))
            .collect::<String>();
        let c = contract(body);
        let pdf = signed_contract_pdf(&c).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        assert_eq!(pdf, signed_contract_pdf(&c).unwrap(), "the same bytes");
        let text = silo_testkit::documents::pdf_text(&pdf);
        for needle in [
            "Signature evidence",
            "Bo Client",
            "bo@client.example",
            "203.0.113.7",
            "Mozilla/5.0 (Signer)",
            "2026-12-01T10:15:00Z",
            "4f1c0000-0000-4000-8000-000000000002",
            "Globex",
            "Page 3 of",
        ] {
            assert!(text.contains(needle), "{needle} missing: {text}");
        }
        assert!(text.contains(&"ab".repeat(32)));
        let mut other = c.clone();
        other.evidence.client_ip = Some("198.51.100.1".into());
        assert_ne!(pdf, signed_contract_pdf(&other).unwrap());
    }

    #[test]
    fn dutch_labels() {
        let mut c = contract("Korte tekst.".into());
        c.language = Language::Nl;
        c.evidence.method = SignatureMethod::Portal;
        let text = silo_testkit::documents::pdf_text(&signed_contract_pdf(&c).unwrap());
        assert!(text.contains("Bewijs van ondertekening"), "{text}");
        assert!(text.contains("klantportaal"), "{text}");
        assert!(text.contains("Pagina 2 van 2"), "{text}");
    }
}
