//! Analyst accounts: names, Argon2id password hashes, and checking a sign-in.
//!
//! Why Argon2id with its default parameters: it is memory-hard, so a stolen table of hashes is
//! expensive to attack. Checking an unknown name costs the same as checking a wrong password
//! (a hash of a fixed dummy is verified), so sign-in timing does not tell which names exist.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::db::Db;
use crate::{Error, Result};

/// Shortest password accepted for an analyst account.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Analyst names: 1–64 ASCII letters, digits, `.`, `_` or `-` (they appear in no log).
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(Error::BadRequest(
            "an analyst name is 1 to 64 letters, digits, `.`, `_` or `-`".into(),
        ))
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

/// True when `name` is an analyst and `password` is theirs. The hash check runs on a blocking
/// thread (it takes tens of milliseconds by design).
pub async fn sign_in(db: &Db, name: &str, password: &str) -> Result<bool> {
    let stored = if check_name(name).is_ok() {
        db.analyst_password_hash(name).await?
    } else {
        None
    };
    let known = stored.is_some();
    let hash = stored.unwrap_or_else(|| DUMMY_HASH.clone());
    let password = password.to_string();
    let matches = tokio::task::spawn_blocking(move || verify(&password, &hash))
        .await
        .map_err(|e| Error::Other(format!("password check: {e}")))?;
    Ok(known && matches)
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
        assert!(check_name("nour.analyst").is_ok());
        assert!(check_name("نور").is_err() && check_name("").is_err());
    }
}
