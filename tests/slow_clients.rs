//! Clients that open a connection and stall (half a request head, half a body, or a byte now
//! and then) are cut off after the header and body timeouts, and never keep others out: a
//! normal request is served meanwhile and afterwards, and the number of open connections is
//! capped. Loopback only, with a bounded number of connections.

mod common;

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const STALLED: usize = 200;

/// Flags that make the timeouts short enough for a test.
const SHORT: &[&str] = &["--header-timeout-secs", "1", "--body-timeout-secs", "2"];

async fn server(extra: &[&str]) -> common::TestServer {
    let dir = tempfile::tempdir().unwrap();
    let url = common::fresh_database_url(dir.path()).await;
    common::TestServer::start_on_with(&common::repo_path("surveys"), url, dir, extra)
}

/// What the server sends before it closes: the bytes, or `None` if it is still open after
/// `wait`.
async fn until_closed(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(wait, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&got).into_owned())
}

/// The server's open sockets (Linux).
fn open_sockets(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|dir| {
            dir.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                .filter(|l| l.to_string_lossy().starts_with("socket:"))
                .count()
        })
        .unwrap_or(0)
}

async fn healthz(server: &common::TestServer) -> reqwest::StatusCode {
    reqwest::Client::new()
        .get(server.url("/healthz"))
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .expect("a normal request is served")
        .status()
}

fn slow_post_head(addr: &str) -> String {
    format!(
        "POST /s/citizen-security/p/1 HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ncsrf=abc"
    )
}

#[tokio::test]
async fn stalled_heads_and_bodies_are_closed_after_the_timeouts() {
    let server = server(SHORT).await;
    let addr = server.addr();
    let pid = server.pid().unwrap();
    // The server's own sockets (listener, database pool) once it has served a request.
    assert_eq!(healthz(&server).await, 200);
    let own = open_sockets(pid);
    let mut heads = Vec::new();
    let mut bodies = Vec::new();
    for i in 0..STALLED {
        let mut s = TcpStream::connect(&addr).await.unwrap();
        if i % 2 == 0 {
            s.write_all(format!("GET / HTTP/1.1\r\nHost: {addr}\r\nAccept: te").as_bytes())
                .await
                .unwrap();
            heads.push(s);
        } else {
            s.write_all(slow_post_head(&addr).as_bytes()).await.unwrap();
            bodies.push(s);
        }
    }
    // Two that send a byte now and then: a trickle does not restart the clock.
    let mut trickle_head = TcpStream::connect(&addr).await.unwrap();
    let mut trickle_body = TcpStream::connect(&addr).await.unwrap();
    trickle_body
        .write_all(slow_post_head(&addr).as_bytes())
        .await
        .unwrap();
    let started = Instant::now();
    // Meanwhile a normal request is served.
    assert_eq!(healthz(&server).await, 200);
    let head = format!("GET / HTTP/1.1\r\nHost: {addr}\r\n");
    let mut trickled = (0, 0);
    for (i, b) in head.bytes().enumerate().take(20) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if trickle_head.write_all(&[b]).await.is_ok() {
            trickled.0 = i + 1;
        }
        if trickle_body.write_all(b"x").await.is_ok() {
            trickled.1 = i + 1;
        }
    }
    // Only the two trickling ones may still be open (and a spare pool connection).
    assert!(
        open_sockets(pid) <= own + 4,
        "sockets still open: {} (own {own})",
        open_sockets(pid)
    );

    for (what, stream) in [("head", &mut trickle_head), ("body", &mut trickle_body)] {
        let answer = until_closed(stream, Duration::from_secs(10)).await;
        assert!(answer.is_some(), "a trickled {what} is still open");
    }
    assert!(started.elapsed() < Duration::from_secs(15));
    for (i, mut s) in heads.into_iter().enumerate() {
        let answer = until_closed(&mut s, Duration::from_secs(5)).await;
        let answer = answer.unwrap_or_else(|| panic!("stalled head {i} is still open"));
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
            "stalled head {i}: {answer}"
        );
    }
    for (i, mut s) in bodies.into_iter().enumerate() {
        let answer = until_closed(&mut s, Duration::from_secs(5)).await;
        let answer = answer.unwrap_or_else(|| panic!("stalled body {i} is still open"));
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
            "stalled body {i}: {answer}"
        );
    }
    // And afterwards.
    assert_eq!(healthz(&server).await, 200);
}

#[tokio::test]
async fn a_stalled_body_gets_a_408_page_not_a_hang() {
    let server = server(SHORT).await;
    let addr = server.addr();
    let mut s = TcpStream::connect(&addr).await.unwrap();
    s.write_all(slow_post_head(&addr).as_bytes()).await.unwrap();
    let answer = until_closed(&mut s, Duration::from_secs(10))
        .await
        .expect("the server closes a stalled body");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
}

#[tokio::test]
async fn open_connections_are_capped_and_freed_by_the_timeout() {
    let server = server(&["--header-timeout-secs", "2", "--max-connections", "20"]).await;
    let addr = server.addr();
    let pid = server.pid().unwrap();
    assert_eq!(healthz(&server).await, 200);
    let own = open_sockets(pid);
    let mut stalled = Vec::new();
    for _ in 0..20 {
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        stalled.push(s);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let open = open_sockets(pid);
    assert!(open <= own + 20, "{open} sockets (own {own})");
    // The 21st waits for a free place (the stalled ones time out), then is served.
    let asked = Instant::now();
    assert_eq!(healthz(&server).await, 200);
    assert!(
        asked.elapsed() >= Duration::from_millis(1000),
        "served at once: the cap did not hold"
    );
    drop(stalled);
    assert_eq!(healthz(&server).await, 200);
}
