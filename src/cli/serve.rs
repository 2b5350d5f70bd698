//! `mizan serve`: load and validate the surveys, open (create, migrate) the database, bind, and
//! serve the forms. Refuses to start on an invalid survey with the same report as `mizan check`.
//!
//! After binding it prints exactly one line on stdout, `listening on http://IP:PORT`, which
//! scripts and the test harness wait for (port 0 picks a free port).
//!
//! Connections are served by an accept loop of our own rather than `axum::serve`, which has no
//! timeouts and no connection cap: a client gets `--header-timeout-secs` to send a request's
//! head (hyper's header read timeout, which also closes idle kept-alive connections) and
//! `--body-timeout-secs` to send its whole body (a stalled body gets a 408 and the connection
//! is closed), and at most `--max-connections` are open at once. Each request carries the
//! peer address as axum's `ConnectInfo<SocketAddr>` (the sign-in throttle keys a salted hash of
//! it; it is never stored or logged).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::Response;
use http_body_util::BodyExt;
use hyper::body::{Body as _, Incoming};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tower_http::timeout::{DeadlineBody, TimeoutError};

use crate::db::Db;
use crate::web::{self, AppState, Catalog, CookiePolicy};

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
    /// Most responses a public link accepts from one client (address, IPv6 /64) per hour; many
    /// phones share an address behind a mobile operator's NAT, hence the generous default.
    #[arg(long, default_value_t = crate::web::submit_limit::SUBMITS_PER_HOUR, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub link_submits_per_hour: u32,
    /// Seconds a client has to send a request's head (line and headers), from the moment the
    /// server starts reading it; also how long an idle kept-alive connection stays open.
    #[arg(long, default_value_t = HEADER_TIMEOUT_SECS, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout_secs: u64,
    /// Seconds a client has to send a request's whole body once its head has arrived; a
    /// stalled body gets a 408 page and the connection is closed.
    #[arg(long, default_value_t = BODY_TIMEOUT_SECS, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub body_timeout_secs: u64,
    /// Most connections open at once; further clients wait in the kernel's queue until one
    /// closes.
    #[arg(long, default_value_t = MAX_CONNECTIONS, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
    /// The address people type to reach the site, e.g. https://survey.example.org: the QR
    /// codes and posters of open links point there (never at the Host header of a request,
    /// which a client chooses). Without it the poster pages show no QR code.
    #[arg(long, value_parser = web::posters::PublicUrl::parse)]
    pub public_url: Option<web::posters::PublicUrl>,
    /// The organisation running the surveys (`organisation.toml`: name, optional logo and
    /// contact, in Arabic and English), shown on the home, start and privacy pages.
    #[arg(long)]
    pub organisation: Option<PathBuf>,
}

// Defaults generous enough for a poor mobile connection.
const HEADER_TIMEOUT_SECS: u64 = 30;
const BODY_TIMEOUT_SECS: u64 = 60;
const MAX_CONNECTIONS: u32 = 1024;

/// Days a used submission key is remembered (sessions last hours).
const KEEP_SUBMISSION_KEYS_DAYS: u32 = 3;

/// How often expired sessions are purged from the database.
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

pub fn run(args: Args) -> ExitCode {
    init_logging();
    crate::process::map_large_allocations();
    // Every valid survey is served; a broken file (or its broken design file) is refused
    // with its report here and on the designers' page, and never takes the others down.
    let catalog = Catalog::load(&args.surveys, None);
    if !catalog.refused.problems.is_empty() {
        eprint!("{}", catalog.refused);
        let n = catalog.refused.problems.len();
        eprintln!(
            "mizan: {n} problem{} found: those surveys are not served (the others are; fix the \
             files and reload with SIGHUP or the designers' page)",
            if n == 1 { "" } else { "s" }
        );
    }
    let organisation = match args.organisation.as_deref().map(crate::web::about::load) {
        None => None,
        Some(Ok(o)) => Some(o),
        Some(Err(e)) => {
            eprintln!("{e}");
            eprintln!("mizan: not starting: the organisation file is invalid");
            return ExitCode::from(1);
        }
    };
    crate::web::about::install(crate::web::about::About {
        organisation,
        facts: crate::web::about::Facts {
            session_hours: args.session_hours,
        },
    });
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return super::fail(e),
    };
    match runtime.block_on(serve(args, catalog)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => super::fail(e),
    }
}

async fn serve(args: Args, catalog: Catalog) -> crate::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| super::DEFAULT_DATABASE_URL.into());
    let read_url = super::migrate::database_read_url();
    let db = Db::connect_with_replica(&url, read_url.as_deref()).await?;
    let store = db.session_store();
    db.spawn_session_purge(PURGE_EVERY);
    db.spawn_health_watch();
    tokio::spawn(purge_old_submission_keys(db.clone()));
    // Compute the dummy hash that unknown names are checked against now, so that the first
    // sign-in with an unknown name takes no longer than any other (no name is looked up).
    let warm = db.clone();
    tokio::spawn(async move { crate::accounts::sign_in(&warm, "", "").await });
    crate::web::submit_limit::configure(args.link_submits_per_hour);
    // Every survey's responses are stored with their cells from the first submit on; those
    // stored without them (before this version, or while a survey was unknown) are filled
    // in the background, estimates reading the JSON until then.
    // A storage that cannot take writes now (read-only file, lock, full disk) must not stop
    // the server: it answers 503 and /healthz says so, and each submit registers its survey
    // again before storing.
    for survey in catalog.values() {
        if let Err(e) = db.register_survey(survey).await {
            tracing::warn!(survey = %survey.id, error = %e, "the survey's cell layout is not stored yet");
        }
    }
    tokio::spawn(super::estimate::backfill_all(
        db.clone(),
        catalog.values().cloned().collect(),
    ));
    let state = AppState::with_catalog(catalog, Some(args.surveys.clone()), db);
    state.desk.spawn_sweeper();
    tokio::spawn(reload_on_sighup(state.clone()));
    let app = web::app(
        state,
        store,
        CookiePolicy {
            secure: args.secure_cookies,
            inactivity: time::Duration::hours(args.session_hours.into()),
        },
    );
    let app = match args.public_url.clone() {
        Some(url) => app.layer(axum::Extension(url)),
        None => app,
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| crate::Error::Other(format!("cannot listen on {}: {e}", args.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| crate::Error::Other(format!("listening address: {e}")))?;
    println!("listening on http://{addr}");
    let limits = Limits {
        header: Duration::from_secs(args.header_timeout_secs),
        body: Duration::from_secs(args.body_timeout_secs),
        connections: args.max_connections as usize,
    };
    serve_connections(listener, app, limits, shutdown_signal()).await;
    Ok(())
}

/// `kill -HUP` reloads the survey files (see `web::catalog`).
async fn reload_on_sighup(state: AppState) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        tracing::warn!("cannot listen for SIGHUP: reload from the designers' page instead");
        return;
    };
    while hangups.recv().await.is_some() {
        if let Some(catalog) = state.reload() {
            if !catalog.refused.problems.is_empty() {
                eprint!("{}", catalog.refused);
            }
        }
    }
}

/// What clients may take of the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time to send a request's head; also how long an idle connection stays open.
    pub header: Duration,
    /// Time to send a request's body once its head has arrived.
    pub body: Duration,
    /// Most connections open at once.
    pub connections: usize,
}

impl Default for Limits {
    /// The defaults of `mizan serve`.
    fn default() -> Limits {
        Limits {
            header: Duration::from_secs(HEADER_TIMEOUT_SECS),
            body: Duration::from_secs(BODY_TIMEOUT_SECS),
            connections: MAX_CONNECTIONS as usize,
        }
    }
}

/// Accept connections until `shutdown`, then let open ones finish their requests (bounded by
/// the timeouts) and return. Public so that benchmarks measure the server as it runs.
pub async fn serve_connections(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let open = Arc::new(Semaphore::new(limits.connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // Wait for a free place before accepting: further clients queue in the kernel.
        let place = tokio::select! {
            place = open.clone().acquire_owned() => match place {
                Ok(place) => place,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |req: Request<Incoming>| {
            let app = app.clone();
            async move { Ok::<_, Infallible>(handle(app, req, peer, limits.body).await) }
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // Errors here are the client's (reset, timed out, malformed head): nothing to log.
            let _ = connection.await;
            drop(place);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Too many open files and the like: wait a moment instead of spinning. A client that gave
/// up before being accepted is no error.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if !matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        tracing::warn!(error = %e, "accepting a connection failed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One request through the app, with the peer address and the body deadline. When the body
/// did not arrive in time the app's answer (its page about a form cut short) goes out as 408
/// and the connection is closed: what is left of the body is never read.
async fn handle(app: Router, req: Request<Incoming>, peer: SocketAddr, body: Duration) -> Response {
    let (mut parts, incoming) = req.into_parts();
    parts.extensions.insert(ConnectInfo(peer));
    if incoming.is_end_stream() {
        let req = Request::from_parts(parts, axum::body::Body::new(incoming));
        return app.oneshot(req).await.unwrap_or_else(|e| match e {});
    }
    let late = Arc::new(AtomicBool::new(false));
    let flag = late.clone();
    let incoming = DeadlineBody::new(body, incoming).map_err(move |e| {
        if e.is::<TimeoutError>() {
            flag.store(true, Ordering::Relaxed);
        }
        e
    });
    let req = Request::from_parts(parts, axum::body::Body::new(incoming));
    let mut res = app.oneshot(req).await.unwrap_or_else(|e| match e {});
    if late.load(Ordering::Relaxed) {
        *res.status_mut() = StatusCode::REQUEST_TIMEOUT;
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
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
