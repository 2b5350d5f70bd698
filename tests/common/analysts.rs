//! Analyst accounts and sign-in for black-box tests: `mizan analyst add`, a cookie-keeping
//! client that does not follow redirects, and the sign-in form round trip.
#![allow(dead_code)]

use super::common::TestServer;

pub const ANALYST: &str = "nour.analyst";
pub const PASSWORD: &str = "ميزان-كلمة-سر-طويلة";

/// `mizan analyst add NAME` with the password twice on stdin; panics when it fails.
pub fn add_analyst(url: &str, name: &str, password: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_mizan"))
        .args(["analyst", "add", name])
        .env("DATABASE_URL", url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mizan analyst");
    let mut stdin = child.stdin.take().unwrap();
    let _ = write!(stdin, "{password}\n{password}\n");
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "mizan analyst add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A server on a fresh database with the analyst `ANALYST`, started with `extra` flags.
pub async fn server_with_analyst(extra: &[&str]) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let url = super::common::fresh_database_url(dir.path()).await;
    add_analyst(&url, ANALYST, PASSWORD);
    TestServer::start_on_with(&super::common::repo_path("surveys"), url, dir, extra)
}

pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn csrf_of(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("page has a CSRF field");
    let rest = &page[at + 19..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// GET the sign-in form (`query` after `?`), then POST it with these fields.
pub async fn sign_in(
    client: &reqwest::Client,
    server: &TestServer,
    query: &str,
    next: &str,
    name: &str,
    password: &str,
) -> reqwest::Response {
    let page = client
        .get(server.url(&format!("/login?{query}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    client
        .post(server.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("next", next),
            ("name", name),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}
