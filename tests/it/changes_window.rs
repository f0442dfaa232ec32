//! `changes` reads only the history entries a window may keep (`cohort_lifecycles` with a
//! window): on a ledger of corrections, alternative claims and dates past their recording,
//! every window gives the changes that reading every entry gives.

use std::sync::Arc;

use amity_domain::{event::Retraction, Certainty, EdtfDate, Event, EventType, Facts, Partnership};
use amity_ledger::{Ledger, ToRecord};
use amity_projections::{analysis, Projections};
use amity_store_sqlite::SqliteEventStore;

use crate::projections::partnership;

fn facts(occurred: &str, certainty: Certainty) -> Facts {
    Facts {
        occurred: occurred.parse().unwrap(),
        certainty,
        ..Facts::default()
    }
}

/// Record `event_type` of `partnership` dated `occurred` (an alternative to `claim` if given);
/// its id.
async fn record(
    ledger: &Ledger,
    event_type: EventType,
    partnership: &Partnership,
    occurred: &str,
    claim: Option<amity_domain::EventId>,
) -> amity_domain::EventId {
    let facts = facts(occurred, Certainty::Confirmed);
    let event = match claim {
        Some(root) => Event::claim(event_type, partnership.clone(), facts, Some(root)),
        None => Event::lifecycle(event_type, partnership.clone(), facts),
    };
    ledger
        .record(ToRecord::lifecycle(event, "test"))
        .await
        .expect("a legal event")
        .recorded()
        .id
}

#[tokio::test]
async fn changes_read_for_a_window_are_the_changes_of_every_entry_in_it() {
    use EventType as T;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let ledger = Ledger::new(Arc::new(SqliteEventStore::open(&path).unwrap()));
    // A founding told two ways, the alternative dated far from it.
    let kyiv = partnership("Kyiv, UA", "Kraków, PL");
    let root = record(&ledger, T::PartnershipFounded, &kyiv, "1993-05~", None).await;
    record(&ledger, T::PartnershipFounded, &kyiv, "2014", Some(root)).await;
    // A founding whose date reaches past the day it was recorded (its last day is capped in
    // the tables, not in `changes`), with an alternative before it.
    let lviv = partnership("Lviv, UA", "Wrocław, PL");
    let open = record(&ledger, T::PartnershipFounded, &lviv, "2020/2035", None).await;
    record(&ledger, T::PartnershipFounded, &lviv, "1990", Some(open)).await;
    // A suspension later retracted, a disputed reinstatement, an attestation with no first day.
    let tula = partnership("Tula, RU", "Albuquerque, US-NM");
    record(&ledger, T::PartnershipFounded, &tula, "1994", None).await;
    let suspended = record(&ledger, T::PartnershipSuspended, &tula, "2022-03-0X", None).await;
    let retraction = Event::Retracted(Retraction {
        target: suspended,
        reason: "a proposal, not a decision".to_owned(),
        facts: Facts::default(),
    });
    ledger
        .record(ToRecord::about(tula.id(), retraction, "test"))
        .await
        .unwrap();
    let reinstated = Event::lifecycle(
        T::PartnershipAttested,
        tula.clone(),
        facts("2023", Certainty::Disputed),
    );
    ledger
        .record(ToRecord::lifecycle(reinstated, "test"))
        .await
        .unwrap();
    let old = partnership("Roma, IT", "Paris, FR");
    record(&ledger, T::PartnershipFounded, &old, "1956", None).await;
    record(&ledger, T::PartnershipAttested, &old, "../1960", None).await;

    let mut projections = Projections::open_in_ledger(ledger.clone(), &path).unwrap();
    projections.catch_up().await.unwrap();
    let cohort = analysis::Cohort::default();
    let every = projections
        .cohort_lifecycles(&cohort, None, None)
        .await
        .unwrap();
    let dates = [
        "0001",
        "1956",
        "1989",
        "1990",
        "1993",
        "1993-05",
        "1994",
        "2014",
        "2019",
        "2020",
        "2022-03",
        "2022-03-09",
        "2023",
        "2026",
        "2030",
        "2035",
        "2036",
        "9999",
    ];
    let (mut windows, mut found) = (0, 0);
    for (at, from) in dates.iter().enumerate() {
        for to in &dates[at..] {
            let window = analysis::Window {
                from: ((*from).to_owned(), from.parse::<EdtfDate>().unwrap()),
                to: ((*to).to_owned(), to.parse::<EdtfDate>().unwrap()),
            };
            let read = projections
                .cohort_lifecycles(&cohort, Some(&window), None)
                .await
                .unwrap();
            let expected = analysis::changes_of(every.clone(), &window);
            let changes = analysis::changes_of(read, &window);
            assert_eq!(
                format!("{changes:?}"),
                format!("{expected:?}"),
                "{from}..{to}"
            );
            windows += 1;
            found += changes.len();
        }
    }
    assert_eq!(windows, 171);
    assert!(found > 171, "the windows find changes: {found}");
}
