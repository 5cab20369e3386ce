//! What a running server does besides answering requests: it signs audit checkpoints now and
//! then, writes the refused-token counts of each finished minute to the audit trail, reads
//! its key directory again every few seconds, and deletes ended attempt-count windows from the
//! control plane every few minutes.

use crate::AppState;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The running background tasks; [`Background::stop`] ends them.
pub(crate) struct Background {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Background {
    /// Starts the tasks (on the current Tokio runtime).
    pub(crate) fn start(state: &AppState) -> Self {
        let (stop, stopped) = watch::channel(false);
        let mut tasks = vec![
            tokio::spawn(flush_refusals(state.clone(), stopped.clone())),
            tokio::spawn(prune_attempts(state.clone(), stopped.clone())),
        ];
        if let Some(reload) = state.config.key_reload.clone()
            && !reload.interval.is_zero()
        {
            tasks.push(tokio::spawn(reload_keys(
                state.clone(),
                reload,
                stopped.clone(),
            )));
        }
        let interval = state.config.audit_checkpoint_interval;
        if !interval.is_zero() {
            tasks.push(tokio::spawn(checkpoints(state.clone(), interval, stopped)));
        }
        Background { stop, tasks }
    }

    /// Ends the tasks (a checkpoint being signed finishes first), then records every refused
    /// token still counted, the current minute's included.
    pub(crate) async fn stop(self, state: &AppState) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        state
            .token_refusals
            .flush(state.tenancy.control(), true)
            .await;
        state
            .access_refusals
            .flush(state.tenancy.control(), true)
            .await;
    }
}

/// Completes once `stop` says so (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

async fn flush_refusals(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(crate::refusals::FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stopped(&mut stop) => return,
            _ = tick.tick() => {
                state.token_refusals.flush(state.tenancy.control(), false).await;
                state.access_refusals.flush(state.tenancy.control(), false).await;
            }
        }
    }
}

/// How often ended attempt-count windows are deleted. Ended windows count nothing (a new
/// attempt restarts them), so this only bounds the table's size.
const PRUNE_ATTEMPTS_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// Deletes ended attempt-count windows now and then. Every server does it; the deletes are
/// idempotent.
async fn prune_attempts(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(PRUNE_ATTEMPTS_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stopped(&mut stop) => return,
            _ = tick.tick() => {}
        }
        if let Err(e) = state.tenancy.control().prune_attempts().await {
            tracing::warn!(error = %e, "cannot delete ended attempt counts; trying again later");
        }
    }
}

/// Reads the key directory every `reload.interval`. A directory that cannot be read (or is
/// refused) leaves the last good keys in use; a warning says so once per failing stretch.
async fn reload_keys(state: AppState, reload: crate::KeyReload, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(reload.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        tokio::select! {
            () = stopped(&mut stop) => return,
            _ = tick.tick() => {}
        }
        let (reader, dir) = (state.clone(), reload.dir.clone());
        let read = tokio::task::spawn_blocking(move || reader.tokens.reload(&dir)).await;
        match read {
            Ok(Ok(changed)) => {
                if changed {
                    let keys = state.tokens.keys();
                    tracing::info!(
                        active = keys.active_kid(),
                        kids = ?keys.kids().collect::<Vec<_>>(),
                        "signing keys changed on disk; now using them"
                    );
                }
                failing = false;
            }
            Ok(Err(e)) => {
                if !failing {
                    tracing::warn!(
                        error = %e,
                        dir = %reload.dir.display(),
                        "cannot read the signing keys again; keeping the keys in use"
                    );
                }
                failing = true;
            }
            Err(e) => tracing::warn!(error = %e, "the key reload task failed"),
        }
    }
}

/// Signs a checkpoint at start and then every `interval`, when a head moved (or the signing key
/// changed). Several servers may each do so; they agree on the numbering.
async fn checkpoints(
    state: AppState,
    interval: std::time::Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stopped(&mut stop) => return,
            _ = tick.tick() => {}
        }
        match state
            .tenancy
            .control()
            .checkpoint_if_changed(&state.tokens.keys())
            .await
        {
            Ok(Some(checkpoint)) => tracing::info!(
                checkpoint = checkpoint.id,
                chains = checkpoint.chains,
                kid = %checkpoint.kid,
                "signed an audit checkpoint"
            ),
            Ok(None) => {}
            Err(e @ silo_control::ControlError::CheckpointMismatch(_)) => tracing::error!(
                error = %e,
                "audit checkpoint refused: run `silo audit verify`"
            ),
            Err(e) => tracing::warn!(error = %e, "audit checkpoint failed; trying again later"),
        }
    }
}
