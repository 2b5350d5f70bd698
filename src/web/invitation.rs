//! Single-use invitations of a drawn sample (`mizan sample draw` issues them).
//!
//! | method | path          | what                                                        |
//! |--------|---------------|-------------------------------------------------------------|
//! | GET    | `/i/{token}`  | open the invitation (once) → the survey's start page (303)  |
//!
//! Opening marks the invitation used in its own statement, at the moment the person opens it
//! — not at the submit — so the used mark shares neither a transaction nor a moment with the
//! response. The session then keeps the invitation's stratum, cluster and base weight (never
//! the token), and the response is stamped channel `invitation` with them. A malformed,
//! unknown or already used token gets a page in the person's language.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Router, routing::get};

use crate::Error;
use crate::db::InvitationOutcome;

use super::AppState;
use super::visit::{Invited, Visitor};

pub fn router() -> Router<AppState> {
    Router::new().route("/i/{token}", get(open))
}

/// Invitation tokens are 128 random bits as 32 lower-case hex digits.
fn is_token(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

async fn open(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Response, Error> {
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
    let catalog = state.surveys();
    let Some(survey) = catalog.get(&stamp.survey_id).filter(|s| !s.draft) else {
        return Err(Error::InvitationNotValid);
    };
    // A fresh progress for this person, whatever this browser did before.
    let mut progress = visitor.fresh_progress(&survey.id);
    progress.version = Some(survey.version.clone());
    progress.invitation = Some(Invited {
        stratum: stamp.stratum,
        cluster: stamp.cluster,
        base_weight: stamp.base_weight,
    });
    visitor.save_progress(&survey.id, &progress).await?;
    Ok(Redirect::to(&format!("/s/{}", survey.id)).into_response())
}
