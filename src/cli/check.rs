//! `mizan check [PATH…]`: validates survey files and prints every problem as `file:line: message`
//! on stderr, and one `ok:` line per valid survey on stdout; the exit code is 1 when any file
//! has a problem. `serve` prints the same report when it refuses to start. A results design
//! file beside a survey (`SURVEY.design.toml`) is checked too: it must parse and name only the
//! survey's export columns.

use crate::survey::load_each;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Survey files or folders of `*.toml` files.
    #[arg(default_value = "surveys")]
    pub paths: Vec<PathBuf>,
}

pub fn run(args: Args) -> ExitCode {
    let (surveys, report) = load_each(&args.paths);
    eprint!("{report}");
    let mut problems = report.problems.len();
    for s in &surveys {
        if let Err(e) = crate::results::check_design_file(s) {
            eprintln!("{e}");
            problems += 1;
            continue;
        }
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
    if problems == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "{problems} problem{} found",
            if problems == 1 { "" } else { "s" }
        );
        ExitCode::from(1)
    }
}
