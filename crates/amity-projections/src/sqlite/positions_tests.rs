//! History entries that keep where their stored event is (code version 11) read what the
//! stored details say. On random ledgers, the ledger file's tables caught up now and then (a
//! first catch-up rebuilds; later ones read each touched stream again), the same tables
//! rebuilt, and tables rebuilt in a file of their own (details stored, no stored event
//! joined) give the same views; every position kept is where the event is, and every entry
//! keeps one (no history here is merged from several streams).

use std::path::Path;
use std::sync::Arc;

use proptest::prelude::*;

use amity_domain::event::Retraction;
use amity_domain::{Certainty, Event, EventType, Facts, Partnership, PartnershipKind};
use amity_ledger::{Ledger, ToRecord};

use crate::Projections;

const PARTIES: [(&str, &str); 3] = [
    ("Pueblo, US-CO", "Chihuahua, MX"),
    ("Denver, US-CO", "Axum, ET"),
    ("Pueblo, US-CO", "Denver, US-CO"),
];

const DATES: [&str; 7] = [
    "1993",
    "2022-03",
    "2022-03-03~",
    "[1983,1984]",
    "2003/2014",
    "1992/..",
    "2022-02-28",
];

/// One step of a random ledger: an event of a pair, or the retraction of one of the pair's
/// earlier events; then a catch-up or not.
#[derive(Debug, Clone)]
struct Step {
    pair: usize,
    event_type: EventType,
    date: usize,
    disputed: bool,
    retract: Option<usize>,
    catch_up: bool,
}

fn step() -> impl Strategy<Value = Step> {
    (
        0..PARTIES.len(),
        // The lifecycle types, founding to reaffirmation (attestations among them).
        proptest::sample::select(
            EventType::ALL
                .into_iter()
                .filter(|event_type| event_type.is_lifecycle())
                .collect::<Vec<_>>(),
        ),
        0..DATES.len(),
        any::<bool>(),
        proptest::option::weighted(0.2, 0..8usize),
        any::<bool>(),
    )
        .prop_map(
            |(pair, event_type, date, disputed, retract, catch_up)| Step {
                pair,
                event_type,
                date,
                disputed,
                retract,
                catch_up,
            },
        )
}

fn partnership(pair: usize) -> Arc<Partnership> {
    let (a, b) = PARTIES[pair];
    Arc::new(
        Partnership::new(
            a.parse().unwrap(),
            b.parse().unwrap(),
            PartnershipKind::sister_city(),
        )
        .unwrap(),
    )
}

/// Record the steps (an event the ledger refuses is left out), catching up where a step says.
async fn record(ledger: &Ledger, projections: &mut Projections, steps: &[Step]) {
    let mut recorded: Vec<Vec<amity_domain::EventId>> = vec![Vec::new(); PARTIES.len()];
    for step in steps {
        let partnership = partnership(step.pair);
        let item = match step.retract {
            Some(index) if !recorded[step.pair].is_empty() => {
                let ids = &recorded[step.pair];
                let retraction = Event::Retracted(Retraction {
                    target: ids[index % ids.len()],
                    reason: "a mistake".to_owned(),
                    facts: Facts::default(),
                });
                ToRecord::about(partnership.id(), retraction, "test")
            }
            _ => {
                let facts = Facts {
                    occurred: DATES[step.date].parse().unwrap(),
                    certainty: if step.disputed {
                        Certainty::Disputed
                    } else {
                        Certainty::Confirmed
                    },
                    ..Facts::default()
                };
                let event = Event::lifecycle(step.event_type, partnership, facts);
                ToRecord::lifecycle(event, "test")
            }
        };
        if let Ok(outcome) = ledger.record(item).await {
            recorded[step.pair].push(outcome.recorded().id);
        }
        if step.catch_up {
            projections.catch_up().await.unwrap();
        }
    }
    projections.catch_up().await.unwrap();
}

/// Each entry's kept position (if any) and the position its stream's name and version find.
fn positions(path: &Path) -> Vec<(Option<i64>, i64)> {
    let connection = rusqlite::Connection::open(path).unwrap();
    let mut statement = connection
        .prepare(
            "SELECT t.position, e.position FROM timeline_entries t
             JOIN status_entries p ON p.partnership_no = t.partnership_no
             JOIN streams s ON s.name = coalesce(t.stream, p.partnership)
             JOIN events e ON e.stream_no = s.stream_no AND e.stream_version = t.stream_version",
        )
        .unwrap();
    let rows = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

async fn dump(projections: &Projections) -> Vec<String> {
    projections.tables().unwrap().dump().await.unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::proptest_cases(32)))]

    #[test]
    fn entries_with_and_without_their_events_position_read_the_same(
        steps in proptest::collection::vec(step(), 1..14),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("ledger.db");
            let store = amity_store_sqlite::SqliteEventStore::open(&path).unwrap();
            let ledger = Ledger::new(Arc::new(store));
            let mut projections = Projections::open_in_ledger(ledger.clone(), &path).unwrap();
            record(&ledger, &mut projections, &steps).await;
            let caught_up = dump(&projections).await;
            let mixed = positions(&path);
            for (kept, found) in &mixed {
                prop_assert_eq!(kept, &Some(*found), "{:?}", mixed);
            }

            projections.rebuild(&mut |_, _| {}).await.unwrap();
            prop_assert_eq!(&dump(&projections).await, &caught_up);
            let rebuilt = positions(&path);
            prop_assert_eq!(rebuilt.len(), mixed.len());
            for (kept, found) in &rebuilt {
                prop_assert_eq!(kept, &Some(*found), "{:?}", rebuilt);
            }

            let mut own = Projections::open(ledger.clone(), Some(&dir.path().join("own.db")))
                .unwrap();
            own.catch_up().await.unwrap();
            prop_assert_eq!(&dump(&own).await, &caught_up);
            Ok(())
        })?;
    }
}
