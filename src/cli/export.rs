//! `mizan export SURVEY --out FILE.csv [--surveys DIR]`: write a survey's responses as CSV
//! microdata and its codebook (`FILE.codebook.csv`), reading the database named by
//! `DATABASE_URL` (or its replica `DATABASE_READ_URL`, when set). The column layout comes from the current survey definition, which is why the
//! survey files are loaded (and validated) first.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::db::Db;
use crate::export;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Survey id, e.g. `citizen-security`.
    pub survey: String,
    /// Microdata CSV to write; the codebook goes next to it as `NAME.codebook.csv`.
    #[arg(long)]
    pub out: PathBuf,
    /// Folder (or file) of survey definitions.
    #[arg(long, default_value = "surveys")]
    pub surveys: PathBuf,
}

pub fn run(args: Args) -> ExitCode {
    let surveys = match crate::survey::load_paths(std::slice::from_ref(&args.surveys)) {
        Ok(s) => s,
        Err(report) => {
            eprint!("{report}");
            return super::fail("not exporting: the surveys above are invalid");
        }
    };
    let Some(survey) = surveys.into_iter().find(|s| s.id == args.survey) else {
        return super::fail(format!(
            "no survey with id `{}` in {}",
            args.survey,
            args.surveys.display()
        ));
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return super::fail(e),
    };
    runtime.block_on(async {
        let read_url = super::migrate::database_read_url();
        let db =
            match Db::connect_with_replica(&super::migrate::database_url(), read_url.as_deref())
                .await
            {
                Ok(db) => db,
                Err(e) => return super::fail(e),
            };
        super::estimate::note_replica(&db).await;
        super::estimate::backfill_all(db.clone(), vec![std::sync::Arc::new(survey.clone())]).await;
        let result = export::export_to_files(&db, &survey, &args.out).await;
        db.close().await;
        match result {
            Ok(summary) => {
                println!(
                    "wrote {} responses to {} and the codebook to {}",
                    summary.rows,
                    args.out.display(),
                    export::codebook_path(&args.out).display()
                );
                if summary.other_versions > 0 {
                    eprintln!(
                        "note: {} responses answered an earlier version of `{}`; their \
                         survey_version column says which (current version {})",
                        summary.other_versions, survey.id, survey.version
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => super::fail(e),
        }
    })
}
