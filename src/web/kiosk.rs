//! Kiosks: enrolment, the start screen, "start again" and "I need more time". The survey
//! pages themselves are `survey_flow`'s under `/kiosk/s/…` (see [`super::channel`]).
//!
//! | method | path                  | what                                                   |
//! |--------|-----------------------|--------------------------------------------------------|
//! | GET    | `/kiosk/enrol/{code}` | use a one-time enrolment code: this browser becomes the kiosk → `/kiosk` |
//! | GET    | `/kiosk`              | start screen; clears everything of the previous person |
//! | POST   | `/kiosk/reset`        | "start again": clears everything → `/kiosk`            |
//! | POST   | `/kiosk/still-here`   | "I need more time" (script): 204, or 410 if the answers are already gone |
//!
//! Clearing means: the kiosk's answers in progress leave the server's memory, the visit token
//! (CSRF token, option-order seed) is replaced so that every form of the previous person is
//! dead and the browser drops their pages from its back-forward cache, and the language goes
//! back to Arabic. Kiosk pages are `no-store` like every page, and their forms ask the browser
//! not to autofill.

use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CONTENT_SECURITY_POLICY, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Router, routing::get, routing::post};
use maud::html;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::Error;
use crate::fieldwork;
use crate::survey::{Lang, Survey};

use super::AppState;
use super::access::{EnrolledKiosk, KIOSK_COOKIE};
use super::channel::{Channel, ChannelKind, Respondent};
use super::form::{FormPairs, query_pairs};
use super::i18n;
use super::views::layout::{self, Chrome};
use super::views::{components, pages};
use super::visit::{CSRF_FIELD, Visitor};

/// Kiosk pages may run this site's script (the idle warning) and nothing else.
pub const KIOSK_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; \
    frame-ancestors 'none'; base-uri 'none'";

/// How long the browser keeps the kiosk cookie (browsers cap cookies at 400 days); an admin
/// revokes it sooner from the admin pages.
const KIOSK_COOKIE_DAYS: u32 = 400;

pub fn router() -> Router<AppState> {
    with_kiosk_headers(
        Router::new()
            .route("/kiosk", get(start))
            .route("/kiosk/enrol/{code}", get(enrol))
            .route("/kiosk/reset", post(reset))
            .route("/kiosk/still-here", post(still_here))
            .layer(axum::Extension(ChannelKind::Kiosk)),
    )
}

/// The kiosk's Content-Security-Policy on these routes.
pub fn with_kiosk_headers(router: Router<AppState>) -> Router<AppState> {
    router.layer(SetResponseHeaderLayer::overriding(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(KIOSK_CONTENT_SECURITY_POLICY),
    ))
}

async fn enrol(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(code): Path<String>,
) -> Result<Response, Error> {
    if !fieldwork::is_enrolment_code(&code) {
        return Err(Error::NotEnrolled);
    }
    let token = super::visit::random_hex(32)?;
    let enrolled = state
        .db
        .enrol_kiosk(
            &crate::db::secret_hash(&code),
            &crate::db::secret_hash(&token),
        )
        .await?;
    if enrolled.is_none() {
        // Used before, renewed, revoked or never issued: the same page for each.
        return Err(Error::NotEnrolled);
    }
    let cookie = kiosk_cookie(&visitor, &token)?;
    let mut res = Redirect::to("/kiosk").into_response();
    res.headers_mut().append(SET_COOKIE, cookie);
    Ok(res)
}

fn kiosk_cookie(visitor: &Visitor, token: &str) -> Result<HeaderValue, Error> {
    let base = visitor
        .cookie_header(KIOSK_COOKIE, token)
        .ok_or_else(|| Error::Other("kiosk cookie".into()))?;
    let with_age = format!(
        "{}; Max-Age={}",
        base.to_str().unwrap_or_default(),
        u64::from(KIOSK_COOKIE_DAYS) * 86_400
    );
    HeaderValue::from_str(&with_age).map_err(|_| Error::Other("kiosk cookie".into()))
}

/// `/kiosk`: the start screen of the kiosk's survey (or the choice of its surveys).
async fn start(
    State(state): State<AppState>,
    r: Respondent,
    EnrolledKiosk(kiosk): EnrolledKiosk,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let catalog = state.surveys();
    let surveys: Vec<&Survey> = kiosk
        .surveys
        .iter()
        .filter_map(|id| catalog.get(id))
        .filter(|s| !s.draft)
        .map(|s| &**s)
        .collect();
    match surveys.as_slice() {
        [one] => start_screen(&r, one, query.as_deref()),
        _ => choice_screen(&r, &surveys, query.as_deref()),
    }
}

/// Clear everything of the previous person: answers in memory, visit token, language.
/// Returns the renewed visitor, the language to show and the cookies to set.
fn clear(r: &Respondent, query: Option<&str>) -> Result<(Respondent, Vec<HeaderValue>), Error> {
    if let Channel::Kiosk(k) = &r.channel {
        r.desk().clear(&k.id);
    }
    let (mut visitor, visit_cookie) = r.visitor.renewed()?;
    let mut cookies = vec![visit_cookie];
    let asked = query_pairs(query)
        .into_iter()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v));
    if asked.is_none() {
        visitor.lang = Lang::Ar;
        cookies.extend(visitor.forget_language());
    }
    let mut renewed = r.clone();
    renewed.visitor = visitor;
    Ok((renewed, cookies))
}

fn with_cookies(mut res: Response, cookies: Vec<HeaderValue>) -> Response {
    for c in cookies {
        res.headers_mut().append(SET_COOKIE, c);
    }
    res
}

/// A survey's start page on a kiosk (also `/kiosk/s/{survey}`); clears everything first.
pub fn start_screen(
    r: &Respondent,
    survey: &Survey,
    query: Option<&str>,
) -> Result<Response, Error> {
    let (r, cookies) = clear(r, query)?;
    let lang = r.visitor.lang;
    let base = r.survey_href(survey);
    let first = super::survey_flow::first_href(survey, &base);
    let title = pages::title(lang, survey.title.get(lang), None, false);
    let switch = layout::switch_href("/kiosk", &[], lang);
    let css = super::assets::stylesheet_href();
    let csrf = r.visitor.csrf_token_now();
    let frame = r.kiosk_frame(&csrf, false);
    let chrome = Chrome {
        lang,
        title: &title,
        switch_href: &switch,
        stylesheet: &css,
        kiosk: frame.as_ref(),
        preview: false,
    };
    Ok(with_cookies(
        pages::start(&chrome, survey, &first, false).into_response(),
        cookies,
    ))
}

fn choice_screen(
    r: &Respondent,
    surveys: &[&Survey],
    query: Option<&str>,
) -> Result<Response, Error> {
    let (r, cookies) = clear(r, query)?;
    let lang = r.visitor.lang;
    let heading = i18n::KIOSK_CHOOSE.get(lang);
    let title = pages::title(lang, heading, None, false);
    let switch = layout::switch_href("/kiosk", &[], lang);
    let css = super::assets::stylesheet_href();
    let csrf = r.visitor.csrf_token_now();
    let frame = r.kiosk_frame(&csrf, false);
    let chrome = Chrome {
        lang,
        title: &title,
        switch_href: &switch,
        stylesheet: &css,
        kiosk: frame.as_ref(),
        preview: false,
    };
    let main = html! {
        h1.heading-l { (heading) }
        @if surveys.is_empty() {
            p.body { (i18n::NO_SURVEYS.get(lang)) }
        }
        @for s in surveys {
            p.body {
                (components::start_button(&r.survey_href(s), s.title.get(lang)))
            }
        }
    };
    Ok(with_cookies(
        layout::page(&chrome, main).into_response(),
        cookies,
    ))
}

/// "Start again". Clears even when the form's CSRF token is stale (a page left from before a
/// timeout): it can only remove, and another site cannot send the kiosk's SameSite cookie.
async fn reset(r: Respondent, EnrolledKiosk(kiosk): EnrolledKiosk) -> Result<Response, Error> {
    r.desk().clear(&kiosk.id);
    let (_, visit_cookie) = r.visitor.renewed()?;
    let mut cookies = vec![visit_cookie];
    cookies.extend(r.visitor.forget_language());
    Ok(with_cookies(
        Redirect::to("/kiosk").into_response(),
        cookies,
    ))
}

/// "I need more time" and the script's activity signal.
async fn still_here(
    r: Respondent,
    EnrolledKiosk(kiosk): EnrolledKiosk,
    form: FormPairs,
) -> Result<Response, Error> {
    r.visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    Ok(if r.desk().still_here(&kiosk) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        StatusCode::GONE.into_response()
    })
}
