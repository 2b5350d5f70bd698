//! `mizan estimate`: design-based estimates from a CSV of responses and a design file.

pub mod design_file;
pub mod table;

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// CSV of responses (Mizan export, KoboToolbox or ODK).
    #[arg(long)]
    pub data: PathBuf,
    /// Design file (TOML): weights, strata, clusters, calibration, variables.
    #[arg(long)]
    pub design: PathBuf,
    /// Output CSV (default: standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(_args: Args) -> ExitCode {
    super::fail("`estimate` is not implemented yet")
}
