//! Reading what a browser sends: `application/x-www-form-urlencoded` bodies and query strings.
//!
//! Forms are read into the raw pairs, in order, with repeated names kept (checkboxes), because
//! that is what `survey::answers::read_page` takes. Decoding is strict: a broken `%` escape or
//! bytes that are not UTF-8 make the whole body malformed (400 page) instead of being guessed.
//! Every failure is the crate's one [`Error`], so the person always gets a page in their
//! language, never a plain-text rejection.

use axum::extract::{FromRequest, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};

use futures::StreamExt;

use crate::Error;

/// Largest accepted form body. A whole survey page of long texts fits many times over.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Oversize bodies up to this size are drained before the 413 page is sent.
const DRAIN_LIMIT: usize = 1024 * 1024;
/// Most fields a single page can sensibly post (a long checkbox list plus hidden fields).
const MAX_PAIRS: usize = 500;

/// A posted form as its ordered `(name, value)` pairs.
#[derive(Debug, Clone, Default)]
pub struct FormPairs(pub Vec<(String, String)>);

impl FormPairs {
    /// The first value posted under `name`.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl<S: Send + Sync> FromRequest<S> for FormPairs {
    type Rejection = Error;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let media = content_type.split(';').next().unwrap_or("").trim();
        if !media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(Error::BadRequest("form body expected".into()));
        }
        let declared = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > DRAIN_LIMIT as u64) {
            return Err(Error::TooLarge);
        }
        // A moderately oversize body is read to its end (and dropped) so that the browser,
        // still sending, receives the 413 page instead of a reset connection.
        let mut body = req.into_body().into_data_stream();
        let mut bytes = Vec::new();
        let mut total = 0usize;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|_| Error::BadRequest("form body cut short".into()))?;
            total += chunk.len();
            if total > DRAIN_LIMIT {
                return Err(Error::TooLarge);
            }
            if total <= BODY_LIMIT {
                bytes.extend_from_slice(&chunk);
            }
        }
        if total > BODY_LIMIT {
            return Err(Error::TooLarge);
        }
        parse_pairs(&bytes).map(FormPairs)
    }
}

/// Strictly decode `a=1&b=%D8%A8+c` into pairs.
pub fn parse_pairs(input: &[u8]) -> Result<Vec<(String, String)>, Error> {
    let mut pairs = Vec::new();
    for part in input.split(|&b| b == b'&') {
        if part.is_empty() {
            continue;
        }
        if pairs.len() == MAX_PAIRS {
            return Err(Error::BadRequest("too many form fields".into()));
        }
        let (name, value) = match part.iter().position(|&b| b == b'=') {
            Some(i) => (&part[..i], &part[i + 1..]),
            None => (part, &b""[..]),
        };
        pairs.push((decode(name)?, decode(value)?));
    }
    Ok(pairs)
}

/// The pairs of a request's query string (empty when it has none or it is malformed: a query
/// only ever carries optional switches such as `lang`).
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .and_then(|q| parse_pairs(q.as_bytes()).ok())
        .unwrap_or_default()
}

fn decode(raw: &[u8]) -> Result<String, Error> {
    let malformed = || Error::BadRequest("malformed form encoding".into());
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = raw.get(i + 1..i + 3).ok_or_else(malformed)?;
                let hi = hex_value(hex[0]).ok_or_else(malformed)?;
                let lo = hex_value(hex[1]).ok_or_else(malformed)?;
                out.push(hi << 4 | lo);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| malformed())
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_repeated_names_plus_and_arabic() {
        let pairs = parse_pairs(b"q=a&q=b&t=%D8%A8+c&empty=&flag").unwrap();
        assert_eq!(
            pairs,
            vec![
                ("q".into(), "a".into()),
                ("q".into(), "b".into()),
                ("t".into(), "ب c".into()),
                ("empty".into(), "".into()),
                ("flag".into(), "".into()),
            ]
        );
    }

    #[test]
    fn rejects_broken_escapes_and_invalid_utf8() {
        assert!(parse_pairs(b"a=%zz").is_err());
        assert!(parse_pairs(b"a=%4").is_err());
        assert!(parse_pairs(b"a=%FF%FE").is_err());
    }
}
