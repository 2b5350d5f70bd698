//! A minimal scripted browser for the black-box form tests: one cookie jar (one person's
//! session), redirects not followed automatically so that tests see every 303, and small HTML
//! helpers (CSRF token, attribute values) that read the pages as a person's browser would.
#![allow(dead_code)]

use futures::StreamExt;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::common::TestServer;

pub const SURVEY: &str = "citizen-security";

#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }
    /// The `<title>` text.
    pub fn title(&self) -> &str {
        between(&self.body, "<title>", "</title>").unwrap_or("")
    }
    pub fn csrf(&self) -> Option<String> {
        attr_after(&self.body, r#"name="csrf" value=""#)
    }
    pub fn submission_key(&self) -> Option<String> {
        attr_after(&self.body, r#"name="key" value=""#)
    }
    /// Hrefs of the error summary's links, in order.
    pub fn error_links(&self) -> Vec<String> {
        let Some(summary) = between(&self.body, r#"class="error-summary-list">"#, "</ul>") else {
            return Vec::new();
        };
        summary
            .split(r#"href=""#)
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .map(str::to_string)
            .collect()
    }
    /// Texts of the error summary's links, in order.
    pub fn error_texts(&self) -> Vec<String> {
        let Some(summary) = between(&self.body, r#"class="error-summary-list">"#, "</ul>") else {
            return Vec::new();
        };
        summary
            .split("\">")
            .skip(1)
            .filter_map(|s| s.split("</a>").next())
            .map(str::to_string)
            .collect()
    }
    /// True when the input with this id is checked.
    pub fn is_checked(&self, id: &str) -> bool {
        let needle = format!(r#"id="{id}""#);
        self.body
            .split('<')
            .any(|tag| tag.contains(&needle) && tag.contains(" checked"))
    }
    /// True when the choice `name=value` is checked (options may be randomised).
    pub fn is_value_checked(&self, name: &str, value: &str) -> bool {
        let (n, v) = (format!(r#"name="{name}""#), format!(r#"value="{value}""#));
        self.body
            .split('<')
            .any(|tag| tag.contains(&n) && tag.contains(&v) && tag.contains(" checked"))
    }

    /// The `value` of the text input with this id.
    pub fn input_value(&self, id: &str) -> Option<String> {
        let needle = format!(r#"id="{id}""#);
        let tag = self
            .body
            .split('<')
            .find(|t| t.starts_with("input") && t.contains(&needle))?;
        attr_after(tag, r#"value=""#)
    }
}

pub fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

fn attr_after(s: &str, prefix: &str) -> Option<String> {
    between(s, prefix, "\"").map(str::to_string)
}

pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
    csrf: Option<String>,
}

impl Browser {
    pub fn new(server: &TestServer) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http client"),
            base: server.base.clone(),
            csrf: None,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        let page = read(res).await;
        if let Some(token) = page.csrf() {
            self.csrf = Some(token);
        }
        page
    }

    /// POST form pairs as they are (the test decides about the CSRF field).
    pub async fn post_raw(&mut self, path: &str, pairs: &[(&str, &str)]) -> Page {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .form(pairs)
            .send()
            .await
            .expect("POST");
        read(res).await
    }

    /// The CSRF token seen on the last page that had one.
    pub fn csrf_seen(&self) -> Option<String> {
        self.csrf.clone()
    }

    /// The session's CSRF token (fetched from the first question page if not seen yet).
    pub async fn csrf(&mut self) -> String {
        if self.csrf.is_none() {
            self.get(&format!("/s/{SURVEY}/p/1")).await;
        }
        self.csrf
            .clone()
            .expect("a question page carries the CSRF token")
    }

    /// POST a form the way the page would, with the CSRF token.
    pub async fn post(&mut self, path: &str, pairs: &[(&str, &str)]) -> Page {
        let token = self.csrf().await;
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(pairs);
        self.post_raw(path, &all).await
    }

    /// Answer page after page from page 1, posting every given answer on each page (a page
    /// reads only its own questions), until the check-answers page. Returns the pages visited.
    pub async fn answer_all(&mut self, answers: &[(&str, &str)]) -> Vec<String> {
        self.answer_all_at(&format!("/s/{SURVEY}"), answers).await
    }

    /// [`Browser::answer_all`] for the survey at `base` (`/kiosk/s/ID`, `/field/AREA/s/ID`).
    pub async fn answer_all_at(&mut self, base: &str, answers: &[(&str, &str)]) -> Vec<String> {
        let mut path = format!("{base}/p/1");
        let mut visited = Vec::new();
        for _ in 0..50 {
            let page = self.get(&path).await;
            if page.status == StatusCode::SEE_OTHER {
                path = page.location().expect("redirect").to_string();
                continue;
            }
            if path.ends_with("/check") {
                assert_eq!(page.status, StatusCode::OK, "check page: {}", page.body);
                return visited;
            }
            assert_eq!(page.status, StatusCode::OK, "GET {path}");
            visited.push(path.clone());
            let posted = self.post(&path, answers).await;
            assert_eq!(
                posted.status,
                StatusCode::SEE_OTHER,
                "POST {path} was refused: {:?}",
                posted.error_texts()
            );
            path = posted.location().expect("redirect").to_string();
        }
        panic!("the survey did not reach the check page");
    }

    /// From a complete set of answers: open the check page and submit its form.
    pub async fn submit(&mut self) -> Page {
        self.submit_at(&format!("/s/{SURVEY}")).await
    }

    /// [`Browser::submit`] for the survey at `base`.
    pub async fn submit_at(&mut self, base: &str) -> Page {
        let check = self.get(&format!("{base}/check")).await;
        assert_eq!(check.status, StatusCode::OK);
        let key = check.submission_key().expect("check page issues a key");
        self.post(&format!("{base}/submit"), &[("key", &key)]).await
    }
}

async fn read(res: reqwest::Response) -> Page {
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.text().await.expect("body");
    Page {
        status,
        headers,
        body,
    }
}

/// Every stored response of the example survey, read back through the storage API.
pub async fn stored(server: &TestServer) -> Vec<mizan::db::StoredResponse> {
    let db = mizan::db::Db::connect(&server.database_url)
        .await
        .expect("open the test database");
    let rows: Vec<_> = db.responses(SURVEY).collect().await;
    db.close().await;
    rows.into_iter().map(|r| r.expect("row")).collect()
}

/// Answers that complete the example survey through the "had contact with the police" path.
pub const WITH_CONTACT: &[(&str, &str)] = &[
    ("safe_day", "3"),
    ("safe_night", "2"),
    ("trust_police", "4"),
    ("contact", "yes"),
    ("satisfaction", "3"),
    ("respect", "no"),
    ("payment", "prefer_not"),
    // A date is three boxes posted under one name: day, month, year.
    ("last_visit", "١٥"),
    ("last_visit", "٣"),
    ("last_visit", "٢٠٢٦"),
    ("wait_minutes", "٤٥"),
    ("services", "complaint"),
    ("services", "document"),
    ("visit_problem", "waiting"),
    ("report_crime", "2"),
    ("why_not_report", "fear"),
    ("comment", "الشارع مظلم ليلاً"),
    ("neighbourhood", ""),
    ("governorate", "basra"),
    ("gender", "female"),
    ("age_group", "30-44"),
    ("education", "bachelor"),
];

/// Answers through the "no contact" path.
pub const WITHOUT_CONTACT: &[(&str, &str)] = &[
    ("safe_day", "4"),
    ("safe_night", "dk"),
    ("trust_police", "5"),
    ("contact", "no"),
    ("report_crime", "5"),
    ("comment", ""),
    ("neighbourhood", "Karrada"),
    ("governorate", "baghdad"),
    ("gender", "male"),
    ("age_group", "18-29"),
    ("education", "diploma"),
];
