//! What opening a company's database costs (`open-cost`): the time of a cold open through the
//! request path's own call (the pool cache, the file check of its header, the connection with
//! its settings, the schema version check) and the resident memory each open company adds.

use silo_tenancy::{PoolSettings, Tenancy};
use std::time::{Duration, Instant};

/// The measurements of one run.
pub struct OpenCost {
    /// Companies opened.
    pub companies: usize,
    /// Each cold open, in the order made.
    pub opens: Vec<Duration>,
    /// Resident memory (VmRSS, RssAnon, RssFile + RssShmem) before opening any, in KiB.
    pub before: Rss,
    /// The same after all are open (and held open).
    pub after: Rss,
    /// Tenant pools open at the end.
    pub open_pools: usize,
}

/// Resident memory by kind, in KiB, from `/proc/self/status`.
#[derive(Clone, Copy, Default)]
pub struct Rss {
    /// All resident memory.
    pub total: u64,
    /// Anonymous (heap, stacks).
    pub anon: u64,
    /// Mapped files and shared memory (SQLite's WAL index is a mapped `-shm` file).
    pub file: u64,
}

fn rss() -> Rss {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    Rss {
        total: field("VmRSS:"),
        anon: field("RssAnon:"),
        file: field("RssFile:") + field("RssShmem:"),
    }
}

/// Provisions `n` SQLite companies, closes everything, then opens each once through a fresh
/// tenancy layer whose cache holds all of them.
pub async fn run(n: usize) -> anyhow::Result<OpenCost> {
    let storage = silo_testkit::TestStorage::on(&silo_testkit::TestBackend::Sqlite);
    let hold_all = PoolSettings {
        max_pools: n.max(1),
        connection_budget: u32::try_from(n.max(1))?,
        ..PoolSettings::sqlite_default()
    };
    let started = Instant::now();
    {
        let tenancy = storage.open(hold_all).await;
        for i in 0..n {
            tenancy
                .provision(crate::fleet::company(i)?, crate::fleet::owner()?)
                .await?;
            if (i + 1) % 1000 == 0 {
                eprintln!(
                    "  provisioned {} of {n} companies ({:.0} s)",
                    i + 1,
                    started.elapsed().as_secs_f64()
                );
            }
        }
        tenancy.close().await;
    }
    let tenancy: Tenancy = storage.open(hold_all).await;
    let companies: Vec<_> = tenancy
        .control()
        .list_companies()
        .await?
        .into_iter()
        .map(|(company, _)| company)
        .collect();
    let mut held = Vec::with_capacity(companies.len());
    let before = rss();
    let mut opens = Vec::with_capacity(companies.len());
    for company in &companies {
        let t = Instant::now();
        let db = tenancy.tenant_db(company).await?;
        opens.push(t.elapsed());
        held.push(db);
    }
    let after = rss();
    let open_pools = tenancy.open_pools().await;
    drop(held);
    tenancy.close().await;
    Ok(OpenCost {
        companies: companies.len(),
        opens,
        before,
        after,
        open_pools,
    })
}

/// Prints the run as Markdown tables.
pub fn report(cost: &OpenCost) {
    let mut sorted = cost.opens.clone();
    sorted.sort();
    let at = |q: f64| {
        sorted
            .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1e6)
    };
    let mean =
        sorted.iter().map(Duration::as_secs_f64).sum::<f64>() / sorted.len().max(1) as f64 * 1e6;
    println!(
        "\n### open-cost: cold open of {} SQLite companies (pool cache, header check, connection, schema check)\n",
        cost.companies
    );
    println!("| mean µs | p50 µs | p90 µs | p99 µs | max µs |");
    println!("|---:|---:|---:|---:|---:|");
    println!(
        "| {mean:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
    let n = cost.companies.max(1) as f64;
    let per = |a: u64, b: u64| (b.saturating_sub(a)) as f64 / n;
    println!(
        "\n### memory per open company ({} pools open)\n",
        cost.open_pools
    );
    println!("| resident KiB per company | of it anonymous | of it mapped files (WAL index) |");
    println!("|---:|---:|---:|");
    println!(
        "| {:.1} | {:.1} | {:.1} |",
        per(cost.before.total, cost.after.total),
        per(cost.before.anon, cost.after.anon),
        per(cost.before.file, cost.after.file)
    );
}
