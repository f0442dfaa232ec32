//! The status rows kept as columns (`status_entries`, code version 10), and the parties known
//! only from partnerships (`party_entries`): the application reads back the rows it wrote, and
//! the views `partnership_status` and `parties` make each `row` as `serde_json` writes it (as
//! the tables held it before, and as PostgreSQL's `row` holds it), on random rows with every
//! member present or missing and text that JSON must escape.

use proptest::prelude::*;

use amity_domain::{Certainty, PartnershipKind, Party, PartyKind, Status};

use super::SqliteTables;
use crate::rows::{FoundingClaim, LastEvent, PartnershipRows, PartyRow, StatusRow};
use crate::Checkpoint;

/// Text that JSON must escape, or not: quotes, backslashes, control characters, `;` (which
/// joins `possible`), accents and astral characters.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z ]{0,6}",
        "[\"\\\\;/é\u{0}\u{1}\u{7}\u{8}\t\n\u{b}\u{c}\r\u{1f}\u{7f}\u{2028}😀a]{0,6}",
        "\\PC{0,6}",
    ]
}

fn party() -> impl Strategy<Value = Party> {
    (
        text(),
        "[A-Z]{2}",
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::option::of(text()),
    )
        .prop_map(|(name, country, subdivision, wikidata, qualifier)| Party {
            name,
            country,
            subdivision,
            wikidata,
            qualifier,
        })
}

fn certainty() -> impl Strategy<Value = Certainty> {
    prop_oneof![
        Just(Certainty::Confirmed),
        Just(Certainty::Probable),
        Just(Certainty::Possible),
        Just(Certainty::Disputed),
    ]
}

fn claim() -> impl Strategy<Value = FoundingClaim> {
    (
        text(),
        proptest::option::of(text()),
        certainty(),
        any::<bool>(),
        proptest::option::of(text()),
    )
        .prop_map(
            |(event_id, occurred, certainty, retracted, alternative_to)| FoundingClaim {
                event_id,
                occurred,
                certainty,
                retracted,
                alternative_to,
            },
        )
}

/// A status row but its partnership, which the test numbers.
fn status_row() -> impl Strategy<Value = StatusRow> {
    let statuses = proptest::sample::select(Status::ALL.to_vec());
    (
        (party(), party(), text(), statuses.clone()),
        (
            proptest::sample::subsequence(Status::ALL.to_vec(), 0..=Status::ALL.len()),
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::collection::vec(claim(), 0..3),
        ),
        (
            proptest::option::of((text(), text(), text())),
            (0u64..1 << 40, 0u64..5, 0u64..5),
            proptest::option::of(text()),
        ),
    )
        .prop_map(
            |(
                (a, b, kind, status),
                (possible, since, first_attested, founding_claims),
                (last, (events, retracted, disputed), conflict),
            )| StatusRow {
                partnership: "aa:a+bb:b".parse().expect("an id"),
                parties: vec![a, b],
                kind: serde_json::from_value(serde_json::Value::String(kind)).expect("a kind"),
                status,
                possible,
                since,
                first_attested,
                founding_claims,
                last_event: last.map(|(event_id, event_type, recorded_at)| LastEvent {
                    event_id,
                    event_type,
                    recorded_at,
                }),
                events,
                retracted,
                disputed,
                conflict,
            },
        )
}

/// A party row but its key: known from partnerships only (most of them, whose JSON the view
/// makes), or with a qualifier, or of the register.
fn party_row() -> impl Strategy<Value = PartyRow> {
    let kinds =
        proptest::sample::select(vec![PartyKind::City, PartyKind::County, PartyKind::Other]);
    let register = (
        proptest::option::of(kinds),
        proptest::option::of(0u64..10_000_000),
        proptest::option::of(proptest::sample::select(vec![
            (50.0614, 19.9372),
            (-33.5, 0.25),
        ])),
        proptest::collection::vec(text(), 0..3),
        any::<bool>(),
    );
    (party(), text(), proptest::option::of(register)).prop_map(|(party, canonical, register)| {
        let (kind, geonames, coordinates, aliases, registered) =
            register.unwrap_or((None, None, None, Vec::new(), false));
        PartyRow {
            key: String::new(),
            party,
            kind,
            geonames,
            coordinates,
            aliases,
            canonical,
            registered,
        }
    })
}

/// The JSON texts a view makes (`sql` selects one column).
fn made_rows(tables: &SqliteTables, sql: &str) -> Vec<String> {
    let connection = tables.connection();
    let mut statement = connection.prepare(sql).expect("the view");
    let made = statement
        .query_map([], |row| row.get(0))
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    made
}

/// Each row as `serde_json` writes it.
fn as_json<T: serde::Serialize>(rows: &[T]) -> Vec<String> {
    rows.iter()
        .map(|row| serde_json::to_string(row).expect("JSON"))
        .collect()
}

/// Write `rows` as a rebuild would, into a new file of their own.
fn written(rows: &[StatusRow]) -> (tempfile::TempDir, SqliteTables) {
    written_with(rows, &[])
}

/// Write status rows, then party rows, as a rebuild would, into a new file of their own.
fn written_with(rows: &[StatusRow], parties: &[PartyRow]) -> (tempfile::TempDir, SqliteTables) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut tables = SqliteTables::open(&dir.path().join("projections.db")).expect("open");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut writer = tables.begin(None, true).expect("begin");
        let partnerships = rows
            .iter()
            .map(|status| PartnershipRows {
                status: status.clone(),
                timeline: Vec::new(),
                directory: Vec::new(),
                positions: Vec::new(),
            })
            .collect();
        writer.write(partnerships).await.expect("write");
        writer
            .write_parties(parties.to_vec(), true)
            .await
            .expect("write parties");
        writer
            .finish(Checkpoint {
                position: amity_ledger::Position::new(1, 1),
                code_version: crate::CODE_VERSION,
                events: 1,
                first_event: None,
            })
            .await
            .expect("commit");
    });
    (dir, tables)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::proptest_cases(64)))]

    #[test]
    fn status_rows_read_back_from_their_columns_and_the_view_makes_row_as_serde_json_does(
        mut rows in proptest::collection::vec(status_row(), 1..6),
    ) {
        for (index, row) in rows.iter_mut().enumerate() {
            row.partnership = format!("aa:p{index}+bb:q{index}").parse().expect("an id");
        }
        let (_dir, tables) = written(&rows);
        prop_assert_eq!(&tables.status_rows(None).expect("read"), &rows);
        let some = [rows[0].partnership.to_string(), "aa:x+bb:y".to_owned()];
        prop_assert_eq!(tables.status_rows(Some(&some)).expect("read"), vec![rows[0].clone()]);
        prop_assert_eq!(
            made_rows(&tables, "SELECT row FROM partnership_status ORDER BY partnership"),
            as_json(&rows)
        );
    }

    #[test]
    fn party_rows_read_back_and_the_view_makes_the_row_of_a_party_known_from_partnerships(
        mut parties in proptest::collection::vec(party_row(), 1..8),
    ) {
        for (index, party) in parties.iter_mut().enumerate() {
            party.key = format!("aa:p{index}");
        }
        let (_dir, tables) = written_with(&[], &parties);
        prop_assert_eq!(&tables.all_parties().expect("read"), &parties);
        prop_assert_eq!(
            made_rows(&tables, "SELECT row FROM parties ORDER BY party"),
            as_json(&parties)
        );
        // Only the rows the view cannot make are stored.
        let stored: i64 = tables
            .connection()
            .query_row("SELECT count(row) FROM party_entries", [], |row| row.get(0))
            .expect("count");
        let plain = parties
            .iter()
            .filter(|party| {
                !party.registered
                    && party.party.qualifier.is_none()
                    && party.kind.is_none()
                    && party.geonames.is_none()
                    && party.coordinates.is_none()
                    && party.aliases.is_empty()
            })
            .count();
        prop_assert_eq!(stored as usize, parties.len() - plain);
    }
}

/// Given a status row as the Colorado Springs–Smolensk story leaves it, when it is written,
/// then the view's `row` is its JSON as the table held it up to code version 9.
#[test]
fn given_a_suspended_partnership_when_written_then_its_row_is_the_json_the_table_held() {
    let row = StatusRow {
        partnership: "ru:smolensk+us-co:colorado-springs".parse().expect("an id"),
        parties: vec![
            Party {
                name: "Colorado Springs".to_owned(),
                country: "US".to_owned(),
                subdivision: Some("US-CO".to_owned()),
                wikidata: None,
                qualifier: None,
            },
            Party {
                name: "Smolensk".to_owned(),
                country: "RU".to_owned(),
                subdivision: None,
                wikidata: Some("Q5687".to_owned()),
                qualifier: None,
            },
        ],
        kind: PartnershipKind::sister_city(),
        status: Status::Suspended,
        possible: Vec::new(),
        since: Some("2022-03".to_owned()),
        first_attested: None,
        founding_claims: vec![FoundingClaim {
            event_id: "e1".to_owned(),
            occurred: Some("1993".to_owned()),
            certainty: Certainty::Confirmed,
            retracted: false,
            alternative_to: None,
        }],
        last_event: Some(LastEvent {
            event_id: "e2".to_owned(),
            event_type: "PartnershipSuspended".to_owned(),
            recorded_at: "2022-03-22T10:00:00Z".to_owned(),
        }),
        events: 2,
        retracted: 0,
        disputed: 0,
        conflict: None,
    };
    let (_dir, tables) = written(std::slice::from_ref(&row));
    let made: String = tables
        .connection()
        .query_row("SELECT row FROM partnership_status", [], |found| {
            found.get(0)
        })
        .expect("the view");
    assert_eq!(
        made,
        r#"{"partnership":"ru:smolensk+us-co:colorado-springs","parties":[{"name":"Colorado Springs","country":"US","subdivision":"US-CO"},{"name":"Smolensk","country":"RU","wikidata":"Q5687"}],"kind":"sister-city","status":"suspended","since":"2022-03","first_attested":null,"founding_claims":[{"event_id":"e1","occurred":"1993","certainty":"confirmed","retracted":false}],"last_event":{"event_id":"e2","event_type":"PartnershipSuspended","recorded_at":"2022-03-22T10:00:00Z"},"events":2,"retracted":0,"disputed":0,"conflict":null}"#
    );
    assert_eq!(tables.status_rows(None).expect("read"), vec![row]);
}
