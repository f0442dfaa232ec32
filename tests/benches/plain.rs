//! Shared by the benchmarks: the baseline of the read path, plain rusqlite and serde_json
//! reading the same rows of a SQLite ledger file and decoding them into typed values, on as
//! many threads as the store's reading uses (issue 22: the store's read and rebuild are
//! compared with it, measured in the same run).
//!
//! What a user would write without Amity: one connection per thread, each reading its half of
//! the positions with the stream's name joined in, every payload and metadata decoded by
//! `serde_json` into plain structs of owned strings (no validation of dates or keys beyond
//! JSON's), each chunk of 256 decoded rows looked at and dropped on its thread.
#![allow(dead_code)] // Each benchmark uses a different part of this module.

use std::path::Path;
use std::time::Instant;

use serde::Deserialize;

/// A payload as `serde_json` decodes it into plain structs (schema v1's fields).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlainPayload {
    partnership: Option<PlainPartnership>,
    alternative_to: Option<String>,
    target: Option<String>,
    reason: Option<String>,
    occurred: String,
    term_as_written: Option<String>,
    sources: Vec<PlainSource>,
    certainty: String,
    initiated_by: Option<String>,
    note: Option<String>,
}

/// A partnership in a payload.
#[derive(Deserialize)]
pub struct PlainPartnership {
    parties: Vec<PlainParty>,
    kind: String,
}

/// A party in a payload.
#[derive(Deserialize)]
pub struct PlainParty {
    name: String,
    country: String,
    subdivision: Option<String>,
    wikidata: Option<String>,
}

/// A source in a payload.
#[derive(Deserialize)]
pub struct PlainSource {
    title: String,
    publisher: Option<String>,
    url: Option<String>,
    published: Option<String>,
    locator: Option<String>,
    role: Option<String>,
}

/// The metadata.
#[derive(Deserialize)]
pub struct PlainMetadata {
    recorded_by: String,
}

/// One row, decoded.
pub struct PlainEvent {
    position: i64,
    stream: String,
    stream_version: i64,
    event_id: [u8; 16],
    event_type: String,
    schema_version: i64,
    payload: PlainPayload,
    recorded_by: String,
    recorded_at: i64,
}

/// The rows in `(after, until]`, with their stream names.
const PLAIN_QUERY: &str = "SELECT e.position, s.name, e.stream_version, e.event_id, e.event_type,
        e.schema_version, e.payload, e.metadata, e.recorded_at
 FROM events e JOIN streams s USING (stream_no)
 WHERE e.position > ?1 AND e.position <= ?2 ORDER BY e.position";

/// Rows decoded per chunk before they are looked at and dropped (as the store's lanes do).
const PLAIN_CHUNK: usize = 256;

/// One row decoded.
fn plain_event(row: &rusqlite::Row<'_>) -> rusqlite::Result<PlainEvent> {
    let failed = |index: usize, error: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            Box::new(error),
        )
    };
    let payload: PlainPayload =
        serde_json::from_slice(row.get_ref(6)?.as_bytes()?).map_err(|e| failed(6, e))?;
    let metadata: PlainMetadata =
        serde_json::from_slice(row.get_ref(7)?.as_bytes()?).map_err(|e| failed(7, e))?;
    Ok(PlainEvent {
        position: row.get(0)?,
        stream: row.get(1)?,
        stream_version: row.get(2)?,
        event_id: row.get(3)?,
        event_type: row.get(4)?,
        schema_version: row.get(5)?,
        payload,
        recorded_by: metadata.recorded_by,
        recorded_at: row.get(8)?,
    })
}

/// Read and decode the events in `(after, until]` on one connection; the number of events and
/// of sources they cite (so that nothing is optimized away).
fn plain_range(path: &Path, after: i64, until: i64) -> (u64, usize) {
    let connection = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .expect("open the ledger file");
    let mut statement = connection.prepare(PLAIN_QUERY).expect("prepare");
    let mut rows = statement.query([after, until]).expect("query");
    let mut chunk = Vec::with_capacity(PLAIN_CHUNK);
    let (mut events, mut sources) = (0u64, 0usize);
    let mut look = |chunk: &mut Vec<PlainEvent>| {
        events += chunk.len() as u64;
        sources += chunk.iter().map(|e| e.payload.sources.len()).sum::<usize>();
        chunk.clear();
    };
    while let Some(row) = rows.next().expect("row") {
        chunk.push(plain_event(row).expect("a row decodes"));
        if chunk.len() == PLAIN_CHUNK {
            look(&mut chunk);
        }
    }
    look(&mut chunk);
    (events, sources)
}

/// What a plain reading measured.
#[derive(Debug, Clone, Copy)]
pub struct PlainRead {
    /// Events read and decoded.
    pub events: u64,
    /// Sources their payloads cite.
    pub sources: usize,
    /// Wall time, in seconds.
    pub seconds: f64,
    /// Events per second.
    pub rate: f64,
}

/// Read and decode every event of the SQLite ledger file at `path` on `threads` threads (each
/// its share of the positions), as plain rusqlite and serde_json would.
pub fn plain_read(path: &Path, threads: usize) -> PlainRead {
    let last: i64 = rusqlite::Connection::open(path)
        .and_then(|c| {
            c.query_row("SELECT coalesce(max(position), 0) FROM events", [], |r| {
                r.get(0)
            })
        })
        .expect("the last position");
    let threads = threads.max(1) as i64;
    let started = Instant::now();
    let (events, sources) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|index| {
                let (after, until) = (last * index / threads, last * (index + 1) / threads);
                scope.spawn(move || plain_range(path, after, until))
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("plain reader"))
            .fold((0, 0), |(e, s), (events, sources)| {
                (e + events, s + sources)
            })
    });
    let seconds = started.elapsed().as_secs_f64();
    PlainRead {
        events,
        sources,
        seconds,
        rate: events as f64 / seconds,
    }
}
