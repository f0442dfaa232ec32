//! The statuses possible at some point of a range of valid time (one search per status).

use super::bounds::Point;
use super::elements::{Group, Kind};
use super::engine::Engine;
use super::search::Unfinished;
use super::status::{StatusSet, STATES};

impl Engine {
    /// The statuses possible at some point of `lo..=hi` (see
    /// [`day_point`](super::day_point), [`end_of_day`](super::end_of_day)).
    /// Empty when the events have no legal order.
    pub fn statuses(&self, lo: Point, hi: Point) -> Result<StatusSet, Unfinished> {
        let mut set = StatusSet::EMPTY;
        if self.empty || lo > hi {
            return Ok(set);
        }
        for (index, status) in STATES.into_iter().enumerate() {
            let probe = Group {
                kind: Kind::Probe(index as u8),
                lo,
                hi,
                members: Vec::new(),
                count: 1,
            };
            if self.exists_with(vec![probe])? {
                set.insert(status);
            }
        }
        Ok(set)
    }
}
