//! The Meta Conversions API request: `POST {base}/{version}/{pixel_id}/events` with the access
//! token as a bearer header (never in the URL or body), at most [`MAX_EVENTS`] events each.
//! `event_id` is the conversion's order id (the invoice number for invoices), so a browser
//! pixel event and this server event of one sale are deduplicated by Meta.
//! <https://developers.facebook.com/docs/marketing-api/conversions-api/using-the-api>

use super::hashing::{hashed, meta_email, meta_phone};
use super::{Item, PlatformRequest};
use crate::attribution::ConversionKind;
use crate::attribution::destinations::Settings;
use serde_json::{Map, Value as Json, json};

/// The Graph API version requests name.
pub const GRAPH_VERSION: &str = "v23.0";
/// Most events in one request (Meta's limit).
pub const MAX_EVENTS: usize = 1000;

/// Meta's event name of a conversion kind (standard events where one fits).
pub fn event_name(kind: ConversionKind) -> &'static str {
    match kind {
        ConversionKind::Lead => "Lead",
        ConversionKind::DealWon => "DealWon",
        ConversionKind::InvoiceIssued => "InvoiceIssued",
        ConversionKind::InvoicePaid => "Purchase",
    }
}

fn event(item: &Item) -> Json {
    let c = &item.conversion;
    let mut user = Map::new();
    if let Some(em) = hashed(item.email.as_deref().and_then(meta_email)) {
        user.insert("em".into(), json!([em]));
    }
    if let Some(ph) = hashed(item.phone.as_deref().and_then(meta_phone)) {
        user.insert("ph".into(), json!([ph]));
    }
    // Click ids only with ad_storage consent (`Item::click_ids` is empty without it).
    if let Some(fbc) = item.click_ids.get("fbc") {
        user.insert("fbc".into(), json!(fbc));
    }
    if let Some(fbp) = item.click_ids.get("_fbp") {
        user.insert("fbp".into(), json!(fbp));
    }
    let mut custom = Map::new();
    if let (Some(cents), Some(currency)) = (c.value_cents, c.currency.as_deref()) {
        custom.insert("value".into(), json!(cents as f64 / 100.0));
        custom.insert("currency".into(), json!(currency));
    }
    custom.insert("order_id".into(), json!(c.order_id));
    json!({
        "event_name": event_name(c.kind),
        "event_time": c.occurred_at.unix_seconds(),
        "event_id": c.order_id,
        "action_source": "system_generated",
        "user_data": user,
        "custom_data": custom,
    })
}

/// The request for `items` (at most [`MAX_EVENTS`]); in test mode with the settings' test event
/// code, Events Manager shows them under "Test events" only.
pub fn request(
    base: &str,
    settings: &Settings,
    test_mode: bool,
    items: &[Item],
) -> PlatformRequest {
    let pixel = settings.pixel_id.as_deref().unwrap_or_default();
    let mut body = json!({ "data": items.iter().map(event).collect::<Vec<_>>() });
    if test_mode && let Some(code) = &settings.test_event_code {
        body["test_event_code"] = json!(code);
    }
    PlatformRequest {
        method: "POST".to_owned(),
        url: format!(
            "{}/{GRAPH_VERSION}/{pixel}/events",
            base.trim_end_matches('/')
        ),
        body,
    }
}
