//! The log beside the feed in the store's schema: checkpoints (`log_checkpoints`) and the
//! cached frontier (`log_frontier`), migration 2; the kept leaves (`log_leaves`), migration 3.
//! Store data, not projection data: no rebuild touches them.

use amity_store::{admit_log_checkpoint, EventId, LogCheckpoint, LogLeaf, Result};
use tokio_postgres::Client;

use crate::connection::backend_error;
use crate::schema::Schema;

/// A stored time (µs since 1970) as a timestamp.
fn timestamp(micros: i64) -> Result<jiff::Timestamp> {
    jiff::Timestamp::from_microsecond(micros).map_err(backend_error)
}

/// Every checkpoint, in the order added.
pub(crate) async fn log_checkpoints(
    client: &Client,
    schema: &Schema,
) -> Result<Vec<LogCheckpoint>> {
    let rows = client
        .query(
            &schema.sql(
                "SELECT tree_size, note, frontier, recorded_at FROM {s}.log_checkpoints
                 ORDER BY checkpoint_no",
            ),
            &[],
        )
        .await
        .map_err(backend_error)?;
    rows.iter()
        .map(|row| {
            Ok(LogCheckpoint {
                tree_size: row.get::<_, i64>(0) as u64,
                note: row.get(1),
                frontier: row.get(2),
                recorded_at: timestamp(row.get(3))?,
            })
        })
        .collect()
}

/// Add a checkpoint in a transaction that holds the checkpoints table against other writers
/// (readers go on) while the last checkpoint and the feed's length are checked. Positions are
/// dense (each append takes the next ones from the head row), so the feed's length is the head
/// row's position: no count over the events.
pub(crate) async fn add_log_checkpoint(
    client: &mut Client,
    schema: &Schema,
    (tree_size, note, frontier): (u64, String, Vec<u8>),
) -> Result<LogCheckpoint> {
    let transaction = client.transaction().await.map_err(backend_error)?;
    transaction
        .batch_execute(&schema.sql("LOCK TABLE {s}.log_checkpoints IN SHARE ROW EXCLUSIVE MODE"))
        .await
        .map_err(backend_error)?;
    let row = transaction
        .query_one(
            &schema.sql(
                "SELECT (SELECT tree_size FROM {s}.log_checkpoints
                         ORDER BY checkpoint_no DESC LIMIT 1),
                        (SELECT position FROM {s}.ledger_head)",
            ),
            &[],
        )
        .await
        .map_err(backend_error)?;
    let last: Option<i64> = row.get(0);
    let length: i64 = row.get(1);
    admit_log_checkpoint(tree_size, last.map(|last| last as u64), length as u64)?;
    let recorded_at = jiff::Timestamp::now().as_microsecond();
    transaction
        .execute(
            &schema.sql(
                "INSERT INTO {s}.log_checkpoints (tree_size, note, frontier, recorded_at)
                 VALUES ($1, $2, $3, $4)",
            ),
            &[&(tree_size as i64), &note, &frontier, &recorded_at],
        )
        .await
        .map_err(backend_error)?;
    transaction.commit().await.map_err(backend_error)?;
    Ok(LogCheckpoint {
        tree_size,
        note,
        frontier,
        recorded_at: timestamp(recorded_at)?,
    })
}

/// The cached frontier, if one is saved.
pub(crate) async fn log_frontier(
    client: &Client,
    schema: &Schema,
) -> Result<Option<(u64, Vec<u8>)>> {
    let row = client
        .query_opt(
            &schema.sql("SELECT tree_size, frontier FROM {s}.log_frontier"),
            &[],
        )
        .await
        .map_err(backend_error)?;
    Ok(row.map(|row| (row.get::<_, i64>(0) as u64, row.get(1))))
}

/// Save the frontier, replacing the one saved before.
pub(crate) async fn save_log_frontier(
    client: &Client,
    schema: &Schema,
    tree_size: u64,
    frontier: Vec<u8>,
) -> Result<()> {
    client
        .execute(
            &schema.sql(
                "INSERT INTO {s}.log_frontier (tree_size, frontier) VALUES ($1, $2)
                 ON CONFLICT (only_row) DO UPDATE SET tree_size = excluded.tree_size,
                                                      frontier = excluded.frontier",
            ),
            &[&(tree_size as i64), &frontier],
        )
        .await
        .map_err(backend_error)?;
    Ok(())
}

/// Keep leaves in one statement; a leaf at an index already kept is left as it was.
pub(crate) async fn keep_log_leaves(
    client: &Client,
    schema: &Schema,
    leaves: &[LogLeaf],
) -> Result<()> {
    let indexes: Vec<i64> = leaves.iter().map(|leaf| leaf.index as i64).collect();
    let ids: Vec<EventId> = leaves.iter().map(|leaf| leaf.event_id).collect();
    let hashes: Vec<&[u8]> = leaves.iter().map(|leaf| leaf.hash.as_slice()).collect();
    client
        .execute(
            &schema.sql(
                "INSERT INTO {s}.log_leaves (leaf_index, event_id, hash)
                 SELECT * FROM UNNEST($1::bigint[], $2::uuid[], $3::bytea[])
                 ON CONFLICT (leaf_index) DO NOTHING",
            ),
            &[&indexes, &ids, &hashes],
        )
        .await
        .map_err(backend_error)?;
    Ok(())
}

/// Rows of kept leaves as leaves (a hash of the wrong length is an error).
fn to_leaves(rows: &[tokio_postgres::Row]) -> Result<Vec<LogLeaf>> {
    rows.iter()
        .map(|row| {
            let hash: &[u8] = row.get(2);
            Ok(LogLeaf {
                index: row.get::<_, i64>(0) as u64,
                event_id: row.get(1),
                hash: hash
                    .try_into()
                    .map_err(|_| backend_error("a kept leaf hash is not 32 bytes"))?,
            })
        })
        .collect()
}

/// The kept leaves from `from` on, at most `limit`.
pub(crate) async fn kept_log_leaves(
    client: &Client,
    schema: &Schema,
    from: u64,
    limit: usize,
) -> Result<Vec<LogLeaf>> {
    let rows = client
        .query(
            &schema.sql(
                "SELECT leaf_index, event_id, hash FROM {s}.log_leaves WHERE leaf_index >= $1
                 ORDER BY leaf_index LIMIT $2",
            ),
            &[&(from as i64), &i64::try_from(limit).unwrap_or(i64::MAX)],
        )
        .await
        .map_err(backend_error)?;
    to_leaves(&rows)
}

/// The kept leaves of these events, in index order.
pub(crate) async fn kept_log_leaves_of(
    client: &Client,
    schema: &Schema,
    events: &[EventId],
) -> Result<Vec<LogLeaf>> {
    let rows = client
        .query(
            &schema.sql(
                "SELECT leaf_index, event_id, hash FROM {s}.log_leaves
                 WHERE event_id = ANY($1::uuid[]) ORDER BY leaf_index",
            ),
            &[&events],
        )
        .await
        .map_err(backend_error)?;
    to_leaves(&rows)
}
