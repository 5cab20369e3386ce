//! The claims we put in a token and the strict reading of them.
//!
//! Strict means: the payload must be a JSON object (serde's derived structs would also accept a
//! positional array); `sub`, `jti`, `company_id` and `sid` must be UUIDs in canonical lowercase
//! hyphenated form; times must be non-negative integers; a known claim must not appear twice.
//! Unknown claims are ignored, as RFC 7519 asks, since only we issue tokens.

use std::fmt;

use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use crate::TokenError;

/// The claims of a token, as issued and as read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Claims {
    pub(crate) iss: String,
    pub(crate) aud: String,
    pub(crate) sub: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) company_id: Option<Uuid>,
    pub(crate) iat: u64,
    pub(crate) nbf: u64,
    pub(crate) exp: u64,
    pub(crate) jti: Uuid,
    /// The browser session the token was issued for; the request path refuses the token once
    /// that session has ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sid: Option<Uuid>,
}

/// The derived reading; only reached through [`ObjectOnly`], so only from a JSON object.
#[derive(Deserialize)]
struct Raw {
    iss: String,
    aud: String,
    #[serde(deserialize_with = "canonical_uuid")]
    sub: Uuid,
    // Absent means identity-only; `null` is refused like any other non-string.
    #[serde(default, deserialize_with = "some_canonical_uuid")]
    company_id: Option<Uuid>,
    iat: u64,
    nbf: u64,
    exp: u64,
    #[serde(deserialize_with = "canonical_uuid")]
    jti: Uuid,
    // Absent: a token of no browser session; `null` is refused like any other non-string.
    #[serde(default, deserialize_with = "some_canonical_uuid")]
    sid: Option<Uuid>,
}

impl<'de> Deserialize<'de> for Claims {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ObjectOnly)
    }
}

struct ObjectOnly;

impl<'de> Visitor<'de> for ObjectOnly {
    type Value = Claims;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Claims, A::Error> {
        let raw = Raw::deserialize(MapAccessDeserializer::new(map))?;
        Ok(Claims {
            iss: raw.iss,
            aud: raw.aud,
            sub: raw.sub,
            company_id: raw.company_id,
            iat: raw.iat,
            nbf: raw.nbf,
            exp: raw.exp,
            jti: raw.jti,
            sid: raw.sid,
        })
    }
}

fn canonical_uuid<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Uuid, D::Error> {
    let text = String::deserialize(deserializer)?;
    // `Uuid::parse_str` also takes braced, URN and unhyphenated forms; one spelling per id
    // keeps logs, audit records and comparisons of the raw claim unambiguous.
    match Uuid::try_parse(&text) {
        Ok(id) if id.hyphenated().to_string() == text => Ok(id),
        _ => Err(serde::de::Error::custom(
            "expected a UUID in lowercase hyphenated form",
        )),
    }
}

fn some_canonical_uuid<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Uuid>, D::Error> {
    canonical_uuid(deserializer).map(Some)
}

impl Claims {
    /// Our own checks after jsonwebtoken's, so the promises hold whatever its defaults become:
    /// issuer, audience, and the time window with `leeway` seconds either side of `now`.
    pub(crate) fn check(
        &self,
        issuer: &str,
        audience: &str,
        now: u64,
        leeway: u64,
    ) -> Result<(), TokenError> {
        if self.iss != issuer {
            return Err(TokenError::WrongIssuer);
        }
        if self.aud != audience {
            return Err(TokenError::WrongAudience);
        }
        for (name, value) in [("iat", self.iat), ("nbf", self.nbf), ("exp", self.exp)] {
            if i64::try_from(value).is_err() {
                return Err(TokenError::BadClaims(format!("{name} out of range")));
            }
        }
        if self.nbf > self.exp || self.iat > self.exp {
            return Err(TokenError::BadClaims("iat or nbf after exp".into()));
        }
        if self.exp.saturating_add(leeway) < now {
            return Err(TokenError::Expired);
        }
        let horizon = now.saturating_add(leeway);
        if self.nbf > horizon || self.iat > horizon {
            return Err(TokenError::NotYetValid);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const ID: &str = "0192f0c1-7a52-7cc3-9c38-4d5e4b7b1a01";
    const COMPANY: &str = "0192f0c1-7a52-7cc3-9c38-4d5e4b7b1a02";
    const JTI: &str = "6f1e6f9e-4a4b-4c71-9d1e-55a1d2b3c4d5";
    const SID: &str = "0192f0c1-7a52-7cc3-9c38-4d5e4b7b1a03";

    fn good() -> Value {
        json!({
            "iss": "silo", "aud": "silo-api", "sub": ID, "company_id": COMPANY,
            "iat": 1_000, "nbf": 1_000, "exp": 1_900, "jti": JTI, "sid": SID,
        })
    }

    fn with(key: &str, value: Value) -> Value {
        let mut claims = good();
        claims[key] = value;
        claims
    }

    fn without(key: &str) -> Value {
        let mut claims = good();
        claims.as_object_mut().expect("object").remove(key);
        claims
    }

    fn read(value: &Value) -> Result<Claims, serde_json::Error> {
        serde_json::from_slice(&serde_json::to_vec(value).expect("json"))
    }

    #[test]
    fn reads_good_claims_and_identity_only_claims() {
        let claims = read(&good()).expect("good claims");
        assert_eq!(claims.sub.to_string(), ID);
        assert_eq!(
            claims.company_id.map(|c| c.to_string()).as_deref(),
            Some(COMPANY)
        );
        assert_eq!(
            read(&without("company_id")).expect("no company").company_id,
            None
        );
        assert!(read(&with("extra", json!({"anything": 1}))).is_ok());
        assert_eq!(claims.sid.map(|s| s.to_string()).as_deref(), Some(SID));
        assert_eq!(read(&without("sid")).expect("no session").sid, None);
    }

    #[test]
    fn round_trips_through_serialize() {
        let claims = read(&good()).expect("good");
        let text = serde_json::to_string(&claims).expect("serialize");
        assert_eq!(
            read(&serde_json::from_str(&text).expect("json")).expect("again"),
            claims
        );
        let identity_only = Claims {
            company_id: None,
            sid: None,
            ..claims
        };
        let text = serde_json::to_string(&identity_only).expect("serialize");
        assert!(!text.contains("company_id"), "{text}");
        assert!(!text.contains("sid"), "{text}");
    }

    #[test]
    fn refuses_wrong_claim_types() {
        let cases = [
            with("sub", json!("alice")),
            with("sub", json!("")),
            with("sub", json!(12)),
            with("sub", json!(ID.to_uppercase())),
            with("sub", json!(ID.replace('-', ""))),
            with("sub", json!(format!("{{{ID}}}"))),
            with("sub", json!(format!("urn:uuid:{ID}"))),
            with("company_id", json!(42)),
            with("company_id", json!([COMPANY])),
            with("company_id", json!({"id": COMPANY})),
            with("company_id", json!("")),
            with("company_id", json!("acme")),
            with("company_id", json!(null)),
            with("company_id", json!(true)),
            with("jti", json!("not-a-uuid")),
            with("sid", json!(null)),
            with("sid", json!("session")),
            with("sid", json!(SID.to_uppercase())),
            with("sid", json!(7)),
            with("exp", json!("1900")),
            with("exp", json!(1900.5)),
            with("exp", json!(1.9e3)),
            with("exp", json!(-1)),
            with("nbf", json!(null)),
            with("iat", json!([1000])),
            with("iss", json!(["silo"])),
            with("aud", json!(["silo-api"])),
            with("aud", json!(null)),
        ];
        for claims in cases {
            assert!(read(&claims).is_err(), "accepted {claims}");
        }
    }

    #[test]
    fn requires_every_claim_but_company_and_session() {
        for key in ["iss", "aud", "sub", "iat", "nbf", "exp", "jti"] {
            assert!(read(&without(key)).is_err(), "accepted without {key}");
        }
    }

    #[test]
    fn refuses_duplicate_claims_and_non_objects() {
        let dup_company = format!(
            r#"{{"iss":"silo","aud":"silo-api","sub":"{ID}","company_id":"{COMPANY}","company_id":"{ID}","iat":1,"nbf":1,"exp":2,"jti":"{JTI}"}}"#
        );
        let dup_sub = dup_company.replacen(
            &format!(r#","company_id":"{ID}""#),
            &format!(r#","sub":"{ID}""#),
            1,
        );
        for text in [dup_company.as_str(), dup_sub.as_str()] {
            let err = serde_json::from_str::<Claims>(text).expect_err(text);
            assert!(err.to_string().contains("duplicate field"), "{err}");
        }
        // A derived struct would take this positional array for the claims in field order.
        let positional = format!(r#"["silo","silo-api","{ID}","{COMPANY}",1,1,2,"{JTI}"]"#);
        assert!(serde_json::from_str::<Claims>(&positional).is_err());
        assert!(serde_json::from_str::<Claims>("null").is_err());
    }

    #[test]
    fn checks_issuer_audience_and_time_window_with_leeway() {
        let claims = read(&good()).expect("good"); // iat = nbf = 1000, exp = 1900
        let check = |iss: &str, aud: &str, now: u64| claims.check(iss, aud, now, 5);
        assert_eq!(check("silo", "silo-api", 1_000), Ok(()));
        assert_eq!(
            check("other", "silo-api", 1_000),
            Err(TokenError::WrongIssuer)
        );
        assert_eq!(
            check("silo", "other", 1_000),
            Err(TokenError::WrongAudience)
        );
        assert_eq!(check("silo", "silo-api", 1_905), Ok(()));
        assert_eq!(check("silo", "silo-api", 1_906), Err(TokenError::Expired));
        assert_eq!(check("silo", "silo-api", 995), Ok(()));
        assert_eq!(check("silo", "silo-api", 994), Err(TokenError::NotYetValid));
    }

    #[test]
    fn refuses_inconsistent_or_huge_times() {
        let claims = read(&good()).expect("good");
        let later_nbf = Claims {
            nbf: 2_000,
            ..claims.clone()
        };
        assert!(matches!(
            later_nbf.check("silo", "silo-api", 1_000, 5),
            Err(TokenError::BadClaims(_))
        ));
        let future_iat = Claims {
            iat: 1_500,
            nbf: 900,
            ..claims.clone()
        };
        assert_eq!(
            future_iat.check("silo", "silo-api", 1_000, 5),
            Err(TokenError::NotYetValid)
        );
        let huge = Claims {
            exp: u64::MAX,
            ..claims
        };
        assert!(matches!(
            huge.check("silo", "silo-api", 1_000, 5),
            Err(TokenError::BadClaims(_))
        ));
    }
}
