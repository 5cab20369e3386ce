//! `events`: how fast business writes append to their company's outbox, and how fast the
//! worker then delivers those events to the audit trail, over N companies.

use crate::fleet::{Backend, company, owner};
use anyhow::Context;
use silo_domain::{Origin, contacts, events};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The two rates measured.
pub struct EventRates {
    /// Events appended (each with its business write) per second.
    pub appended: f64,
    /// Events delivered to the audit trail by the worker per second.
    pub delivered: f64,
}

/// Appends `per_company` events in each of `companies` companies (one writer per company, all
/// at once), then starts one worker and waits until every event is in the audit trail.
pub async fn run(
    backend: &Backend,
    companies: usize,
    per_company: usize,
    worker_concurrency: usize,
) -> anyhow::Result<EventRates> {
    let storage = backend.storage();
    let tenancy = Arc::new(storage.open(backend.settings).await);
    let mut dbs = Vec::with_capacity(companies);
    for i in 0..companies {
        let c = tenancy.provision(company(i)?, owner()?).await?;
        dbs.push(tenancy.tenant_db(&c).await?);
    }
    let started = Instant::now();
    let writers = dbs.iter().cloned().map(|db| {
        tokio::spawn(async move {
            for n in 0..per_company {
                let new =
                    serde_json::from_value(serde_json::json!({"name": format!("Contact {n}")}))?;
                contacts::create(&db, new, None, &Origin::system()).await?;
            }
            anyhow::Ok(())
        })
    });
    for writer in writers.collect::<Vec<_>>() {
        writer.await??;
    }
    let total = (companies * per_company) as f64;
    let appended = total / started.elapsed().as_secs_f64();

    let worker = Arc::new(silo_worker::Worker::new(
        tenancy.clone(),
        silo_worker::WorkerConfig {
            concurrency: worker_concurrency,
            poll: Duration::from_millis(10),
            ..silo_worker::WorkerConfig::default()
        },
        silo_worker::Nudge::default(),
        Arc::new(silo_worker::WorkerMetrics::unregistered()),
        silo_worker::webhook::Sender::new(silo_worker::webhook::WebhookSettings::default()),
    ));
    let started = Instant::now();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run(async {
        let _ = stopped.await;
    }));
    loop {
        let mut left = 0;
        for db in &dbs {
            left += events::unaudited_count(db).await?;
        }
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered = total / started.elapsed().as_secs_f64();
    let _ = stop.send(());
    running.await.context("worker")?;
    tenancy.close().await;
    Ok(EventRates {
        appended,
        delivered,
    })
}
