//! Survey definitions: the TOML format, its validation, and the rules for answers.
//!
//! Everything here is pure (no IO beyond reading the survey files in [`load`], no web types), so
//! that every channel — shared link, invitation, kiosk, interviewer — validates answers through
//! the same functions. The file format is documented in `docs/survey-format.md`.

pub mod answers;
pub mod condition;
pub mod load;
pub mod model;
pub mod quota;
mod raw;
pub mod xlsform;

pub use load::{load_each, load_paths, parse_str};
pub use model::*;

/// A validation report over one or more survey files: every problem with file, line and a
/// sentence. Displayed by `mizan check` and by `serve` when it refuses to start.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone)]
pub struct Problem {
    pub file: std::path::PathBuf,
    /// 1-based line; 0 when the problem is about the file as a whole.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for p in &self.problems {
            writeln!(f, "{}:{}: {}", p.file.display(), p.line, p.message)?;
        }
        Ok(())
    }
}
