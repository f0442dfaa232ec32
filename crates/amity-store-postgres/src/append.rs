//! Appending: a batch of parts in one transaction, its positions taken from the locked head
//! row (so they commit in order). The checks (the head row's lock, the stored ids, the streams'
//! versions) go to the server in one round trip, new streams are inserted with their final
//! versions in a second, and the events (with their streams' numbers: no join), the other
//! streams' versions and the head row in a third, before the commit.
//!
//! Each statement goes with its parameters' types in one message (`query_typed`): no round trip
//! to prepare it, and the server plans it for the arrays it gets. (A prepared statement soon
//! runs a generic plan, made without the arrays: one made while the table was small scans it
//! whole, matching every row against the batch's 1,000 ids. Forcing custom plans on the
//! session instead re-plans the foreign-key check of every inserted row: that doubled the
//! insert's time.)

use std::collections::HashMap;

use amity_store::{idempotency, Appended, Error, EventId, Position, Result, StreamAppend};
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::Client;

use crate::connection::backend_error;
use crate::rows::EventRows;
use crate::schema::Schema;

/// Where the batch's ids are stored: `event_id, stream name, stream_version, position`. The
/// name comes from a subquery by stream number: a join would have the planner hash the whole
/// `streams` table for each batch.
const STORED_IDS: &str = "SELECT e.event_id,
        (SELECT s.name FROM {s}.streams s WHERE s.stream_no = e.stream_no),
        e.stream_version, e.position
 FROM {s}.events e WHERE e.event_id = ANY($1)";

/// Insert events, column by column, their streams by number.
const INSERT_EVENTS: &str = "INSERT INTO {s}.events (position, stream_no, stream_version,
     event_id, event_type, schema_version, payload, metadata, recorded_at)
 SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::uuid[], $5::text[],
                      $6::integer[], $7::text[], $8::text[], $9::bigint[])";

/// A stream of the batch as it stands and as the batch leaves it.
struct StreamState {
    /// Its number, if it is stored.
    stream_no: Option<i64>,
    /// Its version as stored.
    stored: Option<u64>,
    /// Its version after the batch's parts so far.
    version: Option<u64>,
}

/// Append the parts in one transaction, all or nothing (see
/// [`amity_store::EventStore::append_many`]).
pub(crate) async fn append_parts(
    client: &mut Client,
    schema: &Schema,
    appends: Vec<StreamAppend>,
) -> Result<Vec<Appended>> {
    let transaction = client.transaction().await.map_err(backend_error)?;
    let ids: Vec<uuid::Uuid> = appends
        .iter()
        .flat_map(|part| part.events.iter().map(|e| e.event_id))
        .collect();
    let names: Vec<&str> = appends.iter().map(|part| part.stream.as_str()).collect();
    // One round trip. The head row's lock orders every writer (positions are committed in
    // order), and the server runs the statements in the order sent: the two reads see
    // everything committed before the lock was granted.
    let (lock_head, stored_ids, stream_versions) = (
        schema.sql("SELECT position FROM {s}.ledger_head FOR UPDATE"),
        schema.sql(STORED_IDS),
        schema.sql("SELECT name, stream_no, version FROM {s}.streams WHERE name = ANY($1)"),
    );
    type Typed<'a> = [(&'a (dyn ToSql + Sync), Type); 1];
    let (ids_param, names_param): (Typed, Typed) =
        ([(&ids, Type::UUID_ARRAY)], [(&names, Type::TEXT_ARRAY)]);
    let (head, stored, streams) = tokio::try_join!(
        transaction.query_typed_one(&lock_head, &[]),
        transaction.query_typed(&stored_ids, &ids_param),
        transaction.query_typed(&stream_versions, &names_param),
    )
    .map_err(backend_error)?;
    let head: i64 = head.get(0);
    let stored: HashMap<EventId, (String, u64, i64)> = stored
        .iter()
        .map(|row| {
            (
                row.get::<_, uuid::Uuid>(0),
                (row.get(1), row.get::<_, i64>(2) as u64, row.get(3)),
            )
        })
        .collect();
    let mut streams: HashMap<String, StreamState> = streams
        .iter()
        .map(|row| {
            let version = Some(row.get::<_, i64>(2) as u64);
            let state = StreamState {
                stream_no: Some(row.get(1)),
                stored: version,
                version,
            };
            (row.get(0), state)
        })
        .collect();
    let recorded_at = jiff::Timestamp::now().as_microsecond();
    let mut position = head;
    let mut outcomes = Vec::with_capacity(appends.len());
    // Rows to insert, column by column, and the streams they go to.
    let mut rows = EventRows::default();
    let mut row_streams: Vec<&str> = Vec::with_capacity(ids.len());
    for part in &appends {
        let found: Vec<_> = part
            .events
            .iter()
            .map(|e| stored.get(&e.event_id).map(|(s, v, _)| (s.as_str(), *v)))
            .collect();
        if let Some(last_version) = idempotency(&part.stream, &part.events, &found)? {
            let last = part.events.last().and_then(|e| stored.get(&e.event_id));
            outcomes.push(Appended {
                last_version: Some(last_version),
                last_position: last.map(|(_, _, p)| Position::new(*p as u64, *p as u64)),
                written: 0,
            });
            continue;
        }
        let actual = streams.get(&part.stream).and_then(|state| state.version);
        if !part.expected.admits(actual) {
            return Err(Error::VersionConflict {
                stream: part.stream.clone(),
                expected: part.expected,
                actual,
            });
        }
        if part.events.is_empty() {
            outcomes.push(Appended {
                last_version: actual,
                last_position: None,
                written: 0,
            });
            continue;
        }
        let mut version = actual.map_or(0, |v| v as i64 + 1);
        for event in &part.events {
            position += 1;
            rows.push(position, version, event, recorded_at)?;
            row_streams.push(&part.stream);
            version += 1;
        }
        let last_version = Some(version as u64 - 1);
        streams
            .entry(part.stream.clone())
            .and_modify(|state| state.version = last_version)
            .or_insert(StreamState {
                stream_no: None,
                stored: None,
                version: last_version,
            });
        outcomes.push(Appended {
            last_version,
            last_position: Some(Position::new(position as u64, position as u64)),
            written: part.events.len(),
        });
    }
    if position > head {
        // New streams with their versions, in a round trip of their own: their numbers go
        // into the events' rows.
        // In the batch's order: numbers that follow positions keep the index on
        // `(stream_no, stream_version)` growing at its end (in a hash map's order, inserts go
        // all over its last pages and cost nearly twice as much).
        let mut queued = std::collections::HashSet::new();
        let (new, new_versions): (Vec<&str>, Vec<i64>) = names
            .iter()
            .filter(|name| queued.insert(**name))
            .filter_map(|name| {
                let state = streams.get(*name)?;
                match state.stream_no {
                    Some(_) => None,
                    None => Some((*name, state.version? as i64)),
                }
            })
            .unzip();
        if !new.is_empty() {
            let numbered = transaction
                .query_typed(
                    &schema.sql(
                        "INSERT INTO {s}.streams (name, version)
                         SELECT * FROM UNNEST($1::text[], $2::bigint[]) RETURNING name, stream_no",
                    ),
                    &[(&new, Type::TEXT_ARRAY), (&new_versions, Type::INT8_ARRAY)],
                )
                .await
                .map_err(backend_error)?;
            for row in &numbered {
                let name = row.get::<_, &str>(0);
                if let Some(state) = streams.get_mut(name) {
                    state.stream_no = Some(row.get(1));
                }
            }
        }
        rows.stream_no = row_streams
            .iter()
            .map(|name| {
                streams
                    .get(*name)
                    .and_then(|state| state.stream_no)
                    .ok_or_else(|| backend_error(format!("stream {name} has no number")))
            })
            .collect::<Result<_>>()?;
        // The other streams whose versions moved.
        let (moved, moved_versions): (Vec<i64>, Vec<i64>) = streams
            .values()
            .filter(|state| state.stored.is_some() && state.stored != state.version)
            .filter_map(|state| Some((state.stream_no?, state.version? as i64)))
            .unzip();
        // The rest in one round trip.
        let (insert_events, update_streams, move_head) = (
            schema.sql(INSERT_EVENTS),
            schema.sql(
                "UPDATE {s}.streams s SET version = u.version
                 FROM UNNEST($1::bigint[], $2::bigint[]) AS u (stream_no, version)
                 WHERE s.stream_no = u.stream_no",
            ),
            schema.sql("UPDATE {s}.ledger_head SET position = $1"),
        );
        let insert_events = async {
            transaction
                .execute_typed(
                    &insert_events,
                    &[
                        (&rows.position, Type::INT8_ARRAY),
                        (&rows.stream_no, Type::INT8_ARRAY),
                        (&rows.stream_version, Type::INT8_ARRAY),
                        (&rows.event_id, Type::UUID_ARRAY),
                        (&rows.event_type, Type::TEXT_ARRAY),
                        (&rows.schema_version, Type::INT4_ARRAY),
                        (&rows.payload, Type::TEXT_ARRAY),
                        (&rows.metadata, Type::TEXT_ARRAY),
                        (&rows.recorded_at, Type::INT8_ARRAY),
                    ],
                )
                .await
                .map_err(|error| match error.code() {
                    Some(code) if *code == tokio_postgres::error::SqlState::UNIQUE_VIOLATION => {
                        backend_error(StoredTwice(error))
                    }
                    _ => backend_error(error),
                })
        };
        let update_streams = async {
            if moved.is_empty() {
                return Ok(0);
            }
            transaction
                .execute_typed(
                    &update_streams,
                    &[
                        (&moved, Type::INT8_ARRAY),
                        (&moved_versions, Type::INT8_ARRAY),
                    ],
                )
                .await
                .map_err(backend_error)
        };
        let move_head = async {
            transaction
                .execute_typed(&move_head, &[(&position, Type::INT8)])
                .await
                .map_err(backend_error)
        };
        tokio::try_join!(insert_events, update_streams, move_head)?;
    }
    transaction.commit().await.map_err(backend_error)?;
    Ok(outcomes)
}

/// An insert that found an event id or a stream version stored already, which the checks
/// before it rule out (another writer outside the head row's lock); the driver's error is the
/// source.
#[derive(Debug)]
struct StoredTwice(tokio_postgres::Error);

impl std::fmt::Display for StoredTwice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "an event id or version is stored twice: {}", self.0)
    }
}

impl std::error::Error for StoredTwice {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}
