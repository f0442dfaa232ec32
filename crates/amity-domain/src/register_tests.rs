//! Given/when/then cases of the party register: classes, canonical keys, retractions,
//! "known at", and the checks of new links.

use super::*;

fn key(text: &str) -> PartyKey {
    text.parse().expect("a valid key")
}

fn at(seconds: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_700_000_000 + seconds).expect("a valid moment")
}

fn link(id: u128, relation: Relation, a: &str, b: &str, when: i64) -> RegisterEntry {
    RegisterEntry {
        id: EventId::from_u128(id),
        recorded_by: "test".to_owned(),
        recorded_at: at(when),
        event: RegisterEvent::Linked(Link {
            relation,
            a: key(a),
            b: key(b),
            sources: Vec::new(),
            note: None,
        }),
    }
}

fn unlink(id: u128, target: u128, when: i64) -> RegisterEntry {
    RegisterEntry {
        id: EventId::from_u128(id),
        recorded_by: "test".to_owned(),
        recorded_at: at(when),
        event: RegisterEvent::Unlinked(Unlink {
            target: EventId::from_u128(target),
            reason: "wrong".to_owned(),
            sources: Vec::new(),
        }),
    }
}

const CS: &str = "us-co:colorado-springs";
const CS_US: &str = "us:colorado-springs";

#[test]
fn given_a_same_as_link_when_resolving_keys_then_the_first_key_is_the_community() {
    let register = Register::from_entries(&[link(1, Relation::SameAs, CS, CS_US, 0)]);
    assert_eq!(register.canonical_key(&key(CS_US)), key(CS));
    assert_eq!(register.canonical_key(&key(CS)), key(CS));
    assert_eq!(register.class_of(&key(CS_US)), vec![key(CS), key(CS_US)]);
    let stream: PartnershipId = "jp:fujiyoshida+us:colorado-springs".parse().unwrap();
    let canonical: PartnershipId = "jp:fujiyoshida+us-co:colorado-springs".parse().unwrap();
    assert_eq!(register.canonical_partnership(&stream), canonical);
    assert!(register.is_merged(&stream) && register.is_merged(&canonical));
    let apart: PartnershipId = "jp:fujiyoshida+ru:smolensk".parse().unwrap();
    assert!(!register.is_merged(&apart));
    assert_eq!(
        register.member_streams(&canonical),
        vec![canonical.clone(), stream.clone()]
    );
}

#[test]
fn given_a_class_when_a_third_key_is_linked_second_then_the_class_keeps_its_key() {
    let register = Register::from_entries(&[
        link(1, Relation::SameAs, CS, CS_US, 0),
        link(2, Relation::SameAs, "us:colorado-springs-co", CS_US, 1),
    ]);
    for member in [CS, CS_US, "us:colorado-springs-co"] {
        assert_eq!(register.canonical_key(&key(member)), key(CS), "{member}");
    }
}

#[test]
fn given_links_on_both_sides_when_resolving_then_every_pairing_is_one_partnership() {
    let register = Register::from_entries(&[
        link(1, Relation::SameAs, CS, CS_US, 0),
        link(2, Relation::SameAs, "pl:kraków", "pl:krakow", 1),
    ]);
    let canonical: PartnershipId = "pl:kraków+us-co:colorado-springs".parse().unwrap();
    assert_eq!(register.member_streams(&canonical).len(), 4);
    for stream in register.member_streams(&canonical) {
        assert_eq!(register.canonical_partnership(&stream), canonical);
    }
}

#[test]
fn given_a_retracted_link_when_resolving_then_the_keys_are_apart_again() {
    let entries = [link(1, Relation::SameAs, CS, CS_US, 0), unlink(2, 1, 10)];
    let register = Register::from_entries(&entries);
    assert!(!register.has_merges());
    assert_eq!(register.canonical_key(&key(CS_US)), key(CS_US));
    // Known at a moment between the link and its retraction, they were one.
    let before = Register::known_at(&entries, at(5));
    assert_eq!(before.canonical_key(&key(CS_US)), key(CS));
    // Known before the link, they were two.
    let earlier = Register::known_at(&entries, at(-1));
    assert_eq!(earlier.canonical_key(&key(CS_US)), key(CS_US));
}

#[test]
fn given_distinct_places_when_linking_them_as_same_then_refused() {
    let register = Register::from_entries(&[link(
        1,
        Relation::Distinct,
        "de:frankenberg",
        "de:frankenberg-q71104",
        0,
    )]);
    let same = Link {
        relation: Relation::SameAs,
        a: key("de:frankenberg"),
        b: key("de:frankenberg-q71104"),
        sources: Vec::new(),
        note: None,
    };
    assert!(matches!(
        register.check_link(&same),
        Err(RegisterError::RecordedDistinct { .. })
    ));
}

#[test]
fn given_one_community_when_recording_them_distinct_then_refused() {
    let register = Register::from_entries(&[link(1, Relation::SameAs, CS, CS_US, 0)]);
    let distinct = Link {
        relation: Relation::Distinct,
        a: key(CS_US),
        b: key(CS),
        sources: Vec::new(),
        note: None,
    };
    assert!(matches!(
        register.check_link(&distinct),
        Err(RegisterError::AlreadySame { .. })
    ));
    let again = Link {
        relation: Relation::SameAs,
        ..distinct
    };
    assert!(matches!(
        register.check_link(&again),
        Err(RegisterError::AlreadyLinked { .. })
    ));
}

#[test]
fn given_a_successor_when_resolving_then_it_stays_another_community() {
    let register = Register::from_entries(&[link(
        1,
        Relation::SuccessorOf,
        "ru:saint-petersburg",
        "su:leningrad",
        0,
    )]);
    assert!(!register.has_merges());
    assert_eq!(register.standing(Relation::SuccessorOf).count(), 1);
}

#[test]
fn given_a_retraction_when_checking_it_again_then_refused() {
    let register =
        Register::from_entries(&[link(1, Relation::SameAs, CS, CS_US, 0), unlink(2, 1, 1)]);
    assert!(matches!(
        register.check_unlink(EventId::from_u128(1)),
        Err(RegisterError::AlreadyRetracted { .. })
    ));
    assert!(matches!(
        register.check_unlink(EventId::from_u128(9)),
        Err(RegisterError::NotALink(_))
    ));
}

#[test]
fn names_fold_without_accents_or_case() {
    assert_eq!(fold("Kraków"), "krakow");
    assert_eq!(fold("  Frankenberg/Sa. "), "frankenberg sa");
    assert_eq!(fold("Łódź"), "lodz");
    assert_eq!(fold("MÜNCHEN"), "munchen");
}

#[test]
fn register_events_round_trip_through_their_stored_form() {
    let party = Party::new("Kraków", "PL", Some("PL-12"), Some("Q31487")).unwrap();
    let events = [
        RegisterEvent::Registered(Box::new(Registration {
            key: party.key(),
            party,
            kind: Some(PartyKind::City),
            geonames: Some(3_094_802),
            coordinates: Some((50.06, 19.94)),
            aliases: vec!["Krakow".to_owned(), "Cracow".to_owned()],
            sources: Vec::new(),
            note: None,
        })),
        RegisterEvent::Aliased(Aliases {
            key: key("pl-12:kraków"),
            aliases: vec!["Krakau".to_owned()],
            sources: Vec::new(),
            note: Some("German".to_owned()),
        }),
        link(1, Relation::SameAs, CS, CS_US, 0).event,
        unlink(2, 1, 0).event,
    ];
    for event in events {
        let payload = event.encode();
        let back =
            RegisterEvent::decode(event.type_name(), 1, payload.as_bytes()).expect("reads back");
        assert_eq!(back, event);
    }
}

#[test]
fn a_registration_under_another_key_is_refused_on_read() {
    let party = Party::new("Kraków", "PL", None, None).unwrap();
    let payload = serde_json::json!({
        "key": "pl:warsaw",
        "party": party,
    })
    .to_string();
    assert!(RegisterEvent::decode(PARTY_REGISTERED, 1, payload.as_bytes()).is_err());
}

// ---------------------------------------------------------------------------------------------
// Property: a community's history merged from two linked keys' streams answers exactly as the
// same events would in one stream (the merge adds nothing and loses nothing).

mod merged_histories {
    use proptest::prelude::*;

    use super::*;
    use crate::event::{Certainty, Event, EventType, Facts, Recorded};
    use crate::party::{Partnership, PartnershipKind};
    use crate::timeline::Timeline;

    const TYPES: [EventType; 6] = [
        EventType::PartnershipFounded,
        EventType::PartnershipAttested,
        EventType::PartnershipSuspended,
        EventType::PartnershipReinstated,
        EventType::PartnershipTerminated,
        EventType::PartnershipReaffirmed,
    ];
    const DATES: [&str; 8] = [
        "1962",
        "1993",
        "2022-03",
        "2022-03-03~",
        "2022",
        "2003/2014",
        "unknown",
        "[1990,1995]",
    ];

    fn partnership(city: &str) -> Partnership {
        Partnership::new(
            city.parse().unwrap(),
            "Fujiyoshida, JP".parse().unwrap(),
            PartnershipKind::sister_city(),
        )
        .unwrap()
    }

    fn recorded(index: usize, (t, d, second): (usize, usize, bool), city: &str) -> Recorded {
        let partnership = partnership(city);
        Recorded {
            id: EventId::from_u128(index as u128 + 1),
            partnership: partnership.id(),
            stream_version: index as u64,
            recorded_by: "test".into(),
            recorded_at: at(index as i64),
            event: Event::lifecycle(
                TYPES[t],
                partnership,
                Facts {
                    occurred: DATES[d].parse().unwrap(),
                    certainty: if second && t == 2 {
                        Certainty::Disputed
                    } else {
                        Certainty::Confirmed
                    },
                    ..Facts::default()
                },
            ),
        }
    }

    /// 2,000 cases unless `AMITY_PROPTEST_CASES` says more, for a longer run by hand.
    fn cases() -> u32 {
        std::env::var("AMITY_PROPTEST_CASES")
            .ok()
            .and_then(|value| value.parse().ok())
            .unwrap_or(2_000)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases()))]

        #[test]
        fn a_merged_history_answers_as_one_stream(
            events in prop::collection::vec((0..TYPES.len(), 0..DATES.len(), any::<bool>()), 1..=6),
        ) {
            let register = Register::from_entries(&[link(1, Relation::SameAs, CS, CS_US, 0)]);
            let one = partnership("Colorado Springs, US-CO");
            // The same events, each in the community's stream or the other key's.
            let split: Vec<Recorded> = events
                .iter()
                .enumerate()
                .map(|(i, &e)| recorded(i, e, if e.2 { "Colorado Springs, US" } else { "Colorado Springs, US-CO" }))
                .collect();
            let whole: Vec<Recorded> = events
                .iter()
                .enumerate()
                .map(|(i, &e)| recorded(i, e, "Colorado Springs, US-CO"))
                .collect();
            for entry in &split {
                prop_assert_eq!(register.canonical_partnership(&entry.partnership), one.id());
            }
            let merged = Timeline::merged(one.id(), std::sync::Arc::new(one.clone()), split);
            let single = Timeline::from_history(one.id(), whole);
            prop_assert_eq!(merged.conflict().is_some(), single.conflict().is_some());
            prop_assert_eq!(merged.status(), single.status());
            prop_assert_eq!(merged.last_statuses(), single.last_statuses());
            prop_assert_eq!(merged.partnership().map(Partnership::id), Some(one.id()));
            let dated = |t: &Timeline| t.driving().iter().map(|(_, d)| *d).collect::<Vec<_>>();
            prop_assert_eq!(dated(&merged), dated(&single));
        }
    }
}
