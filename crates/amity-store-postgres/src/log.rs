//! The log beside the feed in the store's schema: checkpoints (`log_checkpoints`) and the
//! cached frontier (`log_frontier`), migration 2. Store data, not projection data: no rebuild
//! touches them.

use amity_store::{admit_log_checkpoint, LogCheckpoint, Result};
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
