//! What the driving events add up to now: the current status (every status possible once all
//! of them have happened), the driving events as the engine sees them, and the event that set
//! the status.

use super::entries::Timeline;
use crate::date::Day;
use crate::event::{EventType, Recorded};
use crate::temporal::{end_of_day, Dated, Status, StatusSet, Unfinished, FUTURE};

impl Timeline {
    /// The current status: once every driving event has happened. When several are possible
    /// (see [`Timeline::last_statuses`]), the one furthest along the lifecycle.
    pub fn status(&self) -> Status {
        if self.resolution.conflict.is_some() {
            return Status::Unknown;
        }
        match self.last_statuses_checked() {
            Ok(last) => last.furthest().unwrap_or(Status::NotYet),
            Err(_) => Status::Unknown,
        }
    }

    /// Every status possible once every driving event has happened (empty when the stored
    /// history breaks the rules, or when the answer needs more than the engine's budget: then
    /// [`Timeline::last_statuses_checked`] says so).
    pub fn last_statuses(&self) -> StatusSet {
        self.last_statuses_checked().unwrap_or_default()
    }

    /// Every status possible once every driving event has happened, or why it is not known.
    pub fn last_statuses_checked(&self) -> Result<StatusSet, Unfinished> {
        if let Some(last) = self.resolution.last.get() {
            return Ok(*last);
        }
        let Some(engine) = &self.resolution.engine else {
            return Ok(StatusSet::EMPTY);
        };
        let end = end_of_day(Day::Future);
        let last = engine.profile()?.statuses(end, end)?;
        Ok(*self.resolution.last.get_or_init(|| last))
    }

    /// Whether the founding is implicit: attested, never recorded as founded.
    pub fn implicit_founding(&self) -> bool {
        self.resolution.implicit_founding
    }

    /// The driving events (neither disputed nor retracted) as the engine sees them, with
    /// their entries.
    pub fn driving(&self) -> Vec<(&Recorded, Dated)> {
        self.resolution
            .driving
            .iter()
            .zip(&self.resolution.dated)
            .map(|(&index, dated)| (&self.entries[index], *dated))
            .collect()
    }

    /// The driving event that set the current status (for "since"): the latest-dated one that
    /// leads into it. `None` for `not_yet`, and for a founding that is only implicit.
    pub fn since(&self) -> Option<&Recorded> {
        let current = self.status();
        let driving = self.driving();
        let dated: Vec<Dated> = driving.iter().map(|(_, d)| *d).collect();
        crate::asof::setter(&dated, current, FUTURE).map(|index| driving[index].0)
    }

    /// The first attestation (the one with the earliest latest day), for partnerships known
    /// from lists.
    pub fn first_attested(&self) -> Option<&Recorded> {
        let resolution = &self.resolution;
        (0..resolution.driving.len())
            .filter(|&i| resolution.dated[i].event_type == EventType::PartnershipAttested)
            .min_by_key(|&i| (resolution.dated[i].latest, resolution.dated[i].earliest, i))
            .map(|i| &self.entries[resolution.driving[i]])
    }
}
