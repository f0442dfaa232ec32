//! Projection engine: incremental catch-up and rebuild give the same tables; a new code
//! version rebuilds; a failed write leaves rows and checkpoint as they were; tables in a
//! SQLite file of their own (the place for a KurrentDB ledger's) hold the same rows as in the
//! ledger file, are rebuilt for another ledger, and a rebuild stops where the feed ended when
//! it started. The PostgreSQL tables (`AMITY_TEST_POSTGRES_URL`, a fresh schema per test) are
//! held to the same, and to the SQLite tables of the same events, line for line.

use std::sync::Arc;

use amity_domain::{
    event::Retraction, Certainty, Event, EventType, Facts, Partnership, PartnershipKind,
};
use amity_ledger::{Ledger, Outcome, ToRecord};
use amity_projections::{analysis, Projections, Selection, CODE_VERSION};
use amity_store::{EventStore, MemoryEventStore};
use amity_store_sqlite::SqliteEventStore;

struct Fixture {
    dir: tempfile::TempDir,
    path: std::path::PathBuf,
    ledger: Ledger,
}

fn new_ledger() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("ledger.db");
    let store = SqliteEventStore::open(&path).expect("open");
    Fixture {
        dir,
        path,
        ledger: Ledger::new(Arc::new(store)),
    }
}

pub(crate) fn partnership(a: &str, b: &str) -> Partnership {
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
            .await
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

async fn dump(projections: &Projections) -> Vec<String> {
    projections
        .tables()
        .expect("tables")
        .dump()
        .await
        .expect("dump")
}

/// With a trigger in place that fails the next timeline insert half-way: one more event is
/// recorded, its catch-up fails, and rows and checkpoint stay as they were (returned).
async fn a_crashed_catch_up_changes_nothing(
    ledger: &Ledger,
    projections: &mut Projections,
) -> Vec<String> {
    let before = dump(projections).await;
    let checkpoint = saved_checkpoint(projections).await;
    let smolensk = partnership("Colorado Springs, US-CO", "Smolensk, RU");
    ledger
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
    assert_eq!(dump(projections).await, before);
    assert_eq!(saved_checkpoint(projections).await, checkpoint);
    before
}

async fn saved_checkpoint(projections: &Projections) -> Option<amity_projections::Checkpoint> {
    projections
        .tables()
        .expect("tables")
        .checkpoint()
        .await
        .expect("checkpoint")
}

#[tokio::test]
async fn rebuild_gives_the_same_tables_as_incremental_catch_up() {
    let fixture = new_ledger();
    let mut projections =
        Projections::open_in_ledger(fixture.ledger.clone(), &fixture.path).unwrap();
    // Incremental: each catch-up after the first reads only the event just recorded.
    record_story(&fixture.ledger, Some(&mut projections)).await;
    let incremental = dump(&projections).await;
    assert!(incremental
        .iter()
        .any(|line| line.starts_with("partnership_timeline")));
    let checkpoint = saved_checkpoint(&projections).await.unwrap();
    assert_eq!(checkpoint.events, 10);

    let progress = projections.rebuild(&mut |_, _| {}).await.expect("rebuild");
    assert!(progress.rebuilt);
    assert_eq!((progress.events, progress.partnerships), (10, 3));
    let rebuilt = dump(&projections).await;
    assert_eq!(incremental, rebuilt);
    assert_eq!(saved_checkpoint(&projections).await, Some(checkpoint));

    // The same events caught up in one go, in another process's view of the file.
    let other = new_ledger();
    record_story(&other.ledger, None).await;
    let mut once = Projections::open_in_ledger(other.ledger.clone(), &other.path).unwrap();
    once.catch_up().await.unwrap();
    // Ids and timestamps differ between the two ledgers; the shape of the tables must not.
    let shape = |lines: Vec<String>| -> Vec<String> {
        lines
            .into_iter()
            .map(|line| line.split(" | ").take(3).collect::<Vec<_>>().join(" | "))
            .collect()
    };
    assert_eq!(shape(dump(&once).await), shape(rebuilt));

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
    let mut projections =
        Projections::open_in_ledger(fixture.ledger.clone(), &fixture.path).unwrap();
    assert!(
        projections.catch_up().await.unwrap().rebuilt,
        "first use builds"
    );
    assert_eq!(
        projections.catch_up().await.unwrap().events,
        0,
        "up to date"
    );
    let before = dump(&projections).await;
    let connection = rusqlite::Connection::open(&fixture.path).unwrap();
    // Tables from newer code are left alone: this code does not know their layout.
    connection
        .execute(
            "UPDATE projection_checkpoint SET code_version = ?1",
            [CODE_VERSION + 1],
        )
        .unwrap();
    let error = projections.catch_up().await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains(&format!("built by a newer amity (v{})", CODE_VERSION + 1)),
        "{error}"
    );
    let error = Projections::open_in_ledger(fixture.ledger.clone(), &fixture.path).unwrap_err();
    assert!(
        error.to_string().contains("built by a newer amity"),
        "{error}"
    );
    // Tables from older code are rebuilt.
    connection
        .execute(
            "UPDATE projection_checkpoint SET code_version = ?1",
            [CODE_VERSION - 1],
        )
        .unwrap();
    connection
        .execute("DELETE FROM timeline_entries", [])
        .unwrap();
    let progress = projections.catch_up().await.unwrap();
    assert!(
        progress.rebuilt,
        "a checkpoint from older code triggers a rebuild"
    );
    assert_eq!(progress.events, 10);
    assert_eq!(dump(&projections).await, before);

    // Tables from older code may lack columns this code indexes: reopening drops them.
    drop(projections);
    connection
        .execute_batch(
            "DROP VIEW party_directory;
             DROP VIEW partnership_status;
             DROP VIEW partnership_timeline;
             DROP INDEX partnership_status_countries;
             ALTER TABLE status_entries DROP COLUMN party_a_wikidata;",
        )
        .unwrap();
    connection
        .execute(
            "UPDATE projection_checkpoint SET code_version = ?1",
            [CODE_VERSION - 1],
        )
        .unwrap();
    let mut reopened = Projections::open_in_ledger(fixture.ledger.clone(), &fixture.path).unwrap();
    assert!(reopened.catch_up().await.unwrap().rebuilt);
    assert_eq!(dump(&reopened).await, before);
}

/// The numbers of `partnership_status` are given out in blocks by pair of countries, by
/// catch-up as by a rebuild: the two US–RU partnerships share a block, consecutive, and the
/// US–ET one has another; a partnership written again keeps its number.
#[tokio::test]
async fn partnerships_are_numbered_in_blocks_by_pair_of_countries() {
    let fixture = new_ledger();
    let mut projections =
        Projections::open_in_ledger(fixture.ledger.clone(), &fixture.path).unwrap();
    // Caught up after every event: each partnership is written again and again.
    record_story(&fixture.ledger, Some(&mut projections)).await;
    let numbers = |path: &std::path::Path| -> Vec<(String, i64)> {
        let connection = rusqlite::Connection::open(path).unwrap();
        let mut statement = connection
            .prepare(
                "SELECT party_a_country || '-' || party_b_country, partnership_no
                 FROM partnership_status ORDER BY partnership_no",
            )
            .unwrap();
        let rows = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap();
        rows.map(Result::unwrap).collect()
    };
    let block = |number: i64| number >> 28;
    let caught_up = numbers(&fixture.path);
    let pairs: Vec<&str> = caught_up.iter().map(|(pair, _)| pair.as_str()).collect();
    assert_eq!(pairs, ["US-ET", "US-RU", "US-RU"], "{caught_up:?}");
    let [(_, ethiopia), (_, first), (_, second)] = caught_up[..] else {
        unreachable!()
    };
    assert_eq!(block(first), block(second));
    assert_eq!(second, first + 1);
    assert_ne!(block(ethiopia), block(first));
    assert_eq!(block(first), i64::from_be_bytes(*b"\0\0\0\0USRU"));
    projections.rebuild(&mut |_, _| {}).await.unwrap();
    let rebuilt = numbers(&fixture.path);
    assert_eq!(
        rebuilt
            .iter()
            .map(|(_, number)| block(*number))
            .collect::<Vec<_>>(),
        caught_up
            .iter()
            .map(|(_, number)| block(*number))
            .collect::<Vec<_>>()
    );
}

/// The story's tables in the ledger file, changed by `older` to the layout of older code, then
/// opened again: they are rebuilt, and hold what they held. The fixture (its folder lives as
/// long as it does) and the file's connection, to look.
async fn reopened_after(older: &str) -> (Fixture, rusqlite::Connection) {
    let fixture = new_ledger();
    record_story(&fixture.ledger, None).await;
    let mut projections =
        Projections::open_in_ledger(fixture.ledger.clone(), &fixture.path).unwrap();
    projections.catch_up().await.unwrap();
    let before = dump(&projections).await;
    drop(projections);
    let connection = rusqlite::Connection::open(&fixture.path).unwrap();
    connection.execute_batch(older).unwrap();
    let mut reopened = Projections::open_in_ledger(fixture.ledger.clone(), &fixture.path).unwrap();
    assert!(reopened.catch_up().await.unwrap().rebuilt);
    assert_eq!(dump(&reopened).await, before);
    (fixture, connection)
}

/// Code version 5 kept the directory in a table and the history under partnership ids; a
/// file written by it (a view where this code has a table, or the other way round) is
/// rebuilt in this code's layout.
#[tokio::test]
async fn tables_of_the_layout_before_version_6_are_replaced() {
    let (_fixture, connection) = reopened_after(
        "DROP VIEW party_directory;
         DROP VIEW partnership_timeline;
         CREATE TABLE party_directory (party TEXT NOT NULL, partnership TEXT NOT NULL);
         CREATE VIEW partnership_timeline AS SELECT * FROM party_directory;
         UPDATE projection_checkpoint SET code_version = 5;",
    )
    .await;
    let views: Vec<String> = connection
        .prepare("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        views,
        [
            "ledger_events",
            "parties",
            "partnership_status",
            "partnership_timeline",
            "party_directory"
        ]
    );
}

/// Given a file written by code version 9, whose status rows were the table
/// `partnership_status` with their JSON in `row`, when it is opened, then the projections are
/// rebuilt with `partnership_status` the view over `status_entries`, and hold what they held.
#[tokio::test]
async fn given_the_status_table_of_version_9_when_opened_then_it_becomes_the_view() {
    let (_fixture, connection) = reopened_after(
        "CREATE TABLE old_status AS SELECT * FROM partnership_status;
         DROP VIEW party_directory;
         DROP VIEW partnership_timeline;
         DROP VIEW partnership_status;
         DROP TABLE status_entries;
         ALTER TABLE old_status RENAME TO partnership_status;
         CREATE UNIQUE INDEX partnership_status_key ON partnership_status (partnership);
         UPDATE projection_checkpoint SET code_version = 9;",
    )
    .await;
    let kind: String = connection
        .query_row(
            "SELECT type FROM sqlite_master WHERE name = 'partnership_status'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(kind, "view");
}

/// Given a partnership of a party told from its homonyms by a qualifier (Frankenberg,
/// `de:frankenberg-q573603`), when the analyst views read it from the tables (the ledger
/// file's, whose lifecycles join the stored events, and a file of their own), then the party
/// keeps its qualifier, as in the rows rebuilt from the events (known at now, which reads no
/// table): the tables' readers take it from the stored column, not from the key.
#[tokio::test]
async fn given_a_qualified_party_when_the_cohort_is_read_from_tables_then_it_keeps_its_qualifier() {
    use amity_domain::Party;
    let fixture = new_ledger();
    let frankenberg = Party::new("Frankenberg", "DE", None, Some("Q573603"))
        .unwrap()
        .qualified("q573603");
    let springs: Party = "Colorado Springs, US-CO".parse().unwrap();
    let pair = Partnership::new(frankenberg, springs, PartnershipKind::sister_city()).unwrap();
    for (event_type, date) in [
        (EventType::PartnershipFounded, "1990"),
        (EventType::PartnershipSuspended, "2022-03"),
    ] {
        fixture
            .ledger
            .record(lifecycle(event_type, &pair, date, Certainty::Confirmed))
            .await
            .unwrap();
    }
    let own_file = fixture.dir.path().join("projections.db");
    let mut own = Projections::open(fixture.ledger.clone(), Some(&own_file)).unwrap();
    let mut in_ledger = Projections::open_in_ledger(fixture.ledger.clone(), &fixture.path).unwrap();
    own.catch_up().await.unwrap();
    in_ledger.catch_up().await.unwrap();
    let cohort = analysis::Cohort {
        countries: Some(["DE".to_owned(), "US".to_owned()]),
        ..analysis::Cohort::default()
    };
    let now = Some(jiff::Timestamp::now());
    let debug = |value: &dyn std::fmt::Debug| format!("{value:?}");
    let members = in_ledger.members(&cohort, now).await.unwrap();
    assert_eq!(members.len(), 1);
    assert!(
        members[0]
            .parties
            .iter()
            .any(|party| party.qualifier.as_deref() == Some("q573603")),
        "{members:?}"
    );
    let lifecycles = in_ledger
        .cohort_lifecycles(&cohort, None, now)
        .await
        .unwrap();
    assert_eq!(lifecycles.len(), 1);
    for tables in [&in_ledger, &own] {
        assert_eq!(
            debug(&tables.members(&cohort, None).await.unwrap()),
            debug(&members)
        );
        assert_eq!(
            tables.cohort_lifecycles(&cohort, None, None).await.unwrap(),
            lifecycles
        );
        let status = tables.status(&Selection::All, None, None).await.unwrap();
        assert!(debug(&status).contains("q573603"), "{status:?}");
    }
}

#[tokio::test]
async fn a_failed_write_leaves_rows_and_checkpoint_as_they_were() {
    let fixture = new_ledger();
    record_story(&fixture.ledger, None).await;
    let mut projections =
        Projections::open_in_ledger(fixture.ledger.clone(), &fixture.path).unwrap();
    projections.catch_up().await.unwrap();
    // A trigger makes the next timeline insert fail half-way through the transaction.
    let connection = rusqlite::Connection::open(&fixture.path).unwrap();
    connection
        .execute_batch(
            "CREATE TRIGGER fail_midway BEFORE INSERT ON timeline_entries
             WHEN NEW.seq = 1 BEGIN SELECT RAISE(ABORT, 'simulated crash'); END;",
        )
        .unwrap();
    let before = a_crashed_catch_up_changes_nothing(&fixture.ledger, &mut projections).await;
    connection
        .execute_batch("DROP TRIGGER fail_midway;")
        .unwrap();
    assert_eq!(projections.catch_up().await.unwrap().events, 1);
    assert_ne!(dump(&projections).await, before);
}

// ---------------------------------------------------------------------------------------------
// A SQLite file of their own (`amity --projections FILE`).

/// The tables of a SQLite file.
fn sqlite_tables(path: &std::path::Path) -> Vec<String> {
    let connection = rusqlite::Connection::open(path).unwrap();
    let mut statement = connection
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap();
    let names = statement
        .query_map([], |row| row.get::<_, String>(0))
        .unwrap();
    names.map(Result::unwrap).collect()
}

/// In the ledger's own file the history's details are read from the stored events by the
/// `partnership_timeline` view; text that JSON escapes (quotes, backslashes, line breaks,
/// non-Latin script) must read back exactly as a file that stores them holds it.
#[tokio::test]
async fn the_ledger_file_view_reads_event_details_exactly_as_stored_ones() {
    let fixture = new_ledger();
    let own_file = fixture.dir.path().join("projections.db");
    let kyiv = partnership("Київ, UA", "Kraków, PL");
    let facts = Facts {
        occurred: "1993-05~".parse().unwrap(),
        term_as_written: Some("\"побратимство\" \\ partnerstwo".to_owned()),
        sources: vec![amity_domain::Source {
            title: "Rada \"minutes\", 1993 / №12".to_owned(),
            publisher: Some("Архів".to_owned()),
            url: Some("https://example.org/a?b=1&c=\u{e9}".to_owned()),
            published: Some("1993-06".parse().unwrap()),
            locator: Some("p. 7\\8".to_owned()),
            role: Some(amity_domain::SourceRole::Primary),
        }],
        certainty: Certainty::Probable,
        initiated_by: Some(kyiv.parties[0].key()),
        note: Some("line one\nline two\ttabbed — «quoted»".to_owned()),
    };
    let founded = ToRecord::lifecycle(
        Event::lifecycle(EventType::PartnershipFounded, kyiv.clone(), facts),
        "test",
    );
    let root = fixture.ledger.record(founded).await.unwrap().recorded().id;
    // Another source's founding year: an alternative claim (its `target` in the view is read
    // from the payload's `alternative_to`).
    let alternative = ToRecord::lifecycle(
        Event::claim(
            EventType::PartnershipFounded,
            kyiv.clone(),
            Facts {
                occurred: "1994".parse().unwrap(),
                ..Facts::default()
            },
            Some(root),
        ),
        "test",
    );
    let alternative = fixture
        .ledger
        .record(alternative)
        .await
        .unwrap()
        .recorded()
        .id;
    let mut in_ledger = Projections::open_in_ledger(fixture.ledger.clone(), &fixture.path).unwrap();
    in_ledger.catch_up().await.unwrap();
    let mut own = Projections::open(fixture.ledger.clone(), Some(&own_file)).unwrap();
    own.catch_up().await.unwrap();
    let lines = dump(&in_ledger).await;
    assert!(
        lines.iter().any(|line| line.contains("побратимство")),
        "{lines:#?}"
    );
    assert_eq!(lines, dump(&own).await);
    // The view's columns hold values, not NULLs, in the ledger file.
    let connection = rusqlite::Connection::open(&fixture.path).unwrap();
    let (note, recorded_by): (String, String) = connection
        .query_row(
            "SELECT note, recorded_by FROM partnership_timeline WHERE seq = 0",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(note, "line one\nline two\ttabbed — «quoted»");
    assert_eq!(recorded_by, "test");
    // The root drives the status over the span of both claims; the alternative names it and
    // keeps its own days.
    /// Event id, target, step, earliest, latest.
    type Row = (String, Option<String>, Option<i64>, String, String);
    let rows: Vec<Row> = connection
        .prepare(
            "SELECT event_id, target, step, earliest, latest FROM partnership_timeline
             ORDER BY seq",
        )
        .unwrap()
        .query_map([], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        rows,
        [
            (
                root.to_string(),
                None,
                Some(0),
                "1993-05-01".to_owned(),
                "1994-12-31".to_owned()
            ),
            (
                alternative.to_string(),
                Some(root.to_string()),
                None,
                "1994-01-01".to_owned(),
                "1994-12-31".to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn tables_in_a_file_of_their_own_hold_what_the_ledger_file_holds() {
    let fixture = new_ledger();
    let own_file = fixture.dir.path().join("projections.db");
    let mut own = Projections::open(fixture.ledger.clone(), Some(&own_file)).unwrap();
    // Caught up after every event, with the ledger in another file.
    record_story(&fixture.ledger, Some(&mut own)).await;
    let mut in_ledger = Projections::open_in_ledger(fixture.ledger.clone(), &fixture.path).unwrap();
    assert!(in_ledger.catch_up().await.unwrap().rebuilt);
    assert_eq!(dump(&own).await, dump(&in_ledger).await);
    assert_eq!(
        sqlite_tables(&own_file),
        [
            "party_entries",
            "projection_checkpoint",
            "status_entries",
            "timeline_entries"
        ],
        "the projection file holds the projections and nothing else"
    );
    assert_same_answers(&own, &in_ledger).await;
    let progress = own.rebuild(&mut |_, _| {}).await.unwrap();
    assert_eq!((progress.events, progress.partnerships), (10, 3));
    assert_eq!(dump(&own).await, dump(&in_ledger).await);
}

#[tokio::test]
async fn a_projection_file_built_for_another_ledger_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("projections.db");
    let first = Ledger::new(Arc::new(MemoryEventStore::new()));
    record_story(&first, None).await;
    let mut projections = Projections::open(first, Some(&file)).unwrap();
    assert!(projections.catch_up().await.unwrap().rebuilt);
    drop(projections);
    // Another ledger whose feed runs past the first one's checkpoint: catching up from that
    // checkpoint would keep the first ledger's rows and add one event of this one.
    let second = Ledger::new(Arc::new(MemoryEventStore::new()));
    record_story(&second, None).await;
    let axum = partnership("Denver, US-CO", "Axum, ET");
    second
        .record(lifecycle(
            EventType::PartnershipReaffirmed,
            &axum,
            "2024",
            Certainty::Confirmed,
        ))
        .await
        .unwrap();
    let mut reopened = Projections::open(second.clone(), Some(&file)).unwrap();
    let progress = reopened.catch_up().await.unwrap();
    assert!(progress.rebuilt, "{progress:?}");
    assert_eq!(progress.events, 11);
    let fresh_file = dir.path().join("fresh.db");
    let mut fresh = Projections::open(second, Some(&fresh_file)).unwrap();
    fresh.catch_up().await.unwrap();
    assert_eq!(dump(&reopened).await, dump(&fresh).await);
}

/// A memory store in which another writer records one event at the moment a reader first
/// reaches the end of the feed: what a server, or a ledger in another file than its
/// projections, allows at any time. With `undercount`, its feed summary also counts one event
/// too few in a stream (a faulty backend). With `hide_last`, the first reading of the feed
/// that reaches its last event ends before it (as if it were appended just after).
#[derive(Debug, Default)]
struct LateWriter {
    inner: Arc<MemoryEventStore>,
    late: std::sync::Mutex<Option<ToRecord>>,
    undercount: bool,
    hide_last: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl EventStore for LateWriter {
    fn backend(&self) -> &'static str {
        "memory with a late writer"
    }
    async fn log_checkpoints(&self) -> amity_store::Result<Vec<amity_store::LogCheckpoint>> {
        self.inner.log_checkpoints().await
    }
    async fn add_log_checkpoint(
        &self,
        tree_size: u64,
        note: String,
        frontier: Vec<u8>,
    ) -> amity_store::Result<amity_store::LogCheckpoint> {
        self.inner
            .add_log_checkpoint(tree_size, note, frontier)
            .await
    }
    async fn log_frontier(&self) -> amity_store::Result<Option<(u64, Vec<u8>)>> {
        self.inner.log_frontier().await
    }
    async fn save_log_frontier(
        &self,
        tree_size: u64,
        frontier: Vec<u8>,
    ) -> amity_store::Result<()> {
        self.inner.save_log_frontier(tree_size, frontier).await
    }
    async fn keep_log_leaves(&self, leaves: Vec<amity_store::LogLeaf>) -> amity_store::Result<()> {
        self.inner.keep_log_leaves(leaves).await
    }
    async fn kept_log_leaves(
        &self,
        from: u64,
        limit: usize,
    ) -> amity_store::Result<Vec<amity_store::LogLeaf>> {
        self.inner.kept_log_leaves(from, limit).await
    }
    async fn kept_log_leaves_of(
        &self,
        events: &[amity_store::EventId],
    ) -> amity_store::Result<Vec<amity_store::LogLeaf>> {
        self.inner.kept_log_leaves_of(events).await
    }
    async fn append(
        &self,
        stream: &str,
        expected: amity_store::ExpectedVersion,
        events: Vec<amity_store::NewEvent>,
    ) -> amity_store::Result<amity_store::Appended> {
        self.inner.append(stream, expected, events).await
    }
    async fn append_many(
        &self,
        appends: Vec<amity_store::StreamAppend>,
    ) -> amity_store::Result<Vec<amity_store::Appended>> {
        self.inner.append_many(appends).await
    }
    fn atomic_multi_stream(&self) -> bool {
        self.inner.atomic_multi_stream()
    }
    async fn feed_summary(&self) -> amity_store::Result<amity_store::FeedSummary> {
        let mut summary = amity_store::summarize_feed(self).await?;
        if self.undercount {
            let stream = summary.streams.iter_mut().find(|(_, count)| *count > 1);
            stream.expect("a stream of two events or more").1 -= 1;
        }
        Ok(summary)
    }
    async fn read_stream(
        &self,
        stream: &str,
        from: u64,
        max: usize,
    ) -> amity_store::Result<Vec<amity_store::RecordedEvent>> {
        self.inner.read_stream(stream, from, max).await
    }
    async fn read_all(
        &self,
        after: amity_store::Position,
        max: usize,
    ) -> amity_store::Result<Vec<amity_store::RecordedEvent>> {
        let mut page = self.inner.read_all(after, max).await?;
        let last = self
            .inner
            .read_all(after, usize::MAX)
            .await?
            .last()
            .cloned();
        if page.last() == last.as_ref()
            && last.is_some()
            && self
                .hide_last
                .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            page.pop();
        }
        let late = self.late.lock().unwrap().take();
        match late {
            Some(item) if page.is_empty() => {
                Ledger::new(self.inner.clone())
                    .record(item)
                    .await
                    .expect("the late event is valid");
            }
            Some(item) => *self.late.lock().unwrap() = Some(item),
            None => {}
        }
        Ok(page)
    }
}

#[tokio::test]
async fn a_rebuild_stops_where_the_feed_ended_when_it_started() {
    let dir = tempfile::tempdir().unwrap();
    let inner = Arc::new(MemoryEventStore::new());
    record_story(&Ledger::new(inner.clone()), None).await;
    let store = Arc::new(LateWriter {
        inner: inner.clone(),
        ..LateWriter::default()
    });
    let ledger = Ledger::new(store.clone());
    let mut projections =
        Projections::open(ledger.clone(), Some(&dir.path().join("p.db"))).unwrap();
    // A reaffirmation of Denver–Axum (whose stream the rebuild reads) arrives once the
    // rebuild has found the end of the feed, before it reads the events.
    let axum = partnership("Denver, US-CO", "Axum, ET");
    *store.late.lock().unwrap() = Some(lifecycle(
        EventType::PartnershipReaffirmed,
        &axum,
        "2024",
        Certainty::Confirmed,
    ));
    let progress = projections.rebuild(&mut |_, _| {}).await.expect("rebuild");
    assert!(store.late.lock().unwrap().is_none(), "the late event came");
    assert_eq!((progress.events, progress.partnerships), (10, 3));
    assert_eq!(saved_checkpoint(&projections).await.unwrap().events, 10);
    let status = projections
        .status(&Selection::One(axum.id()), None, None)
        .await
        .unwrap();
    assert_eq!(
        status[0].events, 1,
        "the rebuild covers the feed as it found it"
    );
    // The late event is the next catch-up's.
    assert_eq!(projections.catch_up().await.unwrap().events, 1);
    let mut fresh = Projections::open(ledger, Some(&dir.path().join("fresh.db"))).unwrap();
    fresh.catch_up().await.unwrap();
    assert_eq!(dump(&projections).await, dump(&fresh).await);
}

/// Every query answers alike from both projections (of the same events).
async fn assert_same_answers(left: &Projections, right: &Projections) {
    use amity_projections::AsOf;
    // The views implement `Debug` (and `Serialize`), not `PartialEq`.
    let debug = |value: &dyn std::fmt::Debug| format!("{value:?}");
    let smolensk = partnership("Colorado Springs, US-CO", "Smolensk, RU").id();
    let colorado_springs: amity_domain::PartyKey = "us-co:colorado-springs".parse().unwrap();
    let as_of = AsOf {
        date: "2022-03-03".parse().unwrap(),
    };
    for selection in [
        Selection::All,
        Selection::One(smolensk.clone()),
        Selection::Party(colorado_springs.clone()),
    ] {
        for date in [None, Some(&as_of)] {
            let (a, b) = (
                left.status(&selection, date, None).await.unwrap(),
                right.status(&selection, date, None).await.unwrap(),
            );
            assert!(!a.is_empty());
            assert_eq!(debug(&a), debug(&b), "status {selection:?} as of {date:?}");
        }
    }
    let (a, b) = (
        left.partners(&colorado_springs, Some(&as_of), None)
            .await
            .unwrap(),
        right
            .partners(&colorado_springs, Some(&as_of), None)
            .await
            .unwrap(),
    );
    assert!(!a.is_empty());
    assert_eq!(debug(&a), debug(&b), "partners");
    assert_eq!(
        left.history(&smolensk, None).await.unwrap(),
        right.history(&smolensk, None).await.unwrap()
    );
    for cohort in [
        analysis::Cohort::default(),
        analysis::Cohort {
            countries: Some(["RU".to_owned(), "US".to_owned()]),
            ..analysis::Cohort::default()
        },
        analysis::Cohort {
            region: Some("us-co".to_owned()),
            kind: Some("sister city".to_owned()),
            ..analysis::Cohort::default()
        },
    ] {
        let (a, b) = (
            left.members(&cohort, None).await.unwrap(),
            right.members(&cohort, None).await.unwrap(),
        );
        assert!(!a.is_empty(), "{cohort:?}");
        assert_eq!(debug(&a), debug(&b), "members of {cohort:?}");
        assert_eq!(
            left.cohort_pairs(&cohort, None).await.unwrap(),
            right.cohort_pairs(&cohort, None).await.unwrap()
        );
        // What `changes` reads: alike from both, and as rebuilt from the events (known at
        // now, which reads no table).
        let lifecycles = left.cohort_lifecycles(&cohort, None, None).await.unwrap();
        assert!(!lifecycles.is_empty(), "{cohort:?}");
        assert_eq!(
            lifecycles,
            right.cohort_lifecycles(&cohort, None, None).await.unwrap()
        );
        let now = Some(jiff::Timestamp::now());
        assert_eq!(
            lifecycles,
            left.cohort_lifecycles(&cohort, None, now).await.unwrap()
        );
    }
    // What the timeline export places: alike from both, and as rebuilt from the events (known
    // at now, which reads no table), by partnership then history order.
    // Where each entry's event is stored is known only to tables in the ledger's own file.
    let placed = |placements: &amity_projections::placement::Placements| -> Vec<String> {
        let unstored = |place: amity_projections::placement::Placement<'_>| {
            let mut place = place;
            place.entry.stored_at = None;
            format!("{place:?}")
        };
        placements.iter().map(unstored).collect()
    };
    let placements = placed(&left.placements(None).await.unwrap());
    assert_eq!(placements.len(), 10, "{placements:#?}");
    assert_eq!(placements, placed(&right.placements(None).await.unwrap()));
    let now = Some(jiff::Timestamp::now());
    assert_eq!(placements, placed(&left.placements(now).await.unwrap()));
    let namesake: amity_domain::PartyKey = "us:smolensk".parse().unwrap();
    let similar = left.similar_parties(&namesake).await.unwrap();
    assert_eq!(similar, ["ru:smolensk"]);
    assert_eq!(similar, right.similar_parties(&namesake).await.unwrap());
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL (`AMITY_TEST_POSTGRES_URL`).

/// The URL of a fresh schema on the test server and the schema's name, or `None` (with the
/// reason printed).
fn fresh_postgres() -> Option<(String, String)> {
    let Ok(url) = std::env::var("AMITY_TEST_POSTGRES_URL") else {
        eprintln!(
            "skipped: set AMITY_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to test the PostgreSQL projections"
        );
        return None;
    };
    let schema = format!("amity_test_{}", uuid::Uuid::new_v4().simple());
    let separator = if url.contains('?') { '&' } else { '?' };
    Some((format!("{url}{separator}schema={schema}"), schema))
}

/// A ledger in that schema, with its own connections (as another process would have).
async fn postgres_ledger(url: &str) -> Ledger {
    let store = amity_store_postgres::PostgresEventStore::connect(url)
        .await
        .expect("connect to the test PostgreSQL");
    Ledger::new(Arc::new(store))
}

/// The story recorded in a PostgreSQL ledger at `url`, and its projections (not caught up).
async fn postgres_story(url: &str) -> (Ledger, Projections) {
    let ledger = postgres_ledger(url).await;
    record_story(&ledger, None).await;
    let projections = Projections::open_postgres(ledger.clone(), url)
        .await
        .unwrap();
    (ledger, projections)
}

/// A plain client, for what a `psql` user would do.
async fn psql() -> tokio_postgres::Client {
    let url = std::env::var("AMITY_TEST_POSTGRES_URL").unwrap();
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

#[tokio::test]
async fn postgres_tables_after_catch_ups_equal_a_rebuild_and_the_sqlite_tables() {
    let Some((url, schema)) = fresh_postgres() else {
        return;
    };
    let ledger = postgres_ledger(&url).await;
    let mut projections = Projections::open_postgres(ledger.clone(), &url)
        .await
        .unwrap();
    // Out-of-order recordings, a disputed claim, a retraction; caught up after every event.
    record_story(&ledger, Some(&mut projections)).await;
    let incremental = dump(&projections).await;
    // 3 partnerships, 10 history entries, 6 directory rows, 6 parties.
    assert_eq!(incremental.len(), 3 + 10 + 6 + 6, "{incremental:#?}");
    let checkpoint = saved_checkpoint(&projections).await.unwrap();
    assert_eq!(checkpoint.events, 10);
    assert_eq!(checkpoint.code_version, CODE_VERSION);

    let progress = projections.rebuild(&mut |_, _| {}).await.unwrap();
    assert!(progress.rebuilt);
    assert_eq!((progress.events, progress.partnerships), (10, 3));
    assert_eq!(dump(&projections).await, incremental);
    assert_eq!(saved_checkpoint(&projections).await, Some(checkpoint));

    // The same events (same ids and times) in a SQLite ledger: the same tables, line for line.
    let fixture = new_ledger();
    amity_ledger::archive::copy(&ledger, &fixture.ledger, &mut |_| {})
        .await
        .unwrap();
    let mut sqlite = Projections::open_in_ledger(fixture.ledger.clone(), &fixture.path).unwrap();
    sqlite.catch_up().await.unwrap();
    assert_eq!(dump(&sqlite).await, incremental);
    assert_same_answers(&projections, &sqlite).await;

    // The tables are in the store's schema, beside its events, for anyone to query.
    let client = psql().await;
    let row = client
        .query_one(
            &format!(
                "SELECT s.status, s.row->>'status',
                        count(*) FILTER (WHERE t.disputed), count(*)
                 FROM {schema}.partnership_status s
                 JOIN {schema}.partnership_timeline t USING (partnership)
                 JOIN {schema}.events e ON e.event_id::text = t.event_id
                 WHERE 'us-fl:tallahassee' IN (s.party_a, s.party_b)
                   AND t.event_type = 'PartnershipFounded'
                 GROUP BY 1, 2"
            ),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, &str>(0), "terminated");
    assert_eq!(row.get::<_, &str>(1), "terminated");
    assert_eq!(
        (row.get::<_, i64>(2), row.get::<_, i64>(3)),
        (1, 2),
        "two founding claims, one disputed"
    );
}

#[tokio::test]
async fn postgres_tables_are_rebuilt_for_new_code_or_another_ledger() {
    let Some((url, schema)) = fresh_postgres() else {
        return;
    };
    let (ledger, mut projections) = postgres_story(&url).await;
    assert!(
        projections.catch_up().await.unwrap().rebuilt,
        "first use builds"
    );
    assert_eq!(projections.catch_up().await.unwrap(), Default::default());
    let before = dump(&projections).await;
    let client = psql().await;
    // Tables of newer code are left alone, with an error.
    client
        .batch_execute(&format!(
            "UPDATE {schema}.projection_checkpoint SET code_version = {};",
            CODE_VERSION + 1
        ))
        .await
        .unwrap();
    let error = projections.catch_up().await.unwrap_err();
    assert!(
        error.to_string().contains("built by a newer amity"),
        "{error}"
    );
    assert_eq!(dump(&projections).await, before);
    for change in [
        format!(
            "UPDATE {schema}.projection_checkpoint SET code_version = {};
             DELETE FROM {schema}.party_directory;",
            CODE_VERSION - 1
        ),
        format!(
            "UPDATE {schema}.projection_checkpoint SET first_event_id = gen_random_uuid()::text;
             DELETE FROM {schema}.partnership_timeline;"
        ),
    ] {
        client.batch_execute(&change).await.unwrap();
        let progress = projections.catch_up().await.unwrap();
        assert!(progress.rebuilt, "after {change}");
        assert_eq!(progress.events, 10);
        assert_eq!(dump(&projections).await, before);
    }
    // Reconnecting migrates nothing twice.
    let again = Projections::open_postgres(ledger, &url).await.unwrap();
    assert_eq!(dump(&again).await, before);
    let migrations: i64 = client
        .query_one(
            &format!("SELECT count(*) FROM {schema}.projection_migrations"),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        migrations, 3,
        "the tables, code version 7's columns, code version 8's parties"
    );
}

#[tokio::test]
async fn postgres_failed_write_leaves_rows_and_checkpoint_as_they_were() {
    let Some((url, schema)) = fresh_postgres() else {
        return;
    };
    let (ledger, mut projections) = postgres_story(&url).await;
    projections.catch_up().await.unwrap();
    let client = psql().await;
    client
        .batch_execute(&format!(
            "CREATE FUNCTION {schema}.fail_midway() RETURNS trigger LANGUAGE plpgsql AS
                 $$ BEGIN IF NEW.seq = 1 THEN RAISE EXCEPTION 'simulated crash'; END IF;
                    RETURN NEW; END $$;
             CREATE TRIGGER fail_midway BEFORE INSERT ON {schema}.partnership_timeline
                 FOR EACH ROW EXECUTE FUNCTION {schema}.fail_midway();"
        ))
        .await
        .unwrap();
    let before = a_crashed_catch_up_changes_nothing(&ledger, &mut projections).await;
    client
        .batch_execute(&format!(
            "DROP TRIGGER fail_midway ON {schema}.partnership_timeline;"
        ))
        .await
        .unwrap();
    assert_eq!(projections.catch_up().await.unwrap().events, 1);
    assert_ne!(dump(&projections).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_catch_ups_of_two_processes_while_a_writer_records() {
    let Some((url, _schema)) = fresh_postgres() else {
        return;
    };
    let ledger = postgres_ledger(&url).await;
    record_story(&ledger, None).await;
    let mut first = Projections::open_postgres(postgres_ledger(&url).await, &url)
        .await
        .unwrap();
    let mut second = Projections::open_postgres(postgres_ledger(&url).await, &url)
        .await
        .unwrap();
    // A writer founds partnerships and suspends them, while both catch up, or rebuild, over
    // and over.
    let writer = tokio::spawn(async move {
        for n in 0..40 {
            let pair = partnership(&format!("Springfield {n}, US"), "Smolensk, RU");
            ledger
                .record(lifecycle(
                    EventType::PartnershipFounded,
                    &pair,
                    "1990",
                    Certainty::Confirmed,
                ))
                .await
                .unwrap();
            ledger
                .record(lifecycle(
                    EventType::PartnershipSuspended,
                    &pair,
                    "2022-03",
                    Certainty::Confirmed,
                ))
                .await
                .unwrap();
        }
    });
    let mut round = 0;
    while !writer.is_finished() {
        round += 1;
        if round % 5 == 0 {
            let mut progress = |_, _| {};
            let (a, b) = tokio::join!(first.rebuild(&mut progress), second.catch_up());
            a.unwrap();
            b.unwrap();
        } else {
            let (a, b) = tokio::join!(first.catch_up(), second.catch_up());
            a.unwrap();
            b.unwrap();
        }
    }
    writer.await.unwrap();
    first.catch_up().await.unwrap();
    second.catch_up().await.unwrap();
    assert_eq!(saved_checkpoint(&first).await.unwrap().events, 90);
    let tables = dump(&first).await;
    assert_eq!(tables, dump(&second).await);
    let mut third = Projections::open_postgres(postgres_ledger(&url).await, &url)
        .await
        .unwrap();
    third.rebuild(&mut |_, _| {}).await.unwrap();
    assert_eq!(dump(&third).await, tables);
    let status = third.status(&Selection::All, None, None).await.unwrap();
    assert_eq!(status.len(), 43);
    assert_eq!(
        status
            .iter()
            .filter(|view| view.status.name() == "suspended")
            .count(),
        41
    );
}

#[tokio::test]
async fn a_rebuild_refuses_a_feed_summary_that_undercounts_a_stream() {
    let dir = tempfile::tempdir().unwrap();
    let inner = Arc::new(MemoryEventStore::new());
    record_story(&Ledger::new(inner.clone()), None).await;
    let ledger = Ledger::new(Arc::new(LateWriter {
        inner,
        undercount: true,
        ..LateWriter::default()
    }));
    let file = dir.path().join("p.db");
    let mut projections = Projections::open(ledger, Some(&file)).unwrap();
    let error = projections.rebuild(&mut |_, _| {}).await.unwrap_err();
    assert!(error.to_string().contains("undercounted stream"), "{error}");
    drop(projections);
    // Nothing was committed: the tables have no checkpoint and no rows.
    let tables = amity_projections::sqlite::SqliteTables::open(&file).unwrap();
    assert_eq!(tables.checkpoint().unwrap(), None);
    assert!(tables.status_rows(None).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_histories_that_show_an_event_the_feed_reading_missed_when_the_timeline_is_exported_then_it_is_read_on_and_shown(
) {
    use amity_interchange::views;
    let inner = Arc::new(MemoryEventStore::new());
    record_story(&Ledger::new(inner.clone()), None).await;
    // The histories are read from the whole feed; the export's own reading of the feed first
    // ends before its last event, as when another process appends it meanwhile.
    let projections = Projections::open(Ledger::new(inner.clone()), None).unwrap();
    let store = Arc::new(LateWriter {
        inner: inner.clone(),
        hide_last: true.into(),
        ..LateWriter::default()
    });
    let mut exported = Vec::new();
    let rows = views::export_timeline(
        &Ledger::new(store.clone()),
        &projections,
        None,
        false,
        &mut exported,
    )
    .await
    .unwrap();
    assert!(
        !store.hide_last.load(std::sync::atomic::Ordering::SeqCst),
        "it was hidden once"
    );
    let whole = Ledger::new(inner);
    let feed = views::Feed::read(&whole, None).await.unwrap();
    let placements = projections.placements(None).await.unwrap();
    let mut reference = Vec::new();
    let written = views::write_timeline(&feed, &placements, false, &mut reference).unwrap();
    assert_eq!(rows, written);
    let exported = String::from_utf8(exported).unwrap();
    let last = whole
        .stored_records(amity_store::Position::START, usize::MAX)
        .await
        .unwrap();
    let last = last.last().unwrap().event_id.to_string();
    assert!(
        exported.contains(&last),
        "the hidden event's row: {exported}"
    );
    assert_eq!(exported, String::from_utf8(reference).unwrap());
}

// ---------------------------------------------------------------------------------------------
// Same-as merges: catch-up equals rebuild, SQLite equals PostgreSQL, through a link and its
// retraction.

/// Register a party and link two keys as one community; returns the link's id.
async fn link_same_as(ledger: &Ledger, a: &str, b: &str) -> amity_domain::EventId {
    use amity_domain::{Link, Party, RegisterEvent, Registration, Relation};
    for written in [a, b] {
        let party: Party = written.parse().unwrap();
        ledger
            .record_register(
                uuid::Uuid::now_v7(),
                RegisterEvent::Registered(Box::new(Registration {
                    key: party.key(),
                    party,
                    kind: None,
                    geonames: None,
                    coordinates: None,
                    aliases: Vec::new(),
                    sources: Vec::new(),
                    note: None,
                })),
                "test",
            )
            .await
            .unwrap();
    }
    let (a, b): (Party, Party) = (a.parse().unwrap(), b.parse().unwrap());
    let id = uuid::Uuid::now_v7();
    ledger
        .record_register(
            id,
            RegisterEvent::Linked(Link {
                relation: Relation::SameAs,
                a: a.key(),
                b: b.key(),
                sources: Vec::new(),
                note: None,
            }),
            "test",
        )
        .await
        .unwrap();
    id
}

/// The tables of a fresh rebuild of `ledger` in a file of their own.
async fn rebuilt_dump(ledger: &Ledger, dir: &std::path::Path, name: &str) -> Vec<String> {
    let mut fresh = Projections::open(ledger.clone(), Some(&dir.join(name))).unwrap();
    fresh.rebuild(&mut |_, _| {}).await.unwrap();
    dump(&fresh).await
}

#[tokio::test]
async fn merges_and_their_retraction_keep_catch_up_equal_to_rebuild_and_postgres_to_sqlite() {
    use amity_domain::register::Unlink;
    use amity_domain::RegisterEvent;
    use EventType as T;
    let fixture = new_ledger();
    let ledger = &fixture.ledger;
    let mut projections = Projections::open_in_ledger(ledger.clone(), &fixture.path).unwrap();
    let confirmed = Certainty::Confirmed;
    let co_fuji = partnership("Colorado Springs, US-CO", "Fujiyoshida, JP");
    let us_fuji = partnership("Colorado Springs, US", "Fujiyoshida, JP");
    let us_kranj = partnership("Colorado Springs, US", "Kranj, SI");
    for item in [
        lifecycle(T::PartnershipFounded, &co_fuji, "1962", confirmed),
        lifecycle(T::PartnershipAttested, &us_fuji, "2026-02", confirmed),
        lifecycle(T::PartnershipFounded, &us_kranj, "2019", confirmed),
    ] {
        ledger.record(item).await.unwrap();
        catch_up_one(Some(&mut projections)).await;
    }
    let apart = dump(&projections).await;
    assert!(
        apart
            .iter()
            .filter(|l| l.starts_with("partnership_status:"))
            .count()
            == 3
    );
    let link = link_same_as(ledger, "Colorado Springs, US-CO", "Colorado Springs, US").await;
    projections.catch_up().await.unwrap();
    let merged = dump(&projections).await;
    let status: Vec<&String> = merged
        .iter()
        .filter(|l| l.starts_with("partnership_status:"))
        .collect();
    assert_eq!(status.len(), 2, "{merged:#?}");
    assert!(
        status[0].contains("jp:fujiyoshida+us-co:colorado-springs"),
        "{merged:#?}"
    );
    assert!(
        status[1].contains("si:kranj+us-co:colorado-springs"),
        "{merged:#?}"
    );
    assert!(
        merged
            .iter()
            .any(|l| l.starts_with("parties: \"us:colorado-springs\"")
                && l.contains("| \"us-co:colorado-springs\" | 1 |")),
        "the other key names its community: {merged:#?}"
    );
    assert_eq!(
        merged,
        rebuilt_dump(ledger, fixture.dir.path(), "a.db").await
    );
    // A new event about the other key goes to the community's stream, caught up alone.
    let suspension = lifecycle(T::PartnershipSuspended, &us_kranj, "2023", confirmed);
    let recorded = ledger.record(suspension).await.unwrap();
    assert_eq!(
        recorded.recorded().partnership.as_str(),
        "si:kranj+us-co:colorado-springs"
    );
    projections.catch_up().await.unwrap();
    let after = dump(&projections).await;
    assert_eq!(
        after,
        rebuilt_dump(ledger, fixture.dir.path(), "b.db").await
    );
    // PostgreSQL: the same events give the same tables.
    if let Some((url, _)) = fresh_postgres() {
        let postgres = postgres_ledger(&url).await;
        amity_ledger::archive::copy(ledger, &postgres, &mut |_| {})
            .await
            .unwrap();
        let mut tables = Projections::open_postgres(postgres.clone(), &url)
            .await
            .unwrap();
        tables.catch_up().await.unwrap();
        assert_eq!(dump(&tables).await, after);
    }
    // The link retracted: the keys are apart again, as a rebuild says.
    ledger
        .record_register(
            uuid::Uuid::now_v7(),
            RegisterEvent::Unlinked(Unlink {
                target: link,
                reason: "two entries on purpose".to_owned(),
                sources: Vec::new(),
            }),
            "test",
        )
        .await
        .unwrap();
    projections.catch_up().await.unwrap();
    let parted = dump(&projections).await;
    assert_eq!(
        parted
            .iter()
            .filter(|l| l.starts_with("partnership_status:"))
            .count(),
        4,
        "{parted:#?}"
    );
    assert_eq!(
        parted,
        rebuilt_dump(ledger, fixture.dir.path(), "c.db").await
    );
}

/// Each history entry's stored position, beside the position of the event its stream's name
/// and version find, and its stream when another than the partnership's.
fn entry_positions(path: &std::path::Path) -> Vec<(Option<i64>, i64, Option<String>)> {
    let connection = rusqlite::Connection::open(path).unwrap();
    let mut statement = connection
        .prepare(
            "SELECT t.position, e.position, t.stream FROM timeline_entries t
             JOIN status_entries p ON p.partnership_no = t.partnership_no
             JOIN streams s ON s.name = coalesce(t.stream, p.partnership)
             JOIN events e ON e.stream_no = s.stream_no AND e.stream_version = t.stream_version
             ORDER BY t.partnership_no, t.seq",
        )
        .unwrap();
    let rows = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

#[tokio::test]
async fn given_a_rebuilt_ledger_file_when_its_histories_are_read_then_each_entry_finds_its_event_by_position(
) {
    use EventType as T;
    let fixture = new_ledger();
    let ledger = &fixture.ledger;
    record_story(ledger, None).await;
    // A community of two keys: its history shows an entry of the other key's stream.
    let confirmed = Certainty::Confirmed;
    let us_smolensk = partnership("Colorado Springs, US", "Smolensk, RU");
    ledger
        .record(lifecycle(
            T::PartnershipAttested,
            &us_smolensk,
            "2021",
            confirmed,
        ))
        .await
        .unwrap();
    link_same_as(ledger, "Colorado Springs, US-CO", "Colorado Springs, US").await;
    let mut projections = Projections::open_in_ledger(ledger.clone(), &fixture.path).unwrap();
    projections.rebuild(&mut |_, _| {}).await.unwrap();

    // When: the entries are read back after the rebuild.
    let rebuilt = entry_positions(&fixture.path);
    // Then: every entry of a partnership's own stream keeps its event's position; an entry
    // of another stream (merged) keeps none and is found by its stream's name.
    assert_eq!(rebuilt.len(), 11, "{rebuilt:?}");
    for (kept, found, stream) in &rebuilt {
        match stream {
            None if kept.is_some() => assert_eq!(kept, &Some(*found), "{rebuilt:?}"),
            None => {}
            Some(_) => assert_eq!(kept, &None, "{rebuilt:?}"),
        }
    }
    let kept = rebuilt.iter().filter(|(kept, ..)| kept.is_some()).count();
    let merged = rebuilt
        .iter()
        .filter(|(.., stream)| stream.is_some())
        .count();
    assert_eq!(merged, 1, "{rebuilt:?}");
    // The community's own entries are read with the merged history: no position either; the
    // two other partnerships' six entries keep theirs.
    assert_eq!(kept, 6, "{rebuilt:?}");
    // And the views read through positions what a file that stores the details holds.
    let own = dump(&projections).await;
    assert_eq!(own, rebuilt_dump(ledger, fixture.dir.path(), "a.db").await);

    // When: one partnership is caught up after one more event (its stream read again).
    let axum = partnership("Denver, US-CO", "Axum, ET");
    ledger
        .record(lifecycle(
            T::PartnershipReaffirmed,
            &axum,
            "2023",
            confirmed,
        ))
        .await
        .unwrap();
    catch_up_one(Some(&mut projections)).await;
    // Then: its two entries keep their events' positions too, and the views read the same.
    let caught_up = entry_positions(&fixture.path);
    assert_eq!(caught_up.len(), 12);
    let kept_after = caught_up.iter().filter(|(kept, ..)| kept.is_some()).count();
    assert_eq!(kept_after, 7, "{caught_up:?}");
    for (kept, found, stream) in &caught_up {
        assert!(kept.is_none_or(|kept| kept == *found), "{caught_up:?}");
        assert!(stream.is_none() || kept.is_none(), "{caught_up:?}");
    }
    assert_eq!(
        dump(&projections).await,
        rebuilt_dump(ledger, fixture.dir.path(), "b.db").await
    );
}
