//! What an invoice needs to know of the two parties on it: countries, Peppol ids, the language
//! documents are written in, and the address parts. Each field type carries its rule.

use schemars::Schema;
use serde_json::json;
use silo_contract::input::{Input, Text, json_schema};
use silo_contract::{Problem, ProblemCode};

/// A street and house number.
pub type Street = Text<200>;
/// A postcode as written in its country.
pub type Postcode = Text<20>;
/// A city.
pub type City = Text<100>;

/// Every ISO 3166-1 alpha-2 code assigned to a country or territory.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI \
    BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY \
    CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN \
    GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH \
    KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO \
    MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL \
    PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV \
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN \
    VU WF WS YE YT ZA ZM ZW";

/// The member states of the European Union, whose businesses receive reverse-charged
/// invoices from a Dutch seller.
const EU_COUNTRIES: &str = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT \
    RO SE SI SK";

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Country([u8; 2]);

impl Country {
    /// The Netherlands.
    pub const NL: Country = Country(*b"NL");

    /// Applies the rule: an assigned code in upper or lower case (`NL`, `nl`), kept upper case.
    pub fn parse(s: &str) -> Result<Country, Problem> {
        let up = s.to_ascii_uppercase();
        let one_case = s == up || s == s.to_ascii_lowercase();
        match up.as_bytes() {
            [a, b] if one_case && COUNTRIES.split_whitespace().any(|c| c == up) => {
                Ok(Country([*a, *b]))
            }
            _ => Err(ProblemCode::NotCountry.into()),
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// Whether it is a member state of the European Union.
    pub fn in_eu(&self) -> bool {
        EU_COUNTRIES.split_whitespace().any(|c| c == self.as_str())
    }
}

impl From<Country> for String {
    fn from(c: Country) -> String {
        c.as_str().to_owned()
    }
}

impl Input for Country {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        Country::parse(&raw)
    }

    fn schema() -> Schema {
        let codes: Vec<String> = COUNTRIES
            .split_whitespace()
            .flat_map(|c| [c.to_owned(), c.to_ascii_lowercase()])
            .collect();
        json_schema(json!({"type": "string", "enum": codes}))
    }

    silo_contract::empty_means_none!();
}

/// A Peppol participant id: the four-digit code of its identifier scheme (ISO 6523 ICD, e.g.
/// `0106` for a KvK number, `9944` for a Dutch VAT number), a colon, and the identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeppolId(String);

impl PeppolId {
    /// Applies the rule.
    pub fn parse(s: &str) -> Result<PeppolId, Problem> {
        let s = s.trim();
        let ok = s.split_once(':').is_some_and(|(scheme, id)| {
            scheme.len() == 4
                && scheme.bytes().all(|b| b.is_ascii_digit())
                && (1..=50).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'@'))
        });
        if ok {
            Ok(PeppolId(s.to_owned()))
        } else {
            Err(ProblemCode::NotPeppolId.into())
        }
    }
}

impl From<PeppolId> for String {
    fn from(v: PeppolId) -> String {
        v.0
    }
}

impl Input for PeppolId {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        PeppolId::parse(&raw)
    }

    fn schema() -> Schema {
        json_schema(
            json!({"type": "string", "pattern": "^\\s*[0-9]{4}:[A-Za-z0-9._@-]{1,50}\\s*$"}),
        )
    }

    silo_contract::empty_means_none!();
}

silo_contract::string_enum! {
    /// The language documents and mail to a client are written in.
    pub enum Language {
        /// Dutch.
        Nl = "nl",
        /// English.
        En = "en",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_assigned_codes() {
        assert_eq!(Country::parse("nl").map(String::from), Ok("NL".into()));
        assert!(Country::parse("DE").is_ok_and(|c| c.in_eu()));
        assert!(Country::parse("GB").is_ok_and(|c| !c.in_eu()));
        assert!(Country::parse("Nl").is_err(), "one case");
        for bad in ["", "N", "NLD", "XX", "1A", "ÑL", " NL"] {
            assert_eq!(
                Country::parse(bad).unwrap_err().code,
                ProblemCode::NotCountry,
                "{bad}"
            );
        }
        for eu in EU_COUNTRIES.split_whitespace() {
            assert!(Country::parse(eu).is_ok(), "{eu}");
        }
    }

    #[test]
    fn peppol_ids_have_a_scheme_and_an_id() {
        assert!(PeppolId::parse("0106:12345678").is_ok());
        assert!(PeppolId::parse("9944:NL004495445B01").is_ok());
        for bad in ["12345678", "106:1", "0106:", "abcd:1", "0106:a b"] {
            assert!(PeppolId::parse(bad).is_err(), "{bad}");
        }
    }
}
