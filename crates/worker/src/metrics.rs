//! The worker's metrics, registered into the server's registry: queue depth per state (as of
//! each company's last pass), delivery latency, outcomes and dead letters; and the same for the
//! deployment's mail queue.

use prometheus::{Histogram, HistogramOpts, IntCounterVec, IntGaugeVec, Opts, Registry};
use silo_contract::JobState;
use silo_control::{CompanyId, MailCounts, MailState};
use silo_domain::jobs::JobCounts;
use std::collections::HashMap;
use std::sync::Mutex;

/// Counters and gauges the worker keeps.
#[derive(Debug)]
pub struct WorkerMetrics {
    jobs: IntCounterVec,
    depth: IntGaugeVec,
    latency: Histogram,
    audited: prometheus::IntCounter,
    per_company: Mutex<HashMap<CompanyId, JobCounts>>,
    mail: IntCounterVec,
    mail_depth: IntGaugeVec,
    mail_latency: Histogram,
}

impl WorkerMetrics {
    /// Creates the metrics and registers them in `registry`.
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let jobs = IntCounterVec::new(
            Opts::new(
                "jobs_total",
                "Job attempts by kind and outcome (done, retry, dead)",
            ),
            &["kind", "outcome"],
        )?;
        let depth = IntGaugeVec::new(
            Opts::new(
                "jobs_queued",
                "Jobs per state over the companies this worker has looked at, as of its last pass over each",
            ),
            &["state"],
        )?;
        let latency = Histogram::with_opts(
            HistogramOpts::new(
                "job_delivery_latency_seconds",
                "From a job being queued to its successful run",
            )
            .buckets(vec![
                0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0, 3600.0,
            ]),
        )?;
        let audited = prometheus::IntCounter::new(
            "audit_events_delivered_total",
            "Outbox events the worker delivered to the audit trail (not counting those delivered right after their write)",
        )?;
        let mail = IntCounterVec::new(
            Opts::new(
                "mail_total",
                "Mail delivery attempts by this process, by outcome (sent, retry, dead)",
            ),
            &["outcome"],
        )?;
        let mail_depth = IntGaugeVec::new(
            Opts::new(
                "mail_queued",
                "Pending messages and dead letters in the deployment's mail queue, as this worker last counted",
            ),
            &["state"],
        )?;
        let mail_latency = Histogram::with_opts(
            HistogramOpts::new(
                "mail_delivery_latency_seconds",
                "From a message being queued to the SMTP server accepting it",
            )
            .buckets(vec![
                0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0, 3600.0,
            ]),
        )?;
        registry.register(Box::new(jobs.clone()))?;
        registry.register(Box::new(depth.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(audited.clone()))?;
        registry.register(Box::new(mail.clone()))?;
        registry.register(Box::new(mail_depth.clone()))?;
        registry.register(Box::new(mail_latency.clone()))?;
        Ok(WorkerMetrics {
            jobs,
            depth,
            latency,
            audited,
            per_company: Mutex::new(HashMap::new()),
            mail,
            mail_depth,
            mail_latency,
        })
    }

    /// Metrics kept in a registry of their own (a worker without a server).
    pub fn unregistered() -> Self {
        // Registering fresh collectors in a fresh registry cannot collide.
        Self::register(&Registry::new()).unwrap_or_else(|_| unreachable!())
    }

    pub(crate) fn job(&self, kind: &str, outcome: &str) {
        self.jobs.with_label_values(&[kind, outcome]).inc();
    }

    pub(crate) fn delivered_after(&self, seconds: f64) {
        self.latency.observe(seconds.max(0.0));
    }

    pub(crate) fn mail(&self, outcome: &str) {
        self.mail.with_label_values(&[outcome]).inc();
    }

    pub(crate) fn mail_delivered_after(&self, seconds: f64) {
        self.mail_latency.observe(seconds.max(0.0));
    }

    /// Notes the pending messages and dead letters of the mail queue.
    pub(crate) fn mail_queue(&self, backlog: &MailCounts) {
        for state in [MailState::Pending, MailState::Dead] {
            self.mail_depth
                .with_label_values(&[state.as_str()])
                .set(backlog.of(state));
        }
    }

    /// Mail delivery attempts by `outcome` (sent, retry, dead) since start.
    pub fn mail_outcomes(&self, outcome: &str) -> u64 {
        self.mail.with_label_values(&[outcome]).get()
    }

    pub(crate) fn audited(&self, n: usize) {
        self.audited.inc_by(n as u64);
    }

    /// Notes a company's job counts after a pass (`None`: the company is gone).
    pub(crate) fn company(&self, company: CompanyId, counts: Option<JobCounts>) {
        let Ok(mut map) = self.per_company.lock() else {
            return;
        };
        match counts {
            Some(c) => {
                map.insert(company, c);
            }
            None => {
                map.remove(&company);
            }
        }
        let mut total = JobCounts::default();
        for c in map.values() {
            total.pending += c.pending;
            total.running += c.running;
            total.done += c.done;
            total.dead += c.dead;
            total.dropped += c.dropped;
        }
        for state in JobState::ALL {
            let n = match state {
                JobState::Pending => total.pending,
                JobState::Running => total.running,
                JobState::Done => total.done,
                JobState::Dead => total.dead,
                JobState::Dropped => total.dropped,
            };
            self.depth.with_label_values(&[state.as_str()]).set(n);
        }
    }
}
