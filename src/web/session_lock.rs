//! One request at a time per session.
//!
//! tower-sessions loads a session's whole record at a request's first use and saves it whole
//! after the handler: two page saves of one person arriving together (a double tap, two tabs)
//! would each load the same record, add their own page, and the later save would drop the
//! other page's answers. This middleware, outside the session layer, holds a lock per session
//! id from before the load until after the save, so the second request reads what the first
//! wrote. It serialises one person's requests only; different people never wait for each
//! other. A kiosk's requests are serialised by its kiosk cookie the same way. Several app servers behind a load balancer need session affinity for the same
//! guarantee (docs/postgres.md).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use super::visit::cookie;

/// The session cookie's name (see `web::app`).
pub const SESSION_COOKIE: &str = "mizan";

type Locks = Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>;

fn locks() -> &'static Locks {
    static LOCKS: std::sync::OnceLock<Locks> = std::sync::OnceLock::new();
    LOCKS.get_or_init(Default::default)
}

pub async fn one_at_a_time(req: Request, next: Next) -> Response {
    // A kiosk keeps its answers in memory rather than in a session: its cookie is the key.
    let session = cookie(req.headers(), SESSION_COOKIE).map(|id| format!("s:{id}"));
    let kiosk = || cookie(req.headers(), super::access::KIOSK_COOKIE).map(|k| format!("k:{k}"));
    let Some(id) = session
        .or_else(kiosk)
        .filter(|id| id.len() > 2 && id.len() <= 66)
    else {
        // No session yet: nothing another request could overwrite.
        return next.run(req).await;
    };
    let lock = {
        let mut map = locks().lock().unwrap_or_else(|p| p.into_inner());
        map.entry(id.clone()).or_default().clone()
    };
    let res = {
        let _held = lock.lock().await;
        next.run(req).await
    };
    // The last request of this session out removes its entry: the map holds only sessions
    // with a request in flight.
    let mut map = locks().lock().unwrap_or_else(|p| p.into_inner());
    if Arc::strong_count(&lock) == 2 {
        map.remove(&id);
    }
    res
}
