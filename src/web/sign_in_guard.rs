//! Throttling of analysts' sign-in, in memory only.
//!
//! - **Per account**: after [`ACCOUNT_LIMIT`] wrong passwords the account is locked for a
//!   minute, and each further failure doubles the lock (up to [`WINDOW`]); failures are
//!   forgotten [`WINDOW`] after the last one, and a successful sign-in forgets them at once.
//! - **Per client**: the same after [`CLIENT_LIMIT`] failures from one address, whichever
//!   names were tried (IPv6 clients by their /64, which one subscriber usually holds whole).
//! - While locked, even the right password is refused with the same "too many attempts" page,
//!   without checking it. Unknown names are counted and locked exactly like real ones, and
//!   their passwords are checked against a dummy hash ([`crate::results::access::sign_in`]),
//!   so neither the pages, the statuses nor the timing tell which accounts exist.
//! - **Password hashing is bounded**: Argon2 takes about 19 MiB and tens of milliseconds per
//!   check, so at most [`HASHING`] run at once and at most [`WAITING`] more wait; beyond that
//!   an attempt is refused at once (503) instead of queueing without bound. 200 parallel
//!   attempts used to take the server to a 3.7 GB peak.
//!
//! Keys are SHA-256 hashes of the name or the address with a salt drawn at random when the
//! process starts, kept only in memory and never written to the database or a log; the maps
//! are bounded ([`MAX_ENTRIES`]) and forget entries past the window. Behind a reverse proxy
//! every client has the proxy's address, so the per-client limit applies to all of them
//! together (forwarded headers are not trusted: anyone can set them).
//!
//! Why not a rate-limiting crate: a keyed limiter such as `governor` does token buckets, not
//! "N failures, then an exponential lock that a success resets", its keyed store grows until
//! pruned by hand, and it adds several crates to a 2-core build; this is a small map.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use rand::TryRng;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::survey::Lang;

use super::i18n::{self, Ui};

// The refusal page's words. They say nothing about whether the account exists.
pub const THROTTLED_TITLE: Ui = Ui::new("محاولات تسجيل دخول كثيرة", "Too many sign-in attempts");
const THROTTLED_BODY: Ui = Ui::new(
    "أوقفنا تسجيل الدخول مؤقتاً لحماية الحسابات.",
    "Signing in is paused for a while to protect the accounts.",
);

/// "Too many attempts" explained, with when to try again (whole minutes, at least one).
pub fn throttled_body(lang: Lang, wait: Duration) -> String {
    let m = wait.as_secs().div_ceil(60).max(1);
    let when = match lang {
        Lang::En if m == 1 => "Try again in a minute.".to_string(),
        Lang::En => format!("Try again in {m} minutes."),
        Lang::Ar => match m {
            1 => "حاول مرة أخرى بعد دقيقة.".to_string(),
            2 => "حاول مرة أخرى بعد دقيقتين.".to_string(),
            3..=10 => format!(
                "حاول مرة أخرى بعد {} دقائق.",
                i18n::digits(lang, &m.to_string())
            ),
            _ => format!(
                "حاول مرة أخرى بعد {} دقيقة.",
                i18n::digits(lang, &m.to_string())
            ),
        },
    };
    format!("{} {when}", THROTTLED_BODY.get(lang))
}

/// Wrong passwords for one account before it is locked.
pub const ACCOUNT_LIMIT: u32 = 5;
/// Failed sign-ins from one client before it is locked.
pub const CLIENT_LIMIT: u32 = 20;
/// Failures are forgotten this long after the last one; also the longest lock.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// The first lock; each further failure doubles it.
const FIRST_LOCK: Duration = Duration::from_secs(60);
/// Password checks at once.
pub const HASHING: usize = 2;
/// Attempts waiting for a check before further ones are refused.
pub const WAITING: usize = 16;
/// Most accounts (and clients) tracked at once: about 5 MB at most.
pub const MAX_ENTRIES: usize = 50_000;

type Key = [u8; 32];

/// Why an attempt is refused without checking the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Too many failures for this account or from this client: wait this long.
    Locked(Duration),
    /// Too many attempts waiting for a password check right now.
    Busy,
}

/// The throttle's keys for one attempt.
pub struct Keys {
    account: Key,
    client: Key,
}

/// The peer address `serve` puts on each request (none when the app runs in-process).
pub struct Peer(pub Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Peer, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Failures by key, under one limit.
struct Counter {
    limit: u32,
    map: HashMap<Key, Failures>,
}

impl Counter {
    fn new(limit: u32) -> Counter {
        Counter {
            limit,
            map: HashMap::new(),
        }
    }

    /// How long `key` is still locked, if it is.
    fn locked(&self, key: &Key, now: Instant) -> Option<Duration> {
        let f = self.map.get(key)?;
        if f.count < self.limit {
            return None;
        }
        let doublings = (f.count - self.limit).min(16);
        let lock = FIRST_LOCK.saturating_mul(1 << doublings).min(WINDOW);
        (f.last + lock)
            .checked_duration_since(now)
            .filter(|d| !d.is_zero())
    }

    fn fail(&mut self, key: Key, now: Instant) {
        if !self.map.contains_key(&key) && self.map.len() >= MAX_ENTRIES {
            self.make_room(now);
        }
        let f = self.map.entry(key).or_insert(Failures {
            count: 0,
            last: now,
        });
        if now.duration_since(f.last) > WINDOW {
            f.count = 0;
        }
        f.count = f.count.saturating_add(1);
        f.last = now;
    }

    fn reset(&mut self, key: &Key) {
        self.map.remove(key);
    }

    /// Forget what is past the window; if everything is recent, the oldest entry.
    fn make_room(&mut self, now: Instant) {
        self.map.retain(|_, f| now.duration_since(f.last) <= WINDOW);
        if self.map.len() >= MAX_ENTRIES {
            let oldest = self.map.iter().min_by_key(|(_, f)| f.last).map(|(k, _)| *k);
            if let Some(k) = oldest {
                self.map.remove(&k);
            }
        }
    }
}

pub struct Guard {
    salt: [u8; 32],
    accounts: Mutex<Counter>,
    clients: Mutex<Counter>,
    hashing: Arc<Semaphore>,
    waiting: Arc<Semaphore>,
}

/// The process's one guard (its salt lives and dies with the process).
pub fn guard() -> &'static Guard {
    static GUARD: LazyLock<Guard> = LazyLock::new(Guard::new);
    &GUARD
}

impl Default for Guard {
    fn default() -> Guard {
        Guard::new()
    }
}

impl Guard {
    pub fn new() -> Guard {
        let mut salt = [0u8; 32];
        if rand::rngs::SysRng.try_fill_bytes(&mut salt).is_err() {
            // No system random source: still a per-process secret nobody outside can replay.
            let seed = format!(
                "{:?}{:?}{}",
                std::time::SystemTime::now(),
                Instant::now(),
                std::process::id()
            );
            salt = Sha256::digest(seed.as_bytes()).into();
        }
        Guard {
            salt,
            accounts: Mutex::new(Counter::new(ACCOUNT_LIMIT)),
            clients: Mutex::new(Counter::new(CLIENT_LIMIT)),
            hashing: Arc::new(Semaphore::new(HASHING)),
            waiting: Arc::new(Semaphore::new(HASHING + WAITING)),
        }
    }

    fn key(&self, kind: &[u8], value: &[u8]) -> Key {
        let mut h = Sha256::new();
        h.update(self.salt);
        h.update(kind);
        h.update([0]);
        h.update(value);
        h.finalize().into()
    }

    /// Keys for an attempt on `name` (as typed, case ignored) from `peer`.
    pub fn keys(&self, name: &str, peer: Option<SocketAddr>) -> Keys {
        let client = match peer.map(|p| p.ip().to_canonical()) {
            Some(IpAddr::V4(ip)) => ip.octets().to_vec(),
            Some(IpAddr::V6(ip)) => ip.octets()[..8].to_vec(),
            None => Vec::new(),
        };
        Keys {
            account: self.key(b"account", name.to_ascii_lowercase().as_bytes()),
            client: self.key(b"client", &client),
        }
    }

    /// Refused now, before any password check?
    pub fn check(&self, keys: &Keys) -> Result<(), Refusal> {
        let now = Instant::now();
        let account = lock(&self.accounts).locked(&keys.account, now);
        let client = lock(&self.clients).locked(&keys.client, now);
        match account.max(client) {
            Some(wait) => Err(Refusal::Locked(wait)),
            None => Ok(()),
        }
    }

    /// Run the password `check` when a place is free, unless too many wait already or the
    /// keys got locked while waiting. The check runs as its own task holding the place, so a
    /// client that hangs up cannot free it before the hashing ends.
    pub async fn verify<F>(&self, keys: &Keys, check: F) -> Result<F::Output, Refusal>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let waiting = self
            .waiting
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refusal::Busy)?;
        let hashing = self
            .hashing
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Refusal::Busy)?;
        self.check(keys)?;
        tokio::spawn(async move {
            let out = check.await;
            drop((hashing, waiting));
            out
        })
        .await
        .map_err(|_| Refusal::Busy)
    }

    pub fn failed(&self, keys: &Keys) {
        let now = Instant::now();
        lock(&self.accounts).fail(keys.account, now);
        lock(&self.clients).fail(keys.client, now);
    }

    /// A success forgets the account's failures (not the client's).
    pub fn succeeded(&self, keys: &Keys) {
        lock(&self.accounts).reset(&keys.account);
    }
}

/// The maps hold plain counters: one poisoned by a panic elsewhere is still consistent.
fn lock(m: &Mutex<Counter>) -> std::sync::MutexGuard<'_, Counter> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(s: &str) -> Option<SocketAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn locks_grow_and_are_forgotten_after_the_window() {
        let mut c = Counter::new(3);
        let k = [1u8; 32];
        let t = Instant::now();
        for _ in 0..2 {
            c.fail(k, t);
        }
        assert_eq!(c.locked(&k, t), None);
        c.fail(k, t);
        assert_eq!(c.locked(&k, t), Some(FIRST_LOCK));
        assert_eq!(c.locked(&k, t + FIRST_LOCK), None);
        c.fail(k, t);
        assert_eq!(c.locked(&k, t), Some(2 * FIRST_LOCK));
        for _ in 0..40 {
            c.fail(k, t);
        }
        assert_eq!(c.locked(&k, t), Some(WINDOW));
        // Past the window the count starts again.
        let later = t + WINDOW + Duration::from_secs(1);
        c.fail(k, later);
        assert_eq!(c.locked(&k, later), None);
        c.reset(&k);
        assert!(c.map.is_empty());
    }

    #[test]
    fn the_maps_stay_bounded() {
        let mut c = Counter::new(3);
        let t = Instant::now();
        for i in 0..MAX_ENTRIES + 10 {
            let mut k = [0u8; 32];
            k[..8].copy_from_slice(&(i as u64).to_le_bytes());
            c.fail(k, t + Duration::from_millis(i as u64));
        }
        assert_eq!(c.map.len(), MAX_ENTRIES);
    }

    #[test]
    fn keys_are_salted_case_blind_and_group_an_ipv6_subnet() {
        let a = Guard::new();
        let b = Guard::new();
        let ka = a.keys("Nour", peer("192.0.2.1:1000"));
        assert_eq!(ka.account, a.keys("nour", None).account);
        assert_ne!(
            ka.account,
            b.keys("nour", None).account,
            "salt is per guard"
        );
        assert_eq!(ka.client, a.keys("x", peer("[::ffff:192.0.2.1]:9")).client);
        assert_ne!(ka.client, a.keys("x", peer("192.0.2.2:1000")).client);
        let v6 = a.keys("x", peer("[2001:db8:1:2::1]:1")).client;
        assert_eq!(v6, a.keys("x", peer("[2001:db8:1:2:ffff::9]:1")).client);
        assert_ne!(v6, a.keys("x", peer("[2001:db8:1:3::1]:1")).client);
    }

    #[tokio::test]
    async fn checks_beyond_the_queue_are_refused_at_once() {
        let g = Arc::new(Guard::new());
        let (tx, rx) = tokio::sync::watch::channel(false);
        let mut running = Vec::new();
        for i in 0..HASHING + WAITING {
            let g = g.clone();
            let mut rx = rx.clone();
            running.push(tokio::spawn(async move {
                let keys = g.keys(&format!("n{i}"), None);
                g.verify(&keys, async move {
                    let _ = rx.wait_for(|go| *go).await;
                })
                .await
            }));
        }
        while g.waiting.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let keys = g.keys("late", None);
        assert_eq!(g.verify(&keys, async {}).await, Err(Refusal::Busy));
        tx.send(true).unwrap();
        for r in running {
            assert_eq!(r.await.unwrap(), Ok(()));
        }
        assert_eq!(g.verify(&keys, async {}).await, Ok(()));
    }
}
