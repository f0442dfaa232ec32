//! The count argument: whether the events left can still complete a legal sequence, or reach a
//! status, by their numbers alone (a necessary condition that prunes the search).

use super::elements::{Group, Kind};

/// Counts of what remains, by kind, for the count argument.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Remaining {
    pub(super) found: u32,
    pub(super) suspend: u32,
    pub(super) reinstate: u32,
    pub(super) terminate: u32,
    pub(super) reaffirm: u32,
}

impl Remaining {
    pub(super) fn of(groups: &[Group], remaining: &[u32]) -> Remaining {
        let mut counts = Remaining::default();
        for (group, &left) in groups.iter().zip(remaining) {
            match group.kind {
                Kind::Found => counts.found += left,
                Kind::Suspend => counts.suspend += left,
                Kind::Reinstate => counts.reinstate += left,
                Kind::Terminate => counts.terminate += left,
                Kind::Reaffirm => counts.reaffirm += left,
                Kind::Probe(_) | Kind::Open | Kind::Close(_) => {}
            }
        }
        counts
    }

    /// Whether some order of exactly these lifecycle events is legal from `state`, by counts
    /// alone (a necessary condition): every reinstatement closes one excursion from active,
    /// each excursion opens with one suspension or termination and may add one termination
    /// after a suspension.
    pub(super) fn can_complete(self, state: u8) -> bool {
        let Some((state, tally)) = Tally::of(self, state) else {
            return false;
        };
        if tally.least() > tally.r + 1 || tally.most() < tally.r {
            return false;
        }
        self.reaffirm == 0 || state == 1 || tally.r >= 1
    }
}

/// The numbers of the count argument, from a state past the founding.
#[derive(Debug, Clone, Copy)]
struct Tally {
    /// Suspensions, counting one already open.
    s: i64,
    /// Terminations still to place.
    t_moves: i64,
    /// Terminations, counting one already open.
    t: i64,
    /// Reinstatements.
    r: i64,
}

impl Tally {
    /// The founding first (once, from `not_yet`; never after), then the tallies from the
    /// state it leads to; `None` when the founding cannot fit. From `not_yet` with nothing
    /// to found, only an empty remainder fits: that is `Some` with everything zero.
    pub(super) fn of(counts: Remaining, state: u8) -> Option<(u8, Tally)> {
        let moves = counts.suspend + counts.reinstate + counts.terminate + counts.reaffirm;
        let state = match (state, counts.found) {
            (0, 0) if moves == 0 => 0,
            (0, 1) => 1,
            (0, _) => return None,
            (_, 0) => state,
            _ => return None,
        };
        let t_moves = i64::from(counts.terminate);
        Some((
            state,
            Tally {
                s: i64::from(counts.suspend) + i64::from(state == 2),
                t_moves,
                t: t_moves + i64::from(state == 3),
                r: i64::from(counts.reinstate),
            },
        ))
    }

    /// Excursions from active when every termination that can follow a suspension does.
    fn least(self) -> i64 {
        self.most() - self.s.min(self.t_moves)
    }

    /// Excursions from active when none does.
    fn most(self) -> i64 {
        self.s + self.t
    }
}

/// Whether, by counts, exactly these events can take `state` to `wanted` (a necessary
/// condition, see [`Remaining::can_complete`]).
pub(super) fn ends_in(counts: Remaining, state: u8, wanted: u8) -> bool {
    let Some((state, tally)) = Tally::of(counts, state) else {
        return false;
    };
    if state == 0 {
        return wanted == 0;
    }
    let founded = Remaining { found: 0, ..counts };
    if !founded.can_complete(state) || wanted == 0 {
        return false;
    }
    let Tally { s, t_moves, t, r } = tally;
    let most = tally.most();
    match wanted {
        // Every excursion closed: s + t - x == r for some x in 0..=min(s, t_moves).
        1 => tally.least() <= r && r <= most,
        // One excursion open, opened by a suspension with no termination after it.
        2 => s >= 1 && most - (s - 1).min(t_moves) <= r + 1 && r < most,
        // One excursion open, holding a termination.
        _ => t >= 1 && tally.least() <= r + 1 && r < most,
    }
}
