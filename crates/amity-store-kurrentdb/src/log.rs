//! The log beside the feed on the server: checkpoints are the events of a stream of their own
//! ([`CHECKPOINT_STREAM`]), the cached frontier the last event of another
//! ([`FRONTIER_STREAM`], which the server keeps to one event), and `read_all` leaves both
//! streams out, as it leaves out the server's own. Each event's data is JSON (the frontier in
//! hex), in the same metadata envelope as every other event.
//!
//! The server cannot count the feed cheaply, so each checkpoint also records how many feed
//! events the store counted when it was added, and the last one's position: the next checkpoint
//! counts only what follows.

use amity_store::{LogCheckpoint, NewEvent, Result};
use serde::{Deserialize, Serialize};

use crate::mapping::backend_error;

/// The stream of the log's checkpoints, in the order added.
pub const CHECKPOINT_STREAM: &str = "amity-log-checkpoints";

/// The stream whose last event is the cached frontier.
pub const FRONTIER_STREAM: &str = "amity-log-frontier";

/// The checkpoint events' type.
pub const CHECKPOINT_ADDED: &str = "AmityLogCheckpointAdded";

/// The frontier events' type.
pub const FRONTIER_SAVED: &str = "AmityLogFrontierSaved";

/// Whether a stream is the log's, not the feed's.
pub fn is_log_stream(stream: &str) -> bool {
    stream == CHECKPOINT_STREAM || stream == FRONTIER_STREAM
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
        let event = log_event(FRONTIER_SAVED, &frontier).unwrap();
        let back: FrontierRecord = serde_json::from_slice(&event.payload).unwrap();
        assert_eq!(from_hex(&back.frontier).unwrap(), [9; 32]);
    }
}
