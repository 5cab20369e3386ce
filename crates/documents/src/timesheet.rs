//! A client's timesheet over a period as a PDF, to attach to an invoice: every entry (date,
//! person, task, description, hours) grouped by project, a total per project and a grand
//! total. Laid out and drawn like the invoice PDF (A4, DejaVu Sans, the same drawing code), in
//! Dutch or English.

use crate::format::{date, quantity};
use crate::pdf::{
    Align, BODY, BOTTOM, Fonts, GREY, LEADING, LEFT, Op, RIGHT, TOP, Weight, draw, one_line,
    page_footers,
};
use crate::{DocumentError, Language};
use krilla::Document as PdfDocument;
use krilla::metadata::Metadata;

/// One entry as printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimesheetEntry {
    /// The day worked.
    pub date: time::Date,
    /// Who worked.
    pub person: String,
    /// The task, if any.
    pub task: Option<String>,
    /// What was done.
    pub description: Option<String>,
    /// Minutes, as billed.
    pub minutes: i64,
}

/// One project's entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimesheetProject {
    /// The project's name.
    pub name: String,
    /// Its entries, in the order printed.
    pub entries: Vec<TimesheetEntry>,
}

/// A client's timesheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timesheet {
    /// Language of the labels, dates and numbers.
    pub language: Language,
    /// The agency, printed top right and in the footer.
    pub seller: String,
    /// The client.
    pub client: String,
    /// First day of the period.
    pub from: time::Date,
    /// Last day of the period.
    pub to: time::Date,
    /// The projects, in the order printed.
    pub projects: Vec<TimesheetProject>,
}

/// Column edges: date from LEFT, person, task, description, hours right-aligned at RIGHT.
const COL_PERSON: f32 = LEFT + 62.0;
const COL_TASK: f32 = COL_PERSON + 100.0;
const COL_DESC: f32 = COL_TASK + 100.0;
const DESC_END: f32 = RIGHT - 50.0;

/// Hours of `minutes` as printed: `1,5` / `1.5` (to three decimals, trailing zeros dropped).
fn hours(minutes: i64, language: Language) -> String {
    // Thousandths of an hour, rounded half up: 20 minutes prints 0.333.
    let milli = (minutes.saturating_mul(1000) + 30) / 60;
    quantity(milli, language)
}

struct Sheet<'a> {
    ts: &'a Timesheet,
    fonts: &'a Fonts,
    nl: bool,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Sheet<'_> {
    fn t(&self, nl: &'static str, en: &'static str) -> &'static str {
        if self.nl { nl } else { en }
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "a text's place and look, as the invoice PDF's text_grey takes them"
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

    fn rule(&mut self, y: f32) {
        if let Some(page) = self.pages.last_mut() {
            page.push(Op::Rule {
                x1: LEFT,
                x2: RIGHT,
                y,
            });
        }
    }

    /// Text cut to `width` (with an ellipsis) so a column never runs into the next.
    fn fit(&self, s: &str, width: f32) -> String {
        crate::pdf::fit(self.fonts, s, width)
    }

    fn title(&self) -> &'static str {
        self.t("Urenverantwoording", "Timesheet")
    }

    /// Makes room for `height`, starting a page with a short header when the current one is
    /// full; true when it did.
    fn room(&mut self, height: f32) -> bool {
        if self.y + height <= BOTTOM {
            return false;
        }
        self.pages.push(Vec::new());
        self.y = TOP;
        let head = format!(
            "{} {} ({})",
            self.title(),
            self.ts.client,
            self.t("vervolg", "continued")
        );
        self.text(LEFT, self.y, BODY, Weight::Bold, Align::Left, 0, &head);
        let seller = self.ts.seller.clone();
        self.text(
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

    fn header(&mut self) {
        let seller = self.ts.seller.clone();
        self.text(RIGHT, TOP, 11.0, Weight::Bold, Align::Right, 0, &seller);
        self.y = TOP + 36.0;
        let title = self.title();
        self.text(LEFT, self.y, 20.0, Weight::Bold, Align::Left, 0, title);
        self.y += 30.0;
        let lang = self.ts.language;
        let facts = [
            (self.t("Klant", "Client"), self.ts.client.clone()),
            (
                self.t("Periode", "Period"),
                format!("{} – {}", date(self.ts.from, lang), date(self.ts.to, lang)),
            ),
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

    fn table_head(&mut self) {
        let y = self.y;
        let cols = [
            (LEFT, Align::Left, self.t("Datum", "Date")),
            (COL_PERSON, Align::Left, self.t("Medewerker", "Person")),
            (COL_TASK, Align::Left, self.t("Taak", "Task")),
            (COL_DESC, Align::Left, self.t("Omschrijving", "Description")),
            (RIGHT, Align::Right, self.t("Uren", "Hours")),
        ];
        for (x, align, label) in cols {
            self.text(x, y, BODY, Weight::Bold, align, 0, label);
        }
        self.rule(y + 4.0);
        self.y += LEADING + 4.0;
    }

    fn projects(&mut self) {
        let lang = self.ts.language;
        let mut grand = 0_i64;
        if self.ts.projects.is_empty() {
            let none = self.t("Geen uren in deze periode.", "No time in this period.");
            self.text(LEFT, self.y, BODY, Weight::Regular, Align::Left, 0, none);
            self.y += LEADING;
        }
        for project in &self.ts.projects {
            self.room(4.0 * LEADING);
            let name = project.name.clone();
            self.text(LEFT, self.y, 11.0, Weight::Bold, Align::Left, 0, &name);
            self.y += LEADING + 4.0;
            self.table_head();
            let mut total = 0_i64;
            for e in &project.entries {
                if self.room(LEADING) {
                    self.table_head();
                }
                let y = self.y;
                let day = date_short(e.date, lang);
                self.text(LEFT, y, BODY, Weight::Regular, Align::Left, 0, &day);
                let person = self.fit(&e.person, COL_TASK - COL_PERSON - 6.0);
                self.text(
                    COL_PERSON,
                    y,
                    BODY,
                    Weight::Regular,
                    Align::Left,
                    0,
                    &person,
                );
                let task = self.fit(e.task.as_deref().unwrap_or(""), COL_DESC - COL_TASK - 6.0);
                self.text(COL_TASK, y, BODY, Weight::Regular, Align::Left, 0, &task);
                let desc = self.fit(
                    e.description.as_deref().unwrap_or(""),
                    DESC_END - COL_DESC - 6.0,
                );
                self.text(COL_DESC, y, BODY, Weight::Regular, Align::Left, 0, &desc);
                let h = hours(e.minutes, lang);
                self.text(RIGHT, y, BODY, Weight::Regular, Align::Right, 0, &h);
                total = total.saturating_add(e.minutes);
                self.y += LEADING;
            }
            self.room(2.0 * LEADING);
            self.rule(self.y - 8.0);
            let label = format!("{} {}", self.t("Totaal", "Total"), project.name);
            let label = self.fit(&label, DESC_END - LEFT);
            self.text(LEFT, self.y, BODY, Weight::Bold, Align::Left, 0, &label);
            let h = hours(total, lang);
            self.text(RIGHT, self.y, BODY, Weight::Bold, Align::Right, 0, &h);
            self.y += 2.0 * LEADING;
            grand = grand.saturating_add(total);
        }
        self.room(2.0 * LEADING);
        self.rule(self.y - 8.0);
        let label = self.t("Totaal uren", "Total hours");
        self.text(LEFT, self.y, BODY, Weight::Bold, Align::Left, 0, label);
        let h = hours(grand, lang);
        self.text(RIGHT, self.y, BODY, Weight::Bold, Align::Right, 0, &h);
        self.y += LEADING;
    }

    fn footers(&mut self) {
        let seller = one_line(&self.ts.seller);
        let language = if self.nl { Language::Nl } else { Language::En };
        page_footers(&mut self.pages, self.fonts, language, &seller);
    }
}

/// A date in the table: `09-03-2026` in Dutch, `2026-03-09` in English.
fn date_short(d: time::Date, language: Language) -> String {
    let (y, m, day) = (d.year(), u8::from(d.month()), d.day());
    match language {
        Language::Nl => format!("{day:02}-{m:02}-{y:04}"),
        Language::En => format!("{y:04}-{m:02}-{day:02}"),
    }
}

/// Renders the timesheet as a PDF (A4, several pages when the entries need them).
pub fn timesheet_pdf(ts: &Timesheet) -> Result<Vec<u8>, DocumentError> {
    if ts.to < ts.from {
        return Err(DocumentError::Pdf(
            "the period ends before it starts".into(),
        ));
    }
    let fonts = Fonts::load()?;
    let mut sheet = Sheet {
        ts,
        fonts: &fonts,
        nl: ts.language == Language::Nl,
        pages: vec![Vec::new()],
        y: TOP,
    };
    sheet.header();
    sheet.projects();
    sheet.footers();
    let mut pdf = PdfDocument::new();
    pdf.set_metadata(
        Metadata::new()
            .title(format!("{} {}", sheet.title(), one_line(&ts.client)))
            .language(
                match ts.language {
                    Language::Nl => "nl",
                    Language::En => "en",
                }
                .to_string(),
            )
            // No clock, no randomness: the same timesheet gives the same bytes.
            .document_id(format!("timesheet:{}:{}:{}", ts.client, ts.from, ts.to)),
    );
    draw(pdf, &sheet.pages, &fonts, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn hours_print_per_language() {
        assert_eq!(hours(90, Language::Nl), "1,5");
        assert_eq!(hours(90, Language::En), "1.5");
        assert_eq!(hours(20, Language::En), "0.333");
        assert_eq!(hours(0, Language::En), "0");
    }

    #[test]
    fn a_long_timesheet_runs_over_pages_and_prints_its_totals() {
        let entry = |day: u8| TimesheetEntry {
            date: date!(2026 - 03 - 01)
                .replace_day(day)
                .unwrap_or(date!(2026 - 03 - 01)),
            person: "Ann de Vries".into(),
            task: Some("Design".into()),
            description: Some("Home page, second round of changes after the review".into()),
            minutes: 90,
        };
        let ts = Timesheet {
            language: Language::Nl,
            seller: "Acme Digital B.V.".into(),
            client: "Globex".into(),
            from: date!(2026 - 03 - 01),
            to: date!(2026 - 03 - 31),
            projects: vec![TimesheetProject {
                name: "Website".into(),
                entries: (0..120).map(|i| entry(1 + (i % 28) as u8)).collect(),
            }],
        };
        let pdf = timesheet_pdf(&ts).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        assert_eq!(
            pdf,
            timesheet_pdf(&ts).unwrap(),
            "the same bytes every time"
        );
        let text = silo_testkit::documents::pdf_text(&pdf);
        assert!(text.contains("Urenverantwoording"), "{text}");
        assert!(text.contains("Totaal uren"));
        assert!(text.contains("180"), "120 entries of 1.5 hours: {text}");
        assert!(text.contains("Pagina 2 van"));
    }
}
