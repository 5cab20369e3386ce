//! `silo worker`: the background worker without the HTTP server.

use crate::cli::{StorageArgs, WorkerCommandArgs};
use silo_mail::Mailer;
use silo_worker::mail::Postbox;
use silo_worker::{Nudge, Worker, WorkerMetrics, webhook};
use std::sync::Arc;

pub async fn run(storage: &StorageArgs, args: WorkerCommandArgs) -> anyhow::Result<()> {
    crate::commands::serve::init_logs(crate::cli::LogFormat::Text);
    let mailer = Mailer::start(args.mail.mail_settings(storage))?;
    let tenancy = Arc::new(crate::storage::open(storage).await?);
    let nudge = Nudge::default();
    // This machine's old spool, if an older version left one, goes into the mail queue.
    let postbox = Postbox::new(mailer.clone(), tenancy.control().clone(), nudge.clone());
    if let Err(e) = postbox.take_over_spool().await {
        tracing::warn!(error = %e, "cannot move the old mail spool into the mail queue yet");
    }
    let worker = Arc::new(
        Worker::new(
            tenancy.clone(),
            args.worker.worker_config(),
            nudge,
            Arc::new(WorkerMetrics::unregistered()),
            webhook::Sender::new(args.worker.webhook_settings()),
        )
        .with_mailer(mailer.clone())
        .with_forwarding(args.worker.forwarding_settings(storage)?),
    );
    eprintln!("Silo worker running; stop it with Ctrl-C or SIGTERM.");
    worker.run(silo_server::shutdown_signal()).await;
    tenancy.close().await;
    eprintln!("Silo worker stopped.");
    Ok(())
}
