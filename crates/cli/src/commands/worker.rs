//! `silo worker`: the background worker without the HTTP server.

use crate::cli::{StorageArgs, WorkerArgs};
use silo_worker::{Nudge, Worker, WorkerMetrics, webhook};
use std::sync::Arc;

pub async fn run(storage: &StorageArgs, args: WorkerArgs) -> anyhow::Result<()> {
    crate::commands::serve::init_logs(crate::cli::LogFormat::Text);
    let tenancy = Arc::new(crate::storage::open(storage).await?);
    let worker = Arc::new(Worker::new(
        tenancy.clone(),
        args.worker_config(),
        Nudge::default(),
        Arc::new(WorkerMetrics::unregistered()),
        webhook::Sender::new(args.webhook_settings()),
    ));
    eprintln!("Silo worker running; stop it with Ctrl-C or SIGTERM.");
    worker.run(silo_server::shutdown_signal()).await;
    tenancy.close().await;
    eprintln!("Silo worker stopped.");
    Ok(())
}
