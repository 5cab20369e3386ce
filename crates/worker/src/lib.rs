//! The background worker. It obeys the request path's rules: it learns *which* company has
//! work from the control plane's work queue, opens that company's database only through the
//! tenancy layer (which refuses suspended, erased and moving companies, and counts against the
//! connection budget), and finds the work itself inside that database. A job therefore cannot
//! name another company: its company is the database it was read from.
//!
//! Each pass over a company delivers the outbox's pending audit records, then runs due jobs
//! (retrying with backoff and jitter, dead-lettering after `max_attempts`), then tells the queue
//! when the company is due next. Several workers (in several `silo serve` or `silo worker`
//! processes) share the queue through leases.
//!
//! Each round also delivers due mail from the deployment's mail queue in the control plane
//! ([`mail`]), under the same rules of leases, retries and dead letters.
#![forbid(unsafe_code)]

pub mod audit;
mod backoff;
mod contract_mail;
pub mod conversions;
mod error;
mod invoice_mail;
pub mod mail;
mod metrics;
mod retention;
pub mod webhook;

pub use error::WorkerError;
pub use metrics::WorkerMetrics;

use silo_contract::JobKind;
use silo_control::{ClaimedWork, CompanyId, CompanyStatus};
use silo_domain::jobs::{self, Job};
use silo_store::{TenantDb, Timestamp};
use silo_tenancy::{Tenancy, TenancyError};
use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// How a worker behaves.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// This worker's name in leases (unique per process).
    pub id: String,
    /// Companies worked on at once.
    pub concurrency: usize,
    /// Jobs claimed at once in one company.
    pub batch: i64,
    /// How long a claim on a company lasts before another worker may take it over.
    pub company_lease: Duration,
    /// How long a claimed job is reserved before another worker may run it again.
    pub job_lease: Duration,
    /// How often an idle worker looks at the queue (a wake-up in this process is immediate).
    pub poll: Duration,
    /// Attempts before a job becomes a dead letter.
    pub max_attempts: i64,
    /// The first retry's delay; each later one doubles, with jitter.
    pub retry_base: Duration,
    /// The longest delay between attempts.
    pub retry_cap: Duration,
    /// When to look again at a company that does not serve now (suspended, moving).
    pub unavailable_recheck: Duration,
    /// How often every active company is put on the queue, to find work that a crash or an
    /// unreachable control plane kept off it; `None`: only at start.
    pub sweep: Option<Duration>,
    /// How long a dead letter of the mail queue keeps its body (for `silo jobs retry --mail`)
    /// before it is cleared.
    pub dead_mail_keep: Duration,
    /// Ready databases to keep in each PostgreSQL tenant server's provisioning pool (0: none,
    /// every provisioning creates its database).
    pub provisioning_pool: usize,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            id: format!(
                "worker-{}-{}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            ),
            concurrency: 4,
            batch: 20,
            company_lease: Duration::from_secs(120),
            job_lease: Duration::from_secs(60),
            poll: Duration::from_secs(1),
            max_attempts: 10,
            retry_base: Duration::from_secs(5),
            retry_cap: Duration::from_secs(3600),
            unavailable_recheck: Duration::from_secs(60),
            sweep: Some(Duration::from_secs(600)),
            dead_mail_keep: Duration::from_secs(24 * 3600),
            // Off for a worker built in code (tests and tools sharing a PostgreSQL server would
            // each prepare databases); the `silo` binary's `--provisioning-pool` keeps 4.
            provisioning_pool: 0,
        }
    }
}

/// How often a worker clears old dead letters' bodies and counts the mail queue for metrics.
const MAIL_TENDING: Duration = Duration::from_secs(60);

/// How often a worker tops up the PostgreSQL provisioning pool (one refiller per tenant server
/// at a time; the others find it locked and skip).
const POOL_REFILL: Duration = Duration::from_secs(10);

/// Companies that have work the queue may not know of yet (the control plane refused the
/// wake-up); the worker in this process keeps trying to queue them. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Nudge(Arc<NudgeInner>);

#[derive(Debug, Default)]
struct NudgeInner {
    pending: Mutex<HashSet<CompanyId>>,
    notify: Notify,
}

impl Nudge {
    /// Asks the worker to look at `company` soon.
    pub fn company(&self, company: CompanyId) {
        if let Ok(mut set) = self.0.pending.lock() {
            set.insert(company);
        }
        self.0.notify.notify_one();
    }

    /// Wakes the worker (work was queued in the control plane).
    pub fn wake(&self) {
        self.0.notify.notify_one();
    }

    fn take(&self) -> Vec<CompanyId> {
        self.0
            .pending
            .lock()
            .map(|mut s| s.drain().collect())
            .unwrap_or_default()
    }
}

/// What running one job came to.
#[derive(Debug)]
pub enum JobOutcome {
    /// It did its work.
    Done,
    /// It failed and may succeed later.
    Retry(String),
    /// It failed and may succeed at this time (a platform said it came too early); counted
    /// against the attempts like a retry.
    RetryAt(Timestamp, String),
    /// It failed for good (retrying cannot help): a dead letter at once.
    Dead(String),
}

/// The background worker.
pub struct Worker {
    tenancy: Arc<Tenancy>,
    config: WorkerConfig,
    nudge: Nudge,
    metrics: Arc<WorkerMetrics>,
    webhooks: webhook::Sender,
    /// Sends conversions to ad platforms.
    forwarder: conversions::Forwarder,
    /// Delivers the mail queue when set (an SMTP server is configured).
    smtp: Option<silo_mail::Transport>,
    /// Writes companies' invoice mail (through `smtp`, or to the outbox without it).
    mailer: Option<silo_mail::Mailer>,
    warned_no_smtp: AtomicBool,
    stopping: AtomicBool,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("id", &self.config.id)
            .finish()
    }
}

impl Worker {
    /// A worker over `tenancy`'s companies.
    pub fn new(
        tenancy: Arc<Tenancy>,
        config: WorkerConfig,
        nudge: Nudge,
        metrics: Arc<WorkerMetrics>,
        webhooks: webhook::Sender,
    ) -> Self {
        Worker {
            tenancy,
            config,
            nudge,
            metrics,
            webhooks,
            forwarder: conversions::Forwarder::new(conversions::ForwardingSettings::default()),
            smtp: None,
            mailer: None,
            warned_no_smtp: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
        }
    }

    /// Forwards conversions to ad platforms with these settings (without them: nothing is
    /// sent, as no vault key is loaded).
    #[must_use]
    pub fn with_forwarding(mut self, settings: conversions::ForwardingSettings) -> Self {
        self.forwarder = conversions::Forwarder::new(settings);
        self
    }

    /// Sends mail with `mailer`: the deployment's mail queue through its SMTP server (without
    /// one, it leaves the queue to workers that have one) and companies' invoice mail (through
    /// SMTP, or written to the outbox without it).
    #[must_use]
    pub fn with_mailer(mut self, mailer: silo_mail::Mailer) -> Self {
        self.smtp = mailer.smtp().cloned();
        self.mailer = Some(mailer);
        self
    }

    /// Works until `shutdown` resolves; then starts no new job or message, lets the running
    /// ones finish, puts claimed but unstarted jobs and messages back and releases its
    /// companies.
    pub async fn run(self: Arc<Self>, shutdown: impl Future<Output = ()>) {
        let stop_on_signal = async {
            shutdown.await;
            self.stop();
            std::future::pending::<()>().await;
        };
        tokio::select! {
            () = self.work() => {}
            () = stop_on_signal => {}
        }
        tracing::info!(worker = %self.config.id, "worker stopped");
    }

    async fn work(&self) {
        let mut next_sweep = Some(Instant::now());
        let mut next_mail_tending = Instant::now();
        let mut next_pool_refill = Instant::now();
        while !self.stopping() {
            if next_sweep.is_some_and(|at| Instant::now() >= at) {
                self.sweep().await;
                next_sweep = self.config.sweep.map(|every| Instant::now() + every);
            }
            if Instant::now() >= next_mail_tending {
                self.tend_mail().await;
                next_mail_tending = Instant::now() + MAIL_TENDING;
            }
            if self.config.provisioning_pool > 0 && Instant::now() >= next_pool_refill {
                let target = self.config.provisioning_pool;
                if let Err(e) = self.tenancy.refill_provisioning_pool(target).await {
                    tracing::warn!(error = %e, "cannot refill the provisioning pool");
                }
                next_pool_refill = Instant::now() + POOL_REFILL;
            }
            self.queue_nudged().await;
            let mailed = self.deliver_mail().await;
            if self.stopping() {
                break;
            }
            if self.round().await || mailed || self.stopping() {
                continue;
            }
            tokio::select! {
                () = self.nudge.0.notify.notified() => {}
                () = tokio::time::sleep(self.config.poll) => {}
            }
        }
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Asks the worker to stop at the next job boundary (for tests that kill a worker).
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.nudge.wake();
    }

    /// One claim of companies and a pass over each; whether there was any.
    async fn round(&self) -> bool {
        let claimed = match self
            .tenancy
            .control()
            .claim_work(
                &self.config.id,
                self.config.company_lease,
                self.config.concurrency as i64,
            )
            .await
        {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::warn!(error = %e, "the work queue is unreachable");
                return false;
            }
        };
        if claimed.is_empty() {
            return false;
        }
        let passes = claimed.into_iter().map(|work| self.pass(work));
        futures_join_all(passes).await;
        true
    }

    async fn queue_nudged(&self) {
        let now = Timestamp::now();
        for company in self.nudge.take() {
            if let Err(e) = self.tenancy.control().wake(company, now).await {
                tracing::warn!(%company, error = %e, "cannot queue a company's work yet");
                self.nudge.company(company);
                return;
            }
        }
    }

    /// Puts every active company on the queue: the safety net for work a crash or an
    /// unreachable control plane kept off it.
    async fn sweep(&self) {
        let companies = match self.tenancy.control().list_companies().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "cannot list companies for the sweep");
                return;
            }
        };
        let now = Timestamp::now();
        for (company, _) in companies
            .iter()
            .filter(|(c, _)| c.status == CompanyStatus::Active)
        {
            if let Err(e) = self.tenancy.control().wake(company.id, now).await {
                tracing::warn!(error = %e, "sweep stopped: the work queue is unreachable");
                return;
            }
        }
    }

    /// Works on one claimed company, then tells the queue when it is due next.
    async fn pass(&self, work: ClaimedWork) {
        let control = self.tenancy.control();
        let next = match self.work_on(work.company).await {
            Ok(next) => next,
            Err(PassEnd::Gone) => {
                self.metrics.company(work.company, None);
                if let Err(e) = control.forget_work(work.company).await {
                    tracing::warn!(company = %work.company, error = %e, "cannot forget an erased company's work");
                }
                return;
            }
            Err(PassEnd::Later(why)) => {
                tracing::debug!(company = %work.company, %why, "company's work deferred");
                Some(later(self.config.unavailable_recheck))
            }
        };
        if let Err(e) = control.finish_work(work, &self.config.id, next).await {
            // The claim's lease runs out and another pass picks the company up.
            tracing::warn!(company = %work.company, error = %e, "cannot release a company's claim");
        }
    }

    async fn work_on(&self, company_id: CompanyId) -> Result<Option<Timestamp>, PassEnd> {
        let control = self.tenancy.control();
        let company = match control.company(company_id).await {
            Ok(Some(c)) => c,
            Ok(None) => return Err(PassEnd::Gone),
            Err(e) => return Err(PassEnd::Later(e.to_string())),
        };
        let db = match self.tenancy.tenant_db(&company).await {
            Ok(db) => db,
            Err(TenancyError::NotActive(CompanyStatus::Erased)) => return Err(PassEnd::Gone),
            // Suspended, provisioning, moving or unreachable: its work waits, kept.
            Err(e) => return Err(PassEnd::Later(e.to_string())),
        };
        let mut retry_soon = !self.deliver_audit(company_id, &db).await;
        invoice_mail::queue_reminders(company_id, &db).await;
        retention::queue_daily(company_id, &db).await;
        if self.run_jobs(company_id, &db).await {
            // Jobs write too (a webhook endpoint disabled by a 410): their events' records.
            retry_soon |= !self.deliver_audit(company_id, &db).await;
        }
        let counts = jobs::counts(&db).await.ok();
        self.metrics.company(company_id, counts);
        let next = jobs::next_due(&db)
            .await
            .map_err(|e| PassEnd::Later(e.to_string()))?;
        Ok(if retry_soon {
            let soon = later(self.config.retry_base);
            Some(next.map_or(soon, |n| n.min(soon)))
        } else {
            next
        })
    }

    /// Delivers the company's pending audit records; whether that went through.
    async fn deliver_audit(&self, company: CompanyId, db: &TenantDb) -> bool {
        match audit::deliver(self.tenancy.control(), company, db).await {
            Ok(n) => {
                self.metrics.audited(n);
                true
            }
            Err(e) => {
                tracing::warn!(%company, error = %e, "audit delivery failed; retrying later");
                false
            }
        }
    }

    /// Runs the company's due jobs until none is left or the worker stops; whether any ran.
    async fn run_jobs(&self, company: CompanyId, db: &TenantDb) -> bool {
        let mut ran = false;
        while !self.stopping() {
            let claimed = match jobs::claim(db, self.config.job_lease, self.config.batch).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(%company, error = %e, "cannot claim jobs");
                    return ran;
                }
            };
            if claimed.is_empty() {
                return ran;
            }
            ran = true;
            for job in claimed {
                if self.stopping() {
                    // Not started: back to the queue without counting an attempt.
                    if let Err(e) = jobs::release(db, job.id).await {
                        tracing::warn!(%company, error = %e, "cannot release a job; its lease will run out");
                    }
                    continue;
                }
                self.run_job(company, db, &job).await;
            }
        }
        ran
    }

    async fn run_job(&self, company: CompanyId, db: &TenantDb, job: &Job) {
        let outcome = match job.kind {
            JobKind::WebhookDeliver => self.webhooks.deliver(db, job).await,
            JobKind::InvoiceMail => invoice_mail::deliver(self.mailer.as_ref(), db, job).await,
            JobKind::ContractMail => {
                contract_mail::deliver(self.mailer.as_ref(), &self.tenancy, company, db, job).await
            }
            JobKind::ConversionDeliver => self.forwarder.deliver(company, db, job).await,
            JobKind::AttributionRetention => retention::run(db, job).await,
            JobKind::RetentionApply => {
                retention::run_settings(&self.tenancy, company, db, job).await
            }
        };
        let kind = job.kind.as_str();
        let result = match outcome {
            JobOutcome::Done => {
                self.metrics.job(kind, "done");
                let waited = Timestamp::now().unix_seconds() - job.created_at.unix_seconds();
                self.metrics.delivered_after(waited as f64);
                jobs::complete(db, job.id).await
            }
            JobOutcome::Retry(error) if job.attempts < self.config.max_attempts => {
                self.metrics.job(kind, "retry");
                let wait =
                    backoff::delay(job.attempts, self.config.retry_base, self.config.retry_cap);
                jobs::fail(db, job.id, &error, Some(later(wait))).await
            }
            JobOutcome::RetryAt(at, error) if job.attempts < self.config.max_attempts => {
                self.metrics.job(kind, "retry");
                jobs::fail(db, job.id, &error, Some(at)).await
            }
            JobOutcome::Retry(error) | JobOutcome::RetryAt(_, error) | JobOutcome::Dead(error) => {
                self.metrics.job(kind, "dead");
                tracing::warn!(%company, job = %job.id, kind, "job dead-lettered");
                if job.kind == JobKind::InvoiceMail {
                    invoice_mail::given_up(db, job, &error).await;
                }
                jobs::fail(db, job.id, &error, None).await
            }
        };
        if let Err(e) = result {
            // Its lease runs out and it runs again: at least once, never lost.
            tracing::warn!(%company, job = %job.id, error = %e, "cannot record a job's outcome");
        }
    }
}

enum PassEnd {
    /// The company is erased: nothing is left to do, ever.
    Gone,
    /// The company cannot be worked on now; try again later.
    Later(String),
}

fn later(by: Duration) -> Timestamp {
    Timestamp::from_datetime(Timestamp::now().datetime() + by)
}

/// Runs futures concurrently on this task, waiting for all.
async fn futures_join_all<F: Future<Output = ()>>(futures: impl IntoIterator<Item = F>) {
    let mut set: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    std::future::poll_fn(|cx| {
        set.retain_mut(|f| f.as_mut().poll(cx).is_pending());
        if set.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}

/// Queues `company`'s work after a write committed: delivers its audit records now and puts it
/// on the work queue when jobs wait. What fails is left to the worker (nudged, and the sweep as
/// the last resort), so a committed write is never undone or hidden by a failure here.
pub async fn after_write(tenancy: &Tenancy, nudge: &Nudge, company: CompanyId, db: &TenantDb) {
    let control = tenancy.control();
    if let Err(e) = audit::deliver(control, company, db).await {
        tracing::warn!(%company, error = %e, "audit delivery after a write failed; the worker retries it");
        nudge.company(company);
        return;
    }
    match jobs::next_due(db).await {
        Ok(None) => {}
        Ok(Some(due)) => match control.wake(company, due).await {
            Ok(()) => nudge.wake(),
            Err(e) => {
                tracing::warn!(%company, error = %e, "cannot queue a company's jobs; the worker retries");
                nudge.company(company);
            }
        },
        Err(e) => {
            tracing::warn!(%company, error = %e, "cannot read a company's jobs; the worker retries");
            nudge.company(company);
        }
    }
}
