//! The engine: one partnership's driving events prepared for questions (grouped, the
//! attestations set apart, an implicit founding added), and the one search every question runs.

use rustc_hash::FxHashMap;

use super::bounds::{day_point, Dated, Point, FUTURE, PAST};
use super::elements::{sort_groups, Group, Kind, NO_DECISION};
use super::search::{state_limit, Search, Unfinished};
use crate::event::EventType;

/// The driving events of one partnership, prepared for questions.
#[derive(Debug, Clone)]
pub struct Engine {
    /// Founding, suspensions, reinstatements, terminations and reaffirmations, grouped, in
    /// preferred order (earliest point, latest point, kind).
    pub(super) groups: Vec<Group>,
    /// Attestations (input indices), slotted in after the founding.
    pub(super) attestations: Vec<usize>,
    /// Whether the founding is implicit (attested, never recorded as founded).
    pub(super) implicit_founding: bool,
    /// Some element's bounds are empty (a founding after the latest day of an attestation):
    /// nothing is legal.
    pub(super) empty: bool,
    /// Every group holds one event and each lies wholly before the next: one order only, and
    /// every question is read along it.
    pub(super) chain: bool,
    /// The input, for witnesses.
    pub(super) input: Vec<Dated>,
    /// This engine's own state budget, if set (else the process-wide one).
    pub(super) state_limit: Option<usize>,
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

    pub(super) fn limit(&self) -> usize {
        self.state_limit.unwrap_or_else(state_limit)
    }

    /// Whether the founding is implicit: attested, with no founding among the events.
    pub fn implicit_founding(&self) -> bool {
        self.implicit_founding
    }

    /// Along a chain: the state before every event and after the last, or `None` when a step
    /// breaks the rules.
    pub(super) fn chain_states(&self) -> Option<Vec<u8>> {
        let mut states = Vec::with_capacity(self.groups.len() + 1);
        let mut state = 0u8;
        states.push(state);
        for group in &self.groups {
            state = group.kind.step(state, NO_DECISION)?.0;
            states.push(state);
        }
        Some(states)
    }

    /// Whether a legal sequence exists with these question markers among the events.
    pub(super) fn exists_with(&self, extra: Vec<Group>) -> Result<bool, Unfinished> {
        let mut groups = self.groups.clone();
        groups.extend(extra);
        sort_groups(&mut groups);
        Ok(Search::new(&groups, self.input.len(), self.limit())
            .run()?
            .is_some())
    }
}
