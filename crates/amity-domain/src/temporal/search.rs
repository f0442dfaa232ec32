//! The depth-first search for a legal sequence, remembering dead states, within a state
//! budget ([`Unfinished`] when it runs out).

use rustc_hash::FxHashSet;

use super::bounds::Point;
use super::counts::{ends_in, Remaining};
use super::elements::{Group, Kind, DECISIONS, NO_DECISION};

/// The check ran out of its state budget before it could decide: not a verdict.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the check was not finished: it needed more than {limit} states of the timeline's {events} \
     driving events"
)]
pub struct Unfinished {
    /// The state budget.
    pub limit: usize,
    /// How many driving events were searched.
    pub events: usize,
}

/// The most states one search may remember before it gives up with [`Unfinished`], unless
/// [`set_state_limit`] says otherwise.
pub const STATE_LIMIT: usize = 2_000_000;

static LIMIT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(STATE_LIMIT);

/// Change the state budget of every search from now on (the CLI's `AMITY_STATE_LIMIT`): a
/// hard resource limit, never a reason to call a timeline impossible.
pub fn set_state_limit(limit: usize) {
    LIMIT.store(limit, std::sync::atomic::Ordering::Relaxed);
}

pub(super) fn state_limit() -> usize {
    LIMIT.load(std::sync::atomic::Ordering::Relaxed)
}

/// A depth-first search for a complete legal sequence, remembering dead states.
pub(super) struct Search<'a> {
    groups: &'a [Group],
    remaining: Vec<u32>,
    /// States (remaining counts, then state and register) that cannot be completed.
    dead: FxHashSet<Box<[u32]>>,
    events: usize,
    limit: usize,
}

impl<'a> Search<'a> {
    pub(super) fn new(groups: &'a [Group], events: usize, limit: usize) -> Search<'a> {
        Search {
            groups,
            remaining: groups.iter().map(|group| group.count).collect(),
            dead: FxHashSet::default(),
            events,
            limit,
        }
    }

    fn key(&self, state: u8, register: u8) -> Box<[u32]> {
        let mut key = Vec::with_capacity(self.remaining.len() + 1);
        key.extend_from_slice(&self.remaining);
        key.push(u32::from(state) | (u32::from(register) << 8));
        key.into_boxed_slice()
    }

    /// Whether the state can possibly be completed: the count argument, and questions that
    /// cannot be met.
    fn promising(&self, state: u8, register: u8) -> bool {
        let counts = Remaining::of(self.groups, &self.remaining);
        if !counts.can_complete(state) {
            return false;
        }
        for (group, &left) in self.groups.iter().zip(&self.remaining) {
            if left == 0 {
                continue;
            }
            match group.kind {
                Kind::Probe(wanted) => {
                    let reachable = match wanted {
                        0 => state == 0,
                        1 => state <= 1 || counts.reinstate > 0,
                        2 => state == 2 || counts.suspend > 0,
                        _ => state == 3 || counts.terminate > 0,
                    };
                    // Everything that must come before the question, alone, must lead there.
                    if !reachable || !self.prefix_can_reach(group, state, wanted) {
                        return false;
                    }
                }
                Kind::Close(wanted) if wanted != register => {
                    let possible = match DECISIONS[wanted as usize] {
                        None => self.remaining_kind(Kind::Open),
                        Some(event_type) => {
                            self.remaining_kind(Kind::of(event_type).expect("decision"))
                        }
                    };
                    if !possible {
                        return false;
                    }
                }
                _ => {}
            }
        }
        true
    }

    fn remaining_kind(&self, kind: Kind) -> bool {
        self.groups
            .iter()
            .zip(&self.remaining)
            .any(|(group, &left)| left > 0 && group.kind == kind)
    }

    /// When every remaining event is forced to one side of the question (wholly before it or
    /// wholly after it), the events before it must by counts lead from `state` to `wanted`.
    fn prefix_can_reach(&self, probe: &Group, state: u8, wanted: u8) -> bool {
        let mut before = Remaining::default();
        for (group, &left) in self.groups.iter().zip(&self.remaining) {
            if left == 0 || matches!(group.kind, Kind::Probe(_) | Kind::Open | Kind::Close(_)) {
                continue;
            }
            if group.hi < probe.lo {
                match group.kind {
                    Kind::Found => before.found += left,
                    Kind::Suspend => before.suspend += left,
                    Kind::Reinstate => before.reinstate += left,
                    Kind::Terminate => before.terminate += left,
                    Kind::Reaffirm => before.reaffirm += left,
                    _ => {}
                }
            } else if group.lo <= probe.hi {
                // Free to fall on either side: no conclusion by counts.
                return true;
            }
        }
        ends_in(before, state, wanted)
    }

    /// A complete legal sequence of groups (group indices), or `None`.
    pub(super) fn run(mut self) -> Result<Option<Vec<usize>>, Unfinished> {
        let total: u64 = self.remaining.iter().map(|&c| u64::from(c)).sum();
        let (mut state, mut register) = (0u8, NO_DECISION);
        if total == 0 {
            return Ok(Some(Vec::new()));
        }
        if !self.promising(state, register) {
            return Ok(None);
        }
        // Frames: (next group to try, the group placed to get here, state and register before).
        let mut frames: Vec<(usize, usize, u8, u8)> = vec![(0, usize::MAX, 0, 0)];
        let mut placed = 0u64;
        let mut path: Vec<usize> = Vec::new();
        while let Some(frame) = frames.last_mut() {
            let next = self.next_candidate(frame.0, state, register);
            match next {
                Some((group, (after, after_register))) => {
                    frame.0 = group + 1;
                    self.remaining[group] -= 1;
                    placed += 1;
                    path.push(group);
                    if placed == total {
                        return Ok(Some(path));
                    }
                    if (!self.dead.is_empty()
                        && self.dead.contains(&self.key(after, after_register)))
                        || !self.promising(after, after_register)
                    {
                        self.remaining[group] += 1;
                        placed -= 1;
                        path.pop();
                        continue;
                    }
                    frames.push((0, group, state, register));
                    state = after;
                    register = after_register;
                }
                None => {
                    if self.dead.len() >= self.limit {
                        return Err(Unfinished {
                            limit: self.limit,
                            events: self.events,
                        });
                    }
                    self.dead.insert(self.key(state, register));
                    let (_, group, before, before_register) = frames.pop().expect("a frame");
                    if group == usize::MAX {
                        return Ok(None);
                    }
                    self.remaining[group] += 1;
                    placed -= 1;
                    path.pop();
                    state = before;
                    register = before_register;
                }
            }
        }
        Ok(None)
    }

    /// The first group at or after `from` that may come next and whose step is legal.
    fn next_candidate(&self, from: usize, state: u8, register: u8) -> Option<(usize, (u8, u8))> {
        let (lowest, lowest_group, second) = lowest_two(self.groups, &self.remaining);
        (from..self.groups.len()).find_map(|index| {
            let left = self.remaining[index];
            if left == 0 {
                return None;
            }
            let group = &self.groups[index];
            // The lowest latest point among the other remaining elements.
            let bound = if lowest_group == Some(index) && left == 1 {
                second
            } else {
                lowest
            };
            if group.lo > bound {
                return None;
            }
            group.kind.step(state, register).map(|after| (index, after))
        })
    }
}

/// The lowest latest point among remaining groups (and which group holds it), and the lowest
/// among the others (the same value again when that group holds more than one).
pub(super) fn lowest_two(groups: &[Group], remaining: &[u32]) -> (Point, Option<usize>, Point) {
    let (mut lowest, mut lowest_group, mut second) = (Point::MAX, None, Point::MAX);
    for (index, (group, &left)) in groups.iter().zip(remaining).enumerate() {
        if left == 0 {
            continue;
        }
        if group.hi < lowest {
            second = if left > 1 { group.hi } else { lowest };
            lowest = group.hi;
            lowest_group = Some(index);
        } else if group.hi < second {
            second = group.hi;
        }
    }
    (lowest, lowest_group, second)
}
