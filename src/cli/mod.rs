//! The `mizan` command line: one subcommand per job, each a thin wrapper over a module.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "mizan", version, about = "Survey and public-opinion polling platform")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate survey files and report every problem with file, line and a sentence.
    Check {
        /// Survey files or folders (default: surveys/).
        paths: Vec<std::path::PathBuf>,
    },
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check { .. } => {
            eprintln!("not yet implemented");
            ExitCode::from(2)
        }
    }
}
