//! `collect`: the public attribution endpoint (`POST /e/{site_key}`) of one tracked site of one
//! company: events accepted per second and their latency, each event with a new `event_id`
//! (so every one is stored), from a browser's origin and user agent.

use crate::fleet::Fleet;
use crate::load::{LoadSettings, RunResult};
use anyhow::Context;
use hdrhistogram::Histogram;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ORIGIN: &str = "https://shop.example";
const UA: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

/// Creates a client account and a tracked site in the fleet's first company; its site key.
async fn site_key(fleet: &Fleet) -> anyhow::Result<String> {
    let target = fleet.targets.first().context("no company")?;
    let client = reqwest::Client::new();
    let account: serde_json::Value = client
        .post(format!("{}/api/accounts", fleet.url))
        .header(reqwest::header::AUTHORIZATION, target.authorization.clone())
        .json(&serde_json::json!({"name": "Shop"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let site: serde_json::Value = client
        .post(format!("{}/api/sites", fleet.url))
        .header(reqwest::header::AUTHORIZATION, target.authorization.clone())
        .json(
            &serde_json::json!({"account_id": account["id"], "name": "Shop",
            "origins": [ORIGIN], "consent_mode": "banner"}),
        )
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(site["key"].as_str().context("site key")?.to_owned())
}

fn body(consent: bool) -> serde_json::Value {
    let mut body = serde_json::json!({
        "event_id": uuid::Uuid::new_v4(),
        "name": "page_view",
        "page": "https://shop.example/offer?utm_source=news&utm_medium=email&utm_campaign=spring&gclid=abc",
        "referrer": "https://news.example/",
    });
    if consent {
        body["consent"] = serde_json::json!({"analytics_storage": "granted", "ad_storage": "granted",
            "ad_user_data": "granted", "ad_personalization": "granted", "source": "banner"});
    }
    body
}

/// Drives events at one site; the first second is warm-up. With `consent` every event grants
/// everything (a new visitor, a touchpoint and a ledger row each, as no cookie is sent back);
/// without, the deny-by-default path.
pub async fn run(
    fleet: &Fleet,
    settings: &LoadSettings,
    consent: bool,
) -> anyhow::Result<RunResult> {
    let key = site_key(fleet).await?;
    let endpoint: Arc<str> = Arc::from(format!("{}/e/{key}", fleet.url).as_str());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(settings.concurrency)
        .build()?;
    let warmup = Instant::now() + Duration::from_secs(1);
    let end = warmup + settings.duration;
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..settings.concurrency {
        let client = client.clone();
        let endpoint = endpoint.clone();
        workers.spawn(async move {
            let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut errors = 0u64;
            while Instant::now() < end {
                let started = Instant::now();
                let ok = match client
                    .post(&*endpoint)
                    .header("origin", ORIGIN)
                    .header("user-agent", UA)
                    .json(&body(consent))
                    .send()
                    .await
                {
                    Ok(r) => {
                        let ok = r.status() == reqwest::StatusCode::ACCEPTED;
                        let _ = r.bytes().await;
                        ok
                    }
                    Err(_) => false,
                };
                if started >= warmup {
                    hist.saturating_record(started.elapsed().as_micros() as u64);
                    errors += u64::from(!ok);
                }
            }
            anyhow::Ok((hist, errors))
        });
    }
    let mut total =
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut errors = 0;
    while let Some(joined) = workers.join_next().await {
        let (hist, e) = joined??;
        total.add(&hist).map_err(|e| anyhow::anyhow!("{e}"))?;
        errors += e;
    }
    Ok(RunResult {
        throughput: total.len() as f64 / settings.duration.as_secs_f64(),
        p50_us: total.value_at_quantile(0.50),
        p99_us: total.value_at_quantile(0.99),
        p999_us: total.value_at_quantile(0.999),
        errors,
    })
}
