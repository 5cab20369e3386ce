//! Noisy neighbours: what one company flooding the server does to the others' latency.
//!
//! Company 0 floods with many connections back to back; companies 1..N carry an ordinary load.
//! The others' numbers are measured alone first, then beside the flood, once with the default
//! bound on a company's requests in flight and once with the bound out of the way, so the table
//! shows what the bound buys.

use crate::fleet::{Backend, Fleet};
use crate::load::{self, LoadSettings, Mix, RunResult};
use std::sync::Arc;

/// Companies carrying the ordinary load beside the flooding one.
const OTHERS: usize = 10;

/// One configuration's three measurements.
struct Row {
    label: String,
    alone: RunResult,
    beside: RunResult,
    flood: RunResult,
}

/// Runs the scenario: `others` is the ordinary load's settings, `flood_connections` the flood's.
pub async fn run(
    backend: &Backend,
    others: &LoadSettings,
    flood_connections: usize,
) -> anyhow::Result<()> {
    let default_bound = silo_server::company_gate::DEFAULT_COMPANY_CONCURRENCY;
    let mut rows = Vec::new();
    for (label, bound) in [
        (format!("bound {default_bound} (default)"), default_bound),
        ("no bound".to_owned(), u32::MAX / 2),
    ] {
        let fleet = Fleet::start_with(backend, OTHERS + 1, bound).await?;
        let (flooder, quiet) = fleet.targets.split_at(1);
        let (flooder, quiet) = (Arc::new(flooder.to_vec()), Arc::new(quiet.to_vec()));
        let alone = load::run_on(&fleet.url, quiet.clone(), others, Mix::Reads).await?;
        let flood_settings = LoadSettings {
            concurrency: flood_connections,
            duration: others.duration,
            popularity: others.popularity,
        };
        let url = fleet.url.clone();
        let flood =
            tokio::spawn(
                async move { load::run_on(&url, flooder, &flood_settings, Mix::Reads).await },
            );
        let beside = load::run_on(&fleet.url, quiet, others, Mix::Reads).await?;
        let flood = flood.await??;
        rows.push(Row {
            label,
            alone,
            beside,
            flood,
        });
    }
    println!(
        "\n### flood: one company with {flood_connections} connections beside {OTHERS} others \
         with {} (GET /api/contacts/{{id}})\n",
        others.concurrency
    );
    println!(
        "| per-company bound | others alone: req/s, p99 ms | others beside the flood: req/s, \
         p99 ms | p99 ratio | flood: answered/s, refused (busy) |"
    );
    println!("|---|---:|---:|---:|---:|");
    for row in rows {
        let ms = |us: u64| us as f64 / 1000.0;
        println!(
            "| {} | {:.0}, {:.2} | {:.0}, {:.2} | {:.2} | {:.0}, {} |",
            row.label,
            row.alone.throughput,
            ms(row.alone.p99_us),
            row.beside.throughput,
            ms(row.beside.p99_us),
            row.beside.p99_us as f64 / row.alone.p99_us.max(1) as f64,
            row.flood.throughput,
            row.flood.errors
        );
    }
    Ok(())
}
