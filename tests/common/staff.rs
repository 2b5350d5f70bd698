//! Staff accounts and kiosks for black-box tests: `mizan user add`, `mizan kiosk add`, and a
//! signed-in client per role.
#![allow(dead_code)]

use super::common::{TestServer, mizan};

pub const PASSWORD: &str = "كلمة-سر-طويلة-للاختبار";

/// `mizan user add NAME --role ROLE` with the password twice on stdin; panics when it fails.
pub fn add_user(url: &str, name: &str, role: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_mizan"))
        .args(["user", "add", name, "--role", role])
        .env("DATABASE_URL", url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mizan user add");
    let mut stdin = child.stdin.take().unwrap();
    let _ = write!(stdin, "{PASSWORD}\n{PASSWORD}\n");
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "mizan user add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `mizan kiosk add …` for citizen-security; returns the enrolment path it prints.
pub fn add_kiosk(url: &str, extra: &[&str]) -> String {
    let surveys = super::common::repo_path("surveys");
    let mut args = vec![
        "kiosk",
        "add",
        "--survey",
        "citizen-security",
        "--site-ar",
        "مركز شرطة الكرادة",
        "--site-en",
        "Karrada police station",
        "--stratum",
        "urban",
        "--cluster",
        "karrada",
        "--surveys-dir",
        surveys.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = mizan(&args, &[("DATABASE_URL", url)]);
    assert_eq!(code, 0, "mizan kiosk add: {err}");
    let path = out.trim().to_string();
    assert!(
        path.starts_with("/kiosk/enrol/") && !path.contains('\n'),
        "one line starting with /: {out:?}"
    );
    path
}

/// A cookie-keeping client that does not follow redirects, signed in as `name`.
pub async fn signed_in(server: &TestServer, name: &str) -> reqwest::Client {
    let client = super::analysts::browser();
    let res = super::analysts::sign_in(&client, server, "", "", name, PASSWORD).await;
    assert_eq!(res.status(), 303, "sign-in of {name}");
    client
}

/// A fresh database with one account per role (admin, designer, analyst, interviewer).
pub async fn server_with_staff() -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let url = super::common::fresh_database_url(dir.path()).await;
    for (name, role) in ROLES {
        add_user(&url, name, role);
    }
    TestServer::start_on(&super::common::repo_path("surveys"), url, dir)
}

/// One account per role: (name, role). The names are Arabic on purpose.
pub const ROLES: [(&str, &str); 4] = [
    ("مدير", "admin"),
    ("مصمم", "designer"),
    ("محلل", "analyst"),
    ("سعاد", "interviewer"),
];
