//! The person a request is about: the identifiers given, the records they lead to (contacts,
//! portal users, visitors, staff ids), and the query that finds every row of a table that is
//! theirs or mentions them.

use super::registry::{Holding, Holds};
use crate::attribution::report::ReportLanguage;
use crate::error::{DomainError, DomainResult, Problems};
use crate::input::{Choice, Email, Input, NAME_MAX, Name, Optional, Phone, Problem, take};
use schemars::{JsonSchema, Schema};
use serde::Deserialize;
use silo_store::{Row, Sql, Tx, Value};
use uuid::Uuid;

/// Control characters (Cc), as a regex class body (as the text types refuse them).
const CONTROL: &str = r"\x00-\x1f\x7f-\x9f";
/// White space that is not a control character (what trimming removes besides those).
const SPACE: &str = r"\x20\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// Fewest characters of a name searched for: a shorter one would match inside every text.
const MIN_NAME: usize = 3;
/// Fewest digits of a phone number searched for.
const MIN_PHONE_DIGITS: usize = 6;

/// A person's full name as searched for: a name of at least [`MIN_NAME`] characters once
/// trimmed (a shorter one would be found inside every text and erased there).
#[derive(Clone, Debug)]
pub struct SubjectName(String);

impl Input for SubjectName {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        let name = Name::parse(&raw)?;
        if name.as_str().chars().count() < MIN_NAME {
            return Err(Problem::too_short(MIN_NAME));
        }
        Ok(SubjectName(name.into_string()))
    }

    fn schema() -> Schema {
        schemars::json_schema!({
            "type": "string",
            "maxLength": NAME_MAX,
            "pattern": format!("^[{SPACE}]*[^{CONTROL}{SPACE}][^{CONTROL}]+[^{CONTROL}{SPACE}][{SPACE}]*$"),
            "description": "a full name: at least 3 characters, surrounding spaces aside",
        })
    }

    silo_contract::empty_means_none!();
}

/// A phone number as searched for: at least [`MIN_PHONE_DIGITS`] digits; matched on its digits
/// and `+`.
#[derive(Clone, Debug)]
pub struct SubjectPhone(String);

impl Input for SubjectPhone {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        let phone = Phone::parse(&raw)?;
        if phone.as_str().chars().filter(char::is_ascii_digit).count() < MIN_PHONE_DIGITS {
            return Err(Problem::rule("a phone number needs at least 6 digits"));
        }
        Ok(SubjectPhone(phone.into_string()))
    }

    fn schema() -> Schema {
        schemars::json_schema!({
            "type": "string",
            "maxLength": Phone::MAX,
            "pattern": format!("^([^{CONTROL}0-9]*[0-9]){{6}}[^{CONTROL}]*$"),
            "description": "a phone number with at least 6 digits",
        })
    }

    silo_contract::empty_means_none!();
}

/// `POST /api/privacy/report` and `/api/privacy/erasure` body: who the request is about. At
/// least one identifier.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubjectQuery {
    #[serde(default)]
    email: Optional<Email>,
    #[serde(default)]
    phone: Optional<SubjectPhone>,
    #[serde(default)]
    name: Optional<SubjectName>,
    /// The PDF's language, `en` or `nl` (the browser's `Accept-Language` when left out; only
    /// the PDF answer reads it).
    #[serde(default)]
    lang: Optional<Choice<ReportLanguage>>,
}

/// The identifiers of a request, as matched: lower-cased in the ASCII range, as both backends'
/// `LOWER` does.
#[derive(Clone, Debug)]
pub struct Identifiers {
    /// The language asked for the PDF.
    pub lang: Option<ReportLanguage>,
    email: Option<String>,
    /// Digits and `+` only.
    phone_digits: Option<String>,
    /// As entered (trimmed), for texts.
    phone_text: Option<String>,
    name: Option<String>,
}

fn phone_digits(phone: &str) -> String {
    phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect()
}

impl SubjectQuery {
    /// Checks the identifiers: every problem is named per field; nothing given is a problem too.
    pub fn parse(self) -> DomainResult<Identifiers> {
        let mut p = Problems::new();
        let fields = take!(p, self => email, phone, name, lang);
        let (email, phone, name, lang) = p.done(fields)?;
        if email.is_none() && phone.is_none() && name.is_none() {
            return Err(DomainError::invalid(
                "email",
                Problem::rule("give an e-mail address, a phone number or a name"),
            ));
        }
        let phone = phone.map(|SubjectPhone(p)| p);
        Ok(Identifiers {
            lang: lang.map(Choice::get),
            email: email.map(|e| String::from(e).to_ascii_lowercase()),
            phone_digits: phone.as_deref().map(phone_digits),
            phone_text: phone.map(|p| p.to_ascii_lowercase()),
            name: name.map(|SubjectName(n)| n.to_ascii_lowercase()),
        })
    }
}

impl Identifiers {
    /// The e-mail address given, lower-cased.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// The name given, lower-cased in the ASCII range.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Which kinds were given (`email`, `phone`, `name`): what a request's record keeps.
    pub fn kinds(&self) -> Vec<String> {
        [
            ("email", self.email.is_some()),
            ("phone", self.phone_digits.is_some()),
            ("name", self.name.is_some()),
        ]
        .into_iter()
        .filter(|(_, given)| *given)
        .map(|(k, _)| k.to_owned())
        .collect()
    }

    /// The identifiers as given (lower-cased), by kind: the report echoes them to its reader.
    pub(crate) fn given(&self) -> std::collections::BTreeMap<String, String> {
        [
            ("email", &self.email),
            ("phone", &self.phone_text),
            ("name", &self.name),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k.to_owned(), v)))
        .collect()
    }

    /// The strings searched for in texts (and replaced there on erasure), longest first so an
    /// address is replaced before the name inside it.
    pub(crate) fn terms(&self) -> Vec<String> {
        let mut terms: Vec<String> = [&self.email, &self.name, &self.phone_text]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        terms.sort_by_key(|t| std::cmp::Reverse(t.len()));
        terms
    }
}

/// The records the identifiers lead to.
#[derive(Clone, Debug, Default)]
pub(crate) struct Anchors {
    pub contacts: Vec<String>,
    pub portal_users: Vec<String>,
    pub visitors: Vec<String>,
    pub staff: Vec<String>,
}

/// Digits and `+` of a stored phone number, in SQL both backends run.
const PHONE_SQL: &str = "REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE({c}, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', '')";

/// Numbered parameters for an assembled query.
#[derive(Default)]
pub(crate) struct Binds(pub Vec<Value>);

impl Binds {
    pub fn push(&mut self, v: impl Into<Value>) -> String {
        self.0.push(v.into());
        format!("${}", self.0.len())
    }

    fn list(&mut self, ids: &[String]) -> Option<String> {
        if ids.is_empty() {
            return None;
        }
        let marks: Vec<String> = ids.iter().map(|id| self.push(id.clone())).collect();
        Some(format!("({})", marks.join(", ")))
    }
}

/// One row of a table that is the person's or mentions them.
pub(crate) struct Found {
    pub row: Row,
    /// The person's own row (an identifier or a link matched), not only a mention.
    pub own: bool,
    /// A row the law keeps (see [`super::registry::Retained`]).
    pub kept: bool,
}

/// `(identity condition, mention condition)` of a table, `None` where nothing can match.
fn conditions(
    h: &Holding,
    ids: &Identifiers,
    anchors: &Anchors,
    b: &mut Binds,
) -> (Option<String>, Option<String>) {
    let mut own = Vec::new();
    let mut mention = Vec::new();
    let patterns: Vec<String> = ids
        .terms()
        .iter()
        .map(|t| crate::input::like_pattern(t))
        .collect();
    for (col, holds) in h.columns {
        match holds {
            Holds::Email => {
                if let Some(e) = &ids.email {
                    own.push(format!("LOWER({col}) = {}", b.push(e.clone())));
                }
            }
            Holds::Phone => {
                if let Some(p) = &ids.phone_digits {
                    let stored = PHONE_SQL.replace("{c}", col);
                    own.push(format!("{stored} = {}", b.push(p.clone())));
                }
            }
            Holds::Name => {
                if let Some(n) = &ids.name {
                    own.push(format!("LOWER({col}) = {}", b.push(n.clone())));
                }
            }
            Holds::Address | Holds::Online => {}
            Holds::Text | Holds::Authored => {
                for p in &patterns {
                    mention.push(format!(
                        "LOWER({col}) LIKE {} ESCAPE '\\'",
                        b.push(p.clone())
                    ));
                }
            }
            Holds::Contact | Holds::PortalUser | Holds::Visitor | Holds::Staff | Holds::Anyone => {
                let list = match holds {
                    Holds::Contact => anchors.contacts.clone(),
                    Holds::PortalUser => anchors.portal_users.clone(),
                    Holds::Visitor => anchors.visitors.clone(),
                    Holds::Staff => anchors.staff.clone(),
                    _ => [&anchors.contacts, &anchors.portal_users, &anchors.staff]
                        .into_iter()
                        .flatten()
                        .cloned()
                        .collect(),
                };
                if let Some(marks) = b.list(&list) {
                    own.push(format!("{col} IN {marks}"));
                }
            }
        }
    }
    let join =
        |parts: Vec<String>| (!parts.is_empty()).then(|| format!("({})", parts.join(" OR ")));
    (join(own), join(mention))
}

/// Every row of `h`'s table that is the person's or mentions them, with the key and personal
/// columns.
pub(crate) async fn find_rows(
    tx: &mut Tx,
    h: &Holding,
    ids: &Identifiers,
    anchors: &Anchors,
) -> DomainResult<Vec<Found>> {
    let mut b = Binds::default();
    let (own, mention) = conditions(h, ids, anchors, &mut b);
    let own_sql = own.clone().unwrap_or_else(|| "1 = 0".into());
    let filter = match (&own, &mention) {
        (None, None) => return Ok(Vec::new()),
        (Some(o), None) => o.clone(),
        (None, Some(m)) => m.clone(),
        (Some(o), Some(m)) => format!("{o} OR {m}"),
    };
    let mut columns: Vec<&str> = h.key.to_vec();
    for (c, _) in h.columns {
        if !columns.contains(c) {
            columns.push(c);
        }
    }
    let kept = h.retained.map_or("1 = 0", |r| r.when);
    let sql = format!(
        "SELECT {}, CAST(CASE WHEN {own_sql} THEN 1 ELSE 0 END AS BIGINT) AS silo_own, \
         CAST(CASE WHEN {kept} THEN 1 ELSE 0 END AS BIGINT) AS silo_kept \
         FROM {} WHERE {filter} ORDER BY {}",
        columns.join(", "),
        h.table,
        h.key.join(", ")
    );
    let rows = tx.fetch_all(Sql::assembled(sql), &b.0).await?;
    rows.into_iter()
        .map(|row| {
            let own: i64 = row.get("silo_own")?;
            let kept: i64 = row.get("silo_kept")?;
            Ok(Found {
                row,
                own: own == 1,
                kept: kept == 1,
            })
        })
        .collect()
}

async fn ids_of(tx: &mut Tx, sql: String, b: Binds) -> DomainResult<Vec<String>> {
    let rows = tx.fetch_all(Sql::assembled(sql), &b.0).await?;
    rows.iter()
        .map(|r| r.get::<String>("id").map_err(DomainError::from))
        .collect()
}

/// The contacts, portal users and visitors the identifiers lead to; `staff` are the company's
/// people with the e-mail address given (resolved by the caller, who can read the control
/// plane).
pub(crate) async fn anchors(
    tx: &mut Tx,
    ids: &Identifiers,
    staff: &[Uuid],
) -> DomainResult<Anchors> {
    let mut b = Binds::default();
    let mut parts = Vec::new();
    if let Some(e) = &ids.email {
        parts.push(format!("LOWER(email) = {}", b.push(e.clone())));
    }
    if let Some(p) = &ids.phone_digits {
        let stored = PHONE_SQL.replace("{c}", "phone");
        parts.push(format!("{stored} = {}", b.push(p.clone())));
    }
    if let Some(n) = &ids.name {
        parts.push(format!("LOWER(name) = {}", b.push(n.clone())));
    }
    let contacts = ids_of(
        tx,
        format!("SELECT id FROM contacts WHERE {}", parts.join(" OR ")),
        b,
    )
    .await?;
    let mut b = Binds::default();
    let mut parts = Vec::new();
    if let Some(e) = &ids.email {
        parts.push(format!("LOWER(email) = {}", b.push(e.clone())));
    }
    if let Some(n) = &ids.name {
        parts.push(format!("LOWER(name) = {}", b.push(n.clone())));
    }
    if let Some(marks) = b.list(&contacts) {
        parts.push(format!("contact_id IN {marks}"));
    }
    let portal_users = if parts.is_empty() {
        Vec::new()
    } else {
        ids_of(
            tx,
            format!("SELECT id FROM portal_users WHERE {}", parts.join(" OR ")),
            b,
        )
        .await?
    };
    let mut b = Binds::default();
    let visitors = match b.list(&contacts) {
        Some(marks) => {
            ids_of(
                tx,
                format!("SELECT id FROM visitors WHERE contact_id IN {marks}"),
                b,
            )
            .await?
        }
        None => Vec::new(),
    };
    Ok(Anchors {
        contacts,
        portal_users,
        visitors,
        staff: staff.iter().map(Uuid::to_string).collect(),
    })
}

/// `text` with every occurrence of each term replaced by `[erased]`, matched without regard to
/// ASCII case (the terms are lower-cased the same way).
pub(crate) fn redact(text: &str, terms: &[String]) -> String {
    let mut out = text.to_owned();
    for term in terms {
        out = replace_ascii_ci(&out, term, super::ERASED);
    }
    out
}

fn replace_ascii_ci(hay: &str, needle: &str, with: &str) -> String {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() || n.len() > h.len() {
        return hay.to_owned();
    }
    let mut out = String::with_capacity(hay.len());
    let (mut i, mut last) = (0, 0);
    while i + n.len() <= h.len() {
        // A match starts where the needle's first byte does: never inside a UTF-8 sequence,
        // so the slices below fall on character boundaries.
        if h[i..i + n.len()].eq_ignore_ascii_case(n) {
            out.push_str(hay.get(last..i).unwrap_or_default());
            out.push_str(with);
            i += n.len();
            last = i;
        } else {
            i += 1;
        }
    }
    out.push_str(hay.get(last..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_ignores_ascii_case_and_keeps_the_rest() {
        let terms = vec![
            "jan.de.vries@example.nl".to_owned(),
            "jan de vries".to_owned(),
        ];
        assert_eq!(
            redact(
                "Mail Jan.De.Vries@Example.nl or call Jan de Vries (Jörg's)",
                &terms
            ),
            "Mail [erased] or call [erased] (Jörg's)"
        );
        assert_eq!(redact("nothing here", &terms), "nothing here");
        assert_eq!(redact("ö jan de vries ö", &terms), "ö [erased] ö");
    }

    #[test]
    fn phone_digits_keep_plus_and_digits() {
        assert_eq!(phone_digits("+31 (0)6-1234 5678"), "+310612345678");
    }
}
