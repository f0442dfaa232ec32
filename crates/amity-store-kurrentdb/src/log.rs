//! The log beside the feed on the server: checkpoints are the events of a stream of their own
//! ([`CHECKPOINT_STREAM`]), the kept leaves the events of another ([`LEAVES_STREAM`], each a
//! run of up to [`LEAVES_PER_EVENT`] leaves), the cached frontier the last event of a third
//! ([`FRONTIER_STREAM`], which the server keeps to one event), and `read_all` leaves these
//! streams out, as it leaves out the server's own. Each event's data is JSON (the frontier in
//! hex), in the same metadata envelope as every other event.
//!
//! The server cannot count the feed cheaply, so each checkpoint also records how many feed
//! events the store counted when it was added, and the last one's position: the next checkpoint
//! counts only what follows.

use amity_store::{EventId, LogCheckpoint, LogLeaf, NewEvent, Result};
use serde::{Deserialize, Serialize};

use crate::mapping::backend_error;

/// The stream of the log's checkpoints, in the order added.
pub const CHECKPOINT_STREAM: &str = "amity-log-checkpoints";

/// The stream whose last event is the cached frontier.
pub const FRONTIER_STREAM: &str = "amity-log-frontier";

/// The stream of the log's kept leaves, in index order.
pub const LEAVES_STREAM: &str = "amity-log-leaves";

/// The kept leaves' events' type.
pub const LEAVES_KEPT: &str = "AmityLogLeavesKept";

/// The most leaves one event of [`LEAVES_STREAM`] holds (about 400 kB of data).
pub const LEAVES_PER_EVENT: usize = 4_096;

/// The checkpoint events' type.
pub const CHECKPOINT_ADDED: &str = "AmityLogCheckpointAdded";

/// The frontier events' type.
pub const FRONTIER_SAVED: &str = "AmityLogFrontierSaved";

/// Whether a stream is the log's, not the feed's.
pub fn is_log_stream(stream: &str) -> bool {
    stream == CHECKPOINT_STREAM || stream == FRONTIER_STREAM || stream == LEAVES_STREAM
}

/// A run of kept leaves as its event's data: the first's index, then each leaf's event id
/// and hash (16 and 32 bytes) one after the other, in hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeavesRecord {
    /// The index of the first leaf.
    pub first_index: u64,
    /// The leaves' event ids and hashes, in hex.
    pub leaves: String,
}

impl LeavesRecord {
    /// A run of leaves with consecutive indexes as a record.
    pub fn of(leaves: &[LogLeaf]) -> LeavesRecord {
        let mut bytes = Vec::with_capacity(leaves.len() * 48);
        for leaf in leaves {
            bytes.extend_from_slice(leaf.event_id.as_bytes());
            bytes.extend_from_slice(&leaf.hash);
        }
        LeavesRecord {
            first_index: leaves.first().map_or(0, |leaf| leaf.index),
            leaves: to_hex(&bytes),
        }
    }

    /// The leaves it records.
    pub fn leaves(&self) -> Result<Vec<LogLeaf>> {
        let bytes = from_hex(&self.leaves)?;
        if !bytes.len().is_multiple_of(48) {
            return Err(backend_error("a run of kept leaves is not 48 bytes a leaf"));
        }
        Ok(bytes
            .chunks_exact(48)
            .zip(self.first_index..)
            .map(|(leaf, index)| LogLeaf {
                index,
                event_id: EventId::from_slice(&leaf[..16]).expect("16 bytes"),
                hash: leaf[16..].try_into().expect("32 bytes"),
            })
            .collect())
    }

    /// The index after its last leaf.
    pub fn end(&self) -> u64 {
        self.first_index + (self.leaves.len() / 96) as u64
    }
}

/// A checkpoint as its event's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointRecord {
    /// The events of the feed it covers.
    pub tree_size: u64,
    /// The signed note's text.
    pub note: String,
    /// The frontier, in hex.
    pub frontier: String,
    /// When it was added, µs since 1970.
    pub recorded_at: i64,
    /// How many feed events the store counted as it added it.
    pub counted_events: u64,
    /// The position of the last of them (text form).
    pub counted_position: String,
}

/// The frontier as its event's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontierRecord {
    /// The tree size it is the right edge of.
    pub tree_size: u64,
    /// The frontier, in hex.
    pub frontier: String,
}

/// Bytes as lower-case hex.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Hex as bytes (an odd length or a non-hex digit is an error).
pub fn from_hex(text: &str) -> Result<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return Err(backend_error(format!("odd-length hex {text:?}")));
    }
    (0..text.len())
        .step_by(2)
        .map(|at| {
            text.get(at..at + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| backend_error(format!("not hex: {text:?}")))
        })
        .collect()
}

impl CheckpointRecord {
    /// The checkpoint it records.
    pub fn checkpoint(&self) -> Result<LogCheckpoint> {
        Ok(LogCheckpoint {
            tree_size: self.tree_size,
            note: self.note.clone(),
            frontier: from_hex(&self.frontier)?,
            recorded_at: jiff::Timestamp::from_microsecond(self.recorded_at)
                .map_err(backend_error)?,
        })
    }
}

/// An event of the log, with a fresh id, its data `record` as JSON.
pub fn log_event(event_type: &str, record: &impl Serialize) -> Result<NewEvent> {
    Ok(NewEvent {
        event_id: uuid::Uuid::now_v7(),
        event_type: event_type.to_owned(),
        schema_version: 1,
        payload: serde_json::to_vec(record).map_err(backend_error)?,
        metadata: b"{}".to_vec(),
        recorded_at: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::event_data;
    use amity_store::Position;

    #[test]
    fn the_log_streams_are_not_the_feed() {
        assert!(is_log_stream(CHECKPOINT_STREAM));
        assert!(is_log_stream(FRONTIER_STREAM));
        assert!(is_log_stream(LEAVES_STREAM));
        assert!(!is_log_stream("ru:smolensk+us-co:colorado-springs"));
        assert!(!crate::mapping::is_system_stream(CHECKPOINT_STREAM));
    }

    #[test]
    fn frontiers_round_trip_through_hex() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(from_hex(&to_hex(&bytes)).unwrap(), bytes);
        assert_eq!(to_hex(&[0, 15, 255]), "000fff");
        assert!(from_hex("abc").is_err());
        assert!(from_hex("zz").is_err());
    }

    #[test]
    fn a_checkpoint_event_round_trips() {
        let record = CheckpointRecord {
            tree_size: 42,
            note: "amity/x\n42\nROOT=\n\n— amity key\n".to_owned(),
            frontier: to_hex(&[1, 2, 3]),
            recorded_at: 1_700_000_000_123_456,
            counted_events: 45,
            counted_position: Position::new(9_000, 8_990).to_string(),
        };
        let event = log_event(CHECKPOINT_ADDED, &record).unwrap();
        assert_eq!(event.event_type, CHECKPOINT_ADDED);
        assert!(event_data(&event).is_ok());
        let back: CheckpointRecord = serde_json::from_slice(&event.payload).unwrap();
        assert_eq!(back, record);
        let checkpoint = back.checkpoint().unwrap();
        assert_eq!(checkpoint.tree_size, 42);
        assert_eq!(checkpoint.frontier, [1, 2, 3]);
        assert_eq!(checkpoint.note, record.note);
        assert_eq!(
            checkpoint.recorded_at.as_microsecond(),
            1_700_000_000_123_456
        );
        assert_eq!(
            back.counted_position.parse::<Position>().unwrap(),
            Position::new(9_000, 8_990)
        );
        let frontier = FrontierRecord {
            tree_size: 7,
            frontier: to_hex(&[9; 32]),
        };
        let leaves: Vec<LogLeaf> = (5..8)
            .map(|index| LogLeaf {
                index,
                event_id: uuid::Uuid::from_u128(index as u128 * 77),
                hash: [index as u8; 32],
            })
            .collect();
        let record = LeavesRecord::of(&leaves);
        assert_eq!((record.first_index, record.end()), (5, 8));
        let event = log_event(LEAVES_KEPT, &record).unwrap();
        assert!(event_data(&event).is_ok());
        let back: LeavesRecord = serde_json::from_slice(&event.payload).unwrap();
        assert_eq!(back.leaves().unwrap(), leaves);
        let event = log_event(FRONTIER_SAVED, &frontier).unwrap();
        let back: FrontierRecord = serde_json::from_slice(&event.payload).unwrap();
        assert_eq!(from_hex(&back.frontier).unwrap(), [9; 32]);
    }
}
