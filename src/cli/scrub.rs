//! `mizan scrub`: rewrite the stored responses so that the database files keep no trace of
//! the order in which they arrived. Run it at a quiet hour (it locks the responses for as long
//! as the rewrite takes), e.g. nightly from cron, or before handing a database copy to anyone.
//!
//! - SQLite: `VACUUM` (every page rebuilt in key order, free space dropped) and the
//!   write-ahead log truncated. `serve` does the same by itself after each quiet spell on
//!   databases up to 64 MiB; larger ones need this command.
//! - PostgreSQL: the responses, submission keys and invitations are copied out and written back in one
//!   transaction, in random-id order, into fresh table files (`TRUNCATE` gives each table a new
//!   file): every row then carries the same transaction id (`xmin`) and a physical position
//!   (`ctid`) that follows its random id. The old files are unlinked at commit; PostgreSQL's
//!   write-ahead log still holds the earlier inserts until it is recycled (see
//!   docs/postgres.md for what remains and how to remove it).

use std::process::ExitCode;

use crate::db::Db;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return super::fail(e),
    };
    runtime.block_on(async {
        let db = match Db::connect(&super::migrate::database_url()).await {
            Ok(db) => db,
            Err(e) => return super::fail(e),
        };
        let outcome = db.scrub().await;
        db.close().await;
        match outcome {
            Ok(rows) => {
                println!(
                    "scrubbed: {rows} responses rewritten in id order ({})",
                    db.kind()
                );
                ExitCode::SUCCESS
            }
            Err(e) => super::fail(e),
        }
    })
}
