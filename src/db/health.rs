//! Whether the database can take a write right now.
//!
//! A disk that fills up, a file system gone read-only, a lock held by another process or a
//! PostgreSQL server that went away are faults of the storage, not of the request. They are
//! recorded here the moment a write meets one, and cleared the moment a write succeeds again;
//! a watcher task ([`super::Db::spawn_health_watch`]) probes with a real write while a fault
//! lasts (and now and then while none does), and watches the free space of the SQLite file's
//! disk so that new respondents are turned away *before* the disk is full, not after they
//! have answered twenty questions. `/healthz` and the survey pages read [`Health::fault`].

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

/// What is wrong with the storage, as far as the server can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// No space left (or less than the reserve kept for answers in progress).
    DiskFull,
    /// The file or file system, or the PostgreSQL transaction, is read-only.
    ReadOnly,
    /// Another process holds the lock longer than the server waits.
    Locked,
    /// Any other I/O or connection failure.
    Unreachable,
}

impl Fault {
    fn code(self) -> u8 {
        match self {
            Fault::DiskFull => 1,
            Fault::ReadOnly => 2,
            Fault::Locked => 3,
            Fault::Unreachable => 4,
        }
    }
    fn from_code(c: u8) -> Option<Fault> {
        Some(match c {
            1 => Fault::DiskFull,
            2 => Fault::ReadOnly,
            3 => Fault::Locked,
            4 => Fault::Unreachable,
            _ => return None,
        })
    }
    /// For `/healthz` and logs (never shown to respondents, who get a plain-words page).
    pub fn describe(self) -> &'static str {
        match self {
            Fault::DiskFull => "database disk full",
            Fault::ReadOnly => "database read-only",
            Fault::Locked => "database locked by another process",
            Fault::Unreachable => "database unreachable",
        }
    }

    /// The storage fault behind a SQLite result code (primary or extended), if it is one.
    pub fn of_sqlite_code(extended: i32) -> Option<Fault> {
        // The primary result code is the low byte of the extended one.
        match extended & 0xff {
            13 => Some(Fault::DiskFull),         // SQLITE_FULL
            8 => Some(Fault::ReadOnly),          // SQLITE_READONLY
            5 | 6 => Some(Fault::Locked),        // SQLITE_BUSY, SQLITE_LOCKED
            10 | 14 => Some(Fault::Unreachable), // SQLITE_IOERR, SQLITE_CANTOPEN
            _ => None,
        }
    }

    /// The storage fault behind a database error, if it is one (and not, say, a constraint
    /// violation or a bug in a query, which no amount of waiting cures).
    pub fn of_sqlx(e: &sqlx::Error) -> Option<Fault> {
        match e {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => Some(Fault::Unreachable),
            sqlx::Error::PoolTimedOut => Some(Fault::Locked),
            sqlx::Error::Database(db) => {
                let code = db.code()?;
                if let Ok(extended) = code.parse::<i32>() {
                    Fault::of_sqlite_code(extended)
                } else {
                    // PostgreSQL SQLSTATE.
                    match code.as_ref() {
                        "53100" => Some(Fault::DiskFull), // disk_full
                        "25006" => Some(Fault::ReadOnly), // read_only_sql_transaction
                        "55P03" => Some(Fault::Locked),   // lock_not_available
                        c if c.starts_with("08") || c.starts_with("57P") || c.starts_with("53") => {
                            Some(Fault::Unreachable)
                        }
                        _ => None,
                    }
                }
            }
            _ => None,
        }
    }
}

/// The current fault, shared by every clone of a `Db`.
#[derive(Debug, Default)]
pub struct Health {
    fault: AtomicU8,
    /// Unix seconds of the last probe write that succeeded (0: none yet).
    probed_at: AtomicU64,
}

/// While healthy, a write probe at most this often (the free-space check runs every time).
const PROBE_EVERY_SECS: u64 = 30;

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Health {
    /// Whether a probe write succeeded within the last [`PROBE_EVERY_SECS`]. (This clock lives
    /// in memory only.)
    pub fn probed_recently(&self) -> bool {
        let at = self.probed_at.load(Ordering::Relaxed);
        at != 0 && unix_now().saturating_sub(at) < PROBE_EVERY_SECS
    }

    pub fn mark_probed(&self) {
        self.probed_at.store(unix_now(), Ordering::Relaxed);
    }

    pub fn fault(&self) -> Option<Fault> {
        Fault::from_code(self.fault.load(Ordering::Relaxed))
    }

    /// Record the fault behind `e`, if it is a storage fault.
    pub fn record_error(&self, e: &crate::Error) {
        if let Some(fault) = e.storage_fault() {
            self.record(fault);
        }
    }

    pub fn record(&self, fault: Fault) {
        let before = self.fault.swap(fault.code(), Ordering::Relaxed);
        if before != fault.code() {
            tracing::error!(fault = fault.describe(), "database cannot take writes");
        }
    }

    /// A write succeeded: whatever was wrong is over.
    pub fn clear(&self) {
        if self.fault.swap(0, Ordering::Relaxed) != 0 {
            tracing::warn!("database takes writes again");
        }
    }
}

/// Free bytes for an unprivileged writer on the file system holding `path`.
pub fn free_bytes(path: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `s` a writable statvfs buffer.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut s) };
    (rc == 0).then(|| s.f_bavail as u64 * s.f_frsize as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_recorded_and_cleared() {
        let h = Health::default();
        assert_eq!(h.fault(), None);
        h.record(Fault::DiskFull);
        assert_eq!(h.fault(), Some(Fault::DiskFull));
        h.record(Fault::Locked);
        assert_eq!(h.fault(), Some(Fault::Locked));
        h.clear();
        assert_eq!(h.fault(), None);
    }

    #[test]
    fn free_space_of_the_temporary_folder_is_known() {
        assert!(free_bytes(&std::env::temp_dir()).is_some());
        assert!(free_bytes(std::path::Path::new("/no/such/folder")).is_none());
    }
}
