//! `mizan serve`: load and validate the surveys, open (create, migrate) the database, bind, and
//! serve the forms. Refuses to start on an invalid survey with the same report as `mizan check`.
//!
//! After binding it prints exactly one line on stdout, `listening on http://IP:PORT`, which
//! scripts and the test harness wait for (port 0 picks a free port).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::db::Db;
use crate::web::{self, AppState, CookiePolicy};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Folder (or file) of survey definitions (`*.toml`).
    #[arg(long, default_value = "surveys")]
    pub surveys: PathBuf,
    /// Mark the session cookie `Secure` (HTTPS only). Use it whenever the site is served over
    /// HTTPS, e.g. behind a reverse proxy; plain-HTTP loopback needs it off.
    #[arg(long)]
    pub secure_cookies: bool,
    /// Hours without a saved answer after which answers in progress are dropped. The default,
    /// 21, uses WCAG 2.2.1's 20-hour exception (pages have no script to warn before a timeout).
    #[arg(long, default_value_t = 21, value_parser = clap::value_parser!(u16).range(1..=720))]
    pub session_hours: u16,
}

/// Days a used submission key is remembered (sessions last hours).
const KEEP_SUBMISSION_KEYS_DAYS: u32 = 3;

/// How often expired sessions are purged from the database.
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

pub fn run(args: Args) -> ExitCode {
    init_logging();
    let surveys = match crate::survey::load_paths(std::slice::from_ref(&args.surveys)) {
        Ok(s) => s,
        Err(report) => {
            eprint!("{report}");
            let n = report.problems.len();
            eprintln!("{n} problem{} found", if n == 1 { "" } else { "s" });
            eprintln!("mizan: not starting: the surveys above are invalid");
            return ExitCode::from(1);
        }
    };
    // A design file beside a survey (surveys/ID.design.toml) is checked now, as `mizan check`
    // does, so that a broken one stops the start instead of failing the analysts' pages later.
    let broken: Vec<String> = surveys
        .iter()
        .filter_map(|s| crate::results::check_design_file(s).err())
        .map(|e| e.to_string())
        .collect();
    if !broken.is_empty() {
        for problem in &broken {
            eprintln!("{problem}");
        }
        eprintln!("mizan: not starting: the design files above are invalid");
        return ExitCode::from(1);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return super::fail(e),
    };
    match runtime.block_on(serve(args, surveys)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => super::fail(e),
    }
}

async fn serve(args: Args, surveys: Vec<crate::survey::Survey>) -> crate::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| super::DEFAULT_DATABASE_URL.into());
    let db = Db::connect(&url).await?;
    let store = db.session_store();
    db.spawn_session_purge(PURGE_EVERY);
    db.spawn_health_watch();
    tokio::spawn(purge_old_submission_keys(db.clone()));
    let app = web::app(
        AppState::new(surveys, db),
        store,
        CookiePolicy {
            secure: args.secure_cookies,
            inactivity: time::Duration::hours(args.session_hours.into()),
        },
    );
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| crate::Error::Other(format!("cannot listen on {}: {e}", args.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| crate::Error::Other(format!("listening address: {e}")))?;
    println!("listening on http://{addr}");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| crate::Error::Other(format!("server: {e}")))
}

/// Submission keys only need to outlive the sessions whose forms could be resubmitted.
async fn purge_old_submission_keys(db: Db) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        if let Err(e) = db.purge_submission_keys(KEEP_SUBMISSION_KEYS_DAYS).await {
            tracing::warn!(error = %e, "purging old submission keys failed");
        }
    }
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
