//! The attribution report as a white-label PDF for the agency's client: the agency's logo and
//! name (no Silo mark), the period and model, per currency a bar chart of paid revenue by
//! source and the table with its total and the finance report's total beside it. Laid out and
//! drawn like the other PDFs (A4, DejaVu Sans, the same drawing code), in Dutch or English.

use crate::format::amount;
use crate::pdf::{
    Align, BODY, BOTTOM, Fonts, GREY, LEADING, LEFT, Op, RIGHT, TOP, Weight, draw, logo_image,
    one_line, page_footers,
};
use crate::{DocumentError, Language, Logo};
use krilla::Document as PdfDocument;
use krilla::metadata::Metadata;

/// One row as printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributionRow {
    /// What the row stands for: `source / medium / campaign`, or the words for unattributed and
    /// no consent (the caller words it in the report's language).
    pub label: String,
    /// Whether it is one of the closing rows (unattributed, no consent): printed in grey.
    pub fixed: bool,
    /// Paid in cents.
    pub paid_cents: i64,
    /// How many payments.
    pub payments: i64,
}

/// One currency's part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributionCurrency {
    /// ISO 4217 code.
    pub currency: String,
    /// The rows, in the order printed.
    pub rows: Vec<AttributionRow>,
    /// The rows' sum.
    pub total_cents: i64,
    /// The finance report's paid total.
    pub finance_paid_cents: i64,
}

/// The report as printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributionReportPdf {
    /// Language of the labels and amounts.
    pub language: Language,
    /// The agency, printed top right and in the footer.
    pub agency: String,
    /// The agency's logo, top left.
    pub logo: Option<Logo>,
    /// First month, `YYYY-MM`.
    pub from: String,
    /// Last month, `YYYY-MM`.
    pub to: String,
    /// First touch (`true`) or last touch.
    pub first_touch: bool,
    /// One part per currency.
    pub currencies: Vec<AttributionCurrency>,
}

/// Where the bars start and how wide the widest one is.
const BAR_LEFT: f32 = LEFT + 190.0;
const BAR_MAX: f32 = RIGHT - 90.0 - BAR_LEFT;
/// The payments column's right edge.
const COL_PAYMENTS: f32 = RIGHT - 110.0;
/// The darkest grey of a bar; fixed rows are lighter.
const BAR_GREY: u8 = 0x44;
const BAR_GREY_FIXED: u8 = 0xAA;

struct Sheet<'a> {
    report: &'a AttributionReportPdf,
    fonts: &'a Fonts,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Sheet<'_> {
    fn t(&self, nl: &'static str, en: &'static str) -> &'static str {
        match self.report.language {
            Language::Nl => nl,
            Language::En => en,
        }
    }

    fn op(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "a text's place and look, as the other PDFs' text helpers take them"
    )]
    fn text(&mut self, x: f32, y: f32, size: f32, weight: Weight, align: Align, grey: u8, s: &str) {
        let text = one_line(s);
        if text.is_empty() {
            return;
        }
        let x = match align {
            Align::Left => x,
            Align::Right => x - self.fonts.face(weight).width(&text, size),
        };
        self.op(Op::Text {
            x,
            y,
            size,
            weight,
            grey,
            text,
        });
    }

    fn rule(&mut self, y: f32) {
        self.op(Op::Rule {
            x1: LEFT,
            x2: RIGHT,
            y,
        });
    }

    /// Text cut to `width` (with an ellipsis) so a column never runs into the next.
    fn fit(&self, s: &str, width: f32) -> String {
        crate::pdf::fit(self.fonts, s, width)
    }

    fn title(&self) -> &'static str {
        self.t("Omzet per herkomst", "Revenue by source")
    }

    /// Makes room for `height`, starting a page with a short header when the current one is
    /// full.
    fn room(&mut self, height: f32) {
        if self.y + height <= BOTTOM {
            return;
        }
        self.pages.push(Vec::new());
        self.y = TOP;
        let head = format!("{} ({})", self.title(), self.t("vervolg", "continued"));
        self.text(LEFT, self.y, BODY, Weight::Bold, Align::Left, 0, &head);
        let agency = self.report.agency.clone();
        self.text(
            RIGHT,
            self.y,
            BODY,
            Weight::Regular,
            Align::Right,
            GREY,
            &agency,
        );
        self.y += 2.0 * LEADING;
    }

    fn header(&mut self, logo: Option<(f32, f32)>) {
        let mut top = TOP;
        if let Some((w, h)) = logo {
            self.op(Op::Logo {
                x: LEFT,
                y: TOP - 10.0,
                w,
                h,
            });
            top = top.max(TOP - 10.0 + h);
        }
        let agency = self.report.agency.clone();
        self.text(RIGHT, TOP, 11.0, Weight::Bold, Align::Right, 0, &agency);
        self.y = top + 36.0;
        let title = self.title();
        self.text(LEFT, self.y, 20.0, Weight::Bold, Align::Left, 0, title);
        self.y += 30.0;
        let model = if self.report.first_touch {
            self.t("Eerste contact", "First touch")
        } else {
            self.t("Laatste contact", "Last touch")
        };
        let facts = [
            (
                self.t("Periode", "Period"),
                format!("{} – {}", self.report.from, self.report.to),
            ),
            (self.t("Model", "Model"), model.to_owned()),
        ];
        for (label, value) in facts {
            self.text(
                LEFT,
                self.y,
                BODY,
                Weight::Regular,
                Align::Left,
                GREY,
                label,
            );
            self.text(
                LEFT + 80.0,
                self.y,
                BODY,
                Weight::Regular,
                Align::Left,
                0,
                &value,
            );
            self.y += LEADING;
        }
        self.y += 18.0;
    }

    /// A horizontal bar per row with an amount, scaled to the largest.
    fn chart(&mut self, c: &AttributionCurrency) {
        let lang = self.report.language;
        let max = c.rows.iter().map(|r| r.paid_cents).max().unwrap_or(0);
        if max <= 0 {
            return;
        }
        for row in c.rows.iter().filter(|r| r.paid_cents > 0) {
            self.room(LEADING + 2.0);
            let label = self.fit(&row.label, BAR_LEFT - LEFT - 8.0);
            let grey = if row.fixed { GREY } else { 0 };
            self.text(
                LEFT,
                self.y,
                BODY,
                Weight::Regular,
                Align::Left,
                grey,
                &label,
            );
            // Float division only for the drawing: the amounts printed stay whole cents.
            let share = row.paid_cents as f32 / max as f32;
            let w = (BAR_MAX * share).max(1.0);
            self.op(Op::Bar {
                x: BAR_LEFT,
                y: self.y - 8.0,
                w,
                h: 9.0,
                grey: if row.fixed { BAR_GREY_FIXED } else { BAR_GREY },
            });
            let money = amount(row.paid_cents, &c.currency, lang);
            self.text(
                RIGHT,
                self.y,
                BODY,
                Weight::Regular,
                Align::Right,
                0,
                &money,
            );
            self.y += LEADING + 2.0;
        }
        self.y += LEADING;
    }

    fn table(&mut self, c: &AttributionCurrency) {
        let lang = self.report.language;
        self.room(3.0 * LEADING);
        let y = self.y;
        let cols = [
            (LEFT, Align::Left, self.t("Herkomst", "Source")),
            (COL_PAYMENTS, Align::Right, self.t("Betalingen", "Payments")),
            (RIGHT, Align::Right, self.t("Betaald", "Paid")),
        ];
        for (x, align, label) in cols {
            self.text(x, y, BODY, Weight::Bold, align, 0, label);
        }
        self.rule(y + 4.0);
        self.y += LEADING + 4.0;
        for row in &c.rows {
            self.room(LEADING);
            let y = self.y;
            let grey = if row.fixed { GREY } else { 0 };
            let label = self.fit(&row.label, COL_PAYMENTS - LEFT - 60.0);
            self.text(LEFT, y, BODY, Weight::Regular, Align::Left, grey, &label);
            let count = row.payments.to_string();
            self.text(
                COL_PAYMENTS,
                y,
                BODY,
                Weight::Regular,
                Align::Right,
                0,
                &count,
            );
            let money = amount(row.paid_cents, &c.currency, lang);
            self.text(RIGHT, y, BODY, Weight::Regular, Align::Right, 0, &money);
            self.y += LEADING;
        }
        self.room(3.0 * LEADING);
        self.rule(self.y - 8.0);
        let total = self.t("Totaal", "Total");
        self.text(LEFT, self.y, BODY, Weight::Bold, Align::Left, 0, total);
        let money = amount(c.total_cents, &c.currency, lang);
        self.text(RIGHT, self.y, BODY, Weight::Bold, Align::Right, 0, &money);
        self.y += LEADING;
        let finance = self.t(
            "Ontvangen volgens de omzetrapportage",
            "Paid according to the revenue report",
        );
        self.text(
            LEFT,
            self.y,
            BODY,
            Weight::Regular,
            Align::Left,
            GREY,
            finance,
        );
        let money = amount(c.finance_paid_cents, &c.currency, lang);
        self.text(
            RIGHT,
            self.y,
            BODY,
            Weight::Regular,
            Align::Right,
            GREY,
            &money,
        );
        self.y += 2.0 * LEADING;
    }

    fn body(&mut self) {
        let report = self.report;
        if report.currencies.is_empty() {
            let none = self.t(
                "Geen betalingen in deze periode.",
                "No payments in this period.",
            );
            self.text(LEFT, self.y, BODY, Weight::Regular, Align::Left, 0, none);
            self.y += LEADING;
        }
        for c in &report.currencies {
            self.room(4.0 * LEADING);
            self.text(
                LEFT,
                self.y,
                11.0,
                Weight::Bold,
                Align::Left,
                0,
                &c.currency,
            );
            self.y += LEADING + 6.0;
            self.chart(c);
            self.table(c);
        }
    }
}

/// Renders the report as a PDF (A4, several pages when the rows need them).
pub fn attribution_report_pdf(report: &AttributionReportPdf) -> Result<Vec<u8>, DocumentError> {
    let fonts = Fonts::load()?;
    let logo = logo_image(report.logo.as_ref())?;
    let mut sheet = Sheet {
        report,
        fonts: &fonts,
        pages: vec![Vec::new()],
        y: TOP,
    };
    sheet.header(logo.as_ref().map(|(_, w, h)| (*w, *h)));
    sheet.body();
    let agency = one_line(&report.agency);
    page_footers(&mut sheet.pages, &fonts, report.language, &agency);
    let mut pdf = PdfDocument::new();
    pdf.set_metadata(
        Metadata::new()
            .title(format!("{} {}", sheet.title(), one_line(&report.agency)))
            .language(
                match report.language {
                    Language::Nl => "nl",
                    Language::En => "en",
                }
                .to_string(),
            )
            // No clock, no randomness: the same report gives the same bytes.
            .document_id(format!(
                "attribution:{}:{}:{}:{}",
                report.agency, report.from, report.to, report.first_touch
            )),
    );
    draw(
        pdf,
        &sheet.pages,
        &fonts,
        logo.as_ref().map(|(image, _, _)| image),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(language: Language) -> AttributionReportPdf {
        let row = |label: &str, fixed, paid_cents| AttributionRow {
            label: label.into(),
            fixed,
            paid_cents,
            payments: 1,
        };
        AttributionReportPdf {
            language,
            agency: "Acme Digital B.V.".into(),
            logo: None,
            from: "2026-01".into(),
            to: "2026-03".into(),
            first_touch: false,
            currencies: vec![AttributionCurrency {
                currency: "EUR".into(),
                rows: vec![
                    row("google / cpc / spring", false, 123_456),
                    row("Niet toegeschreven", true, 10_000),
                    row("Geen toestemming", true, 0),
                ],
                total_cents: 133_456,
                finance_paid_cents: 133_456,
            }],
        }
    }

    #[test]
    fn the_report_prints_its_rows_and_totals_in_its_language() {
        let pdf = attribution_report_pdf(&report(Language::Nl)).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        assert_eq!(pdf, attribution_report_pdf(&report(Language::Nl)).unwrap());
        let text = silo_testkit::documents::pdf_text(&pdf);
        assert!(text.contains("Omzet per herkomst"), "{text}");
        assert!(text.contains("Acme Digital B.V."));
        assert!(text.contains("€ 1.334,56"), "{text}");
        assert!(text.contains("google / cpc / spring"));
        let en = silo_testkit::documents::pdf_text(
            &attribution_report_pdf(&report(Language::En)).unwrap(),
        );
        assert!(
            en.contains("Revenue by source") && en.contains("€1,334.56"),
            "{en}"
        );
    }
}
