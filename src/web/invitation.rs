//! Single-use invitations of a drawn sample (`mizan sample draw` issues them).
//!
//! | method | path          | what                                                          |
//! |--------|---------------|---------------------------------------------------------------|
//! | GET    | `/i/{token}`  | the survey's start page; nothing is used yet                  |
//! | POST   | `/i/{token}`  | "Start now": open the invitation (once) → the first page (303) |
//!
//! The GET changes nothing: messaging apps fetch a link to draw its preview, and a GET that
//! used the invitation would burn it before the person taps it. Opening (the POST, with the
//! visit's CSRF token) marks the invitation used in its own statement, at that moment — not at
//! the submit — so the used mark shares neither a transaction nor a moment with the response.
//! The session then keeps the invitation's stratum, cluster and base weight (never the token),
//! and the response is stamped channel `invitation` with them. A malformed, unknown or already
//! used token gets a page in the person's language.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Router, routing::get};

use crate::Error;
use crate::db::InvitationOutcome;
use crate::survey::Survey;

use super::AppState;
use super::form::FormPairs;
use super::views::{layout, pages};
use super::visit::{CSRF_FIELD, Invited, Visitor};

pub fn router() -> Router<AppState> {
    Router::new().route("/i/{token}", get(show).post(open))
}

/// Invitation tokens are 128 random bits as 32 lower-case hex digits.
fn is_token(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The served survey an invitation is for (a draft or removed survey: not valid).
fn served(state: &AppState, survey_id: &str) -> Result<std::sync::Arc<Survey>, Error> {
    state
        .surveys()
        .get(survey_id)
        .filter(|s| !s.draft)
        .cloned()
        .ok_or(Error::InvitationNotValid)
}

async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Response, Error> {
    if !is_token(&token) {
        return Err(Error::InvitationNotValid);
    }
    let stamp = match state
        .db
        .peek_invitation(&crate::db::secret_hash(&token))
        .await?
    {
        None => return Err(Error::InvitationNotValid),
        Some((_, true)) => return Err(Error::InvitationUsed),
        Some((stamp, false)) => stamp,
    };
    let survey = served(&state, &stamp.survey_id)?;
    let lang = visitor.lang;
    let here = format!("/i/{token}");
    let title = pages::title(lang, survey.title.get(lang), None, false);
    let switch = layout::switch_href(&here, &[], lang);
    let css = super::assets::stylesheet_href();
    let chrome = super::survey_flow::chrome(lang, &title, &switch, &css, None, false);
    let page = pages::invitation_start(&chrome, &survey, &here, &visitor.csrf_token_now());
    Ok(page.into_response())
}

async fn open(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
    form: FormPairs,
) -> Result<Response, Error> {
    visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    if !is_token(&token) {
        return Err(Error::InvitationNotValid);
    }
    let stamp = match state
        .db
        .open_invitation(&crate::db::secret_hash(&token))
        .await?
    {
        InvitationOutcome::Opened(stamp) => stamp,
        InvitationOutcome::AlreadyUsed => return Err(Error::InvitationUsed),
        InvitationOutcome::Unknown => return Err(Error::InvitationNotValid),
    };
    let survey = served(&state, &stamp.survey_id)?;
    // A fresh progress for this person, whatever this browser did before.
    let mut progress = visitor.fresh_progress(&survey.id);
    progress.version = Some(survey.version.clone());
    progress.invitation = Some(Invited {
        stratum: stamp.stratum,
        cluster: stamp.cluster,
        base_weight: stamp.base_weight,
    });
    visitor.save_progress(&survey.id, &progress).await?;
    let first = super::survey_flow::first_href(&survey, &format!("/s/{}", survey.id));
    Ok(Redirect::to(&first).into_response())
}
