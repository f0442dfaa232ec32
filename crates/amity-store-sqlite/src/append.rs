//! Appending: a batch of parts in one `BEGIN IMMEDIATE` transaction, written at once when
//! every part is new, else settled part by part by looking each event id up.

use amity_store::{idempotency, Appended, Error, Position, Result, StreamAppend};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::connection::backend_error;

/// The time an event is recorded at, in microseconds since the epoch.
fn now_micros() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}

/// Apply the parts in one transaction (all or nothing).
///
/// The usual batch, new events where their streams expect them, is written at once: the
/// unique index on event ids is the check for ids stored already. Should one be there, or a
/// stream not be where its part expects it, the batch is undone (a savepoint) and every part is
/// settled by [`settle_part`], which looks each id up.
pub(crate) fn append_parts(
    connection: &mut Connection,
    parts: Vec<StreamAppend>,
) -> Result<Vec<Appended>> {
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend_error)?;
    let recorded_at = now_micros();
    transaction
        .execute_batch("SAVEPOINT batch")
        .map_err(backend_error)?;
    let outcomes = match write_new(&transaction, &parts, recorded_at)? {
        Some(outcomes) => {
            transaction
                .execute_batch("RELEASE batch")
                .map_err(backend_error)?;
            outcomes
        }
        None => {
            transaction
                .execute_batch("ROLLBACK TO batch; RELEASE batch")
                .map_err(backend_error)?;
            let mut outcomes = Vec::with_capacity(parts.len());
            for part in parts {
                let current = stream_state(&transaction, &part.stream)?;
                outcomes.push(settle_part(&transaction, part, current, recorded_at)?);
            }
            outcomes
        }
    };
    transaction.commit().map_err(backend_error)?;
    Ok(outcomes)
}

/// A stream's number and version, if it exists.
fn stream_state(
    transaction: &rusqlite::Transaction<'_>,
    stream: &str,
) -> Result<Option<(i64, i64)>> {
    transaction
        .prepare_cached("SELECT stream_no, version FROM streams WHERE name = ?1")
        .map_err(backend_error)?
        .query_row([stream], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()
        .map_err(backend_error)
}

/// Write every part as new events where its stream expects them; `None` (with some written,
/// to be undone) when a part is empty, finds its stream elsewhere, or holds a stored id.
fn write_new(
    transaction: &rusqlite::Transaction<'_>,
    parts: &[StreamAppend],
    recorded_at: i64,
) -> Result<Option<Vec<Appended>>> {
    let mut outcomes = Vec::with_capacity(parts.len());
    for part in parts {
        let current = stream_state(transaction, &part.stream)?;
        if part.events.is_empty()
            || !part
                .expected
                .admits(current.map(|(_, version)| version as u64))
        {
            return Ok(None);
        }
        match write_part(transaction, part, current, recorded_at)? {
            Some(appended) => outcomes.push(appended),
            None => return Ok(None),
        }
    }
    Ok(Some(outcomes))
}

/// Write a part's events after the stream's `current` (stream number, version); `None`, with
/// some events written, when one of the ids is stored already.
fn write_part(
    transaction: &rusqlite::Transaction<'_>,
    part: &StreamAppend,
    current: Option<(i64, i64)>,
    recorded_at: i64,
) -> Result<Option<Appended>> {
    let stream_no = match current {
        Some((stream_no, _)) => stream_no,
        None => {
            transaction
                .prepare_cached("INSERT INTO streams (name, version) VALUES (?1, -1)")
                .map_err(backend_error)?
                .execute([&part.stream])
                .map_err(backend_error)?;
            transaction.last_insert_rowid()
        }
    };
    let first_version = current.map_or(0, |(_, version)| version + 1);
    let mut insert = transaction
        .prepare_cached(
            "INSERT INTO events (stream_no, stream_version, event_id, event_type,
                 schema_version, payload, metadata, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (event_id) DO NOTHING",
        )
        .map_err(backend_error)?;
    for (offset, event) in part.events.iter().enumerate() {
        let inserted = insert
            .execute(params![
                stream_no,
                first_version + offset as i64,
                event.event_id.as_bytes().as_slice(),
                event.event_type,
                event.schema_version,
                std::str::from_utf8(&event.payload).map_err(backend_error)?,
                std::str::from_utf8(&event.metadata).map_err(backend_error)?,
                event
                    .recorded_at
                    .map_or(recorded_at, |original| original.as_microsecond()),
            ])
            .map_err(backend_error)?;
        if inserted == 0 {
            return Ok(None);
        }
    }
    let position = transaction.last_insert_rowid() as u64;
    let last_version = first_version + part.events.len() as i64 - 1;
    transaction
        .prepare_cached("UPDATE streams SET version = ?2 WHERE stream_no = ?1")
        .map_err(backend_error)?
        .execute(params![stream_no, last_version])
        .map_err(backend_error)?;
    Ok(Some(Appended {
        last_version: Some(last_version as u64),
        last_position: Some(Position::new(position, position)),
        written: part.events.len(),
    }))
}

/// Settle a part by looking each of its ids up: what is stored already is recognised (an
/// idempotent re-append writes nothing), an id stored elsewhere is an error, and otherwise the
/// expected version decides.
fn settle_part(
    transaction: &rusqlite::Transaction<'_>,
    part: StreamAppend,
    current: Option<(i64, i64)>,
    recorded_at: i64,
) -> Result<Appended> {
    let mut find_id = transaction
        .prepare_cached(
            "SELECT s.name, e.stream_version, e.position FROM events e
             JOIN streams s USING (stream_no) WHERE e.event_id = ?1",
        )
        .map_err(backend_error)?;
    let mut stored: Vec<Option<(String, u64, i64)>> = Vec::with_capacity(part.events.len());
    for event in &part.events {
        let found = find_id
            .query_row([event.event_id.as_bytes().as_slice()], |row| {
                Ok((row.get(0)?, row.get::<_, i64>(1)? as u64, row.get(2)?))
            })
            .optional()
            .map_err(backend_error)?;
        stored.push(found);
    }
    let found: Vec<_> = stored
        .iter()
        .map(|entry| {
            entry
                .as_ref()
                .map(|(name, version, _)| (name.as_str(), *version))
        })
        .collect();
    if let Some(last_version) = idempotency(&part.stream, &part.events, &found)? {
        let position = stored.last().and_then(|entry| entry.as_ref()).map(|e| e.2);
        return Ok(Appended {
            last_version: Some(last_version),
            last_position: position.map(|p| Position::new(p as u64, p as u64)),
            written: 0,
        });
    }
    let actual = current.map(|(_, version)| version as u64);
    if !part.expected.admits(actual) {
        return Err(Error::VersionConflict {
            stream: part.stream,
            expected: part.expected,
            actual,
        });
    }
    if part.events.is_empty() {
        return Ok(Appended {
            last_version: actual,
            last_position: None,
            written: 0,
        });
    }
    // No id is stored (checked above), so every event is written.
    write_part(transaction, &part, current, recorded_at)?.ok_or_else(|| {
        backend_error("an event id appeared while the write lock was held".to_owned())
    })
}
