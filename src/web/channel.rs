//! The channels a survey is answered through, and what each keeps and stamps.
//!
//! The same survey pages (`survey_flow`) serve every channel under its own prefix:
//!
//! | channel       | prefix            | who (see `access`)    | answers in progress kept in     |
//! |---------------|-------------------|-----------------------|---------------------------------|
//! | `link`        | (none): `/s/…`    | anyone                | the session (database)          |
//! | `kiosk`       | `/kiosk/s/…`      | an enrolled kiosk     | the server's memory ([`Desk`])  |
//! | `interviewer` | `/field/{area}/s/…` | an interviewer of that area | the interviewer's session |
//! | (preview)     | `/preview/s/…`    | a designer or admin   | their session; never stored     |
//!
//! What a response is stamped with at the submit (never an account name, kiosk id, cookie,
//! enrolment code or time of day): on every channel the survey's `wave`; and
//! - kiosk: `site` (English), `site_ar`, `stratum`, `cluster`;
//! - interviewer: `stratum`, `cluster`, `interviewer` (the pseudonymous code of the account for
//!   the survey's wave, see [`crate::fieldwork::interviewer_code`]) and `mode = face-to-face`.
//!
//! Why a kiosk keeps answers in memory only: a shared screen's answers in progress must vanish
//! at the idle timeout even if the page never calls back, and must not sit in the database's
//! files with a time of day; the [`Desk`] drops a sitting `idle + 5 s` after its last request.
//! A restart drops them too, which is what a kiosk wants. (With several app servers, a kiosk
//! needs session affinity, like sessions already do: docs/postgres.md.)

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use crate::Error;
use crate::db::{Area, Kiosk};
use crate::survey::Survey;

use super::AppState;
use super::access::{EnrolledKiosk, Staff};
use super::views::layout::KioskFrame;
use super::visit::{Progress, Visitor};

/// Which channel a survey router serves (an extension on each mounted copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    Link,
    Kiosk,
    Interviewer,
    Preview,
}

/// The channel of this request, with what it proved about itself.
#[derive(Debug, Clone)]
pub enum Channel {
    Link,
    Kiosk(Arc<Kiosk>),
    Interviewer {
        staff: Staff,
        area: Area,
    },
    /// A designer or admin trying a survey (drafts too): nothing is ever stored.
    Preview(Staff),
}

impl Channel {
    /// The `channel` column of the response.
    pub fn name(&self) -> &'static str {
        match self {
            Channel::Link => "link",
            Channel::Kiosk(_) => "kiosk",
            Channel::Interviewer { .. } => "interviewer",
            Channel::Preview(_) => "preview",
        }
    }
}

/// Whoever is answering, through which channel: every survey page takes one.
#[derive(Clone)]
pub struct Respondent {
    pub visitor: Visitor,
    pub channel: Channel,
    desk: Desk,
}

/// The path parameter of an interviewer's area.
#[derive(serde::Deserialize)]
struct AreaParam {
    area: String,
}

impl FromRequestParts<AppState> for Respondent {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let visitor = Visitor::from_request_parts(parts, state).await?;
        let kind = parts
            .extensions
            .get::<ChannelKind>()
            .copied()
            .unwrap_or(ChannelKind::Link);
        let channel = match kind {
            ChannelKind::Link => Channel::Link,
            ChannelKind::Kiosk => {
                let EnrolledKiosk(kiosk) = EnrolledKiosk::from_request_parts(parts, state).await?;
                Channel::Kiosk(kiosk)
            }
            ChannelKind::Interviewer => {
                let staff = Staff::from_request_parts(parts, state).await?;
                let Path(AreaParam { area }) = Path::<AreaParam>::from_request_parts(parts, state)
                    .await
                    .map_err(|_| Error::NotFound)?;
                // Only the interviewer's own areas exist for them.
                let area = state
                    .db
                    .areas(Some(staff.name.as_str()))
                    .await?
                    .into_iter()
                    .find(|a| a.id == area)
                    .ok_or(Error::NotFound)?;
                Channel::Interviewer { staff, area }
            }
            ChannelKind::Preview => {
                Channel::Preview(Staff::from_request_parts(parts, state).await?)
            }
        };
        Ok(Respondent {
            visitor,
            channel,
            desk: state.desk.clone(),
        })
    }
}

impl Respondent {
    /// The survey, if this channel runs it: a kiosk runs its own surveys; an interviewer's area
    /// must fit the survey's declared strata and clusters.
    pub fn survey(&self, state: &AppState, id: &str) -> Result<Arc<Survey>, Error> {
        let survey = state.surveys().get(id).cloned().ok_or(Error::NotFound)?;
        if survey.draft && !self.is_preview() {
            // Drafts are for the designers' preview only.
            return Err(Error::NotFound);
        }
        let runs = match &self.channel {
            Channel::Link | Channel::Preview(_) => true,
            Channel::Kiosk(k) => k.surveys.iter().any(|s| s == id),
            Channel::Interviewer { area, .. } => {
                crate::fieldwork::survey_accepts_area(&survey, &area.stratum, &area.cluster)
            }
        };
        if runs {
            Ok(survey)
        } else {
            Err(Error::NotFound)
        }
    }

    /// `/s/ID` under this channel's prefix.
    pub fn survey_href(&self, survey: &Survey) -> String {
        match &self.channel {
            Channel::Link => format!("/s/{}", survey.id),
            Channel::Kiosk(_) => format!("/kiosk/s/{}", survey.id),
            Channel::Interviewer { area, .. } => format!("/field/{}/s/{}", area.id, survey.id),
            Channel::Preview(_) => format!("/preview/s/{}", survey.id),
        }
    }

    /// A designer's preview: shown with a banner, never stored.
    pub fn is_preview(&self) -> bool {
        matches!(self.channel, Channel::Preview(_))
    }

    /// Kiosks' answers in progress.
    pub fn desk(&self) -> &Desk {
        &self.desk
    }

    /// A public link (the only channel with one response per browser session).
    pub fn is_link(&self) -> bool {
        matches!(self.channel, Channel::Link)
    }

    pub fn is_kiosk(&self) -> bool {
        matches!(self.channel, Channel::Kiosk(_))
    }

    pub fn is_interviewer(&self) -> bool {
        matches!(self.channel, Channel::Interviewer { .. })
    }

    fn session_key(&self, survey: &Survey) -> String {
        match &self.channel {
            Channel::Interviewer { area, .. } => format!("interview:{}:{}", area.id, survey.id),
            Channel::Preview(_) => format!("preview:{}", survey.id),
            _ => Visitor::progress_key(&survey.id),
        }
    }

    /// The progress kept for this survey, if any, without creating it.
    pub async fn saved_progress(&self, survey: &Survey) -> Result<Option<Progress>, Error> {
        match &self.channel {
            Channel::Kiosk(k) => Ok(self.desk.progress(k, &survey.id)),
            _ => {
                self.visitor
                    .saved_progress_at(&self.session_key(survey))
                    .await
            }
        }
    }

    /// The progress in this survey (fresh the first time; nothing is kept until saved). When
    /// the survey file changed since the answers were given, the answers that no longer fit
    /// are dropped and the pages say so ([`Progress::survey_changed`]).
    pub async fn progress(&self, survey: &Survey) -> Result<Progress, Error> {
        let mut progress = match self.saved_progress(survey).await? {
            Some(p) => p,
            None => self.visitor.fresh_progress(&survey.id),
        };
        if progress.version.as_deref() != Some(survey.version.as_str()) {
            if progress.version.is_some() && !progress.answers.is_empty() {
                crate::survey::answers::keep_valid(survey, &mut progress.answers);
                progress.drafts.clear();
                progress.submission_key = None;
                progress.survey_changed = true;
            }
            progress.version = Some(survey.version.clone());
        }
        Ok(progress)
    }

    pub async fn save_progress(&self, survey: &Survey, progress: &Progress) -> Result<(), Error> {
        match &self.channel {
            Channel::Kiosk(k) => {
                self.desk.save(k, &survey.id, progress.clone());
                Ok(())
            }
            _ => {
                self.visitor
                    .save_progress_at(&self.session_key(survey), progress)
                    .await
            }
        }
    }

    /// Forget this survey's answers in progress ("clear my answers", "start again").
    pub async fn clear_progress(&self, survey: &Survey) -> Result<(), Error> {
        match &self.channel {
            Channel::Kiosk(k) => self.desk.clear(&k.id),
            // On a link, that a response of this session was stored is kept (one response
            // per browser session); only the answers go.
            Channel::Link => {
                if let Some(saved) = self.saved_progress(survey).await? {
                    let kept = Progress {
                        submitted: saved.submitted,
                        done: true,
                        ..self.visitor.fresh_progress(&survey.id)
                    };
                    if kept.submitted.is_empty() {
                        self.visitor
                            .session
                            .remove::<Progress>(&self.session_key(survey))
                            .await?;
                    } else {
                        self.save_progress(survey, &kept).await?;
                    }
                }
            }
            _ => {
                self.visitor
                    .session
                    .remove::<Progress>(&self.session_key(survey))
                    .await?;
            }
        }
        Ok(())
    }

    /// What the response is stamped with besides its answers (see the module's table).
    pub async fn stamp(
        &self,
        state: &AppState,
        survey: &Survey,
    ) -> Result<BTreeMap<String, String>, Error> {
        let mut m = BTreeMap::new();
        let mut put = |k: &str, v: &str| {
            if !v.is_empty() {
                m.insert(k.to_string(), v.to_string());
            }
        };
        // Every response records the wave it was collected in, so waves are never pooled by
        // accident and results can compare them.
        put("wave", &survey.wave);
        // What each question asked in this version, so that results pool versions of a
        // question only where its wording and options are the same.
        put("content", &survey.content_stamp());
        match &self.channel {
            Channel::Link | Channel::Preview(_) => {}
            Channel::Kiosk(k) => {
                put("site", &k.site_en);
                put("site_ar", &k.site_ar);
                put("stratum", &k.stratum);
                put("cluster", &k.cluster);
            }
            Channel::Interviewer { staff, area } => {
                let code = interviewer_code(state, survey, staff).await?;
                put("stratum", &area.stratum);
                put("cluster", &area.cluster);
                put("interviewer", &code);
                put("mode", "face-to-face");
            }
        }
        Ok(m)
    }

    /// The kiosk's frame for a page, on kiosks; the thank-you page (`finished`) returns to the
    /// start sooner than the idle timeout.
    pub fn kiosk_frame<'a>(&'a self, csrf: &'a str, finished: bool) -> Option<KioskFrame<'a>> {
        match &self.channel {
            Channel::Kiosk(k) => Some(KioskFrame {
                site: match self.visitor.lang {
                    crate::survey::Lang::Ar => &k.site_ar,
                    crate::survey::Lang::En => &k.site_en,
                },
                idle_seconds: if finished {
                    super::views::layout::KIOSK_THANKS_SECONDS.min(k.idle_seconds)
                } else {
                    k.idle_seconds
                },
                warn_seconds: crate::fieldwork::KIOSK_WARNING_SECONDS,
                csrf,
            }),
            _ => None,
        }
    }
}

/// The interviewer's code in this survey's wave.
pub async fn interviewer_code(
    state: &AppState,
    survey: &Survey,
    staff: &Staff,
) -> Result<String, Error> {
    // Made once per database and never changed: read it once, not on every interview.
    let secret = state
        .interviewer_key
        .get_or_try_init(|| state.db.secret("interviewer-codes"))
        .await?;
    Ok(crate::fieldwork::interviewer_code(
        &secret,
        &survey.wave,
        staff.name.as_str(),
    ))
}

/// Kiosks' answers in progress, in memory only, one sitting per kiosk; and which kiosks had a
/// sitting dropped at its timeout (so that a late "I need more time" hears it is gone).
#[derive(Clone, Default)]
pub struct Desk(Arc<Mutex<Sittings>>);

#[derive(Default)]
struct Sittings {
    open: HashMap<String, Sitting>,
    dropped: std::collections::HashSet<String>,
}

struct Sitting {
    surveys: HashMap<String, Progress>,
    last_seen: Instant,
    idle: Duration,
}

/// How long after its idle timeout a sitting is still kept: the page's own return to the start
/// (script or meta refresh) arrives first and finds nothing.
pub const DESK_GRACE: Duration = Duration::from_secs(5);

impl Sitting {
    fn expired(&self, now: Instant) -> bool {
        now.duration_since(self.last_seen) > self.idle + DESK_GRACE
    }
}

impl Desk {
    fn lock(&self) -> std::sync::MutexGuard<'_, Sittings> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The kiosk's progress in a survey, unless its sitting timed out (then it is dropped).
    /// Counts as activity.
    pub fn progress(&self, kiosk: &Kiosk, survey: &str) -> Option<Progress> {
        let now = Instant::now();
        let mut desk = self.lock();
        if desk.open.get(&kiosk.id).is_some_and(|s| s.expired(now)) {
            desk.open.remove(&kiosk.id);
            desk.dropped.insert(kiosk.id.clone());
            return None;
        }
        let sitting = desk.open.get_mut(&kiosk.id)?;
        sitting.last_seen = now;
        sitting.surveys.get(survey).cloned()
    }

    pub fn save(&self, kiosk: &Kiosk, survey: &str, progress: Progress) {
        let now = Instant::now();
        let mut desk = self.lock();
        desk.dropped.remove(&kiosk.id);
        let sitting = desk
            .open
            .entry(kiosk.id.clone())
            .or_insert_with(|| Sitting {
                surveys: HashMap::new(),
                last_seen: now,
                idle: Duration::from_secs(kiosk.idle_seconds.into()),
            });
        if sitting.expired(now) {
            sitting.surveys.clear();
        }
        sitting.last_seen = now;
        sitting.idle = Duration::from_secs(kiosk.idle_seconds.into());
        sitting.surveys.insert(survey.to_string(), progress);
    }

    /// "I need more time": true while the kiosk's sitting is alive, or there was none to lose;
    /// false once it was dropped at its timeout (until the next person starts).
    pub fn still_here(&self, kiosk: &Kiosk) -> bool {
        let now = Instant::now();
        let mut desk = self.lock();
        if desk.dropped.contains(&kiosk.id) {
            return false;
        }
        match desk.open.get_mut(&kiosk.id) {
            None => true,
            Some(s) if s.expired(now) => {
                desk.open.remove(&kiosk.id);
                desk.dropped.insert(kiosk.id.clone());
                false
            }
            Some(s) => {
                s.last_seen = now;
                true
            }
        }
    }

    /// Forget everything of the kiosk's current person.
    pub fn clear(&self, kiosk_id: &str) {
        let mut desk = self.lock();
        desk.open.remove(kiosk_id);
        desk.dropped.remove(kiosk_id);
    }

    /// Drop every timed-out sitting; returns how many.
    pub fn sweep(&self) -> usize {
        let now = Instant::now();
        let mut desk = self.lock();
        let expired: Vec<String> = desk
            .open
            .iter()
            .filter(|(_, s)| s.expired(now))
            .map(|(id, _)| id.clone())
            .collect();
        for id in &expired {
            desk.open.remove(id);
            desk.dropped.insert(id.clone());
        }
        expired.len()
    }

    /// Sweep every second, so a walked-away person's answers leave memory at the timeout even
    /// if nobody touches the kiosk again.
    pub fn spawn_sweeper(&self) -> tokio::task::JoinHandle<()> {
        let desk = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                desk.sweep();
            }
        })
    }

    /// Whether the kiosk has answers in progress (tests, the admin page).
    pub fn has_sitting(&self, kiosk_id: &str) -> bool {
        self.lock().open.contains_key(kiosk_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kiosk(idle: u32) -> Kiosk {
        Kiosk {
            id: "k1".into(),
            surveys: vec!["s".into()],
            site_ar: "م".into(),
            site_en: "S".into(),
            stratum: "urban".into(),
            cluster: String::new(),
            idle_seconds: idle,
            code_pending: false,
            enrolled: true,
            revoked: false,
            registered_on: "2026-12-02".into(),
        }
    }

    #[test]
    fn a_sitting_is_kept_while_active_and_dropped_after_the_timeout() {
        let desk = Desk::default();
        let k = kiosk(60);
        assert!(desk.progress(&k, "s").is_none());
        let mut p = Progress::default();
        p.answers
            .insert("q".into(), crate::survey::Answer::Value("A".into()));
        desk.save(&k, "s", p);
        assert!(desk.progress(&k, "s").is_some());
        // Pretend the last request was long ago.
        desk.lock().open.get_mut("k1").unwrap().last_seen =
            Instant::now() - Duration::from_secs(66);
        assert_eq!(desk.sweep(), 1);
        assert!(desk.progress(&k, "s").is_none());
        assert!(!desk.has_sitting("k1"));
        // The page's late call hears that the answers are gone, until the next person starts.
        assert!(!desk.still_here(&k));
        desk.clear("k1");
        assert!(desk.still_here(&k));
    }

    #[test]
    fn an_expired_sitting_is_not_revived_by_a_late_request() {
        let desk = Desk::default();
        let k = kiosk(60);
        desk.save(&k, "s", Progress::default());
        desk.lock().open.get_mut("k1").unwrap().last_seen =
            Instant::now() - Duration::from_secs(70);
        assert!(!desk.still_here(&k));
        assert!(desk.progress(&k, "s").is_none());
        desk.save(&k, "s", Progress::default());
        desk.clear("k1");
        assert!(!desk.has_sitting("k1"));
    }
}
