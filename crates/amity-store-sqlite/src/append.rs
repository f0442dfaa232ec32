//! Appending: a group of appends (each a batch of parts, all or nothing) in one `BEGIN
//! IMMEDIATE` transaction, written at once when every part is new, else each append in a
//! savepoint of its own, its parts settled part by part by looking each event id up.

use amity_store::{idempotency, Appended, Error, Position, Result, StreamAppend};
use rusqlite::{params, Connection, OptionalExtension};

use crate::connection::backend_error;

/// The time an event is recorded at, in microseconds since the epoch.
fn now_micros() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}

/// Run one of the cached statements that take no parameter (transaction control).
fn run(connection: &Connection, sql: &str) -> rusqlite::Result<()> {
    connection.prepare_cached(sql)?.execute([]).map(|_| ())
}

/// Apply a group of appends, in order, in one transaction (one commit, one sync), each append
/// all or nothing: an append that fails is undone alone and gets its error, the others are
/// written as if they had come one after another. The outcomes are in
/// the order of `appends`.
///
/// Should the group as a whole fail before its commit (the transaction cannot begin, or an
/// error ends it and undoes the appends before), nothing is written and each append is applied
/// again in a transaction of its own, as if it had come alone. A failed commit fails every
/// append of the group.
pub(crate) fn append_group(
    connection: &mut Connection,
    appends: Vec<Vec<StreamAppend>>,
) -> Vec<Result<Vec<Appended>>> {
    if appends.len() > 1 {
        match try_group(connection, &appends) {
            Grouped::Done(outcomes) => return outcomes,
            Grouped::Undone => {}
        }
    }
    appends
        .into_iter()
        .map(
            |parts| match try_group(connection, std::slice::from_ref(&parts)) {
                Grouped::Done(mut outcomes) => outcomes.remove(0),
                // One append alone: its own error ended the transaction.
                Grouped::Undone => Err(backend_error("the transaction was undone by an error")),
            },
        )
        .collect()
}

/// What became of a group's transaction.
enum Grouped {
    /// Committed (or failed as a whole at the commit, or a lone append's error): an outcome
    /// per append.
    Done(Vec<Result<Vec<Appended>>>),
    /// Nothing written; the appends are to be applied one by one.
    Undone,
}

/// Apply `appends` in one transaction. First, at once, as the usual appends are: new events
/// where their streams expect them (no savepoint, whose journal copies every page it touches
/// first). Should one append need more (an id stored already, a stream elsewhere, an error),
/// that is undone, and each append is applied again in a savepoint of its own, settled event
/// by event where needed, so that one failing leaves the others whole.
fn try_group(connection: &mut Connection, appends: &[Vec<StreamAppend>]) -> Grouped {
    let alone = appends.len() == 1;
    if let Err(error) = run(connection, "BEGIN IMMEDIATE") {
        return if alone {
            Grouped::Done(vec![Err(backend_error(error))])
        } else {
            Grouped::Undone
        };
    }
    if let Ok(Some(outcomes)) = write_all_new(connection, appends) {
        return commit(connection, outcomes.into_iter().map(Ok).collect());
    }
    let again = if connection.is_autocommit() {
        run(connection, "BEGIN IMMEDIATE")
    } else {
        run(connection, "ROLLBACK").and_then(|()| run(connection, "BEGIN IMMEDIATE"))
    };
    if let Err(error) = again {
        return if alone {
            Grouped::Done(vec![Err(backend_error(error))])
        } else {
            Grouped::Undone
        };
    }
    let mut outcomes = Vec::with_capacity(appends.len());
    for parts in appends {
        let outcome = in_savepoint(connection, parts);
        if outcome.is_err() && connection.is_autocommit() {
            // The error ended the transaction, with the appends before it: none is written.
            if alone {
                return Grouped::Done(vec![outcome]);
            }
            return Grouped::Undone;
        }
        outcomes.push(outcome);
    }
    commit(connection, outcomes)
}

/// Every append's events written as new, or `None` (with some written, to be undone).
fn write_all_new(
    connection: &Connection,
    appends: &[Vec<StreamAppend>],
) -> Result<Option<Vec<Vec<Appended>>>> {
    let mut outcomes = Vec::with_capacity(appends.len());
    for parts in appends {
        match write_new(connection, parts, now_micros())? {
            Some(appended) => outcomes.push(appended),
            None => return Ok(None),
        }
    }
    Ok(Some(outcomes))
}

/// Commit the group's transaction; if that fails, every append fails.
fn commit(connection: &Connection, outcomes: Vec<Result<Vec<Appended>>>) -> Grouped {
    let Err(error) = run(connection, "COMMIT") else {
        return Grouped::Done(outcomes);
    };
    if !connection.is_autocommit() {
        let _ = run(connection, "ROLLBACK");
    }
    let message = error.to_string();
    let mut first = Some(error);
    Grouped::Done(
        outcomes
            .into_iter()
            .map(|_| match first.take() {
                Some(error) => Err(backend_error(error)),
                None => Err(backend_error(format!(
                    "the commit of a group of appends failed: {message}"
                ))),
            })
            .collect(),
    )
}

/// Apply one append's parts in a savepoint, undone if they fail.
fn in_savepoint(connection: &Connection, parts: &[StreamAppend]) -> Result<Vec<Appended>> {
    run(connection, "SAVEPOINT append").map_err(backend_error)?;
    let outcome = append_parts(connection, parts);
    if connection.is_autocommit() {
        return outcome;
    }
    let end = match outcome {
        Ok(_) => run(connection, "RELEASE append"),
        Err(_) => {
            run(connection, "ROLLBACK TO append").and_then(|()| run(connection, "RELEASE append"))
        }
    };
    match end {
        Ok(()) => outcome,
        // Keep the append's own error; else the savepoint's.
        Err(error) => outcome.and(Err(backend_error(error))),
    }
}

/// Apply the parts in the savepoint `append` (all or nothing: the caller undoes them on an
/// error).
///
/// The usual batch, new events where their streams expect them, is written at once: the
/// unique index on event ids is the check for ids stored already. Should one be there, or a
/// stream not be where its part expects it, what was written is undone (back to the
/// savepoint) and every part is settled by [`settle_part`], which looks each id up.
fn append_parts(connection: &Connection, parts: &[StreamAppend]) -> Result<Vec<Appended>> {
    let recorded_at = now_micros();
    if let Some(outcomes) = write_new(connection, parts, recorded_at)? {
        return Ok(outcomes);
    }
    run(connection, "ROLLBACK TO append").map_err(backend_error)?;
    let mut outcomes = Vec::with_capacity(parts.len());
    for part in parts {
        let current = stream_state(connection, &part.stream)?;
        outcomes.push(settle_part(connection, part, current, recorded_at)?);
    }
    Ok(outcomes)
}

/// A stream's number and version, if it exists.
fn stream_state(transaction: &Connection, stream: &str) -> Result<Option<(i64, i64)>> {
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
    transaction: &Connection,
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
    transaction: &Connection,
    part: &StreamAppend,
    current: Option<(i64, i64)>,
    recorded_at: i64,
) -> Result<Option<Appended>> {
    let first_version = current.map_or(0, |(_, version)| version + 1);
    let last_version = first_version + part.events.len() as i64 - 1;
    // A new stream is stored at its last version at once (undone with the events if one of
    // their ids is stored already); a stream that exists is moved on after its events.
    let stream_no = match current {
        Some((stream_no, _)) => stream_no,
        None => {
            transaction
                .prepare_cached("INSERT INTO streams (name, version) VALUES (?1, ?2)")
                .map_err(backend_error)?
                .execute(params![part.stream, last_version])
                .map_err(backend_error)?;
            transaction.last_insert_rowid()
        }
    };
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
    if current.is_some() {
        transaction
            .prepare_cached("UPDATE streams SET version = ?2 WHERE stream_no = ?1")
            .map_err(backend_error)?
            .execute(params![stream_no, last_version])
            .map_err(backend_error)?;
    }
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
    transaction: &Connection,
    part: &StreamAppend,
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
            stream: part.stream.clone(),
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
    write_part(transaction, part, current, recorded_at)?.ok_or_else(|| {
        backend_error("an event id appeared while the write lock was held".to_owned())
    })
}
