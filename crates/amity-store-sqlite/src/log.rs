//! The log beside the feed in the ledger file: checkpoints (`log_checkpoints`) and the cached
//! frontier (`log_frontier`), schema version 2. Store data, not projection data: no rebuild
//! touches them.

use amity_store::{admit_log_checkpoint, LogCheckpoint, Result};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::connection::backend_error;

/// A stored time (µs since 1970) as a timestamp.
fn timestamp(micros: i64) -> Result<jiff::Timestamp> {
    jiff::Timestamp::from_microsecond(micros).map_err(backend_error)
}

/// Every checkpoint, in the order added.
pub(crate) fn log_checkpoints(connection: &Connection) -> Result<Vec<LogCheckpoint>> {
    let mut statement = connection
        .prepare_cached(
            "SELECT tree_size, note, frontier, recorded_at FROM log_checkpoints
             ORDER BY checkpoint_no",
        )
        .map_err(backend_error)?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Vec<u8>>(2)?,
                row.get::<_, i64>(3)?,
            ))
        })
        .map_err(backend_error)?;
    rows.map(|row| {
        let (tree_size, note, frontier, recorded_at) = row.map_err(backend_error)?;
        Ok(LogCheckpoint {
            tree_size: tree_size as u64,
            note,
            frontier,
            recorded_at: timestamp(recorded_at)?,
        })
    })
    .collect()
}

/// Add a checkpoint in a `BEGIN IMMEDIATE` transaction, which holds off every other writer
/// (appends too) while the last checkpoint and the feed's length are checked. Positions are
/// dense (each the greatest plus one, and no event is ever deleted), so the feed's length is
/// its last position: no count over the events.
pub(crate) fn add_log_checkpoint(
    connection: &mut Connection,
    tree_size: u64,
    note: String,
    frontier: Vec<u8>,
) -> Result<LogCheckpoint> {
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend_error)?;
    let (last, length): (Option<i64>, i64) = transaction
        .query_row(
            "SELECT (SELECT tree_size FROM log_checkpoints ORDER BY checkpoint_no DESC LIMIT 1),
                    (SELECT coalesce(max(position), 0) FROM events)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .map_err(backend_error)?;
    admit_log_checkpoint(tree_size, last.map(|last| last as u64), length as u64)?;
    let recorded_at = jiff::Timestamp::now();
    transaction
        .execute(
            "INSERT INTO log_checkpoints (tree_size, note, frontier, recorded_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                tree_size as i64,
                note,
                frontier,
                recorded_at.as_microsecond()
            ],
        )
        .map_err(backend_error)?;
    transaction.commit().map_err(backend_error)?;
    Ok(LogCheckpoint {
        tree_size,
        note,
        frontier,
        // As it reads back: stored in µs.
        recorded_at: timestamp(recorded_at.as_microsecond())?,
    })
}

/// The cached frontier, if one is saved.
pub(crate) fn log_frontier(connection: &Connection) -> Result<Option<(u64, Vec<u8>)>> {
    connection
        .query_row(
            "SELECT tree_size, frontier FROM log_frontier WHERE only_row = 1",
            [],
            |row| Ok((row.get::<_, i64>(0)? as u64, row.get(1)?)),
        )
        .optional()
        .map_err(backend_error)
}

/// Save the frontier, replacing the one saved before.
pub(crate) fn save_log_frontier(
    connection: &Connection,
    tree_size: u64,
    frontier: Vec<u8>,
) -> Result<()> {
    connection
        .execute(
            "INSERT INTO log_frontier (only_row, tree_size, frontier) VALUES (1, ?1, ?2)
             ON CONFLICT (only_row) DO UPDATE SET tree_size = excluded.tree_size,
                                                  frontier = excluded.frontier",
            params![tree_size as i64, frontier],
        )
        .map_err(backend_error)?;
    Ok(())
}
