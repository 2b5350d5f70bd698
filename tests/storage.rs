//! Storage against a fresh database (SQLite, or PostgreSQL under `.ci/with-postgres`):
//! storing, idempotent submission keys (also under concurrency), exact Arabic text, the day-only
//! date, streaming reads of selected answer columns, and the session store.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::TryStreamExt;
use mizan::db::{Db, NewResponse, Stored};
use mizan::survey::{Answer, Answers, Lang};

async fn fresh_db() -> (Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = common::fresh_database_url(dir.path()).await;
    let db = Db::connect(&url).await.expect("connect and migrate");
    (db, dir)
}

fn response(survey: &str, answers: Answers) -> NewResponse {
    NewResponse {
        survey_id: survey.into(),
        survey_version: "abc123def456".into(),
        lang: Lang::Ar,
        channel: "link".into(),
        source: Some("qr-poster".into()),
        metadata: BTreeMap::from([("site".to_string(), "بغداد-1".to_string())]),
        answers,
    }
}

fn sample_answers() -> Answers {
    Answers::from([
        ("safe_day".to_string(), Answer::Value("4".into())),
        ("age".to_string(), Answer::Number(37.0)),
        ("income".to_string(), Answer::Number(1250.75)),
        (
            "contact_reason".to_string(),
            Answer::Codes(vec!["theft".into(), "document".into()]),
        ),
        (
            "comment".to_string(),
            // Arabic with diacritics, an RTL mark, Arabic-Indic digits, a comma, quotes and a
            // newline: all must come back byte for byte.
            Answer::Value("الشرطة «متعاونة»، لكنَّ الانتظار طويل\u{200f}, \"جداً\"\n٣ ساعات ✓".into()),
        ),
    ])
}

#[tokio::test]
async fn stores_a_response_and_reads_it_back_exactly() {
    let (db, _dir) = fresh_db().await;
    let r = response("citizen-security", sample_answers());
    assert_eq!(db.store_response(&r, "key-1").await.unwrap(), Stored::New);
    assert_eq!(db.count_responses("citizen-security").await.unwrap(), 1);
    assert_eq!(db.count_responses("other-survey").await.unwrap(), 0);

    let rows: Vec<_> = db
        .responses("citizen-security")
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.answers, r.answers, "answers round trip exactly");
    assert_eq!(row.metadata, r.metadata);
    assert_eq!(row.survey_version, "abc123def456");
    assert_eq!(row.lang, "ar");
    assert_eq!(row.channel, "link");
    assert_eq!(row.source.as_deref(), Some("qr-poster"));
    let id = uuid::Uuid::parse_str(&row.id).expect("id is a UUID");
    assert_eq!(id.get_version_num(), 4, "random (v4) id");
    let today = time::OffsetDateTime::now_utc().date();
    let yesterday = today.previous_day().unwrap();
    let day = &row.submitted_on;
    assert_eq!(day.len(), 10, "a date, no time of day: {day}");
    assert!(
        *day == iso(today) || *day == iso(yesterday),
        "submitted_on is the UTC day: {day}"
    );
}

fn iso(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[tokio::test]
async fn a_repeated_submission_key_stores_nothing() {
    let (db, _dir) = fresh_db().await;
    let r = response("s", sample_answers());
    assert_eq!(
        db.store_response(&r, "same-key").await.unwrap(),
        Stored::New
    );
    assert_eq!(
        db.store_response(&r, "same-key").await.unwrap(),
        Stored::Duplicate
    );
    let mut other = r.clone();
    other
        .answers
        .insert("comment".into(), Answer::Value("different".into()));
    assert_eq!(
        db.store_response(&other, "same-key").await.unwrap(),
        Stored::Duplicate
    );
    assert_eq!(db.count_responses("s").await.unwrap(), 1);
    assert_eq!(
        db.store_response(&r, "another-key").await.unwrap(),
        Stored::New
    );
    assert_eq!(db.count_responses("s").await.unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_with_one_key_store_one_row() {
    let (db, _dir) = fresh_db().await;
    let db = Arc::new(db);
    for round in 0..5 {
        let key = format!("racing-key-{round}");
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let db = db.clone();
                let key = key.clone();
                tokio::spawn(async move {
                    db.store_response(&response("race", sample_answers()), &key)
                        .await
                        .expect("no database error under concurrency")
                })
            })
            .collect();
        let mut new = 0;
        for t in tasks {
            if t.await.unwrap() == Stored::New {
                new += 1;
            }
        }
        assert_eq!(
            new, 1,
            "exactly one of 16 racing requests stores (round {round})"
        );
    }
    assert_eq!(db.count_responses("race").await.unwrap(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_with_distinct_keys_all_succeed() {
    let (db, _dir) = fresh_db().await;
    let db = Arc::new(db);
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                db.store_response(&response("many", sample_answers()), &format!("k{i}"))
                    .await
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().expect("no busy error"), Stored::New);
    }
    assert_eq!(db.count_responses("many").await.unwrap(), 200);
}

#[tokio::test]
async fn arabic_text_round_trips_exactly() {
    let (db, _dir) = fresh_db().await;
    let texts = [
        "نعم",
        "مُحافَظة صلاح الدين",
        "١٢٣٤٥٦٧٨٩٠ و ۱۲۳۴۵۶۷۸۹۰",
        "\u{202b}نص\u{202c} مع علامات اتجاه \u{200e}",
        "كُردی: سلێمانی",
        "\"quoted\", comma; new\r\nline\ttab",
    ];
    for (i, text) in texts.iter().enumerate() {
        let answers = Answers::from([("comment".to_string(), Answer::Value(text.to_string()))]);
        db.store_response(&response("arabic", answers), &format!("k{i}"))
            .await
            .unwrap();
    }
    let rows: Vec<_> = db.responses("arabic").try_collect().await.unwrap();
    let mut got: Vec<String> = rows
        .iter()
        .map(|r| match &r.answers["comment"] {
            Answer::Value(s) => s.clone(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    let mut want: Vec<String> = texts.iter().map(|s| s.to_string()).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(rows[0].metadata["site"], "بغداد-1");
}

#[tokio::test]
async fn responses_come_in_random_id_order() {
    let (db, _dir) = fresh_db().await;
    for i in 0..30 {
        db.store_response(&response("order", sample_answers()), &format!("k{i}"))
            .await
            .unwrap();
    }
    let ids: Vec<String> = db
        .responses("order")
        .map_ok(|r| r.id)
        .try_collect()
        .await
        .unwrap();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(
        ids, sorted,
        "export order is the (random) id order, not insertion order"
    );
}

#[tokio::test]
async fn answer_columns_streams_only_the_requested_keys() {
    let (db, _dir) = fresh_db().await;
    db.store_response(&response("cols", sample_answers()), "a")
        .await
        .unwrap();
    let mut partial = sample_answers();
    partial.remove("age");
    db.store_response(&response("cols", partial), "b")
        .await
        .unwrap();
    db.store_response(&response("unrelated", sample_answers()), "c")
        .await
        .unwrap();

    let rows: Vec<_> = db
        .answer_columns("cols", &["age", "contact_reason", "comment", "missing"])
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "only the requested survey");
    let mut ages: Vec<Option<Answer>> = rows.iter().map(|r| r.values[0].clone()).collect();
    ages.sort_by_key(|a| a.is_some());
    assert_eq!(ages, vec![None, Some(Answer::Number(37.0))]);
    for r in &rows {
        assert_eq!(r.values.len(), 4);
        assert_eq!(
            r.values[1],
            Some(Answer::Codes(vec!["theft".into(), "document".into()]))
        );
        assert_eq!(r.values[2], sample_answers().get("comment").cloned());
        assert_eq!(r.values[3], None);
        assert_eq!(r.metadata["site"], "بغداد-1");
        assert_eq!(r.lang, "ar");
    }

    let bad: Result<Vec<_>, _> = db
        .answer_columns("cols", &["x' OR 1=1 --"])
        .try_collect()
        .await;
    assert!(bad.is_err(), "keys are identifiers, never SQL");
}

#[tokio::test]
async fn old_submission_keys_can_be_purged() {
    let (db, _dir) = fresh_db().await;
    db.store_response(&response("p", sample_answers()), "k")
        .await
        .unwrap();
    // A claim from long ago, as if a submission had been made then.
    let old_hash = vec![7u8; 32];
    if let Some(pool) = db.sqlite_pool() {
        sqlx::query("INSERT INTO submission_keys (key_hash, claimed_on) VALUES (?, '2020-01-01')")
            .bind(&old_hash)
            .execute(pool)
            .await
            .unwrap();
    } else {
        sqlx::query("INSERT INTO submission_keys (key_hash, claimed_on) VALUES ($1, '2020-01-01')")
            .bind(&old_hash)
            .execute(db.postgres_pool().unwrap())
            .await
            .unwrap();
    }
    assert_eq!(
        db.purge_submission_keys(3).await.unwrap(),
        1,
        "the old claim is purged"
    );
    assert_eq!(
        db.purge_submission_keys(3).await.unwrap(),
        0,
        "today's claim is kept"
    );
    assert_eq!(
        db.store_response(&response("p", sample_answers()), "k")
            .await
            .unwrap(),
        Stored::Duplicate
    );
    assert_eq!(db.count_responses("p").await.unwrap(), 1);
}

#[tokio::test]
async fn sessions_live_in_the_database_and_expired_ones_are_purged() {
    use tower_sessions::SessionStore as _;
    use tower_sessions::session::{Id, Record};
    use tower_sessions::session_store::ExpiredDeletion;

    let (db, _dir) = fresh_db().await;
    let store = db.session_store();
    let mut live = Record {
        id: Id::default(),
        data: Default::default(),
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
    };
    live.data
        .insert("answers".into(), serde_json::json!({"comment": "نعم"}));
    store.create(&mut live).await.unwrap();
    // Stored expiries are rounded up to midnight UTC (no time of day in the database): a
    // session is gone once the day of its expiry has passed.
    let mut expired = Record {
        id: Id::default(),
        data: Default::default(),
        expiry_date: time::OffsetDateTime::now_utc() - time::Duration::days(1),
    };
    store.create(&mut expired).await.unwrap();

    let loaded = store
        .load(&live.id)
        .await
        .unwrap()
        .expect("live session loads");
    assert_eq!(loaded.data["answers"]["comment"], "نعم");
    assert!(store.load(&expired.id).await.unwrap().is_none());

    // A second handle on the same database (as a second app server would have) sees it.
    let other = db.session_store();
    assert!(other.load(&live.id).await.unwrap().is_some());

    store.delete_expired().await.unwrap();
    assert_eq!(
        session_rows(&db).await,
        1,
        "expired session purged, live one kept"
    );
    store.delete(&live.id).await.unwrap();
    assert_eq!(session_rows(&db).await, 0);
}

async fn session_rows(db: &Db) -> i64 {
    if let Some(p) = db.sqlite_pool() {
        sqlx::query_scalar("SELECT COUNT(*) FROM tower_sessions")
            .fetch_one(p)
            .await
            .unwrap()
    } else {
        sqlx::query_scalar("SELECT COUNT(*) FROM tower_sessions.session")
            .fetch_one(db.postgres_pool().unwrap())
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn connecting_twice_is_harmless_and_unknown_schemes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = common::fresh_database_url(dir.path()).await;
    let first = Db::connect(&url).await.unwrap();
    first
        .store_response(&response("twice", sample_answers()), "k")
        .await
        .unwrap();
    first.close().await;
    let second = Db::connect(&url).await.expect("migrations are idempotent");
    assert_eq!(second.count_responses("twice").await.unwrap(), 1);

    let err = Db::connect("mysql://user:secret@host/db")
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("sqlite://"), "{message}");
    assert!(
        !message.contains("secret"),
        "never echo a password: {message}"
    );
}

#[tokio::test]
async fn an_in_memory_sqlite_database_works_for_quick_experiments() {
    let db = Db::connect("sqlite::memory:").await.unwrap();
    db.store_response(&response("mem", sample_answers()), "k")
        .await
        .unwrap();
    assert_eq!(db.count_responses("mem").await.unwrap(), 1);
    let rows: Vec<_> = db.responses("mem").try_collect().await.unwrap();
    assert_eq!(rows.len(), 1);
}
