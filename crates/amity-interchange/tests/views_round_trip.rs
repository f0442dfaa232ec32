//! The lossless CSV views, shown rather than argued: random ledgers (lifecycle events,
//! alternative claims, citations, retractions, registrations, aliases, links, milestones; free
//! text full of formula signs, quotes, separators, line breaks and non-Latin letters) are
//! written as the views and read back into an empty ledger, which must then hold the same
//! stored events: ids, streams, versions, types, payloads byte for byte, metadata, times, in
//! the same global order. Written guarded (the default) and raw.

use std::sync::Arc;

use amity_domain::event::SCHEMA_VERSION;
use amity_domain::event::{Citation, Lifecycle, Retraction};
use amity_domain::register::{Aliases, Link, Registration, Relation};
use amity_domain::{
    Certainty, EdtfDate, Event, Facts, Milestone, Occurred, Partnership, PartnershipKind, Party,
    RegisterEvent, Source, SourceRole,
};
use amity_interchange::views;
use amity_ledger::archive::views::{import, ViewFiles};
use amity_ledger::archive::ImportOptions;
use amity_ledger::Ledger;
use amity_projections::Projections;
use amity_store::{EventStore, ExpectedVersion, MemoryEventStore, NewEvent, Position};
use proptest::prelude::*;

/// Texts drawn mostly from the characters that make CSV and spreadsheets go wrong.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ab '=+@;,\"\\\\-]{1,8}",
        "[=+@'-][a-zС-я«» ]{0,6}",
        "[a-z]{1,4}(\n|\r\n)[a-z;]{1,4}",
        "\\PC{1,10}",
    ]
    .prop_filter("a text holds no NUL", |t| !t.contains('\0'))
}

fn optional_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text())
}

fn date() -> impl Strategy<Value = Occurred> {
    prop_oneof![
        Just(Occurred::Unknown),
        prop::sample::select(vec![
            "1993",
            "2022-03",
            "2022-03-03~",
            "1993?",
            "[2022-02-28,2022-03-28]",
            "2003/2014",
            "-0500",
            "2021-02-29",
            "199X",
        ])
        .prop_filter_map("a real EDTF date", |d| d
            .parse::<EdtfDate>()
            .ok()
            .map(Occurred::Date)),
    ]
}

fn source() -> impl Strategy<Value = Source> {
    (
        text(),
        optional_text(),
        proptest::option::of(prop::sample::select(vec![
            "https://example.org/a?b=1,2".to_owned(),
            "urn:isbn:0451450523".to_owned(),
        ])),
        proptest::option::of(Just("2022-03".parse::<EdtfDate>().unwrap())),
        optional_text(),
        proptest::option::of(prop::sample::select(vec![
            SourceRole::Primary,
            SourceRole::Secondary,
        ])),
    )
        .prop_map(|(title, publisher, url, published, locator, role)| Source {
            title,
            publisher,
            url,
            published,
            locator,
            role,
        })
}

fn facts() -> impl Strategy<Value = Facts> {
    (
        date(),
        optional_text(),
        prop::collection::vec(source(), 0..3),
        prop::sample::select(vec![
            Certainty::Confirmed,
            Certainty::Probable,
            Certainty::Possible,
            Certainty::Disputed,
        ]),
        proptest::option::of(Just("us-co:colorado-springs".parse().unwrap())),
        optional_text(),
    )
        .prop_map(
            |(occurred, term_as_written, sources, certainty, initiated_by, note)| Facts {
                occurred,
                term_as_written,
                sources,
                certainty,
                initiated_by,
                note,
            },
        )
}

/// The parties a random ledger's partnerships are between.
fn parties() -> Vec<Party> {
    vec![
        Party::new("Colorado Springs", "US", Some("US-CO"), Some("Q49258")).unwrap(),
        Party::new("Smolensk", "RU", None, None).unwrap(),
        Party::new("Kraków", "PL", None, Some("Q31487")).unwrap(),
        Party::new("Durham", "GB", Some("GB-DUR"), None).unwrap(),
    ]
}

/// One step of a random ledger.
#[derive(Debug, Clone)]
enum Step {
    /// A lifecycle event (type 0–5) of partnership `pair` (an index), an alternative to its
    /// stream's first event if `alternative`.
    Lifecycle(usize, u8, bool, Facts),
    /// A citation or a retraction of an earlier event of `pair`'s stream.
    Correction(usize, bool, String, Facts),
    /// A registration of party `party`, with aliases and coordinates.
    Register(
        usize,
        Vec<String>,
        Option<(f64, f64)>,
        Vec<Source>,
        Option<String>,
    ),
    /// More names for party `party`.
    Alias(usize, Vec<String>),
    /// A link between two parties: the same community if `same`, else distinct ones.
    Link(usize, usize, bool, Option<String>),
    /// A milestone.
    Milestone(String, Vec<Source>, Option<String>),
}

fn step() -> impl Strategy<Value = Step> {
    let alias = "[A-Za-zó ;\\\\]{1,8}";
    prop_oneof![
        4 => (0..3usize, 0..6u8, any::<bool>(), facts())
            .prop_map(|(pair, kind, alternative, facts)| Step::Lifecycle(pair, kind, alternative, facts)),
        2 => (0..3usize, any::<bool>(), text(), facts())
            .prop_map(|(pair, retract, reason, facts)| Step::Correction(pair, retract, reason, facts)),
        1 => (
            0..4usize,
            prop::collection::vec(alias, 0..3),
            proptest::option::of((-90.0..90.0f64, -180.0..180.0f64)),
            prop::collection::vec(source(), 0..2),
            optional_text(),
        )
            .prop_map(|(party, aliases, at, sources, note)| Step::Register(party, aliases, at, sources, note)),
        1 => (0..4usize, prop::collection::vec(alias, 1..3))
            .prop_map(|(party, aliases)| Step::Alias(party, aliases)),
        1 => (0..4usize, 0..4usize, any::<bool>(), optional_text())
            .prop_map(|(a, b, same, note)| Step::Link(a, b, same, note)),
        1 => (text(), prop::collection::vec(source(), 0..2), optional_text())
            .prop_map(|(title, sources, note)| Step::Milestone(title, sources, note)),
    ]
}

/// A stored event to append: its stream, type and payload.
fn stored(stream: String, event_type: &str, payload: String) -> (String, NewEvent) {
    (
        stream,
        NewEvent {
            event_id: uuid::Uuid::now_v7(),
            event_type: event_type.to_owned(),
            schema_version: SCHEMA_VERSION,
            payload: payload.into_bytes(),
            metadata: serde_json::to_vec(&serde_json::json!({"recorded_by": "=cmd|' /C calc'!A0"}))
                .unwrap(),
            recorded_at: None,
        },
    )
}

/// Append the steps to a fresh memory store, one event at a time.
async fn ledger_of(steps: &[Step]) -> Arc<dyn EventStore> {
    let store: Arc<dyn EventStore> = Arc::new(MemoryEventStore::new());
    let parties = parties();
    let pairs = [(0, 1), (0, 2), (2, 3)];
    let mut streams: std::collections::HashMap<String, Vec<uuid::Uuid>> = Default::default();
    let mut milestones = 0;
    for step in steps {
        let (stream, event) = match step {
            Step::Lifecycle(pair, kind, alternative, facts) => {
                let (a, b) = pairs[*pair];
                let partnership = Arc::new(
                    Partnership::new(
                        parties[a].clone(),
                        parties[b].clone(),
                        PartnershipKind::sister_city(),
                    )
                    .unwrap(),
                );
                let stream = partnership.id().to_string();
                let alternative_to = alternative
                    .then(|| streams.get(&stream).and_then(|ids| ids.first().copied()))
                    .flatten();
                let body = Lifecycle {
                    partnership,
                    alternative_to,
                    facts: facts.clone(),
                };
                let event = match kind {
                    0 => Event::Founded(body),
                    1 => Event::Attested(body),
                    2 => Event::Suspended(body),
                    3 => Event::Reinstated(body),
                    4 => Event::Terminated(body),
                    _ => Event::Reaffirmed(body),
                };
                stored(stream, event.event_type().name(), event.encode())
            }
            Step::Correction(pair, retract, reason, facts) => {
                let (a, b) = pairs[*pair];
                let stream = Partnership::new(
                    parties[a].clone(),
                    parties[b].clone(),
                    PartnershipKind::sister_city(),
                )
                .unwrap()
                .id()
                .to_string();
                let Some(&target) = streams.get(&stream).and_then(|ids| ids.last()) else {
                    continue;
                };
                let event = if *retract {
                    Event::Retracted(Retraction {
                        target,
                        reason: reason.clone(),
                        facts: facts.clone(),
                    })
                } else {
                    Event::Cited(Citation {
                        target,
                        facts: facts.clone(),
                    })
                };
                stored(stream, event.event_type().name(), event.encode())
            }
            Step::Register(party, aliases, coordinates, sources, note) => {
                let event = RegisterEvent::Registered(Box::new(Registration {
                    key: parties[*party].key(),
                    party: parties[*party].clone(),
                    kind: None,
                    geonames: coordinates.map(|_| 3_101_950),
                    coordinates: *coordinates,
                    aliases: aliases.clone(),
                    sources: sources.clone(),
                    note: note.clone(),
                }));
                stored(event.stream(), event.type_name(), event.encode())
            }
            Step::Alias(party, aliases) => {
                let event = RegisterEvent::Aliased(Aliases {
                    key: parties[*party].key(),
                    aliases: aliases.clone(),
                    sources: Vec::new(),
                    note: None,
                });
                stored(event.stream(), event.type_name(), event.encode())
            }
            Step::Link(a, b, same, note) if a != b => {
                let event = RegisterEvent::Linked(Link {
                    relation: if *same {
                        Relation::SameAs
                    } else {
                        Relation::Distinct
                    },
                    a: parties[*a].key(),
                    b: parties[*b].key(),
                    sources: Vec::new(),
                    note: note.clone(),
                });
                stored(event.stream(), event.type_name(), event.encode())
            }
            Step::Link(..) => continue,
            Step::Milestone(title, sources, note) => {
                milestones += 1;
                let milestone = Milestone {
                    key: format!("m-{milestones}").parse().unwrap(),
                    title: title.clone(),
                    occurred: "2022-03-22".parse().unwrap(),
                    sources: sources.clone(),
                    note: note.clone(),
                };
                stored(
                    amity_domain::MILESTONES_STREAM.to_owned(),
                    amity_domain::MILESTONE_RECORDED,
                    milestone.encode(),
                )
            }
        };
        let ids = streams.entry(stream.clone()).or_default();
        let expected = match ids.len() {
            0 => ExpectedVersion::NoStream,
            n => ExpectedVersion::Exact(n as u64 - 1),
        };
        ids.push(event.event_id);
        store.append(&stream, expected, vec![event]).await.unwrap();
    }
    store
}

/// A stored event as compared: id, stream, version, type, payload, metadata, time.
type Compared = (String, String, u64, String, Vec<u8>, Vec<u8>, String);

/// Every stored event as a comparable tuple, in global order.
async fn everything(store: &Arc<dyn EventStore>) -> Vec<Compared> {
    store
        .read_all(Position::START, usize::MAX)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.event_id.to_string(),
                e.stream.to_string(),
                e.stream_version,
                e.event_type.to_string(),
                e.payload,
                e.metadata,
                e.recorded_at.to_string(),
            )
        })
        .collect()
}

/// Write the views of `store`, read them into a new store; both stores' events.
async fn round_trip(store: Arc<dyn EventStore>, raw: bool) -> (Vec<Compared>, Vec<Compared>) {
    let ledger = Ledger::new(store.clone());
    let projections = Projections::open(ledger.clone(), None).unwrap();
    let placements = projections.placements(None).await.unwrap();
    let feed = views::Feed::read(&ledger, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(format!("{name}.csv"));
    let mut out = Vec::new();
    views::write_timeline(&feed, &placements, raw, &mut out).unwrap();
    std::fs::write(path("timeline"), &out).unwrap();
    for (name, write) in [
        (
            "sources",
            views::write_sources as fn(&views::Feed, bool, &mut dyn std::io::Write) -> _,
        ),
        ("registrations", views::write_registrations),
        ("party-links", views::write_party_links),
        ("milestones", views::write_milestones),
    ] {
        let mut out = Vec::new();
        write(&feed, raw, &mut out).unwrap();
        std::fs::write(path(name), &out).unwrap();
    }
    let copy: Arc<dyn EventStore> = Arc::new(MemoryEventStore::new());
    let files = ViewFiles {
        timeline: &path("timeline"),
        sources: Some(&path("sources")),
        party_links: Some(&path("party-links")),
        milestones: Some(&path("milestones")),
        registrations: Some(&path("registrations")),
        raw,
    };
    let summary = import(
        &Ledger::new(copy.clone()),
        files,
        ImportOptions::default(),
        &mut |_| {},
    )
    .await
    .unwrap();
    assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
    (everything(&store).await, everything(&copy).await)
}

/// Cases per property: `default` unless `AMITY_PROPTEST_CASES` says otherwise.
fn cases(default: u32) -> u32 {
    std::env::var("AMITY_PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    #[test]
    fn any_ledger_written_as_the_views_reads_back_the_same(
        steps in prop::collection::vec(step(), 1..24),
        raw in any::<bool>(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (original, copy) = runtime.block_on(async {
            let store = ledger_of(&steps).await;
            round_trip(store, raw).await
        });
        prop_assert_eq!(copy, original);
    }
}

/// A feed read whole and then read on, after events were appended, holds what reading it whole
/// again holds, at the same places in the log: the timeline view written from either is the
/// same, and the feed holds the new events only once read on.
#[tokio::test]
async fn a_feed_read_on_is_the_feed_read_again() {
    use amity_domain::{Event, EventType, Partnership};
    use amity_ledger::ToRecord;
    let ledger = Ledger::new(Arc::new(MemoryEventStore::new()));
    let founding = |a: &str, b: &str| {
        let partnership = Partnership::new(
            a.parse().unwrap(),
            b.parse().unwrap(),
            amity_domain::PartnershipKind::default(),
        )
        .unwrap();
        let facts = Facts {
            occurred: "1993".parse().unwrap(),
            ..Facts::default()
        };
        ToRecord::lifecycle(
            Event::lifecycle(EventType::PartnershipFounded, partnership, facts),
            "test",
        )
    };
    ledger
        .record(founding("Kyiv, UA", "Kraków, PL"))
        .await
        .unwrap();
    let mut feed = views::Feed::read(&ledger, None).await.unwrap();
    let later = ledger
        .record(founding("Lviv, UA", "Wrocław, PL"))
        .await
        .unwrap()
        .recorded()
        .id
        .to_string();
    assert!(!feed.holds(&later));
    feed.read_on(&ledger, None).await.unwrap();
    assert!(feed.holds(&later));
    let again = views::Feed::read(&ledger, None).await.unwrap();
    assert_eq!(feed.len(), 2);
    assert_eq!(again.len(), 2);
    let projections = Projections::open(ledger.clone(), None).unwrap();
    let placements = projections.placements(None).await.unwrap();
    let timeline = |feed: &views::Feed| {
        let mut out = Vec::new();
        views::write_timeline(feed, &placements, false, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    assert_eq!(timeline(&feed), timeline(&again));
    assert_eq!(timeline(&feed).lines().count(), 3, "{}", timeline(&feed));
}

/// The timeline view as `export` writes it ([`views::export_timeline`]: read in batches and
/// formatted on two threads as they come) and as the reference writes it from the whole feed
/// ([`views::write_timeline`]), as known at `known_at`.
async fn both_timelines(
    store: Arc<dyn EventStore>,
    known_at: Option<jiff::Timestamp>,
    raw: bool,
) -> (String, String) {
    let ledger = Ledger::new(store);
    let projections = Projections::open(ledger.clone(), None).unwrap();
    timelines_of(&ledger, &projections, known_at, raw).await
}

/// [`both_timelines`], from the histories of `projections`.
async fn timelines_of(
    ledger: &Ledger,
    projections: &Projections,
    known_at: Option<jiff::Timestamp>,
    raw: bool,
) -> (String, String) {
    let mut exported = Vec::new();
    let rows = views::export_timeline(ledger, projections, known_at, raw, &mut exported)
        .await
        .unwrap();
    let placements = projections.placements(known_at).await.unwrap();
    let feed = views::Feed::read(ledger, known_at).await.unwrap();
    let mut reference = Vec::new();
    let written = views::write_timeline(&feed, &placements, raw, &mut reference).unwrap();
    assert_eq!(rows, written);
    (
        String::from_utf8(exported).unwrap(),
        String::from_utf8(reference).unwrap(),
    )
}

/// The moment the `n`th stored event (counting round) was recorded, if there is one.
async fn recorded_at(store: &Arc<dyn EventStore>, n: usize) -> Option<jiff::Timestamp> {
    let events = store.read_all(Position::START, usize::MAX).await.unwrap();
    events
        .get(n % events.len().max(1))
        .map(|event| event.recorded_at)
}

fn two_threads() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    #[test]
    fn the_exported_timeline_is_the_timeline_written_from_the_whole_feed(
        steps in prop::collection::vec(step(), 1..24),
        raw in any::<bool>(),
        known in proptest::option::of(0..24usize),
    ) {
        let (exported, reference) = two_threads().block_on(async {
            let store = ledger_of(&steps).await;
            let known_at = match known {
                Some(n) => recorded_at(&store, n).await,
                None => None,
            };
            both_timelines(store, known_at, raw).await
        });
        prop_assert_eq!(exported, reference);
    }
}

/// Append `events` (read from another store) to `store` one by one, as they were recorded.
async fn append_copies(store: &Arc<dyn EventStore>, events: Vec<amity_store::RecordedEvent>) {
    for event in events {
        let copy = NewEvent {
            event_id: event.event_id,
            event_type: event.event_type.to_string(),
            schema_version: event.schema_version,
            payload: event.payload,
            metadata: event.metadata,
            recorded_at: Some(event.recorded_at),
        };
        store
            .append(&event.stream, ExpectedVersion::Any, vec![copy])
            .await
            .unwrap();
    }
}

/// The events of a memory store copied one by one into a new SQLite ledger file at `path`.
async fn sqlite_copy(memory: &Arc<dyn EventStore>, path: &std::path::Path) -> Arc<dyn EventStore> {
    let file: Arc<dyn EventStore> =
        Arc::new(amity_store_sqlite::SqliteEventStore::open(path).unwrap());
    let events = memory.read_all(Position::START, usize::MAX).await.unwrap();
    append_copies(&file, events).await;
    file
}

/// The SQLite store reads the feed in lanes of its own, each on a connection of its own: a
/// ledger of several chunks in a SQLite file exports as the reference too.
#[test]
fn given_a_sqlite_ledger_of_several_chunks_when_the_timeline_is_exported_then_it_is_the_reference()
{
    let steps = fixed_steps(5_000);
    let dir = tempfile::tempdir().unwrap();
    let (exported, reference) = two_threads().block_on(async {
        let memory = ledger_of(&steps).await;
        let file = sqlite_copy(&memory, &dir.path().join("l.db")).await;
        both_timelines(file, None, false).await
    });
    assert_same_rows(&exported, &reference, 3_000);
}

/// The export and the reference from the histories kept as tables in the ledger's own SQLite
/// file (caught up after the first `caught` events, then to the end), where the export finds
/// the entries of a partnership's own stream by where their events are stored, and those of a
/// history merged from several keys by their events' ids; and how many entries of each kind
/// the histories hold.
async fn timelines_in_the_ledger_file(
    memory: &Arc<dyn EventStore>,
    path: &std::path::Path,
    caught: usize,
    raw: bool,
) -> ((String, String), (usize, usize)) {
    let mut events = memory.read_all(Position::START, usize::MAX).await.unwrap();
    let later = events.split_off(caught.min(events.len()));
    let file: Arc<dyn EventStore> =
        Arc::new(amity_store_sqlite::SqliteEventStore::open(path).unwrap());
    append_copies(&file, events).await;
    let ledger = Ledger::new(file.clone());
    let mut projections = Projections::open_in_ledger(ledger.clone(), path).unwrap();
    projections.catch_up().await.unwrap();
    append_copies(&file, later).await;
    projections.catch_up().await.unwrap();
    let placements = projections.placements(None).await.unwrap();
    let stored = placements.iter().filter(|p| p.entry.stored_at.is_some());
    let counts = (stored.count(), placements.len());
    (timelines_of(&ledger, &projections, None, raw).await, counts)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(32)))]

    /// Any ledger, its histories in its own SQLite file (caught up part way, then to the end):
    /// the export is the reference.
    #[test]
    fn the_timeline_exported_from_the_ledger_files_histories_is_the_reference(
        steps in prop::collection::vec(step(), 1..24),
        caught in 0..24usize,
        raw in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let ((exported, reference), _) = two_threads().block_on(async {
            let memory = ledger_of(&steps).await;
            timelines_in_the_ledger_file(&memory, &dir.path().join("l.db"), caught, raw).await
        });
        prop_assert_eq!(exported, reference);
    }
}

/// Given a ledger of thousands of events with two parties linked as one community, when its
/// histories are kept in its own SQLite file and its timeline exported, then the export is the
/// reference, with entries found both ways: by where their events are stored, and (the merged
/// histories) by their ids.
#[test]
fn given_histories_in_the_ledger_file_when_the_timeline_is_exported_then_it_is_the_reference() {
    // Smolensk and Durham linked as one community at the end: the histories of Kraków's
    // partnership, which names neither, keep their events' places.
    let mut steps: Vec<Step> = fixed_steps(3_000)
        .into_iter()
        .filter(|step| !matches!(step, Step::Link(..)))
        .collect();
    steps.push(Step::Link(1, 3, true, None));
    let dir = tempfile::tempdir().unwrap();
    let ((exported, reference), (stored, all)) = two_threads().block_on(async {
        let memory = ledger_of(&steps).await;
        timelines_in_the_ledger_file(&memory, &dir.path().join("l.db"), 1_500, false).await
    });
    assert!(
        stored > 100,
        "{stored} of {all} entries keep their event's place"
    );
    assert!(stored < all, "{stored} of {all}: none found by id");
    assert_same_rows(&exported, &reference, 1_500);
}

/// The same random steps every run.
fn fixed_steps(n: usize) -> Vec<Step> {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    (0..n)
        .map(|_| step().new_tree(&mut runner).unwrap().current())
        .collect()
}

/// The export is the reference, of more than `at_least` lines.
fn assert_same_rows(exported: &str, reference: &str, at_least: usize) {
    let lines = exported.lines().count();
    assert!(lines > at_least, "{lines}");
    assert_eq!(exported, reference);
}

/// Many batches (more than are read ahead, so the reading waits for the formatting), formatted
/// by two threads in whatever order they take them, still come out in the order of the
/// histories.
#[test]
fn given_a_ledger_of_many_batches_when_the_timeline_is_exported_then_it_is_the_reference() {
    let steps = fixed_steps(12_000);
    let (exported, reference) = two_threads().block_on(async {
        let store = ledger_of(&steps).await;
        both_timelines(store, None, false).await
    });
    assert_same_rows(&exported, &reference, 9_000);
}
