//! The load generator: `concurrency` connections, each sending requests back to back to a
//! company chosen uniformly or by a Zipf popularity, for a fixed time, latencies in an HDR
//! histogram.

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
    /// How requests spread over the companies.
    pub popularity: Popularity,
}

/// How requests spread over N companies.
#[derive(Clone, Copy, Debug, Default, PartialEq, clap::ValueEnum)]
pub enum Popularity {
    /// Every company alike.
    #[default]
    Uniform,
    /// Zipf with exponent 1.0: the company of rank k gets a share proportional to 1/k (a few
    /// busy agencies, a long tail).
    Zipf,
}

/// Picks a company's index for each request.
#[derive(Clone)]
enum Picker {
    Uniform(usize),
    /// The cumulative shares, rising to 1.0.
    Cumulative(Arc<Vec<f64>>),
}

impl Picker {
    fn new(popularity: Popularity, n: usize) -> Picker {
        match popularity {
            Popularity::Uniform => Picker::Uniform(n.max(1)),
            Popularity::Zipf => {
                let total: f64 = (1..=n).map(|k| 1.0 / k as f64).sum();
                let mut running = 0.0;
                let cumulative = (1..=n)
                    .map(|k| {
                        running += 1.0 / k as f64 / total;
                        running
                    })
                    .collect();
                Picker::Cumulative(Arc::new(cumulative))
            }
        }
    }

    fn pick(&self) -> usize {
        match self {
            Picker::Uniform(n) => rand::rng().random_range(0..*n),
            Picker::Cumulative(c) => {
                let x: f64 = rand::rng().random_range(0.0..1.0);
                c.partition_point(|share| *share < x)
                    .min(c.len().saturating_sub(1))
            }
        }
    }
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
    picker: Picker,
    mix: Mix,
    warmup: Instant,
    end: Instant,
) -> anyhow::Result<(Histogram<u64>, u64)> {
    let mut hist = histogram()?;
    let mut errors = 0u64;
    while Instant::now() < end {
        let Some(target) = targets.get(picker.pick()) else {
            break;
        };
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
    let picker = Picker::new(settings.popularity, targets.len());
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..settings.concurrency {
        workers.spawn(worker(
            client.clone(),
            url.clone(),
            targets.clone(),
            picker.clone(),
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
    task: tokio::task::JoinHandle<Option<Vec<i64>>>,
}

impl ConnectionSampler {
    /// Starts sampling every 50 ms (nothing on SQLite).
    pub fn start(fleet: &Fleet) -> Self {
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let probe = fleet.probe();
        let task = tokio::spawn(async move {
            let mut max: Option<Vec<i64>> = None;
            loop {
                if let Some(now) = probe.pg_tenant_connections().await {
                    max = Some(match max {
                        Some(seen) => seen.iter().zip(&now).map(|(a, b)| *a.max(b)).collect(),
                        None => now,
                    });
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

    /// The most connections seen on each tenant server.
    pub async fn finish(self) -> Option<Vec<i64>> {
        let _ = self.stop.send(());
        self.task.await.ok().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zipf_favours_the_first_ranks_as_one_over_k() {
        let picker = Picker::new(Popularity::Zipf, 1000);
        let mut counts = vec![0u32; 1000];
        for _ in 0..200_000 {
            counts[picker.pick()] += 1;
        }
        // Rank 1 gets 1/H(1000) ~ 13.4% of requests, rank 2 half of that, rank 10 a tenth.
        let share = |k: usize| f64::from(counts[k - 1]) / 200_000.0;
        assert!((share(1) - 0.1336).abs() < 0.01, "{}", share(1));
        assert!((share(1) / share(2) - 2.0).abs() < 0.2);
        assert!((share(1) / share(10) - 10.0).abs() < 2.0);
        assert!(counts[1..].iter().all(|c| *c < counts[0]));
        let uniform = Picker::new(Popularity::Uniform, 3);
        assert!((0..100).all(|_| uniform.pick() < 3));
    }
}
