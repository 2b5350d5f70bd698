//! Ballot stuffing through open links, made hard without collecting identity.
//!
//! - One response per browser session and survey on a public link: once a response of the
//!   session is stored, its pages show the confirmation instead of a new form (the survey
//!   pages check [`crate::web::visit::Progress::submitted`]). Kiosks and interviewers record
//!   many people by design and are not limited.
//! - A rate limit on link submissions per client: [`SUBMITS_PER_HOUR`] by default (`serve
//!   --link-submits-per-hour`), generous because many phones share one address behind a
//!   mobile operator's NAT. The limiter (`governor`, a token bucket per key) lives in memory
//!   only; its key is a SHA-256 of the client's address (IPv6 by its /64) with a salt drawn at
//!   random each UTC day and never written anywhere, so yesterday's keys cannot be recomputed
//!   and no table or log holds an address. A refused submit keeps the answers: the person
//!   can send them later.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Mutex, OnceLock};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

/// Link submissions per client and hour unless `serve` says otherwise.
pub const SUBMITS_PER_HOUR: u32 = 60;

struct Day {
    date: time::Date,
    salt: [u8; 32],
    limiter: DefaultKeyedRateLimiter<[u8; 16]>,
}

pub struct SubmitLimit {
    per_hour: NonZeroU32,
    day: Mutex<Option<Day>>,
}

static LIMIT: OnceLock<SubmitLimit> = OnceLock::new();

/// Set the limit before the server starts (the first call wins).
pub fn configure(per_hour: u32) {
    let _ = LIMIT.set(SubmitLimit::new(per_hour));
}

/// The process's limit.
pub fn limit() -> &'static SubmitLimit {
    LIMIT.get_or_init(|| SubmitLimit::new(SUBMITS_PER_HOUR))
}

/// The part of an address one subscriber holds: the whole IPv4 address, an IPv6 /64.
fn client_bytes(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.octets().to_vec(),
            None => v6.octets()[..8].to_vec(),
        },
    }
}

impl SubmitLimit {
    pub fn new(per_hour: u32) -> SubmitLimit {
        SubmitLimit {
            per_hour: NonZeroU32::new(per_hour.max(1)).unwrap_or(NonZeroU32::MIN),
            day: Mutex::new(None),
        }
    }

    /// Whether a link submission from `peer` may go ahead now (`None`: no address known, as
    /// in-process; never limited).
    pub fn allow(&self, peer: Option<SocketAddr>) -> bool {
        let Some(peer) = peer else { return true };
        let today = time::OffsetDateTime::now_utc().date();
        let mut day = self.day.lock().unwrap_or_else(|p| p.into_inner());
        if day.as_ref().is_none_or(|d| d.date != today) {
            // A new day: a new salt and empty buckets; yesterday's keys are gone for good.
            let Ok(salt) = crate::db::random_bytes::<32>() else {
                return true;
            };
            *day = Some(Day {
                date: today,
                salt,
                limiter: RateLimiter::keyed(Quota::per_hour(self.per_hour)),
            });
        }
        let Some(d) = day.as_ref() else { return true };
        let digest = Sha256::new()
            .chain_update(d.salt)
            .chain_update(client_bytes(peer.ip()))
            .finalize();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        let allowed = d.limiter.check_key(&key).is_ok();
        // Keep the map to the clients of the last hour or so.
        if d.limiter.len() > 100_000 {
            d.limiter.retain_recent();
        }
        allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_limited_and_others_are_not() {
        let limit = SubmitLimit::new(3);
        let a: SocketAddr = "203.0.113.7:5000".parse().unwrap();
        let a_other_port: SocketAddr = "203.0.113.7:6000".parse().unwrap();
        let b: SocketAddr = "198.51.100.1:5000".parse().unwrap();
        assert!(limit.allow(Some(a)) && limit.allow(Some(a)) && limit.allow(Some(a)));
        assert!(
            !limit.allow(Some(a_other_port)),
            "the same address, another port"
        );
        assert!(limit.allow(Some(b)));
        assert!(limit.allow(None));
    }

    #[test]
    fn ipv6_clients_count_by_their_slash_64() {
        let limit = SubmitLimit::new(1);
        let one: SocketAddr = "[2001:db8:1:2::1]:1".parse().unwrap();
        let same_64: SocketAddr = "[2001:db8:1:2::ffff]:1".parse().unwrap();
        let other_64: SocketAddr = "[2001:db8:1:3::1]:1".parse().unwrap();
        assert!(limit.allow(Some(one)));
        assert!(!limit.allow(Some(same_64)));
        assert!(limit.allow(Some(other_64)));
    }
}
