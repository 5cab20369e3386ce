//! The load generator: `concurrency` connections, each sending requests back to back to a
//! uniformly chosen company, for a fixed time, latencies in an HDR histogram.

use crate::fleet::{Fleet, Target};
use hdrhistogram::Histogram;
use rand::RngExt as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How hard and how long.
pub struct LoadSettings {
    /// Connections in flight.
    pub concurrency: usize,
    /// Measured time.
    pub duration: Duration,
}

/// What the requests do.
#[derive(Clone, Copy)]
pub enum Mix {
    /// `GET /api/contacts/{id}`.
    Reads,
    /// `POST /api/contacts`.
    Writes,
}

/// One run's numbers.
pub struct RunResult {
    /// Requests per second.
    pub throughput: f64,
    /// Median latency in microseconds.
    pub p50_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// 99.9th percentile.
    pub p999_us: u64,
    /// Requests that did not answer 2xx.
    pub errors: u64,
}

fn histogram() -> anyhow::Result<Histogram<u64>> {
    Histogram::new_with_bounds(1, 60_000_000, 3).map_err(|e| anyhow::anyhow!("{e}"))
}

async fn one(client: &reqwest::Client, url: &str, target: &Target, mix: Mix) -> bool {
    let request = match mix {
        Mix::Reads => client.get(format!("{url}/api/contacts/{}", target.contact)),
        Mix::Writes => client
            .post(format!("{url}/api/contacts"))
            .json(&serde_json::json!({"name": "Load"})),
    };
    match request
        .header(reqwest::header::AUTHORIZATION, target.authorization.clone())
        .send()
        .await
    {
        Ok(r) => {
            let ok = r.status().is_success();
            let _ = r.bytes().await;
            ok
        }
        Err(_) => false,
    }
}

async fn worker(
    client: reqwest::Client,
    url: Arc<str>,
    targets: Arc<Vec<Target>>,
    mix: Mix,
    warmup: Instant,
    end: Instant,
) -> anyhow::Result<(Histogram<u64>, u64)> {
    let mut hist = histogram()?;
    let mut errors = 0u64;
    while Instant::now() < end {
        let i = rand::rng().random_range(0..targets.len().max(1));
        let Some(target) = targets.get(i) else { break };
        let started = Instant::now();
        let ok = one(&client, &url, target, mix).await;
        if started >= warmup {
            hist.saturating_record(started.elapsed().as_micros() as u64);
            errors += u64::from(!ok);
        }
    }
    Ok((hist, errors))
}

/// Drives load; the first second is warm-up and not measured.
pub async fn run(fleet: &Fleet, settings: &LoadSettings, mix: Mix) -> anyhow::Result<RunResult> {
    run_on(&fleet.url, fleet.targets.clone(), settings, mix).await
}

/// Drives load on `targets` (all of a fleet's companies or some) at `url`: a server, or a
/// balancer in front of several.
pub async fn run_on(
    url: &str,
    targets: Arc<Vec<Target>>,
    settings: &LoadSettings,
    mix: Mix,
) -> anyhow::Result<RunResult> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(settings.concurrency)
        .build()?;
    let warmup = Instant::now() + Duration::from_secs(1);
    let end = warmup + settings.duration;
    let url: Arc<str> = Arc::from(url);
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..settings.concurrency {
        workers.spawn(worker(
            client.clone(),
            url.clone(),
            targets.clone(),
            mix,
            warmup,
            end,
        ));
    }
    let mut total = histogram()?;
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

/// Reads one contact of every company once (for the memory scenario).
pub async fn touch_all(fleet: &Fleet) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    for (i, target) in fleet.targets.iter().enumerate() {
        if !one(&client, &fleet.url, target, Mix::Reads).await {
            anyhow::bail!("company {i} did not answer");
        }
    }
    Ok(())
}

/// Samples the number of open PostgreSQL tenant connections while a run goes on.
pub struct ConnectionSampler {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Option<i64>>,
}

impl ConnectionSampler {
    /// Starts sampling every 50 ms (nothing on SQLite).
    pub fn start(fleet: &Fleet) -> Self {
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let probe = fleet.probe();
        let task = tokio::spawn(async move {
            let mut max: Option<i64> = None;
            loop {
                if let Some(n) = probe.pg_tenant_connections().await {
                    max = Some(max.map_or(n, |m| m.max(n)));
                } else if max.is_none() {
                    return None;
                }
                tokio::select! {
                    _ = &mut stopped => return max,
                    () = tokio::time::sleep(Duration::from_millis(50)) => {}
                }
            }
        });
        ConnectionSampler { stop, task }
    }

    /// The most connections seen.
    pub async fn finish(self) -> Option<i64> {
        let _ = self.stop.send(());
        self.task.await.ok().flatten()
    }
}
