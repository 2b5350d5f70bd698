//! Submissions per second through the real HTTP stack (router, sessions in the database,
//! CSRF, answer rules, storage) on a fresh SQLite file, with concurrent clients.
//!
//! (a) full completions: start page, every question page GET+POST, check page, submit;
//! (b) final submits only: sessions are prepared up to the check page first, then every
//!     prepared session POSTs its submit at once, `CLIENTS` at a time.
//!
//! Run with `cargo bench --bench http_submit` (release build). Any non-expected status counts
//! as an error and is reported; the stored row count is checked against the submits.
//! `MIZAN_BENCH_SUBMITS` (default 6000) and `MIZAN_BENCH_CLIENTS` (default 32) tune it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use mizan::db::Db;
use mizan::web::{self, AppState, CookiePolicy};
use reqwest::StatusCode;

const SURVEY: &str = "citizen-security";

/// Complete answers through the longest path of the example survey.
const ANSWERS: &[(&str, &str)] = &[
    ("safe_day", "3"),
    ("safe_night", "2"),
    ("trust_police", "4"),
    ("contact", "yes"),
    ("satisfaction", "7"),
    ("respect", "yes"),
    ("payment", "no"),
    ("last_visit", "2026-03-15"),
    ("wait_minutes", "٤٥"),
    ("services", "complaint"),
    ("services", "document"),
    ("report_crime", "2"),
    ("why_not_report", "fear"),
    ("comment", "الشارع مظلم ليلاً"),
    ("neighbourhood", ""),
    ("governorate", "basra"),
    ("gender", "female"),
    ("age_group", "30-44"),
    ("education", "bachelor"),
];

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One person's visit, with the cookies (visit token, session) handled by hand (one shared
/// connection pool).
struct Person {
    cookies: Vec<(String, String)>,
    csrf: Option<String>,
}

struct Client {
    http: reqwest::Client,
    base: String,
    errors: AtomicUsize,
}

impl Client {
    async fn send(
        &self,
        person: &mut Person,
        req: reqwest::RequestBuilder,
    ) -> Option<(StatusCode, String, String)> {
        let req = if person.cookies.is_empty() {
            req
        } else {
            let header: Vec<String> = person
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req.header("cookie", header.join("; "))
        };
        let res = match req.send().await {
            Ok(r) => r,
            Err(_) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                return None;
            }
        };
        let status = res.status();
        for sc in res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            if let Some((k, v)) = sc.split(';').next().and_then(|kv| kv.split_once('=')) {
                person.cookies.retain(|(name, _)| name != k);
                person.cookies.push((k.to_string(), v.to_string()));
            }
        }
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = res.text().await.unwrap_or_default();
        if let Some(token) = after(&body, r#"name="csrf" value=""#) {
            person.csrf = Some(token);
        }
        Some((status, location, body))
    }

    fn expect(&self, got: Option<&(StatusCode, String, String)>, status: StatusCode) -> bool {
        let ok = got.is_some_and(|(s, _, _)| *s == status);
        if !ok {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        ok
    }

    /// Answer every page up to the check page; returns the submission key.
    async fn prepare(&self, person: &mut Person) -> Option<String> {
        let start = self
            .send(person, self.http.get(format!("{}/s/{SURVEY}", self.base)))
            .await;
        if !self.expect(start.as_ref(), StatusCode::OK) {
            return None;
        }
        let mut path = format!("/s/{SURVEY}/p/1");
        loop {
            let got = self
                .send(person, self.http.get(format!("{}{path}", self.base)))
                .await?;
            if got.0 == StatusCode::SEE_OTHER {
                path = got.1;
                continue;
            }
            if path.ends_with("/check") {
                if !self.expect(Some(&got), StatusCode::OK) {
                    return None;
                }
                return after(&got.2, r#"name="key" value=""#);
            }
            if !self.expect(Some(&got), StatusCode::OK) {
                return None;
            }
            let mut form: Vec<(&str, &str)> = vec![("csrf", person.csrf.as_deref()?)];
            form.extend_from_slice(ANSWERS);
            let posted = self
                .send(
                    person,
                    self.http.post(format!("{}{path}", self.base)).form(&form),
                )
                .await;
            if !self.expect(posted.as_ref(), StatusCode::SEE_OTHER) {
                return None;
            }
            path = posted?.1;
        }
    }

    async fn submit(&self, person: &mut Person, key: &str) -> bool {
        let form = [("csrf", person.csrf.as_deref().unwrap_or("")), ("key", key)];
        let got = self
            .send(
                person,
                self.http
                    .post(format!("{}/s/{SURVEY}/submit", self.base))
                    .form(&form),
            )
            .await;
        self.expect(got.as_ref(), StatusCode::SEE_OTHER)
            && got.is_some_and(|(_, loc, _)| loc.ends_with("/done"))
    }
}

/// CPU seconds used by this process so far (server and client together), from /proc.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses): utime is 14th, stime 15th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn cpu_note(cpu_before: Option<f64>, n: usize) -> String {
    match (cpu_before, cpu_seconds()) {
        (Some(a), Some(b)) if n > 0 && b > a => format!(
            "; CPU {:.2} ms each (server+client) = at most {:.0}/s on {} idle cores",
            (b - a) * 1000.0 / n as f64,
            n as f64 / (b - a) * cores() as f64,
            cores()
        ),
        _ => String::new(),
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn after(s: &str, prefix: &str) -> Option<String> {
    let from = s.find(prefix)? + prefix.len();
    let len = s[from..].find('"')?;
    Some(s[from..from + len].to_string())
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let submits = env_usize("MIZAN_BENCH_SUBMITS", 6000);
    let clients = env_usize("MIZAN_BENCH_CLIENTS", 32);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let surveys_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("surveys");
    let surveys = mizan::survey::load_paths(&[surveys_dir]).expect("example survey");
    let db = Db::connect(&url).await.expect("database");
    // Every simulated person comes from 127.0.0.1: lift the per-client link limit, as a
    // deployment behind many addresses would never meet it.
    web::submit_limit::configure(u32::MAX);
    let app = web::app(
        AppState::new(surveys, db.clone()),
        db.session_store(),
        CookiePolicy::plain(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    // The same accept loop as `mizan serve` (timeouts, connection cap).
    tokio::spawn(mizan::cli::serve::serve_connections(
        listener,
        app,
        mizan::cli::serve::Limits::default(),
        std::future::pending(),
    ));

    let client = Arc::new(Client {
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(clients)
            .build()
            .expect("client"),
        base,
        errors: AtomicUsize::new(0),
    });
    println!("http_submit: {clients} concurrent clients, SQLite, in-process server on loopback");

    // (a) Full completions for a fixed time.
    let completions = AtomicUsize::new(0);
    let completions = Arc::new(completions);
    let run_for = Duration::from_secs(env_usize("MIZAN_BENCH_SECONDS", 10) as u64);
    let cpu = cpu_seconds();
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (client, completions) = (client.clone(), completions.clone());
            tokio::spawn(async move {
                while started.elapsed() < run_for {
                    let mut person = Person {
                        cookies: Vec::new(),
                        csrf: None,
                    };
                    if let Some(key) = client.prepare(&mut person).await
                        && client.submit(&mut person, &key).await
                    {
                        completions.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let done_a = completions.load(Ordering::Relaxed);
    let requests_per = 2 + 2 * 12 + 2; // start, page GET/POST pairs and redirects, check, submit
    println!(
        "(a) full completions: {done_a} in {elapsed:.1} s = {:.0} completions/s (~{requests_per} requests each), errors: {}{}",
        done_a as f64 / elapsed,
        client.errors.load(Ordering::Relaxed),
        cpu_note(cpu, done_a)
    );

    // (b) Prepared sessions, then only the final submits.
    let prepared: Vec<(Person, String)> = futures::stream::iter(0..submits)
        .map(|_| {
            let client = client.clone();
            async move {
                let mut person = Person {
                    cookies: Vec::new(),
                    csrf: None,
                };
                let key = client.prepare(&mut person).await?;
                Some((person, key))
            }
        })
        .buffer_unordered(clients)
        .filter_map(|p| async move { p })
        .collect()
        .await;
    let errors_before = client.errors.load(Ordering::Relaxed);
    let count = prepared.len();
    let cpu = cpu_seconds();
    let started = Instant::now();
    let submitted: usize = futures::stream::iter(prepared)
        .map(|(mut person, key)| {
            let client = client.clone();
            async move { client.submit(&mut person, &key).await as usize }
        })
        .buffer_unordered(clients)
        .fold(0, |acc, n| async move { acc + n })
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "(b) final submits: {submitted}/{count} in {elapsed:.2} s = {:.0} submits/s, errors: {}{}",
        submitted as f64 / elapsed,
        client.errors.load(Ordering::Relaxed) - errors_before,
        cpu_note(cpu, submitted)
    );
    // (c) The floor of this client and HTTP stack: a trivial GET, same concurrency.
    let started = Instant::now();
    let probes = count.max(1000);
    let cpu = cpu_seconds();
    let ok: usize = futures::stream::iter(0..probes)
        .map(|_| {
            let client = client.clone();
            async move {
                let mut person = Person {
                    cookies: Vec::new(),
                    csrf: None,
                };
                let got = client
                    .send(
                        &mut person,
                        client.http.get(format!("{}/healthz", client.base)),
                    )
                    .await;
                client.expect(got.as_ref(), StatusCode::OK) as usize
            }
        })
        .buffer_unordered(clients)
        .fold(0, |acc, n| async move { acc + n })
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "(c) reference, GET /healthz: {ok} in {elapsed:.2} s = {:.0} requests/s{}",
        ok as f64 / elapsed,
        cpu_note(cpu, ok)
    );

    let stored = db.count_responses(SURVEY).await.expect("count");
    // Every acknowledged submit stored exactly once (the healthz count is not part of it).
    let expected = done_a + submitted;
    // Checkpoints run beside the writer: the log must not have grown without bound.
    let log = std::fs::metadata(dir.path().join("bench.db-wal")).map_or(0, |m| m.len());
    println!(
        "stored responses: {stored} (expected {expected}); write-ahead log {:.1} MiB",
        log as f64 / (1024.0 * 1024.0)
    );
    if stored as usize != expected || client.errors.load(Ordering::Relaxed) > 0 {
        eprintln!("http_submit: errors or a row count mismatch");
        std::process::exit(1);
    }
}
