//! [`super::packed::Packed`] against a plain reference: the values the writer bound before
//! chunks were packed, made from each row by the shared column functions, one row at a time.

use proptest::prelude::*;
use rusqlite::types::{ToSqlOutput, Value as Owned, ValueRef};

use super::numbers::Numbers;
use super::packed::{Columns, Packed};
use super::schema::{event_type_code, is_event_detail, status_code, Details};
use crate::rows::{PartnershipRows, StatusRow, TimelineRow};
use crate::tables::{status_values, timeline_values, StatusCells, Value, STATUS_COLUMNS};

/// A value as SQLite gets it.
fn owned(value: ToSqlOutput<'_>) -> Owned {
    match value {
        ToSqlOutput::Borrowed(ValueRef::Null) => Owned::Null,
        ToSqlOutput::Borrowed(ValueRef::Integer(number)) => Owned::Integer(number),
        ToSqlOutput::Borrowed(ValueRef::Text(text)) => {
            Owned::Text(String::from_utf8(text.to_vec()).expect("text"))
        }
        ToSqlOutput::Owned(value) => value,
        other => panic!("not made by a chunk: {other:?}"),
    }
}

/// The reference's value, as the writer bound it.
fn reference(value: Value<'_>) -> Owned {
    match value {
        Value::Text(Some(text)) => Owned::Text(text.into_owned()),
        Value::Text(None) | Value::Integer(None) => Owned::Null,
        Value::Integer(Some(number)) => Owned::Integer(number),
        Value::Boolean(flag) => Owned::Integer(i64::from(flag)),
    }
}

/// The status values the writer bound for a partnership, but its number.
fn status_reference(status: &StatusRow, cells: &StatusCells) -> Vec<Owned> {
    let mut values: Vec<Owned> = status_values(status, cells)
        .into_iter()
        .enumerate()
        .filter(|(index, _)| STATUS_COLUMNS[*index] != "row")
        .map(|(_, value)| reference(value))
        .collect();
    let [a, b] = [&status.parties[0], &status.parties[1]];
    for only in [&a.qualifier, &b.qualifier, &cells.claims] {
        values.push(
            only.as_deref()
                .map_or(Owned::Null, |text| Owned::Text(text.to_owned())),
        );
    }
    values
}

/// The history values the writer bound for a row, its partnership numbered `number`.
fn history_reference(
    rows: &PartnershipRows,
    row: &TimelineRow,
    number: i64,
    details: Details,
) -> Vec<Owned> {
    let stored = details == Details::Stored;
    let mut values = vec![Owned::Integer(number)];
    for (index, value) in timeline_values(row, stored).into_iter().enumerate().skip(1) {
        if !stored && is_event_detail(index) {
            continue;
        }
        values.push(match index {
            5 => event_type_code(&row.event_type).map_or_else(|| reference(value), Owned::Integer),
            18 => row
                .status_after
                .map_or(Owned::Null, |status| Owned::Integer(status_code(status))),
            _ => reference(value),
        });
    }
    if !stored {
        let position = match row.stream {
            None => rows.positions.get(row.stream_version as usize),
            Some(_) => None,
        };
        values.push(position.map_or(Owned::Null, |&position| Owned::Integer(position as i64)));
    }
    values
}

/// A history entry's choices: its type, date, whether it is a step, its status after, whether
/// it is disputed, and whether it is stored in another stream.
type Entry = (u8, Option<&'static str>, bool, Option<u8>, bool, bool);

/// A partnership's rows, from a seed's choices.
fn partnership(
    index: usize,
    countries: (&str, &str),
    qualifier: Option<&str>,
    entries: &[Entry],
    positions: usize,
) -> PartnershipRows {
    let id = format!("aa:a-{index}+bb:b-{index}");
    let mut status: StatusRow = serde_json::from_value(serde_json::json!({
        "partnership": id,
        "parties": [
            {"name": format!("Ä {index}"), "country": countries.0, "qualifier": qualifier},
            {"name": "B", "country": countries.1, "subdivision": "BB-1", "wikidata": "Q1"}
        ],
        "kind": "sister-city",
        "status": "suspended",
        "possible": if index.is_multiple_of(2) { vec!["active", "suspended"] } else { vec![] },
        "since": if index.is_multiple_of(3) { None } else { Some("2022-03") },
        "founding_claims": [],
        "last_event": null,
        "events": entries.len(),
        "retracted": 0,
        "disputed": 0,
        "conflict": null
    }))
    .expect("a status row");
    status.first_attested = (index % 2 == 1).then(|| "2026-02".to_owned());
    let types = [
        "PartnershipFounded",
        "PartnershipAttested",
        "EntryRetracted",
        "SomethingNew",
    ];
    let statuses = ["not_yet", "active", "suspended", "terminated", "unknown"];
    let timeline = entries
        .iter()
        .enumerate()
        .map(
            |(seq, (kind, occurred, stepped, status_after, disputed, other_stream))| {
                serde_json::from_value(serde_json::json!({
                    "partnership": id,
                    "seq": seq,
                    "step": stepped.then_some(seq),
                    "event_id": format!("event-{index}-{seq}"),
                    "stream_version": seq,
                    "type": types[*kind as usize % types.len()],
                    "occurred": occurred,
                    "earliest": occurred.map(|_| "2022-03-01"),
                    "latest": null,
                    "term_as_written": "ended",
                    "certainty": "probable",
                    "sources": [{"title": "Gazette"}],
                    "initiated_by": null,
                    "note": "a note",
                    "target": null,
                    "reason": null,
                    "retracted_by": (seq % 4 == 3).then(|| format!("event-{index}-0")),
                    "disputed": disputed,
                    "status_after": status_after.map(|at| statuses[at as usize % statuses.len()]),
                    "recorded_by": "test",
                    "recorded_at": "2026-12-05T00:00:00Z",
                    "stream": other_stream.then(|| "aa:a-0+bb:other".to_owned())
                }))
                .expect("a history row")
            },
        )
        .collect();
    PartnershipRows {
        status,
        timeline,
        directory: Vec::new(),
        positions: (0..positions as u64)
            .map(|position| 1_000 + position)
            .collect(),
    }
}

fn entry() -> impl Strategy<Value = Entry> {
    (
        any::<u8>(),
        prop::option::of(prop::sample::select(vec![
            "1993",
            "2022-03-03~",
            "[1983,1984]",
        ])),
        any::<bool>(),
        prop::option::of(any::<u8>()),
        any::<bool>(),
        prop::bool::weighted(0.2),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::proptest_cases(256)))]

    /// Given random chunks of partnerships (NULLs, unknown types, entries of other streams,
    /// positions known for some versions), when they are packed, then every status row and
    /// every history row binds exactly the reference's values, for both places of the details.
    #[test]
    fn packed_chunks_bind_the_reference_values(
        chunk in prop::collection::vec(
            (
                prop::sample::select(vec![("US", "RU"), ("DE", "FR"), ("", "X")]),
                prop::option::of(prop::sample::select(vec!["county", "NC"])),
                prop::collection::vec(entry(), 0..8),
                0usize..10,
            ),
            1..6,
        ),
        stored in any::<bool>(),
    ) {
        let details = if stored { Details::Stored } else { Details::Events };
        let rows: Vec<PartnershipRows> = chunk
            .iter()
            .enumerate()
            .map(|(index, (countries, qualifier, entries, positions))| {
                partnership(index, *countries, *qualifier, entries, *positions)
            })
            .collect();
        // Filled twice: a chunk handed back keeps nothing of the one before.
        let mut packed = Packed::default();
        for _ in 0..2 {
            packed.clear();
            for partnership in &rows {
                packed.push(partnership, &StatusCells::stored(&partnership.status), details);
            }
        }
        let columns = Columns::of(details);
        let status_width = columns.status.len() - 1;
        let width = columns.timeline.len();
        let numbers: Vec<i64> = (0..rows.len() as i64).map(|index| 7 * index + 3).collect();
        prop_assert_eq!(packed.members().len(), rows.len());
        let mut first_row = 0;
        for (index, (member, partnership)) in packed.members().iter().zip(&rows).enumerate() {
            let status = &partnership.status;
            prop_assert_eq!(packed.id(member), status.partnership.as_str());
            prop_assert_eq!(member.block, Numbers::block(status));
            prop_assert_eq!(member.rows, partnership.timeline.len());
            let cells = StatusCells::stored(status);
            let bound: Vec<Owned> = packed.status_row(index, status_width).map(owned).collect();
            prop_assert_eq!(bound.len(), status_width);
            prop_assert_eq!(bound, status_reference(status, &cells));
            let end = first_row + member.rows;
            let bound: Vec<Owned> = packed.history_rows(first_row..end, width, &numbers).map(owned).collect();
            let expected: Vec<Owned> = partnership
                .timeline
                .iter()
                .flat_map(|row| history_reference(partnership, row, numbers[index], details))
                .collect();
            prop_assert_eq!(bound.len(), member.rows * width);
            prop_assert_eq!(bound, expected);
            first_row = end;
        }
    }
}
