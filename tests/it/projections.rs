//! Projection engine: incremental catch-up and rebuild give the same tables; a new code
//! version rebuilds; a failed write leaves rows and checkpoint as they were.

use std::sync::Arc;

use amity_domain::{
    event::Retraction, Certainty, Event, EventType, Facts, Partnership, PartnershipKind,
};
use amity_ledger::{Ledger, Outcome, ToRecord};
use amity_projections::{Projections, Selection, CODE_VERSION};
use amity_store_sqlite::SqliteEventStore;

struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    ledger: Ledger,
}

fn new_ledger() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("ledger.db");
    let store = SqliteEventStore::open(&path).expect("open");
    Fixture {
        _dir: dir,
        path,
        ledger: Ledger::new(Arc::new(store)),
    }
}

fn partnership(a: &str, b: &str) -> Partnership {
    Partnership::new(
        a.parse().unwrap(),
        b.parse().unwrap(),
        PartnershipKind::sister_city(),
    )
    .unwrap()
}

fn lifecycle(
    event_type: EventType,
    partnership: &Partnership,
    occurred: &str,
    certainty: Certainty,
) -> ToRecord {
    let facts = Facts {
        occurred: occurred.parse().unwrap(),
        certainty,
        ..Facts::default()
    };
    ToRecord::lifecycle(
        Event::lifecycle(event_type, partnership.clone(), facts),
        "test",
    )
}

/// Catch up after an event and check that only that event was read.
async fn catch_up_one(projections: Option<&mut Projections>) {
    if let Some(projections) = projections {
        let first = projections
            .tables()
            .unwrap()
            .checkpoint()
            .unwrap()
            .is_none();
        let progress = projections.catch_up().await.expect("catch up");
        if !first {
            assert_eq!(
                progress.events, 1,
                "catch-up replayed more than the new event"
            );
            assert!(!progress.rebuilt);
        }
    }
}

/// A story across three partnerships: out-of-order recording, a disputed claim, a
/// retraction, and an attestation-only partnership. With projections, they catch up after
/// every event.
async fn record_story(ledger: &Ledger, mut projections: Option<&mut Projections>) {
    use EventType as T;
    let smolensk = partnership("Colorado Springs, US-CO", "Smolensk, RU");
    let krasnodar = partnership("Tallahassee, US-FL", "Krasnodar, RU");
    let axum = partnership("Denver, US-CO", "Axum, ET");
    let confirmed = Certainty::Confirmed;
    let steps = vec![
        lifecycle(T::PartnershipFounded, &smolensk, "1993", confirmed),
        lifecycle(T::PartnershipTerminated, &smolensk, "2022-03-09", confirmed),
        lifecycle(T::PartnershipFounded, &krasnodar, "[1983,1984]", confirmed),
        lifecycle(
            T::PartnershipTerminated,
            &krasnodar,
            "2022-03-09",
            confirmed,
        ),
        // Recorded after the 2022 termination, happened before it.
        lifecycle(T::PartnershipSuspended, &krasnodar, "1992/..", confirmed),
        lifecycle(T::PartnershipReinstated, &krasnodar, "2003/2014", confirmed),
        lifecycle(
            T::PartnershipFounded,
            &krasnodar,
            "1984",
            Certainty::Disputed,
        ),
        lifecycle(T::PartnershipAttested, &axum, "2022-03", confirmed),
    ];
    let mut smolensk_termination = None;
    for (index, item) in steps.into_iter().enumerate() {
        let outcome = ledger.record(item).await.expect("story event is valid");
        if index == 1 {
            smolensk_termination = Some(outcome.recorded().id);
        }
        catch_up_one(projections.as_deref_mut()).await;
    }
    let retraction = Event::Retracted(Retraction {
        target: smolensk_termination.unwrap(),
        reason: "the city suspended, it did not terminate".to_owned(),
        facts: Facts::default(),
    });
    ledger
        .record(ToRecord::about(smolensk.id(), retraction, "test"))
        .await
        .expect("retraction");
    catch_up_one(projections.as_deref_mut()).await;
    let suspension = lifecycle(T::PartnershipSuspended, &smolensk, "2022-03-03~", confirmed);
    assert!(matches!(
        ledger.record(suspension).await.unwrap(),
        Outcome::Recorded(_)
    ));
    catch_up_one(projections).await;
}

fn dump(projections: &Projections) -> Vec<String> {
    projections
        .tables()
        .expect("sqlite tables")
        .dump()
        .expect("dump")
}

#[tokio::test]
async fn rebuild_gives_the_same_tables_as_incremental_catch_up() {
    let fixture = new_ledger();
    let mut projections = Projections::open(fixture.ledger.clone(), Some(&fixture.path)).unwrap();
    // Incremental: each catch-up after the first reads only the event just recorded.
    record_story(&fixture.ledger, Some(&mut projections)).await;
    let incremental = dump(&projections);
    assert!(incremental
        .iter()
        .any(|line| line.starts_with("partnership_timeline")));
    let checkpoint = projections.tables().unwrap().checkpoint().unwrap().unwrap();
    assert_eq!(checkpoint.events, 10);

    let progress = projections.rebuild(&mut |_, _| {}).await.expect("rebuild");
    assert!(progress.rebuilt);
    assert_eq!((progress.events, progress.partnerships), (10, 3));
    let rebuilt = dump(&projections);
    assert_eq!(incremental, rebuilt);
    assert_eq!(
        projections.tables().unwrap().checkpoint().unwrap(),
        Some(checkpoint)
    );

    // The same events caught up in one go, in another process's view of the file.
    let other = new_ledger();
    record_story(&other.ledger, None).await;
    let mut once = Projections::open(other.ledger.clone(), Some(&other.path)).unwrap();
    once.catch_up().await.unwrap();
    // Ids and timestamps differ between the two ledgers; the shape of the tables must not.
    let shape = |lines: Vec<String>| -> Vec<String> {
        lines
            .into_iter()
            .map(|line| line.split(" | ").take(3).collect::<Vec<_>>().join(" | "))
            .collect()
    };
    assert_eq!(shape(dump(&once)), shape(rebuilt));

    let status = projections
        .status(&Selection::All, None, None)
        .await
        .unwrap();
    let by_id = |id: &str| {
        status
            .iter()
            .find(|s| s.partnership.as_str() == id)
            .unwrap()
    };
    assert_eq!(
        by_id("ru:smolensk+us-co:colorado-springs").status.name(),
        "suspended"
    );
    assert_eq!(
        by_id("ru:krasnodar+us-fl:tallahassee").status.name(),
        "terminated"
    );
    assert_eq!(by_id("et:axum+us-co:denver").status.name(), "active");
}

#[tokio::test]
async fn a_new_code_version_rebuilds_and_nothing_new_reads_nothing() {
    let fixture = new_ledger();
    record_story(&fixture.ledger, None).await;
    let mut projections = Projections::open(fixture.ledger.clone(), Some(&fixture.path)).unwrap();
    assert!(
        projections.catch_up().await.unwrap().rebuilt,
        "first use builds"
    );
    assert_eq!(
        projections.catch_up().await.unwrap().events,
        0,
        "up to date"
    );
    let before = dump(&projections);
    let connection = rusqlite::Connection::open(&fixture.path).unwrap();
    connection
        .execute(
            "UPDATE projection_checkpoint SET code_version = ?1",
            [CODE_VERSION + 1],
        )
        .unwrap();
    connection
        .execute("DELETE FROM party_directory", [])
        .unwrap();
    let progress = projections.catch_up().await.unwrap();
    assert!(
        progress.rebuilt,
        "a checkpoint from other code triggers a rebuild"
    );
    assert_eq!(progress.events, 10);
    assert_eq!(dump(&projections), before);

    // Tables from older code may lack columns this code indexes: reopening drops them.
    drop(projections);
    connection
        .execute_batch(
            "DROP INDEX partnership_status_countries;
             ALTER TABLE partnership_status DROP COLUMN party_a_wikidata;",
        )
        .unwrap();
    connection
        .execute(
            "UPDATE projection_checkpoint SET code_version = ?1",
            [CODE_VERSION - 1],
        )
        .unwrap();
    let mut reopened = Projections::open(fixture.ledger.clone(), Some(&fixture.path)).unwrap();
    assert!(reopened.catch_up().await.unwrap().rebuilt);
    assert_eq!(dump(&reopened), before);
}

#[tokio::test]
async fn a_failed_write_leaves_rows_and_checkpoint_as_they_were() {
    let fixture = new_ledger();
    record_story(&fixture.ledger, None).await;
    let mut projections = Projections::open(fixture.ledger.clone(), Some(&fixture.path)).unwrap();
    projections.catch_up().await.unwrap();
    let before = dump(&projections);
    let checkpoint = projections.tables().unwrap().checkpoint().unwrap();
    // A trigger makes the next timeline insert fail half-way through the transaction.
    let connection = rusqlite::Connection::open(&fixture.path).unwrap();
    connection
        .execute_batch(
            "CREATE TRIGGER fail_midway BEFORE INSERT ON partnership_timeline
             WHEN NEW.seq = 1 BEGIN SELECT RAISE(ABORT, 'simulated crash'); END;",
        )
        .unwrap();
    let smolensk = partnership("Colorado Springs, US-CO", "Smolensk, RU");
    fixture
        .ledger
        .record(lifecycle(
            EventType::PartnershipReinstated,
            &smolensk,
            "2024",
            Certainty::Confirmed,
        ))
        .await
        .unwrap();
    let error = projections.catch_up().await.unwrap_err();
    assert!(error.to_string().contains("simulated crash"), "{error}");
    assert_eq!(dump(&projections), before);
    assert_eq!(
        projections.tables().unwrap().checkpoint().unwrap(),
        checkpoint
    );
    connection
        .execute_batch("DROP TRIGGER fail_midway;")
        .unwrap();
    assert_eq!(projections.catch_up().await.unwrap().events, 1);
    assert_ne!(dump(&projections), before);
}
