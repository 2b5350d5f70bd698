//! Staff accounts: roles, sign-in names, Argon2id password hashes, and checking a sign-in.
//!
//! Why Argon2id with its default parameters: it is memory-hard, so a stolen table of hashes is
//! expensive to attack. Checking an unknown (or disabled) name costs the same as checking a
//! wrong password (a hash of a fixed dummy is verified), so sign-in timing does not tell which
//! names exist. Which role may reach which route is stated in `web::access`, not here.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::db::Db;
use crate::survey::Lang;
use crate::{Error, Result};

/// Shortest password accepted for a staff account.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// What a staff account may do. Accounts made before roles existed are analysts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Adds, disables and resets accounts; registers kiosks; assigns interviewers to areas.
    Admin,
    /// Writes and checks survey files.
    Designer,
    /// Reads weighted results and downloads them.
    Analyst,
    /// Records face-to-face interviews in assigned areas.
    Interviewer,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::Designer,
        Role::Analyst,
        Role::Interviewer,
    ];

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s)
    }

    /// The stored and command-line spelling.
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Designer => "designer",
            Role::Analyst => "analyst",
            Role::Interviewer => "interviewer",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Role::Admin, Lang::Ar) => "مسؤول النظام",
            (Role::Admin, Lang::En) => "Administrator",
            (Role::Designer, Lang::Ar) => "مصمّم الاستبيانات",
            (Role::Designer, Lang::En) => "Survey designer",
            (Role::Analyst, Lang::Ar) => "محلّل",
            (Role::Analyst, Lang::En) => "Analyst",
            (Role::Interviewer, Lang::Ar) => "باحث ميداني",
            (Role::Interviewer, Lang::En) => "Field interviewer",
        }
    }
}

/// A sign-in name: 1 to 64 letters (any script: names may be Arabic), digits, `.`, `_`, `-`,
/// and single spaces between words. Checked once here; a `StaffName` is always valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffName(String);

impl StaffName {
    pub fn parse(name: &str) -> Result<StaffName> {
        let name = name.trim();
        let chars = name.chars().count();
        let ok = (1..=64).contains(&chars)
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | ' '))
            && !name.contains("  ");
        if ok {
            Ok(StaffName(name.to_string()))
        } else {
            Err(Error::BadRequest(
                "a sign-in name is 1 to 64 letters (Arabic or Latin), digits, `.`, `_`, `-` or \
                 single spaces"
                    .into(),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for StaffName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The PHC string (`$argon2id$v=19$…`) of a new password, with a random salt.
pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::BadRequest(format!(
            "the password needs at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::Other(format!("hashing the password: {e}")))
}

/// [`hash_password`] on a blocking thread (tens of milliseconds by design), for the server.
pub async fn hash_password_off_thread(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| Error::Other(format!("password hash: {e}")))?
}

fn verify(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A hash of a random password nobody knows, checked when the name is unknown.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let password = format!("{:?}", std::time::SystemTime::now());
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// The account's name when `name` is an enabled account and `password` is theirs. The hash
/// check runs on a blocking thread.
pub async fn sign_in(db: &Db, name: &str, password: &str) -> Result<Option<StaffName>> {
    let name = StaffName::parse(name).ok();
    let stored = match &name {
        Some(n) => db.staff_password_hash(n.as_str()).await?,
        None => None,
    };
    let known = stored.is_some();
    let hash = stored.unwrap_or_else(|| DUMMY_HASH.clone());
    let password = password.to_string();
    let matches = tokio::task::spawn_blocking(move || verify(&password, &hash))
        .await
        .map_err(|e| Error::Other(format!("password check: {e}")))?;
    Ok(name.filter(|_| known && matches))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_short_passwords_are_refused() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterx", &h));
        assert!(hash_password("short").is_err());
        assert!(DUMMY_HASH.starts_with("$argon2id$") && !verify("anything", &DUMMY_HASH));
    }

    #[test]
    fn names_may_be_arabic_but_not_anything() {
        assert!(StaffName::parse("nour.analyst").is_ok());
        assert_eq!(
            StaffName::parse("  نور الهدى ").unwrap().as_str(),
            "نور الهدى"
        );
        assert!(StaffName::parse("").is_err());
        assert!(StaffName::parse("a  b").is_err());
        assert!(StaffName::parse("a;b").is_err());
        assert!(StaffName::parse("a\nb").is_err());
        assert!(StaffName::parse(&"ن".repeat(65)).is_err());
        assert!(StaffName::parse(&"ن".repeat(64)).is_ok());
    }

    #[test]
    fn roles_round_trip_and_unknown_roles_are_refused() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
        assert_eq!(Role::parse("Admin"), None);
    }
}
