//! Checking one partnership's new rows on top of its stored history.

use amity_domain::{EventType, PartnershipId, Recorded};

use super::row::Row;
use crate::ToRecord;

/// What the check of one partnership's rows gives: its stored length, the rows to write, how
/// many were stored already, and the rows refused (line, reason); or the line (if any) and the
/// check that could not be finished.
pub(super) type Checked = std::result::Result<Accepted, (Option<u64>, amity_domain::Violation)>;

/// One partnership's rows, checked.
pub(super) struct Accepted {
    /// The partnership.
    pub(super) id: PartnershipId,
    /// Its stream's length when checked (the write expects it so).
    pub(super) stored: u64,
    /// The rows to write.
    pub(super) items: Vec<ToRecord>,
    /// Rows stored already (the same ids).
    pub(super) stored_already: u64,
    /// The rows refused: line and reason.
    pub(super) rejected: Vec<(u64, String)>,
}

/// Check one partnership's rows on top of its stored history: all new rows together (legal
/// as a whole, whatever their order); when they conflict, every row that can join the others
/// is kept, trying again while any joins (a row may need one that comes later in the file),
/// and the rows that never can are refused.
pub(super) fn check_partnership(
    timeline: &amity_domain::Timeline,
    own: u64,
    mut group: Vec<Row>,
    recorded_by: &str,
) -> Checked {
    let id = timeline.id().clone();
    // Valid-time order; on the same dates a founding or attestation comes first.
    group.sort_by_key(|row| {
        let occurred = &row.item.event.facts().occurred;
        let establishing = matches!(
            row.item.event.event_type(),
            EventType::PartnershipFounded | EventType::PartnershipAttested
        );
        (
            occurred.earliest(),
            occurred.latest(),
            !establishing,
            row.line,
        )
    });
    let mut items = Vec::new();
    let mut fresh: Vec<Row> = Vec::new();
    let mut stored_already = 0u64;
    for row in group {
        if timeline.contains(row.item.event_id)
            || fresh.iter().any(|f| f.item.event_id == row.item.event_id)
        {
            stored_already += 1;
        } else {
            fresh.push(row);
        }
    }
    let now = jiff::Timestamp::now();
    let candidate = |row: &Row, version: usize| Recorded {
        id: row.item.event_id,
        partnership: id.clone(),
        stream_version: version as u64,
        recorded_by: recorded_by.into(),
        recorded_at: now,
        event: row.item.event.clone(),
    };
    let stored = timeline.recorded().len();
    let all: Vec<Recorded> = (0..fresh.len())
        .map(|i| candidate(&fresh[i], stored + i))
        .collect();
    let mut together = timeline.clone();
    let mut rejected = Vec::new();
    match together.record_all(all) {
        Ok(()) => items.extend(fresh.into_iter().map(|row| row.item)),
        Err(unfinished @ amity_domain::Violation::Unfinished { .. }) => {
            return Err((None, unfinished));
        }
        Err(_) => {
            let mut kept = timeline.clone();
            let mut left: Vec<(Row, Option<amity_domain::Violation>)> =
                fresh.into_iter().map(|row| (row, None)).collect();
            loop {
                let mut progress = false;
                let mut still = Vec::new();
                for (row, _) in left {
                    let next = candidate(&row, kept.recorded().len());
                    match kept.record(next) {
                        Ok(()) => {
                            progress = true;
                            items.push(row.item);
                        }
                        Err(unfinished @ amity_domain::Violation::Unfinished { .. }) => {
                            return Err((Some(row.line), unfinished));
                        }
                        Err(violation) => still.push((row, Some(violation))),
                    }
                }
                left = still;
                if !progress || left.is_empty() {
                    break;
                }
            }
            for (row, violation) in left {
                let reason = violation.map(|v| v.to_string()).unwrap_or_default();
                rejected.push((row.line, reason));
            }
        }
    }
    Ok(Accepted {
        id,
        stored: own,
        items,
        stored_already,
        rejected,
    })
}
