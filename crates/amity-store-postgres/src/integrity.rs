//! The integrity check of the store's schema, in the database: the steps within each stream
//! by a window over the stream index (only the broken ones come back), each stream's events
//! counted against the `streams` table, all in one read-only snapshot.

use std::collections::HashMap;

use amity_store::{check_stream_step, sort_problems, IntegrityProblem, Position, Result};
use tokio_postgres::{Client, IsolationLevel};

use crate::connection::backend_error;
use crate::schema::Schema;

/// A position in the schema as the store's.
fn position(number: i64) -> Position {
    Position::new(number as u64, number as u64)
}

/// Every problem in the schema (see [`amity_store::EventStore::check_integrity`]), in feed
/// order.
pub(crate) async fn check_integrity(
    client: &mut Client,
    schema: &Schema,
) -> Result<Vec<IntegrityProblem>> {
    let transaction = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(backend_error)?;
    // Each stream's number, name and recorded length (its last version plus one).
    let streams: HashMap<i64, (String, i64)> = transaction
        .query(
            &schema.sql("SELECT stream_no, name, version + 1 FROM {s}.streams"),
            &[],
        )
        .await
        .map_err(backend_error)?
        .iter()
        .map(|row| (row.get(0), (row.get(1), row.get(2))))
        .collect();
    let mut problems = Vec::new();
    let steps = transaction
        .query(
            &schema.sql(
                "SELECT stream_no, stream_version, position, event_id, previous_version,
                        previous_position
                 FROM (SELECT stream_no, stream_version, position, event_id,
                              lag(stream_version) OVER w AS previous_version,
                              lag(position) OVER w AS previous_position
                       FROM {s}.events
                       WINDOW w AS (PARTITION BY stream_no ORDER BY stream_version)) steps
                 WHERE stream_version <> coalesce(previous_version + 1, 0)
                    OR position <= previous_position",
            ),
            &[],
        )
        .await
        .map_err(backend_error)?;
    for row in &steps {
        // Events without a stream are reported below, each once.
        let Some((name, _)) = streams.get(&row.get::<_, i64>(0)) else {
            continue;
        };
        let previous = row
            .get::<_, Option<i64>>(4)
            .zip(row.get::<_, Option<i64>>(5))
            .map(|(version, at)| (version as u64, position(at)));
        let here = (row.get::<_, i64>(1) as u64, position(row.get(2)));
        problems.extend(check_stream_step(name, previous, here, Some(row.get(3))));
    }
    let counts = transaction
        .query(
            &schema.sql(
                "SELECT stream_no, count(*), max(position) FROM {s}.events GROUP BY stream_no",
            ),
            &[],
        )
        .await
        .map_err(backend_error)?;
    let mut unrecorded = Vec::new();
    let mut met = std::collections::HashSet::new();
    for row in &counts {
        let stream_no: i64 = row.get(0);
        let found: i64 = row.get(1);
        let Some((name, recorded)) = streams.get(&stream_no) else {
            unrecorded.push(stream_no);
            continue;
        };
        met.insert(stream_no);
        if found != *recorded {
            problems.push(IntegrityProblem::StreamLengthMismatch {
                stream: name.clone(),
                recorded: (*recorded).max(0) as u64,
                found: found as u64,
                last_position: position(row.get(2)),
            });
        }
    }
    for (stream_no, (name, recorded)) in &streams {
        if !met.contains(stream_no) {
            problems.push(IntegrityProblem::StreamWithoutEvents {
                stream: name.clone(),
                recorded: (*recorded).max(0) as u64,
            });
        }
    }
    if !unrecorded.is_empty() {
        let orphans = transaction
            .query(
                &schema.sql(
                    "SELECT stream_no, stream_version, position, event_id FROM {s}.events
                     WHERE stream_no = ANY($1)",
                ),
                &[&unrecorded],
            )
            .await
            .map_err(backend_error)?;
        problems.extend(
            orphans
                .iter()
                .map(|row| IntegrityProblem::EventWithoutStream {
                    stream_number: row.get(0),
                    version: row.get::<_, i64>(1) as u64,
                    position: position(row.get(2)),
                    event_id: Some(row.get(3)),
                }),
        );
    }
    transaction.commit().await.map_err(backend_error)?;
    sort_problems(&mut problems);
    Ok(problems)
}
