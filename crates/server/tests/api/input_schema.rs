#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! What the OpenAPI document promises about request bodies is what the server does: a value the
//! schema allows is accepted, and a value the schema refuses is refused (a 422 naming the field,
//! or a 400 for a value of the wrong JSON type).
//!
//! - Every request field states its limits (lengths, patterns or formats, ranges, list sizes),
//!   except a short list of free texts the server takes as they come.
//! - At the limits the document states (the longest text, the largest number, the most lines)
//!   the server accepts, and one past them it refuses.
//! - For a corpus of awkward values per field (blank texts, control characters, `-36.0`, dates
//!   like 2026-02-30, amounts with too many decimals, addresses one character too long, ...)
//!   a JSON Schema validator (`jsonschema_rs`, the one Schemathesis uses, run with
//!   `SILO_TEST_PYTHON`) and the server give the same verdict.

use crate::common;

use common::*;
use serde_json::{Map, Value, json};
use std::io::Write;
use std::process::{Command, Stdio};

const CONTACT_EMAIL: &str = "someone@acme.example";

/// `schema` with every `$ref` into the document's components replaced by what it names.
fn resolve(doc: &Value, schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let name = r.rsplit('/').next().unwrap();
                return resolve(doc, &doc["components"]["schemas"][name]);
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), resolve(doc, v)))
                    .collect::<Map<_, _>>(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| resolve(doc, v)).collect()),
        other => other.clone(),
    }
}

/// The request body schema of `method path`; ids in the path match the document's `{id}`.
fn body_schema(doc: &Value, method: &str, path: &str) -> Value {
    let pattern: Vec<&str> = path
        .split('/')
        .map(|seg| {
            if uuid::Uuid::parse_str(seg).is_ok() {
                "{id}"
            } else {
                seg
            }
        })
        .collect();
    let path = pattern.join("/");
    let path = path.as_str();
    let schema =
        &doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"];
    assert!(!schema.is_null(), "{method} {path} has no request body");
    resolve(doc, schema)
}

/// The schema of one field; `field` is `name` or `lines/0/quantity`.
fn field_schema(body: &Value, field: &str) -> Value {
    let mut schema = body.clone();
    for part in field.split('/') {
        schema = if part.parse::<usize>().is_ok() {
            schema["items"].clone()
        } else {
            schema["properties"][part].clone()
        };
    }
    assert!(!schema.is_null(), "no schema for {field}");
    schema
}

/// `body` with `field` set to `value`.
fn with(body: &Value, field: &str, value: Value) -> Value {
    let mut out = body.clone();
    let mut slot = &mut out;
    for part in field.split('/') {
        slot = match part.parse::<usize>() {
            Ok(i) => &mut slot[i],
            Err(_) => &mut slot[part],
        };
    }
    *slot = value;
    out
}

/// The key of a field's problem in a 422: `lines[0].quantity`.
fn problem_key(field: &str) -> String {
    let mut key = String::new();
    for part in field.split('/') {
        match part.parse::<usize>() {
            Ok(i) => key.push_str(&format!("[{i}]")),
            Err(_) if key.is_empty() => key.push_str(part),
            Err(_) => key.push_str(&format!(".{part}")),
        }
    }
    key
}

/// The types a schema allows (`type`, or the types of its `anyOf` branches).
fn types(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match &schema["type"] {
        Value::String(t) => out.push(t.clone()),
        Value::Array(ts) => out.extend(ts.iter().filter_map(|t| t.as_str().map(str::to_owned))),
        _ => {}
    }
    if let Some(any) = schema["anyOf"].as_array() {
        for branch in any {
            out.extend(types(branch));
        }
    }
    out
}

/// Whether a schema (or every non-null branch of it) bounds its strings, numbers or lists.
fn bounded(schema: &Value) -> bool {
    if let Some(any) = schema["anyOf"].as_array() {
        return any
            .iter()
            .filter(|b| b["type"] != "null")
            .all(|b| bounded(b) || b["maxLength"] == 0);
    }
    let ts = types(schema);
    let has = |k: &str| !schema[k].is_null();
    ts.iter().all(|t| match t.as_str() {
        "string" => has("maxLength") || has("pattern") || has("enum") || has("format"),
        "integer" | "number" => has("minimum") && has("maximum"),
        "array" => has("maxItems") && bounded(&schema["items"]),
        "object" => schema["properties"]
            .as_object()
            .is_none_or(|p| p.values().all(bounded)),
        "boolean" | "null" => true,
        _ => false,
    }) && !ts.is_empty()
}

/// Request fields the server takes as any text: secrets and codes it compares, links' tokens,
/// language tags it falls back from, company references it looks up.
const FREE_TEXTS: &[&str] = &[
    "POST /api/signup language",
    "POST /api/auth/verify-email token",
    "POST /api/auth/login password",
    "POST /api/auth/login company",
    "POST /api/auth/login code",
    "POST /api/auth/invite-info token",
    "POST /api/auth/accept-invite token",
    "POST /api/auth/password-reset language",
    "POST /api/auth/password-reset/confirm token",
    "POST /api/auth/password current",
    "POST /api/auth/switch company",
    "POST /api/auth/2fa/setup password",
    "POST /api/auth/2fa/confirm code",
    "POST /api/auth/2fa/disable password",
    "POST /api/auth/2fa/disable code",
    "POST /api/auth/2fa/recovery-codes code",
    "POST /api/members language",
    "DELETE /api/company confirm",
    "DELETE /api/me password",
    "POST /api/sign/view token",
    "POST /api/sign token",
    "POST /api/portal/auth/info key",
    "POST /api/portal/auth/request-link key",
    "POST /api/portal/auth/request-link language",
    "POST /api/portal/auth/link-info token",
    "POST /api/portal/auth/consume token",
];

#[test]
fn every_request_field_states_its_limits() {
    let doc = silo_server::openapi::document();
    let mut unbounded = Vec::new();
    let mut seen_free = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            if schema.is_null() {
                continue;
            }
            let body = resolve(&doc, schema);
            for (field, s) in body["properties"].as_object().into_iter().flatten() {
                let name = format!("{} {path} {field}", method.to_uppercase());
                if FREE_TEXTS.contains(&name.as_str()) {
                    assert!(
                        types(s).iter().all(|t| t == "string" || t == "null"),
                        "{name}: {s}"
                    );
                    seen_free.push(name);
                } else if !bounded(s) {
                    unbounded.push(format!("{name}: {s}"));
                }
            }
        }
    }
    assert!(
        unbounded.is_empty(),
        "request fields without limits:\n{}",
        unbounded.join("\n")
    );
    assert_eq!(
        seen_free.len(),
        FREE_TEXTS.len(),
        "free texts that are no longer in the document: {:?}",
        FREE_TEXTS
            .iter()
            .filter(|f| !seen_free.iter().any(|s| s == *f))
            .collect::<Vec<_>>()
    );
}

/// One request with a field to vary: its method, path and a body the server accepts.
struct Probe {
    method: reqwest::Method,
    path: String,
    body: Value,
    /// Whether each request needs an address of its own (signups and invitations of an
    /// address already asked for answer differently).
    fresh_email: bool,
}

/// An address of `len` characters (at least 70): `a…a@` and labels of at most 63 letters.
fn address(len: usize) -> String {
    let domain_len = 252.min(len - 2);
    let local = "a".repeat(len - 1 - domain_len);
    let mut labels = Vec::new();
    let mut left = domain_len;
    while left > 0 {
        // Each label but the last is followed by a dot.
        let take = if left <= 63 { left } else { 62.min(left - 2) };
        labels.push("b".repeat(take));
        left -= take + usize::from(left > take);
    }
    format!("{local}@{}", labels.join("."))
}

static SERIAL: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// What the server made of one value of one field.
#[derive(Debug, PartialEq)]
enum Verdict {
    Accepted,
    Refused,
}

async fn verdict(
    app: &TestApp,
    token: Option<&str>,
    probe: &Probe,
    field: &str,
    value: &Value,
) -> Verdict {
    let mut body = with(&probe.body, field, value.clone());
    if probe.fresh_email && field != "email" {
        let n = SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        body["email"] = json!(format!("probe{n}@acme.example"));
    }
    let mut req = app
        .client
        .request(probe.method.clone(), format!("{}{}", app.url, probe.path))
        .json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = app.send(req).await;
    match r.status.as_u16() {
        200..=299 => Verdict::Accepted,
        400 => Verdict::Refused,
        422 => {
            let key = problem_key(field);
            let problem = &r.body["error"]["problems"][&key];
            assert!(
                problem.is_object(),
                "{} {} {field} = {value}: a 422 about another field: {}",
                probe.method,
                probe.path,
                r.body
            );
            assert_eq!(
                r.body["error"]["fields"][&key], problem["message"],
                "fields and problems agree"
            );
            // A reference to a row that does not exist passed the field's rule.
            if problem["code"] == "unknown_reference" {
                Verdict::Accepted
            } else {
                Verdict::Refused
            }
        }
        _ => panic!(
            "{} {} {field} = {value}: unexpected {}: {}",
            probe.method, probe.path, r.status, r.body
        ),
    }
}

fn strings(values: &[&str]) -> Vec<Value> {
    values.iter().map(|v| json!(v)).collect()
}

/// Texts that trip up checks of blank, control characters and trimming.
fn awkward_texts(max: usize) -> Vec<Value> {
    let mut v = strings(&[
        "",
        " ",
        "   ",
        "a",
        "  a  ",
        "\t",
        "a\tb",
        "a\nb",
        "a\r\nb",
        "\n",
        "\u{0}",
        "a\u{7f}",
        "\u{85}",
        "\u{a0}",
        "\u{3000}",
        "\u{2028}",
        "\u{feff}",
        "é🙂",
        "Robert'); DROP TABLE contacts;--",
    ]);
    v.extend([
        json!("x".repeat(max)),
        json!("x".repeat(max + 1)),
        json!(format!(" {} ", "x".repeat(max - 2))),
        json!(format!(" {} ", "x".repeat(max - 1))),
        json!("é".repeat(max)),
        Value::Null,
        json!(5),
        json!(true),
        json!(["a"]),
    ]);
    v
}

fn emails() -> Vec<Value> {
    let domain = format!("{0}.{0}.{0}.{1}", "b".repeat(62), "b".repeat(63));
    let mut v = strings(&[
        "new.person@acme.example",
        "Ann.Smith+crm@Acme.Example",
        "!#$%&'*+/=?^_`{|}~-@x.yz",
        "a@1.2",
        "a@b",
        "a..b@acme.example",
        ".a@acme.example",
        "a.@acme.example",
        "a@-b.example",
        "a@b_c.example",
        "ä@b.example",
        "a@bücher.de",
        "\"a b\"@c.example",
        "a@[1.2.3.4]",
        " a@acme.example",
        "a@acme.example ",
        "a b@acme.example",
        "",
        "@",
        "not an email",
    ]);
    v.extend([
        json!(format!("{}@b.example", "x".repeat(64))),
        json!(format!("{}@b.example", "x".repeat(65))),
        json!(format!("a@{domain}")),
        json!(format!("aa@{domain}")),
        json!(format!("a@{}.example", "b".repeat(63))),
        json!(format!("a@{}.example", "b".repeat(64))),
        Value::Null,
        json!(7),
    ]);
    v
}

fn dates() -> Vec<Value> {
    let mut v = strings(&[
        "2026-02-28",
        "2026-02-30",
        "2024-02-29",
        "2100-02-29",
        "0000-01-01",
        "9999-12-31",
        "2026-13-01",
        "2026-1-01",
        " 2026-01-01",
        "2026-01-01 ",
        "+2026-01-01",
        "2026-01-01T00:00:00Z",
        "20260101",
        "",
        "tomorrow",
    ]);
    v.extend([Value::Null, json!(20_260_101)]);
    v
}

fn ids() -> Vec<Value> {
    let mut v = strings(&[
        "0190e4a0-0000-7000-8000-00000000000a",
        "0190E4A0-0000-7000-8000-00000000000A",
        "0190e4a000007000800000000000000a",
        "{0190e4a0-0000-7000-8000-00000000000a}",
        "urn:uuid:0190e4a0-0000-7000-8000-00000000000a",
        "0190e4a0-0000-7000-8000-00000000000g",
        "",
        "x",
    ]);
    v.push(Value::Null);
    v
}

fn whole_numbers(min: i64, max: i64) -> Vec<Value> {
    vec![
        json!(min),
        json!(max),
        json!(min - 1),
        json!(max.saturating_add(1)),
        json!(1),
        json!(36.0),
        json!(-36.0),
        json!(1.5),
        json!(1e3),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!("5"),
        Value::Null,
    ]
}

/// Asks `jsonschema_rs` about every (schema, value); `None` when it is not installed.
fn schema_verdicts(cases: &[(Value, Value)]) -> Option<Vec<bool>> {
    let python = std::env::var("SILO_TEST_PYTHON").ok()?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/input_schema.py");
    let input: Vec<Value> = cases
        .iter()
        .map(|(schema, value)| json!({"schema": schema, "value": value}))
        .collect();
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(json!(input).to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("No module named"),
            "the schema checker failed: {err}"
        );
        eprintln!("input_schema: jsonschema_rs is not installed for SILO_TEST_PYTHON; {err}");
        return None;
    }
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn number(schema: &Value, key: &str) -> i64 {
    schema[key]
        .as_i64()
        .or_else(|| schema["anyOf"][0][key].as_i64())
        .unwrap_or_else(|| panic!("no {key} in {schema}"))
}

async fn schema_and_server_agree() {
    let app = spawn_app().await;
    let (t, company) = app.signup("Acme", "ann@acme.example").await;
    let token = Some(t.as_str());
    // Invitations need seats.
    app.operator_plan(&company, silo_control::Plan::Scale).await;
    let doc = silo_server::openapi::document();
    let post = reqwest::Method::POST;
    let patch = reqwest::Method::PATCH;
    let account = app
        .post("/api/accounts", token, json!({"name": "Base"}))
        .await;
    let account_id = account.body["id"].as_str().unwrap().to_owned();
    // Without VAT, so the largest unit price is also a total that fits (a line's amount and the
    // invoice's total are products and sums of fields, limits no field's schema can state).
    let line = json!({"description": "work", "quantity": 1, "unit_cents": 100, "vat_rate_bp": 0});
    let probe = |method: &reqwest::Method, path: &str, body: Value| Probe {
        method: method.clone(),
        path: path.to_owned(),
        fresh_email: path == "/api/signup" || path == "/api/members",
        body,
    };
    let accounts = probe(&post, "/api/accounts", json!({"name": "Acme"}));
    let account_patch = probe(&patch, &format!("/api/accounts/{account_id}"), json!({}));
    let contacts = probe(
        &post,
        "/api/contacts",
        json!({"name": "Ann", "email": CONTACT_EMAIL}),
    );
    let deals = probe(&post, "/api/deals", json!({"title": "Site"}));
    let invoices = probe(&post, "/api/invoices", json!({"lines": [line]}));
    let contracts = probe(
        &post,
        "/api/contracts",
        json!({"title": "MSA", "body": "Terms"}),
    );
    let invoicing = probe(&patch, "/api/company/invoicing", json!({}));
    let signup = probe(
        &post,
        "/api/signup",
        json!({"company_name": "Beta", "email": "bob@beta.example", "password": PASSWORD}),
    );
    let members = probe(
        &post,
        "/api/members",
        json!({"email": "new@acme.example", "role": "sales"}),
    );

    // The limits the document states, one past them, for representative fields.
    let name_max = number(
        &field_schema(&body_schema(&doc, "post", "/api/accounts"), "name"),
        "maxLength",
    );
    let name_max = usize::try_from(name_max).unwrap();
    let email_max = number(
        &field_schema(&body_schema(&doc, "post", "/api/contacts"), "email"),
        "maxLength",
    );
    let email_max = usize::try_from(email_max).unwrap();
    let cents = field_schema(&body_schema(&doc, "post", "/api/deals"), "value_cents");
    let (cents_min, cents_max) = (number(&cents, "minimum"), number(&cents, "maximum"));
    let quantity = field_schema(
        &body_schema(&doc, "post", "/api/invoices"),
        "lines/0/quantity",
    );
    let quantity_max = number(&quantity, "maximum");
    let lines = field_schema(&body_schema(&doc, "post", "/api/invoices"), "lines");
    let max_lines = usize::try_from(number(&lines, "maxItems")).unwrap();
    let password = field_schema(&body_schema(&doc, "post", "/api/signup"), "password");
    let (pw_min, pw_max) = (
        usize::try_from(number(&password, "minLength")).unwrap(),
        usize::try_from(number(&password, "maxLength")).unwrap(),
    );
    let terms = field_schema(
        &body_schema(&doc, "patch", "/api/company/invoicing"),
        "payment_terms_days",
    );
    let terms_max = number(&terms, "maximum");
    let boundaries: Vec<(&Probe, &str, Value, Verdict)> = vec![
        (
            &accounts,
            "name",
            json!("n".repeat(name_max)),
            Verdict::Accepted,
        ),
        (
            &accounts,
            "name",
            json!("n".repeat(name_max + 1)),
            Verdict::Refused,
        ),
        (
            &account_patch,
            "name",
            json!("n".repeat(name_max)),
            Verdict::Accepted,
        ),
        (
            &account_patch,
            "name",
            json!("n".repeat(name_max + 1)),
            Verdict::Refused,
        ),
        (
            &contacts,
            "email",
            json!(address(email_max)),
            Verdict::Accepted,
        ),
        (
            &contacts,
            "email",
            json!(address(email_max + 1)),
            Verdict::Refused,
        ),
        (&deals, "value_cents", json!(cents_max), Verdict::Accepted),
        (
            &deals,
            "value_cents",
            json!(cents_max + 1),
            Verdict::Refused,
        ),
        (&deals, "value_cents", json!(cents_min), Verdict::Accepted),
        (
            &deals,
            "value_cents",
            json!(cents_min - 1),
            Verdict::Refused,
        ),
        (
            &invoices,
            "lines/0/quantity",
            json!(quantity_max),
            Verdict::Accepted,
        ),
        (
            &invoices,
            "lines/0/quantity",
            json!(quantity_max as f64 + 0.001),
            Verdict::Refused,
        ),
        (
            &invoices,
            "lines",
            json!(vec![line.clone(); max_lines]),
            Verdict::Accepted,
        ),
        (
            &invoices,
            "lines",
            json!(vec![line.clone(); max_lines + 1]),
            Verdict::Refused,
        ),
        (
            &signup,
            "password",
            json!("p".repeat(pw_min)),
            Verdict::Accepted,
        ),
        (
            &signup,
            "password",
            json!("p".repeat(pw_min - 1)),
            Verdict::Refused,
        ),
        (
            &signup,
            "password",
            json!("p".repeat(pw_max)),
            Verdict::Accepted,
        ),
        (
            &signup,
            "password",
            json!("p".repeat(pw_max + 1)),
            Verdict::Refused,
        ),
        (
            &invoicing,
            "payment_terms_days",
            json!(terms_max),
            Verdict::Accepted,
        ),
        (
            &invoicing,
            "payment_terms_days",
            json!(terms_max + 1),
            Verdict::Refused,
        ),
    ];
    for (probe, field, value, want) in &boundaries {
        let got = verdict(&app, token, probe, field, value).await;
        assert_eq!(
            &got, want,
            "{} {} {field} at its limit: {value:.80}",
            probe.method, probe.path
        );
    }

    // A corpus of awkward values per field: the schema validator and the server agree.
    let texts = awkward_texts(name_max);
    let corpus: Vec<(&Probe, &str, Vec<Value>)> = vec![
        (&accounts, "name", texts.clone()),
        (&accounts, "website", awkward_texts(500)),
        (&account_patch, "name", texts.clone()),
        (&account_patch, "website", awkward_texts(500)),
        (&contacts, "email", emails()),
        (&contacts, "account_id", ids()),
        (&contacts, "phone", awkward_texts(50)),
        (&deals, "value_cents", whole_numbers(cents_min, cents_max)),
        (&deals, "expected_close_date", dates()),
        (
            &deals,
            "currency",
            strings(&["EUR", "usd", "EURO", "E1R", " EUR", "€", ""]),
        ),
        (
            &deals,
            "stage",
            strings(&["lead", "won", "LEAD", "closed", ""]),
        ),
        (&invoices, "due_date", dates()),
        (&invoices, "lines/0/description", awkward_texts(1000)),
        (
            &invoices,
            "lines/0/unit_cents",
            whole_numbers(cents_min, cents_max),
        ),
        (&invoices, "lines/0/vat_rate_bp", whole_numbers(0, 10_000)),
        (
            &invoices,
            "lines/0/quantity",
            vec![
                json!(0.001),
                json!(0.0009),
                json!(0.0015),
                json!(1),
                json!(1.5),
                json!(0.3),
                json!(0.1 + 0.2),
                json!(123.456),
                json!(123.4567),
                json!(999_999_999.999),
                json!(1e9),
                json!(1e9 + 1.0),
                json!(0),
                json!(-1),
                json!(-36.0),
                json!("1"),
                Value::Null,
            ],
        ),
        (&contracts, "title", texts.clone()),
        (&contracts, "body", awkward_texts(1000)),
        (
            &invoicing,
            "iban",
            strings(&[
                "NL91ABNA0417164300",
                "nl91 abna 0417 1643 00",
                "NL91.ABNA.0417.1643.00",
                "NL92ABNA0417164300",
                "NL91ABN10417164300",
                "DE89370400440532013000",
                "DE89 3704 0044 0532 0130 00",
                "NL91\tABNA0417164300",
                "NL91-ABNA-0417-1643-00",
                "",
                "hello",
            ]),
        ),
        (
            &invoicing,
            "kvk_number",
            strings(&[
                "12345678",
                "1234 5678",
                "12.34.56.78",
                "1234567",
                "123456789",
                "1234567a",
                "",
            ]),
        ),
        (
            &invoicing,
            "vat_id",
            strings(&[
                "NL004495445B01",
                "nl 0044.95.445 b01",
                "NL000099998B57",
                "NL123456789B01",
                "NL004495445B00",
                "NL004495445X01",
                "BE0123456789",
                "DE123",
                "NLX",
                "1B0123456789",
                "",
            ]),
        ),
        (
            &invoicing,
            "invoice_prefix",
            strings(&[
                "ACME-",
                "A/B_C.1",
                "ABCDEFGHIJKL",
                "ABCDEFGHIJKLM",
                "a b",
                " ACME",
                "",
            ]),
        ),
        (
            &invoicing,
            "payment_terms_days",
            whole_numbers(0, terms_max),
        ),
        (&invoicing, "street", awkward_texts(200)),
        (&invoicing, "city", awkward_texts(100)),
        (
            &signup,
            "company_name",
            strings(&[
                "Beta",
                "a",
                "!!",
                "0190e4a0-0000-7000-8000-00000000000a",
                "",
                "  ",
                "B\u{0}",
            ]),
        ),
        (&signup, "email", emails()),
        (&members, "email", emails()),
        (
            &members,
            "role",
            strings(&["sales", "viewer", "root", "", "Sales"]),
        ),
        (&members, "name", awkward_texts(name_max)),
    ];
    let mut cases = Vec::new();
    for (probe, field, values) in &corpus {
        let schema = field_schema(
            &resolve(
                &doc,
                &body_schema(&doc, &probe.method.as_str().to_lowercase(), &probe.path),
            ),
            field,
        );
        for value in values {
            cases.push(((*probe, *field), schema.clone(), value.clone()));
        }
    }
    let Some(verdicts) = schema_verdicts(
        &cases
            .iter()
            .map(|(_, s, v)| (s.clone(), v.clone()))
            .collect::<Vec<_>>(),
    ) else {
        eprintln!(
            "input_schema: SILO_TEST_PYTHON with jsonschema_rs is needed to compare the schema's verdicts; only the limits were checked"
        );
        return;
    };
    let mut disagreements = Vec::new();
    for (((probe, field), schema, value), schema_valid) in cases.iter().zip(verdicts) {
        let got = verdict(&app, token, probe, field, value).await;
        let want = if schema_valid {
            Verdict::Accepted
        } else {
            Verdict::Refused
        };
        if got != want {
            disagreements.push(format!(
                "{} {} {field} = {:.120}: schema {}, server {got:?} (schema {schema})",
                probe.method,
                probe.path,
                value.to_string(),
                if schema_valid { "allows" } else { "refuses" },
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} values judged differently:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n")
    );
}

silo_testkit::backend_tests!(schema_and_server_agree);
