//! The operation's own tables: staff accounts with roles, kiosks, interviewers' areas, and the
//! server's secrets. Always on the primary: an account disabled, a kiosk revoked or an area
//! removed counts at the next request, not after a replica's lag. One SQL text serves both
//! databases (`$N` parameters work on SQLite too) except where their JSON differs.

use super::{Backend, Db};
use crate::Result;

/// A staff account as the admin pages list it. The role is checked text (`web::access::Role`
/// parses it); the password hash never leaves [`Db::staff_sign_in`].
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StaffAccount {
    pub name: String,
    pub role: String,
    pub disabled: bool,
}

/// What an admin registers for a kiosk.
#[derive(Debug, Clone)]
pub struct NewKiosk {
    pub surveys: Vec<String>,
    pub site_ar: String,
    pub site_en: String,
    pub stratum: String,
    /// Empty when the kiosk has no cluster.
    pub cluster: String,
    pub idle_seconds: u32,
}

/// A registered kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kiosk {
    pub id: String,
    pub surveys: Vec<String>,
    pub site_ar: String,
    pub site_en: String,
    pub stratum: String,
    pub cluster: String,
    pub idle_seconds: u32,
    /// An enrolment code is waiting to be used.
    pub code_pending: bool,
    /// A browser is enrolled.
    pub enrolled: bool,
    pub revoked: bool,
    pub registered_on: String,
}

#[derive(sqlx::FromRow)]
struct KioskRow {
    id: String,
    surveys: String,
    site_ar: String,
    site_en: String,
    stratum: String,
    cluster: String,
    idle_seconds: i64,
    code_pending: bool,
    enrolled: bool,
    revoked: bool,
    registered_on: String,
}

impl KioskRow {
    fn decode(self) -> Kiosk {
        Kiosk {
            id: self.id,
            surveys: serde_json::from_str(&self.surveys).unwrap_or_default(),
            site_ar: self.site_ar,
            site_en: self.site_en,
            stratum: self.stratum,
            cluster: self.cluster,
            idle_seconds: self.idle_seconds.clamp(60, 3600) as u32,
            code_pending: self.code_pending,
            enrolled: self.enrolled,
            revoked: self.revoked,
            registered_on: self.registered_on,
        }
    }
}

const KIOSK_COLUMNS: &str = "id, surveys, site_ar, site_en, stratum, cluster, \
    CAST(idle_seconds AS BIGINT) AS idle_seconds, (enrol_code_hash IS NOT NULL) AS code_pending, \
    (cookie_hash IS NOT NULL) AS enrolled, revoked, registered_on";

/// An area an interviewer is assigned to.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Area {
    pub id: String,
    pub staff_name: String,
    pub stratum: String,
    /// Empty: the whole stratum.
    pub cluster: String,
}

fn today() -> String {
    time::OffsetDateTime::now_utc().date().to_string()
}

/// 16 random hex digits: ids of kiosks and areas (no order, no time in them).
fn random_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..16].to_string()
}

impl Db {
    /// Create a staff account, or give an existing one this role and password and enable it.
    /// Returns true when the account is new.
    pub async fn put_staff(&self, name: &str, role: &str, password_hash: &str) -> Result<bool> {
        let existed = self.staff(name).await?.is_some();
        let sql = "INSERT INTO staff (name, password_hash, role, disabled) VALUES ($1, $2, $3, FALSE) \
                   ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, \
                   role = excluded.role, disabled = FALSE";
        on_primary!(self, |pool| sqlx::query(sql)
            .bind(name)
            .bind(password_hash)
            .bind(role)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(!existed)
    }

    /// The account, if it exists.
    pub async fn staff(&self, name: &str) -> Result<Option<StaffAccount>> {
        let sql = "SELECT name, role, disabled FROM staff WHERE name = $1";
        Ok(on_primary!(self, |pool| sqlx::query_as(sql)
            .bind(name)
            .fetch_optional(pool)
            .await?))
    }

    /// Every account, by name.
    pub async fn list_staff(&self) -> Result<Vec<StaffAccount>> {
        let sql = "SELECT name, role, disabled FROM staff ORDER BY name";
        Ok(on_primary!(self, |pool| sqlx::query_as(sql)
            .fetch_all(pool)
            .await?))
    }

    /// The password hash of an enabled account (a disabled one cannot sign in).
    pub async fn staff_password_hash(&self, name: &str) -> Result<Option<String>> {
        let sql = "SELECT password_hash FROM staff WHERE name = $1 AND disabled = FALSE";
        let row: Option<(String,)> = on_primary!(self, |pool| sqlx::query_as(sql)
            .bind(name)
            .fetch_optional(pool)
            .await?);
        Ok(row.map(|r| r.0))
    }

    /// Disable or enable an account. False when there is no such account.
    pub async fn set_staff_disabled(&self, name: &str, disabled: bool) -> Result<bool> {
        let sql = "UPDATE staff SET disabled = $1 WHERE name = $2";
        let done = on_primary!(self, |pool| sqlx::query(sql)
            .bind(disabled)
            .bind(name)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(done == 1)
    }

    /// Set a new password. False when there is no such account.
    pub async fn set_staff_password(&self, name: &str, password_hash: &str) -> Result<bool> {
        let sql = "UPDATE staff SET password_hash = $1 WHERE name = $2";
        let done = on_primary!(self, |pool| sqlx::query(sql)
            .bind(password_hash)
            .bind(name)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(done == 1)
    }

    /// Register a kiosk whose enrolment code hashes to `code_hash`. Returns its id.
    pub async fn add_kiosk(&self, k: &NewKiosk, code_hash: &[u8]) -> Result<String> {
        let id = random_id();
        let surveys = serde_json::to_string(&k.surveys)
            .map_err(|e| crate::Error::Other(format!("JSON: {e}")))?;
        let sql = "INSERT INTO kiosks (id, surveys, site_ar, site_en, stratum, cluster, \
                   idle_seconds, enrol_code_hash, registered_on) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        on_primary!(self, |pool| sqlx::query(sql)
            .bind(&id)
            .bind(&surveys)
            .bind(&k.site_ar)
            .bind(&k.site_en)
            .bind(&k.stratum)
            .bind(&k.cluster)
            .bind(k.idle_seconds as i32)
            .bind(code_hash)
            .bind(today())
            .execute(pool)
            .await?
            .rows_affected());
        Ok(id)
    }

    /// Every kiosk, by site.
    pub async fn kiosks(&self) -> Result<Vec<Kiosk>> {
        let sql = format!("SELECT {KIOSK_COLUMNS} FROM kiosks ORDER BY site_en, id");
        let rows: Vec<KioskRow> =
            on_primary!(self, |pool| sqlx::query_as(&sql).fetch_all(pool).await?);
        Ok(rows.into_iter().map(KioskRow::decode).collect())
    }

    /// Use an enrolment code: the kiosk it belongs to (not revoked) now answers to the cookie
    /// hashing to `cookie_hash`, and the code is gone. Atomic, so a code works once.
    pub async fn enrol_kiosk(
        &self,
        code_hash: &[u8],
        cookie_hash: &[u8],
    ) -> Result<Option<String>> {
        let sql = "UPDATE kiosks SET enrol_code_hash = NULL, cookie_hash = $1 \
                   WHERE enrol_code_hash = $2 AND revoked = FALSE RETURNING id";
        let row: Option<(String,)> = on_primary!(self, |pool| sqlx::query_as(sql)
            .bind(cookie_hash)
            .bind(code_hash)
            .fetch_optional(pool)
            .await?);
        Ok(row.map(|r| r.0))
    }

    /// The enrolled, unrevoked kiosk whose cookie hashes to `cookie_hash`.
    pub async fn kiosk_by_cookie(&self, cookie_hash: &[u8]) -> Result<Option<Kiosk>> {
        let sql = format!(
            "SELECT {KIOSK_COLUMNS} FROM kiosks WHERE cookie_hash = $1 AND revoked = FALSE"
        );
        let row: Option<KioskRow> = on_primary!(self, |pool| sqlx::query_as(&sql)
            .bind(cookie_hash)
            .fetch_optional(pool)
            .await?);
        Ok(row.map(KioskRow::decode))
    }

    /// Revoke a kiosk: its browser shows "not enrolled" from the next request. False when
    /// there is no such kiosk.
    pub async fn revoke_kiosk(&self, id: &str) -> Result<bool> {
        let sql = "UPDATE kiosks SET revoked = TRUE, cookie_hash = NULL, enrol_code_hash = NULL \
                   WHERE id = $1";
        let done = on_primary!(self, |pool| sqlx::query(sql)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(done == 1)
    }

    /// A new enrolment code for a kiosk (a replaced screen, a cleared browser): the old
    /// browser is no longer enrolled, and a revoked kiosk is in service again once enrolled.
    pub async fn renew_kiosk_code(&self, id: &str, code_hash: &[u8]) -> Result<bool> {
        let sql = "UPDATE kiosks SET enrol_code_hash = $1, cookie_hash = NULL, revoked = FALSE \
                   WHERE id = $2";
        let done = on_primary!(self, |pool| sqlx::query(sql)
            .bind(code_hash)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(done == 1)
    }

    /// Assign an interviewer to an area (already assigned: the same area). Returns its id.
    pub async fn assign_area(
        &self,
        staff_name: &str,
        stratum: &str,
        cluster: &str,
    ) -> Result<String> {
        let sql = "INSERT INTO interviewer_areas (id, staff_name, stratum, cluster) \
                   VALUES ($1, $2, $3, $4) ON CONFLICT (staff_name, stratum, cluster) DO NOTHING";
        on_primary!(self, |pool| sqlx::query(sql)
            .bind(random_id())
            .bind(staff_name)
            .bind(stratum)
            .bind(cluster)
            .execute(pool)
            .await?
            .rows_affected());
        let sql = "SELECT id FROM interviewer_areas WHERE staff_name = $1 AND stratum = $2 \
                   AND cluster = $3";
        let (id,): (String,) = on_primary!(self, |pool| sqlx::query_as(sql)
            .bind(staff_name)
            .bind(stratum)
            .bind(cluster)
            .fetch_one(pool)
            .await?);
        Ok(id)
    }

    /// The areas of one interviewer, or of everyone (`None`), by interviewer and area.
    pub async fn areas(&self, staff_name: Option<&str>) -> Result<Vec<Area>> {
        let sql = "SELECT id, staff_name, stratum, cluster FROM interviewer_areas \
                   WHERE $1 IS NULL OR staff_name = $1 ORDER BY staff_name, stratum, cluster";
        Ok(on_primary!(self, |pool| sqlx::query_as(sql)
            .bind(staff_name)
            .fetch_all(pool)
            .await?))
    }

    pub async fn remove_area(&self, id: &str) -> Result<bool> {
        let sql = "DELETE FROM interviewer_areas WHERE id = $1";
        let done = on_primary!(self, |pool| sqlx::query(sql)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(done == 1)
    }

    /// The server secret `name` (32 random bytes), made the first time it is asked for. Every
    /// app server on the same database gets the same one.
    pub async fn secret(&self, name: &str) -> Result<Vec<u8>> {
        let fresh = super::random_bytes::<32>()?;
        let insert = "INSERT INTO mizan_secrets (name, value) VALUES ($1, $2) \
                      ON CONFLICT (name) DO NOTHING";
        on_primary!(self, |pool| sqlx::query(insert)
            .bind(name)
            .bind(&fresh[..])
            .execute(pool)
            .await?
            .rows_affected());
        let select = "SELECT value FROM mizan_secrets WHERE name = $1";
        let (value,): (Vec<u8>,) = on_primary!(self, |pool| sqlx::query_as(select)
            .bind(name)
            .fetch_one(pool)
            .await?);
        Ok(value)
    }

    /// Responses of a survey through `channel`, per stratum (completed invitations for the
    /// response rates).
    pub async fn responses_per_stratum(
        &self,
        survey_id: &str,
        channel: &str,
    ) -> Result<Vec<(String, u64)>> {
        let rows: Vec<(String, i64)> = match &self.backend {
            Backend::Sqlite(p) => {
                sqlx::query_as(
                    "SELECT COALESCE(json_extract(metadata, '$.stratum'), ''), COUNT(*) \
                     FROM responses WHERE survey_id = ?1 AND channel = ?2 GROUP BY 1",
                )
                .bind(survey_id)
                .bind(channel)
                .fetch_all(&p.reader)
                .await?
            }
            Backend::Postgres(p) => {
                sqlx::query_as(
                    "SELECT COALESCE(metadata->>'stratum', ''), COUNT(*) FROM responses \
                     WHERE survey_id = $1 AND channel = $2 GROUP BY 1",
                )
                .bind(survey_id)
                .bind(channel)
                .fetch_all(p.db_read().await)
                .await?
            }
        };
        Ok(rows
            .into_iter()
            .map(|(s, n)| (s, n.max(0) as u64))
            .collect())
    }

    /// Responses of a survey per (stratum, cluster) stamped with this interviewer code.
    pub async fn interviewer_counts(
        &self,
        survey_id: &str,
        code: &str,
    ) -> Result<Vec<(String, String, i64)>> {
        let rows = match &self.backend {
            Backend::Sqlite(p) => {
                sqlx::query_as(
                    "SELECT COALESCE(json_extract(metadata, '$.stratum'), ''), \
                     COALESCE(json_extract(metadata, '$.cluster'), ''), COUNT(*) \
                     FROM responses WHERE survey_id = ?1 AND channel = 'interviewer' \
                     AND json_extract(metadata, '$.interviewer') = ?2 GROUP BY 1, 2",
                )
                .bind(survey_id)
                .bind(code)
                .fetch_all(&p.reader)
                .await?
            }
            Backend::Postgres(p) => sqlx::query_as(
                "SELECT COALESCE(metadata->>'stratum', ''), COALESCE(metadata->>'cluster', ''), \
                     COUNT(*) FROM responses WHERE survey_id = $1 AND channel = 'interviewer' \
                     AND metadata->>'interviewer' = $2 GROUP BY 1, 2",
            )
            .bind(survey_id)
            .bind(code)
            .fetch_all(p.db_write())
            .await?,
        };
        Ok(rows)
    }
}
