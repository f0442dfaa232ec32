//! Exact temporal reasoning over one partnership's driving events: whether a legal order and
//! dating exists, and which statuses (or last decisions) are possible at a point of valid time.
//!
//! The contract (DESIGN.md, "Honest answers"): the possible statuses on a day D are exactly those
//! that hold at some instant of D in some legal order and dating of the driving events (each
//! dated within its bounds, days non-decreasing along the order, each step allowed by the
//! lifecycle). The algorithm and its argument of correctness are in
//! `docs/adr/0007-exact-temporal-engine.md`; in short:
//!
//! - **Time as half-days.** Day `d` is the point `2d`; the point `2d + 1` is the end of day `d`
//!   (after everything dated `d`, before everything dated `d + 1`). A question about a day, a
//!   range of days or the end of a day is a range of points.
//! - **Attestations leave the search.** An attestation only needs the partnership founded
//!   before it: the founding's latest point is capped at every attestation's latest point, and
//!   the attestations themselves can always be slotted in afterwards. Without a recorded
//!   founding, an attested partnership gets an implicit founding of unknown date.
//! - **Groups.** Events of the same kind and bounds are interchangeable, so a state is the
//!   lifecycle state plus how many of each group are still to place (not which ones).
//! - **Orders as down-sets.** An event may come next iff no remaining event must come strictly
//!   before it (its earliest point is at most every other remaining event's latest point); a
//!   sequence built that way always has a non-decreasing dating, and every legal schedule is
//!   such a sequence.
//! - **Questions as marker events.** "Is status X possible somewhere in points `lo..=hi`" is
//!   "is there a legal schedule with a probe event, dated in `lo..=hi`, that requires X". "Is
//!   decision Y the last one in a window" adds a marker that clears a register at the window's
//!   start and one that requires Y in it at its end.
//! - **Search.** Depth-first over states, remembering states that cannot be completed, pruned
//!   by a count argument (every reinstatement closes one suspension or termination). For small
//!   histories every reachable state is enumerated once and the whole profile over time is read
//!   from it. A state budget bounds the work; running out is [`Unfinished`], never "impossible".

use rustc_hash::{FxHashMap, FxHashSet};

use crate::date::Day;
use crate::event::EventType;
use crate::timeline::Status;

/// A point of valid time on the half-day axis (see the module docs).
pub type Point = i64;

/// Before every bounded day.
pub const PAST: Point = -(1 << 40);
/// After every bounded day.
pub const FUTURE: Point = 1 << 40;

/// The point of a day (its whole span, as far as ordering goes).
pub fn day_point(day: Day) -> Point {
    match day {
        Day::Past => PAST,
        Day::On(n) => 2 * i64::from(n),
        Day::Future => FUTURE,
    }
}

/// The point at the end of a day: after everything dated that day, before the next.
pub fn end_of_day(day: Day) -> Point {
    match day {
        Day::On(n) => 2 * i64::from(n) + 1,
        other => day_point(other) + 1,
    }
}

/// The point at the start of a day: after everything dated the day before.
pub fn start_of_day(day: Day) -> Point {
    match day {
        Day::On(n) => 2 * i64::from(n) - 1,
        other => day_point(other) - 1,
    }
}

/// A driving event as the engine sees it: its type and the days it can have happened on
/// (already capped at the day it was recorded; see [`cap_at_recording`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dated {
    /// Founded, attested, suspended, reinstated, terminated or reaffirmed.
    pub event_type: EventType,
    /// The earliest day.
    pub earliest: Day,
    /// The latest day.
    pub latest: Day,
}

/// An event cannot have happened after the day it was recorded: its latest day is capped at
/// that day (UTC). An event dated wholly after its recording keeps its earliest day as its
/// latest (a date in the future is the source's claim; the cap never empties an interval).
pub fn cap_at_recording(earliest: Day, latest: Day, recorded_at: jiff::Timestamp) -> (Day, Day) {
    let recorded = recorded_day(recorded_at);
    let capped = latest.min(recorded);
    (earliest, capped.max(earliest))
}

/// The UTC day of a moment.
pub fn recorded_day(moment: jiff::Timestamp) -> Day {
    let days = moment.as_second().div_euclid(86_400);
    i32::try_from(days).map_or(Day::Future, Day::On)
}

/// A set of the four lifecycle statuses (never [`Status::Unknown`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct StatusSet(u8);

/// The lifecycle statuses in lifecycle order, indexed as the engine numbers its states.
const STATES: [Status; 4] = [
    Status::NotYet,
    Status::Active,
    Status::Suspended,
    Status::Terminated,
];

fn state_of(status: Status) -> Option<u8> {
    STATES
        .iter()
        .position(|&s| s == status)
        .map(|index| index as u8)
}

impl StatusSet {
    /// No status.
    pub const EMPTY: StatusSet = StatusSet(0);

    /// One status.
    pub fn of(status: Status) -> StatusSet {
        let mut set = StatusSet::EMPTY;
        set.insert(status);
        set
    }

    /// Add a status ([`Status::Unknown`] is ignored).
    pub fn insert(&mut self, status: Status) {
        if let Some(index) = state_of(status) {
            self.0 |= 1 << index;
        }
    }

    /// Whether it holds `status`.
    pub fn contains(self, status: Status) -> bool {
        state_of(status).is_some_and(|index| self.0 & (1 << index) != 0)
    }

    /// Both sets' members.
    pub fn union(self, other: StatusSet) -> StatusSet {
        StatusSet(self.0 | other.0)
    }

    /// How many statuses.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether it is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The members, in lifecycle order (not yet, active, suspended, terminated).
    pub fn iter(self) -> impl Iterator<Item = Status> {
        STATES
            .into_iter()
            .enumerate()
            .filter(move |(index, _)| self.0 & (1 << index) != 0)
            .map(|(_, status)| status)
    }

    /// The member furthest along the lifecycle order (the one shown first in a `possible`
    /// answer: everything that may have happened by then, has).
    pub fn furthest(self) -> Option<Status> {
        self.iter().last()
    }
}

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

fn state_limit() -> usize {
    LIMIT.load(std::sync::atomic::Ordering::Relaxed)
}

/// The most states enumerated for a whole profile before questions are answered one by one.
const PROFILE_LIMIT: usize = 20_000;

/// What an element of the search does to the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Kind {
    Found,
    Suspend,
    Reinstate,
    Terminate,
    Reaffirm,
    /// A question: the status must be this state here.
    Probe(u8),
    /// A window opens: forget the last decision.
    Open,
    /// A window closes: the last decision since it opened must be this one.
    Close(u8),
}

/// Register values: the last decision, as its index in [`DECISIONS`].
const NO_DECISION: u8 = 0;

const DECISIONS: [Option<EventType>; 5] = [
    None,
    Some(EventType::PartnershipTerminated),
    Some(EventType::PartnershipSuspended),
    Some(EventType::PartnershipReinstated),
    Some(EventType::PartnershipReaffirmed),
];

impl Kind {
    fn of(event_type: EventType) -> Option<Kind> {
        match event_type {
            EventType::PartnershipFounded => Some(Kind::Found),
            EventType::PartnershipSuspended => Some(Kind::Suspend),
            EventType::PartnershipReinstated => Some(Kind::Reinstate),
            EventType::PartnershipTerminated => Some(Kind::Terminate),
            EventType::PartnershipReaffirmed => Some(Kind::Reaffirm),
            _ => None,
        }
    }

    /// The state and register after this element, or `None` where the lifecycle forbids it.
    fn step(self, state: u8, register: u8) -> Option<(u8, u8)> {
        const N: u8 = 0;
        const A: u8 = 1;
        const S: u8 = 2;
        const T: u8 = 3;
        match (self, state) {
            (Kind::Found, N) => Some((A, register)),
            (Kind::Suspend, A) => Some((S, 2)),
            (Kind::Reinstate, S | T) => Some((A, 3)),
            (Kind::Terminate, A | S) => Some((T, 1)),
            (Kind::Reaffirm, A) => Some((A, 4)),
            (Kind::Probe(wanted), _) if wanted == state => Some((state, register)),
            (Kind::Open, _) => Some((state, NO_DECISION)),
            (Kind::Close(wanted), _) if wanted == register => Some((state, register)),
            _ => None,
        }
    }
}

/// Interchangeable elements: same kind, same bounds.
#[derive(Debug, Clone)]
struct Group {
    kind: Kind,
    lo: Point,
    hi: Point,
    /// The input events in it (indices), in input order; empty for the implicit founding and
    /// for questions.
    members: Vec<usize>,
    count: u32,
}

/// The driving events of one partnership, prepared for questions.
#[derive(Debug, Clone)]
pub struct Engine {
    /// Founding, suspensions, reinstatements, terminations and reaffirmations, grouped, in
    /// preferred order (earliest point, latest point, kind).
    groups: Vec<Group>,
    /// Attestations (input indices), slotted in after the founding.
    attestations: Vec<usize>,
    /// Whether the founding is implicit (attested, never recorded as founded).
    implicit_founding: bool,
    /// Some element's bounds are empty (a founding after the latest day of an attestation):
    /// nothing is legal.
    empty: bool,
    /// Every group holds one event and each lies wholly before the next: one order only, and
    /// every question is read along it.
    chain: bool,
    /// The input, for witnesses.
    input: Vec<Dated>,
    /// This engine's own state budget, if set (else the process-wide one).
    state_limit: Option<usize>,
}

impl Engine {
    /// Prepare the driving events (any order; their index is how witnesses name them).
    pub fn new(events: &[Dated]) -> Engine {
        let attestations: Vec<usize> = (0..events.len())
            .filter(|&i| events[i].event_type == EventType::PartnershipAttested)
            .collect();
        // The founding must precede every attestation: at the latest on the earliest of their
        // latest days.
        let cap = attestations
            .iter()
            .map(|&i| day_point(events[i].latest))
            .min()
            .unwrap_or(FUTURE);
        let mut by_key: FxHashMap<(Kind, Point, Point), usize> = FxHashMap::default();
        let mut groups: Vec<Group> = Vec::new();
        let mut empty = false;
        let mut founded = false;
        for (index, event) in events.iter().enumerate() {
            let Some(kind) = Kind::of(event.event_type) else {
                continue;
            };
            let lo = day_point(event.earliest);
            let mut hi = day_point(event.latest);
            if kind == Kind::Found {
                founded = true;
                hi = hi.min(cap);
            }
            empty |= lo > hi;
            let slot = *by_key.entry((kind, lo, hi)).or_insert_with(|| {
                groups.push(Group {
                    kind,
                    lo,
                    hi,
                    members: Vec::new(),
                    count: 0,
                });
                groups.len() - 1
            });
            groups[slot].members.push(index);
            groups[slot].count += 1;
        }
        let implicit_founding = !founded && !attestations.is_empty();
        if implicit_founding {
            groups.push(Group {
                kind: Kind::Found,
                lo: PAST,
                hi: cap,
                members: Vec::new(),
                count: 1,
            });
        }
        sort_groups(&mut groups);
        let chain = groups.iter().all(|group| group.count == 1)
            && groups.windows(2).all(|pair| pair[0].hi < pair[1].lo);
        Engine {
            groups,
            attestations,
            implicit_founding,
            empty,
            chain,
            input: events.to_vec(),
            state_limit: None,
        }
    }

    /// The same engine with a state budget of its own.
    pub fn with_state_limit(mut self, limit: usize) -> Engine {
        self.state_limit = Some(limit);
        self
    }

    fn limit(&self) -> usize {
        self.state_limit.unwrap_or_else(state_limit)
    }

    /// Whether the founding is implicit: attested, with no founding among the events.
    pub fn implicit_founding(&self) -> bool {
        self.implicit_founding
    }

    /// A legal order of the events (input indices, attestations included), or `None` when no
    /// legal order and dating exists. Among legal orders it prefers events by earliest day,
    /// then latest day.
    pub fn witness(&self) -> Result<Option<Vec<usize>>, Unfinished> {
        if self.empty {
            return Ok(None);
        }
        if self.chain {
            return Ok(self
                .chain_states()
                .map(|_| self.with_attestations(&(0..self.groups.len()).collect::<Vec<_>>())));
        }
        let Some(path) = Search::new(&self.groups, self.input.len(), self.limit()).run()? else {
            return Ok(None);
        };
        Ok(Some(self.with_attestations(&path)))
    }

    /// Whether a legal order and dating exists.
    pub fn is_legal(&self) -> Result<bool, Unfinished> {
        Ok(self.witness()?.is_some())
    }

    /// The statuses possible at some point of `lo..=hi` (see [`day_point`], [`end_of_day`]).
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

    /// Along a chain: the state before every event and after the last, or `None` when a step
    /// breaks the rules.
    fn chain_states(&self) -> Option<Vec<u8>> {
        let mut states = Vec::with_capacity(self.groups.len() + 1);
        let mut state = 0u8;
        states.push(state);
        for group in &self.groups {
            state = group.kind.step(state, NO_DECISION)?.0;
            states.push(state);
        }
        Some(states)
    }

    fn exists_with(&self, extra: Vec<Group>) -> Result<bool, Unfinished> {
        let mut groups = self.groups.clone();
        groups.extend(extra);
        sort_groups(&mut groups);
        Ok(Search::new(&groups, self.input.len(), self.limit())
            .run()?
            .is_some())
    }

    /// Input indices in witness order: group members in input order, attestations slotted in
    /// at their earliest day after the founding.
    fn with_attestations(&self, path: &[usize]) -> Vec<usize> {
        let mut taken = vec![0usize; self.groups.len()];
        let mut order: Vec<(Point, usize)> = Vec::with_capacity(self.input.len());
        let mut day = PAST;
        let mut founded_at = None;
        for &group in path {
            let g = &self.groups[group];
            day = day.max(g.lo);
            if g.kind == Kind::Found {
                founded_at = Some(day);
            }
            if let Some(&member) = g.members.get(taken[group]) {
                order.push((day, member));
            }
            taken[group] += 1;
        }
        let founded_at = founded_at.unwrap_or(PAST);
        let mut attestations: Vec<(Point, usize)> = self
            .attestations
            .iter()
            .map(|&i| (day_point(self.input[i].earliest).max(founded_at), i))
            .collect();
        attestations.sort();
        // Merge: an attestation goes after every event dated no later than it.
        let mut merged = Vec::with_capacity(self.input.len());
        let mut pending = attestations.into_iter().peekable();
        for (day, member) in order {
            while let Some(&(at, attestation)) = pending.peek() {
                if at < day {
                    merged.push(attestation);
                    pending.next();
                } else {
                    break;
                }
            }
            merged.push(member);
        }
        merged.extend(pending.map(|(_, attestation)| attestation));
        merged
    }
}

fn sort_groups(groups: &mut [Group]) {
    groups.sort_by_key(|group| (group.lo, group.hi, group.kind));
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

/// Counts of what remains, by kind, for the count argument.
#[derive(Debug, Clone, Copy, Default)]
struct Remaining {
    found: u32,
    suspend: u32,
    reinstate: u32,
    terminate: u32,
    reaffirm: u32,
}

impl Remaining {
    fn of(groups: &[Group], remaining: &[u32]) -> Remaining {
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
    fn can_complete(self, state: u8) -> bool {
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
    fn of(counts: Remaining, state: u8) -> Option<(u8, Tally)> {
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

/// A depth-first search for a complete legal sequence, remembering dead states.
struct Search<'a> {
    groups: &'a [Group],
    remaining: Vec<u32>,
    /// States (remaining counts, then state and register) that cannot be completed.
    dead: FxHashSet<Box<[u32]>>,
    events: usize,
    limit: usize,
}

impl<'a> Search<'a> {
    fn new(groups: &'a [Group], events: usize, limit: usize) -> Search<'a> {
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
    fn run(mut self) -> Result<Option<Vec<usize>>, Unfinished> {
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
fn lowest_two(groups: &[Group], remaining: &[u32]) -> (Point, Option<usize>, Point) {
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

/// Whether, by counts, exactly these events can take `state` to `wanted` (a necessary
/// condition, see [`Remaining::can_complete`]).
fn ends_in(counts: Remaining, state: u8, wanted: u8) -> bool {
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

#[cfg(test)]
#[path = "temporal_tests.rs"]
mod tests;
