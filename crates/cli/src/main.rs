//! `silo`: run the server and operate the companies of a deployment.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod settings;
mod storage;

use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

/// mimalloc instead of the system allocator: request handling allocates on the runtime's
/// threads and frees on SQLite's worker threads (and back), and glibc's arena locks then made
/// allocation a point of contention under load (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    // clap exits with status 2 on usage errors by itself.
    let matches = cli::Cli::command().get_matches();
    let mut cli = match cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    if let Err(e) = settings::merge(&mut cli, &matches) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line on stderr: the error and its causes, joined.
            let causes: Vec<String> = e.chain().map(ToString::to_string).collect();
            eprintln!("error: {}", causes.join(": "));
            ExitCode::FAILURE
        }
    }
}
