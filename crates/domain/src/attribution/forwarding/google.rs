//! The Google Ads request: `POST {base}/{version}/customers/{customer_id}:uploadClickConversions`
//! (offline click conversions, with enhanced-conversion user identifiers), at most
//! [`MAX_CONVERSIONS`] each, `partialFailure` on (the API requires it) and `validateOnly` in
//! test mode. `orderId` is the conversion's order id (the invoice number for invoices), which
//! Google deduplicates on. Headers: `developer-token`, a bearer access token and, through a
//! manager account, `login-customer-id`.
//! <https://developers.google.com/google-ads/api/docs/conversions/upload-clicks>

use super::hashing::{google_email, google_phone, hashed};
use super::{Item, PlatformRequest};
use crate::attribution::destinations::Settings;
use serde_json::{Map, Value as Json, json};
use time::format_description::FormatItem;
use time::macros::format_description;

/// The Google Ads API version requests name.
pub const API_VERSION: &str = "v23";
/// Most conversions in one request (Google's limit).
pub const MAX_CONVERSIONS: usize = 2000;

/// `yyyy-mm-dd hh:mm:ss+|-hh:mm`, the API's conversion time.
const DATE_TIME: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]+00:00");

fn conversion(settings: &Settings, item: &Item) -> Json {
    let c = &item.conversion;
    let customer = settings.customer_id.as_deref().unwrap_or_default();
    let action = settings.conversion_action_id.as_deref().unwrap_or_default();
    let at = c.occurred_at.datetime().to_offset(time::UtcOffset::UTC);
    let mut out = Map::new();
    out.insert(
        "conversionAction".into(),
        json!(format!("customers/{customer}/conversionActions/{action}")),
    );
    out.insert(
        "conversionDateTime".into(),
        json!(at.format(DATE_TIME).unwrap_or_default()),
    );
    out.insert("orderId".into(), json!(c.order_id));
    if let (Some(cents), Some(currency)) = (c.value_cents, c.currency.as_deref()) {
        out.insert("conversionValue".into(), json!(cents as f64 / 100.0));
        out.insert("currencyCode".into(), json!(currency));
    }
    // One click id at most (the API refuses more); only with ad_storage consent.
    if let Some((name, value)) = ["gclid", "gbraid", "wbraid"]
        .iter()
        .find_map(|n| item.click_ids.get(*n).map(|v| (*n, v)))
    {
        out.insert(name.into(), json!(value));
    }
    let mut ids = Vec::new();
    if let Some(email) = hashed(item.email.as_deref().and_then(google_email)) {
        ids.push(json!({ "hashedEmail": email }));
    }
    if let Some(phone) = hashed(item.phone.as_deref().and_then(google_phone)) {
        ids.push(json!({ "hashedPhoneNumber": phone }));
    }
    if !ids.is_empty() {
        out.insert("userIdentifiers".into(), json!(ids));
    }
    let granted = |on: bool| if on { "GRANTED" } else { "DENIED" };
    out.insert(
        "consent".into(),
        json!({
            "adUserData": granted(c.consent.ad_user_data),
            "adPersonalization": granted(c.consent.ad_personalization),
        }),
    );
    Json::Object(out)
}

/// The request for `items` (at most [`MAX_CONVERSIONS`]).
pub fn request(
    base: &str,
    settings: &Settings,
    test_mode: bool,
    items: &[Item],
) -> PlatformRequest {
    let customer = settings.customer_id.as_deref().unwrap_or_default();
    PlatformRequest {
        method: "POST".to_owned(),
        url: format!(
            "{}/{API_VERSION}/customers/{customer}:uploadClickConversions",
            base.trim_end_matches('/')
        ),
        body: json!({
            "conversions": items.iter().map(|i| conversion(settings, i)).collect::<Vec<_>>(),
            "partialFailure": true,
            "validateOnly": test_mode,
        }),
    }
}

/// Whether a Google error means "too early, try again later" (a conversion uploaded too soon
/// after its click or its conversion action was made), which is rescheduled hours later rather
/// than dead-lettered.
pub fn too_recent(error_body: &str) -> bool {
    error_body.contains("TOO_RECENT")
}
