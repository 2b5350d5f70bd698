//! `mizan migrate`: create the database named by `DATABASE_URL` (default `sqlite://mizan.db`)
//! if needed and apply every migration, then exit. `serve` does the same on start; this
//! command exists so that an operator can prepare the database (or check that it is reachable)
//! before any server runs.

use std::process::ExitCode;

use crate::db::Db;

#[derive(Debug, clap::Args)]
pub struct Args {}

/// `DATABASE_URL`, or the embedded default.
pub fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| super::DEFAULT_DATABASE_URL.to_string())
}

/// `DATABASE_READ_URL`, if set: a streaming replica of the PostgreSQL `DATABASE_URL` for the
/// analysts' reads (`serve`, `export`, `estimate --survey`). Migrations never use it.
pub fn database_read_url() -> Option<String> {
    std::env::var("DATABASE_READ_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

pub fn run(_args: Args) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return super::fail(e),
    };
    runtime.block_on(async {
        match Db::connect(&database_url()).await {
            Ok(db) => {
                println!("database ready ({}), migrations applied", db.kind());
                db.close().await;
                ExitCode::SUCCESS
            }
            Err(e) => super::fail(e),
        }
    })
}
