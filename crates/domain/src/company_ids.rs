//! The numbers a company is known by on its invoices: IBAN, KvK (Dutch Chamber of Commerce)
//! number, VAT id, and its invoice number prefix. Each is a type: holding one means it passed
//! its rule.
//!
//! IBANs, KvK numbers and VAT ids may be sent with spaces or dots between the characters (as
//! they are printed: `NL91 ABNA 0417 1643 00`) and in either case; they are kept without them,
//! upper-cased. Check digits cannot be written as a JSON schema `pattern`, so the schemas of
//! IBANs and VAT ids name a `format` of their own, `iban` and `vat-id`, defined by the rules
//! here (`scripts/schemathesis_hooks.py` has them for tools that read the schema). They carry no
//! pattern of the shape besides: a tool would then draw values from the pattern, whose check
//! digits are wrong.

use schemars::Schema;
use serde_json::json;
use silo_contract::input::{Input, json_schema};
use silo_contract::{Problem, ProblemCode};

/// One separator as sent: a space or a dot.
const SEP: &str = "[ .]*";

fn compact_upper(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '.'))
        .collect::<String>()
        .to_ascii_uppercase()
}

/// `s` read as a number in base 36 (A is 10, ..., Z is 35), modulo 97: the check of IBANs and
/// of Dutch VAT ids (ISO 7064 MOD 97-10).
fn mod97(s: &str) -> Option<u32> {
    let mut rest: u32 = 0;
    for c in s.chars() {
        let v = c.to_digit(36)?;
        rest = if v >= 10 {
            (rest * 100 + v) % 97
        } else {
            (rest * 10 + v) % 97
        };
    }
    Some(rest)
}

macro_rules! string_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// The value as kept.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

string_type!(
    /// An IBAN: two letters, two check digits and 11 to 30 letters or digits, with a valid
    /// MOD 97 check; a Dutch one (`NL`) is 18 long, its bank code four letters and its account
    /// number ten digits.
    Iban
);

impl Iban {
    /// Applies the rule.
    pub fn parse(s: &str) -> Result<Iban, Problem> {
        let not_iban = || Problem::new(ProblemCode::NotIban);
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.'))
        {
            return Err(not_iban());
        }
        let iban = compact_upper(s);
        let b = iban.as_bytes();
        let shaped = (15..=34).contains(&b.len())
            && b[..2].iter().all(u8::is_ascii_uppercase)
            && b[2..4].iter().all(u8::is_ascii_digit);
        let dutch = !iban.starts_with("NL")
            || (b.len() == 18
                && b[4..8].iter().all(u8::is_ascii_uppercase)
                && b[8..].iter().all(u8::is_ascii_digit));
        if !shaped || !dutch {
            return Err(not_iban());
        }
        let rotated: String = iban[4..].chars().chain(iban[..4].chars()).collect();
        match mod97(&rotated) {
            Some(1) => Ok(Iban(iban)),
            _ => Err(not_iban().worded("has a wrong IBAN checksum")),
        }
    }
}

impl Input for Iban {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        Iban::parse(&raw)
    }

    fn schema() -> Schema {
        json_schema(json!({"type": "string", "format": "iban"}))
    }

    silo_contract::empty_means_none!();
}

string_type!(
    /// A Dutch Chamber of Commerce (KvK) number: eight digits.
    KvkNumber
);

impl KvkNumber {
    /// Applies the rule.
    pub fn parse(s: &str) -> Result<KvkNumber, Problem> {
        let kvk = compact_upper(s);
        let ok = s
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.'))
            && kvk.len() == 8;
        if ok {
            Ok(KvkNumber(kvk))
        } else {
            Err(ProblemCode::NotKvk.into())
        }
    }
}

impl Input for KvkNumber {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        KvkNumber::parse(&raw)
    }

    fn schema() -> Schema {
        json_schema(json!({"type": "string", "pattern": format!("^{SEP}([0-9]{SEP}){{8}}$")}))
    }

    silo_contract::empty_means_none!();
}

string_type!(
    /// A VAT identification number: two country letters and 2 to 13 letters or digits. A Dutch
    /// one is `NL`, nine digits, `B` and two digits (not `00`), and passes the Dutch check:
    /// MOD 97 over the whole (sole traders' numbers since 2020) or the eleven-test over the nine
    /// digits (numbers derived from an RSIN).
    VatId
);

/// The eleven-test (elfproef) of a nine-digit Dutch BSN or RSIN.
fn eleven_test(digits: &[u8]) -> bool {
    let sum: i64 = digits
        .iter()
        .take(8)
        .zip((2..=9).rev())
        .map(|(d, w)| i64::from(d - b'0') * w)
        .sum();
    let last = digits.get(8).map_or(0, |d| i64::from(d - b'0'));
    (sum - last) % 11 == 0
}

fn dutch_vat_ok(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 14
        && b[2..11].iter().all(u8::is_ascii_digit)
        && b[11] == b'B'
        && b[12..].iter().all(u8::is_ascii_digit)
        && &v[12..] != "00"
        && (mod97(v) == Some(1) || eleven_test(&b[2..11]))
}

impl VatId {
    /// Applies the rule.
    pub fn parse(s: &str) -> Result<VatId, Problem> {
        let v = compact_upper(s);
        let shaped = s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.'))
            && (4..=15).contains(&v.len())
            && v.bytes().take(2).all(|b| b.is_ascii_uppercase());
        let ok = shaped && (!v.starts_with("NL") || dutch_vat_ok(&v));
        if ok {
            Ok(VatId(v))
        } else {
            Err(ProblemCode::NotVatId.into())
        }
    }
}

impl Input for VatId {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        VatId::parse(&raw)
    }

    fn schema() -> Schema {
        json_schema(json!({"type": "string", "format": "vat-id"}))
    }

    silo_contract::empty_means_none!();
}

string_type!(
    /// Put verbatim before every invoice number: 1 to 12 of letters, digits, `-`, `/`, `_`
    /// and `.`.
    InvoicePrefix
);

/// Most characters of an invoice prefix.
pub const PREFIX_MAX: usize = 12;

impl InvoicePrefix {
    /// Applies the rule.
    pub fn parse(s: &str) -> Result<InvoicePrefix, Problem> {
        let ok = (1..=PREFIX_MAX).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '_' | '.'));
        if ok {
            Ok(InvoicePrefix(s.to_owned()))
        } else {
            Err(ProblemCode::NotInvoicePrefix.into())
        }
    }
}

impl Input for InvoicePrefix {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        InvoicePrefix::parse(&raw)
    }

    fn schema() -> Schema {
        json_schema(json!({
            "type": "string",
            "pattern": format!("^[A-Za-z0-9/_.-]{{1,{PREFIX_MAX}}}$"),
        }))
    }

    silo_contract::empty_means_none!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_are_checked() {
        assert_eq!(
            Iban::parse("nl91 abna 0417 1643 00").map(String::from),
            Ok("NL91ABNA0417164300".into())
        );
        assert_eq!(
            Iban::parse("DE89 3704 0044 0532 0130 00").map(String::from),
            Ok("DE89370400440532013000".into())
        );
        let wrong = Iban::parse("NL92ABNA0417164300").unwrap_err();
        assert_eq!(
            (wrong.code, wrong.message.as_str()),
            (ProblemCode::NotIban, "has a wrong IBAN checksum")
        );
        // A Dutch IBAN has four letters of bank code and ten digits.
        assert!(Iban::parse("NL12ABN10417164300").is_err());
        assert!(Iban::parse("NL91ABNA041716430").is_err());
        for bad in [
            "hello",
            "",
            "NL91-ABNA-0417-1643-00",
            "NL91\tABNA0417164300",
        ] {
            assert!(Iban::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kvk_numbers_are_eight_digits() {
        assert_eq!(
            KvkNumber::parse("1234 5678").map(String::from),
            Ok("12345678".into())
        );
        for bad in ["1234567", "123456789", "1234567a", "", "1234-5678"] {
            assert!(KvkNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dutch_vat_ids_pass_the_dutch_check() {
        // Eleven-test (an RSIN-based number) and MOD 97 (a sole trader's number).
        assert_eq!(
            VatId::parse("nl0044.95.445.B01").map(String::from),
            Ok("NL004495445B01".into())
        );
        assert!(VatId::parse("NL000099998B57").is_ok());
        for bad in [
            "NL123456789B01",
            "NL004495445B00",
            "NL004495445X01",
            "NL04495445B01",
            "NLX",
        ] {
            assert_eq!(
                VatId::parse(bad).unwrap_err().code,
                ProblemCode::NotVatId,
                "{bad}"
            );
        }
        assert_eq!(
            VatId::parse("be 0123 456 789").map(String::from),
            Ok("BE0123456789".into())
        );
        assert!(VatId::parse("B1").is_err() && VatId::parse("1B0123456789").is_err());
    }

    #[test]
    fn invoice_prefixes() {
        assert!(InvoicePrefix::parse("ACME-").is_ok());
        assert!(InvoicePrefix::parse("A/B_C.1").is_ok());
        for bad in ["a b", "", "ABCDEFGHIJKLM", " ACME"] {
            assert_eq!(
                InvoicePrefix::parse(bad).unwrap_err().code,
                ProblemCode::NotInvoicePrefix,
                "{bad}"
            );
        }
    }
}
