//! Appending: a batch of parts in one transaction, its positions taken from the locked head
//! row (so they commit in order), checked against the stored ids and stream versions in two
//! round trips and written in three.

use std::collections::HashMap;

use amity_store::{idempotency, Appended, Error, EventId, Position, Result, StreamAppend};
use tokio_postgres::Client;

use crate::connection::backend_error;
use crate::rows::EventRows;
use crate::schema::Schema;

/// Append the parts in one transaction, all or nothing (see
/// [`amity_store::EventStore::append_many`]).
pub(crate) async fn append_parts(
    client: &mut Client,
    schema: &Schema,
    appends: Vec<StreamAppend>,
) -> Result<Vec<Appended>> {
    let transaction = client.transaction().await.map_err(backend_error)?;
    // The head row's lock orders every writer: positions are committed in order.
    let head: i64 = transaction
        .query_one(
            &schema.sql("SELECT position FROM {s}.ledger_head FOR UPDATE"),
            &[],
        )
        .await
        .map_err(backend_error)?
        .get(0);
    // What the whole batch needs to know, in two round trips: which ids are stored, and
    // where its streams stand.
    let ids: Vec<uuid::Uuid> = appends
        .iter()
        .flat_map(|part| part.events.iter().map(|e| e.event_id))
        .collect();
    let stored: HashMap<EventId, (String, u64, i64)> = transaction
        .query(
            &schema.sql(
                "SELECT e.event_id, s.name, e.stream_version, e.position
                 FROM {s}.events e JOIN {s}.streams s USING (stream_no)
                 WHERE e.event_id = ANY($1)",
            ),
            &[&ids],
        )
        .await
        .map_err(backend_error)?
        .iter()
        .map(|row| {
            (
                row.get::<_, uuid::Uuid>(0),
                (row.get(1), row.get::<_, i64>(2) as u64, row.get(3)),
            )
        })
        .collect();
    let names: Vec<&str> = appends.iter().map(|part| part.stream.as_str()).collect();
    let mut streams: HashMap<String, (Option<i64>, Option<u64>)> = transaction
        .query(
            &schema.sql("SELECT name, stream_no, version FROM {s}.streams WHERE name = ANY($1)"),
            &[&names],
        )
        .await
        .map_err(backend_error)?
        .iter()
        .map(|row| {
            (
                row.get::<_, String>(0),
                (
                    Some(row.get::<_, i64>(1)),
                    Some(row.get::<_, i64>(2) as u64),
                ),
            )
        })
        .collect();
    let recorded_at = jiff::Timestamp::now().as_microsecond();
    let mut position = head;
    let mut outcomes = Vec::with_capacity(appends.len());
    // Rows to insert, column by column, and the streams they go to.
    let mut rows = EventRows::default();
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
        let (_, actual) = streams.get(&part.stream).copied().unwrap_or((None, None));
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
            rows.push(position, &part.stream, version, event, recorded_at)?;
            version += 1;
        }
        let last_version = version as u64 - 1;
        streams
            .entry(part.stream.clone())
            .and_modify(|entry| entry.1 = Some(last_version))
            .or_insert((None, Some(last_version)));
        outcomes.push(Appended {
            last_version: Some(last_version),
            last_position: Some(Position::new(position as u64, position as u64)),
            written: part.events.len(),
        });
    }
    if position > head {
        // New streams, then every event, then the streams' versions: three round trips.
        let new: Vec<&str> = streams
            .iter()
            .filter(|(_, (stream_no, _))| stream_no.is_none())
            .map(|(name, _)| name.as_str())
            .collect();
        transaction
            .execute(
                &schema.sql(
                    "INSERT INTO {s}.streams (name, version) SELECT name, -1 FROM UNNEST($1::text[]) AS name",
                ),
                &[&new],
            )
            .await
            .map_err(backend_error)?;
        transaction
            .execute(
                &schema.sql(
                    "INSERT INTO {s}.events (position, stream_no, stream_version, event_id,
                         event_type, schema_version, payload, metadata, recorded_at)
                     SELECT r.position, s.stream_no, r.stream_version, r.event_id, r.event_type,
                            r.schema_version, r.payload, r.metadata, r.recorded_at
                     FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::text[],
                                 $6::integer[], $7::text[], $8::text[], $9::bigint[])
                          AS r (position, stream, stream_version, event_id, event_type,
                                schema_version, payload, metadata, recorded_at)
                     JOIN {s}.streams s ON s.name = r.stream",
                ),
                &[
                    &rows.position,
                    &rows.stream,
                    &rows.stream_version,
                    &rows.event_id,
                    &rows.event_type,
                    &rows.schema_version,
                    &rows.payload,
                    &rows.metadata,
                    &rows.recorded_at,
                ],
            )
            .await
            .map_err(|error| match error.code() {
                Some(code) if *code == tokio_postgres::error::SqlState::UNIQUE_VIOLATION => {
                    backend_error(StoredTwice(error))
                }
                _ => backend_error(error),
            })?;
        let (names, versions): (Vec<&str>, Vec<i64>) = streams
            .iter()
            .filter_map(|(name, (_, version))| Some((name.as_str(), (*version)? as i64)))
            .unzip();
        transaction
            .execute(
                &schema.sql(
                    "UPDATE {s}.streams s SET version = u.version
                     FROM UNNEST($1::text[], $2::bigint[]) AS u (name, version)
                     WHERE s.name = u.name AND s.version <> u.version",
                ),
                &[&names, &versions],
            )
            .await
            .map_err(backend_error)?;
        transaction
            .execute(
                &schema.sql("UPDATE {s}.ledger_head SET position = $1"),
                &[&position],
            )
            .await
            .map_err(backend_error)?;
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
