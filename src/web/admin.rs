//! Admins' pages: accounts, kiosks, interviewers' areas. Only admins reach them (see
//! [`super::access`]); the rules of what a kiosk or an area must hold are
//! [`crate::fieldwork`]'s, the same as the command line's.
//!
//! | method | path                               | what                                  |
//! |--------|------------------------------------|---------------------------------------|
//! | GET    | `/admin`                           | → `/admin/users`                      |
//! | GET    | `/admin/users`                     | accounts, and the form to add one     |
//! | POST   | `/admin/users`                     | add an account                        |
//! | POST   | `/admin/users/{name}/disable`      | disable (never one's own account)     |
//! | POST   | `/admin/users/{name}/enable`       | enable                                |
//! | POST   | `/admin/users/{name}/password`     | set a new password                    |
//! | GET    | `/admin/kiosks`                    | kiosks, and the form to register one  |
//! | POST   | `/admin/kiosks`                    | register → the enrolment path, shown once |
//! | POST   | `/admin/kiosks/{id}/revoke`        | the kiosk's browser is no longer enrolled |
//! | POST   | `/admin/kiosks/{id}/code`          | a new enrolment code (shown once)     |
//! | GET    | `/admin/areas`                     | interviewers' areas, and the form to assign one |
//! | POST   | `/admin/areas`                     | assign an interviewer to an area      |
//! | POST   | `/admin/areas/{id}/remove`         | remove an assignment                  |

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Router, routing::get, routing::post};
use maud::{Markup, html};

use crate::Error;
use crate::accounts::{self, Role, StaffName};
use crate::fieldwork::{self, FieldProblem, KioskForm};
use crate::survey::{Lang, Survey};

use super::AppState;
use super::access::Staff;
use super::form::FormPairs;
use super::i18n::{self, Ui};
use super::views::layout::{self, Chrome};
use super::views::{components, pages, staff as view};
use super::visit::{CSRF_FIELD, Visitor};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(|| async { Redirect::to("/admin/users") }))
        .route("/admin/users", get(users).post(add_user))
        .route("/admin/users/{name}/disable", post(disable_user))
        .route("/admin/users/{name}/enable", post(enable_user))
        .route("/admin/users/{name}/password", post(set_password))
        .route("/admin/kiosks", get(kiosks).post(add_kiosk))
        .route("/admin/kiosks/{id}/revoke", post(revoke_kiosk))
        .route("/admin/kiosks/{id}/code", post(renew_code))
        .route("/admin/areas", get(areas).post(assign_area))
        .route("/admin/areas/{id}/remove", post(remove_area))
}

/// Problems of a form, by field: (field id, message in the page's language).
type Problems = Vec<(String, String)>;

fn problem(field: &str, ui: Ui, lang: Lang) -> (String, String) {
    (field.to_string(), ui.get(lang).to_string())
}

fn from_fieldwork(problems: &[FieldProblem], lang: Lang) -> Problems {
    problems
        .iter()
        .map(|p| (p.field.to_string(), p.message.get(lang).to_string()))
        .collect()
}

fn error_for<'a>(problems: &'a Problems, field: &str) -> Option<&'a str> {
    problems
        .iter()
        .find(|(f, _)| f == field)
        .map(|(_, m)| m.as_str())
}

/// Render an admin page in its frame; 422 when it shows problems.
fn render(
    visitor: &Visitor,
    staff: &Staff,
    here: &str,
    heading: Ui,
    problems: &Problems,
    body: Markup,
) -> Response {
    let lang = visitor.lang;
    let heading = heading.get(lang);
    let title = pages::title(lang, heading, None, !problems.is_empty());
    let switch = layout::switch_href(here, &[], lang);
    let css = super::assets::stylesheet_href();
    let chrome = Chrome {
        lang,
        title: &title,
        switch_href: &switch,
        stylesheet: &css,
        kiosk: None,
        preview: false,
    };
    let csrf = visitor.csrf_token_now();
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (
        status,
        view::page(&chrome, staff.role, &csrf, heading, problems, body),
    )
        .into_response()
}

fn csrf_field(visitor: &Visitor) -> Markup {
    components::hidden(CSRF_FIELD, &visitor.csrf_token_now())
}

// ----- accounts

async fn users(
    State(state): State<AppState>,
    visitor: Visitor,
    staff: Staff,
) -> Result<Response, Error> {
    users_page(
        &state,
        &visitor,
        &staff,
        &Problems::new(),
        &FormPairs(Vec::new()),
    )
    .await
}

async fn users_page(
    state: &AppState,
    visitor: &Visitor,
    staff: &Staff,
    problems: &Problems,
    posted: &FormPairs,
) -> Result<Response, Error> {
    let lang = visitor.lang;
    let csrf = visitor.csrf_token_now();
    let accounts = state.db.list_staff().await?;
    let rows: Vec<Vec<Markup>> = accounts
        .iter()
        .map(|a| {
            let role = Role::parse(&a.role).map_or(a.role.clone(), |r| r.label(lang).to_string());
            let status = if a.disabled {
                i18n::STATUS_DISABLED
            } else {
                i18n::STATUS_ACTIVE
            };
            let base = format!("/admin/users/{}", path_segment(&a.name));
            let toggle = if a.disabled {
                view::action_button(&format!("{base}/enable"), &csrf, i18n::ENABLE.get(lang), &a.name)
            } else if a.name == staff.name.as_str() {
                html! {}
            } else {
                view::action_button(&format!("{base}/disable"), &csrf, i18n::DISABLE.get(lang), &a.name)
            };
            let pw_id = format!("pw-{}", field_id(&a.name));
            let password = html! {
                details.details aria-label={ (i18n::SET_PASSWORD.get(lang)) " — " (a.name) } {
                    summary { (i18n::SET_PASSWORD.get(lang)) span.visually-hidden { " — " (a.name) } }
                    form method="post" action={ (base) "/password" } novalidate {
                        (components::hidden(CSRF_FIELD, &csrf))
                        (view::new_password_field(&format!("{pw_id}-1"), i18n::NEW_PASSWORD.get(lang), Some(i18n::PASSWORD_HINT.get(lang)), None, lang))
                        (view::new_password_field(&format!("{pw_id}-2"), i18n::NEW_PASSWORD_AGAIN.get(lang), None, None, lang))
                        (components::button(i18n::SET_PASSWORD.get(lang)))
                    }
                }
            };
            vec![
                html! { bdi { (a.name) } },
                html! { (role) },
                html! { (status.get(lang)) },
                html! { (toggle) (password) },
            ]
        })
        .collect();
    let roles: Vec<(String, String)> = Role::ALL
        .iter()
        .map(|r| (r.code().to_string(), r.label(lang).to_string()))
        .collect();
    let body = html! {
        (view::table(
            i18n::ADMIN_USERS.get(lang),
            &[i18n::COL_NAME.get(lang), i18n::COL_ROLE.get(lang), i18n::COL_STATUS.get(lang), i18n::COL_ACTIONS.get(lang)],
            &rows,
        ))
        h2.heading-m { (i18n::ADD_USER.get(lang)) }
        form method="post" action="/admin/users" novalidate {
            (csrf_field(visitor))
            (view::text_field("name", i18n::SIGN_IN_NAME.get(lang), None, posted.first("name").unwrap_or(""), error_for(problems, "name"), lang))
            (view::radio_field("role", i18n::COL_ROLE.get(lang), &roles, posted.first("role"), error_for(problems, "role"), lang))
            (view::new_password_field("password", i18n::SIGN_IN_PASSWORD.get(lang), Some(i18n::PASSWORD_HINT.get(lang)), error_for(problems, "password"), lang))
            (view::new_password_field("password2", i18n::NEW_PASSWORD_AGAIN.get(lang), None, error_for(problems, "password2"), lang))
            (components::button(i18n::ADD_USER.get(lang)))
        }
    };
    Ok(render(
        visitor,
        staff,
        "/admin/users",
        i18n::ADMIN_USERS,
        problems,
        body,
    ))
}

/// A name as one URL path segment (percent-encoded; Arabic names are UTF-8 bytes).
fn path_segment(name: &str) -> String {
    super::sign_in::query_escape(name).replace('/', "%2F")
}

/// A form field id made from a name (ids must be ASCII to be linkable in every browser).
fn field_id(name: &str) -> String {
    name.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Check a password typed twice.
fn check_passwords(first: &str, second: &str, lang: Lang, fields: (&str, &str)) -> Problems {
    if first.chars().count() < accounts::MIN_PASSWORD_CHARS {
        vec![problem(fields.0, i18n::PASSWORD_SHORT, lang)]
    } else if first != second {
        vec![problem(fields.1, i18n::PASSWORDS_DIFFER, lang)]
    } else {
        Vec::new()
    }
}

async fn add_user(
    State(state): State<AppState>,
    visitor: Visitor,
    staff: Staff,
    form: FormPairs,
) -> Result<Response, Error> {
    visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    let lang = visitor.lang;
    let mut problems = Problems::new();
    let name = StaffName::parse(form.first("name").unwrap_or(""));
    match &name {
        Err(_) => problems.push(problem("name", i18n::NAME_INVALID, lang)),
        Ok(n) if state.db.staff(n.as_str()).await?.is_some() => {
            problems.push(problem("name", i18n::NAME_TAKEN, lang))
        }
        Ok(_) => {}
    }
    let role = form.first("role").and_then(Role::parse);
    if role.is_none() {
        problems.push(problem("role", i18n::ROLE_MISSING, lang));
    }
    let (p1, p2) = (
        form.first("password").unwrap_or(""),
        form.first("password2").unwrap_or(""),
    );
    problems.extend(check_passwords(p1, p2, lang, ("password", "password2")));
    match (name, role) {
        (Ok(name), Some(role)) if problems.is_empty() => {
            let hash = accounts::hash_password_off_thread(p1.to_string()).await?;
            state
                .db
                .put_staff(name.as_str(), role.code(), &hash)
                .await?;
            Ok(Redirect::to("/admin/users").into_response())
        }
        _ => users_page(&state, &visitor, &staff, &problems, &form).await,
    }
}

async fn disable_user(
    State(state): State<AppState>,
    visitor: Visitor,
    staff: Staff,
    Path(name): Path<String>,
    form: FormPairs,
) -> Result<Response, Error> {
    visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    if name == staff.name.as_str() {
        let problems = vec![problem("name", i18n::NOT_YOURSELF, visitor.lang)];
        return users_page(&state, &visitor, &staff, &problems, &FormPairs(Vec::new())).await;
    }
    if !state.db.set_staff_disabled(&name, true).await? {
        return Err(Error::NotFound);
    }
    Ok(Redirect::to("/admin/users").into_response())
}

async fn enable_user(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(name): Path<String>,
    form: FormPairs,
) -> Result<Response, Error> {
    visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    if !state.db.set_staff_disabled(&name, false).await? {
        return Err(Error::NotFound);
    }
    Ok(Redirect::to("/admin/users").into_response())
}

async fn set_password(
    State(state): State<AppState>,
    visitor: Visitor,
    staff: Staff,
    Path(name): Path<String>,
    form: FormPairs,
) -> Result<Response, Error> {
    visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    if state.db.staff(&name).await?.is_none() {
        return Err(Error::NotFound);
    }
    let id = format!("pw-{}", field_id(&name));
    let (f1, f2) = (format!("{id}-1"), format!("{id}-2"));
    let (p1, p2) = (form.first(&f1).unwrap_or(""), form.first(&f2).unwrap_or(""));
    let problems = check_passwords(p1, p2, visitor.lang, (&f1, &f2));
    if !problems.is_empty() {
        return users_page(&state, &visitor, &staff, &problems, &FormPairs(Vec::new())).await;
    }
    let hash = accounts::hash_password_off_thread(p1.to_string()).await?;
    state.db.set_staff_password(&name, &hash).await?;
    Ok(Redirect::to("/admin/users").into_response())
}

// ----- kiosks

fn survey_options(state: &AppState, lang: Lang) -> Vec<(String, String)> {
    state
        .surveys()
        .public()
        .map(|s| (s.id.clone(), s.title.get(lang).to_string()))
        .collect()
}

async fn kiosks(
    State(state): State<AppState>,
    visitor: Visitor,
    staff: Staff,
) -> Result<Response, Error> {
    kiosks_page(
        &state,
        &visitor,
        &staff,
        &Problems::new(),
        &FormPairs(Vec::new()),
        None,
    )
    .await
}

async fn kiosks_page(
    state: &AppState,
    visitor: &Visitor,
    staff: &Staff,
    problems: &Problems,
    posted: &FormPairs,
    new_path: Option<&str>,
) -> Result<Response, Error> {
    let lang = visitor.lang;
    let csrf = visitor.csrf_token_now();
    let rows: Vec<Vec<Markup>> = state
        .db
        .kiosks()
        .await?
        .iter()
        .map(|k| {
            let site = match lang {
                Lang::Ar => &k.site_ar,
                Lang::En => &k.site_en,
            };
            let status = if k.revoked {
                i18n::KIOSK_REVOKED
            } else if k.enrolled {
                i18n::KIOSK_ENROLLED
            } else {
                i18n::KIOSK_WAITING
            };
            let area = if k.cluster.is_empty() {
                k.stratum.clone()
            } else {
                format!("{} / {}", k.stratum, k.cluster)
            };
            let base = format!("/admin/kiosks/{}", k.id);
            vec![
                html! { (site) },
                html! { @for s in &k.surveys { bdi dir="ltr" { (s) } " " } },
                html! { bdi dir="ltr" { (area) } },
                html! { (i18n::digits(lang, &k.idle_seconds.to_string())) },
                html! { (status.get(lang)) },
                html! {
                    @if !k.revoked { (view::action_button(&format!("{base}/revoke"), &csrf, i18n::REVOKE.get(lang), site)) }
                    (view::action_button(&format!("{base}/code"), &csrf, i18n::NEW_CODE.get(lang), site))
                },
            ]
        })
        .collect();
    let ticked: Vec<String> = posted
        .0
        .iter()
        .filter(|(k, _)| k == "survey")
        .map(|(_, v)| v.clone())
        .collect();
    let value = |f: &str| posted.first(f).unwrap_or("").to_string();
    let idle = posted
        .first("idle_seconds")
        .map(str::to_string)
        .unwrap_or_else(|| fieldwork::KIOSK_IDLE_DEFAULT.to_string());
    let body = html! {
        @if let Some(path) = new_path {
            div.panel.panel-notice role="status" {
                h2.panel-title { (i18n::ENROL_PATH_TITLE.get(lang)) }
                p.panel-body { code.enrol-path dir="ltr" { (path) } }
                p.panel-body { (i18n::ENROL_PATH_BODY.get(lang)) }
            }
        }
        (view::table(
            i18n::ADMIN_KIOSKS.get(lang),
            &[i18n::COL_SITE.get(lang), i18n::KIOSK_SURVEYS.get(lang), i18n::COL_AREA.get(lang), i18n::KIOSK_IDLE.get(lang), i18n::COL_STATUS.get(lang), i18n::COL_ACTIONS.get(lang)],
            &rows,
        ))
        h2.heading-m { (i18n::REGISTER_KIOSK.get(lang)) }
        form method="post" action="/admin/kiosks" novalidate {
            (csrf_field(visitor))
            (view::checkbox_field("survey", i18n::KIOSK_SURVEYS.get(lang), &survey_options(state, lang), &ticked, error_for(problems, "survey"), lang))
            (view::text_field("site_ar", i18n::KIOSK_SITE_AR.get(lang), None, &value("site_ar"), error_for(problems, "site_ar"), lang))
            (view::text_field("site_en", i18n::KIOSK_SITE_EN.get(lang), None, &value("site_en"), error_for(problems, "site_en"), lang))
            (view::text_field("stratum", i18n::STRATUM.get(lang), Some(i18n::CODE_HINT.get(lang)), &value("stratum"), error_for(problems, "stratum"), lang))
            (view::text_field("cluster", i18n::CLUSTER.get(lang), Some(i18n::CODE_HINT.get(lang)), &value("cluster"), error_for(problems, "cluster"), lang))
            (view::text_field("idle_seconds", i18n::KIOSK_IDLE.get(lang), Some(i18n::KIOSK_IDLE_HINT.get(lang)), &idle, error_for(problems, "idle_seconds"), lang))
            (components::button(i18n::REGISTER_KIOSK.get(lang)))
        }
    };
    Ok(render(
        visitor,
        staff,
        "/admin/kiosks",
        i18n::ADMIN_KIOSKS,
        problems,
        body,
    ))
}

/// A whole number typed with Western or Arabic-Indic digits.
fn parse_count(s: &str) -> Option<u32> {
    let western: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '٠'..='٩' => char::from(b'0' + (c as u32 - '٠' as u32) as u8),
            c => c,
        })
        .collect();
    western.parse().ok()
}

async fn add_kiosk(
    State(state): State<AppState>,
    visitor: Visitor,
    staff: Staff,
    form: FormPairs,
) -> Result<Response, Error> {
    visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    let idle_text = form.first("idle_seconds").unwrap_or("");
    let entry = KioskForm {
        surveys: form
            .0
            .iter()
            .filter(|(k, _)| k == "survey")
            .map(|(_, v)| v.clone())
            .collect(),
        site_ar: form.first("site_ar").unwrap_or("").to_string(),
        site_en: form.first("site_en").unwrap_or("").to_string(),
        stratum: form.first("stratum").unwrap_or("").to_string(),
        cluster: form.first("cluster").unwrap_or("").to_string(),
        // Empty: the default; unreadable: 0, which the rules refuse with their message.
        idle_seconds: if idle_text.trim().is_empty() {
            None
        } else {
            Some(parse_count(idle_text).unwrap_or(0))
        },
    };
    let catalog = state.surveys();
    let all: Vec<&Survey> = catalog.public().map(|s| &**s).collect();
    match fieldwork::check_kiosk(&all, &entry) {
        Ok(kiosk) => {
            let code = fieldwork::new_enrolment_code()?;
            state
                .db
                .add_kiosk(&kiosk, &crate::db::secret_hash(&code))
                .await?;
            let path = fieldwork::enrolment_path(&code);
            kiosks_page(
                &state,
                &visitor,
                &staff,
                &Problems::new(),
                &FormPairs(Vec::new()),
                Some(&path),
            )
            .await
        }
        Err(problems) => {
            let problems = from_fieldwork(&problems, visitor.lang);
            kiosks_page(&state, &visitor, &staff, &problems, &form, None).await
        }
    }
}

async fn revoke_kiosk(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, Error> {
    visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    if !state.db.revoke_kiosk(&id).await? {
        return Err(Error::NotFound);
    }
    state.desk.clear(&id);
    Ok(Redirect::to("/admin/kiosks").into_response())
}

async fn renew_code(
    State(state): State<AppState>,
    visitor: Visitor,
    staff: Staff,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, Error> {
    visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    let code = fieldwork::new_enrolment_code()?;
    if !state
        .db
        .renew_kiosk_code(&id, &crate::db::secret_hash(&code))
        .await?
    {
        return Err(Error::NotFound);
    }
    state.desk.clear(&id);
    let path = fieldwork::enrolment_path(&code);
    kiosks_page(
        &state,
        &visitor,
        &staff,
        &Problems::new(),
        &FormPairs(Vec::new()),
        Some(&path),
    )
    .await
}

// ----- interviewers' areas

async fn areas(
    State(state): State<AppState>,
    visitor: Visitor,
    staff: Staff,
) -> Result<Response, Error> {
    areas_page(
        &state,
        &visitor,
        &staff,
        &Problems::new(),
        &FormPairs(Vec::new()),
    )
    .await
}

async fn areas_page(
    state: &AppState,
    visitor: &Visitor,
    staff: &Staff,
    problems: &Problems,
    posted: &FormPairs,
) -> Result<Response, Error> {
    let lang = visitor.lang;
    let csrf = visitor.csrf_token_now();
    let rows: Vec<Vec<Markup>> = state
        .db
        .areas(None)
        .await?
        .iter()
        .map(|a| {
            let cluster = if a.cluster.is_empty() {
                i18n::WHOLE_STRATUM.get(lang).to_string()
            } else {
                a.cluster.clone()
            };
            let context = format!("{} {} {}", a.staff_name, a.stratum, cluster);
            vec![
                html! { bdi { (a.staff_name) } },
                html! { bdi dir="ltr" { (a.stratum) } },
                html! { bdi { (cluster) } },
                view::action_button(
                    &format!("/admin/areas/{}/remove", a.id),
                    &csrf,
                    i18n::REMOVE.get(lang),
                    &context,
                ),
            ]
        })
        .collect();
    let interviewers: Vec<(String, String)> = state
        .db
        .list_staff()
        .await?
        .into_iter()
        .filter(|a| a.role == Role::Interviewer.code() && !a.disabled)
        .map(|a| (a.name.clone(), a.name))
        .collect();
    let value = |f: &str| posted.first(f).unwrap_or("").to_string();
    let body = html! {
        @if rows.is_empty() { p.body { (i18n::NONE_YET.get(lang)) } } @else {
            (view::table(
                i18n::ADMIN_AREAS.get(lang),
                &[i18n::INTERVIEWER.get(lang), i18n::STRATUM.get(lang), i18n::CLUSTER.get(lang), i18n::COL_ACTIONS.get(lang)],
                &rows,
            ))
        }
        h2.heading-m { (i18n::ASSIGN_AREA.get(lang)) }
        @if interviewers.is_empty() {
            p.body { (i18n::NO_INTERVIEWERS.get(lang)) }
        } @else {
            form method="post" action="/admin/areas" novalidate {
                (csrf_field(visitor))
                (view::radio_field("interviewer", i18n::INTERVIEWER.get(lang), &interviewers, posted.first("interviewer"), error_for(problems, "interviewer"), lang))
                (view::text_field("stratum", i18n::STRATUM.get(lang), Some(i18n::CODE_HINT.get(lang)), &value("stratum"), error_for(problems, "stratum"), lang))
                (view::text_field("cluster", i18n::CLUSTER.get(lang), Some(i18n::CODE_HINT.get(lang)), &value("cluster"), error_for(problems, "cluster"), lang))
                (components::button(i18n::ASSIGN_AREA.get(lang)))
            }
        }
    };
    Ok(render(
        visitor,
        staff,
        "/admin/areas",
        i18n::ADMIN_AREAS,
        problems,
        body,
    ))
}

async fn assign_area(
    State(state): State<AppState>,
    visitor: Visitor,
    staff: Staff,
    form: FormPairs,
) -> Result<Response, Error> {
    visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    let lang = visitor.lang;
    let mut problems = Problems::new();
    let interviewer = form.first("interviewer").unwrap_or("");
    let account = state.db.staff(interviewer).await?;
    if !account.is_some_and(|a| a.role == Role::Interviewer.code() && !a.disabled) {
        problems.push(problem("interviewer", i18n::ROLE_MISSING, lang));
    }
    let catalog = state.surveys();
    let all: Vec<&Survey> = catalog.public().map(|s| &**s).collect();
    let area = fieldwork::check_area(
        &all,
        form.first("stratum").unwrap_or(""),
        form.first("cluster").unwrap_or(""),
    );
    match area {
        Ok((stratum, cluster)) if problems.is_empty() => {
            state
                .db
                .assign_area(interviewer, &stratum, &cluster)
                .await?;
            Ok(Redirect::to("/admin/areas").into_response())
        }
        Ok(_) => areas_page(&state, &visitor, &staff, &problems, &form).await,
        Err(more) => {
            problems.extend(from_fieldwork(&more, lang));
            areas_page(&state, &visitor, &staff, &problems, &form).await
        }
    }
}

async fn remove_area(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, Error> {
    visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    if !state.db.remove_area(&id).await? {
        return Err(Error::NotFound);
    }
    Ok(Redirect::to("/admin/areas").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_read_in_both_digit_sets() {
        assert_eq!(parse_count("120"), Some(120));
        assert_eq!(parse_count(" ١٢٠ "), Some(120));
        assert_eq!(parse_count("12a"), None);
    }
}
