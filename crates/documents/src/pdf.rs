//! The PDF: laid out into pages of drawing operations first (so the footer can say "page 1 of
//! 3"), then drawn with krilla. Text is set in DejaVu Sans, part of this crate, with glyphs
//! placed one by one from the font's own advances (measured with skrifa, the font reader krilla
//! uses), so a right-aligned amount ends exactly where it should and the output does not depend
//! on the machine.

use krilla::Document as PdfDocument;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::instance::{LocationRef, Size as FontSize};
use skrifa::{FontRef, MetadataProvider};

use crate::format::{amount, country, date, quantity, rate};
use crate::{Category, Document, DocumentError, Kind, Language, due_date, prepaid, vat_breakdown};

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// A4 in points.
pub(crate) const PAGE_W: f32 = 595.28;
pub(crate) const PAGE_H: f32 = 841.89;
pub(crate) const LEFT: f32 = 50.0;
pub(crate) const RIGHT: f32 = PAGE_W - 50.0;
pub(crate) const TOP: f32 = 50.0;
/// Content stops here; the footer lives below.
pub(crate) const BOTTOM: f32 = PAGE_H - 70.0;
pub(crate) const BODY: f32 = 9.0;
pub(crate) const SMALL: f32 = 7.5;
pub(crate) const LEADING: f32 = 12.0;

/// Table columns: description from LEFT to DESC_END, then right edges of the numbers.
const DESC_END: f32 = 262.0;
const COL_QTY: f32 = 308.0;
const COL_PRICE: f32 = 388.0;
const COL_VAT: f32 = 432.0;
const COL_AMOUNT: f32 = RIGHT;
/// Totals block: labels from here, amounts right-aligned at RIGHT.
const TOTALS_LABEL: f32 = 320.0;

pub(crate) const GREY: u8 = 0x55;
pub(crate) const BLACK: u8 = 0x00;

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Align {
    Left,
    Right,
}

pub(crate) enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        grey: u8,
        text: String,
    },
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
    },
    Logo {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
    /// A filled rectangle (a chart's bar), `y` its top edge.
    Bar {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        grey: u8,
    },
}

/// A font: krilla's handle for drawing, skrifa's for measuring.
pub(crate) struct Face {
    font: Font,
    reader: FontRef<'static>,
    units_per_em: f32,
}

impl Face {
    fn load(data: &'static [u8]) -> Result<Face, DocumentError> {
        let font = Font::new(data.into(), 0)
            .ok_or_else(|| DocumentError::Pdf("the bundled font cannot be read".into()))?;
        let reader = FontRef::new(data)
            .map_err(|e| DocumentError::Pdf(format!("the bundled font cannot be read: {e}")))?;
        let units_per_em = f32::from(
            reader
                .metrics(FontSize::unscaled(), LocationRef::default())
                .units_per_em,
        );
        Ok(Face {
            font,
            reader,
            units_per_em,
        })
    }

    /// Glyphs of `text` with advances in em, each mapped to its character (so the text can
    /// be copied and extracted from the PDF).
    fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        let charmap = self.reader.charmap();
        let metrics = self
            .reader
            .glyph_metrics(FontSize::unscaled(), LocationRef::default());
        text.char_indices()
            .map(|(i, c)| {
                let gid = charmap.map(c).unwrap_or_default();
                let advance = metrics.advance_width(gid).unwrap_or(0.0) / self.units_per_em;
                KrillaGlyph::new(
                    GlyphId::new(gid.to_u32()),
                    advance,
                    0.0,
                    0.0,
                    0.0,
                    i..i + c.len_utf8(),
                    None,
                )
            })
            .collect()
    }

    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        self.glyphs(text).iter().map(|g| g.x_advance).sum::<f32>() * size
    }
}

/// Every page's footer: a rule, `left` on the left and "Page i of n" (in `language`) on the
/// right, added to each of `pages`.
pub(crate) fn page_footers(pages: &mut [Vec<Op>], fonts: &Fonts, language: Language, left: &str) {
    let count = pages.len();
    let y = PAGE_H - 40.0;
    let (word, of) = match language {
        Language::Nl => ("Pagina", "van"),
        Language::En => ("Page", "of"),
    };
    for (i, ops) in pages.iter_mut().enumerate() {
        let page = format!("{word} {} {of} {count}", i + 1);
        let x = RIGHT - fonts.face(Weight::Regular).width(&page, SMALL);
        ops.extend([
            Op::Rule {
                x1: LEFT,
                x2: RIGHT,
                y: y - 10.0,
            },
            Op::Text {
                x,
                y,
                size: SMALL,
                weight: Weight::Regular,
                grey: GREY,
                text: page,
            },
            Op::Text {
                x: LEFT,
                y,
                size: SMALL,
                weight: Weight::Regular,
                grey: GREY,
                text: left.to_owned(),
            },
        ]);
    }
}

pub(crate) struct Fonts {
    regular: Face,
    bold: Face,
}

impl Fonts {
    pub(crate) fn face(&self, weight: Weight) -> &Face {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    /// Splits text into lines no wider than `width`: at spaces, at the text's own line
    /// breaks, and inside a word only when the word alone is too wide.
    pub(crate) fn wrap(&self, text: &str, size: f32, weight: Weight, width: f32) -> Vec<String> {
        let face = self.face(weight);
        let mut lines = Vec::new();
        for paragraph in text.lines() {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if face.width(&candidate, size) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // The word alone: break it where it overflows.
                for c in word.chars() {
                    let mut next = line.clone();
                    next.push(c);
                    if !line.is_empty() && face.width(&next, size) > width {
                        lines.push(std::mem::take(&mut line));
                        line.push(c);
                    } else {
                        line = next;
                    }
                }
            }
            lines.push(line);
        }
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        if lines.is_empty() {
            lines.push(String::new());
        }
        lines
    }
}

/// Texts in the document's language.
struct Words {
    nl: bool,
}

impl Words {
    fn t(&self, nl: &'static str, en: &'static str) -> &'static str {
        if self.nl { nl } else { en }
    }
}

struct Layout<'a> {
    doc: &'a Document,
    fonts: &'a Fonts,
    w: Words,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Layout<'_> {
    fn lang(&self) -> Language {
        self.doc.language
    }

    fn money(&self, cents: i64) -> String {
        amount(cents, &self.doc.currency, self.lang())
    }

    /// Amounts as printed: negative on a credit note.
    fn signed(&self, cents: i64) -> String {
        match self.doc.kind {
            Kind::Invoice => self.money(cents),
            Kind::CreditNote => self.money(-cents),
        }
    }

    fn op(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    fn text(&mut self, x: f32, y: f32, size: f32, weight: Weight, align: Align, text: &str) {
        self.text_grey(x, y, size, weight, align, BLACK, text);
    }

    #[allow(clippy::too_many_arguments)]
    fn text_grey(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        align: Align,
        grey: u8,
        text: &str,
    ) {
        // One line of text: line breaks and tabs in a name or address become spaces, other
        // control characters go (the font has no glyph for them).
        let text = one_line(text);
        let text = text.as_str();
        if text.is_empty() {
            return;
        }
        let x = match align {
            Align::Left => x,
            Align::Right => x - self.fonts.face(weight).width(text, size),
        };
        self.op(Op::Text {
            x,
            y,
            size,
            weight,
            grey,
            text: text.to_string(),
        });
    }

    fn rule(&mut self, x1: f32, x2: f32, y: f32) {
        self.op(Op::Rule { x1, x2, y });
    }

    fn title(&self) -> &'static str {
        match self.doc.kind {
            Kind::Invoice => self.w.t("Factuur", "Invoice"),
            Kind::CreditNote => self.w.t("Creditnota", "Credit note"),
        }
    }

    /// Makes room for `height` points, starting a new page (with a short header) when the
    /// current one is full. Returns true when a page was started.
    fn room(&mut self, height: f32) -> bool {
        if self.y + height <= BOTTOM {
            return false;
        }
        self.pages.push(Vec::new());
        self.y = TOP;
        let header = format!(
            "{} {} ({})",
            self.title(),
            self.doc.number,
            self.w.t("vervolg", "continued")
        );
        self.text(LEFT, self.y, BODY, Weight::Bold, Align::Left, &header);
        let seller = self.doc.seller.name.clone();
        self.text_grey(
            RIGHT,
            self.y,
            BODY,
            Weight::Regular,
            Align::Right,
            GREY,
            &seller,
        );
        self.y += 2.0 * LEADING;
        true
    }

    fn header(&mut self, logo: Option<(f32, f32)>) {
        let doc = self.doc;
        let mut logo_bottom = TOP;
        if let Some((w, h)) = logo {
            self.op(Op::Logo {
                x: LEFT,
                y: TOP - 10.0,
                w,
                h,
            });
            logo_bottom = TOP - 10.0 + h;
        }
        // The seller, top right.
        let s = &doc.seller;
        let mut y = TOP;
        self.text(RIGHT, y, 11.0, Weight::Bold, Align::Right, &s.name);
        y += LEADING + 2.0;
        let mut lines = vec![
            s.street.clone(),
            format!("{} {}", s.postcode, s.city).trim().to_string(),
            country(&s.country, self.lang()),
        ];
        if let Some(kvk) = present(&s.kvk_number) {
            lines.push(format!(
                "{} {kvk}",
                self.w.t("KvK", "Chamber of Commerce (KvK)")
            ));
        }
        if let Some(vat) = present(&s.vat_id) {
            lines.push(format!("{} {vat}", self.w.t("Btw-id", "VAT ID")));
        }
        if !doc.seller_iban.trim().is_empty() {
            lines.push(format!("IBAN {}", doc.seller_iban.trim()));
        }
        if let Some(email) = present(&s.email) {
            lines.push(email.to_string());
        }
        for line in lines {
            self.text(RIGHT, y, BODY, Weight::Regular, Align::Right, &line);
            y += LEADING;
        }
        self.y = y.max(logo_bottom) + 24.0;
        let title = self.title();
        self.text(LEFT, self.y, 20.0, Weight::Bold, Align::Left, title);
        self.y += 30.0;

        // The buyer, left; the document's facts, right.
        let top = self.y;
        let b = &doc.buyer;
        let label = match doc.kind {
            Kind::Invoice => self.w.t("Factuur aan", "Bill to"),
            Kind::CreditNote => self.w.t("Creditnota aan", "Credit to"),
        };
        self.text_grey(LEFT, top, SMALL, Weight::Regular, Align::Left, GREY, label);
        let mut y = top + LEADING;
        let name_width = TOTALS_LABEL - LEFT - 20.0;
        let name = b.name.split_whitespace().collect::<Vec<_>>().join(" ");
        for line in self.fonts.wrap(&name, BODY, Weight::Bold, name_width) {
            self.text(LEFT, y, BODY, Weight::Bold, Align::Left, &line);
            y += LEADING;
        }
        let mut lines = vec![
            b.street.clone(),
            format!("{} {}", b.postcode, b.city).trim().to_string(),
            country(&b.country, self.lang()),
        ];
        if let Some(vat) = present(&b.vat_id) {
            lines.push(format!("{} {vat}", self.w.t("Btw-id", "VAT ID")));
        }
        if let Some(kvk) = present(&b.kvk_number) {
            lines.push(format!(
                "{} {kvk}",
                self.w.t("KvK", "Chamber of Commerce (KvK)")
            ));
        }
        for line in lines {
            self.text(LEFT, y, BODY, Weight::Regular, Align::Left, &line);
            y += LEADING;
        }
        let buyer_bottom = y;

        let mut facts: Vec<(&str, String)> = Vec::new();
        match doc.kind {
            Kind::Invoice => {
                facts.push((
                    self.w.t("Factuurnummer", "Invoice number"),
                    doc.number.clone(),
                ));
                facts.push((
                    self.w.t("Factuurdatum", "Invoice date"),
                    date(doc.issue_date, self.lang()),
                ));
            }
            Kind::CreditNote => {
                facts.push((
                    self.w.t("Creditnotanummer", "Credit note number"),
                    doc.number.clone(),
                ));
                facts.push((
                    self.w.t("Datum creditnota", "Credit note date"),
                    date(doc.issue_date, self.lang()),
                ));
                if let Some((number, issued)) = &doc.credited_invoice {
                    facts.push((
                        self.w.t("Betreft factuur", "Credits invoice"),
                        number.clone(),
                    ));
                    facts.push((
                        self.w.t("Factuurdatum", "Invoice date"),
                        date(*issued, self.lang()),
                    ));
                }
            }
        }
        if let Some(supply) = doc.supply_date {
            facts.push((
                self.w.t("Leveringsdatum", "Supply date"),
                date(supply, self.lang()),
            ));
        }
        if doc.kind == Kind::Invoice {
            facts.push((
                self.w.t("Vervaldatum", "Due date"),
                date(due_date(doc), self.lang()),
            ));
            let days = doc.payment_terms_days;
            let term = if self.w.nl {
                format!("{days} dagen")
            } else if days == 1 {
                "1 day".to_string()
            } else {
                format!("{days} days")
            };
            facts.push((self.w.t("Betalingstermijn", "Payment terms"), term));
        }
        if !doc.payment_reference.trim().is_empty() {
            facts.push((
                self.w.t("Betalingskenmerk", "Payment reference"),
                doc.payment_reference.trim().to_string(),
            ));
        }
        let mut y = top;
        for (label, value) in facts {
            self.text_grey(
                TOTALS_LABEL,
                y,
                BODY,
                Weight::Regular,
                Align::Left,
                GREY,
                label,
            );
            self.text(RIGHT, y, BODY, Weight::Regular, Align::Right, &value);
            y += LEADING;
        }
        self.y = y.max(buyer_bottom) + 12.0;

        if let Some(reason) = doc
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            let text = format!("{}: {reason}", self.w.t("Reden", "Reason"));
            self.paragraph(&text, Weight::Regular);
        }
        self.y += 6.0;
    }

    fn paragraph(&mut self, text: &str, weight: Weight) {
        for line in self.fonts.wrap(text, BODY, weight, RIGHT - LEFT) {
            self.room(LEADING);
            self.text(LEFT, self.y, BODY, weight, Align::Left, &line);
            self.y += LEADING;
        }
    }

    fn table_head(&mut self) {
        let y = self.y;
        let cols = [
            (LEFT, Align::Left, self.w.t("Omschrijving", "Description")),
            (COL_QTY, Align::Right, self.w.t("Aantal", "Quantity")),
            (
                COL_PRICE,
                Align::Right,
                self.w.t("Prijs per stuk", "Unit price"),
            ),
            (COL_VAT, Align::Right, self.w.t("Btw", "VAT")),
            (
                COL_AMOUNT,
                Align::Right,
                self.w.t("Bedrag excl. btw", "Amount excl. VAT"),
            ),
        ];
        for (x, align, label) in cols {
            self.text(x, y, BODY, Weight::Bold, align, label);
        }
        self.rule(LEFT, RIGHT, y + 4.0);
        self.y += LEADING + 4.0;
    }

    fn lines(&mut self) {
        self.room(3.0 * LEADING);
        self.table_head();
        let doc = self.doc;
        for line in &doc.lines {
            let wrapped =
                self.fonts
                    .wrap(&line.description, BODY, Weight::Regular, DESC_END - LEFT);
            let mut first = true;
            for (i, text) in wrapped.iter().enumerate() {
                if self.room(LEADING + 4.0) {
                    self.table_head();
                }
                let y = self.y;
                self.text(LEFT, y, BODY, Weight::Regular, Align::Left, text);
                if first {
                    // Reverse charge: 0 % here; the breakdown and the note below say why.
                    let rate_text = rate(line.vat_rate_bp, self.lang());
                    let cells = [
                        (COL_QTY, quantity(line.quantity_milli, self.lang())),
                        (COL_PRICE, self.signed(line.unit_cents)),
                        (COL_VAT, rate_text),
                        (COL_AMOUNT, self.signed(line.net_cents)),
                    ];
                    for (x, value) in cells {
                        self.text(x, y, BODY, Weight::Regular, Align::Right, &value);
                    }
                    first = false;
                }
                self.y += LEADING;
                if i + 1 == wrapped.len() {
                    self.y += 3.0;
                }
            }
        }
        self.rule(LEFT, RIGHT, self.y - 6.0);
        self.y += 8.0;
    }

    /// The VAT breakdown (rate, taxable amount, VAT) on the left, totals on the right.
    fn totals(&mut self) {
        let doc = self.doc;
        let rows = vat_breakdown(doc);
        let paid = prepaid(doc);
        let total_lines = 3 + usize::from(paid > 0) + usize::from(doc.kind == Kind::Invoice);
        let height = (rows.len() + 2).max(total_lines) as f32 * LEADING + 8.0;
        self.room(height);
        let top = self.y;

        // VAT per rate.
        let (c_rate, c_base, c_vat) = (LEFT, 215.0, 290.0);
        self.text(
            c_rate,
            top,
            BODY,
            Weight::Bold,
            Align::Left,
            self.w.t("Btw-tarief", "VAT rate"),
        );
        self.text(
            c_base,
            top,
            BODY,
            Weight::Bold,
            Align::Right,
            self.w.t("Grondslag", "Taxable amount"),
        );
        self.text(
            c_vat,
            top,
            BODY,
            Weight::Bold,
            Align::Right,
            self.w.t("Btw", "VAT"),
        );
        let mut y = top + LEADING;
        for row in &rows {
            let label = match row.category {
                Category::S => rate(row.rate_bp, self.lang()),
                Category::Z => format!(
                    "{} ({})",
                    rate(0, self.lang()),
                    self.w.t("nultarief", "zero rated")
                ),
                Category::Ae => self.w.t("btw verlegd", "VAT reverse charged").to_string(),
            };
            self.text(c_rate, y, BODY, Weight::Regular, Align::Left, &label);
            let base = self.signed(row.taxable_cents);
            self.text(c_base, y, BODY, Weight::Regular, Align::Right, &base);
            let vat = self.signed(row.vat_cents);
            self.text(c_vat, y, BODY, Weight::Regular, Align::Right, &vat);
            y += LEADING;
        }
        let left_bottom = y;

        // Totals.
        let mut y = top;
        let mut rows_out: Vec<(&str, String, Weight)> = vec![
            (
                self.w.t("Subtotaal excl. btw", "Subtotal excl. VAT"),
                self.signed(doc.subtotal_cents),
                Weight::Regular,
            ),
            (
                self.w.t("Btw", "VAT"),
                self.signed(doc.vat_cents),
                Weight::Regular,
            ),
            (
                self.w.t("Totaal incl. btw", "Total incl. VAT"),
                self.signed(doc.total_cents),
                Weight::Bold,
            ),
        ];
        if paid > 0 {
            rows_out.push((
                self.w.t("Reeds betaald", "Already paid"),
                self.money(-paid),
                Weight::Regular,
            ));
        }
        if doc.kind == Kind::Invoice {
            rows_out.push((
                self.w.t("Te betalen", "Amount due"),
                self.money(doc.total_cents - paid),
                Weight::Bold,
            ));
        }
        for (i, (label, value, weight)) in rows_out.into_iter().enumerate() {
            if i == 2 {
                self.rule(TOTALS_LABEL, RIGHT, y - 9.0);
            }
            self.text(TOTALS_LABEL, y, BODY, weight, Align::Left, label);
            self.text(RIGHT, y, BODY, weight, Align::Right, &value);
            y += LEADING;
        }
        self.y = y.max(left_bottom) + 14.0;
    }

    fn closing(&mut self) {
        let doc = self.doc;
        if doc.reverse_charge {
            self.room(3.0 * LEADING);
            let head = self.w.t("Btw verlegd", "VAT reverse charged");
            self.paragraph(head, Weight::Bold);
            let buyer_vat = present(&doc.buyer.vat_id).unwrap_or("-");
            let text = if self.w.nl {
                format!(
                    "De btw is verlegd naar de afnemer (intracommunautaire dienst, art. 196 Btw-richtlijn 2006/112/EG). Btw-id afnemer: {buyer_vat}."
                )
            } else {
                format!(
                    "Reverse charge: the customer accounts for the VAT (intra-Community supply, Article 196 of Council Directive 2006/112/EC). Customer VAT ID: {buyer_vat}."
                )
            };
            self.paragraph(&text, Weight::Regular);
            self.y += 6.0;
        }
        let iban = doc.seller_iban.trim();
        let reference = doc.payment_reference.trim();
        match doc.kind {
            Kind::Invoice => {
                let due = doc.total_cents - prepaid(doc);
                if due > 0 {
                    let when = date(due_date(doc), self.lang());
                    let money = self.money(due);
                    let seller = &doc.seller.name;
                    let text = if self.w.nl {
                        format!(
                            "Gelieve {money} uiterlijk {when} over te maken op IBAN {iban} ten name van {seller}, onder vermelding van betalingskenmerk {reference}."
                        )
                    } else {
                        format!(
                            "Please pay {money} by {when} to IBAN {iban} in the name of {seller}, quoting payment reference {reference}."
                        )
                    };
                    self.paragraph(&text, Weight::Regular);
                    self.y += 6.0;
                }
            }
            Kind::CreditNote => {
                let money = self.money(doc.total_cents);
                let text = if self.w.nl {
                    format!(
                        "Het bedrag van {money} wordt verrekend met de openstaande factuur of aan u terugbetaald."
                    )
                } else {
                    format!(
                        "The amount of {money} is set off against the open invoice or refunded to you."
                    )
                };
                self.paragraph(&text, Weight::Regular);
                self.y += 6.0;
            }
        }
        if let Some(notes) = doc
            .notes
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            self.paragraph(notes, Weight::Regular);
        }
    }

    /// Footer on every page: the seller's registration details and the page number.
    fn footers(&mut self) {
        let doc = self.doc;
        let s = &doc.seller;
        let mut parts = vec![s.name.clone()];
        if let Some(kvk) = present(&s.kvk_number) {
            parts.push(format!("KvK {kvk}"));
        }
        if let Some(vat) = present(&s.vat_id) {
            parts.push(format!("{} {vat}", self.w.t("Btw-id", "VAT ID")));
        }
        if !doc.seller_iban.trim().is_empty() {
            parts.push(format!("IBAN {}", doc.seller_iban.trim()));
        }
        let left = parts.join("  ·  ");
        let count = self.pages.len();
        let y = PAGE_H - 40.0;
        for i in 0..count {
            let page = format!(
                "{} {} {} {}",
                self.w.t("Pagina", "Page"),
                i + 1,
                self.w.t("van", "of"),
                count
            );
            let right_x = RIGHT - self.fonts.regular.width(&page, SMALL);
            let mut ops = vec![
                Op::Rule {
                    x1: LEFT,
                    x2: RIGHT,
                    y: y - 10.0,
                },
                Op::Text {
                    x: right_x,
                    y,
                    size: SMALL,
                    weight: Weight::Regular,
                    grey: GREY,
                    text: page,
                },
            ];
            let max = right_x - LEFT - 12.0;
            let mut left_text = left.clone();
            while !left_text.is_empty() && self.fonts.regular.width(&left_text, SMALL) > max {
                left_text.pop();
            }
            ops.push(Op::Text {
                x: LEFT,
                y,
                size: SMALL,
                weight: Weight::Regular,
                grey: GREY,
                text: left_text,
            });
            self.pages[i].extend(ops);
        }
    }
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The logo as a krilla image and its printed size (at most 170 × 60 pt, aspect kept).
fn logo(doc: &Document) -> Result<Option<(Image, f32, f32)>, DocumentError> {
    logo_image(doc.logo.as_ref())
}

/// The logo as an image with its printed width and height (at most 170 by 60 points, its
/// proportions kept).
pub(crate) fn logo_image(
    logo: Option<&crate::Logo>,
) -> Result<Option<(Image, f32, f32)>, DocumentError> {
    let Some(logo) = logo else {
        return Ok(None);
    };
    let bytes = logo.bytes.clone();
    let image = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Image::from_png(bytes.into(), true)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Image::from_jpeg(bytes.into(), true)
    } else {
        return Err(DocumentError::Logo("not a PNG or JPEG file".into()));
    }
    .map_err(DocumentError::Logo)?;
    let (pw, ph) = image.size();
    if pw == 0 || ph == 0 {
        return Err(DocumentError::Logo("the image is empty".into()));
    }
    let (max_w, max_h) = (170.0_f32, 60.0_f32);
    let scale = (max_w / pw as f32).min(max_h / ph as f32);
    Ok(Some((image, pw as f32 * scale, ph as f32 * scale)))
}

impl Fonts {
    /// The bundled faces.
    pub(crate) fn load() -> Result<Fonts, DocumentError> {
        Ok(Fonts {
            regular: Face::load(REGULAR)?,
            bold: Face::load(BOLD)?,
        })
    }
}

/// One line of `s` in the regular body face, cut to `width` (with an ellipsis) so a table
/// column never runs into the next.
pub(crate) fn fit(fonts: &Fonts, s: &str, width: f32) -> String {
    let face = fonts.face(Weight::Regular);
    let mut text = one_line(s);
    if face.width(&text, BODY) <= width {
        return text;
    }
    while !text.is_empty() && face.width(&format!("{text}…"), BODY) > width {
        text.pop();
    }
    format!("{}…", text.trim_end())
}

/// One line of text as printed: line breaks and tabs become spaces, other control characters
/// go (the font has no glyph for them), and the ends are trimmed.
pub(crate) fn one_line(text: &str) -> String {
    let text: String = text
        .chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    text.trim().to_string()
}

pub(crate) fn render(doc: &Document) -> Result<Vec<u8>, DocumentError> {
    let fonts = Fonts::load()?;
    let logo = logo(doc)?;
    let mut layout = Layout {
        doc,
        fonts: &fonts,
        w: Words {
            nl: doc.language == Language::Nl,
        },
        pages: vec![Vec::new()],
        y: TOP,
    };
    layout.header(logo.as_ref().map(|(_, w, h)| (*w, *h)));
    layout.lines();
    layout.totals();
    layout.closing();
    layout.footers();

    let mut pdf = PdfDocument::new();
    let title = format!("{} {}", layout.title(), doc.number);
    pdf.set_metadata(
        Metadata::new()
            .title(title)
            .language(
                match doc.language {
                    Language::Nl => "nl",
                    Language::En => "en",
                }
                .to_string(),
            )
            // The file id is a hash of this (no clock, no randomness): the same document
            // always gives the same bytes.
            .document_id(format!("{:?}:{}", doc.kind, doc.number)),
    );
    draw(
        pdf,
        &layout.pages,
        &fonts,
        logo.as_ref().map(|(image, _, _)| image),
    )
}

/// Draws laid-out pages into `pdf` (its metadata set) and finishes it.
pub(crate) fn draw(
    mut pdf: PdfDocument,
    pages: &[Vec<Op>],
    fonts: &Fonts,
    logo: Option<&Image>,
) -> Result<Vec<u8>, DocumentError> {
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| DocumentError::Pdf("page size".into()))?;
    for ops in pages {
        let mut page = pdf.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    weight,
                    grey,
                    text,
                } => {
                    surface.set_fill(Some(Fill {
                        paint: rgb::Color::new(*grey, *grey, *grey).into(),
                        ..Fill::default()
                    }));
                    let face = fonts.face(*weight);
                    let glyphs = face.glyphs(text);
                    surface.draw_glyphs(
                        Point::from_xy(*x, *y),
                        &glyphs,
                        face.font.clone(),
                        text,
                        *size,
                        false,
                    );
                }
                Op::Rule { x1, x2, y } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(*x1, *y);
                    pb.line_to(*x2, *y);
                    if let Some(path) = pb.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: rgb::Color::new(0xAA, 0xAA, 0xAA).into(),
                            width: 0.6,
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
                Op::Logo { x, y, w, h } => {
                    if let (Some(image), Some(size)) = (logo, Size::from_wh(*w, *h)) {
                        surface.push_transform(&Transform::from_translate(*x, *y));
                        surface.draw_image(image.clone(), size);
                        surface.pop();
                    }
                }
                Op::Bar { x, y, w, h, grey } => {
                    let mut pb = PathBuilder::new();
                    if let Some(rect) = krilla::geom::Rect::from_xywh(*x, *y, *w, *h) {
                        pb.push_rect(rect);
                    }
                    if let Some(path) = pb.finish() {
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill {
                            paint: rgb::Color::new(*grey, *grey, *grey).into(),
                            ..Fill::default()
                        }));
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    pdf.finish()
        .map_err(|e| DocumentError::Pdf(format!("{e:?}")))
}
