//! The SQLite backend on real files: one test binary (see docs/testing.md).

mod engine;
mod files;
