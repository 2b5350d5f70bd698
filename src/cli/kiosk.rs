//! `mizan kiosk add --survey ID --site-ar NAME --site-en NAME --stratum S [--cluster C]
//! [--idle-seconds N]`: register a kiosk and print its enrolment path, one line starting with
//! `/`, to open once in the kiosk's browser (the admin pages do the same). The code in it works
//! once and is stored only as a hash.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::db::{self, Db};
use crate::fieldwork::{self, KioskForm};
use crate::{Error, Result};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Register a kiosk and print its one-time enrolment path.
    Add {
        /// Survey the kiosk runs (repeat for several).
        #[arg(long = "survey", required = true)]
        surveys: Vec<String>,
        /// The site's name in Arabic, e.g. "مركز شرطة الكرادة".
        #[arg(long)]
        site_ar: String,
        /// The site's name in English.
        #[arg(long)]
        site_en: String,
        /// Stratum (e.g. the governorate), as a code.
        #[arg(long)]
        stratum: String,
        /// Cluster (e.g. the district), as a code.
        #[arg(long, default_value = "")]
        cluster: String,
        /// Seconds without a touch before the screen clears (60 to 3600; default 120).
        #[arg(long)]
        idle_seconds: Option<u32>,
        /// Folder of survey files (to check the survey and its strata).
        #[arg(long, default_value = "surveys")]
        surveys_dir: PathBuf,
    },
}

pub fn run(args: Args) -> ExitCode {
    match add(args.action) {
        Ok(path) => {
            println!("{path}");
            ExitCode::SUCCESS
        }
        Err(e) => super::fail(e),
    }
}

fn add(action: Action) -> Result<String> {
    let Action::Add {
        surveys,
        site_ar,
        site_en,
        stratum,
        cluster,
        idle_seconds,
        surveys_dir,
    } = action;
    let loaded = crate::survey::load_paths(std::slice::from_ref(&surveys_dir))
        .map_err(Error::InvalidSurvey)?;
    let form = KioskForm {
        surveys,
        site_ar,
        site_en,
        stratum,
        cluster,
        idle_seconds,
    };
    let all: Vec<_> = loaded.iter().collect();
    let kiosk = fieldwork::check_kiosk(&all, &form).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(|p| p.message.en.clone()).collect();
        Error::BadRequest(lines.join("; "))
    })?;
    let code = fieldwork::new_enrolment_code()?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| Error::Other(e.to_string()))?;
    runtime.block_on(async {
        let db = Db::connect(&super::migrate::database_url()).await?;
        let added = db.add_kiosk(&kiosk, &db::secret_hash(&code)).await;
        db.close().await;
        added
    })?;
    Ok(fieldwork::enrolment_path(&code))
}
