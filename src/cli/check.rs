//! `mizan check [PATH…]`: validates survey files and prints every problem as `file:line: message`
//! on stderr (exit 1), or one `ok:` line per survey on stdout (exit 0). `serve` prints the same
//! report when it refuses to start. A results design file beside a survey
//! (`SURVEY.design.toml`) is checked too: it must parse and name only the survey's export columns.

use crate::survey::load_paths;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Survey files or folders of `*.toml` files.
    #[arg(default_value = "surveys")]
    pub paths: Vec<PathBuf>,
}

pub fn run(args: Args) -> ExitCode {
    match load_paths(&args.paths) {
        Ok(surveys) => {
            let mut design_problems = 0;
            for s in &surveys {
                if let Err(e) = crate::results::check_design_file(s) {
                    eprintln!("{e}");
                    design_problems += 1;
                }
            }
            if design_problems > 0 {
                eprintln!(
                    "{design_problems} problem{} found",
                    if design_problems == 1 { "" } else { "s" }
                );
                return ExitCode::from(1);
            }
            for s in &surveys {
                let questions = s.questions().count();
                println!(
                    "ok: {} ({}, version {}, {} question{})",
                    s.path.display(),
                    s.id,
                    s.version,
                    questions,
                    if questions == 1 { "" } else { "s" }
                );
            }
            ExitCode::SUCCESS
        }
        Err(report) => {
            eprint!("{report}");
            let n = report.problems.len();
            eprintln!("{n} problem{} found", if n == 1 { "" } else { "s" });
            ExitCode::from(1)
        }
    }
}
