//! Where each entry stands in its partnership's history, without the event's own details: what
//! a view that carries the events beside it (the timeline CSV view) needs from the history.

use amity_domain::{PartnershipId, Status};
use serde::Serialize;

use crate::rows::TimelineRow;

/// One entry's place in its history: the derived columns of a [`TimelineRow`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placement {
    /// The partnership whose history shows the entry.
    pub partnership: PartnershipId,
    /// Position in the history.
    pub seq: u64,
    /// The event.
    pub event_id: String,
    /// The earliest day the entry may have happened (ISO 8601), if bounded.
    pub earliest: Option<String>,
    /// The latest day, if bounded.
    pub latest: Option<String>,
    /// Recorded as disputed: shown, not driving the status.
    pub disputed: bool,
    /// The status after the entry, for an entry that drives it.
    pub status_after: Option<Status>,
    /// The retraction that took the entry's effect, if any.
    pub retracted_by: Option<String>,
}

impl From<&TimelineRow> for Placement {
    fn from(row: &TimelineRow) -> Placement {
        Placement {
            partnership: row.partnership.clone(),
            seq: row.seq,
            event_id: row.event_id.clone(),
            earliest: row.earliest.clone(),
            latest: row.latest.clone(),
            disputed: row.disputed,
            status_after: row.status_after,
            retracted_by: row.retracted_by.clone(),
        }
    }
}
