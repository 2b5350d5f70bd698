//! The role × route matrix: every route of the access table (`web::access::rules`) is requested
//! by every kind of visitor — signed out, each role signed in, an enrolled kiosk — and the
//! server must allow exactly those the table names and refuse the others the way the table
//! says (sign-in redirect, "your account cannot open this page", "this screen is not
//! enrolled"). A few expectations are also written out by hand, so that a wrong table fails too.

#[path = "common/analysts.rs"]
mod analysts;
mod common;
#[path = "common/staff.rs"]
mod staff;

use mizan::accounts::Role;
use mizan::web::access::{Who, rules};
use reqwest::StatusCode;

const DENIED: &str = "لا يمكن لحسابك فتح هذه الصفحة";
const NOT_ENROLLED: &str = "هذه الشاشة غير مسجّلة";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Visitor {
    SignedOut,
    Staff(Role),
    Kiosk,
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Allowed(StatusCode),
    ToSignIn,
    Expired,
    Denied,
    NotEnrolled,
}

async fn request(
    client: &reqwest::Client,
    server: &common::TestServer,
    method: &str,
    path: &str,
) -> Outcome {
    let res = if method == "GET" {
        client.get(server.url(path)).send().await.unwrap()
    } else {
        // A fresh CSRF token (the sign-in page never renews it).
        let page = client.get(server.url("/login")).send().await.unwrap();
        let csrf = analysts::csrf_of(&page.text().await.unwrap());
        client
            .post(server.url(path))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap()
    };
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    let body = res.text().await.unwrap();
    assert!(status.as_u16() < 500, "{method} {path}: {status} {body}");
    if status == StatusCode::SEE_OTHER
        && location
            .as_deref()
            .is_some_and(|l| l.starts_with("/login?next="))
    {
        return Outcome::ToSignIn;
    }
    if status == StatusCode::FORBIDDEN {
        if body.contains(DENIED) {
            return Outcome::Denied;
        }
        if body.contains(NOT_ENROLLED) {
            return Outcome::NotEnrolled;
        }
        return Outcome::Expired;
    }
    Outcome::Allowed(status)
}

fn expected(who: Who, visitor: Visitor, method: &str) -> Option<Outcome> {
    match (who, visitor) {
        (Who::Anyone, _) => None,
        (Who::Kiosk, Visitor::Kiosk) => None,
        (Who::Kiosk, _) => Some(Outcome::NotEnrolled),
        (Who::Staff(roles), Visitor::Staff(r)) if roles.contains(&r) => None,
        (Who::Staff(_), Visitor::Staff(_)) => Some(Outcome::Denied),
        (Who::Staff(_), _) if method == "GET" => Some(Outcome::ToSignIn),
        (Who::Staff(_), _) => Some(Outcome::Expired),
    }
}

#[tokio::test]
async fn every_route_allows_exactly_the_roles_the_table_names() {
    let server = staff::server_with_staff().await;
    // The interviewer سعاد gets an area, so that her area's pages exist.
    let admin = staff::signed_in(&server, "مدير").await;
    let page = admin.get(server.url("/admin/areas")).send().await.unwrap();
    let csrf = analysts::csrf_of(&page.text().await.unwrap());
    let res = admin
        .post(server.url("/admin/areas"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("interviewer", "سعاد"),
            ("stratum", "urban"),
            ("cluster", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let field = staff::signed_in(&server, "سعاد").await;
    let home = field
        .get(server.url("/field"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = home.find("href=\"/field/").expect("an area link") + 13;
    let area = home[at..].split('/').next().unwrap().to_string();

    let mut visitors: Vec<(Visitor, reqwest::Client)> =
        vec![(Visitor::SignedOut, analysts::browser())];
    for (name, role) in staff::ROLES {
        let role = Role::parse(role).unwrap();
        let client = if role == Role::Interviewer {
            field.clone()
        } else {
            staff::signed_in(&server, name).await
        };
        visitors.push((Visitor::Staff(role), client));
    }
    let enrol = staff::add_kiosk(&server.database_url, &[]);
    let kiosk = analysts::browser();
    assert_eq!(
        kiosk.get(server.url(&enrol)).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    visitors.push((Visitor::Kiosk, kiosk));

    // Sign-out last: it ends the sessions the other rows need.
    let mut all: Vec<_> = rules().collect();
    all.sort_by_key(|r| r.path == "/logout");
    assert!(
        all.len() >= 40,
        "the table lists every route: {}",
        all.len()
    );
    let mut checked = 0;
    for rule in all {
        let path = rule
            .path
            .replace("{survey}", "citizen-security")
            .replace("{page}", "1")
            .replace("{file}", "citizen-security")
            .replace("{name}", "nobody-here")
            .replace("{id}", "0000000000000000")
            .replace("{area}", &area)
            .replace("{code}", "00000000000000000000000000000000")
            .replace("{tag}", "qr-poster");
        for (visitor, client) in &visitors {
            let outcome = request(client, &server, rule.method, &path).await;
            if rule.path == "/kiosk/enrol/{code}" {
                // Anyone may try a code; a wrong one is "not enrolled" for everyone.
                assert_eq!(outcome, Outcome::NotEnrolled, "{path} as {visitor:?}");
                continue;
            }
            match expected(rule.who, *visitor, rule.method) {
                Some(refusal) => {
                    assert_eq!(outcome, refusal, "{} {path} as {visitor:?}", rule.method)
                }
                None => assert!(
                    matches!(outcome, Outcome::Allowed(_)),
                    "{} {path} as {visitor:?} should be allowed: {outcome:?}",
                    rule.method
                ),
            }
            checked += 1;
        }
    }
    assert!(checked >= 40 * visitors.len() - visitors.len());
}

#[test]
fn the_table_says_what_the_polling_branch_decided() {
    let who = |m: &str, p: &str| {
        rules()
            .find(|r| r.method == m && r.path == p)
            .unwrap_or_else(|| panic!("{m} {p} has a rule"))
            .who
    };
    let may = |w: Who, role: Role| matches!(w, Who::Staff(roles) if roles.contains(&role));
    // Results: analysts and admins, never interviewers or designers.
    assert!(may(who("GET", "/results/{file}"), Role::Analyst));
    assert!(may(who("GET", "/results/{file}"), Role::Admin));
    assert!(!may(who("GET", "/results/{file}"), Role::Interviewer));
    assert!(!may(who("GET", "/results/{file}"), Role::Designer));
    // Accounts, kiosks and areas: admins only.
    for p in ["/admin/users", "/admin/kiosks", "/admin/areas"] {
        for role in [Role::Designer, Role::Analyst, Role::Interviewer] {
            assert!(!may(who("POST", p), role), "{p} {role:?}");
        }
        assert!(may(who("POST", p), Role::Admin));
    }
    // Interviews: interviewers only (an admin does not record interviews).
    assert!(may(
        who("POST", "/field/{area}/s/{survey}/submit"),
        Role::Interviewer
    ));
    assert!(!may(
        who("POST", "/field/{area}/s/{survey}/submit"),
        Role::Admin
    ));
    // Kiosk pages need an enrolled kiosk; citizens' link pages need nothing.
    assert_eq!(who("POST", "/kiosk/s/{survey}/submit"), Who::Kiosk);
    assert_eq!(who("POST", "/s/{survey}/submit"), Who::Anyone);
}
