//! Single-use invitations of a probability sample (`mizan sample draw`) and the record of each
//! draw. An invitation row keeps the SHA-256 of its link's token, what a response through it is
//! stamped with (survey, stratum, cluster, base weight) and an `opened` mark: no unit id, no
//! time, nothing that says who was invited or which response came from which link. Always on
//! the primary: a link opened twice at once on two app servers must count once.

use super::{Backend, Db};
use crate::Result;

/// One invitation to store: the token itself is never given to storage.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInvitation {
    /// SHA-256 of the link's token (`db::secret_hash`).
    pub token_hash: Vec<u8>,
    pub stratum: String,
    /// Empty when the draw had no clusters.
    pub cluster: String,
    pub base_weight: f64,
}

/// The record of one draw.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawRecord {
    pub survey_id: String,
    pub seed: u64,
    /// `proportional`, `equal` or `given`.
    pub allocation: String,
    /// JSON: sizes and, per stratum, population and sample.
    pub report: String,
}

/// What an invitation stamps on the response made through it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InvitationStamp {
    pub survey_id: String,
    pub stratum: String,
    pub cluster: String,
    pub base_weight: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum InvitationOutcome {
    /// First use: the link is now used.
    Opened(InvitationStamp),
    AlreadyUsed,
    Unknown,
}

impl Db {
    /// Store a draw and its invitations in one transaction: all of them or none.
    pub async fn add_draw(&self, draw: &DrawRecord, invitations: &[NewInvitation]) -> Result<()> {
        let id = uuid::Uuid::new_v4().simple().to_string()[..16].to_string();
        let today = time::OffsetDateTime::now_utc().date().to_string();
        let draw_sql = "INSERT INTO sample_draws (id, survey_id, seed, allocation, report, drawn_on) \
                        VALUES ($1, $2, $3, $4, $5, $6)";
        let invitation_sql = "INSERT INTO invitations \
                              (token_hash, survey_id, stratum, cluster, base_weight, opened) \
                              VALUES ($1, $2, $3, $4, $5, FALSE)";
        on_primary!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(draw_sql)
                .bind(&id)
                .bind(&draw.survey_id)
                .bind(draw.seed.to_string())
                .bind(&draw.allocation)
                .bind(&draw.report)
                .bind(&today)
                .execute(&mut *tx)
                .await?;
            for inv in invitations {
                sqlx::query(invitation_sql)
                    .bind(&inv.token_hash)
                    .bind(&draw.survey_id)
                    .bind(&inv.stratum)
                    .bind(&inv.cluster)
                    .bind(inv.base_weight)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Use an invitation: the first time its stamp (and it is used from then on), after that
    /// [`InvitationOutcome::AlreadyUsed`]. Atomic, so of two requests at once exactly one opens it.
    pub async fn open_invitation(&self, token_hash: &[u8]) -> Result<InvitationOutcome> {
        let open = "UPDATE invitations SET opened = TRUE WHERE token_hash = $1 AND opened = FALSE \
                    RETURNING survey_id, stratum, cluster, base_weight";
        let stamp: Option<InvitationStamp> = on_primary!(self, |pool| sqlx::query_as(open)
            .bind(token_hash)
            .fetch_optional(pool)
            .await?);
        if let Some(stamp) = stamp {
            return Ok(InvitationOutcome::Opened(stamp));
        }
        let known = "SELECT 1 FROM invitations WHERE token_hash = $1";
        let row: Option<(i32,)> = on_primary!(self, |pool| sqlx::query_as(known)
            .bind(token_hash)
            .fetch_optional(pool)
            .await?);
        Ok(match row {
            Some(_) => InvitationOutcome::AlreadyUsed,
            None => InvitationOutcome::Unknown,
        })
    }

    /// An invitation's stamp and whether it is used, without using it (for the page a link
    /// preview may fetch); `None` for an unknown token.
    pub async fn peek_invitation(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<(InvitationStamp, bool)>> {
        let sql = "SELECT survey_id, stratum, cluster, base_weight, opened FROM invitations \
                   WHERE token_hash = $1";
        let row: Option<(String, String, String, f64, bool)> =
            on_primary!(self, |pool| sqlx::query_as(sql)
                .bind(token_hash)
                .fetch_optional(pool)
                .await?);
        Ok(row.map(|(survey_id, stratum, cluster, base_weight, used)| {
            let stamp = InvitationStamp {
                survey_id,
                stratum,
                cluster,
                base_weight,
            };
            (stamp, used)
        }))
    }

    /// Invitations of a survey per stratum, by stratum (the denominators of response rates).
    pub async fn invited_per_stratum(&self, survey_id: &str) -> Result<Vec<(String, u64)>> {
        let sql = "SELECT stratum, COUNT(*) FROM invitations WHERE survey_id = $1 \
                   GROUP BY stratum ORDER BY stratum";
        let rows: Vec<(String, i64)> = on_primary!(self, |pool| sqlx::query_as(sql)
            .bind(survey_id)
            .fetch_all(pool)
            .await?);
        Ok(rows
            .into_iter()
            .map(|(s, n)| (s, n.max(0) as u64))
            .collect())
    }
}
