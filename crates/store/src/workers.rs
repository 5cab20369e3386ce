//! The threads every SQLite statement runs on: a fixed few, shared by all open databases.
//!
//! SQLite calls block (file reads, writes, checkpoints), so they cannot run on the async
//! runtime's threads; a thread per connection (what sqlx-sqlite does) costs a thread's stack
//! and wake-ups per open company. Here a statement is a job sent to a small pool of threads
//! started once, and its result comes back through a one-shot channel.

use crate::StoreError;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, OnceLock};

/// Name prefix of the worker threads (tests count them).
pub const THREAD_NAME: &str = "silo-sqlite";

type Job = Box<dyn FnOnce() + Send>;

struct Workers {
    jobs: Sender<Job>,
}

static WORKERS: OnceLock<Workers> = OnceLock::new();

/// How many worker threads run: twice the cores, at least four. Statements wait on the disk
/// (a checkpoint's fsync) as well as use the CPU, so a few more threads than cores keep the
/// CPU busy while some wait; locks held by other connections are waited out on the async side
/// and never hold a thread.
pub fn thread_count() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (cores * 2).max(4)
}

fn workers() -> &'static Workers {
    WORKERS.get_or_init(|| {
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..thread_count() {
            let queue = queue.clone();
            // A thread that cannot start leaves the others to do the work; with none at all,
            // every job fails with "unavailable" (its result channel closes unanswered).
            let _ = std::thread::Builder::new()
                .name(format!("{THREAD_NAME}-{n}"))
                .spawn(move || work(&queue));
        }
        Workers { jobs }
    })
}

fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = {
            let queue = queue.lock().unwrap_or_else(|p| p.into_inner());
            match queue.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        // A panicking job loses its own result (its caller sees "unavailable"), not the thread.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
    }
}

/// Runs `f` on a worker thread and waits for its result without blocking the runtime. If the
/// caller stops waiting, `f` still runs to its end, and whatever it returns is dropped there.
pub(crate) async fn run<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, StoreError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    spawn(move || {
        let _ = tx.send(f());
    });
    rx.await
        .map_err(|_| StoreError::Unavailable("the SQLite worker stopped before answering".into()))
}

/// Runs `f` on a worker thread without waiting for it.
pub(crate) fn spawn(f: impl FnOnce() + Send + 'static) {
    if let Err(job) = workers().jobs.send(Box::new(f)) {
        // The receiving end lives as long as the process; should it be gone, run here.
        (job.0)();
    }
}
