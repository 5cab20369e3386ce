//! Test support shared by the crates' test suites: the backends to run a contract test on,
//! throw-away storage for each (a temp directory, or uniquely named PostgreSQL databases that
//! are dropped afterwards), a second PostgreSQL cluster for placement tests, and a real SMTP
//! server for mail tests ([`smtp`]), and the readers of invoice documents ([`documents`]).
//!
//! PostgreSQL tests read the server URL from `SILO_TEST_POSTGRES_URL` and are skipped, with a
//! printed reason, when it is not set.
#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]

mod cluster;
pub mod documents;
pub mod smtp;
mod storage;

pub use cluster::Cluster;
pub use storage::{PgEnv, TestStorage};

/// The environment variable naming the PostgreSQL server for tests.
pub const POSTGRES_URL_VAR: &str = "SILO_TEST_POSTGRES_URL";

/// A backend a contract test runs on.
#[derive(Clone, Debug)]
pub enum TestBackend {
    /// SQLite files in a temp directory (always available).
    Sqlite,
    /// The PostgreSQL server at this URL.
    Postgres(String),
}

impl TestBackend {
    /// PostgreSQL from `SILO_TEST_POSTGRES_URL`, or `None` after printing why the test skips.
    pub fn postgres() -> Option<TestBackend> {
        match std::env::var(POSTGRES_URL_VAR) {
            Ok(url) if !url.trim().is_empty() => Some(TestBackend::Postgres(url)),
            _ => {
                eprintln!("skipped: {POSTGRES_URL_VAR} is not set, so no PostgreSQL to test on");
                None
            }
        }
    }

    /// The backend the current test body runs on (SQLite outside [`run_on`]).
    pub fn current() -> TestBackend {
        BACKEND
            .try_with(Clone::clone)
            .unwrap_or(TestBackend::Sqlite)
    }

    /// Whether this is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self, TestBackend::Postgres(_))
    }
}

tokio::task_local! {
    static BACKEND: TestBackend;
}

/// Runs a test body with `backend` as [`TestBackend::current`].
pub async fn run_on<F: std::future::Future<Output = ()>>(backend: TestBackend, body: F) {
    BACKEND.scope(backend, body).await;
}

/// Declares each named `async fn()` test body as a test on SQLite (module `sqlite`) and on
/// PostgreSQL (module `postgres`, skipped without `SILO_TEST_POSTGRES_URL`).
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    $crate::run_on($crate::TestBackend::Sqlite, super::$name()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(backend) = $crate::TestBackend::postgres() {
                        $crate::run_on(backend, super::$name()).await;
                    }
                }
            )*
        }
    };
}
