#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! A seeded, randomised, concurrent run across companies over real HTTP (issue 11).
//!
//! Several companies; identities holding different roles in overlapping sets of them; many
//! tasks creating, reading, changing, deleting and listing accounts, contacts and deals, with
//! `X-Tenant-ID`, `X-Company-ID`, `Host`, `X-Forwarded-Host` and query parameters naming other
//! companies on random requests. Every answer is checked: no row or id of another company ever
//! appears, every id of another company is not found, refusals follow the role registry, and at
//! the end every company holds exactly what its tasks wrote.
//!
//! The seed is printed; `SILO_ISOLATION_SEED=<n>` replays a run's operations (the interleaving
//! of tasks is the scheduler's). `SILO_ISOLATION_LONG=1` runs a much longer one.

use crate::common;
#[path = "isolation/task.rs"]
mod task;
#[path = "isolation/world.rs"]
mod world;

use common::Reply;
use std::time::Instant;
use task::{Kind, Row, assert_fields, list_company};
use world::World;

struct Size {
    companies: usize,
    identities: usize,
    tasks: usize,
    ops: usize,
}

fn size() -> Size {
    if std::env::var("SILO_ISOLATION_LONG").is_ok_and(|v| v == "1") {
        Size {
            companies: 6,
            identities: 14,
            tasks: 32,
            ops: 400,
        }
    } else {
        Size {
            companies: 4,
            identities: 6,
            tasks: 12,
            ops: 30,
        }
    }
}

async fn concurrent_companies_never_see_each_other() {
    let started = Instant::now();
    let (seed, mut rng) = world::seed();
    let size = size();
    let world = std::sync::Arc::new(World::build(&mut rng, size.companies, size.identities).await);
    // Tasks run as members only; outsiders' tokens are used for probes. Owners come first so
    // every company has a writer even when the random roles give it none.
    let members: Vec<usize> = (0..world.actors.len())
        .filter(|a| world.actors[*a].role.is_some())
        .collect();
    let handles: Vec<_> = (0..size.tasks)
        .map(|t| {
            let world = world.clone();
            let actor = members[t % members.len()];
            let ops = size.ops;
            tokio::spawn(async move { (actor, task::run(&world, seed, t, actor, ops).await) })
        })
        .collect();
    let mut expected: Vec<Vec<Row>> = vec![Vec::new(); size.companies];
    for h in handles {
        let (actor, rows) = h.await.unwrap();
        expected[world.actors[actor].company].extend(rows);
    }
    let mut total = 0;
    for (c, rows) in expected.iter().enumerate() {
        for kind in Kind::ALL {
            let stored = list_company(&world, c, kind).await;
            let want: Vec<&Row> = rows.iter().filter(|r| r.kind == kind).collect();
            assert_eq!(
                stored.len(),
                want.len(),
                "company {c} {kind:?}: stored {} rows, the model has {} (seed {seed})",
                stored.len(),
                want.len()
            );
            for row in want {
                let found = stored.iter().find(|s| s["id"] == row.id.as_str());
                assert_fields(row, found.unwrap(), &format!("final state (seed {seed})"));
            }
            world.assert_nothing_foreign(c, &serde_json::Value::from(stored), "final listing");
        }
        total += rows.len();
    }
    assert!(
        total > 0,
        "the run wrote nothing: the test would prove nothing"
    );
    println!(
        "isolation run: seed {seed}, {} companies, {} tasks x {} ops, {} rows checked, {:?}",
        size.companies,
        size.tasks,
        size.ops,
        total,
        started.elapsed()
    );
}

silo_testkit::backend_tests!(concurrent_companies_never_see_each_other);
