//! Our own reading of a token's JOSE header, done before jsonwebtoken sees the token.
//!
//! jsonwebtoken accepts any header it can parse (unknown fields, `jku`, embedded `jwk`, ...)
//! and leaves the choice of key to us. We accept exactly the header we issue,
//! `{"alg":"EdDSA","typ":"JWT","kid":"<kid>"}`, in any key order, and nothing else.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::Value;

use crate::TokenError;

/// The only algorithm we sign or verify with.
pub(crate) const ALG: &str = "EdDSA";
/// The only token type we issue.
pub(crate) const TYP: &str = "JWT";

/// Header fields that would let the token choose its own key or processing rules; named in
/// the error so logs say which attack was tried.
const DANGEROUS: [&str; 7] = ["crit", "jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256"];

/// The fields we accept.
const ALLOWED: [&str; 3] = ["alg", "typ", "kid"];

/// A header that passed [`parse`]: EdDSA, typ JWT, and a kid still to be looked up.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) kid: String,
}

/// The strict shape: unknown or duplicate fields and wrong types fail to deserialize.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Strict {
    alg: String,
    typ: Option<String>,
    kid: Option<String>,
}

/// Parses and checks the first segment of a token.
pub(crate) fn parse(segment: &str) -> Result<Header, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| TokenError::Malformed)?;
    // A loose parse first, only to name dangerous or unexpected fields precisely.
    let value: Value =
        serde_json::from_slice(&bytes).map_err(|_| TokenError::BadHeader("not JSON"))?;
    let Value::Object(fields) = value else {
        return Err(TokenError::BadHeader("not a JSON object"));
    };
    if let Some(name) = DANGEROUS.iter().find(|name| fields.contains_key(**name)) {
        return Err(TokenError::BadHeader(name));
    }
    if fields.keys().any(|k| !ALLOWED.contains(&k.as_str())) {
        return Err(TokenError::BadHeader("unexpected field"));
    }
    // The strict parse catches what a map cannot show: a duplicated field (a map keeps the
    // last, and another parser might keep the first) and fields of the wrong type.
    let strict: Strict = serde_json::from_slice(&bytes)
        .map_err(|_| TokenError::BadHeader("duplicate field or wrong type"))?;
    if strict.alg != ALG {
        return Err(TokenError::UnsupportedAlgorithm);
    }
    if strict.typ.as_deref() != Some(TYP) {
        return Err(TokenError::BadHeader("typ"));
    }
    let kid = strict.kid.ok_or(TokenError::BadHeader("missing kid"))?;
    Ok(Header { kid })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn accepts_exactly_our_header_in_any_order() {
        for json in [
            r#"{"alg":"EdDSA","typ":"JWT","kid":"k1"}"#,
            r#"{"kid":"k1","typ":"JWT","alg":"EdDSA"}"#,
            r#" { "typ" : "JWT" , "alg" : "EdDSA" , "kid" : "k1" } "#,
        ] {
            assert_eq!(parse(&enc(json)), Ok(Header { kid: "k1".into() }), "{json}");
        }
    }

    #[test]
    fn refuses_dangerous_and_unknown_fields() {
        let cases = [
            (
                r#"{"alg":"EdDSA","typ":"JWT","kid":"k","crit":["exp"]}"#,
                "crit",
            ),
            (r#"{"alg":"EdDSA","typ":"JWT","kid":"k","crit":[]}"#, "crit"),
            (
                r#"{"alg":"EdDSA","typ":"JWT","kid":"k","jku":"https://evil/jwks"}"#,
                "jku",
            ),
            (
                r#"{"alg":"EdDSA","typ":"JWT","kid":"k","x5u":"https://evil/c"}"#,
                "x5u",
            ),
            (
                r#"{"alg":"EdDSA","typ":"JWT","kid":"k","x5c":["MIIB"]}"#,
                "x5c",
            ),
            (
                r#"{"alg":"EdDSA","typ":"JWT","kid":"k","x5t":"abc"}"#,
                "x5t",
            ),
            (
                r#"{"alg":"EdDSA","typ":"JWT","kid":"k","jwk":{"kty":"OKP","crv":"Ed25519","x":"AA"}}"#,
                "jwk",
            ),
            (
                r#"{"alg":"EdDSA","typ":"JWT","kid":"k","b64":false}"#,
                "unexpected field",
            ),
            (
                r#"{"alg":"EdDSA","typ":"JWT","kid":"k","cty":"JWT"}"#,
                "unexpected field",
            ),
            (
                r#"{"alg":"EdDSA","typ":"JWT","kid":"k","zip":"DEF"}"#,
                "unexpected field",
            ),
            (
                r#"{"alg":"EdDSA","typ":"JWT","kid":"k","enc":"A128GCM"}"#,
                "unexpected field",
            ),
            (
                r#"{"alg":"EdDSA","typ":"JWT","kid":"k","KID":"k"}"#,
                "unexpected field",
            ),
        ];
        for (json, why) in cases {
            assert_eq!(parse(&enc(json)), Err(TokenError::BadHeader(why)), "{json}");
        }
    }

    #[test]
    fn pins_eddsa() {
        for alg in [
            "none", "None", "NONE", "HS256", "HS512", "RS256", "PS256", "ES256", "ES256K", "eddsa",
            "EDDSA", "Ed25519", "Ed448", "", "EdDSA ",
        ] {
            let json = format!(r#"{{"alg":"{alg}","typ":"JWT","kid":"k"}}"#);
            assert_eq!(
                parse(&enc(&json)),
                Err(TokenError::UnsupportedAlgorithm),
                "{alg}"
            );
        }
    }

    #[test]
    fn refuses_duplicates_wrong_types_and_missing_fields() {
        let dup = TokenError::BadHeader("duplicate field or wrong type");
        let cases = [
            (
                r#"{"alg":"none","alg":"EdDSA","typ":"JWT","kid":"k"}"#,
                dup.clone(),
            ),
            (
                r#"{"alg":"EdDSA","typ":"JWT","kid":"a","kid":"b"}"#,
                dup.clone(),
            ),
            (r#"{"alg":["EdDSA"],"typ":"JWT","kid":"k"}"#, dup.clone()),
            (r#"{"alg":null,"typ":"JWT","kid":"k"}"#, dup.clone()),
            (r#"{"alg":"EdDSA","typ":"JWT","kid":7}"#, dup.clone()),
            (
                r#"{"alg":"EdDSA","typ":"JWT","kid":null}"#,
                TokenError::BadHeader("missing kid"),
            ),
            (r#"{"typ":"JWT","kid":"k"}"#, dup),
            (
                r#"{"alg":"EdDSA","typ":"JWT"}"#,
                TokenError::BadHeader("missing kid"),
            ),
            (r#"{"alg":"EdDSA","kid":"k"}"#, TokenError::BadHeader("typ")),
            (
                r#"{"alg":"EdDSA","typ":"at+jwt","kid":"k"}"#,
                TokenError::BadHeader("typ"),
            ),
        ];
        for (json, want) in cases {
            assert_eq!(parse(&enc(json)), Err(want), "{json}");
        }
    }

    #[test]
    fn refuses_non_objects_and_bad_encoding() {
        assert_eq!(
            parse(&enc("[]")),
            Err(TokenError::BadHeader("not a JSON object"))
        );
        assert_eq!(
            parse(&enc(r#""EdDSA""#)),
            Err(TokenError::BadHeader("not a JSON object"))
        );
        assert_eq!(parse(&enc("{")), Err(TokenError::BadHeader("not JSON")));
        assert_eq!(parse(&enc("")), Err(TokenError::BadHeader("not JSON")));
        // Padding, the standard alphabet and stray characters are not base64url-no-pad.
        let good = enc(r#"{"alg":"EdDSA","typ":"JWT","kid":"k1"}"#);
        assert_eq!(parse(&format!("{good}=")), Err(TokenError::Malformed));
        assert_eq!(parse("e30+"), Err(TokenError::Malformed));
        assert_eq!(parse("e30*"), Err(TokenError::Malformed));
    }
}
