//! The integrity check of the ledger file: the `events` table read by its stream index
//! (stream numbers, versions and positions, no payload), against the `streams` table, in one
//! read transaction.

use std::collections::HashMap;

use amity_store::{check_stream_step, sort_problems, EventId, IntegrityProblem, Position, Result};
use rusqlite::{Connection, OptionalExtension};

use crate::connection::backend_error;

/// A position in the file as the store's.
fn position(number: i64) -> Position {
    Position::new(number as u64, number as u64)
}

/// One stream as the `streams` table records it, and what the scan found of it.
struct Stream {
    name: String,
    /// The length recorded: the last version plus one.
    recorded: i64,
    /// The events found, and the last one's version and position.
    found: u64,
    last: Option<(u64, Position)>,
}

/// Every problem in the file (see [`amity_store::EventStore::check_integrity`]), in feed order.
pub(crate) fn check_integrity(connection: &mut Connection) -> Result<Vec<IntegrityProblem>> {
    let transaction = connection.transaction().map_err(backend_error)?;
    let mut streams: HashMap<i64, Stream> = HashMap::new();
    {
        let mut statement = transaction
            .prepare("SELECT stream_no, name, version FROM streams")
            .map_err(backend_error)?;
        let mut rows = statement.query([]).map_err(backend_error)?;
        while let Some(row) = rows.next().map_err(backend_error)? {
            let stream = Stream {
                name: row.get(1).map_err(backend_error)?,
                recorded: row.get::<_, i64>(2).map_err(backend_error)? + 1,
                found: 0,
                last: None,
            };
            streams.insert(row.get(0).map_err(backend_error)?, stream);
        }
    }
    let mut problems = Vec::new();
    {
        // In the order of the `events_by_stream` index, which holds every column read here.
        let mut statement = transaction
            .prepare(
                "SELECT stream_no, stream_version, position FROM events
                 ORDER BY stream_no, stream_version",
            )
            .map_err(backend_error)?;
        let mut rows = statement.query([]).map_err(backend_error)?;
        while let Some(row) = rows.next().map_err(backend_error)? {
            let stream_no: i64 = row.get(0).map_err(backend_error)?;
            let version = row.get::<_, i64>(1).map_err(backend_error)? as u64;
            let here = (version, position(row.get(2).map_err(backend_error)?));
            let Some(stream) = streams.get_mut(&stream_no) else {
                problems.push(IntegrityProblem::EventWithoutStream {
                    stream_number: stream_no,
                    version,
                    position: here.1,
                    event_id: None,
                });
                continue;
            };
            problems.extend(check_stream_step(&stream.name, stream.last, here, None));
            stream.found += 1;
            stream.last = Some(here);
        }
    }
    for stream in streams.into_values() {
        match stream.last {
            None => problems.push(IntegrityProblem::StreamWithoutEvents {
                stream: stream.name,
                recorded: stream.recorded.max(0) as u64,
            }),
            Some((_, last_position)) if stream.found as i64 != stream.recorded => {
                problems.push(IntegrityProblem::StreamLengthMismatch {
                    stream: stream.name,
                    recorded: stream.recorded.max(0) as u64,
                    found: stream.found,
                    last_position,
                })
            }
            Some(_) => {}
        }
    }
    fill_event_ids(&transaction, &mut problems)?;
    sort_problems(&mut problems);
    Ok(problems)
}

/// The ids of the events the problems name, where they can be read.
fn fill_event_ids(connection: &Connection, problems: &mut [IntegrityProblem]) -> Result<()> {
    let mut find = connection
        .prepare_cached("SELECT event_id FROM events WHERE position = ?1")
        .map_err(backend_error)?;
    for problem in problems {
        let (IntegrityProblem::VersionGap {
            position, event_id, ..
        }
        | IntegrityProblem::OutOfFeedOrder {
            position, event_id, ..
        }
        | IntegrityProblem::EventWithoutStream {
            position, event_id, ..
        }) = problem
        else {
            continue;
        };
        let number = position.parts().map_or(0, |(commit, _)| commit as i64);
        let bytes: Option<Vec<u8>> = find
            .query_row([number], |row| row.get(0))
            .optional()
            .map_err(backend_error)?;
        *event_id = bytes.and_then(|bytes| EventId::from_slice(&bytes).ok());
    }
    Ok(())
}
