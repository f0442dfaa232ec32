//! The log beside the feed in the ledger file: checkpoints (`log_checkpoints`) and the cached
//! frontier (`log_frontier`), schema version 2; the kept leaves (`log_leaves`), version 3.
//! Store data, not projection data: no rebuild touches them.

use amity_store::{admit_log_checkpoint, EventId, LogCheckpoint, LogLeaf, Result};
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

/// Keep leaves in one transaction; a leaf at an index already kept is left as it was.
pub(crate) fn keep_log_leaves(connection: &mut Connection, leaves: &[LogLeaf]) -> Result<()> {
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend_error)?;
    {
        let mut insert = transaction
            .prepare_cached(
                "INSERT INTO log_leaves (leaf_index, event_id, hash) VALUES (?1, ?2, ?3)
                 ON CONFLICT (leaf_index) DO NOTHING",
            )
            .map_err(backend_error)?;
        for leaf in leaves {
            insert
                .execute(params![
                    leaf.index as i64,
                    leaf.event_id.as_bytes().as_slice(),
                    leaf.hash.as_slice()
                ])
                .map_err(backend_error)?;
        }
    }
    transaction.commit().map_err(backend_error)
}

/// A kept leaf as its row reads.
fn leaf(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Vec<u8>, Vec<u8>)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
}

/// A row's columns as a leaf (an id or hash of the wrong length is an error).
fn to_leaf((index, event_id, hash): (i64, Vec<u8>, Vec<u8>)) -> Result<LogLeaf> {
    Ok(LogLeaf {
        index: index as u64,
        event_id: EventId::from_slice(&event_id).map_err(backend_error)?,
        hash: hash
            .try_into()
            .map_err(|_| backend_error("a kept leaf hash is not 32 bytes"))?,
    })
}

/// The kept leaves from `from` on, at most `limit`.
pub(crate) fn kept_log_leaves(
    connection: &Connection,
    from: u64,
    limit: usize,
) -> Result<Vec<LogLeaf>> {
    let mut statement = connection
        .prepare_cached(
            "SELECT leaf_index, event_id, hash FROM log_leaves WHERE leaf_index >= ?1
             ORDER BY leaf_index LIMIT ?2",
        )
        .map_err(backend_error)?;
    let rows = statement
        .query_map(
            params![from as i64, i64::try_from(limit).unwrap_or(i64::MAX)],
            leaf,
        )
        .map_err(backend_error)?;
    rows.map(|row| to_leaf(row.map_err(backend_error)?))
        .collect()
}

/// The kept leaves of these events, in index order.
pub(crate) fn kept_log_leaves_of(
    connection: &Connection,
    events: &[EventId],
) -> Result<Vec<LogLeaf>> {
    let mut statement = connection
        .prepare_cached("SELECT leaf_index, event_id, hash FROM log_leaves WHERE event_id = ?1")
        .map_err(backend_error)?;
    let mut leaves = Vec::with_capacity(events.len());
    for event_id in events {
        let found = statement
            .query_row(params![event_id.as_bytes().as_slice()], leaf)
            .optional()
            .map_err(backend_error)?;
        if let Some(found) = found {
            leaves.push(to_leaf(found)?);
        }
    }
    leaves.sort_by_key(|leaf| leaf.index);
    leaves.dedup_by_key(|leaf| leaf.index);
    Ok(leaves)
}
