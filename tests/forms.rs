//! The example survey driven over HTTP like a person with a browser would: to a stored
//! response in Arabic and English, through validation errors, `show_if` skipping, back links,
//! the language switch, and repeated submits.

mod browser;
mod common;

use browser::{Browser, SURVEY, WITH_CONTACT, WITHOUT_CONTACT, stored};
use common::TestServer;
use mizan::survey::Answer;
use reqwest::StatusCode;

fn page(n: usize) -> String {
    format!("/s/{SURVEY}/p/{n}")
}

#[tokio::test]
async fn arabic_completion_stores_one_normalised_response() {
    let server = TestServer::start().await;
    let mut b = Browser::new(&server);
    let start = b.get(&format!("/s/{SURVEY}")).await;
    assert_eq!(start.status, StatusCode::OK);
    assert!(start.body.contains(r#"<html lang="ar" dir="rtl">"#));
    assert!(start.body.contains("ابدأ الآن"));

    let visited = b.answer_all(WITH_CONTACT).await;
    assert!(visited.contains(&page(4)), "the satisfaction page is shown");

    let check = b.get(&format!("/s/{SURVEY}/check")).await;
    assert!(check.body.contains("راجع إجاباتك قبل الإرسال"));
    assert!(check.body.contains("أرسل إجاباتي"));
    assert!(
        check.body.contains("لم تُقدَّم إجابة"),
        "skipped optional question"
    );
    assert!(
        check
            .body
            .contains(&format!("{}?change=1#contact", page(3)))
    );
    assert!(check.body.contains("<bdi>الشارع مظلم ليلاً</bdi>"));
    assert!(
        !check.body.contains("؟:"),
        "a grid item follows its question without a doubled mark"
    );
    assert_eq!(
        stored(&server).await.len(),
        0,
        "nothing stored before submit"
    );

    let done = b.submit().await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), Some(&*format!("/s/{SURVEY}/done")));
    let confirmation = b.get(&format!("/s/{SURVEY}/done")).await;
    assert_eq!(confirmation.status, StatusCode::OK);
    assert!(confirmation.body.contains("تم إرسال إجاباتك"));

    let rows = stored(&server).await;
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r.lang, "ar");
    assert_eq!(r.channel, "link");
    assert_eq!(r.answers.get("wait_minutes"), Some(&Answer::Number(45.0)));
    assert_eq!(
        r.answers.get("last_visit"),
        Some(&Answer::Value("2026-03-15".into()))
    );
    assert_eq!(
        r.answers.get("services"),
        Some(&Answer::Codes(vec!["complaint".into(), "document".into()]))
    );
    assert_eq!(
        r.answers.get("comment"),
        Some(&Answer::Value("الشارع مظلم ليلاً".into()))
    );
    assert_eq!(
        r.answers.get("safe_night"),
        Some(&Answer::Value("2".into()))
    );
    assert!(!r.answers.contains_key("neighbourhood"));

    // The answers are gone from the session: the check page no longer shows them.
    let after = b.get(&format!("/s/{SURVEY}/check")).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn english_completion_with_source_tag_skips_contact_pages() {
    let server = TestServer::start().await;
    let mut b = Browser::new(&server);
    let start = b.get(&format!("/s/{SURVEY}?source=sms&lang=en")).await;
    assert!(start.body.contains(r#"<html lang="en" dir="ltr">"#));
    assert!(start.body.contains("Start now"));

    let visited = b.answer_all(WITHOUT_CONTACT).await;
    for skipped in 4..=8 {
        assert!(
            !visited.contains(&page(skipped)),
            "page {skipped} is skipped"
        );
    }
    let check = b.get(&format!("/s/{SURVEY}/check")).await;
    assert!(check.body.contains("Check your answers before submitting"));
    assert!(check.body.contains("Submit my answers"));
    assert!(check.body.contains("<bdi>Karrada</bdi>"));
    assert!(check.body.contains("Not provided"));
    assert!(
        !check.body.contains("satisfied"),
        "hidden questions are not listed"
    );

    assert_eq!(b.submit().await.status, StatusCode::SEE_OTHER);
    let done = b.get(&format!("/s/{SURVEY}/done")).await;
    assert!(done.body.contains("Your answers have been submitted"));

    let rows = stored(&server).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].lang, "en");
    assert_eq!(rows[0].source.as_deref(), Some("sms"));
    assert!(!rows[0].answers.contains_key("satisfaction"));
    assert_eq!(
        rows[0].answers.get("neighbourhood"),
        Some(&Answer::Value("Karrada".into()))
    );
}

#[tokio::test]
async fn undeclared_source_tags_are_recorded_as_other() {
    let server = TestServer::start().await;
    // A tag the survey does not declare (a mistyped poster, a forwarded post) is counted as
    // `other` rather than lost; what was typed is not kept (it could be anything).
    for tag in ["made-up", "%3Cscript%3E", "ف"] {
        let mut b = Browser::new(&server);
        b.get(&format!("/s/{SURVEY}?source={tag}")).await;
        b.answer_all(WITHOUT_CONTACT).await;
        b.submit().await;
    }
    // Without a tag: no source.
    let mut b = Browser::new(&server);
    b.get(&format!("/s/{SURVEY}")).await;
    b.answer_all(WITHOUT_CONTACT).await;
    b.submit().await;
    let rows = stored(&server).await;
    assert_eq!(rows.len(), 4);
    let mut sources: Vec<Option<String>> = rows.into_iter().map(|r| r.source).collect();
    sources.sort();
    assert_eq!(
        sources,
        [
            None,
            Some("other".into()),
            Some("other".into()),
            Some("other".into())
        ]
    );
}

/// Post one page with `pairs` in `lang` and return the error page.
async fn errors_on(b: &mut Browser, n: usize, pairs: &[(&str, &str)]) -> browser::Page {
    let p = b.post(&page(n), pairs).await;
    assert_eq!(
        p.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "page {n}: {pairs:?}"
    );
    p
}

/// Reach page `n` with the contact path answered up to it.
async fn contact_session(server: &TestServer, lang: &str) -> Browser {
    let mut b = Browser::new(server);
    b.get(&format!("/s/{SURVEY}?lang={lang}")).await;
    for n in 1..=3 {
        let p = b.post(&page(n), WITH_CONTACT).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
    }
    b
}

fn assert_error_page(p: &browser::Page, lang: &str, links: &[&str]) {
    let (prefix, heading, hidden) = match lang {
        "ar" => ("خطأ: ", "هناك مشكلة", "خطأ:"),
        _ => ("Error: ", "There is a problem", "Error:"),
    };
    assert!(p.title().starts_with(prefix), "title {:?}", p.title());
    assert!(p.body.contains(heading));
    assert!(p.body.contains(r#"tabindex="-1" autofocus"#));
    let expected: Vec<String> = links.iter().map(|l| format!("#{l}")).collect();
    assert_eq!(p.error_links(), expected);
    for l in links {
        let inline = format!(r#"id="{l}-error"><span class="visually-hidden">{hidden} </span>"#);
        assert!(p.body.contains(&inline), "inline error for {l}");
        assert!(
            p.body.contains(&format!(r#"id="{l}""#)),
            "link target {l} exists"
        );
    }
    for text in p.error_texts() {
        let arabic = text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c));
        assert_eq!(arabic, lang == "ar", "message {text:?} in {lang}");
    }
}

#[tokio::test]
async fn every_question_type_reports_errors_in_the_persons_language() {
    let server = TestServer::start().await;
    for lang in ["ar", "en"] {
        let mut b = contact_session(&server, lang).await;
        // Likert grid: one error per unanswered item, linked to its first radio.
        let p = errors_on(&mut b, 1, &[]).await;
        assert_error_page(&p, lang, &["safe_day", "safe_night"]);
        let p = errors_on(&mut b, 1, &[("safe_day", "7"), ("safe_night", "2")]).await;
        assert_error_page(&p, lang, &["safe_day"]);
        assert!(p.is_checked("safe_night-2"), "valid answers are kept");
        // Likert: foreign value.
        let p = errors_on(&mut b, 2, &[("trust_police", "9")]).await;
        assert_error_page(&p, lang, &["trust_police"]);
        // Single choice: missing, and two values for one radio group.
        let p = errors_on(&mut b, 3, &[]).await;
        assert_error_page(&p, lang, &["contact"]);
        let p = errors_on(&mut b, 3, &[("contact", "yes"), ("contact", "no")]).await;
        assert_error_page(&p, lang, &["contact"]);
        // Rating out of range, and not a number.
        let p = errors_on(&mut b, 4, &[("satisfaction", "11")]).await;
        assert_error_page(&p, lang, &["satisfaction"]);
        let p = errors_on(&mut b, 4, &[("satisfaction", "x")]).await;
        assert_error_page(&p, lang, &["satisfaction"]);
        // Date that does not exist and number out of range: both on one page, in page order.
        let p = errors_on(
            &mut b,
            6,
            &[
                ("last_visit", "30"),
                ("last_visit", "2"),
                ("last_visit", "2026"),
                ("wait_minutes", "5000"),
            ],
        )
        .await;
        assert_error_page(&p, lang, &["last_visit", "wait_minutes"]);
        // The link lands on the wrong box, the day, which keeps what was typed.
        assert_eq!(p.input_value("last_visit").as_deref(), Some("30"));
        assert_eq!(p.input_value("last_visit-month").as_deref(), Some("2"));
        assert_eq!(p.input_value("wait_minutes").as_deref(), Some("5000"));
        let p = errors_on(
            &mut b,
            6,
            &[
                ("last_visit", "1"),
                ("last_visit", "3"),
                ("last_visit", "2026"),
                ("wait_minutes", "abc"),
            ],
        )
        .await;
        assert_error_page(&p, lang, &["wait_minutes"]);
        // Multiple choice: "none of these" with another option; missing.
        let p = errors_on(
            &mut b,
            7,
            &[("services", "none"), ("services", "complaint")],
        )
        .await;
        assert_error_page(&p, lang, &["services"]);
        assert!(
            p.is_value_checked("services", "complaint"),
            "ticked boxes are kept"
        );
        assert!(p.is_value_checked("services", "none"));
        assert!(!p.is_value_checked("services", "document"));
        let p = errors_on(&mut b, 7, &[]).await;
        assert_error_page(&p, lang, &["services"]);
        // Long and short text too long (optional questions, still limited).
        let long = "ب".repeat(1001);
        let short = "x".repeat(81);
        let p = errors_on(&mut b, 11, &[("comment", &long), ("neighbourhood", &short)]).await;
        assert_error_page(&p, lang, &["comment", "neighbourhood"]);
        // Required demographics missing; a foreign option code.
        let p = errors_on(&mut b, 12, &[("governorate", "atlantis")]).await;
        assert_error_page(
            &p,
            lang,
            &["governorate", "gender", "age_group", "education"],
        );
    }
    assert_eq!(stored(&server).await.len(), 0);
}

#[tokio::test]
async fn changing_an_earlier_answer_skips_pages_and_prunes_hidden_answers() {
    let server = TestServer::start().await;
    let mut b = Browser::new(&server);
    b.answer_all(WITH_CONTACT).await;
    // Change "contact" from the check page: the contact pages and their answers go.
    let change = b.get(&format!("{}?change=1", page(3))).await;
    assert!(
        change
            .body
            .contains(&format!(r#"href="/s/{SURVEY}/check""#)),
        "back goes to check"
    );
    let p = b
        .post(&page(3), &[("contact", "no"), ("change", "1")])
        .await;
    assert_eq!(p.location(), Some(&*format!("/s/{SURVEY}/check")));
    let skipped = b.get(&page(4)).await;
    assert_eq!(
        skipped.status,
        StatusCode::SEE_OTHER,
        "hidden page redirects onward"
    );
    assert_eq!(skipped.location(), Some(&*page(9)));
    let next = b.post(&page(3), &[("contact", "no")]).await;
    assert_eq!(next.location(), Some(&*page(9)));
    let check = b.get(&format!("/s/{SURVEY}/check")).await;
    assert!(!check.body.contains(&format!("{}?change=1", page(4))));

    // Back to "yes": the satisfaction answer was pruned, so the flow asks for it again.
    let p = b
        .post(&page(3), &[("contact", "yes"), ("change", "1")])
        .await;
    assert_eq!(p.location(), Some(&*format!("{}?change=1", page(4))));
    let satisfaction = b.get(&page(4)).await;
    assert!(
        !satisfaction.is_checked("satisfaction-4"),
        "pruned answer is not shown again"
    );

    b.post(&page(3), &[("contact", "no")]).await;
    b.submit().await;
    let rows = stored(&server).await;
    assert_eq!(rows.len(), 1);
    for hidden in [
        "satisfaction",
        "respect",
        "payment",
        "last_visit",
        "wait_minutes",
        "services",
    ] {
        assert!(!rows[0].answers.contains_key(hidden), "{hidden} was pruned");
    }
}

#[tokio::test]
async fn back_link_and_language_switch_keep_saved_answers() {
    let server = TestServer::start().await;
    let mut b = Browser::new(&server);
    b.post(&page(1), &[("safe_day", "1"), ("safe_night", "dk")])
        .await;
    let p2 = b.get(&page(2)).await;
    assert!(
        p2.body
            .contains(&format!(r#"<a class="back-link" href="{}">"#, page(1)))
    );
    let p1 = b.get(&page(1)).await;
    assert!(p1.is_checked("safe_day"));
    assert!(p1.is_checked("safe_night-5"));
    assert!(
        p1.body
            .contains(&format!(r#"formaction="{}/switch?lang=en""#, page(1)))
    );

    let english = b.get(&format!("{}?lang=en", page(1))).await;
    assert!(english.body.contains(r#"<html lang="en" dir="ltr">"#));
    assert!(english.is_checked("safe_day"));
    assert!(english.is_checked("safe_night-5"));
    // The choice is remembered for the next pages.
    let p2 = b.get(&page(2)).await;
    assert!(p2.body.contains(r#"<html lang="en" dir="ltr">"#));
    assert!(p2.body.contains("Page 2 of 6"));
    let arabic = b.get(&format!("{}?lang=ar", page(2))).await;
    assert!(arabic.body.contains("الصفحة ٢ من ٦"));
}

#[tokio::test]
async fn submitting_twice_or_refreshing_stores_one_response() {
    let server = TestServer::start().await;
    let mut b = Browser::new(&server);
    b.answer_all(WITHOUT_CONTACT).await;
    let check = b.get(&format!("/s/{SURVEY}/check")).await;
    let key = check.submission_key().unwrap();
    let submit = format!("/s/{SURVEY}/submit");
    // A double click: two POSTs in flight at once.
    let (first, second) = tokio::join!(post_with(&b, &submit, &key), post_with(&b, &submit, &key));
    assert_eq!(first, StatusCode::SEE_OTHER);
    assert_eq!(second, StatusCode::SEE_OTHER);
    // A retried POST later, and refreshes of the confirmation.
    let again = b.post(&submit, &[("key", &key)]).await;
    assert_eq!(again.location(), Some(&*format!("/s/{SURVEY}/done")));
    for _ in 0..2 {
        let done = b.get(&format!("/s/{SURVEY}/done")).await;
        assert_eq!(done.status, StatusCode::OK);
    }
    assert_eq!(stored(&server).await.len(), 1);
}

async fn post_with(b: &Browser, path: &str, key: &str) -> StatusCode {
    let token = b.csrf_seen().unwrap();
    b.client
        .post(format!("{}{path}", b.base))
        .form(&[("csrf", token.as_str()), ("key", key)])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn submit_without_complete_answers_stores_nothing() {
    let server = TestServer::start().await;
    let mut b = Browser::new(&server);
    b.post(&page(1), &[("safe_day", "1"), ("safe_night", "1")])
        .await;
    let check = b.get(&format!("/s/{SURVEY}/check")).await;
    assert_eq!(
        check.status,
        StatusCode::SEE_OTHER,
        "incomplete: back to the questions"
    );
    assert_eq!(check.location(), Some(&*page(2)));
    let forged = b
        .post(&format!("/s/{SURVEY}/submit"), &[("key", "made-up")])
        .await;
    assert_eq!(forged.status, StatusCode::SEE_OTHER);
    assert_eq!(stored(&server).await.len(), 0);
}

/// The order of the `value`s of the inputs named `name`, as rendered.
fn option_order(body: &str, name: &str) -> Vec<String> {
    let n = format!(r#"name="{name}""#);
    body.split('<')
        .filter(|tag| tag.starts_with("input") && tag.contains(&n))
        .filter_map(|tag| browser::between(tag, r#"value=""#, "\"").map(str::to_string))
        .collect()
}

#[tokio::test]
async fn randomised_options_keep_their_order_within_a_session_and_anchors_last() {
    let server = TestServer::start().await;
    let mut orders = std::collections::BTreeSet::new();
    for _ in 0..6 {
        let mut b = Browser::new(&server);
        for n in 1..=3 {
            b.post(&page(n), WITH_CONTACT).await;
        }
        let first = b.get(&page(7)).await;
        let order = option_order(&first.body, "services");
        assert_eq!(order.len(), 8);
        assert_eq!(&order[6..], ["other", "none"], "anchored options stay last");
        // Re-rendered, and after an error, the order is the same.
        let again = b.get(&page(7)).await;
        assert_eq!(option_order(&again.body, "services"), order);
        let error = b.post(&page(7), &[]).await;
        assert_eq!(option_order(&error.body, "services"), order);
        orders.insert(order);
    }
    assert!(orders.len() > 1, "different sessions see different orders");
}

#[tokio::test]
async fn question_pages_follow_the_form_patterns() {
    let server = TestServer::start().await;
    let mut b = Browser::new(&server);
    // A page with one radio question: the legend is the page's only h1.
    b.post(&page(1), WITH_CONTACT).await;
    let p2 = b.get(&page(2)).await;
    assert_eq!(p2.body.matches("<h1").count(), 1);
    assert!(
        p2.body
            .contains(r#"<legend class="legend legend-heading"><h1>"#)
    );
    assert!(
        p2.body
            .contains(r#"<form id="answers" method="post" novalidate autocomplete="off">"#)
    );
    assert!(!p2.body.contains("required"));
    // A page with several questions: one h1 (the page title), a legend per group, hints
    // linked from their fieldset, and the optional question marked.
    let p11 = b.get(&page(11)).await;
    assert_eq!(p11.body.matches("<h1").count(), 1);
    assert!(p11.body.contains(r#"aria-describedby="comment-hint""#));
    assert!(p11.body.contains(r#"id="comment-hint""#));
    assert!(p11.body.contains("(اختياري)"));
    assert!(
        p11.body.contains(
            r#"<textarea class="textarea" id="comment" name="comment" rows="5" dir="auto""#
        )
    );
    // Numbers: a text input with a numeric keyboard, left to right.
    for n in 3..=5 {
        b.post(&page(n), WITH_CONTACT).await;
    }
    let p6 = b.get(&page(6)).await;
    assert!(p6.body.contains(r#"type="text" id="wait_minutes" name="wait_minutes" value="" inputmode="numeric" dir="ltr""#));
    assert!(!p6.body.contains(r#"type="number""#));
    // The rating reads in the page's direction, with both ends named in its hint.
    let p4 = b.get(&page(4)).await;
    assert!(p4.body.contains("radios radios-inline"));
    assert!(p4.body.contains("٠ = غير راضٍ إطلاقًا"));
    assert!(p4.body.contains("١٠ = راضٍ تمامًا"));
    assert!(p4.body.contains(r#"aria-describedby="satisfaction-hint""#));
}

/// The answers with one value replaced.
fn with(
    answers: &[(&'static str, &'static str)],
    key: &str,
    value: &'static str,
) -> Vec<(&'static str, &'static str)> {
    answers
        .iter()
        .map(|&(k, v)| if k == key { (k, value) } else { (k, v) })
        .collect()
}

#[tokio::test]
async fn dates_and_numbers_read_left_to_right_and_ratings_say_what_they_mean() {
    let server = TestServer::start().await;
    // Arabic: a date reads day first in words on the check page; the survey's example in the
    // hint is day, month, year, like the boxes.
    let mut b = Browser::new(&server);
    b.get(&format!("/s/{SURVEY}")).await;
    let answers = with(WITH_CONTACT, "satisfaction", "0");
    let visited = b.answer_all(&answers).await;
    let mut date_page = None;
    for path in &visited {
        let p = b.get(path).await;
        if p.body.contains(r#"id="last_visit-hint""#) {
            date_page = Some(p);
        }
    }
    let date_page = date_page.expect("the date question was shown");
    assert!(
        date_page.body.contains("مثلاً ١٥ ٣ ٢٠٢٦."),
        "the survey's example date is day first"
    );
    let check = b.get(&format!("/s/{SURVEY}/check")).await;
    assert!(check.body.contains("١٥ آذار ٢٠٢٦"), "the date in words");
    assert!(check.body.contains(r#"<bdi dir="ltr">٤٥</bdi> دقيقة"#));
    assert!(
        check.body.contains("٠ من ١٠ – غير راضٍ إطلاقًا"),
        "a rating end says what it means"
    );

    // English: a rating between the ends reads "3 out of 10".
    let mut b = Browser::new(&server);
    b.get(&format!("/s/{SURVEY}?lang=en")).await;
    b.answer_all(WITH_CONTACT).await;
    let check = b.get(&format!("/s/{SURVEY}/check")).await;
    assert!(check.body.contains("3 out of 10"));
    assert!(!check.body.contains("3 out of 10 –"));
    assert!(check.body.contains("15 March 2026"));
    assert!(check.body.contains(r#"<bdi dir="ltr">45</bdi> minutes"#));
}

/// The "page k of n" line of every page a person sees, answering `answers` from page 1 on.
async fn progress_lines(b: &mut Browser, answers: &[(&str, &str)]) -> Vec<String> {
    let mut path = page(1);
    let mut lines = Vec::new();
    for _ in 0..30 {
        let p = b.get(&path).await;
        if p.status == StatusCode::SEE_OTHER {
            path = p.location().unwrap().to_string();
            continue;
        }
        if path.ends_with("/check") {
            return lines;
        }
        let line = browser::between(&p.body, r#"<p class="caption">"#, "</p>").unwrap();
        lines.push(line.to_string());
        path = b.post(&path, answers).await.location().unwrap().to_string();
    }
    panic!("the survey did not reach the check page");
}

#[tokio::test]
async fn page_numbers_count_the_pages_that_apply_and_never_jump() {
    let server = TestServer::start().await;
    // "No contact": the police-station pages never apply, so the count is 6 from the start
    // and every page is the next number.
    let mut b = Browser::new(&server);
    b.get(&format!("/s/{SURVEY}?lang=en")).await;
    let lines = progress_lines(&mut b, WITHOUT_CONTACT).await;
    let expected: Vec<String> = (1..=6).map(|k| format!("Page {k} of 6")).collect();
    assert_eq!(lines, expected);

    // "Contact": the answer on page 3 opens more pages; the count grows, the position still
    // goes up one page at a time and ends at the count. In Arabic digits.
    let mut b = Browser::new(&server);
    let lines = progress_lines(&mut b, WITH_CONTACT).await;
    let n = lines.len();
    assert_eq!(n, 12, "every page applies on this path: {lines:?}");
    let ar = |k: usize| mizan::survey::answers::arabic_digits(&k.to_string());
    for (i, line) in lines.iter().enumerate() {
        assert!(
            line.starts_with(&format!("الصفحة {} من ", ar(i + 1))),
            "{lines:?}"
        );
    }
    assert_eq!(lines[2], format!("الصفحة {} من {}", ar(3), ar(6)));
    assert_eq!(lines[n - 1], format!("الصفحة {} من {}", ar(n), ar(n)));
}

#[tokio::test]
async fn saved_numbers_and_dates_come_back_in_the_digits_of_the_page() {
    let server = TestServer::start().await;
    let mut b = contact_session(&server, "ar").await;
    for n in 4..=5 {
        b.post(&page(n), WITH_CONTACT).await;
    }
    // Typed in either digits, stored in ASCII, shown back in the page's digits.
    let saved = b
        .post(
            &page(6),
            &[
                ("last_visit", "15"),
                ("last_visit", "3"),
                ("last_visit", "2026"),
                ("wait_minutes", "٣٥"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let arabic = b.get(&page(6)).await;
    assert_eq!(arabic.input_value("wait_minutes").as_deref(), Some("٣٥"));
    let boxes = |p: &browser::Page| {
        ["last_visit", "last_visit-month", "last_visit-year"].map(|id| p.input_value(id).unwrap())
    };
    assert_eq!(boxes(&arabic), ["١٥", "٣", "٢٠٢٦"]);
    let english = b.get(&format!("{}?lang=en", page(6))).await;
    assert_eq!(english.input_value("wait_minutes").as_deref(), Some("35"));
    assert_eq!(boxes(&english), ["15", "3", "2026"]);
    // What is shown back is accepted again as it is.
    let again = b
        .post(
            &page(6),
            &[
                ("last_visit", "١٥"),
                ("last_visit", "٣"),
                ("last_visit", "٢٠٢٦"),
                ("wait_minutes", "٣٥"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    for n in 7..=12 {
        b.post(&page(n), WITH_CONTACT).await;
    }
    let check = b.get(&format!("/s/{SURVEY}/check?lang=ar")).await;
    assert!(check.body.contains(r#"<bdi dir="ltr">٣٥</bdi> دقيقة"#));
    assert!(check.body.contains("١٥ آذار ٢٠٢٦"));
    let check = b.get(&format!("/s/{SURVEY}/check?lang=en")).await;
    assert!(check.body.contains(r#"<bdi dir="ltr">35</bdi> minutes"#));
    b.submit().await;
    let rows = stored(&server).await;
    assert_eq!(
        rows[0].answers.get("wait_minutes"),
        Some(&Answer::Number(35.0))
    );
    assert_eq!(
        rows[0].answers.get("last_visit"),
        Some(&Answer::Value("2026-03-15".into()))
    );
}

#[tokio::test]
async fn thousands_separators_are_read_and_an_ambiguous_comma_is_explained() {
    let server = TestServer::start().await;
    for lang in ["ar", "en"] {
        let mut b = contact_session(&server, lang).await;
        for n in 4..=5 {
            b.post(&page(n), WITH_CONTACT).await;
        }
        let [d, m, y] = [
            ("last_visit", "15"),
            ("last_visit", "3"),
            ("last_visit", "2026"),
        ];
        let p = errors_on(&mut b, 6, &[d, m, y, ("wait_minutes", "1,5")]).await;
        assert_error_page(&p, lang, &["wait_minutes"]);
        let expected = match lang {
            "ar" => "اكتب العدد بالأرقام فقط، مثل ١٥، أو افصل كل ثلاثة أرقام، مثل ١٬٥٠٠",
            _ => {
                "Type the number with digits only, like 15, or separate groups of three digits, like 1,500"
            }
        };
        assert!(p.body.contains(expected), "{lang}: {:?}", p.error_texts());
        assert_eq!(p.input_value("wait_minutes").as_deref(), Some("1,5"));
        for typed in ["١٬٠٠٠", "1,000", "1 000"] {
            let ok = b.post(&page(6), &[d, m, y, ("wait_minutes", typed)]).await;
            assert_eq!(ok.status, StatusCode::SEE_OTHER, "{typed}");
            let back = b.get(&page(6)).await;
            let shown = if lang == "ar" { "١٠٠٠" } else { "1000" };
            assert_eq!(back.input_value("wait_minutes").as_deref(), Some(shown));
        }
    }
}

#[tokio::test]
async fn the_language_switch_keeps_what_is_entered_on_the_page() {
    let server = TestServer::start().await;
    let mut b = contact_session(&server, "ar").await;
    for n in 4..=6 {
        b.post(&page(n), WITH_CONTACT).await;
    }
    // On a question page the switch is a button of the page's form, named in English.
    let p7 = b.get(&page(7)).await;
    let switch = format!("/s/{SURVEY}/p/7/switch?lang=en");
    assert!(p7.body.contains(&format!(
        r#"<button class="lang-switch" type="submit" form="answers" formaction="{switch}" lang="en">English</button>"#
    )));
    assert!(p7.body.contains(r#"<form id="answers" method="post""#));
    assert!(!p7.body.contains(r#"<a class="lang-switch""#));
    // Boxes ticked, not yet continued: switch.
    let ticked = [("services", "document"), ("services", "other")];
    let res = b.post(&switch, &ticked).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), Some(&*format!("{}?lang=en", page(7))));
    let english = b.get(res.location().unwrap()).await;
    assert!(english.body.contains(r#"<html lang="en" dir="ltr">"#));
    assert!(english.body.contains(&format!(
        r#"formaction="/s/{SURVEY}/p/7/switch?lang=ar" lang="ar">العربية</button>"#
    )));
    assert!(english.is_value_checked("services", "document"));
    assert!(english.is_value_checked("services", "other"));
    assert!(!english.is_value_checked("services", "complaint"));
    assert!(english.error_links().is_empty(), "not validated");
    // Untick one and switch back: the page shows what was last entered, in Arabic.
    let res = b
        .post(
            &format!("/s/{SURVEY}/p/7/switch?lang=ar"),
            &[("services", "other")],
        )
        .await;
    let arabic = b.get(res.location().unwrap()).await;
    assert!(arabic.body.contains(r#"<html lang="ar" dir="rtl">"#));
    assert!(arabic.is_value_checked("services", "other"));
    assert!(!arabic.is_value_checked("services", "document"));
    // Back and forward again: nothing lost.
    b.get(&page(6)).await;
    let again = b.get(&page(7)).await;
    assert!(again.is_value_checked("services", "other"));
    assert!(!again.is_value_checked("services", "document"));

    // An invalid entry is kept as typed, without an error, and the saved answers of the
    // page are not changed by the switch.
    let res = b
        .post(
            &format!("/s/{SURVEY}/p/6/switch?lang=en"),
            &[
                ("last_visit", "١٥"),
                ("last_visit", "13"),
                ("last_visit", "2026"),
                ("wait_minutes", "12abc"),
            ],
        )
        .await;
    let p6 = b.get(res.location().unwrap()).await;
    assert_eq!(p6.input_value("wait_minutes").as_deref(), Some("12abc"));
    // The date's three boxes too, each as typed (a month of 13 included), in the digits of
    // the page's language.
    assert_eq!(
        ["last_visit", "last_visit-month", "last_visit-year"].map(|id| p6.input_value(id)),
        [Some("15".into()), Some("13".into()), Some("2026".into())]
    );
    assert!(p6.error_links().is_empty());
    // Continuing validates as usual; once saved, the page shows the saved answers.
    let refused = b
        .post(
            &page(6),
            &[
                ("last_visit", "15"),
                ("last_visit", "3"),
                ("last_visit", "2026"),
                ("wait_minutes", "12abc"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    b.post(
        &page(6),
        &[
            ("last_visit", "15"),
            ("last_visit", "3"),
            ("last_visit", "2026"),
            ("wait_minutes", "20"),
        ],
    )
    .await;
    assert_eq!(
        b.get(&page(6)).await.input_value("wait_minutes").as_deref(),
        Some("20")
    );
    let saved = b.post(&page(7), &[("services", "other")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert!(b.get(&page(7)).await.is_value_checked("services", "other"));

    // In change mode the switch comes back to the page in change mode.
    let change = b.get(&format!("{}?change=1", page(7))).await;
    assert!(change.body.contains(r#"name="change" value="1""#));
    let res = b
        .post(
            &format!("/s/{SURVEY}/p/7/switch?lang=ar"),
            &[("services", "complaint"), ("change", "1")],
        )
        .await;
    assert_eq!(
        res.location(),
        Some(&*format!("{}?change=1&lang=ar", page(7)))
    );

    // Without the CSRF token nothing is kept.
    let forged = b.post_raw(&switch, &[("services", "document")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(
        !b.get(&page(7))
            .await
            .is_value_checked("services", "document")
    );

    // Pages without a form keep the link.
    let start = b.get(&format!("/s/{SURVEY}")).await;
    assert!(start.body.contains(r#"<a class="lang-switch" href="#));
    assert_eq!(stored(&server).await.len(), 0);
}

/// Issue 13 item 5: `٣٥` typed on an Arabic page and the switch pressed: the English page
/// shows 35 (and the date 15 3 2026), and back in Arabic ٣٥ again, as Back shows saved ones.
/// What is not a number is left as typed.
#[tokio::test]
async fn a_switched_page_shows_typed_numbers_in_the_digits_of_its_language() {
    let server = TestServer::start().await;
    let mut b = contact_session(&server, "ar").await;
    for n in 4..=5 {
        b.post(&page(n), WITH_CONTACT).await;
    }
    let typed = [
        ("last_visit", "١٥"),
        ("last_visit", "٣"),
        ("last_visit", "٢٠٢٦"),
        ("wait_minutes", "٣٥"),
    ];
    let res = b
        .post(&format!("/s/{SURVEY}/p/6/switch?lang=en"), &typed)
        .await;
    let en = b.get(res.location().unwrap()).await;
    assert!(en.body.contains(r#"<html lang="en" dir="ltr">"#));
    assert_eq!(en.input_value("wait_minutes").as_deref(), Some("35"));
    assert_eq!(
        ["last_visit", "last_visit-month", "last_visit-year"].map(|id| en.input_value(id)),
        [Some("15".into()), Some("3".into()), Some("2026".into())]
    );
    // Back to Arabic with Western digits posted (what the English page showed): Arabic digits.
    let res = b
        .post(
            &format!("/s/{SURVEY}/p/6/switch?lang=ar"),
            &[
                ("last_visit", "15"),
                ("last_visit", "3"),
                ("last_visit", "2026"),
                ("wait_minutes", "1,200"),
            ],
        )
        .await;
    let ar = b.get(res.location().unwrap()).await;
    assert_eq!(ar.input_value("wait_minutes").as_deref(), Some("١,٢٠٠"));
    assert_eq!(ar.input_value("last_visit").as_deref(), Some("١٥"));
    // Not a number: as typed.
    let res = b
        .post(
            &format!("/s/{SURVEY}/p/6/switch?lang=en"),
            &[("wait_minutes", "٣٥ دقيقة")],
        )
        .await;
    let en = b.get(res.location().unwrap()).await;
    assert_eq!(en.input_value("wait_minutes").as_deref(), Some("٣٥ دقيقة"));
}

/// Issue 13 item 8: after "clear my answers" the browser must not put the previous person's
/// entries back into a page reached with Back (Chromium restores a form's fields from history
/// unless the form says `autocomplete="off"`; the browser suite's citizen-clear shows it).
#[tokio::test]
async fn question_forms_ask_the_browser_not_to_restore_entries_from_history() {
    let server = TestServer::start().await;
    let mut b = Browser::new(&server);
    b.get(&format!("/s/{SURVEY}")).await;
    let p1 = b.get(&page(1)).await;
    assert!(
        p1.body
            .contains(r#"<form id="answers" method="post" novalidate autocomplete="off">"#),
        "{}",
        p1.body
    );
}

/// The `<input …>` tag with this id.
fn input_tag<'a>(p: &'a browser::Page, id: &str) -> &'a str {
    let needle = format!(r#"id="{id}""#);
    p.body
        .split('<')
        .find(|t| t.starts_with("input") && t.contains(&needle))
        .unwrap_or_else(|| panic!("no input #{id}"))
}

#[tokio::test]
async fn dates_are_typed_day_month_year_and_errors_name_the_wrong_part() {
    let server = TestServer::start().await;
    for lang in ["ar", "en"] {
        let mut b = contact_session(&server, lang).await;
        for n in 4..=5 {
            b.post(&page(n), WITH_CONTACT).await;
        }
        // Three labelled boxes in one fieldset, day first, numeric keyboards, widths for 2, 2
        // and 4 digits, all posted under the question's name.
        let p = b.get(&page(6)).await;
        let labels = match lang {
            "ar" => ["اليوم", "الشهر", "السنة"],
            _ => ["Day", "Month", "Year"],
        };
        let ids = ["last_visit", "last_visit-month", "last_visit-year"];
        let mut at = p
            .body
            .find(r#"<fieldset class="fieldset" role="group""#)
            .expect("a group");
        for ((id, label), width) in ids.iter().zip(labels).zip(["2", "2", "4"]) {
            let l = format!(r#"<label class="label date-input-label" for="{id}">{label}</label>"#);
            let found = p.body[at..].find(&l).unwrap_or_else(|| panic!("{l}"));
            at += found;
            let tag = input_tag(&p, id);
            assert!(tag.contains(r#"name="last_visit""#), "{tag}");
            assert!(tag.contains(r#"inputmode="numeric""#), "{tag}");
            assert!(tag.contains(&format!("date-input-{width}")), "{tag}");
        }

        // A month of 13: the error says so, and its link lands on the month box.
        let p = errors_on(
            &mut b,
            6,
            &[
                ("last_visit", "15"),
                ("last_visit", "13"),
                ("last_visit", "2026"),
                ("wait_minutes", "20"),
            ],
        )
        .await;
        assert_error_page(&p, lang, &["last_visit"]);
        let expected = match lang {
            "ar" => "أدخل الشهر رقمًا من ١ إلى ١٢",
            _ => "Enter the month as a number from 1 to 12",
        };
        assert!(
            p.error_texts()[0].ends_with(expected),
            "{:?}",
            p.error_texts()
        );
        let month = input_tag(&p, "last_visit");
        assert!(
            month.contains(r#"value="13""#) && month.contains("input-error"),
            "{month}"
        );
        let day = input_tag(&p, "last_visit-day");
        assert!(
            day.contains(r#"value="15""#) && !day.contains("input-error"),
            "{day}"
        );
        assert!(
            p.body
                .contains(&format!(r#"for="last_visit">{}</label>"#, labels[1]))
        );

        // A missing year is named.
        let p = errors_on(
            &mut b,
            6,
            &[
                ("last_visit", "15"),
                ("last_visit", "3"),
                ("last_visit", ""),
                ("wait_minutes", "20"),
            ],
        )
        .await;
        let expected = match lang {
            "ar" => "يجب أن يتضمن التاريخ السنة",
            _ => "The date must include a year",
        };
        assert!(
            p.error_texts()[0].ends_with(expected),
            "{:?}",
            p.error_texts()
        );
        assert!(
            input_tag(&p, "last_visit").contains(r#"value="""#),
            "the year box is the target"
        );

        // Outside the survey's bounds: the message gives them in words, day first.
        let p = errors_on(
            &mut b,
            6,
            &[
                ("last_visit", "1"),
                ("last_visit", "1"),
                ("last_visit", "2024"),
                ("wait_minutes", "20"),
            ],
        )
        .await;
        let expected = match lang {
            "ar" => "أدخل تاريخًا بين ١ كانون الثاني ٢٠٢٥ و٣١ كانون الأول ٢٠٢٧",
            _ => "Enter a date between 1 January 2025 and 31 December 2027",
        };
        assert!(
            p.error_texts()[0].ends_with(expected),
            "{:?}",
            p.error_texts()
        );

        // Arabic-Indic digits, and a whole day-first date typed into the day box, are taken.
        for parts in [
            ["١٥", "٣", "٢٠٢٦"],
            ["15/3/2026", "", ""],
            ["١٥-٠٣-٢٠٢٦", "", ""],
        ] {
            let ok = b
                .post(
                    &page(6),
                    &[
                        ("last_visit", parts[0]),
                        ("last_visit", parts[1]),
                        ("last_visit", parts[2]),
                        ("wait_minutes", "20"),
                    ],
                )
                .await;
            assert_eq!(
                ok.status,
                StatusCode::SEE_OTHER,
                "{parts:?}: {:?}",
                ok.error_texts()
            );
        }
    }
    // Stored as before: YYYY-MM-DD.
    let mut b = contact_session(&server, "en").await;
    b.answer_all(WITH_CONTACT).await;
    b.submit().await;
    let rows = stored(&server).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].answers.get("last_visit"),
        Some(&Answer::Value("2026-03-15".into()))
    );
}

#[tokio::test]
async fn the_rating_is_one_row_with_its_ends_under_its_ends() {
    let server = TestServer::start().await;
    for (lang, low, high) in [
        ("ar", "غير راضٍ إطلاقًا", "راضٍ تمامًا"),
        ("en", "Not at all satisfied", "Completely satisfied"),
    ] {
        let mut b = contact_session(&server, lang).await;
        let p = b.get(&page(4)).await;
        let scale = browser::between(
            &p.body,
            r#"<div class="radios radios-inline rating-scale">"#,
            r#"<div class="rating-ends""#,
        )
        .expect("one row of points");
        assert_eq!(
            scale.matches(r#"type="radio""#).count(),
            11,
            "0 to 10 in the row"
        );
        assert!(!scale.contains("divider"), "extras are not in the row");
        let ends = browser::between(
            &p.body,
            r#"<div class="rating-ends" aria-hidden="true">"#,
            "</div>",
        )
        .expect("the ends under the scale");
        assert_eq!(
            ends,
            format!(
                r#"<span class="rating-end">{low}</span><span class="rating-end">{high}</span>"#
            )
        );
        // Screen readers hear the ends with the question, once.
        let hint = browser::between(&p.body, r#"id="satisfaction-hint">"#, "</div>").unwrap();
        assert!(
            hint.contains(r#"<span class="visually-hidden">"#) && hint.contains(low),
            "{hint}"
        );
    }
}
