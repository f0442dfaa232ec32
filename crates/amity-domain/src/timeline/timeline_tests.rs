//! Given/when/then tests of the lifecycle rules: no IO, recorded events in, status or error out.

use super::*;
use crate::date::Occurred;
use crate::event::{Certainty, Event, EventId, EventType, Facts, Recorded, Retraction};
use crate::party::{Partnership, PartnershipKind, Party};

use EventType as T;

fn tallahassee_krasnodar() -> Partnership {
    let a: Party = "Tallahassee, US-FL".parse().unwrap();
    let b: Party = "Krasnodar, RU".parse().unwrap();
    Partnership::new(a, b, PartnershipKind::sister_city()).unwrap()
}

/// A scenario: the events recorded so far, in recording order.
struct Given {
    timeline: Timeline,
    next: u128,
}

fn given() -> Given {
    Given {
        timeline: Timeline::new(tallahassee_krasnodar().id()),
        next: 1,
    }
}

impl Given {
    fn envelope(&mut self, event: Event) -> Recorded {
        let id = EventId::from_u128(self.next);
        self.next += 1;
        Recorded {
            id,
            partnership: self.timeline.id().clone(),
            stream_version: self.timeline.recorded().len() as u64,
            recorded_by: "test".into(),
            recorded_at: "2026-12-01T00:00:00Z".parse().expect("a moment"),
            event,
        }
    }

    fn lifecycle(
        &mut self,
        event_type: EventType,
        occurred: &str,
        certainty: Certainty,
    ) -> Recorded {
        let facts = Facts {
            occurred: occurred.parse::<Occurred>().unwrap(),
            certainty,
            ..Facts::default()
        };
        self.envelope(Event::lifecycle(event_type, tallahassee_krasnodar(), facts))
    }

    /// Record an event that must be accepted; returns its id.
    fn event(mut self, event_type: EventType, occurred: &str) -> Self {
        let recorded = self.lifecycle(event_type, occurred, Certainty::Confirmed);
        self.timeline
            .record(recorded)
            .expect("given events are valid");
        self
    }

    fn disputed(mut self, event_type: EventType, occurred: &str) -> Self {
        let recorded = self.lifecycle(event_type, occurred, Certainty::Disputed);
        self.timeline
            .record(recorded)
            .expect("disputed events are always kept");
        self
    }

    fn when(mut self, event_type: EventType, occurred: &str) -> Then {
        let recorded = self.lifecycle(event_type, occurred, Certainty::Confirmed);
        let result = self.timeline.record(recorded);
        Then {
            timeline: self.timeline,
            result,
        }
    }

    fn when_retracted(mut self, target: u128) -> Then {
        let retraction = Event::Retracted(Retraction {
            target: EventId::from_u128(target),
            reason: "wrong".to_owned(),
            facts: Facts::default(),
        });
        let recorded = self.envelope(retraction);
        let result = self.timeline.record(recorded);
        Then {
            timeline: self.timeline,
            result,
        }
    }
}

struct Then {
    timeline: Timeline,
    result: Result<(), Violation>,
}

impl Then {
    fn then_status(self, status: Status, since: &str) -> Given {
        if let Err(error) = &self.result {
            panic!("expected acceptance, got: {error}");
        }
        assert_eq!(self.timeline.status(), status);
        let since_date = self
            .timeline
            .since()
            .map(|recorded| recorded.event.facts().occurred.to_string());
        assert_eq!(since_date.as_deref(), Some(since));
        let next = self.timeline.recorded().len() as u128 + 1;
        Given {
            timeline: self.timeline,
            next,
        }
    }

    fn then_refused(self, fragments: &[&str]) -> Given {
        let error = self.result.expect_err("expected a refusal").to_string();
        for fragment in fragments {
            assert!(error.contains(fragment), "{error:?} lacks {fragment:?}");
        }
        let next = self.timeline.recorded().len() as u128 + 2;
        Given {
            timeline: self.timeline,
            next,
        }
    }
}

#[test]
fn out_of_order_recording_is_placed_by_valid_time() {
    given()
        .event(T::PartnershipFounded, "1993")
        .event(T::PartnershipTerminated, "2005")
        .when(T::PartnershipSuspended, "1999")
        .then_status(Status::Terminated, "2005")
        .when(T::PartnershipReinstated, "2001")
        .then_status(Status::Terminated, "2005");
}

#[test]
fn a_suspension_before_any_founding_or_attestation_is_refused() {
    given()
        .when(T::PartnershipSuspended, "2022-03")
        .then_refused(&[
            "PartnershipSuspended (2022-03",
            "no founding or attestation",
        ]);
    given()
        .event(T::PartnershipFounded, "2000")
        .when(T::PartnershipSuspended, "1999")
        .then_refused(&["PartnershipSuspended (1999", "not yet"]);
}

#[test]
fn a_suspension_after_an_attestation_is_accepted() {
    given()
        .event(T::PartnershipAttested, "2016")
        .when(T::PartnershipSuspended, "2022-03-03~")
        .then_status(Status::Suspended, "2022-03-03~");
}

#[test]
fn conflicting_founding_claims_are_refused_unless_disputed() {
    let then = given()
        .event(T::PartnershipFounded, "1983")
        .when(T::PartnershipFounded, "1984")
        .then_refused(&[
            "PartnershipFounded (1984",
            "while the partnership is active",
            "set by PartnershipFounded (1983",
            "disputed",
        ]);
    let given = then.disputed(T::PartnershipFounded, "1984");
    assert_eq!(given.timeline.status(), Status::Active);
    let history = given.timeline.history();
    assert_eq!(history.len(), 2);
    assert!(history[1].disputed);
    assert_eq!(history[1].status_after, None);
    assert_eq!(
        given
            .timeline
            .since()
            .unwrap()
            .event
            .facts()
            .occurred
            .to_string(),
        "1983"
    );
}

#[test]
fn tallahassee_krasnodar_is_reinstated_after_termination() {
    let then = given()
        .event(T::PartnershipFounded, "[1983,1984]")
        .event(T::PartnershipTerminated, "1992/..")
        .when(T::PartnershipReinstated, "2003/2014")
        .then_status(Status::Active, "2003/2014")
        .when(T::PartnershipTerminated, "2022-03-09")
        .then_status(Status::Terminated, "2022-03-09");
    let order: Vec<String> = then
        .timeline
        .history()
        .iter()
        .map(|row| row.recorded.event.facts().occurred.to_string())
        .collect();
    assert_eq!(order, ["[1983,1984]", "1992/..", "2003/2014", "2022-03-09"]);
}

#[test]
fn a_retraction_makes_a_previously_refused_event_valid() {
    given()
        .event(T::PartnershipFounded, "1993")
        .event(T::PartnershipTerminated, "2022-03-09")
        .when(T::PartnershipSuspended, "2022-03-15")
        .then_refused(&[
            "while the partnership is terminated",
            "PartnershipTerminated (2022-03-09",
        ])
        .when_retracted(2)
        .then_status(Status::Active, "1993")
        .when(T::PartnershipSuspended, "2022-03-15")
        .then_status(Status::Suspended, "2022-03-15");
}

#[test]
fn retracted_entries_keep_their_place_in_history() {
    let given = given()
        .event(T::PartnershipFounded, "1993")
        .event(T::PartnershipSuspended, "2022-03")
        .when_retracted(2)
        .then_status(Status::Active, "1993");
    let history = given.timeline.history();
    let rows: Vec<(EventType, bool)> = history
        .iter()
        .map(|row| (row.recorded.event.event_type(), row.retracted_by.is_some()))
        .collect();
    assert_eq!(
        rows,
        [
            (T::PartnershipFounded, false),
            (T::PartnershipSuspended, true),
            (T::EntryRetracted, false)
        ]
    );
}

#[test]
fn a_retraction_that_would_break_the_timeline_is_refused() {
    given()
        .event(T::PartnershipFounded, "1993")
        .event(T::PartnershipSuspended, "2022-03")
        .when_retracted(1)
        .then_refused(&[
            "cannot retract PartnershipFounded (1993",
            "no founding or attestation",
        ]);
}

#[test]
fn uncertain_dates_that_overlap_are_placed_as_the_rules_allow() {
    // The termination some time in March 2022 may well follow a suspension on 9 March.
    given()
        .event(T::PartnershipFounded, "1993")
        .event(T::PartnershipTerminated, "2022-03")
        .when(T::PartnershipSuspended, "2022-03-09")
        .then_status(Status::Terminated, "2022-03");
    // But not when the termination definitely came first.
    given()
        .event(T::PartnershipFounded, "1993")
        .event(T::PartnershipTerminated, "2022-03-01")
        .when(T::PartnershipSuspended, "2022-03-09")
        .then_refused(&["PartnershipSuspended (2022-03-09", "terminated"]);
    // One-of-a-set dates overlap a month.
    given()
        .event(T::PartnershipFounded, "1993")
        .event(T::PartnershipSuspended, "[2022-02-28,2022-03-28]")
        .when(T::PartnershipReinstated, "2022-03")
        .then_status(Status::Active, "2022-03");
}

#[test]
fn an_unknown_date_is_placed_wherever_the_rules_allow() {
    given()
        .event(T::PartnershipFounded, "unknown")
        .when(T::PartnershipSuspended, "2022-03")
        .then_status(Status::Suspended, "2022-03");
}

#[test]
fn disputed_events_are_kept_but_do_not_drive_status() {
    let given = given()
        .event(T::PartnershipFounded, "1993")
        .event(T::PartnershipSuspended, "2022-03-03~")
        .disputed(T::PartnershipTerminated, "2022-03-03~");
    assert_eq!(given.timeline.status(), Status::Suspended);
    assert!(given.timeline.history().iter().any(|row| row.disputed));
}

#[test]
fn reaffirmation_only_while_active() {
    given()
        .event(T::PartnershipFounded, "1993")
        .event(T::PartnershipReaffirmed, "2022-03-22")
        .when(T::PartnershipSuspended, "2022-04")
        .then_status(Status::Suspended, "2022-04")
        .when(T::PartnershipReaffirmed, "2022-05")
        .then_refused(&["PartnershipReaffirmed (2022-05", "suspended"]);
}

#[test]
fn retracting_an_unknown_or_retracted_entry_is_refused() {
    given()
        .event(T::PartnershipFounded, "1993")
        .when_retracted(42)
        .then_refused(&["is not in the history of"]);
    given()
        .event(T::PartnershipFounded, "1993")
        .event(T::PartnershipAttested, "2016")
        .when_retracted(2)
        .then_status(Status::Active, "1993")
        .when_retracted(2)
        .then_refused(&["already retracted"]);
}

#[test]
fn events_about_another_partnership_are_refused() {
    let mut given = given().event(T::PartnershipFounded, "1993");
    let other = Partnership::new(
        "Denver, US-CO".parse().unwrap(),
        "Axum, ET".parse().unwrap(),
        PartnershipKind::sister_city(),
    )
    .unwrap();
    let event = Event::lifecycle(T::PartnershipSuspended, other, Facts::default());
    let recorded = given.envelope(event);
    let error = given.timeline.record(recorded).unwrap_err();
    assert!(
        matches!(error, Violation::WrongPartnership { .. }),
        "{error}"
    );
}

#[test]
fn the_refused_entry_is_named_as_new_not_by_an_unstored_id() {
    let then = given()
        .event(T::PartnershipFounded, "1993")
        .event(T::PartnershipTerminated, "2005")
        .when(T::PartnershipSuspended, "2010");
    let error = then.result.as_ref().unwrap_err().to_string();
    assert!(
        error.contains("the new PartnershipSuspended (2010)"),
        "{error}"
    );
    assert!(
        error.contains("PartnershipTerminated (2005, event 00000000-0000-0000-0000-000000000002)"),
        "{error}"
    );
}

#[test]
fn the_initiator_must_be_one_of_the_parties() {
    let mut given = given().event(T::PartnershipFounded, "1993");
    let facts = Facts {
        occurred: "2022-03".parse().unwrap(),
        initiated_by: Some("de:berlin".parse().unwrap()),
        ..Facts::default()
    };
    let recorded = given.envelope(Event::lifecycle(
        T::PartnershipSuspended,
        tallahassee_krasnodar(),
        facts,
    ));
    let error = given.timeline.record(recorded).unwrap_err();
    assert!(
        matches!(error, Violation::InitiatorNotParty { .. }),
        "{error}"
    );
}

#[test]
fn a_text_holding_a_nul_character_is_refused_and_named() {
    let mut given = given().event(T::PartnershipFounded, "1993");
    let with =
        |facts: Facts| Event::lifecycle(T::PartnershipSuspended, tallahassee_krasnodar(), facts);
    let dated = || Facts {
        occurred: "2022-03".parse().unwrap(),
        ..Facts::default()
    };
    let cases = [
        (
            "note",
            with(Facts {
                note: Some("frozen\0".to_owned()),
                ..dated()
            }),
        ),
        (
            "source_title",
            with(Facts {
                sources: vec![crate::event::Source {
                    title: "Council\0minutes".to_owned(),
                    ..Default::default()
                }],
                ..dated()
            }),
        ),
        ("reason", {
            Event::Retracted(Retraction {
                target: EventId::from_u128(1),
                reason: "typo\0".to_owned(),
                facts: Facts::default(),
            })
        }),
        ("party", {
            let mut partnership = tallahassee_krasnodar();
            partnership.parties[1].name = "Krasno\0dar".to_owned();
            Event::lifecycle(T::PartnershipSuspended, partnership, dated())
        }),
    ];
    for (field, event) in cases {
        let recorded = given.envelope(event);
        let error = given.timeline.record(recorded).unwrap_err();
        assert!(
            matches!(error, Violation::NulCharacter { field: named } if named == field),
            "{field}: {error}"
        );
        assert!(
            error.to_string().starts_with(&format!("{field}: ")),
            "{error}"
        );
    }
    // Nothing was kept, and the same texts without the NUL are accepted.
    assert_eq!(given.timeline.recorded().len(), 1);
    let recorded = given.envelope(with(Facts {
        note: Some("frozen".to_owned()),
        ..dated()
    }));
    given.timeline.record(recorded).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Honest answers: legal events are never refused, attestations never change a status.

#[test]
fn given_seven_attestations_and_a_reaffirmation_when_terminated_in_2000_to_2010_then_accepted() {
    let mut given = given().event(T::PartnershipFounded, "1990");
    for _ in 0..7 {
        given = given.event(T::PartnershipAttested, "2005");
    }
    given
        .event(T::PartnershipReaffirmed, "2008")
        .when(T::PartnershipTerminated, "2000/2010")
        .then_status(Status::Terminated, "2000/2010");
}

#[test]
fn given_197_suspension_pairs_when_the_198th_reinstatement_comes_then_accepted() {
    let mut given = given().event(T::PartnershipFounded, "1990");
    for _ in 0..197 {
        given = given
            .event(T::PartnershipSuspended, "2022-06")
            .event(T::PartnershipReinstated, "2022");
    }
    given
        .event(T::PartnershipSuspended, "2022-06")
        .when(T::PartnershipReinstated, "2022")
        .then_status(Status::Active, "2022");
}

#[test]
fn given_a_terminated_partnership_when_a_list_still_shows_it_then_the_attestation_is_kept() {
    given()
        .event(T::PartnershipFounded, "1990")
        .event(T::PartnershipTerminated, "2000")
        .when(T::PartnershipAttested, "2026-02")
        .then_status(Status::Terminated, "2000");
}

#[test]
fn given_only_a_list_entry_then_active_with_no_founding_date() {
    let then = given().when(T::PartnershipAttested, "2026-02");
    assert!(then.result.is_ok());
    assert_eq!(then.timeline.status(), Status::Active);
    assert!(then.timeline.implicit_founding());
    assert!(
        then.timeline.since().is_none(),
        "a list date is no founding"
    );
    let first = then.timeline.first_attested().expect("listed");
    assert_eq!(first.event.facts().occurred.to_string(), "2026-02");
}

#[test]
fn given_a_list_entry_when_a_later_founding_is_recorded_then_it_is_refused() {
    given()
        .event(T::PartnershipAttested, "1985")
        .when(T::PartnershipFounded, "1990")
        .then_refused(&["PartnershipFounded (1990", "PartnershipAttested (1985"]);
}

#[test]
fn given_reinstatement_and_termination_in_the_same_year_then_the_end_is_possible_either_way() {
    let then = given()
        .event(T::PartnershipFounded, "1993")
        .event(T::PartnershipSuspended, "2022-03-03")
        .event(T::PartnershipTerminated, "2022")
        .when(T::PartnershipReinstated, "2022-03-15");
    assert!(then.result.is_ok());
    let last: Vec<Status> = then.timeline.last_statuses().iter().collect();
    assert_eq!(last, [Status::Active, Status::Terminated]);
}

// ---------------------------------------------------------------------------------------------
// Corrections: an amendment (retraction and replacement in one batch) is checked as a whole.

#[test]
fn given_a_misdated_founding_when_amended_then_the_pair_is_legal_though_neither_half_is() {
    let mut given = given()
        .event(T::PartnershipFounded, "1990")
        .event(T::PartnershipSuspended, "2022-03");
    let retraction = given.envelope(Event::Retracted(Retraction {
        target: EventId::from_u128(1),
        reason: "the agreement was signed in 1993".to_owned(),
        facts: Facts::default(),
    }));
    let replacement = given.lifecycle(T::PartnershipFounded, "1993", Certainty::Confirmed);
    // Each half alone is refused.
    let mut alone = given.timeline.clone();
    assert!(alone.record(retraction.clone()).is_err());
    let mut alone = given.timeline.clone();
    assert!(alone.record(replacement.clone()).is_err());
    // Together they are one legal correction.
    given
        .timeline
        .record_all(vec![retraction, replacement])
        .expect("the amendment is legal as a whole");
    assert_eq!(given.timeline.status(), Status::Suspended);
    let history = given.timeline.history();
    let founded: Vec<(String, bool)> = history
        .iter()
        .filter(|row| row.recorded.event.event_type() == T::PartnershipFounded)
        .map(|row| {
            (
                row.recorded.event.facts().occurred.to_string(),
                row.retracted_by.is_some(),
            )
        })
        .collect();
    assert_eq!(
        founded,
        [("1990".to_owned(), true), ("1993".to_owned(), false)]
    );
}

// ---------------------------------------------------------------------------------------------
// Alternative claims: another source's version of the same event widens the dates of a claim
// group instead of being ruled wrong.

impl Given {
    /// A claim from a named source, optionally an alternative to entry `to`.
    fn claim(
        &mut self,
        event_type: EventType,
        occurred: &str,
        to: Option<u128>,
        source: &str,
        certainty: Certainty,
    ) -> Recorded {
        let facts = Facts {
            occurred: occurred.parse::<Occurred>().unwrap(),
            sources: vec![crate::event::Source {
                title: source.to_owned(),
                ..Default::default()
            }],
            certainty,
            ..Facts::default()
        };
        let event = Event::claim(
            event_type,
            tallahassee_krasnodar(),
            facts,
            to.map(EventId::from_u128),
        );
        self.envelope(event)
    }

    /// Record a claim from a named source that must be accepted.
    fn sourced(mut self, event_type: EventType, occurred: &str, source: &str) -> Self {
        let recorded = self.claim(event_type, occurred, None, source, Certainty::Confirmed);
        self.timeline
            .record(recorded)
            .expect("given events are valid");
        self
    }

    /// Record an alternative claim to entry `to` that must be accepted.
    fn alternative(mut self, event_type: EventType, occurred: &str, to: u128) -> Self {
        let recorded = self.claim(event_type, occurred, Some(to), "B", Certainty::Confirmed);
        self.timeline
            .record(recorded)
            .expect("given events are valid");
        self
    }

    fn when_alternative(
        mut self,
        event_type: EventType,
        occurred: &str,
        to: u128,
        source: &str,
    ) -> Then {
        let recorded = self.claim(event_type, occurred, Some(to), source, Certainty::Confirmed);
        let result = self.timeline.record(recorded);
        Then {
            timeline: self.timeline,
            result,
        }
    }
}

/// The statuses possible at some instant of `day` (EDTF), from the timeline's driving events.
fn on(timeline: &Timeline, day: &str) -> Vec<Status> {
    let dated: Vec<crate::temporal::Dated> = timeline.driving().iter().map(|(_, d)| *d).collect();
    let date = crate::date::EdtfDate::parse(day).unwrap();
    crate::temporal::Engine::new(&dated)
        .statuses(
            crate::temporal::day_point(date.earliest()),
            crate::temporal::day_point(date.latest()),
        )
        .unwrap()
        .iter()
        .collect()
}

fn day(text: &str) -> crate::date::Day {
    crate::date::EdtfDate::parse(text).unwrap().earliest()
}

#[test]
fn given_founded_1983_when_another_source_says_1984_then_the_founding_spans_both_years() {
    let then = given()
        .sourced(T::PartnershipFounded, "1983", "A")
        .when_alternative(T::PartnershipFounded, "1984", 1, "B");
    assert!(then.result.is_ok(), "{:?}", then.result);
    let timeline = &then.timeline;
    assert_eq!(timeline.status(), Status::Active);
    assert_eq!(on(timeline, "1983-06-01"), [Status::NotYet, Status::Active]);
    assert_eq!(on(timeline, "1984-06-01"), [Status::NotYet, Status::Active]);
    assert_eq!(on(timeline, "1985-01-01"), [Status::Active]);
    // One driving event for the group, given by the root, dated over the span.
    let driving = timeline.driving();
    assert_eq!(driving.len(), 1);
    assert_eq!(driving[0].0.id, EventId::from_u128(1));
    assert_eq!(
        (driving[0].1.earliest, driving[0].1.latest),
        (day("1983-01-01"), day("1984-12-31"))
    );
    // History shows both claims side by side, each with its own date and source.
    let rows: Vec<(String, String, Option<EventId>, Option<Status>)> = timeline
        .history()
        .iter()
        .map(|row| {
            let facts = row.recorded.event.facts();
            (
                facts.occurred.to_string(),
                facts.sources[0].title.clone(),
                row.recorded.event.alternative_to(),
                row.status_after,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("1983".into(), "A".into(), None, Some(Status::Active)),
            ("1984".into(), "B".into(), Some(EventId::from_u128(1)), None),
        ]
    );
    let group: Vec<EventId> = timeline
        .claim_group(EventId::from_u128(2))
        .iter()
        .map(|claim| claim.id)
        .collect();
    assert_eq!(group, [EventId::from_u128(1), EventId::from_u128(2)]);
}

#[test]
fn given_a_founding_group_of_1983_and_1984_when_suspended_in_1983_03_then_it_is_legal() {
    // The founding may have been before March 1983 (the 1983 claim's early days).
    given()
        .sourced(T::PartnershipFounded, "1983", "A")
        .alternative(T::PartnershipFounded, "1984", 1)
        .when(T::PartnershipSuspended, "1983-03")
        .then_status(Status::Suspended, "1983-03");
}

#[test]
fn given_a_founding_in_1984_when_a_source_says_1983_then_a_1983_suspension_becomes_legal() {
    let then = given()
        .sourced(T::PartnershipFounded, "1984", "A")
        .when(T::PartnershipSuspended, "1983-06")
        .then_refused(&["PartnershipSuspended (1983-06", "not yet"]);
    // Ids: 1 the founding, 2 the refused suspension (not kept), 3 the alternative.
    then.alternative(T::PartnershipFounded, "1983", 1)
        .when(T::PartnershipSuspended, "1983-06")
        .then_status(Status::Suspended, "1983-06");
}

#[test]
fn given_a_founding_group_when_the_1984_claim_is_retracted_then_the_span_narrows_to_1983() {
    let then = given()
        .sourced(T::PartnershipFounded, "1983", "A")
        .alternative(T::PartnershipFounded, "1984", 1)
        .when_retracted(2)
        .then_status(Status::Active, "1983");
    assert_eq!(
        on(&then.timeline, "1984-06-01"),
        [Status::Active],
        "definite again once the 1984 claim is retracted"
    );
    assert_eq!(
        on(&then.timeline, "1983-06-01"),
        [Status::NotYet, Status::Active]
    );
}

#[test]
fn given_a_founding_group_when_the_root_is_retracted_then_the_other_claims_still_form_the_group() {
    let then = given()
        .sourced(T::PartnershipFounded, "1983", "A")
        .alternative(T::PartnershipFounded, "1984", 1)
        .alternative(T::PartnershipFounded, "1986", 1)
        .when_retracted(1)
        .then_status(Status::Active, "1984");
    let driving = then.timeline.driving();
    assert_eq!(driving.len(), 1, "one founding: the group of the two left");
    assert_eq!(driving[0].0.id, EventId::from_u128(2));
    assert_eq!(
        (driving[0].1.earliest, driving[0].1.latest),
        (day("1984-01-01"), day("1986-12-31"))
    );
    // An alternative to the retracted root is refused; to a claim left standing, accepted
    // (it joins the same group).
    then.when_alternative(T::PartnershipFounded, "1985", 1, "C")
        .then_refused(&["cannot be an alternative to event", "retracted by event"])
        .when_alternative(T::PartnershipFounded, "1982", 2, "C")
        .then_status(Status::Active, "1984");
}

#[test]
fn given_an_alternative_to_an_alternative_then_it_joins_the_root_group() {
    let then = given()
        .sourced(T::PartnershipFounded, "1983", "A")
        .alternative(T::PartnershipFounded, "1984", 1)
        .when_alternative(T::PartnershipFounded, "1986", 2, "C")
        .then_status(Status::Active, "1983");
    let driving = then.timeline.driving();
    assert_eq!(driving.len(), 1);
    assert_eq!(
        (driving[0].1.earliest, driving[0].1.latest),
        (day("1983-01-01"), day("1986-12-31"))
    );
    assert_eq!(
        on(&then.timeline, "1985-06-01"),
        [Status::NotYet, Status::Active]
    );
    assert_eq!(then.timeline.claim_group(EventId::from_u128(1)).len(), 3);
}

#[test]
fn a_disputed_alternative_does_not_widen_the_span() {
    let mut given = given().sourced(T::PartnershipFounded, "1983", "A");
    let disputed = given.claim(
        T::PartnershipFounded,
        "1990",
        Some(1),
        "B",
        Certainty::Disputed,
    );
    given.timeline.record(disputed).unwrap();
    assert_eq!(on(&given.timeline, "1985-06-01"), [Status::Active]);
    assert_eq!(given.timeline.history().len(), 2, "kept and shown");
}

#[test]
fn given_a_list_entry_when_another_list_dates_it_later_then_the_founding_may_come_later() {
    let then = given()
        .sourced(T::PartnershipAttested, "2016", "list A")
        .when_alternative(T::PartnershipAttested, "2020", 1, "list B");
    assert!(then.result.is_ok());
    assert!(then.timeline.implicit_founding());
    assert_eq!(
        on(&then.timeline, "2018-06-01"),
        [Status::NotYet, Status::Active]
    );
    assert_eq!(on(&then.timeline, "2021-06-01"), [Status::Active]);
}

#[test]
fn an_alternative_to_an_event_of_another_type_is_refused() {
    given()
        .sourced(T::PartnershipFounded, "1983", "A")
        .event(T::PartnershipSuspended, "2022-03")
        .when_alternative(T::PartnershipFounded, "1984", 2, "B")
        .then_refused(&[
            "the new PartnershipFounded cannot be an alternative to event 00000000-0000-0000-0000-000000000002",
            "it is an entry of type PartnershipSuspended (2022-03)",
            "has the type of the entry",
        ]);
}

#[test]
fn an_alternative_to_an_id_that_does_not_exist_is_refused() {
    let then = given()
        .sourced(T::PartnershipFounded, "1983", "A")
        .when_alternative(T::PartnershipFounded, "1984", 42, "B");
    assert!(
        matches!(
            then.result,
            Err(Violation::InvalidAlternative {
                problem: AlternativeProblem::NotInHistory { .. },
                ..
            })
        ),
        "{:?}",
        then.result
    );
    then.then_refused(&[
        "cannot be an alternative to event 00000000-0000-0000-0000-00000000002a",
        "no earlier entry of",
    ]);
}

#[test]
fn an_alternative_to_a_retraction_is_refused() {
    given()
        .sourced(T::PartnershipFounded, "1983", "A")
        .event(T::PartnershipSuspended, "2022-03")
        .when_retracted(2)
        .then_status(Status::Active, "1983")
        .when_alternative(T::PartnershipFounded, "1984", 3, "B")
        .then_refused(&["it is an entry of type EntryRetracted"]);
}

#[test]
fn a_claim_and_its_alternative_in_one_batch_are_checked_together() {
    let mut given = given().event(T::PartnershipFounded, "1990");
    let suspended = given.claim(
        T::PartnershipSuspended,
        "2022-03",
        None,
        "A",
        Certainty::Confirmed,
    );
    let alternative = given.claim(
        T::PartnershipSuspended,
        "2022-05",
        Some(2),
        "B",
        Certainty::Confirmed,
    );
    // A claim naming one later in the batch is refused: it must name an earlier entry.
    let mut reversed = given.timeline.clone();
    let error = reversed
        .record_all(vec![alternative.clone(), suspended.clone()])
        .unwrap_err();
    assert!(
        matches!(error, Violation::InvalidAlternative { .. }),
        "{error}"
    );
    given
        .timeline
        .record_all(vec![suspended, alternative])
        .unwrap();
    assert_eq!(
        on(&given.timeline, "2022-04-01"),
        [Status::Active, Status::Suspended]
    );
    assert_eq!(on(&given.timeline, "2022-06-01"), [Status::Suspended]);
}

#[test]
fn a_retraction_that_narrows_a_group_below_a_later_event_is_refused() {
    // The suspension in March 1983 needs the 1983 claim: without it the founding is in 1984.
    given()
        .sourced(T::PartnershipFounded, "1983", "A")
        .alternative(T::PartnershipFounded, "1984", 1)
        .event(T::PartnershipSuspended, "1983-03")
        .when_retracted(1)
        .then_refused(&[
            "cannot retract PartnershipFounded (1983",
            "PartnershipSuspended (1983-03",
        ]);
}
