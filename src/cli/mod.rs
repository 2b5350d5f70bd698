//! The `mizan` command line: one subcommand per job, each a thin wrapper over a module.
//! Each subcommand lives in its own file with its own `Args` and `run`.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub mod check;
pub mod estimate;
pub mod export;
pub mod import;
pub mod kiosk;
pub mod migrate;
pub mod sample;
pub mod scrub;
pub mod serve;
pub mod user;

#[derive(Debug, Parser)]
#[command(
    name = "mizan",
    version,
    about = "Survey and public-opinion polling platform"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate survey files and report every problem with file, line and a sentence.
    Check(check::Args),
    /// Run the web server (creates and migrates the database first).
    Serve(serve::Args),
    /// Create and migrate the database, then exit.
    Migrate(migrate::Args),
    /// Write a survey's responses as CSV microdata plus a codebook.
    Export(export::Args),
    /// Compute design-based weighted estimates from a CSV of responses (or the database) and a
    /// design file.
    Estimate(estimate::Args),
    /// Manage staff accounts (admin, designer, analyst, interviewer).
    User(user::Args),
    /// Add an analyst account (the same as `user add NAME --role analyst`).
    Analyst(user::AnalystArgs),
    /// Register a kiosk and print its one-time enrolment path.
    Kiosk(kiosk::Args),
    /// Draw a probability sample from a frame and store its single-use invitations.
    Sample(sample::Args),
    /// Convert a survey from another format (an XLSForm) into a survey file.
    Import(import::Args),
    /// Rewrite the stored responses so the database files keep no order of arrival.
    Scrub(scrub::Args),
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Migrate(args) => migrate::run(args),
        Command::Export(args) => export::run(args),
        Command::Estimate(args) => estimate::run(args),
        Command::User(args) => user::run(args),
        Command::Analyst(args) => user::run_analyst(args),
        Command::Kiosk(args) => kiosk::run(args),
        Command::Scrub(args) => scrub::run(args),
        Command::Sample(args) => sample::run(args),
        Command::Import(args) => import::run(args),
    }
}

/// Default database: the embedded SQLite file `mizan.db`, unless `DATABASE_URL` says otherwise.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://mizan.db";

/// Print an error the way every subcommand does and return the failure exit code.
pub fn fail(err: impl std::fmt::Display) -> ExitCode {
    eprintln!("mizan: {err}");
    ExitCode::from(1)
}
