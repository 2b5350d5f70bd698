//! Quota places: how many completed responses each quota cell holds. A place is taken only in
//! the submit's own transaction (see `store_response_in_quotas`), by one statement that raises
//! the count only while it is below the cell's limit, so concurrent submits into a cell with
//! one place left store exactly one response. Read on the primary: the screen-out decision and
//! the polling branch's progress must see every committed place.

use super::{Backend, Db, QuotaPlace};
use crate::Result;

/// Raise the cell's count by one if it is below the limit (the row is created at its first
/// place). `false`: the cell is full.
const TAKE_PLACE: &str = "INSERT INTO quota_fills (survey_id, quota_id, cell, filled) \
                          VALUES ($1, $2, $3, 1) \
                          ON CONFLICT (survey_id, quota_id, cell) \
                          DO UPDATE SET filled = quota_fills.filled + 1 \
                          WHERE quota_fills.filled < $4";

/// [`TAKE_PLACE`] on the SQLite writer's handle (see `db::sqlite`).
pub(super) fn take_place_sqlite(
    db: &rusqlite::Connection,
    survey_id: &str,
    place: &QuotaPlace,
) -> Result<bool> {
    if place.limit == 0 {
        return Ok(false);
    }
    let n = db.prepare_cached(TAKE_PLACE)?.execute(rusqlite::params![
        survey_id,
        place.quota_id,
        place.cell,
        i64::from(place.limit)
    ])?;
    Ok(n == 1)
}

pub(super) async fn take_place_postgres(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    survey_id: &str,
    place: &QuotaPlace,
) -> Result<bool> {
    if place.limit == 0 {
        return Ok(false);
    }
    let n = sqlx::query(TAKE_PLACE)
        .bind(survey_id)
        .bind(&place.quota_id)
        .bind(&place.cell)
        .bind(i64::from(place.limit))
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(n == 1)
}

impl Db {
    /// Places taken per (quota, cell) of a survey, by quota and cell.
    pub async fn quota_fills(&self, survey_id: &str) -> Result<Vec<(String, String, u32)>> {
        let sql = "SELECT quota_id, cell, filled FROM quota_fills WHERE survey_id = $1 \
                   ORDER BY quota_id, cell";
        let rows: Vec<(String, String, i64)> = on_primary!(self, |pool| sqlx::query_as(sql)
            .bind(survey_id)
            .fetch_all(pool)
            .await?);
        Ok(rows
            .into_iter()
            .map(|(q, c, n)| (q, c, u32::try_from(n).unwrap_or(0)))
            .collect())
    }

    /// The first of `places` that is already full, if any (a respondent in a full cell is
    /// thanked and screened out before answering the rest).
    pub async fn full_place<'a>(
        &self,
        survey_id: &str,
        places: &'a [QuotaPlace],
    ) -> Result<Option<&'a QuotaPlace>> {
        let sql =
            "SELECT filled FROM quota_fills WHERE survey_id = $1 AND quota_id = $2 AND cell = $3";
        for place in places {
            let filled: Option<(i64,)> = on_primary!(self, |pool| sqlx::query_as(sql)
                .bind(survey_id)
                .bind(&place.quota_id)
                .bind(&place.cell)
                .fetch_optional(pool)
                .await?);
            if filled.map_or(0, |(n,)| n) >= i64::from(place.limit) {
                return Ok(Some(place));
            }
        }
        Ok(None)
    }
}
