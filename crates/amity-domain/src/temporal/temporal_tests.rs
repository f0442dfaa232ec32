//! The engine against a brute-force reference that follows DESIGN.md's definition literally:
//! every order of the events (attestations and the implicit founding included), every dating
//! checked by the greedy earliest dating, every cut of the order.

use proptest::prelude::*;

use super::*;
use crate::date::{Day, EdtfDate, Occurred};
use crate::event::EventType;

use EventType as T;

/// Days as plain numbers for the reference: unbounded ends far away.
fn number(day: Day) -> i64 {
    match day {
        Day::Past => -1_000_000_000,
        Day::On(n) => i64::from(n),
        Day::Future => 1_000_000_000,
    }
}

/// The status after `event_type` from `state`, attestations included, literally as the rules
/// say (an attestation needs a founding before it and changes nothing).
fn rule(state: Status, event_type: EventType) -> Option<Status> {
    use Status as S;
    match (event_type, state) {
        (T::PartnershipFounded, S::NotYet) => Some(S::Active),
        (T::PartnershipAttested, S::NotYet) => None,
        (T::PartnershipAttested, other) => Some(other),
        (T::PartnershipSuspended, S::Active) => Some(S::Suspended),
        (T::PartnershipReinstated, S::Suspended | S::Terminated) => Some(S::Active),
        (T::PartnershipTerminated, S::Active | S::Suspended) => Some(S::Terminated),
        (T::PartnershipReaffirmed, S::Active) => Some(S::Active),
        _ => None,
    }
}

/// Can the events, in this order, be dated within `bounds` (per event, inclusive days) with
/// days non-decreasing? The greedy earliest dating decides it.
fn datable(order: &[usize], bounds: &[(i64, i64)]) -> bool {
    let mut day = i64::MIN;
    for &event in order {
        let (lo, hi) = bounds[event];
        day = day.max(lo);
        if day > hi {
            return false;
        }
    }
    true
}

/// Every automaton-legal order of the events (indices), the implicit founding included.
fn legal_orders(events: &[Dated]) -> (Vec<Dated>, Vec<Vec<usize>>) {
    let mut all = events.to_vec();
    let founded = all.iter().any(|e| e.event_type == T::PartnershipFounded);
    let attested = all.iter().any(|e| e.event_type == T::PartnershipAttested);
    if attested && !founded {
        all.push(Dated {
            event_type: T::PartnershipFounded,
            earliest: Day::Past,
            latest: Day::Future,
        });
    }
    let bounds: Vec<(i64, i64)> = all
        .iter()
        .map(|e| (number(e.earliest), number(e.latest)))
        .collect();
    let mut orders = Vec::new();
    let mut order = Vec::new();
    let mut used = vec![false; all.len()];
    fn walk(
        all: &[Dated],
        bounds: &[(i64, i64)],
        state: Status,
        order: &mut Vec<usize>,
        used: &mut [bool],
        orders: &mut Vec<Vec<usize>>,
    ) {
        if order.len() == all.len() {
            if datable(order, bounds) {
                orders.push(order.clone());
            }
            return;
        }
        for next in 0..all.len() {
            if used[next] {
                continue;
            }
            let Some(after) = rule(state, all[next].event_type) else {
                continue;
            };
            used[next] = true;
            order.push(next);
            walk(all, bounds, after, order, used, orders);
            order.pop();
            used[next] = false;
        }
    }
    walk(
        &all,
        &bounds,
        Status::NotYet,
        &mut order,
        &mut used,
        &mut orders,
    );
    (all, orders)
}

fn bounds_of(all: &[Dated]) -> Vec<(i64, i64)> {
    all.iter()
        .map(|e| (number(e.earliest), number(e.latest)))
        .collect()
}

/// The statuses possible at a point (half-days: `2d` is day d, `2d + 1` the end of day d):
/// a cut of a legal order after k events, with the first k dated at or before the point and
/// the rest at or after it.
fn reference_statuses(all: &[Dated], orders: &[Vec<usize>], point: i64) -> StatusSet {
    let bounds = bounds_of(all);
    let mut set = StatusSet::EMPTY;
    for order in orders {
        let mut state = Status::NotYet;
        for cut in 0..=order.len() {
            if cut > 0 {
                state = rule(state, all[order[cut - 1]].event_type).expect("a legal order");
            }
            // Before the cut: days with 2d <= point; after: 2d >= point.
            let mut cut_bounds = bounds.clone();
            for (position, &event) in order.iter().enumerate() {
                let (lo, hi) = cut_bounds[event];
                cut_bounds[event] = if position < cut {
                    (lo, hi.min(point.div_euclid(2)))
                } else {
                    (lo.max((point + 1).div_euclid(2)), hi)
                };
            }
            if datable(order, &cut_bounds) {
                set.insert(state);
            }
        }
    }
    set
}

fn decision_of(event_type: EventType) -> bool {
    matches!(
        event_type,
        T::PartnershipSuspended
            | T::PartnershipReinstated
            | T::PartnershipTerminated
            | T::PartnershipReaffirmed
    )
}

/// The possible last decisions dated in the days `first..=last`, `None` for "none".
fn reference_decisions(
    all: &[Dated],
    orders: &[Vec<usize>],
    first: i64,
    last: i64,
) -> Vec<Option<EventType>> {
    let bounds = bounds_of(all);
    let mut found: Vec<Option<EventType>> = Vec::new();
    for order in orders {
        // None: the decisions before a split are dated before the window, the rest after it.
        for split in 0..=order.len() {
            let mut cut = bounds.clone();
            for (position, &event) in order.iter().enumerate() {
                if !decision_of(all[event].event_type) {
                    continue;
                }
                let (lo, hi) = cut[event];
                cut[event] = if position < split {
                    (lo, hi.min(first - 1))
                } else {
                    (lo.max(last + 1), hi)
                };
            }
            if datable(order, &cut) && !found.contains(&None) {
                found.push(None);
            }
        }
        // Event j is the last decision in the window: dated in it, later decisions after it.
        for (position, &event) in order.iter().enumerate() {
            let event_type = all[event].event_type;
            if !decision_of(event_type) {
                continue;
            }
            let mut cut = bounds.clone();
            let (lo, hi) = cut[event];
            cut[event] = (lo.max(first), hi.min(last));
            for &later in &order[position + 1..] {
                if decision_of(all[later].event_type) {
                    let (lo, hi) = cut[later];
                    cut[later] = (lo.max(last + 1), hi);
                }
            }
            if datable(order, &cut) && !found.contains(&Some(event_type)) {
                found.push(Some(event_type));
            }
        }
    }
    found
}

/// The dates the property test draws from: overlapping years, months, days, qualifiers,
/// one-of sets, intervals, open and unknown ends.
const DATES: &[&str] = &[
    "1990",
    "1990-06",
    "1990-06-15",
    "1990-06-15~",
    "1991?",
    "1991",
    "1991-01",
    "[1990-03-01,1991-02]",
    "1990/1992",
    "1991/..",
    "../1990",
    "unknown",
    "1992-03",
    "{1990,1992}",
    "1990-12-31",
];

/// The days events were recorded on (the cap on their latest day).
const RECORDED: &[&str] = &["1992-12-31", "1991-07-01", "2026-01-01", "1990-09-01"];

const TYPES: &[EventType] = &[
    T::PartnershipFounded,
    T::PartnershipAttested,
    T::PartnershipSuspended,
    T::PartnershipReinstated,
    T::PartnershipTerminated,
    T::PartnershipReaffirmed,
];

fn dated(event_type: EventType, occurred: &str, recorded: &str) -> Dated {
    let occurred: Occurred = occurred.parse().expect("a pool date");
    let day = EdtfDate::parse(recorded).expect("a day").earliest();
    let recorded_at: jiff::Timestamp = format!("{recorded}T12:00:00Z").parse().expect("a moment");
    assert_eq!(recorded_day(recorded_at), day);
    let (earliest, latest) = cap_at_recording(occurred.earliest(), occurred.latest(), recorded_at);
    Dated {
        event_type,
        earliest,
        latest,
    }
}

/// Every day worth asking about: each bound, the days around it, and two far away.
fn interesting_points(events: &[Dated]) -> Vec<i64> {
    let mut days: Vec<i64> = vec![7_000, 9_000, 20_000];
    for event in events {
        for day in [event.earliest, event.latest] {
            if let Day::On(n) = day {
                let n = i64::from(n);
                days.extend([n - 1, n, n + 1]);
            }
        }
    }
    days.sort();
    days.dedup();
    days.into_iter().flat_map(|d| [2 * d, 2 * d + 1]).collect()
}

fn compare(events: &[Dated]) -> Result<(), TestCaseError> {
    let (all, orders) = legal_orders(events);
    let engine = Engine::new(events);
    let legal = engine.is_legal().expect("small histories finish");
    prop_assert_eq!(legal, !orders.is_empty(), "legality of {:?}", events);
    let profile = engine.profile().expect("small histories finish");
    let points = interesting_points(events);
    let mut answers = Vec::new();
    for &point in &points {
        let expected = reference_statuses(&all, &orders, point);
        let searched = engine.statuses(point, point).expect("finishes");
        let profiled = profile.statuses(point, point).expect("finishes");
        prop_assert_eq!(searched, expected, "search at {} for {:?}", point, events);
        prop_assert_eq!(profiled, expected, "profile at {} for {:?}", point, events);
        answers.push(expected);
    }
    // After everything.
    let end = end_of_day(Day::Future);
    prop_assert_eq!(
        profile.statuses(end, end).expect("finishes"),
        reference_statuses(&all, &orders, 2_000_000_001),
        "after everything for {:?}",
        events
    );
    prop_assert_eq!(
        engine.statuses(end, end).expect("finishes"),
        reference_statuses(&all, &orders, 2_000_000_001)
    );
    // Ranges: the union over the points inside them.
    for (i, &lo) in points.iter().enumerate().step_by(3) {
        for (j, &hi) in points.iter().enumerate().skip(i).step_by(4) {
            let expected = answers[i..=j]
                .iter()
                .fold(StatusSet::EMPTY, |set, &s| set.union(s));
            prop_assert_eq!(
                profile.statuses(lo, hi).expect("finishes"),
                expected,
                "range {}..={} for {:?}",
                lo,
                hi,
                events
            );
        }
    }
    // Windows for the last decision: a few pairs of interesting days.
    let days: Vec<i64> = points
        .iter()
        .filter(|p| *p % 2 == 0)
        .map(|p| p / 2)
        .collect();
    for (i, &first) in days.iter().enumerate().step_by(2) {
        for &last in days.iter().skip(i).step_by(3) {
            let mut expected = reference_decisions(&all, &orders, first, last);
            let mut got = engine
                .last_decisions(Day::On(first as i32), Day::On(last as i32))
                .expect("finishes");
            expected.sort_by_key(|d| d.map(|t| t.name()));
            got.sort_by_key(|d| d.map(|t| t.name()));
            prop_assert_eq!(
                got,
                expected,
                "window {}..={} for {:?}",
                first,
                last,
                events
            );
        }
    }
    // A witness is a legal order that the reference accepts.
    if let Some(witness) = engine.witness().expect("finishes") {
        let mut state = Status::NotYet;
        if engine.implicit_founding() {
            state = Status::Active;
        }
        for &event in &witness {
            state = match rule(state, events[event].event_type) {
                Some(after) => after,
                None => {
                    return Err(TestCaseError::fail(format!(
                        "witness {witness:?} breaks the rules for {events:?}"
                    )))
                }
            };
        }
        let mut sorted = witness.clone();
        sorted.sort();
        prop_assert_eq!(sorted, (0..events.len()).collect::<Vec<_>>());
        prop_assert!(
            datable(&witness, &bounds_of(events)),
            "witness {:?} undatable",
            witness
        );
    }
    Ok(())
}

fn history() -> impl Strategy<Value = Vec<Dated>> {
    let event = (0..TYPES.len(), 0..DATES.len(), 0..RECORDED.len())
        .prop_map(|(t, d, r)| dated(TYPES[t], DATES[d], RECORDED[r]));
    prop::collection::vec(event, 0..=7)
}

/// Histories that start with a founding or an attestation, so that most are legal and their
/// answers are worth comparing.
fn founded_history() -> impl Strategy<Value = Vec<Dated>> {
    let start =
        (0..2usize, 0..DATES.len()).prop_map(|(t, d)| dated(TYPES[t], DATES[d], "2026-01-01"));
    let event = (2..TYPES.len(), 0..DATES.len(), 0..RECORDED.len())
        .prop_map(|(t, d, r)| dated(TYPES[t], DATES[d], RECORDED[r]));
    (start, prop::collection::vec(event, 0..=6)).prop_map(|(start, mut rest)| {
        rest.insert(0, start);
        rest
    })
}

/// Cases per property test: 5,000 each (15,000 in all) unless `AMITY_PROPTEST_CASES` says
/// more, for a longer run by hand.
fn cases() -> u32 {
    std::env::var("AMITY_PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(5_000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn the_engine_agrees_with_brute_force_on_any_history(events in history()) {
        compare(&events)?;
    }

    #[test]
    fn the_engine_agrees_with_brute_force_on_founded_histories(events in founded_history()) {
        compare(&events)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Alternative claims, through the Timeline (which builds the claim groups): the reference sees a
// group as one event dated anywhere within the span of its standing claims' bounds.

/// One claim of a random history: its type (a group's claims share it), its date, its
/// recording day, and how it stands.
#[derive(Debug, Clone)]
struct Claim {
    event_type: EventType,
    occurred: &'static str,
    recorded: &'static str,
    disputed: bool,
    retracted: bool,
}

/// A random history of claim groups: each group is one event as one to three sources report
/// it, with different dates; a claim names the one before it (an alternative to an
/// alternative resolves to the root).
fn claim_history() -> impl Strategy<Value = Vec<Vec<Claim>>> {
    let claim = (
        0..DATES.len(),
        0..RECORDED.len(),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.15),
    );
    let group = (0..TYPES.len(), prop::collection::vec(claim, 1..=3)).prop_map(|(t, claims)| {
        claims
            .into_iter()
            .map(|(d, r, disputed, retracted)| Claim {
                event_type: TYPES[t],
                occurred: DATES[d],
                recorded: RECORDED[r],
                disputed,
                retracted,
            })
            .collect::<Vec<_>>()
    });
    let founding =
        (0..2usize, prop::collection::vec(0..DATES.len(), 1..=3)).prop_map(|(t, dates)| {
            dates
                .into_iter()
                .map(|d| Claim {
                    event_type: TYPES[t],
                    occurred: DATES[d],
                    recorded: "2026-01-01",
                    disputed: false,
                    retracted: false,
                })
                .collect::<Vec<_>>()
        });
    (founding, prop::collection::vec(group, 0..=4)).prop_map(|(founding, mut rest)| {
        rest.insert(0, founding);
        rest
    })
}

/// The reference's view of the history: one event per group that has a standing claim, dated
/// over the span of the standing claims' bounds (each capped at its recording day).
fn reference_events(groups: &[Vec<Claim>]) -> Vec<Dated> {
    groups
        .iter()
        .filter_map(|claims| {
            let standing: Vec<Dated> = claims
                .iter()
                .filter(|claim| !claim.disputed && !claim.retracted)
                .map(|claim| dated(claim.event_type, claim.occurred, claim.recorded))
                .collect();
            let first = *standing.first()?;
            Some(Dated {
                event_type: first.event_type,
                earliest: standing.iter().map(|d| d.earliest).min()?,
                latest: standing.iter().map(|d| d.latest).max()?,
            })
        })
        .collect()
}

/// The history as stored events: the groups' claims in turn (each alternative naming the claim
/// before it), then the retractions.
fn timeline_of(groups: &[Vec<Claim>]) -> crate::timeline::Timeline {
    use crate::event::{Certainty, Event, EventId, Facts, Recorded, Retraction};
    use crate::party::{Partnership, PartnershipKind};
    let partnership = Partnership::new(
        "Tallahassee, US-FL".parse().unwrap(),
        "Krasnodar, RU".parse().unwrap(),
        PartnershipKind::sister_city(),
    )
    .unwrap();
    let id = partnership.id();
    let mut entries: Vec<Recorded> = Vec::new();
    let mut retractions = Vec::new();
    let envelope = |entries: &Vec<Recorded>, event: Event, recorded: &str| Recorded {
        id: EventId::from_u128(entries.len() as u128 + 1),
        partnership: id.clone(),
        stream_version: entries.len() as u64,
        recorded_by: "proptest".into(),
        recorded_at: format!("{recorded}T12:00:00Z").parse().expect("a moment"),
        event,
    };
    for claims in groups {
        let mut previous = None;
        for claim in claims {
            let facts = Facts {
                occurred: claim.occurred.parse().expect("a pool date"),
                certainty: if claim.disputed {
                    Certainty::Disputed
                } else {
                    Certainty::Confirmed
                },
                ..Facts::default()
            };
            let event = Event::claim(claim.event_type, partnership.clone(), facts, previous);
            let recorded = envelope(&entries, event, claim.recorded);
            previous = Some(recorded.id);
            if claim.retracted {
                retractions.push(recorded.id);
            }
            entries.push(recorded);
        }
    }
    for target in retractions {
        let event = Event::Retracted(Retraction {
            target,
            reason: "wrong".to_owned(),
            facts: Facts::default(),
        });
        let recorded = envelope(&entries, event, "2026-01-01");
        entries.push(recorded);
    }
    crate::timeline::Timeline::from_history(id, entries)
}

fn compare_claims(groups: &[Vec<Claim>]) -> Result<(), TestCaseError> {
    let events = reference_events(groups);
    let (all, orders) = legal_orders(&events);
    let timeline = timeline_of(groups);
    prop_assert_eq!(
        timeline.conflict().is_none(),
        !orders.is_empty(),
        "legality of {:?} (reference events {:?}): {:?}",
        groups,
        events,
        timeline.conflict()
    );
    let driving: Vec<Dated> = timeline.driving().iter().map(|(_, d)| *d).collect();
    if orders.is_empty() {
        return Ok(());
    }
    let engine = Engine::new(&driving);
    let profile = engine.profile().expect("small histories finish");
    for point in interesting_points(&events) {
        let expected = reference_statuses(&all, &orders, point);
        prop_assert_eq!(
            profile.statuses(point, point).expect("finishes"),
            expected,
            "at {} for {:?} (reference events {:?})",
            point,
            groups,
            events
        );
    }
    prop_assert_eq!(
        timeline.last_statuses(),
        reference_statuses(&all, &orders, 2_000_000_001),
        "after everything for {:?}",
        groups
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn the_timeline_with_alternative_claims_agrees_with_brute_force(groups in claim_history()) {
        compare_claims(&groups)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Named cases from the issue (given events, when asked, then this set).

fn on(events: &[Dated], day: &str) -> StatusSet {
    let date = EdtfDate::parse(day).unwrap();
    Engine::new(events)
        .statuses(day_point(date.earliest()), day_point(date.latest()))
        .unwrap()
}

fn set(statuses: &[Status]) -> StatusSet {
    statuses.iter().fold(StatusSet::EMPTY, |mut set, &s| {
        set.insert(s);
        set
    })
}

fn today(event_type: EventType, occurred: &str) -> Dated {
    dated(event_type, occurred, "2026-01-01")
}

#[test]
fn given_attestations_and_an_unknown_termination_when_asked_in_1996_then_active_or_terminated() {
    let events = [
        today(T::PartnershipFounded, "1990"),
        today(T::PartnershipAttested, "1995"),
        today(T::PartnershipAttested, "2005"),
        today(T::PartnershipTerminated, "unknown"),
    ];
    assert_eq!(
        on(&events, "1996-06-01"),
        set(&[Status::Active, Status::Terminated])
    );
}

#[test]
fn given_a_vague_termination_when_an_attestation_is_added_then_it_stays_possible() {
    let without = [
        today(T::PartnershipFounded, "1990"),
        today(T::PartnershipTerminated, "2003/2014"),
    ];
    let with = [
        today(T::PartnershipFounded, "1990"),
        today(T::PartnershipTerminated, "2003/2014"),
        today(T::PartnershipAttested, "2005"),
    ];
    let expected = set(&[Status::Active, Status::Terminated]);
    assert_eq!(on(&without, "2006-06-01"), expected);
    assert_eq!(on(&with, "2006-06-01"), expected);
}

#[test]
fn given_a_reinstatement_in_a_year_of_termination_when_the_window_ends_then_both_are_possible() {
    let events = [
        today(T::PartnershipFounded, "1993"),
        today(T::PartnershipSuspended, "2022-03-03"),
        today(T::PartnershipTerminated, "2022"),
        today(T::PartnershipReinstated, "2022-03-15"),
    ];
    let engine = Engine::new(&events);
    let first = EdtfDate::parse("2022-02-24").unwrap().earliest();
    let last = EdtfDate::parse("2022-03-22").unwrap().latest();
    let mut decisions = engine.last_decisions(first, last).unwrap();
    decisions.sort_by_key(|d| d.map(|t| t.name()));
    // The suspension is never last: the reinstatement on 03-15 follows it in the window.
    assert_eq!(
        decisions,
        [
            Some(T::PartnershipReinstated),
            Some(T::PartnershipTerminated)
        ]
    );
    let end = engine.statuses(end_of_day(last), end_of_day(last)).unwrap();
    assert_eq!(end, set(&[Status::Active, Status::Terminated]));
}

#[test]
fn given_a_list_entry_only_when_asked_before_the_list_then_not_yet_or_active() {
    let events = [today(T::PartnershipAttested, "2026-02")];
    assert_eq!(on(&events, "2000"), set(&[Status::NotYet, Status::Active]));
    assert_eq!(on(&events, "2026-03-01"), set(&[Status::Active]));
    assert!(Engine::new(&events).implicit_founding());
}

#[test]
fn given_seven_attestations_and_a_reaffirmation_when_a_vague_termination_comes_then_it_is_legal() {
    let mut events = vec![today(T::PartnershipFounded, "1990")];
    events.extend((0..7).map(|_| today(T::PartnershipAttested, "2005")));
    events.push(today(T::PartnershipReaffirmed, "2008"));
    events.push(today(T::PartnershipTerminated, "2000/2010"));
    assert!(Engine::new(&events).is_legal().unwrap());
}

#[test]
fn given_198_suspension_pairs_when_the_last_reinstatement_comes_then_it_is_legal() {
    let mut events = vec![today(T::PartnershipFounded, "1990")];
    for _ in 0..198 {
        events.push(today(T::PartnershipSuspended, "2022-06"));
        events.push(today(T::PartnershipReinstated, "2022"));
    }
    assert!(Engine::new(&events).is_legal().unwrap());
    // One reinstatement too many is refused, at once, by counts.
    events.push(today(T::PartnershipReinstated, "2022"));
    assert!(!Engine::new(&events).is_legal().unwrap());
}

#[test]
fn given_a_founding_after_the_list_date_then_nothing_is_legal() {
    let events = [
        today(T::PartnershipAttested, "1985"),
        today(T::PartnershipFounded, "1990"),
    ];
    assert!(!Engine::new(&events).is_legal().unwrap());
}

#[test]
fn the_latest_day_is_capped_at_the_recording_day() {
    let event = dated(T::PartnershipTerminated, "unknown", "2022-04-01");
    assert_eq!(
        event.latest,
        EdtfDate::parse("2022-04-01").unwrap().earliest()
    );
    assert_eq!(event.earliest, Day::Past);
    // A date after its recording keeps its earliest day.
    let event = dated(T::PartnershipTerminated, "2030", "2022-04-01");
    assert_eq!(event.latest, event.earliest);
}

#[test]
fn given_a_budget_too_small_for_the_search_then_the_answer_is_unfinished_not_impossible() {
    // The suspension is tried first (earliest), and only then the reaffirmation: a dead end.
    let events = [
        today(T::PartnershipAttested, "1991-01"),
        today(T::PartnershipSuspended, "[1990-03-01,1991-02]"),
        today(T::PartnershipReaffirmed, "1990-12-31"),
        today(T::PartnershipReinstated, "1991-01-01"),
    ];
    let engine = Engine::new(&events);
    assert!(engine.is_legal().unwrap());
    let unfinished = engine
        .with_state_limit(0)
        .witness()
        .expect_err("no budget for the dead end");
    assert_eq!((unfinished.limit, unfinished.events), (0, 4));
}
