//! Who is asking and what happens to the answers: `serve --organisation FILE.toml` puts the
//! organisation's name, logo and contact on the header, the home page and every start page, and
//! `/privacy` says in both languages what the server keeps, with its real numbers.

mod common;

use common::{TestServer, fresh_database_url, mizan, repo_path};
use reqwest::StatusCode;

const ORG: &str = r#"name = { ar = "مديرية شرطة البصرة", en = "Basra Police Directorate" }
contact = { ar = "الهاتف ٠٧٨٠١٢٣٤٥٦٧", en = "Phone 07801234567" }
logo = "logo.svg"
"#;
const LOGO: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="#1d70b8"/></svg>"##;

async fn server_with(extra: &[&str]) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("organisation.toml"), ORG).unwrap();
    std::fs::write(dir.path().join("logo.svg"), LOGO).unwrap();
    let org = dir.path().join("organisation.toml");
    let url = fresh_database_url(dir.path()).await;
    let mut args = vec!["--organisation", org.to_str().unwrap()];
    args.extend_from_slice(extra);
    TestServer::start_on_with(&repo_path("surveys"), url, dir, &args)
}

async fn get(server: &TestServer, path: &str) -> (StatusCode, String, reqwest::header::HeaderMap) {
    let res = reqwest::get(server.url(path)).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    (status, res.text().await.unwrap(), headers)
}

fn logo_src(body: &str) -> String {
    let at = body
        .find(r#"class="organisation-logo" src=""#)
        .expect("the logo")
        + 31;
    body[at..at + body[at..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn the_organisation_is_on_the_home_and_start_pages_and_privacy_is_linked() {
    let server = server_with(&[]).await;
    for (lang, name, contact, privacy) in [
        (
            "ar",
            "مديرية شرطة البصرة",
            "الهاتف ٠٧٨٠١٢٣٤٥٦٧",
            "كيف نحفظ إجاباتك",
        ),
        (
            "en",
            "Basra Police Directorate",
            "Phone 07801234567",
            "How your answers are kept",
        ),
    ] {
        for path in ["/", "/s/citizen-security"] {
            let (status, body, _) = get(&server, &format!("{path}?lang={lang}")).await;
            assert_eq!(status, StatusCode::OK);
            let block = body
                .find(r#"<div class="organisation">"#)
                .unwrap_or_else(|| panic!("{path}: {body}"));
            let main = &body[block..];
            assert!(
                main.contains(&format!("<strong>{name}</strong>")),
                "{path} {lang}"
            );
            assert!(
                main.contains(&format!("<bdi>{contact}</bdi>")),
                "{path} {lang}"
            );
            assert!(
                body.contains(&format!(r#"<a href="/privacy">{privacy}</a>"#)),
                "{path} {lang}"
            );
            // The header names the organisation, with its logo, and so does the footer.
            let header = common_between(&body, "<header", "</header>");
            assert!(
                header.contains(name) && header.contains("header-logo"),
                "{header}"
            );
            let footer = common_between(&body, "<footer", "</footer>");
            assert!(
                footer.contains(name) && footer.contains(r#"href="/privacy""#),
                "{footer}"
            );
        }
    }
    // The logo is served as an image from this site, cached by its content hash.
    let (_, home, _) = get(&server, "/").await;
    let src = logo_src(&home);
    assert!(
        src.starts_with("/static/organisation.") && src.ends_with(".svg"),
        "{src}"
    );
    let (status, svg, headers) = get(&server, &src).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/svg+xml");
    assert_eq!(svg, LOGO);
}

fn common_between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    let from = s.find(start).unwrap_or_else(|| panic!("{start} in {s}"));
    let to = from + s[from..].find(end).unwrap();
    &s[from..to]
}

#[tokio::test]
async fn the_privacy_page_states_what_this_server_keeps_in_both_languages() {
    let server = server_with(&["--session-hours", "5"]).await;
    let (status, en, _) = get(&server, "/privacy?lang=en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(en.contains(r#"<html lang="en" dir="ltr">"#));
    for said in [
        "<h1 class=\"heading-l\">How your answers are kept</h1>",
        "the day you sent them: not the time",
        "internet address (IP)",
        "deleted after 5 hours without a saved page",
        "never written to disk",
        "(2 minutes unless it is set otherwise, at most 60 minutes)",
        "People of Basra Police Directorate who are allowed to sign in",
        "Phone 07801234567",
    ] {
        assert!(en.contains(said), "{said}");
    }
    let (status, ar, _) = get(&server, "/privacy?lang=ar").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ar.contains(r#"<html lang="ar" dir="rtl">"#));
    for said in [
        "كيف نحفظ إجاباتك",
        "يوم الإرسال فقط",
        "٥ ساعات",
        "دقيقتين",
        "مديرية شرطة البصرة",
    ] {
        assert!(ar.contains(said), "{said}");
    }

    // Without an organisation: no block, the privacy page and its links still there, with the
    // default 21 hours.
    let plain = TestServer::start().await;
    let (_, home, _) = get(&plain, "/?lang=en").await;
    assert!(!home.contains(r#"class="organisation""#));
    assert!(home.contains(r#"<a href="/privacy">How your answers are kept</a>"#));
    let (status, en, _) = get(&plain, "/privacy?lang=en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(en.contains("deleted after 21 hours"));
    assert!(en.contains("People of the organisation running the survey"));
}

#[test]
fn a_broken_organisation_file_stops_the_start_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("organisation.toml");
    std::fs::write(&file, "name = { ar = \"مديرية\", en = \"\" }\n").unwrap();
    let (code, _, err) = mizan(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--organisation",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("organisation.toml: `name` needs both `ar` and `en`"),
        "{err}"
    );
    assert!(
        err.contains("not starting: the organisation file is invalid"),
        "{err}"
    );
}
