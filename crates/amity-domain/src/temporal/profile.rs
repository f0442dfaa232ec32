//! Profiles: every status possible at every point, enumerated once for small histories (read
//! along the one order of a chain), answered one question at a time for larger ones.

use rustc_hash::FxHashMap;

use super::bounds::Point;
use super::elements::{Group, NO_DECISION};
use super::engine::Engine;
use super::search::{lowest_two, Unfinished};
use super::status::{StatusSet, STATES};

/// The most states enumerated for a whole profile before questions are answered one by one.
const PROFILE_LIMIT: usize = 20_000;

impl Engine {
    /// Every status possible at every point, computed once: answers [`Profile::statuses`]
    /// without searching again when the history is small enough to enumerate.
    pub fn profile(&self) -> Result<Profile, Unfinished> {
        if self.empty {
            return Ok(Profile {
                spans: Some(Vec::new()),
                engine: None,
            });
        }
        if self.chain {
            // The one order: the state after k events holds from the k-th event's earliest
            // point to the next one's latest.
            let spans = self.chain_states().map_or_else(Vec::new, |states| {
                states
                    .iter()
                    .enumerate()
                    .map(|(k, &state)| {
                        let from = if k == 0 {
                            Point::MIN
                        } else {
                            self.groups[k - 1].lo
                        };
                        let to = self.groups.get(k).map_or(Point::MAX, |group| group.hi);
                        (from, to, StatusSet::of(STATES[state as usize]))
                    })
                    .collect()
            });
            return Ok(Profile {
                spans: Some(spans),
                engine: None,
            });
        }
        match enumerate(&self.groups, PROFILE_LIMIT) {
            Some(spans) => Ok(Profile {
                spans: Some(spans),
                engine: None,
            }),
            None => Ok(Profile {
                spans: None,
                engine: Some(Box::new(self.clone())),
            }),
        }
    }
}

/// Possible statuses over time, computed once (or answered one question at a time for
/// histories too large to enumerate).
#[derive(Debug, Clone)]
pub struct Profile {
    /// Each reachable state's status and the span of points where it can be the state.
    spans: Option<Vec<(Point, Point, StatusSet)>>,
    engine: Option<Box<Engine>>,
}

impl Profile {
    /// The statuses possible at some point of `lo..=hi`.
    pub fn statuses(&self, lo: Point, hi: Point) -> Result<StatusSet, Unfinished> {
        match (&self.spans, &self.engine) {
            (Some(spans), _) => Ok(spans
                .iter()
                .filter(|(from, to, _)| *from <= hi && *to >= lo)
                .fold(StatusSet::EMPTY, |set, (_, _, statuses)| {
                    set.union(*statuses)
                })),
            (None, Some(engine)) => engine.statuses(lo, hi),
            (None, None) => Ok(StatusSet::EMPTY),
        }
    }
}

/// Enumerate every reachable and completable state (up to `limit` states) and return, for
/// each, its status and the span of points where the history can be cut at it; `None` when
/// there are more states than `limit`.
fn enumerate(groups: &[Group], limit: usize) -> Option<Vec<(Point, Point, StatusSet)>> {
    type Key = (Box<[u32]>, u8);
    let start: Box<[u32]> = groups.iter().map(|group| group.count).collect();
    let mut index: FxHashMap<Key, usize> = FxHashMap::default();
    let mut states: Vec<Key> = Vec::new();
    let mut edges: Vec<Vec<usize>> = Vec::new();
    index.insert((start.clone(), 0), 0);
    states.push((start, 0));
    edges.push(Vec::new());
    let mut cursor = 0;
    while cursor < states.len() {
        let (remaining, state) = states[cursor].clone();
        let (lowest, lowest_group, second) = lowest_two(groups, &remaining);
        for (group_index, group) in groups.iter().enumerate() {
            let left = remaining[group_index];
            if left == 0 {
                continue;
            }
            let bound = if lowest_group == Some(group_index) && left == 1 {
                second
            } else {
                lowest
            };
            if group.lo > bound {
                continue;
            }
            let Some((after, _)) = group.kind.step(state, NO_DECISION) else {
                continue;
            };
            let mut next = remaining.clone();
            next[group_index] -= 1;
            let key = (next, after);
            let target = match index.get(&key) {
                Some(&target) => target,
                None => {
                    if states.len() >= limit {
                        return None;
                    }
                    let target = states.len();
                    index.insert(key.clone(), target);
                    states.push(key);
                    edges.push(Vec::new());
                    target
                }
            };
            edges[cursor].push(target);
        }
        cursor += 1;
    }
    // Completable: every count placed, or an edge to a completable state. States are
    // discovered breadth-first and every edge goes to a state with one element fewer to place,
    // so deciding them in reverse discovery order sees every successor first.
    let mut completable = vec![false; states.len()];
    for state in (0..states.len()).rev() {
        completable[state] = states[state].0.iter().all(|&left| left == 0)
            || edges[state].iter().any(|&next| completable[next]);
    }
    if !completable[0] {
        return Some(Vec::new());
    }
    let spans = states
        .iter()
        .zip(&completable)
        .filter(|(_, &ok)| ok)
        .map(|((remaining, state), _)| {
            let mut from = Point::MIN;
            let mut to = Point::MAX;
            for (group, &left) in groups.iter().zip(remaining.iter()) {
                if left < group.count {
                    from = from.max(group.lo);
                }
                if left > 0 {
                    to = to.min(group.hi);
                }
            }
            (from, to, StatusSet::of(STATES[*state as usize]))
        })
        .collect();
    Some(spans)
}
