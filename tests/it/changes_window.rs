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

/// A ledger at `path` of 1,500 partnerships of one to four lifecycle entries each (so that the
/// batches `changes` reads in end at many different places), with its tables caught up.
async fn many_partnerships(path: &std::path::Path) -> Projections {
    use EventType as T;
    let ledger = Ledger::new(Arc::new(SqliteEventStore::open(path).unwrap()));
    let steps = [
        (T::PartnershipFounded, "1990"),
        (T::PartnershipSuspended, "2022-03"),
        (T::PartnershipReinstated, "2023"),
        (T::PartnershipTerminated, "2024-05-0X"),
    ];
    let mut items = Vec::new();
    for number in 0..1_500_usize {
        let pair = partnership(&format!("Town {number}, FR"), &format!("City {number}, DE"));
        let entries = 1 + (number * 7 + number / 3) % 4;
        for (event_type, occurred) in &steps[..entries] {
            let event = Event::lifecycle(
                *event_type,
                pair.clone(),
                facts(occurred, Certainty::Confirmed),
            );
            items.push(ToRecord::lifecycle(event, "test"));
        }
    }
    for chunk in items.chunks(500) {
        ledger.record_all(chunk.to_vec()).await.unwrap();
    }
    let mut projections = Projections::open_in_ledger(ledger.clone(), path).unwrap();
    projections.catch_up().await.unwrap();
    projections
}

/// What `changes` reads from the ledger's file, in batches decoded on several threads (a batch
/// ends at the end of a partnership), is what rebuilding from the events gives.
#[tokio::test]
async fn lifecycles_read_in_many_batches_are_those_of_the_events() {
    let dir = tempfile::tempdir().unwrap();
    let projections = many_partnerships(&dir.path().join("ledger.db")).await;
    let cohort = analysis::Cohort::default();
    let read = projections
        .cohort_lifecycles(&cohort, None, None)
        .await
        .unwrap();
    let rebuilt = projections
        .cohort_lifecycles(&cohort, None, Some(jiff::Timestamp::now()))
        .await
        .unwrap();
    assert_eq!(read.len(), 1_500);
    let entries: usize = read.iter().map(|each| each.entries.len()).sum();
    assert!(entries > 3_000, "{entries} entries");
    assert_eq!(read, rebuilt);
}

/// Stored events that no longer decode, one in a hundred, in many batches: `changes` reads fail
/// with the decoding error (every decoding thread stops, and the reading thread does not wait
/// for them forever).
#[tokio::test]
async fn an_undecodable_event_among_many_batches_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let projections = many_partnerships(&path).await;
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE events SET payload = '{' WHERE position % 100 = 50",
            [],
        )
        .unwrap();
    // On a thread of its own, to be given up on if it never ends (it blocks as it reads).
    let (sender, read) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let cohort = analysis::Cohort::default();
        let _ = sender.send(runtime.block_on(projections.cohort_lifecycles(&cohort, None, None)));
    });
    let read = read
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the read ends");
    let error = read
        .expect_err("an undecodable event is an error")
        .to_string();
    assert!(error.contains("unreadable stored event"), "{error}");
}
