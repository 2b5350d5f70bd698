//! Reading a survey's cells off a SQLite file at disk speed, for estimates and the export.
//!
//! Why not through sqlx: its SQLite driver hands each row from its worker thread to the async
//! task through a channel, copying every value into a row object and waking the task; over a
//! million rows that hand-off, not SQLite, was most of an estimate's time. Here a blocking
//! thread with its own read-only connection steps the query and copies the rows' bytes into
//! chunks of a few thousand rows; the async side decodes a chunk while the next is read, so
//! the reading and the decoding each have a core. Memory stays flat: at most [`IN_FLIGHT`]
//! chunks exist at once.
//!
//! A read on its own connection sees the last committed state when it starts, as a read
//! through the reader pool would. Files only: an in-memory database exists only inside its
//! pool's connection, and PostgreSQL has its own path.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::{Error, Result};

/// Rows per chunk, and chunks read ahead of the consumer.
const CHUNK_ROWS: usize = 4096;
const IN_FLIGHT: usize = 3;

/// Rows read off the file, their fields' bytes one after the other.
pub(super) struct Chunk {
    bytes: Vec<u8>,
    /// Per row, per field: its start and end in `bytes`; `NULL_SPAN` for NULL.
    spans: Vec<(u32, u32)>,
    fields: usize,
}

const NULL_SPAN: (u32, u32) = (u32::MAX, u32::MAX);

impl Chunk {
    pub(super) fn rows(&self) -> usize {
        self.spans.len().checked_div(self.fields).unwrap_or(0)
    }

    /// Field `field` of row `row` (`None`: NULL).
    pub(super) fn field(&self, row: usize, field: usize) -> Option<&[u8]> {
        let (start, end) = *self.spans.get(row * self.fields + field)?;
        if (start, end) == NULL_SPAN {
            return None;
        }
        self.bytes.get(start as usize..end as usize)
    }

    fn push(&mut self, field: Option<&[u8]>) -> Result<()> {
        match field {
            None => self.spans.push(NULL_SPAN),
            Some(b) => {
                let start = self.bytes.len();
                self.bytes.extend_from_slice(b);
                let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(self.bytes.len()))
                else {
                    return Err(Error::Other("a stored response is too large".into()));
                };
                self.spans.push((start, end));
            }
        }
        Ok(())
    }
}

/// Start reading the rows of `sql` (with text parameters `params`) on a blocking thread; each
/// row's `fields` columns (blobs or text) come back in chunks, in the query's order. An error
/// ends the stream after the rows read before it.
pub(super) fn read_chunks(file: &Path, sql: String, params: Vec<String>, fields: usize) -> Chunks {
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    let (give_back, spare) = std::sync::mpsc::channel();
    let file: PathBuf = file.to_path_buf();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = read_into(&file, &sql, &params, fields, &tx, &spare) {
            let _ = tx.blocking_send(Err(e));
        }
    });
    Chunks {
        rx,
        give_back,
        last: None,
    }
}

/// The chunks of [`read_chunks`], in order. Each chunk's buffers go back to the reader for
/// the next one: fresh megabytes for every chunk cost more in page faults than the copying.
pub(super) struct Chunks {
    rx: mpsc::Receiver<Result<Chunk>>,
    give_back: std::sync::mpsc::Sender<Chunk>,
    last: Option<Chunk>,
}

impl Chunks {
    /// The next chunk (`None`: all read), valid until the next call.
    pub(super) async fn next(&mut self) -> Option<Result<&Chunk>> {
        if let Some(used) = self.last.take() {
            let _ = self.give_back.send(used);
        }
        match self.rx.recv().await? {
            Ok(chunk) => Some(Ok(self.last.insert(chunk))),
            Err(e) => Some(Err(e)),
        }
    }
}

fn read_into(
    file: &Path,
    sql: &str,
    params: &[String],
    fields: usize,
    tx: &mpsc::Sender<Result<Chunk>>,
    spare: &std::sync::mpsc::Receiver<Chunk>,
) -> Result<()> {
    use rusqlite::OpenFlags;
    let conn = rusqlite::Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite_error)?;
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(sqlite_error)?;
    let mut statement = conn.prepare(sql).map_err(sqlite_error)?;
    let mut rows = statement
        .query(rusqlite::params_from_iter(params.iter()))
        .map_err(sqlite_error)?;
    let fresh = || match spare.try_recv() {
        Ok(mut used) => {
            used.bytes.clear();
            used.spans.clear();
            used
        }
        Err(_) => Chunk {
            bytes: Vec::with_capacity(CHUNK_ROWS * 256),
            spans: Vec::with_capacity(CHUNK_ROWS * fields),
            fields,
        },
    };
    let mut chunk = fresh();
    while let Some(row) = rows.next().map_err(sqlite_error)? {
        for i in 0..fields {
            use rusqlite::types::ValueRef;
            let bytes = match row.get_ref(i).map_err(sqlite_error)? {
                ValueRef::Null => None,
                ValueRef::Blob(b) | ValueRef::Text(b) => Some(b),
                _ => {
                    return Err(Error::Other(
                        "stored cells of a response are not valid".into(),
                    ));
                }
            };
            chunk.push(bytes)?;
        }
        if chunk.spans.len() >= CHUNK_ROWS * fields {
            let full = std::mem::replace(&mut chunk, fresh());
            if tx.blocking_send(Ok(full)).is_err() {
                // The consumer stopped (an error of its own): nothing more to read.
                return Ok(());
            }
        }
    }
    if !chunk.spans.is_empty() {
        let _ = tx.blocking_send(Ok(chunk));
    }
    Ok(())
}

fn sqlite_error(e: rusqlite::Error) -> Error {
    Error::sqlite("reading the responses", e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_come_back_with_their_nulls() {
        let mut chunk = Chunk {
            bytes: Vec::new(),
            spans: Vec::new(),
            fields: 3,
        };
        for row in [[Some("ab"), None, Some("c")], [None, Some(""), Some("def")]] {
            for f in row {
                chunk.push(f.map(str::as_bytes)).unwrap();
            }
        }
        assert_eq!(chunk.rows(), 2);
        let got: Vec<Option<&[u8]>> = (0..2)
            .flat_map(|r| (0..3).map(move |f| (r, f)))
            .map(|(r, f)| chunk.field(r, f))
            .collect();
        assert_eq!(
            got,
            vec![
                Some(&b"ab"[..]),
                None,
                Some(&b"c"[..]),
                None,
                Some(&b""[..]),
                Some(&b"def"[..])
            ]
        );
    }
}
