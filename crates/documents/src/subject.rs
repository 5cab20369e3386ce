//! The report of what a company holds about one person (an access request, AVG art. 15) as a
//! PDF for that person: the agency's name, the identifiers searched for, then per kind of record
//! each row's fields, wrapped over as many lines and pages as they need. Laid out and drawn like
//! the other PDFs (A4, DejaVu Sans), in Dutch or English.

use crate::DocumentError;
use crate::Language;
use crate::pdf::{
    BODY, BOTTOM, Fonts, GREY, LEADING, LEFT, Op, RIGHT, SMALL, TOP, Weight, draw, one_line,
    page_footers,
};
use krilla::Document as PdfDocument;
use krilla::metadata::Metadata;

/// One record as printed: its fields as (name, value) pairs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectRecord {
    /// A line above the fields (the record's key, and whether it only mentions the person).
    pub heading: String,
    /// The fields.
    pub fields: Vec<(String, String)>,
}

/// One kind of record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectSection {
    /// What the records are (in the report's language).
    pub title: String,
    /// A note under the title (what erasure would keep and why), if any.
    pub note: Option<String>,
    /// The records.
    pub records: Vec<SubjectRecord>,
}

/// The report as printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectReportPdf {
    /// Language of the labels.
    pub language: Language,
    /// The agency (the controller), top right and in the footer.
    pub agency: String,
    /// When the report was made, as printed.
    pub generated_at: String,
    /// The request's id.
    pub request_id: String,
    /// The identifiers searched for: (kind, value).
    pub identified_by: Vec<(String, String)>,
    /// One section per kind of record with rows.
    pub sections: Vec<SubjectSection>,
}

/// Where the values start.
const VALUE_X: f32 = LEFT + 130.0;

struct Sheet<'a> {
    report: &'a SubjectReportPdf,
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

    fn text(&mut self, x: f32, size: f32, weight: Weight, grey: u8, s: &str) {
        let text = one_line(s);
        if text.is_empty() {
            return;
        }
        let y = self.y;
        if let Some(page) = self.pages.last_mut() {
            page.push(Op::Text {
                x,
                y,
                size,
                weight,
                grey,
                text,
            });
        }
    }

    fn room(&mut self, height: f32) {
        if self.y + height <= BOTTOM {
            return;
        }
        self.pages.push(Vec::new());
        self.y = TOP;
        let head = format!(
            "{} ({})",
            self.t("Overzicht van persoonsgegevens", "Report of personal data"),
            self.t("vervolg", "continued")
        );
        self.text(LEFT, BODY, Weight::Bold, 0, &head);
        self.y += 2.0 * LEADING;
    }

    fn header(&mut self) {
        let agency = self.report.agency.clone();
        let width = self
            .fonts
            .face(Weight::Bold)
            .width(&one_line(&agency), 11.0);
        self.y = TOP;
        self.text(RIGHT - width, 11.0, Weight::Bold, 0, &agency);
        self.y = TOP + 36.0;
        let title = self.t("Overzicht van persoonsgegevens", "Report of personal data");
        self.text(LEFT, 20.0, Weight::Bold, 0, title);
        self.y += 30.0;
        let mut facts = vec![
            (
                self.t("Opgesteld", "Made").to_owned(),
                self.report.generated_at.clone(),
            ),
            (
                self.t("Verzoek", "Request").to_owned(),
                self.report.request_id.clone(),
            ),
        ];
        facts.extend(self.report.identified_by.iter().cloned());
        for (label, value) in facts {
            self.text(LEFT, BODY, Weight::Regular, GREY, &label);
            self.text(VALUE_X, BODY, Weight::Regular, 0, &value);
            self.y += LEADING;
        }
        self.y += LEADING;
        if self.report.sections.is_empty() {
            let none = self.t(
                "Er is niets over deze persoon gevonden.",
                "Nothing was found about this person.",
            );
            self.text(LEFT, BODY, Weight::Regular, 0, none);
            self.y += LEADING;
        }
    }

    fn section(&mut self, s: &SubjectSection) {
        self.room(4.0 * LEADING);
        self.y += LEADING / 2.0;
        let title = format!("{} ({})", s.title, s.records.len());
        self.text(LEFT, 11.0, Weight::Bold, 0, &title);
        self.y += LEADING + 2.0;
        if let Some(note) = &s.note {
            for line in self.fonts.wrap(note, SMALL, Weight::Regular, RIGHT - LEFT) {
                self.room(LEADING);
                self.text(LEFT, SMALL, Weight::Regular, GREY, &line);
                self.y += LEADING;
            }
        }
        for record in &s.records {
            self.room(2.0 * LEADING);
            self.text(LEFT, BODY, Weight::Bold, GREY, &record.heading);
            self.y += LEADING;
            for (name, value) in &record.fields {
                let lines = self
                    .fonts
                    .wrap(value, BODY, Weight::Regular, RIGHT - VALUE_X);
                self.room(LEADING);
                self.text(LEFT + 10.0, BODY, Weight::Regular, GREY, name);
                if lines.is_empty() {
                    self.y += LEADING;
                }
                for line in lines {
                    self.room(LEADING);
                    self.text(VALUE_X, BODY, Weight::Regular, 0, &line);
                    self.y += LEADING;
                }
            }
            self.y += LEADING / 2.0;
        }
    }
}

/// Renders the report as a PDF (A4, as many pages as its records need).
pub fn subject_report_pdf(report: &SubjectReportPdf) -> Result<Vec<u8>, DocumentError> {
    let fonts = Fonts::load()?;
    let mut sheet = Sheet {
        report,
        fonts: &fonts,
        pages: vec![Vec::new()],
        y: TOP,
    };
    sheet.header();
    for s in &report.sections {
        sheet.section(s);
    }
    let footer = one_line(&report.agency);
    page_footers(&mut sheet.pages, &fonts, report.language, &footer);
    let mut pdf = PdfDocument::new();
    pdf.set_metadata(
        Metadata::new()
            .title(
                sheet
                    .t("Overzicht van persoonsgegevens", "Report of personal data")
                    .to_owned(),
            )
            .language(
                match report.language {
                    Language::Nl => "nl",
                    Language::En => "en",
                }
                .to_string(),
            )
            .document_id(format!("subject-report:{}", report.request_id)),
    );
    draw(pdf, &sheet.pages, &fonts, None)
}
