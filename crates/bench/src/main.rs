//! `silo-bench`: starts a real Silo server and drives real HTTP load against it.
//!
//! Scenarios: `one-company` (the full request path for one company), `many-companies`
//! (requests spread over N companies, reads and writes), `provision` (time per company),
//! `memory` (resident memory after touching N companies), `open-cost` (cold-open time and
//! memory per open SQLite company), `events` (outbox and worker), `team`
//! (the utilisation and project reports of a company with 50 people and 100,000 time entries),
//! `collect` (the public attribution endpoint of one tracked site), `balanced` (one versus two
//! `silo serve` processes behind HAProxy), `flood` (one company flooding beside ten others).
//! See BENCHMARKS.md for results.
#![forbid(unsafe_code)]

mod balanced;
mod baseline;
mod collect;
mod events;
mod fleet;
mod flood;
mod load;
mod open;
mod report;
mod team;

use clap::{Parser, Subcommand};
use std::time::Duration;

/// The same allocator as the `silo` binary, so the servers measured here allocate as it does.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Benchmarks for Silo.
#[derive(Debug, Parser)]
#[command(name = "silo-bench", version)]
struct Cli {
    /// Concurrent connections driving load.
    #[arg(long, default_value_t = 32, global = true)]
    concurrency: usize,
    /// Seconds of measured load per run (after one second of warm-up).
    #[arg(long, default_value_t = 5, global = true)]
    seconds: u64,
    /// How requests spread over the companies: `uniform`, or `zipf` (exponent 1.0: the k-th
    /// company gets a share proportional to 1/k).
    #[arg(long, value_enum, default_value_t = load::Popularity::Uniform, global = true)]
    popularity: load::Popularity,
    /// Write an SVG plot of throughput and p99 against companies here (many-companies).
    #[arg(long, global = true)]
    svg: Option<std::path::PathBuf>,
    /// Run on PostgreSQL: a server URL with rights to create databases and roles (a throw-away
    /// control database and tenant databases are created and dropped).
    #[arg(long, global = true)]
    postgres: Option<String>,
    /// Run on PostgreSQL on a private throw-away cluster started with this `max_connections`
    /// (for budgets above what the machine's server allows; needs the PostgreSQL binaries).
    #[arg(long, global = true, conflicts_with = "postgres")]
    pg_max_connections: Option<u32>,
    /// On that private cluster, tenant roles log in with SCRAM-SHA-256 passwords, as on a
    /// production server (the machine's server and a plain private cluster trust 127.0.0.1).
    #[arg(long, global = true, requires = "pg_max_connections")]
    pg_scram: bool,
    /// How many such private clusters: the first holds the control plane, and companies are
    /// placed over all of them as tenant servers.
    #[arg(
        long,
        global = true,
        default_value_t = 1,
        requires = "pg_max_connections"
    )]
    pg_servers: usize,
    /// Most tenant pools the server keeps open (default: the backend's).
    #[arg(long, global = true)]
    max_pools: Option<usize>,
    /// Connections per tenant pool (default: the backend's).
    #[arg(long, global = true)]
    connections_per_pool: Option<u32>,
    /// Most tenant connections over all pools (default: the backend's).
    #[arg(long, global = true)]
    connection_budget: Option<u32>,
    /// When a budget is full, close the least recently used pool opened at least this many
    /// milliseconds ago (default 0: plain LRU).
    #[arg(long, global = true)]
    min_pool_age_ms: Option<u64>,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Debug, Subcommand)]
enum Scenario {
    /// The same read on a fixed database handle without token or registry: the upper bound.
    Baseline,
    /// The full request path for one company (GET a contact by id).
    OneCompany,
    /// Requests spread over N companies (uniformly, or see `--popularity`), for each N given.
    ManyCompanies {
        /// Company counts, comma separated.
        #[arg(long, value_delimiter = ',', default_value = "100,1000")]
        companies: Vec<usize>,
        /// Also measure writes (POST a contact).
        #[arg(long)]
        writes: bool,
    },
    /// Provisioning time per company.
    Provision {
        /// How many companies to create.
        #[arg(long, default_value_t = 1000)]
        companies: usize,
        /// PostgreSQL: fill the provisioning pool with as many databases first, so every
        /// provisioning claims one (the worker's refill between signups, done ahead).
        #[arg(long)]
        pooled: bool,
    },
    /// `silo migrate` over N SQLite companies one tenant migration behind (runs the real
    /// `silo` binary next to this one; build it with `cargo build --release -p silo`).
    Migrate {
        /// How many companies.
        #[arg(long, default_value_t = 1000)]
        companies: usize,
        /// `--concurrency` for `silo migrate`.
        #[arg(long, default_value_t = 4)]
        migrate_concurrency: usize,
    },
    /// Events per second through the outbox (appended with their writes) and the worker
    /// (delivered to the audit trail).
    Events {
        /// How many companies.
        #[arg(long, default_value_t = 10)]
        companies: usize,
        /// Events (contact creates) per company.
        #[arg(long, default_value_t = 2000)]
        events: usize,
        /// Companies the worker works on at once.
        #[arg(long, default_value_t = 4)]
        worker_concurrency: usize,
    },
    /// The team reports of one company with many people and time entries (seeded with SQL),
    /// asked for one request after another.
    Team {
        /// People.
        #[arg(long, default_value_t = 50)]
        people: usize,
        /// Time entries.
        #[arg(long, default_value_t = 100_000)]
        entries: usize,
        /// Measured requests per route.
        #[arg(long, default_value_t = 1000)]
        requests: usize,
    },
    /// Events accepted per second by the public collection endpoint (`POST /e/{site_key}`)
    /// for one tracked site, with consent denied (the default) and granted.
    Collect,
    /// One company flooding (`--flood-connections`) beside ten with the ordinary load
    /// (`--concurrency`): the others' throughput and p99 alone and beside the flood, with the
    /// default per-company bound on requests in flight and without it.
    Flood {
        /// Connections of the flooding company.
        #[arg(long, default_value_t = 64)]
        flood_connections: usize,
    },
    /// Cold-open cost of a company's database and resident memory per open company
    /// (SQLite).
    OpenCost {
        /// How many companies to create, then open once each and hold open.
        #[arg(long, default_value_t = 2000)]
        companies: usize,
    },
    /// One versus two `silo serve` processes (the binary next to this one) on one control
    /// plane behind HAProxy, reads spread over N companies.
    Balanced {
        /// How many companies.
        #[arg(long, default_value_t = 100)]
        companies: usize,
    },
    /// Resident memory of a real `silo serve` (the binary next to this one) with the run's pool
    /// bounds, after one request to each of N companies: the server alone, without the load
    /// generator and the set-up that `memory` measures along.
    ServeMemory {
        /// How many companies to create and touch.
        #[arg(long, default_value_t = 10_000)]
        companies: usize,
    },
    /// Resident memory after every company has been touched once.
    Memory {
        /// How many companies to create and touch.
        #[arg(long, default_value_t = 10_000)]
        companies: usize,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let load = load::LoadSettings {
        concurrency: cli.concurrency.max(1),
        duration: Duration::from_secs(cli.seconds.max(1)),
        popularity: cli.popularity,
    };
    println!(
        "# machine: {} cores; concurrency {}; {} s per run",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        load.concurrency,
        cli.seconds
    );
    // Kept alive for the whole run when started.
    let mut clusters = Vec::new();
    if let Some(n) = cli.pg_max_connections {
        let options = format!("-c max_connections={n} -c shared_buffers=128MB");
        for _ in 0..cli.pg_servers.max(1) {
            clusters.push(
                if cli.pg_scram {
                    silo_testkit::Cluster::start_with_scram(&options)
                } else {
                    silo_testkit::Cluster::start_with(&options)
                }
                .map_err(anyhow::Error::msg)?,
            );
        }
    }
    let postgres = cli
        .postgres
        .clone()
        .or_else(|| clusters.first().map(|c| c.url.clone()));
    let mut backend = match &postgres {
        Some(url) => fleet::Backend::postgres(url.clone()),
        None => fleet::Backend::sqlite(),
    };
    backend.more_servers = clusters.iter().skip(1).map(|c| c.url.clone()).collect();
    let settings = &mut backend.settings;
    settings.max_pools = cli.max_pools.unwrap_or(settings.max_pools);
    settings.connections_per_pool = cli
        .connections_per_pool
        .unwrap_or(settings.connections_per_pool);
    settings.connection_budget = cli.connection_budget.unwrap_or(settings.connection_budget);
    if let Some(ms) = cli.min_pool_age_ms {
        settings.min_pool_age = Duration::from_millis(ms);
    }
    println!(
        "# backend: {}{}; tenant pools: at most {}, {} connection(s) each, budget {} connections",
        if postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        cli.pg_max_connections.map_or(String::new(), |n| format!(
            " ({} private cluster(s), max_connections {n} each{})",
            clusters.len(),
            if cli.pg_scram { ", SCRAM logins" } else { "" }
        )),
        settings.max_pools,
        settings.connections_per_pool,
        settings.connection_budget
    );
    match cli.scenario {
        Scenario::Baseline => {
            let mut fleet = fleet::Fleet::start(&backend, 1).await?;
            let db = fleet.first_tenant_db().await?;
            let (url, _stop) = baseline::start(db).await?;
            fleet.url = url;
            let result = load::run(&fleet, &load, load::Mix::Reads).await?;
            report::table("baseline (fixed database handle, no token)", &[(1, result)]);
        }
        Scenario::OneCompany => {
            let fleet = fleet::Fleet::start(&backend, 1).await?;
            let result = load::run(&fleet, &load, load::Mix::Reads).await?;
            report::table("one-company (GET /api/contacts/{id})", &[(1, result)]);
        }
        Scenario::ManyCompanies { companies, writes } => {
            let mut rows = Vec::new();
            let mut write_rows = Vec::new();
            for n in companies {
                let fleet = fleet::Fleet::start(&backend, n).await?;
                println!(
                    "# {n} companies: the server's tenant connection budget is {}",
                    fleet.connection_budget().await
                );
                let sampler = load::ConnectionSampler::start(&fleet);
                rows.push((n, load::run(&fleet, &load, load::Mix::Reads).await?));
                if let Some(max) = sampler.finish().await {
                    println!(
                        "# {n} companies: at most {max:?} tenant connections open on PostgreSQL during reads (per tenant server)"
                    );
                }
                if writes {
                    write_rows.push((n, load::run(&fleet, &load, load::Mix::Writes).await?));
                }
            }
            report::table("many-companies, reads (GET /api/contacts/{id})", &rows);
            if writes {
                report::table("many-companies, writes (POST /api/contacts)", &write_rows);
            }
            if let Some(path) = &cli.svg {
                std::fs::write(path, report::svg(&rows))?;
                println!("\nplot written to {}", path.display());
            }
        }
        Scenario::Provision { companies, pooled } => {
            let timings = fleet::provision_timings(&backend, companies, pooled).await?;
            report::provisioning(&timings);
        }
        Scenario::Migrate {
            companies,
            migrate_concurrency,
        } => {
            let (elapsed, status) = fleet::migrate_timing(companies, migrate_concurrency).await?;
            println!(
                "\n### silo migrate ({companies} SQLite companies, one migration each, --concurrency {migrate_concurrency})\n"
            );
            println!("| companies | seconds | exit |");
            println!("|---:|---:|---:|");
            println!("| {companies} | {:.1} | {status} |", elapsed.as_secs_f64());
        }
        Scenario::Events {
            companies,
            events,
            worker_concurrency,
        } => {
            let rates = events::run(&backend, companies, events, worker_concurrency).await?;
            println!(
                "\n### events ({companies} companies x {events} events, worker concurrency {worker_concurrency})\n"
            );
            println!("| stage | events/s |");
            println!("|---|---:|");
            println!(
                "| appended with their writes (one writer per company) | {:.0} |",
                rates.appended
            );
            println!(
                "| delivered to the audit trail by the worker | {:.0} |",
                rates.delivered
            );
        }
        Scenario::Team {
            people,
            entries,
            requests,
        } => {
            let settings = team::TeamSettings {
                people: people.max(1),
                entries,
                requests: requests.max(1),
            };
            let results = team::run(&backend, &settings).await?;
            team::table(&settings, &results);
        }
        Scenario::Collect => {
            let fleet = fleet::Fleet::start(&backend, 1).await?;
            let denied = collect::run(&fleet, &load, false).await?;
            report::table(
                "collect, consent denied (POST /e/{site_key})",
                &[(1, denied)],
            );
            let fleet = fleet::Fleet::start(&backend, 1).await?;
            let granted = collect::run(&fleet, &load, true).await?;
            report::table(
                "collect, consent granted (POST /e/{site_key})",
                &[(1, granted)],
            );
        }
        Scenario::Flood { flood_connections } => {
            flood::run(&backend, &load, flood_connections).await?;
        }
        Scenario::OpenCost { companies } => {
            open::report(&open::run(companies).await?);
        }
        Scenario::Balanced { companies } => {
            let result = balanced::run(&backend, companies.max(1), &load).await?;
            println!("\n### balanced: {companies} companies, reads (GET /api/contacts/{{id}})\n");
            println!("| servers | requests/s | p50 ms | p99 ms | p99.9 ms | errors |");
            println!("|---|---:|---:|---:|---:|---:|");
            for (label, r) in &result.rows {
                println!(
                    "| {label} | {:.0} | {:.2} | {:.2} | {:.2} | {} |",
                    r.throughput,
                    r.p50_us as f64 / 1000.0,
                    r.p99_us as f64 / 1000.0,
                    r.p999_us as f64 / 1000.0,
                    r.errors
                );
            }
        }
        Scenario::ServeMemory { companies } => {
            let (started, touched, n) = balanced::serve_memory(&backend, companies).await?;
            println!("\n### silo serve: resident memory (the server process alone)\n");
            println!("| companies | after start | after one request to each |");
            println!("|---:|---:|---:|");
            println!(
                "| {n} | {:.1} MiB | {:.1} MiB |",
                started as f64 / 1024.0,
                touched as f64 / 1024.0
            );
        }
        Scenario::Memory { companies } => {
            let fleet = fleet::Fleet::start(&backend, companies).await?;
            load::touch_all(&fleet).await?;
            report::memory(companies, fleet.open_pools().await);
        }
    }
    Ok(())
}
