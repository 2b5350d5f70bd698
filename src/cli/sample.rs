//! `mizan sample draw --frame FRAME.csv --survey ID --size N --seed S [--allocation
//! proportional|equal|given] [--per-stratum FILE] [--two-stage --clusters-per-stratum K]
//! --out INVITATIONS.csv`: draw a probability sample (see [`crate::sampling`]), store one
//! single-use invitation per unit and the draw's record, and write the list of who gets which
//! link.
//!
//! The CSV (`unit_id`, `stratum`, `cluster`, `probability`, `base_weight`, `link`) is the only
//! place where a unit and its link meet: the database keeps the SHA-256 of each link's token
//! with the stratum, cluster and base weight, never the unit id. It is written in full under a
//! temporary name first, the database rows are committed next, and only then is it renamed:
//! a failed write stores nothing, a failed commit leaves no CSV.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::db::{self, Db, DrawRecord, NewInvitation};
use crate::export::{BOM, format_number, spreadsheet_safe};
use crate::sampling::{self, Allocation, Design, Draw};
use crate::{Error, Result};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AllocationArg {
    Proportional,
    Equal,
    Given,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Draw a sample from a frame, store its invitations and write their links to a CSV.
    Draw {
        /// The sampling frame: CSV with `unit_id`, `stratum`, and optionally `cluster`, `size`.
        #[arg(long)]
        frame: PathBuf,
        /// The survey the invitations are for.
        #[arg(long)]
        survey: String,
        /// Total sample size.
        #[arg(long)]
        size: u64,
        /// Seed of the draw: the same frame and seed give the same units in the same order.
        #[arg(long)]
        seed: u64,
        /// How the sample is shared among strata.
        #[arg(long, value_enum, default_value = "proportional")]
        allocation: AllocationArg,
        /// With `--allocation given`: CSV with `stratum` and `n`.
        #[arg(long)]
        per_stratum: Option<PathBuf>,
        /// Draw clusters first (probability proportional to size), then units in them.
        #[arg(long, requires = "clusters_per_stratum")]
        two_stage: bool,
        /// With `--two-stage`: clusters drawn in each stratum.
        #[arg(long, requires = "two_stage")]
        clusters_per_stratum: Option<u64>,
        /// Where to write the invitations (one row per sampled unit); never overwritten.
        #[arg(long)]
        out: PathBuf,
        /// Folder of survey files (to check the survey and its strata).
        #[arg(long, default_value = "surveys")]
        surveys_dir: PathBuf,
    },
}

pub fn run(args: Args) -> ExitCode {
    match draw(args.action) {
        Ok(summary) => {
            print!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => super::fail(e),
    }
}

fn open(path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path).map_err(|e| Error::io(path, e))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn draw(action: Action) -> Result<String> {
    let Action::Draw {
        frame,
        survey,
        size,
        seed,
        allocation,
        per_stratum,
        two_stage,
        clusters_per_stratum,
        out,
        surveys_dir,
    } = action;
    let loaded = crate::survey::load_paths(std::slice::from_ref(&surveys_dir))
        .map_err(Error::InvalidSurvey)?;
    let survey = loaded.into_iter().find(|s| s.id == survey).ok_or_else(|| {
        Error::BadRequest(format!("no survey {survey:?} in {}", surveys_dir.display()))
    })?;
    if out.exists() {
        return Err(Error::BadRequest(format!(
            "{} exists; it may hold the links of an earlier draw, so it is not overwritten",
            out.display()
        )));
    }
    let allocation = match (allocation, &per_stratum) {
        (AllocationArg::Given, Some(path)) => {
            Allocation::Given(sampling::read_per_stratum(&file_name(path), open(path)?)?)
        }
        (AllocationArg::Given, None) => {
            return Err(Error::BadRequest(
                "--allocation given needs --per-stratum FILE (columns stratum, n)".into(),
            ));
        }
        (_, Some(_)) => {
            return Err(Error::BadRequest(
                "--per-stratum goes with --allocation given".into(),
            ));
        }
        (AllocationArg::Proportional, None) => Allocation::Proportional,
        (AllocationArg::Equal, None) => Allocation::Equal,
    };
    let frame_data = sampling::read_frame(&file_name(&frame), open(&frame)?)?;
    // The survey's declared strata (if it declares any) must cover the frame's.
    if let Some(field) = survey
        .metadata_field("stratum")
        .filter(|f| !f.values.is_empty())
    {
        let mut unknown: Vec<&str> = frame_data
            .units
            .iter()
            .map(|u| u.stratum.as_str())
            .filter(|s| !field.values.iter().any(|v| v == s))
            .collect();
        unknown.sort_unstable();
        unknown.dedup();
        if !unknown.is_empty() {
            return Err(Error::BadRequest(format!(
                "the frame's strata {} are not among the survey's strata ({})",
                unknown.join(", "),
                field.values.join(", ")
            )));
        }
    }
    let design = Design {
        size,
        allocation,
        clusters_per_stratum: if two_stage {
            clusters_per_stratum
        } else {
            None
        },
    };
    let drawn = sampling::draw(&frame_data, &design, seed)?;

    let mut links = Vec::with_capacity(drawn.units.len());
    let mut invitations = Vec::with_capacity(drawn.units.len());
    for u in &drawn.units {
        let token = crate::fieldwork::hex(&db::random_bytes::<16>()?);
        invitations.push(NewInvitation {
            token_hash: db::secret_hash(&token),
            stratum: u.stratum.clone(),
            cluster: u.cluster.clone(),
            base_weight: u.base_weight,
        });
        links.push(format!("/i/{token}"));
    }
    let report = serde_json::json!({
        "size": size,
        "clusters_per_stratum": design.clusters_per_stratum,
        "strata": drawn.strata,
    });
    let record = DrawRecord {
        survey_id: survey.id.clone(),
        seed,
        allocation: design.allocation.name().to_string(),
        report: report.to_string(),
    };

    let partial = partial_path(&out);
    write_csv(&partial, &drawn, &links)?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| Error::Other(e.to_string()))?;
    let stored = runtime.block_on(async {
        let db = Db::connect(&super::migrate::database_url()).await?;
        let added = db.add_draw(&record, &invitations).await;
        db.close().await;
        added
    });
    if let Err(e) = stored {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    // The invitations are stored: from here the file must not be lost, whatever happens.
    std::fs::rename(&partial, &out).map_err(|e| {
        Error::Other(format!(
            "the invitations are stored but {} could not be renamed to {}: {e}; the links are in the former",
            partial.display(),
            out.display()
        ))
    })?;
    Ok(summary(&drawn, &out))
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

/// The invitations CSV: UTF-8 with a byte-order mark, CRLF, cells a spreadsheet cannot take
/// for formulas.
fn write_csv(path: &Path, drawn: &Draw, links: &[String]) -> Result<()> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    // Created here, so removed here if it cannot be written in full (a `.partial` left by an
    // earlier run is never touched: it may hold stored links).
    let written = write_rows(file, path, drawn, links);
    if written.is_err() {
        let _ = std::fs::remove_file(path);
    }
    written
}

fn write_rows(file: std::fs::File, path: &Path, drawn: &Draw, links: &[String]) -> Result<()> {
    let mut out = std::io::BufWriter::new(file);
    out.write_all(BOM).map_err(|e| Error::io(path, e))?;
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    csv.write_record([
        "unit_id",
        "stratum",
        "cluster",
        "probability",
        "base_weight",
        "link",
    ])?;
    for (u, link) in drawn.units.iter().zip(links) {
        csv.write_record([
            spreadsheet_safe(u.unit_id.clone()),
            spreadsheet_safe(u.stratum.clone()),
            spreadsheet_safe(u.cluster.clone()),
            format_number(u.probability),
            format_number(u.base_weight),
            link.clone(),
        ])?;
    }
    let out = csv
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    let file = out
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    file.sync_all().map_err(|e| Error::io(path, e))?;
    Ok(())
}

fn summary(drawn: &Draw, out: &Path) -> String {
    let mut s = format!(
        "drew {} units; their invitations are stored and their links written to {}\n",
        drawn.units.len(),
        out.display()
    );
    for r in &drawn.strata {
        s.push_str(&format!(
            "  stratum {}: {} of {}\n",
            r.stratum, r.sample, r.population
        ));
    }
    s
}
