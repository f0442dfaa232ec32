//! A window of valid time.

use amity_domain::{Certainty3, Day, EdtfDate};

/// A window of valid time.
#[derive(Debug, Clone)]
pub struct Window {
    /// Its start, as asked (a date or a milestone key) and as a date.
    pub from: (String, EdtfDate),
    /// Its end.
    pub to: (String, EdtfDate),
}

impl Window {
    pub(crate) fn first_day(&self) -> Day {
        self.from.1.earliest()
    }

    pub(crate) fn last_day(&self) -> Day {
        self.to.1.latest()
    }

    /// Whether an event with these bounds is in the window: `Some(Definite)` wholly,
    /// `Some(Possible)` partly, `None` not at all.
    pub(crate) fn contains(&self, earliest: Day, latest: Day) -> Option<Certainty3> {
        let (first, last) = (self.first_day(), self.last_day());
        if latest < first || earliest > last {
            None
        } else if earliest >= first && latest <= last {
            Some(Certainty3::Definite)
        } else {
            Some(Certainty3::Possible)
        }
    }
}
