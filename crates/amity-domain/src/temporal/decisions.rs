//! The last decision in a window of days: which suspension, termination, reinstatement or
//! reaffirmation (or none) can be the last one dated in it.

use super::bounds::{end_of_day, start_of_day};
use super::elements::{Group, Kind, DECISIONS};
use super::engine::Engine;
use super::search::Unfinished;
use crate::date::Day;
use crate::event::EventType;

impl Engine {
    /// The possible last decisions dated in the window of days `first..=last` (a suspension,
    /// termination, reinstatement or reaffirmation), `None` standing for "no decision in the
    /// window". Empty when the events have no legal order.
    pub fn last_decisions(
        &self,
        first: Day,
        last: Day,
    ) -> Result<Vec<Option<EventType>>, Unfinished> {
        let mut found = Vec::new();
        if self.empty {
            return Ok(found);
        }
        let (open, close) = (start_of_day(first), end_of_day(last));
        for (code, decision) in DECISIONS.into_iter().enumerate() {
            if let Some(event_type) = decision {
                // Only a decision of a type that has an event overlapping the window.
                let kind = Kind::of(event_type).expect("a decision kind");
                let overlaps = self
                    .groups
                    .iter()
                    .any(|group| group.kind == kind && group.lo <= close && group.hi >= open);
                if !overlaps {
                    continue;
                }
            }
            let markers = vec![
                Group {
                    kind: Kind::Open,
                    lo: open,
                    hi: open,
                    members: Vec::new(),
                    count: 1,
                },
                Group {
                    kind: Kind::Close(code as u8),
                    lo: close,
                    hi: close,
                    members: Vec::new(),
                    count: 1,
                },
            ];
            if self.exists_with(markers)? {
                found.push(decision);
            }
        }
        Ok(found)
    }
}
