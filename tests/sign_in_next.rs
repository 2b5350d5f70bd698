//! After sign-in the analyst is sent to `next` only when it is a clean path of this site's
//! results; anything else (control characters, whitespace, other sites, schemes) is dropped for
//! `/results`, and never answers 500.

#[path = "common/analysts.rs"]
mod analysts;
mod common;

use analysts::{ANALYST, PASSWORD, browser, server_with_analyst, sign_in};

/// `next` values as they arrive after percent-decoding, with the encoded query form.
const HOSTILE: &[(&str, &str)] = &[
    ("/results\n", "/results%0A"),
    ("/results\r\n", "/results%0D%0A"),
    ("/results\u{7f}", "/results%7F"),
    ("/results\0", "/results%00"),
    ("/results/x\ty", "/results/x%09y"),
    ("/results/a b", "/results/a%20b"),
    ("/results/%0A", "/results/%250A"),
    ("/results/%7f", "/results/%257f"),
    ("//evil.example", "//evil.example"),
    ("/\\evil", "/%5Cevil"),
    ("/results/\\evil", "/results/%5Cevil"),
    ("https://x", "https://x"),
    ("https:/results", "https:/results"),
    ("results", "results"),
    ("/results/وطن", "/results/%D9%88%D8%B7%D9%86"),
    ("", ""),
];

#[tokio::test]
async fn only_clean_same_site_paths_are_followed_after_sign_in() {
    let server = server_with_analyst(&[]).await;
    let long = format!("/results/{}", "a".repeat(2000));
    let mut cases: Vec<(String, String)> = HOSTILE
        .iter()
        .map(|(raw, q)| (raw.to_string(), q.to_string()))
        .collect();
    cases.push((long.clone(), long));
    for (raw, query) in &cases {
        // The form does not carry the hostile value on.
        let client = browser();
        let form = client
            .get(server.url(&format!("/login?next={query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), 200, "GET next={query:?}");
        let page = form.text().await.unwrap();
        assert!(
            page.contains(r#"name="next" value="""#),
            "next={query:?}: {page}"
        );
        // Posted directly with the right password: signed in, sent to /results.
        let res = sign_in(&client, &server, "", raw, ANALYST, PASSWORD).await;
        assert_eq!(res.status(), 303, "POST next={raw:?}");
        assert_eq!(res.headers()["location"], "/results", "POST next={raw:?}");
    }
}

#[tokio::test]
async fn a_clean_results_path_with_its_query_is_kept() {
    let server = server_with_analyst(&[]).await;
    let client = browser();
    let next = "/results/citizen-security?domain=gender";
    let form = client
        .get(server.url("/login?next=/results/citizen-security%3Fdomain%3Dgender"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        form.contains(r#"name="next" value="/results/citizen-security?domain=gender""#),
        "{form}"
    );
    let res = sign_in(&client, &server, "", next, ANALYST, PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], next);
    // Where a results page sends a signed-out analyst comes back the same way.
    let out = browser()
        .get(server.url("/results/citizen-security.csv?domain=gender"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let to = out.headers()["location"].to_str().unwrap().to_string();
    let client = browser();
    let form = client
        .get(server.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // With its query: the analyst comes back to the same breakdown.
    assert!(
        form.contains(r#"value="/results/citizen-security.csv?domain=gender""#),
        "{to}: {form}"
    );
}
