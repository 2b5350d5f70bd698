//! Open links and QR posters over HTTP: designers and admins get the links page and the A4
//! posters, analysts and interviewers are refused; every QR code on them decodes (with a QR
//! decoder, from the SVG's modules) to the link shown next to it, on the server's
//! `--public-url`, never on the request's Host header.

#[path = "common/analysts.rs"]
mod analysts;
mod common;
#[path = "common/staff.rs"]
mod staff;

use common::{TestServer, fresh_database_url, repo_path};
use reqwest::StatusCode;

const PUBLIC: &str = "https://survey.example.org/mizan";

async fn server(extra: &[&str]) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(dir.path()).await;
    for (name, role) in staff::ROLES {
        staff::add_user(&url, name, role);
    }
    TestServer::start_on_with(&repo_path("surveys"), url, dir, extra)
}

/// Every inline SVG of a page, decoded: the module grid is read from the SVG path
/// (`M x y h w v h H x V y` rectangles, one unit per module), scaled up and given to the
/// decoder as a bitmap.
fn decode_all(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in html.split("<svg ").skip(1) {
        let svg = &part[..part.find("</svg>").expect("closed svg")];
        let view = svg.split("viewBox=\"0 0 ").nth(1).unwrap();
        let size: usize = view.split(' ').next().unwrap().parse().unwrap();
        let d = svg.split(" d=\"").nth(1).unwrap();
        let d = &d[..d.find('"').unwrap()];
        let mut dark = vec![false; size * size];
        for rect in d.split('M').filter(|r| !r.is_empty()) {
            let nums: Vec<usize> = rect
                .split(|c: char| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
                .map(|n| n.parse().unwrap())
                .collect();
            let (x, y, w, h) = (nums[0], nums[1], nums[2], nums[3]);
            for yy in y..y + h {
                for xx in x..x + w {
                    dark[yy * size + xx] = true;
                }
            }
        }
        let scale = 4;
        let mut img =
            rqrr::PreparedImage::prepare_from_bitmap(size * scale, size * scale, |x, y| {
                dark[(y / scale) * size + x / scale]
            });
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code per SVG");
        let (_, text) = grids[0].decode().expect("the QR code decodes");
        out.push(text);
    }
    out
}

#[tokio::test]
async fn designers_get_links_and_posters_whose_codes_decode_to_their_links() {
    let server = server(&["--public-url", &format!("{PUBLIC}/")]).await;
    let expected: Vec<String> = std::iter::once(format!("{PUBLIC}/s/citizen-security"))
        .chain(
            ["qr-poster", "sms", "social"]
                .iter()
                .map(|t| format!("{PUBLIC}/s/citizen-security?source={t}")),
        )
        .collect();
    for name in ["مصمم", "مدير"] {
        let client = staff::signed_in(&server, name).await;
        // A spoofed Host header changes nothing.
        let res = client
            .get(server.url("/posters/citizen-security?lang=en"))
            .header("Host", "evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{name}");
        let page = res.text().await.unwrap();
        assert!(!page.contains("evil.example"));
        assert_eq!(decode_all(&page), expected, "{name}");
        for url in &expected {
            assert!(
                page.contains(&format!(">{}</a>", url.replace('&', "&amp;"))),
                "{url} shown"
            );
        }
        assert!(page.contains("non-probability sample"));
        for tag in ["qr-poster", "sms", "social"] {
            assert!(page.contains(&format!("href=\"/posters/citizen-security/{tag}\"")));
            let res = client
                .get(server.url(&format!("/posters/citizen-security/{tag}")))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            let poster = res.text().await.unwrap();
            let link = format!("{PUBLIC}/s/citizen-security?source={tag}");
            assert_eq!(decode_all(&poster), vec![link.clone()]);
            assert!(poster.contains("<html lang=\"ar\" dir=\"rtl\">"));
            assert!(poster.contains("آراء المواطنين في الأمن وخدمات الشرطة"));
            assert!(poster.contains("Citizen perception of security and police services"));
            assert!(poster.contains("مجهول الهوية") && poster.contains("anonymous"));
            assert!(
                poster.contains(link.trim_start_matches("https://")),
                "short link"
            );
        }
        // A tag the survey does not declare, or no such survey: not found.
        for path in [
            "/posters/citizen-security/facebook",
            "/posters/nope",
            "/posters/nope/sms",
        ] {
            let res = client.get(server.url(path)).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        }
    }
    // The stylesheet prints posters on A4.
    let page = reqwest::get(server.url("/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let css_path = page
        .split("href=\"/static/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let css = reqwest::get(server.url(&format!("/static/{css_path}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The served stylesheet has the posters' rules (it is served without its comments).
    assert!(css.contains(".poster-links {") && css.contains("@page { size: A4"));
}

#[tokio::test]
async fn analysts_and_interviewers_are_refused() {
    let server = server(&["--public-url", PUBLIC]).await;
    for name in ["محلل", "سعاد"] {
        let client = staff::signed_in(&server, name).await;
        for path in ["/posters/citizen-security", "/posters/citizen-security/sms"] {
            let res = client.get(server.url(path)).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path} as {name}");
            assert!(!res.text().await.unwrap().contains("<svg"));
        }
    }
    // Signed out: to the sign-in.
    let res = analysts::browser()
        .get(server.url("/posters/citizen-security"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn without_a_public_url_the_pages_say_how_to_set_it() {
    let server = server(&[]).await;
    let client = staff::signed_in(&server, "مصمم").await;
    for path in [
        "/posters/citizen-security?lang=en",
        "/posters/citizen-security/sms",
    ] {
        let res = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let page = res.text().await.unwrap();
        assert!(page.contains("--public-url"), "{path}");
        assert!(!page.contains("<svg"), "{path}");
    }
}

#[test]
fn a_public_url_that_is_not_a_plain_address_stops_the_start() {
    let (code, _, err) = common::mizan(
        &[
            "serve",
            "--public-url",
            "survey.example.org",
            "--listen",
            "127.0.0.1:0",
        ],
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("must start with https:// or http://"), "{err}");
}
