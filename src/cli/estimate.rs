//! `mizan estimate`: design-based estimates from a CSV of responses (`--data`) or straight
//! from the database (`--survey`, see [`crate::results`]) and a design file, written as a tidy
//! CSV (with BOM) that spreadsheets open in UTF-8. Thin: the design file, the table and the
//! estimate rows live in [`crate::analysis`], every number comes from [`crate::stats`].

// The analysis layer under its former paths, for callers not yet moved to `crate::analysis`.
pub use crate::analysis::estimate::{
    COLUMNS, Row, estimate, estimate_rows, estimate_rows_with, estimate_table, status_code, to_csv,
    unanswered_rows,
};
pub use crate::analysis::{design_file, filter, table, xlsx};

use crate::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use table::Table;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// CSV of responses (Mizan export, KoboToolbox or ODK).
    #[arg(long, required_unless_present = "survey")]
    pub data: Option<PathBuf>,
    /// Survey id: read its responses from the database (`DATABASE_URL`, or its replica
    /// `DATABASE_READ_URL` when set), or with `--data`,
    /// take its default design when no `--design` is given.
    #[arg(long)]
    pub survey: Option<String>,
    /// Folder (or file) of survey definitions, for `--survey`.
    #[arg(long, default_value = "surveys")]
    pub surveys: PathBuf,
    /// Design file (TOML): weights, strata, clusters, calibration, variables. With `--survey`
    /// the default is `SURVEY.design.toml` beside the survey file, else the default design.
    #[arg(long, required_unless_present = "survey")]
    pub design: Option<PathBuf>,
    /// Output CSV (default: standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Delimiter of the data CSV: `,` `;` or `tab` (default: detected from the header line).
    #[arg(long)]
    pub delimiter: Option<String>,
    /// Sheet of an `.xlsx` data file (default: the first).
    #[arg(long)]
    pub sheet: Option<String>,
}

impl Args {
    fn read_options(&self) -> Result<table::ReadOptions> {
        Ok(table::ReadOptions {
            delimiter: self
                .delimiter
                .as_deref()
                .map(table::parse_delimiter)
                .transpose()?,
            sheet: self.sheet.clone(),
        })
    }
}

pub fn run(args: Args) -> ExitCode {
    let rows = match (&args.data, &args.survey) {
        (Some(data), None) => match &args.design {
            Some(design) => args
                .read_options()
                .and_then(|o| estimate_rows_with(data, design, &o)),
            None => Err(Error::Other("--data needs --design or --survey".into())),
        },
        (data, Some(id)) => estimate_for_survey(data.as_deref(), id, &args),
        (None, None) => Err(Error::Other("give --data FILE.csv or --survey ID".into())),
    };
    match rows.and_then(|rows| to_csv(&rows)) {
        Ok(csv) => match write_output(args.out.as_deref(), &csv) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => super::fail(e),
        },
        Err(e) => super::fail(e),
    }
}

/// `--survey`: the survey's design (explicit, beside the survey, or default) on its
/// responses from the database, or on `data` when given.
fn estimate_for_survey(data: Option<&Path>, id: &str, args: &Args) -> Result<Vec<Row>> {
    let surveys = crate::survey::load_paths(std::slice::from_ref(&args.surveys))
        .map_err(Error::InvalidSurvey)?;
    let survey = surveys.into_iter().find(|s| s.id == id).ok_or_else(|| {
        Error::Other(format!(
            "no survey with id `{id}` in {}",
            args.surveys.display()
        ))
    })?;
    let design = crate::results::design_for(&survey, args.design.as_deref())?;
    if let Some(data) = data {
        let table = Table::read_with(data, &design.file.data.missing, &args.read_options()?)?;
        let table = filter::apply_and_report(table, &design.file.filters)?;
        let (source, base) = (design.source(&survey), design.base_dir(&survey));
        return estimate_table(&table, &design.file, &source, &base);
    }
    let runtime = tokio::runtime::Runtime::new().map_err(|e| Error::Other(e.to_string()))?;
    runtime.block_on(async {
        let read_url = super::migrate::database_read_url();
        let db = crate::db::Db::connect_with_replica(
            &super::migrate::database_url(),
            read_url.as_deref(),
        )
        .await?;
        note_replica(&db).await;
        backfill_all(db.clone(), vec![std::sync::Arc::new(survey.clone())]).await;
        let rows = crate::results::estimate_survey(&db, &survey, &design).await;
        db.close().await;
        rows
    })
}

/// On stderr, when `DATABASE_READ_URL` is set but its replica does not answer: the run reads
/// the primary instead (the CLI has no log to say it in).
/// Fill in the cells of responses stored without them (see `Db::backfill_cells`). A failure
/// (a database that takes no writes) only costs speed: estimates then read the JSON.
pub(super) async fn backfill_all(
    db: crate::db::Db,
    surveys: Vec<std::sync::Arc<crate::survey::Survey>>,
) {
    for survey in surveys {
        match db.backfill_cells(&survey).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(survey = %survey.id, "filled in the cells of {n} responses"),
            Err(e) => tracing::warn!(survey = %survey.id, error = %e, "cells not filled in"),
        }
    }
}

pub(super) async fn note_replica(db: &crate::db::Db) {
    if db.reads_from_replica().await == Some(false) {
        eprintln!(
            "note: the read replica (DATABASE_READ_URL) does not answer; reading from the primary"
        );
    }
}

/// Writes to a temporary file beside the target and renames it, so nothing half-written is
/// left on error; standard output when no path is given.
fn write_output(out: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match out {
        None => std::io::stdout()
            .write_all(bytes)
            .map_err(|e| Error::io("<stdout>", e)),
        Some(path) => {
            let tmp = path.with_extension("csv.partial");
            std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
            std::fs::rename(&tmp, path).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                Error::io(path, e)
            })
        }
    }
}
