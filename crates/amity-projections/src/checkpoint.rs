//! Where the projection tables stand: the checkpoint they were written up to, and the version
//! of the projection code that wrote them.

use amity_ledger::{EventId, Position};

/// The version of the projection code; bump it whenever [`crate::rows::rows`] or the tables change,
/// and every ledger rebuilds its projections on next use.
pub const CODE_VERSION: u32 = 12;

/// Where a projection's checkpoint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// The last event covered.
    pub position: Position,
    /// The projection code that wrote the rows.
    pub code_version: u32,
    /// How many events are covered.
    pub events: u64,
    /// The first event of the feed (`None` while it was empty): tables whose feed now starts
    /// with another event were built from another ledger, and are rebuilt.
    pub first_event: Option<EventId>,
}
