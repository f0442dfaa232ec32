//! Given/when/then tests of the JSON Lines archive (README "Import and export"): ledgers in
//! memory (`MemoryEventStore`), archives written to a temporary folder, no binary.
//!
//! The rules: one stored event per line, the envelope and the payload exactly as stored; an
//! export imported into an empty ledger exports again byte for byte and importing it twice
//! adds nothing; bad lines are reported as `FILE:LINE: field: reason`, and without
//! `skip_invalid` nothing is written if one is bad; versions follow each other per stream; an
//! id the ledger holds with other content is refused; batches are written atomically.

use std::sync::Arc;

use amity_domain::{
    Certainty, Event, EventType, Facts, Link, Milestone, Partnership, PartnershipKind,
    RegisterEvent, Registration, Relation, MILESTONES_STREAM,
};
use amity_store::{ExpectedVersion, MemoryEventStore};
use serde_json::Value;

use super::format::check_line;
use super::import::{settle, start};
use super::*;
use crate::import::Progress;
use crate::ToRecord;

// ---------------------------------------------------------------------------------------------
// Givens.

const CS_SMOLENSK: &str = "ru:smolensk+us-co:colorado-springs";
const TALLAHASSEE_KRASNODAR: &str = "ru:krasnodar+us-fl:tallahassee";
const PARTY_KRAKOW: &str = "party/pl-12:kraków";
const LINKS: &str = "party-links";

fn memory_ledger() -> Ledger {
    Ledger::new(Arc::new(MemoryEventStore::new()))
}

fn partnership(a: &str, b: &str) -> Partnership {
    Partnership::new(
        a.parse().expect("a party"),
        b.parse().expect("a party"),
        PartnershipKind::sister_city(),
    )
    .expect("two parties")
}

/// A lifecycle event with a fixed id.
fn lifecycle(
    id: u128,
    partnership: &Partnership,
    event_type: EventType,
    occurred: &str,
    certainty: Certainty,
) -> ToRecord {
    let facts = Facts {
        occurred: occurred.parse().expect("an EDTF date"),
        certainty,
        note: Some("as the minutes say".to_owned()),
        ..Facts::default()
    };
    let mut item = ToRecord::lifecycle(
        Event::lifecycle(event_type, partnership.clone(), facts),
        "archivist",
    );
    item.event_id = uuid::Uuid::from_u128(id);
    item
}

/// A ledger with every kind of stream, the streams interleaved in the feed: two partnerships
/// (a disputed termination and a retraction among their events), a milestone, a registered
/// party with an alias, and a same-as link.
async fn sample_ledger() -> Ledger {
    let ledger = memory_ledger();
    let smolensk = partnership("Colorado Springs, US-CO", "Smolensk, RU");
    let krasnodar = partnership("Tallahassee, US-FL", "Krasnodar, RU");
    let record = |item: ToRecord| {
        let ledger = ledger.clone();
        async move { ledger.record(item).await.expect("recorded") }
    };
    use EventType as T;
    record(lifecycle(
        1,
        &smolensk,
        T::PartnershipFounded,
        "1993",
        Certainty::Confirmed,
    ))
    .await;
    record(lifecycle(
        2,
        &krasnodar,
        T::PartnershipFounded,
        "[1983,1984]",
        Certainty::Probable,
    ))
    .await;
    let milestone = Milestone {
        key: "invasion-2022-02-24".parse().expect("a key"),
        title: "Russian invasion of Ukraine".to_owned(),
        occurred: "2022-02-24".parse().expect("a date"),
        sources: Vec::new(),
        note: None,
    };
    ledger
        .record_milestone(milestone, uuid::Uuid::from_u128(3), "archivist")
        .await
        .expect("a milestone");
    record(lifecycle(
        4,
        &smolensk,
        T::PartnershipSuspended,
        "2022-03-03~",
        Certainty::Confirmed,
    ))
    .await;
    record(lifecycle(
        5,
        &krasnodar,
        T::PartnershipTerminated,
        "2022-03-09",
        Certainty::Confirmed,
    ))
    .await;
    record(lifecycle(
        6,
        &smolensk,
        T::PartnershipTerminated,
        "2022-03-03~",
        Certainty::Disputed,
    ))
    .await;
    let registration = Registration {
        key: "pl-12:kraków".parse().expect("a key"),
        party: "Kraków, PL-12".parse().expect("a party"),
        kind: None,
        geonames: Some(3_094_802),
        coordinates: None,
        aliases: vec!["Krakow".to_owned(), "Cracow".to_owned()],
        sources: Vec::new(),
        note: None,
    };
    ledger
        .record_register(
            uuid::Uuid::from_u128(7),
            RegisterEvent::Registered(Box::new(registration)),
            "archivist",
        )
        .await
        .expect("registered");
    let link = Link {
        relation: Relation::SameAs,
        a: "us-co:colorado-springs".parse().expect("a key"),
        b: "us:colorado-springs".parse().expect("a key"),
        sources: Vec::new(),
        note: Some("one city".to_owned()),
    };
    ledger
        .record_register(
            uuid::Uuid::from_u128(8),
            RegisterEvent::Linked(link),
            "archivist",
        )
        .await
        .expect("linked");
    let retraction = Event::Retracted(amity_domain::event::Retraction {
        target: uuid::Uuid::from_u128(5),
        reason: "misread the minutes".to_owned(),
        facts: Facts::default(),
    });
    let mut item = ToRecord::about(krasnodar.id(), retraction, "archivist");
    item.event_id = uuid::Uuid::from_u128(9);
    record(item).await;
    ledger
}

async fn export_text(ledger: &Ledger) -> String {
    let mut out = Vec::new();
    export(ledger, &mut out, None).await.expect("exported");
    String::from_utf8(out).expect("UTF-8")
}

/// The lines of the sample ledger's archive.
async fn sample_lines() -> Vec<String> {
    export_text(&sample_ledger().await)
        .await
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The line of `stream` at `version`.
fn line_of<'a>(lines: &'a [String], stream: &str, version: u64) -> &'a str {
    lines
        .iter()
        .find(|line| {
            let value: Value = serde_json::from_str(line).expect("JSON");
            value["stream"] == stream && value["stream_version"] == version
        })
        .unwrap_or_else(|| panic!("no line of {stream} v{version}"))
}

/// A line changed by `change` (serialized again: the keys come out sorted).
fn changed(line: &str, change: impl FnOnce(&mut Value)) -> String {
    let mut value: Value = serde_json::from_str(line).expect("JSON");
    change(&mut value);
    serde_json::to_string(&value).expect("serializes")
}

/// An archive file in a temporary folder.
struct File {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl File {
    fn new(bytes: &[u8]) -> File {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("archive.jsonl");
        std::fs::write(&path, bytes).expect("written");
        File { _dir: dir, path }
    }

    fn lines(lines: &[&str]) -> File {
        File::new((lines.join("\n") + "\n").as_bytes())
    }

    /// `FILE:LINE: ` for this file.
    fn at(&self, line: u64) -> String {
        format!("{}:{line}: ", self.path.display())
    }
}

async fn import_file(ledger: &Ledger, file: &File, options: ImportOptions) -> ImportSummary {
    import(ledger, &file.path, options, &mut |_| {})
        .await
        .expect("an import that runs")
}

/// Every stored event, as its archive (the ledger's whole content, for "nothing written").
async fn content(ledger: &Ledger) -> String {
    export_text(ledger).await
}

// ---------------------------------------------------------------------------------------------
// The line format.

#[tokio::test]
async fn each_line_is_one_stored_event_its_envelope_and_its_payload_as_stored() {
    let ledger = sample_ledger().await;
    let text = export_text(&ledger).await;
    let stored = ledger
        .store()
        .read_all(Position::START, usize::MAX)
        .await
        .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), stored.len(), "one line per event");
    assert!(text.ends_with('\n'));
    for (line, event) in lines.iter().zip(&stored) {
        let value: serde_json::Map<String, Value> = serde_json::from_str(line).expect("JSON");
        let keys: Vec<&str> = value.keys().map(String::as_str).collect();
        let mut expected = [
            "event_id",
            "payload",
            "recorded_at",
            "recorded_by",
            "schema_version",
            "stream",
            "stream_version",
            "type",
        ];
        expected.sort();
        assert_eq!(keys, expected, "{line}");
        assert!(
            line.starts_with("{\"event_id\":"),
            "the envelope first: {line}"
        );
        assert_eq!(value["event_id"], event.event_id.to_string());
        assert_eq!(value["stream"], event.stream.as_str());
        assert_eq!(value["stream_version"], event.stream_version);
        assert_eq!(value["type"], event.event_type.as_str());
        assert_eq!(value["schema_version"], event.schema_version);
        assert_eq!(value["recorded_by"], "archivist");
        assert_eq!(value["recorded_at"], event.recorded_at.to_string());
        // The payload byte for byte: the line ends with it.
        let payload = std::str::from_utf8(&event.payload).unwrap();
        assert!(
            line.ends_with(&format!("\"payload\":{payload}}}")),
            "{line}"
        );
    }
    // Every kind of stream, in the feed's order.
    let streams: Vec<(String, u64)> = lines
        .iter()
        .map(|line| {
            let value: Value = serde_json::from_str(line).unwrap();
            (
                value["stream"].as_str().unwrap().to_owned(),
                value["stream_version"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        (CS_SMOLENSK, 0),
        (TALLAHASSEE_KRASNODAR, 0),
        (MILESTONES_STREAM, 0),
        (CS_SMOLENSK, 1),
        (TALLAHASSEE_KRASNODAR, 1),
        (CS_SMOLENSK, 2),
        (PARTY_KRAKOW, 0),
        (LINKS, 0),
        (TALLAHASSEE_KRASNODAR, 2),
    ]
    .map(|(stream, version)| (stream.to_owned(), version));
    assert_eq!(streams, expected);
}

#[tokio::test]
async fn an_export_known_at_a_moment_leaves_out_what_was_recorded_after_it() {
    let ledger = sample_ledger().await;
    let stored = ledger
        .store()
        .read_all(Position::START, usize::MAX)
        .await
        .unwrap();
    let all = export_text(&ledger).await;
    let before_all = stored[0].recorded_at - jiff::SignedDuration::from_secs(1);
    let mut out = Vec::new();
    let count = export(&ledger, &mut out, Some(before_all)).await.unwrap();
    assert_eq!((count, out.as_slice()), (0, &b""[..]));
    let mut out = Vec::new();
    let last = stored.last().unwrap().recorded_at;
    let count = export(&ledger, &mut out, Some(last)).await.unwrap();
    assert_eq!(count as usize, stored.len());
    assert_eq!(String::from_utf8(out).unwrap(), all);
}

// ---------------------------------------------------------------------------------------------
// Round trip and idempotence.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_imported_into_an_empty_ledger_exports_again_byte_for_byte() {
    let original = export_text(&sample_ledger().await).await;
    let file = File::new(original.as_bytes());
    let copy = memory_ledger();
    let summary = import_file(&copy, &file, ImportOptions::default()).await;
    assert_eq!(
        (
            summary.rows_read,
            summary.events_written,
            summary.duplicates_skipped
        ),
        (9, 9, 0)
    );
    assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
    assert!(summary.wrote);
    assert_eq!(export_text(&copy).await, original);

    // Twice: nothing more.
    let again = import_file(&copy, &file, ImportOptions::default()).await;
    assert_eq!(
        (
            again.rows_read,
            again.events_written,
            again.duplicates_skipped,
            again.wrote
        ),
        (9, 0, 9, false)
    );
    assert_eq!(export_text(&copy).await, original);
    // The copy reads as the original: the ledger decodes every stream.
    let timelines = copy.timelines().await.unwrap();
    assert_eq!(timelines.len(), 2);
    assert_eq!(copy.milestones().await.unwrap().len(), 1);
}

#[tokio::test]
async fn given_old_values_new_input_refuses_when_imported_from_an_archive_then_they_are_kept() {
    // An archive holds events as they were stored: the rules for new input (control
    // characters, future dates of the world) are not applied to them; only a transaction time
    // later than now by more than the clock skew is refused.
    let lines = sample_lines().await;
    let ahead = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(60);
    let line = changed(line_of(&lines, CS_SMOLENSK, 0), |v| {
        v["payload"]["note"] = "frozen\u{1b}[31m red".into();
        v["payload"]["occurred"] = "2999".into();
        v["recorded_at"] = ahead.to_string().into();
    });
    let file = File::lines(&[&line]);
    let ledger = memory_ledger();
    let summary = import_file(&ledger, &file, ImportOptions::default()).await;
    assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
    assert_eq!(summary.events_written, 1);
    let timeline = ledger
        .timeline(&CS_SMOLENSK.parse().unwrap())
        .await
        .unwrap();
    let stored = &timeline.recorded()[0];
    assert_eq!(
        stored.event.facts().note.as_deref(),
        Some("frozen\u{1b}[31m red")
    );
    assert_eq!(stored.event.facts().occurred.to_string(), "2999");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_stopped_half_way_finishes_when_run_again() {
    let lines = sample_lines().await;
    let copy = memory_ledger();
    // The first five lines were written before the import stopped.
    let first: Vec<&str> = lines[..5].iter().map(String::as_str).collect();
    import_file(&copy, &File::lines(&first), ImportOptions::default()).await;
    let all: Vec<&str> = lines.iter().map(String::as_str).collect();
    let summary = import_file(&copy, &File::lines(&all), ImportOptions::default()).await;
    assert_eq!(
        (
            summary.rows_read,
            summary.events_written,
            summary.duplicates_skipped
        ),
        (9, 4, 5)
    );
    assert_eq!(export_text(&copy).await, lines.join("\n") + "\n");
}

#[tokio::test]
async fn a_dry_run_writes_nothing() {
    let lines = sample_lines().await;
    let all: Vec<&str> = lines.iter().map(String::as_str).collect();
    let copy = memory_ledger();
    let options = ImportOptions {
        dry_run: true,
        ..ImportOptions::default()
    };
    let summary = import_file(&copy, &File::lines(&all), options).await;
    assert_eq!(
        (summary.rows_read, summary.events_written, summary.wrote),
        (9, 0, false)
    );
    assert!(summary.rejected.is_empty());
    assert_eq!(content(&copy).await, "");
}

// ---------------------------------------------------------------------------------------------
// Validation: `FILE:LINE: field: reason`, and nothing written.

/// A file's lines, made from the sample archive's lines.
type Make = fn(&[String]) -> Vec<Vec<u8>>;

/// Given an archive, when imported into an empty ledger: the rejected lines as
/// (line number, field, words of the reason).
struct Invalid {
    name: &'static str,
    file: Make,
    rejected: &'static [(u64, &'static str, &'static str)],
}

fn bytes(line: &str) -> Vec<u8> {
    line.as_bytes().to_vec()
}

const INVALID: &[Invalid] = &[
    Invalid {
        name: "not JSON (cut short)",
        file: |lines| vec![bytes(&line_of(lines, CS_SMOLENSK, 0)[..60])],
        rejected: &[(1, "line", "EOF")],
    },
    Invalid {
        name: "invalid UTF-8",
        file: |lines| {
            let mut line = bytes(line_of(lines, CS_SMOLENSK, 0));
            let at = line.len() - 10;
            line.insert(at, 0xff);
            vec![line]
        },
        rejected: &[(1, "line", "invalid UTF-8")],
    },
    Invalid {
        name: "an unknown envelope field",
        file: |lines| {
            vec![bytes(&changed(line_of(lines, CS_SMOLENSK, 0), |v| {
                v["extra"] = 1.into();
            }))]
        },
        rejected: &[(1, "line", "unknown field `extra`")],
    },
    Invalid {
        name: "no payload",
        file: |lines| {
            vec![bytes(&changed(line_of(lines, CS_SMOLENSK, 0), |v| {
                v.as_object_mut().unwrap().remove("payload");
            }))]
        },
        rejected: &[(1, "payload", "missing field")],
    },
    Invalid {
        name: "a transaction time that is not one",
        file: |lines| {
            vec![bytes(&changed(line_of(lines, CS_SMOLENSK, 0), |v| {
                v["recorded_at"] = "yesterday".into();
            }))]
        },
        rejected: &[(1, "recorded_at", "")],
    },
    Invalid {
        name: "a transaction time in the future, past the clock skew allowed",
        file: |lines| {
            vec![bytes(&changed(line_of(lines, CS_SMOLENSK, 0), |v| {
                let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1);
                v["recorded_at"] = later.to_string().into();
            }))]
        },
        rejected: &[(1, "recorded_at", "is in the future")],
    },
    Invalid {
        name: "an unknown type",
        file: |lines| {
            vec![bytes(&changed(line_of(lines, CS_SMOLENSK, 0), |v| {
                v["type"] = "PartnershipMerged".into();
            }))]
        },
        rejected: &[(1, "type", "unknown event type \"PartnershipMerged\"")],
    },
    Invalid {
        name: "a payload without its certainty",
        file: |lines| {
            vec![bytes(&changed(line_of(lines, CS_SMOLENSK, 0), |v| {
                v["payload"].as_object_mut().unwrap().remove("certainty");
            }))]
        },
        rejected: &[(1, "/payload/certainty", "missing field `certainty`")],
    },
    Invalid {
        name: "a payload without its date",
        file: |lines| {
            vec![bytes(&changed(line_of(lines, CS_SMOLENSK, 0), |v| {
                v["payload"].as_object_mut().unwrap().remove("occurred");
            }))]
        },
        rejected: &[(1, "/payload/occurred", "missing field `occurred`")],
    },
    Invalid {
        name: "a NUL character in a payload",
        file: |lines| {
            vec![bytes(&changed(line_of(lines, CS_SMOLENSK, 0), |v| {
                v["payload"]["note"] = "frozen\u{0}".into();
            }))]
        },
        rejected: &[(1, "payload", "note holds a NUL character")],
    },
    Invalid {
        name: "a lifecycle payload in another partnership's stream",
        file: |lines| {
            vec![bytes(&changed(line_of(lines, CS_SMOLENSK, 0), |v| {
                v["stream"] = TALLAHASSEE_KRASNODAR.into();
            }))]
        },
        rejected: &[(1, "stream", CS_SMOLENSK)],
    },
    Invalid {
        name: "a milestone outside the milestones stream",
        file: |lines| {
            vec![bytes(&changed(line_of(lines, MILESTONES_STREAM, 0), |v| {
                v["stream"] = "landmarks".into();
            }))]
        },
        rejected: &[(1, "stream", "a milestone belongs in stream milestones")],
    },
    Invalid {
        name: "a party's registration in another party's stream",
        file: |lines| {
            vec![bytes(&changed(line_of(lines, PARTY_KRAKOW, 0), |v| {
                v["stream"] = "party/pl:warszawa".into();
            }))]
        },
        rejected: &[(
            1,
            "stream",
            "this event belongs in stream party/pl-12:kraków",
        )],
    },
    Invalid {
        name: "a link outside the links stream",
        file: |lines| {
            vec![bytes(&changed(line_of(lines, LINKS, 0), |v| {
                v["stream"] = "party/us:colorado-springs".into();
            }))]
        },
        rejected: &[(1, "stream", "this event belongs in stream party-links")],
    },
    Invalid {
        name: "a version gap",
        file: |lines| {
            vec![
                bytes(line_of(lines, CS_SMOLENSK, 0)),
                bytes(line_of(lines, CS_SMOLENSK, 2)),
            ]
        },
        rejected: &[(
            2,
            "stream_version",
            "expected 1 after the previous line of ru:smolensk+us-co:colorado-springs, found 2",
        )],
    },
    Invalid {
        name: "a version repeated (by another event: the same line again counts once)",
        file: |lines| {
            vec![
                bytes(line_of(lines, CS_SMOLENSK, 0)),
                bytes(line_of(lines, CS_SMOLENSK, 1)),
                bytes(&changed(line_of(lines, CS_SMOLENSK, 1), |v| {
                    v["event_id"] = "00000000-0000-4000-8000-0000000000aa".into();
                })),
            ]
        },
        rejected: &[(3, "stream_version", "expected 2")],
    },
    Invalid {
        name: "a stream that does not start at version 0",
        file: |lines| vec![bytes(line_of(lines, CS_SMOLENSK, 1))],
        rejected: &[(
            1,
            "stream_version",
            "starts at version 1 here, but the ledger holds 0 of its events",
        )],
    },
    Invalid {
        name: "the rest of a stream after a rejected line",
        file: |lines| {
            vec![
                bytes(&changed(line_of(lines, CS_SMOLENSK, 0), |v| {
                    v["type"] = "PartnershipMerged".into();
                })),
                bytes(line_of(lines, TALLAHASSEE_KRASNODAR, 0)),
                bytes(line_of(lines, CS_SMOLENSK, 1)),
                bytes(line_of(lines, CS_SMOLENSK, 2)),
            ]
        },
        rejected: &[
            (1, "type", "PartnershipMerged"),
            (
                3,
                "stream_version",
                "follows a rejected line of the same stream",
            ),
            (
                4,
                "stream_version",
                "follows a rejected line of the same stream",
            ),
        ],
    },
    Invalid {
        // A line that is not JSON names no stream: the next line of its stream is refused
        // for the version it starts at, and the lines after that as following it.
        name: "the rest of a stream after a line that is not JSON",
        file: |lines| {
            vec![
                bytes(&line_of(lines, CS_SMOLENSK, 0)[..60]),
                bytes(line_of(lines, TALLAHASSEE_KRASNODAR, 0)),
                bytes(line_of(lines, CS_SMOLENSK, 1)),
                bytes(line_of(lines, CS_SMOLENSK, 2)),
            ]
        },
        rejected: &[
            (1, "line", "EOF"),
            (3, "stream_version", "starts at version 1 here"),
            (
                4,
                "stream_version",
                "follows a rejected line of the same stream",
            ),
        ],
    },
    Invalid {
        name: "an id used by an earlier line",
        file: |lines| {
            let first = line_of(lines, TALLAHASSEE_KRASNODAR, 0);
            let id: Value = serde_json::from_str::<Value>(first).unwrap()["event_id"].clone();
            vec![
                bytes(first),
                bytes(line_of(lines, CS_SMOLENSK, 0)),
                bytes(&changed(line_of(lines, CS_SMOLENSK, 1), |v| {
                    v["event_id"] = id;
                })),
            ]
        },
        rejected: &[(
            3,
            "event_id",
            "is also the id of line 1, with other content",
        )],
    },
    Invalid {
        name: "blank lines are no rows, and count as lines",
        file: |lines| {
            vec![
                bytes(line_of(lines, CS_SMOLENSK, 0)),
                Vec::new(),
                b"   ".to_vec(),
                bytes(&line_of(lines, TALLAHASSEE_KRASNODAR, 0)[..60]),
            ]
        },
        rejected: &[(4, "line", "EOF")],
    },
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_line_is_named_with_its_field_and_nothing_is_written() {
    let lines = sample_lines().await;
    for case in INVALID {
        let name = case.name;
        let file_lines = (case.file)(&lines);
        let rows = file_lines
            .iter()
            .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
            .count() as u64;
        let file = File::new(&[file_lines.join(&b'\n'), b"\n".to_vec()].concat());
        let expected: Vec<(String, &str)> = case
            .rejected
            .iter()
            .map(|(line, field, words)| (format!("{}{field}: ", file.at(*line)), *words))
            .collect();
        let check = |summary: &ImportSummary, what: &str| {
            assert_eq!(summary.rows_read, rows, "{name} ({what})");
            assert_eq!(
                summary.rejected.len(),
                expected.len(),
                "{name} ({what}): {:#?}",
                summary.rejected
            );
            for ((prefix, words), got) in expected.iter().zip(&summary.rejected) {
                assert!(
                    got.starts_with(prefix),
                    "{name} ({what}): {got}, expected {prefix}…"
                );
                assert!(
                    got.contains(words),
                    "{name} ({what}): {got} lacks {words:?}"
                );
            }
        };

        // Refused whole: nothing written.
        let ledger = memory_ledger();
        let summary = import_file(&ledger, &file, ImportOptions::default()).await;
        check(&summary, "refused");
        assert_eq!(
            (summary.events_written, summary.wrote),
            (0, false),
            "{name}"
        );
        assert_eq!(content(&ledger).await, "", "{name}: nothing written");

        // A dry run says the same.
        let dry = ImportOptions {
            dry_run: true,
            skip_invalid: false,
        };
        check(&import_file(&ledger, &file, dry).await, "dry run");
        assert_eq!(content(&ledger).await, "", "{name}: nothing written");

        // With skip_invalid: the other lines, as they were.
        let skip = ImportOptions {
            skip_invalid: true,
            dry_run: false,
        };
        let summary = import_file(&ledger, &file, skip).await;
        check(&summary, "skip invalid");
        let rejected: Vec<u64> = case.rejected.iter().map(|(line, _, _)| *line).collect();
        let kept: Vec<String> = file_lines
            .iter()
            .enumerate()
            .filter(|(index, line)| {
                !rejected.contains(&(*index as u64 + 1))
                    && !line.iter().all(u8::is_ascii_whitespace)
            })
            .map(|(_, line)| String::from_utf8(line.clone()).unwrap() + "\n")
            .collect();
        assert_eq!(summary.events_written, kept.len() as u64, "{name}");
        assert_eq!(content(&ledger).await, kept.concat(), "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// Into a ledger that holds events: same id, same content or not.

/// Given the sample ledger, when a file is imported: the rejected lines (line, field, words)
/// or, when none, (written, duplicates).
struct IntoHeld {
    name: &'static str,
    file: Make,
    outcome: Result<(u64, u64), (&'static str, &'static str)>,
}

const INTO_HELD: &[IntoHeld] = &[
    IntoHeld {
        name: "the same events: duplicates",
        file: |lines| lines.iter().map(|line| bytes(line)).collect(),
        outcome: Ok((0, 9)),
    },
    IntoHeld {
        name: "the same content recorded by someone else, at another time",
        file: |lines| {
            vec![bytes(&changed(line_of(lines, CS_SMOLENSK, 0), |v| {
                v["recorded_by"] = "someone else".into();
                v["recorded_at"] = "2020-01-01T00:00:00Z".into();
            }))]
        },
        outcome: Ok((0, 1)),
    },
    IntoHeld {
        name: "the same payload, its keys in another order and spaced",
        file: |lines| {
            let line = line_of(lines, CS_SMOLENSK, 0);
            let value: Value = serde_json::from_str(line).unwrap();
            let payload = serde_json::to_string_pretty(&value["payload"]).unwrap();
            // Sorted keys, and a payload spread over lines then joined with spaces.
            let payload = payload.replace('\n', " ");
            let line = changed(line, |v| v["payload"] = Value::Null);
            vec![bytes(&line.replace(
                "\"payload\":null",
                &format!("\"payload\":{payload}"),
            ))]
        },
        outcome: Ok((0, 1)),
    },
    IntoHeld {
        name: "a held id with another payload",
        file: |lines| {
            vec![bytes(&changed(line_of(lines, CS_SMOLENSK, 0), |v| {
                v["payload"]["note"] = "another note".into();
            }))]
        },
        outcome: Err((
            "event_id",
            "is stored with other content (a PartnershipFounded at version 0 of \
             ru:smolensk+us-co:colorado-springs); nothing was imported: give this event a new id",
        )),
    },
    IntoHeld {
        name: "a held id with another type",
        file: |lines| {
            vec![bytes(&changed(line_of(lines, CS_SMOLENSK, 0), |v| {
                v["type"] = "PartnershipAttested".into();
            }))]
        },
        outcome: Err(("event_id", "is stored with other content")),
    },
    IntoHeld {
        name: "another event at a version the ledger holds",
        file: |lines| {
            vec![bytes(&changed(line_of(lines, CS_SMOLENSK, 0), |v| {
                v["event_id"] = "0190a5d2-4444-7000-8000-000000000004".into();
            }))]
        },
        outcome: Err(("stream_version", "the ledger holds another event")),
    },
    IntoHeld {
        name: "a stream continued past what the ledger holds",
        file: |lines| {
            vec![bytes(&changed(line_of(lines, CS_SMOLENSK, 2), |v| {
                v["event_id"] = "0190a5d2-4444-7000-8000-000000000004".into();
                v["stream_version"] = 5.into();
            }))]
        },
        outcome: Err((
            "stream_version",
            "starts at version 5 here, but the ledger holds 3 of its events",
        )),
    },
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_the_ledger_holds_is_a_duplicate_only_with_the_same_content() {
    let lines = sample_lines().await;
    for case in INTO_HELD {
        let name = case.name;
        let ledger = sample_ledger().await;
        let before = content(&ledger).await;
        let file_lines = (case.file)(&lines);
        let file = File::new(&[file_lines.join(&b'\n'), b"\n".to_vec()].concat());
        let summary = import_file(&ledger, &file, ImportOptions::default()).await;
        match case.outcome {
            Ok((written, duplicates)) => {
                assert!(
                    summary.rejected.is_empty(),
                    "{name}: {:?}",
                    summary.rejected
                );
                assert_eq!(
                    (summary.events_written, summary.duplicates_skipped),
                    (written, duplicates),
                    "{name}"
                );
            }
            Err((field, words)) => {
                assert_eq!(summary.rejected.len(), 1, "{name}: {:?}", summary.rejected);
                let got = &summary.rejected[0];
                let prefix = format!("{}{field}: ", file.at(1));
                assert!(got.starts_with(&prefix), "{name}: {got}");
                assert!(got.contains(words), "{name}: {got} lacks {words:?}");
                assert!(!summary.wrote, "{name}");
            }
        }
        // The stored events are never rewritten: who recorded them, when, their payload.
        assert_eq!(content(&ledger).await, before, "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// Batches.

/// A valid line of `stream` at `version` (its payload as the archive holds it).
fn valid(lines: &[String], stream: &str, version: u64) -> Valid {
    check_line(line_of(lines, stream, version), false, false).expect("a valid line")
}

#[tokio::test]
async fn consecutive_lines_of_a_stream_make_one_part_expecting_the_version_before_them() {
    let lines = sample_lines().await;
    let parts = parts_of(vec![
        valid(&lines, CS_SMOLENSK, 0),
        valid(&lines, CS_SMOLENSK, 1),
        valid(&lines, TALLAHASSEE_KRASNODAR, 0),
        valid(&lines, CS_SMOLENSK, 2),
    ]);
    let seen: Vec<(&str, ExpectedVersion, usize)> = parts
        .iter()
        .map(|part| (part.stream.as_str(), part.expected, part.events.len()))
        .collect();
    assert_eq!(
        seen,
        [
            (CS_SMOLENSK, ExpectedVersion::NoStream, 2),
            (TALLAHASSEE_KRASNODAR, ExpectedVersion::NoStream, 1),
            (CS_SMOLENSK, ExpectedVersion::Exact(1), 1),
        ]
    );
}

#[tokio::test]
async fn a_batch_is_written_whole_or_not_at_all() {
    let lines = sample_lines().await;
    let ledger = memory_ledger();
    // Smolensk v0 and v1 can be written; Krasnodar v1 cannot (no v0): the whole batch fails.
    let batch = vec![
        valid(&lines, CS_SMOLENSK, 0),
        valid(&lines, CS_SMOLENSK, 1),
        valid(&lines, TALLAHASSEE_KRASNODAR, 1),
    ];
    let mut summary = ImportSummary::default();
    let in_flight = start(&ledger, batch).expect("a batch");
    let error = settle(in_flight, &mut summary).await.unwrap_err();
    assert!(error.to_string().contains(TALLAHASSEE_KRASNODAR), "{error}");
    assert_eq!(
        content(&ledger).await,
        "",
        "nothing of the batch is written"
    );
    assert_eq!(summary.events_written, 0);

    // The same batch without the line that cannot be written: all of it.
    let batch = vec![valid(&lines, CS_SMOLENSK, 0), valid(&lines, CS_SMOLENSK, 1)];
    let in_flight = start(&ledger, batch).expect("a batch");
    settle(in_flight, &mut summary).await.unwrap();
    assert_eq!((summary.events_written, summary.duplicates_skipped), (2, 0));
    // Again: duplicates.
    let batch = vec![valid(&lines, CS_SMOLENSK, 0), valid(&lines, CS_SMOLENSK, 1)];
    settle(start(&ledger, batch).expect("a batch"), &mut summary)
        .await
        .unwrap();
    assert_eq!((summary.events_written, summary.duplicates_skipped), (2, 2));
    assert!(
        start(&ledger, Vec::new()).is_none(),
        "an empty batch is no batch"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_of_several_batches_is_imported_in_its_order() {
    // More lines than one batch: attestations of one partnership, then of another.
    let smolensk = partnership("Colorado Springs, US-CO", "Smolensk, RU");
    let source = memory_ledger();
    let mut items = vec![lifecycle(
        1,
        &smolensk,
        EventType::PartnershipFounded,
        "1993",
        Certainty::Confirmed,
    )];
    for n in 0..(BATCH_LINES as u128 + 10) {
        items.push(lifecycle(
            100 + n,
            &smolensk,
            EventType::PartnershipAttested,
            "2000",
            Certainty::Confirmed,
        ));
    }
    source.record_all(items).await.unwrap();
    let original = export_text(&source).await;
    let copy = memory_ledger();
    let mut progress = Vec::new();
    let file = File::new(original.as_bytes());
    let summary = import(&copy, &file.path, ImportOptions::default(), &mut |step| {
        if let Progress::Written { done } = step {
            progress.push(done)
        }
    })
    .await
    .unwrap();
    let total = BATCH_LINES as u64 + 11;
    assert_eq!((summary.rows_read, summary.events_written), (total, total));
    assert_eq!(progress.last(), Some(&total));
    assert!(
        progress.windows(2).all(|pair| pair[0] <= pair[1]),
        "{progress:?}"
    );
    assert_eq!(export_text(&copy).await, original);
}

// ---------------------------------------------------------------------------------------------
// Copy between stores.

#[tokio::test]
async fn a_copy_keeps_everything_and_a_second_copy_adds_nothing() {
    let from = sample_ledger().await;
    let to = memory_ledger();
    let summary = copy(&from, &to, &mut |_| {}).await.unwrap();
    assert_eq!(
        (
            summary.events_read,
            summary.events_written,
            summary.duplicates_skipped
        ),
        (9, 9, 0)
    );
    assert_eq!(export_text(&to).await, export_text(&from).await);
    let again = copy(&from, &to, &mut |_| {}).await.unwrap();
    assert_eq!((again.events_written, again.duplicates_skipped), (0, 9));
}

#[path = "archive_input_tests.rs"]
mod input;
