//! Sign-in under attack: bursts of wrong passwords lock the account and the client for a
//! while (even the right password is refused, with a message that does not say whether the
//! account exists), other clients and accounts are not held back, a success resets the
//! account, and many parallel attempts keep the server's memory flat.

#[path = "common/analysts.rs"]
mod analysts;
mod common;

use std::net::IpAddr;

use analysts::{ANALYST, PASSWORD, browser, server_with_analyst, sign_in};

const THROTTLED_EN: &str = "Too many sign-in attempts";
const THROTTLED_AR: &str = "محاولات تسجيل دخول كثيرة";
const WRONG_EN: &str = "The user name or password is not right";

/// A client whose connections come from `ip` (any 127.x.y.z is loopback on Linux).
fn browser_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(ip.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

async fn attempt(
    client: &reqwest::Client,
    server: &common::TestServer,
    name: &str,
    password: &str,
    lang: &str,
) -> (u16, String, Option<String>) {
    let res = sign_in(
        client,
        server,
        &format!("lang={lang}"),
        "/results",
        name,
        password,
    )
    .await;
    let status = res.status().as_u16();
    let retry = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (status, res.text().await.unwrap(), retry)
}

#[tokio::test]
async fn a_burst_of_wrong_passwords_locks_the_account_even_for_the_right_one() {
    let server = server_with_analyst(&[]).await;
    let client = browser();
    for i in 0..5 {
        let (status, body, _) = attempt(&client, &server, ANALYST, "wrong password 1", "en").await;
        assert_eq!(status, 401, "attempt {i}");
        assert!(body.contains(WRONG_EN));
    }
    let (status, body, retry) = attempt(&client, &server, ANALYST, PASSWORD, "en").await;
    assert_eq!(status, 429, "the right password after a burst: {body}");
    assert!(body.contains(THROTTLED_EN), "{body}");
    assert!(!body.contains(WRONG_EN));
    assert!(retry.is_some_and(|s| s.parse::<u64>().is_ok_and(|s| s >= 60)));
    let (status, body, _) = attempt(&client, &server, ANALYST, PASSWORD, "ar").await;
    assert_eq!(status, 429);
    assert!(body.contains(THROTTLED_AR), "{body}");
    // Still no way in.
    let res = client.get(server.url("/results")).send().await.unwrap();
    assert_eq!(res.status(), 303);

    // An account that does not exist answers exactly the same, at every step.
    let ghost = "ghost.analyst";
    for i in 0..5 {
        let (status, body, _) = attempt(&client, &server, ghost, "wrong password 1", "en").await;
        assert_eq!(status, 401, "unknown account, attempt {i}");
        assert!(body.contains(WRONG_EN));
    }
    let (status, ghost_body, ghost_retry) =
        attempt(&client, &server, ghost, "wrong password 1", "en").await;
    let (_, known_body, known_retry) = attempt(&client, &server, ANALYST, PASSWORD, "en").await;
    assert_eq!(status, 429);
    assert_eq!(
        ghost_body, known_body,
        "the throttled page tells accounts apart"
    );
    assert_eq!(ghost_retry.is_some(), known_retry.is_some());
}

#[tokio::test]
async fn a_success_resets_the_account() {
    let server = server_with_analyst(&[]).await;
    for round in 0..3 {
        let client = browser();
        for _ in 0..4 {
            let (status, _, _) = attempt(&client, &server, ANALYST, "wrong password 2", "en").await;
            assert_eq!(status, 401, "round {round}");
        }
        let (status, body, _) = attempt(&client, &server, ANALYST, PASSWORD, "en").await;
        assert_eq!(status, 303, "round {round}: {body}");
    }
}

#[tokio::test]
async fn a_client_trying_many_accounts_is_throttled_and_others_are_not() {
    let server = server_with_analyst(&[]).await;
    let attacker = browser_from("127.0.0.7");
    // One wrong password for each of 20 names: no account reaches its limit, the client does.
    for i in 0..20 {
        let (status, _, _) = attempt(
            &attacker,
            &server,
            &format!("guess{i}"),
            "wrong password 3",
            "en",
        )
        .await;
        assert_eq!(status, 401, "guess {i}");
    }
    let (status, body, _) = attempt(&attacker, &server, ANALYST, PASSWORD, "en").await;
    assert_eq!(status, 429, "{body}");
    assert!(body.contains(THROTTLED_EN));
    // Someone else, from another address, signs in to that account.
    let analyst = browser_from("127.0.0.8");
    let (status, body, _) = attempt(&analyst, &server, ANALYST, PASSWORD, "en").await;
    assert_eq!(status, 303, "{body}");
}

/// Peak resident memory of a process (kB), from /proc.
fn peak_rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status")
}

#[tokio::test]
async fn parallel_wrong_sign_ins_keep_memory_flat() {
    const PARALLEL: usize = 200;
    let server = server_with_analyst(&[]).await;
    let pid = server.pid().unwrap();
    // Each attempt with its own session and CSRF token, all posted at once.
    let mut forms = Vec::new();
    for _ in 0..PARALLEL {
        let client = browser();
        let page = client
            .get(server.url("/login?lang=en"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        forms.push((client, analysts::csrf_of(&page)));
    }
    let before = peak_rss_kb(pid);
    let url = server.url("/login");
    let posts = forms.into_iter().enumerate().map(|(i, (client, csrf))| {
        let url = url.clone();
        tokio::spawn(async move {
            let name = if i % 2 == 0 {
                ANALYST.to_string()
            } else {
                format!("guess{i}")
            };
            let res = client
                .post(url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("next", "/results"),
                    ("name", name.as_str()),
                    ("password", "wrong password 4"),
                ])
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.text().await.unwrap())
        })
    });
    let answers = futures::future::join_all(posts).await;
    let peak = peak_rss_kb(pid);
    let mut counts = std::collections::BTreeMap::new();
    for answer in answers {
        let (status, body) = answer.unwrap();
        assert!(matches!(status, 401 | 429 | 503), "{status}: {body}");
        if status != 401 {
            assert!(body.contains(THROTTLED_EN), "{status}: {body}");
        }
        *counts.entry(status).or_insert(0) += 1;
    }
    eprintln!("answers {counts:?}; peak resident memory {before} kB before, {peak} kB after");
    assert!(peak < 150 * 1024, "peak resident memory {peak} kB");
    // The server still answers.
    let res = browser().get(server.url("/login")).send().await.unwrap();
    assert_eq!(res.status(), 200);
}
