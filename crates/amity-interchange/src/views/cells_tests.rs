//! The view writer writes rows byte for byte as the `csv` crate's writer does (the reference).

use proptest::prelude::*;

use super::{RowFormat, ViewWriter};

/// `header` and `rows` as the `csv` crate writes them by default, cells guarded as `format`
/// guards them.
fn reference(header: &[&str], rows: &[Vec<String>], guarded: &[bool]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header).unwrap();
    for row in rows {
        let cells = row.iter().zip(guarded).map(|(cell, &guarded)| {
            if guarded {
                amity_ledger::archive::views::neutralise_formula(cell).into_owned()
            } else {
                cell.clone()
            }
        });
        writer.write_record(cells).unwrap();
    }
    writer.into_inner().unwrap()
}

fn written(header: &[&str], rows: &[Vec<String>], guarded: &[bool]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut writer = ViewWriter::guarding(&mut out, header, guarded.to_vec()).unwrap();
    for row in rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        writer.row(&cells).unwrap();
    }
    writer.finish().unwrap();
    out
}

/// Cells made mostly of the bytes that matter to CSV and to the formula guard.
fn cell() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just(","),
            Just("\""),
            Just("\n"),
            Just("\r"),
            Just("'"),
            Just("="),
            Just("-"),
            Just("@"),
            Just("+"),
            Just(" "),
            Just("a"),
            Just("Zürich"),
            Just("\t"),
            Just("#"),
        ],
        0..6,
    )
    .prop_map(|pieces| pieces.concat())
}

fn table() -> impl Strategy<Value = (Vec<bool>, Vec<Vec<String>>)> {
    (1..5usize).prop_flat_map(|columns| {
        (
            proptest::collection::vec(any::<bool>(), columns),
            proptest::collection::vec(proptest::collection::vec(cell(), columns), 0..5),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("AMITY_PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(2_000)
    ))]

    #[test]
    fn rows_are_written_as_the_csv_crate_writes_them((guarded, rows) in table()) {
        let names = ["a", "b,c", "d\"e", ""];
        let header = &names[..guarded.len()];
        prop_assert_eq!(
            String::from_utf8(written(header, &rows, &guarded)).unwrap(),
            String::from_utf8(reference(header, &rows, &guarded)).unwrap()
        );
    }
}

#[test]
fn given_a_row_of_one_empty_cell_when_written_then_it_is_quoted_as_the_csv_crate_quotes_it() {
    let rows = vec![vec![String::new()], vec!["x".to_owned()]];
    assert_eq!(written(&[""], &rows, &[true]), b"\"\"\n\"\"\nx\n");
    assert_eq!(
        written(&[""], &rows, &[true]),
        reference(&[""], &rows, &[true])
    );
}

#[test]
fn given_a_view_when_its_rows_are_formatted_apart_then_they_read_as_the_writer_writes_them() {
    let format = RowFormat::of_view(&["note", "event_id"], false);
    let mut out = Vec::new();
    format.write(&mut out, &["=1+1", "x"]);
    assert_eq!(out, b"'=1+1,x\n");
}
