//! What the exports read from one partnership's history rows: the founding that drives its
//! status, the termination that ended it (if it stands ended), the dates of its other driving
//! entries, and which entries stand (neither retracted nor disputed).

use amity_domain::{Day, EdtfDate, EventType};
use amity_projections::rows::{claim_dates, StatusRow, TimelineRow};

/// When a driving entry happened: its date as written, or its claim group's dates
/// (`1983 or 1984`, when two sources disagree), each parsed; empty when unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dating {
    /// As written (`1983 or 1984` for a claim group, `unknown` for an undated claim in one).
    pub text: String,
    /// Each claim's date; `None` for an undated claim.
    pub claims: Vec<Option<EdtfDate>>,
}

impl Dating {
    /// The dating of `row` (its claim group's, when it has alternative claims); `None` when
    /// no source dates it.
    pub fn of(timeline: &[TimelineRow], row: &TimelineRow) -> Option<Dating> {
        Dating::from_text(&claim_dates(timeline, row)?)
    }

    /// A dating read from `1993` or `1983 or 1984`; `None` for an unknown date.
    pub fn from_text(text: &str) -> Option<Dating> {
        let claims: Vec<Option<EdtfDate>> = text
            .split(" or ")
            .map(|claim| EdtfDate::parse_cached(claim).ok())
            .collect();
        claims.iter().any(Option::is_some).then(|| Dating {
            text: text.to_owned(),
            claims,
        })
    }

    /// The one date, when there are no alternatives.
    pub fn single(&self) -> Option<&EdtfDate> {
        match &self.claims[..] {
            [Some(date)] => Some(date),
            _ => None,
        }
    }

    /// The earliest day of any claim (`Past` when one is undated).
    pub fn earliest(&self) -> Day {
        self.claims
            .iter()
            .map(|claim| claim.as_ref().map_or(Day::Past, EdtfDate::earliest))
            .min()
            .unwrap_or(Day::Past)
    }

    /// The latest day of any claim (`Future` when one is undated).
    pub fn latest(&self) -> Day {
        self.claims
            .iter()
            .map(|claim| claim.as_ref().map_or(Day::Future, EdtfDate::latest))
            .max()
            .unwrap_or(Day::Future)
    }
}

/// Whether an entry stands: neither retracted nor disputed.
pub(crate) fn standing(row: &TimelineRow) -> bool {
    row.retracted_by.is_none() && !row.disputed
}

/// The type of a row.
pub(crate) fn event_type(row: &TimelineRow) -> Option<EventType> {
    EventType::from_name(&row.event_type)
}

/// The entries that drive the status, in history order: those with a step in the resolved
/// order; for a history whose stored entries break today's rules (no resolved order), every
/// standing lifecycle entry that is not an alternative claim.
pub(crate) fn driving<'a>(status: &StatusRow, timeline: &'a [TimelineRow]) -> Vec<&'a TimelineRow> {
    timeline
        .iter()
        .filter(|row| match status.conflict {
            None => row.step.is_some(),
            Some(_) => {
                standing(row)
                    && event_type(row).is_some_and(EventType::is_lifecycle)
                    && row.alternative_to().is_none()
            }
        })
        .collect()
}

/// The founding that drives the status, if one is recorded.
pub(crate) fn founding<'a>(driving: &[&'a TimelineRow]) -> Option<&'a TimelineRow> {
    driving
        .iter()
        .find(|row| event_type(row) == Some(EventType::PartnershipFounded))
        .copied()
}

/// The termination that ended the partnership: the last driving entry, when it is a
/// termination (a suspension, or a termination later reinstated, ends nothing).
pub(crate) fn termination<'a>(driving: &[&'a TimelineRow]) -> Option<&'a TimelineRow> {
    driving
        .iter()
        .max_by_key(|row| (row.step, row.seq))
        .filter(|row| event_type(row) == Some(EventType::PartnershipTerminated))
        .copied()
}
