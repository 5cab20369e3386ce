//! Normalising and hashing a person's details the way each platform documents it. An empty
//! value (after normalising) is never hashed and never sent: the hash of an empty string matches
//! nobody and has been sent by other tools for years (PostHog #28294).
//!
//! - Meta Conversions API (customer information parameters): e-mail trimmed and lower-cased;
//!   phone as digits only, with the country code, no `+` and no leading `00`; SHA-256, hex.
//! - Google Ads (enhanced conversions, user identifiers): e-mail trimmed and lower-cased, for
//!   `gmail.com` and `googlemail.com` without the dots and the `+suffix` of the local part;
//!   phone in E.164 (`+` and the digits, 8 to 15 of them); SHA-256, hex.
//!
//! A phone number without a country code (`06 1234 5678`) cannot be put in either form without
//! guessing the country, so it is left out rather than sent wrong.

use sha2::{Digest as _, Sha256};

/// SHA-256 of `text`, lower-case hex.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An e-mail address trimmed and lower-cased; `None` when nothing is left or it has no `@`.
fn basic_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    (email.contains('@') && email.len() > 2).then_some(email)
}

/// The international digits of a phone number written with its country code (`+31 6 ...` or
/// `0031 6 ...`), without a national trunk `(0)`; `None` otherwise.
fn international_digits(raw: &str) -> Option<String> {
    let raw = raw.trim().replace("(0)", "");
    let rest = if let Some(rest) = raw.strip_prefix('+') {
        rest.to_owned()
    } else if let Some(rest) = raw.strip_prefix("00") {
        rest.to_owned()
    } else {
        return None;
    };
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    // E.164: at most 15 digits; fewer than 8 is no full international number.
    (8..=15).contains(&digits.len()).then_some(digits)
}

/// Meta's normalised e-mail address.
pub fn meta_email(raw: &str) -> Option<String> {
    basic_email(raw)
}

/// Meta's normalised phone number: country code and digits, no `+`.
pub fn meta_phone(raw: &str) -> Option<String> {
    international_digits(raw)
}

/// Google's normalised e-mail address.
pub fn google_email(raw: &str) -> Option<String> {
    let email = basic_email(raw)?;
    let (local, domain) = email.rsplit_once('@')?;
    if domain == "gmail.com" || domain == "googlemail.com" {
        let local = local.split('+').next().unwrap_or_default().replace('.', "");
        if local.is_empty() {
            return None;
        }
        return Some(format!("{local}@{domain}"));
    }
    Some(email)
}

/// Google's normalised phone number: E.164, with the `+`.
pub fn google_phone(raw: &str) -> Option<String> {
    international_digits(raw).map(|d| format!("+{d}"))
}

/// The hash of a normalised value; `None` stays `None` (never the hash of nothing).
pub fn hashed(normalised: Option<String>) -> Option<String> {
    normalised.filter(|v| !v.is_empty()).map(|v| sha256_hex(&v))
}

#[cfg(test)]
mod tests {
    use super::*;

    // The normalisation rules of Meta's customer information parameters
    // (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters);
    // the input/hash pairs are the published examples of the same rules in Snap's Conversions
    // API parameters (https://developers.snap.com/api/marketing-api/Conversions-API/Parameters):
    // "Person@Example.com" → 542d2401…3345, "+44 844 412 4653" → 448444124653 → dc008fda….
    #[test]
    fn meta_hashing_matches_the_published_examples() {
        assert_eq!(
            hashed(meta_email(" Person@Example.com ")).as_deref(),
            Some("542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345")
        );
        assert_eq!(
            meta_phone("+44 844 412 4653").as_deref(),
            Some("448444124653")
        );
        assert_eq!(
            hashed(meta_phone("+44 844 412 4653")).as_deref(),
            Some("dc008fda46e2e64002cf2f82a4906236282d431c4f75e5b60bfe79fc48546383")
        );
        // A double 0 in front of the country code is dropped, as is a national (0).
        assert_eq!(
            meta_phone("0044 (0)844 412 4653").as_deref(),
            Some("448444124653")
        );
    }

    // Google Ads API, "Upload Enhanced Conversions For Leads", normalization and hashing
    // (https://developers.google.com/google-ads/api/docs/conversions/upload-identifiers) and
    // the E.164 examples of the Google Ads API team (+12125650000, +442070313000,
    // https://groups.google.com/g/adwords-api/c/GLqSCji7Hx0).
    #[test]
    fn google_hashing_follows_the_documented_rules() {
        assert_eq!(
            google_email(" Jane.Doe+ads@GoogleMail.com").as_deref(),
            Some("janedoe@googlemail.com")
        );
        assert_eq!(
            google_email("Jane.Doe@gmail.com").as_deref(),
            Some("janedoe@gmail.com")
        );
        // Other domains keep their dots and plus parts.
        assert_eq!(
            google_email("jane.doe+x@example.com").as_deref(),
            Some("jane.doe+x@example.com")
        );
        assert_eq!(
            google_phone("+1 212-565-0000").as_deref(),
            Some("+12125650000")
        );
        assert_eq!(
            google_phone("0044 20 7031 3000").as_deref(),
            Some("+442070313000")
        );
        assert_eq!(
            hashed(google_phone("+1 (212) 565 0000")).as_deref(),
            Some("d360a79e746532a6a1e7b8164440b04cdd8797e23126f7a4de7a4b67fdcdba98")
        );
        assert_eq!(
            hashed(google_email("Jane.Doe@gmail.com")).as_deref(),
            Some("d6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69")
        );
    }

    #[test]
    fn empty_or_unusable_values_are_never_hashed() {
        for blank in ["", "   ", "@"] {
            assert_eq!(hashed(meta_email(blank)), None, "{blank:?}");
            assert_eq!(hashed(google_email(blank)), None, "{blank:?}");
        }
        assert_eq!(hashed(google_email("+x@gmail.com")), None);
        // No country code: not guessed.
        assert_eq!(meta_phone("06 1234 5678"), None);
        assert_eq!(google_phone("06 1234 5678"), None);
        assert_eq!(google_phone("+"), None);
        assert_eq!(hashed(None), None);
    }
}
