//! Given/when/then tests of the lifecycle rules: no IO, recorded events in, status or error out.

use super::*;
use crate::date::Occurred;
use crate::event::{Facts, Retraction};
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
