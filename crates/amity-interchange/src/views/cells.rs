//! Cells of the views: times, dates, statuses, and the CSV writer that guards free text.

use std::io::Write;

use amity_ledger::archive::views::{neutralise_formula, FREE_TEXT};

use crate::Result;

/// A moment as every view writes it, as the archive, the JSON answers and the stored
/// `ledger_events` views do: RFC 3339 in UTC, the fraction of a second as stored (to the
/// microsecond) with its trailing zeros left out (`2026-12-04T22:36:49.53639Z`).
pub fn timestamp(moment: jiff::Timestamp) -> String {
    moment.to_string()
}

/// A date cell: the date as written, `unknown` when not known (never empty, which a reader
/// cannot tell from a missing value).
pub(super) fn date(date: Option<&str>) -> &str {
    date.unwrap_or("unknown")
}

/// The `possible_statuses` cell: every status a partnership may be in, `;`-joined, sorted.
pub fn possible_statuses<'a>(statuses: impl IntoIterator<Item = &'a str>) -> String {
    let mut names: Vec<&str> = statuses.into_iter().collect();
    names.sort_unstable();
    names.dedup();
    names.join(";")
}

/// The two cells of a status (or a decision) with its certainty: the value when it is
/// definite, else empty; and every value it may be ([`possible_statuses`]: the one value when
/// definite, the competing ones otherwise).
pub fn definite_and_possible<'a>(
    certainty: amity_domain::Certainty3,
    value: &'a str,
    competing: impl IntoIterator<Item = &'a str>,
) -> (&'a str, String) {
    let competing: Vec<&str> = competing.into_iter().collect();
    match certainty {
        amity_domain::Certainty3::Definite => (value, possible_statuses([value])),
        _ if competing.is_empty() => ("", possible_statuses([value])),
        _ => ("", possible_statuses(competing)),
    }
}

/// Append one CSV cell to `out` as the `csv` crate's writer does by default (RFC 4180): quoted,
/// its quotes doubled, when it holds a comma, a quote or a line break; as it is otherwise.
pub(super) fn csv_cell(out: &mut Vec<u8>, cell: &[u8]) {
    // Every byte looked at, not up to the first special one: a loop the compiler runs over
    // many bytes at once (cells are short and seldom special).
    let special = |found: bool, &byte: &u8| found | matches!(byte, b',' | b'"' | b'\n' | b'\r');
    if !cell.iter().fold(false, special) {
        out.extend_from_slice(cell);
        return;
    }
    out.push(b'"');
    for piece in cell.split_inclusive(|&byte| byte == b'"') {
        out.extend_from_slice(piece);
        if piece.last() == Some(&b'"') {
            out.push(b'"');
        }
    }
    out.push(b'"');
}

/// How the rows of one view (or of any report) are written: the cells of a guarded column (the
/// free-text ones of a view unless raw) guarded against spreadsheet formulas, each row as the
/// `csv` crate writes a record ([`csv_cell`], `,` between cells, `\n` after).
pub(super) struct RowFormat {
    guarded: Vec<bool>,
}

impl RowFormat {
    /// The format of a view's rows, its free-text columns guarded unless `raw`.
    pub(super) fn of_view(columns: &[&str], raw: bool) -> RowFormat {
        RowFormat {
            guarded: columns
                .iter()
                .map(|column| !raw && FREE_TEXT.contains(column))
                .collect(),
        }
    }

    /// Append one row, its cells in the order of the columns, to `out`.
    pub(super) fn write(&self, out: &mut Vec<u8>, cells: &[&str]) {
        assert_eq!(cells.len(), self.guarded.len(), "a cell for every column");
        if let [""] = cells {
            // A record of one empty cell, quoted so that it is not read as no record.
            out.extend_from_slice(b"\"\"\n");
            return;
        }
        self.write_cells(out, 0, cells);
        out.push(b'\n');
    }

    /// Append the cells of the columns from `first` on (`cells[0]` is column `first`'s), each
    /// after a comma but the row's first: a part of a row, the rest written apart.
    pub(super) fn write_cells(&self, out: &mut Vec<u8>, first: usize, cells: &[&str]) {
        let guarded = &self.guarded[first..first + cells.len()];
        for (index, (cell, &guarded)) in cells.iter().zip(guarded).enumerate() {
            if first + index > 0 {
                out.push(b',');
            }
            if guarded {
                csv_cell(out, neutralise_formula(cell).as_bytes());
            } else {
                csv_cell(out, cell.as_bytes());
            }
        }
    }
}

/// A CSV writer of one view (or of any report): the header, then rows ([`RowFormat`]).
pub struct ViewWriter<'a> {
    out: &'a mut dyn Write,
    format: RowFormat,
    /// The row being written, reused.
    row: Vec<u8>,
}

impl<'a> ViewWriter<'a> {
    /// Begin a view with its columns.
    pub(super) fn new(out: &'a mut dyn Write, columns: &[&str], raw: bool) -> Result<Self> {
        let format = RowFormat::of_view(columns, raw);
        ViewWriter::guarding(out, columns, format.guarded)
    }

    /// Begin a report with its columns; `guarded[i]`: whether the cells of column `i` are
    /// guarded.
    pub fn guarding(out: &'a mut dyn Write, columns: &[&str], guarded: Vec<bool>) -> Result<Self> {
        let mut writer = ViewWriter {
            out,
            format: RowFormat { guarded },
            row: Vec::new(),
        };
        let header = RowFormat {
            guarded: vec![false; columns.len()],
        };
        header.write(&mut writer.row, columns);
        writer.out.write_all(&writer.row)?;
        Ok(writer)
    }

    /// One row, its cells in the order of the columns.
    pub fn row(&mut self, cells: &[&str]) -> Result<()> {
        self.row.clear();
        self.format.write(&mut self.row, cells);
        self.out.write_all(&self.row)?;
        Ok(())
    }

    /// Rows already written in this view's [`RowFormat`].
    pub(super) fn formatted(&mut self, rows: &[u8]) -> Result<()> {
        self.out.write_all(rows)?;
        Ok(())
    }

    /// The end of the view.
    pub fn finish(self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
#[path = "cells_tests.rs"]
mod tests;
