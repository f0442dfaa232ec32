//! The ledger's log beside the feed: signed checkpoints, the leaf hashes they were made from
//! and a cached frontier, kept by the store as opaque data (the store knows no Merkle tree),
//! and the rule every backend applies before it stores a checkpoint.

use crate::{Error, EventId, Result};

/// A leaf of the ledger's log as the store keeps it: its index (the event's 0-based ordinal in
/// [`EventStore::read_all`](crate::EventStore::read_all) order when it was hashed), the event it
/// was hashed from, and its hash. Kept leaves are the evidence a verifier compares the feed
/// with: the first leaf kept at an index is never replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogLeaf {
    /// The leaf's index in the log.
    pub index: u64,
    /// The event it was hashed from.
    pub event_id: EventId,
    /// The leaf hash, opaque to the store.
    pub hash: [u8; 32],
}

/// A checkpoint of the ledger's log, as stored: how many events of the feed it covers, the
/// signed note that says so, and the tree's frontier at that size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogCheckpoint {
    /// How many events of the feed the checkpoint covers (the first `tree_size` of
    /// [`EventStore::read_all`](crate::EventStore::read_all)).
    pub tree_size: u64,
    /// The signed note's text, as given.
    pub note: String,
    /// The tree's right edge at `tree_size`, opaque to the store.
    pub frontier: Vec<u8>,
    /// When the store added it.
    pub recorded_at: jiff::Timestamp,
}

/// Whether a checkpoint of `tree_size` may follow `last_tree_size` (the last stored one's, if
/// any) on a feed of `feed_length` events: a log only grows, and covers only what is stored.
/// Every backend calls it inside the transaction (or lock) that adds the checkpoint.
pub fn admit_log_checkpoint(
    tree_size: u64,
    last_tree_size: Option<u64>,
    feed_length: u64,
) -> Result<()> {
    if let Some(last_tree_size) = last_tree_size.filter(|&last| tree_size < last) {
        return Err(Error::LogCheckpointShrinks {
            tree_size,
            last_tree_size,
        });
    }
    if tree_size > feed_length {
        return Err(Error::LogCheckpointBeyondFeed {
            tree_size,
            feed_length,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_may_repeat_or_grow_within_the_feed() {
        assert!(admit_log_checkpoint(0, None, 0).is_ok());
        assert!(admit_log_checkpoint(5, Some(5), 5).is_ok());
        assert!(admit_log_checkpoint(7, Some(5), 9).is_ok());
        let shrinks = admit_log_checkpoint(4, Some(5), 9).unwrap_err();
        assert!(matches!(
            shrinks,
            Error::LogCheckpointShrinks {
                tree_size: 4,
                last_tree_size: 5
            }
        ));
        assert_eq!(
            shrinks.to_string(),
            "log checkpoint refused: tree size 4 is smaller than the last checkpoint's, 5"
        );
        let beyond = admit_log_checkpoint(10, Some(5), 9).unwrap_err();
        assert_eq!(
            beyond.to_string(),
            "log checkpoint refused: tree size 10 is more than the 9 events the feed holds"
        );
    }
}
