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
pub(super) fn date(date: Option<&str>) -> String {
    date.unwrap_or("unknown").to_owned()
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

/// A CSV writer of one view (or of any report): the header, then rows, each cell of a guarded
/// column (the free-text ones of a view unless `raw`) guarded against spreadsheet formulas.
pub struct ViewWriter<'a> {
    writer: csv::Writer<&'a mut dyn Write>,
    guarded: Vec<bool>,
}

impl<'a> ViewWriter<'a> {
    /// Begin a view with its columns.
    pub(super) fn new(out: &'a mut dyn Write, columns: &[&str], raw: bool) -> Result<Self> {
        let guarded = columns
            .iter()
            .map(|column| !raw && FREE_TEXT.contains(column))
            .collect();
        ViewWriter::guarding(out, columns, guarded)
    }

    /// Begin a report with its columns; `guarded[i]`: whether the cells of column `i` are
    /// guarded.
    pub fn guarding(out: &'a mut dyn Write, columns: &[&str], guarded: Vec<bool>) -> Result<Self> {
        let mut writer = ViewWriter::rows_only(out, guarded);
        writer.writer.write_record(columns)?;
        Ok(writer)
    }

    /// Rows that go on after others (of another writer of the same columns), without a header.
    pub(super) fn rows_only(out: &'a mut dyn Write, guarded: Vec<bool>) -> ViewWriter<'a> {
        ViewWriter {
            writer: csv::Writer::from_writer(out),
            guarded,
        }
    }

    /// Which columns are guarded (for a writer of rows that go on after these).
    pub(super) fn guarded(&self) -> Vec<bool> {
        self.guarded.clone()
    }

    /// One row, its cells in the order of the columns.
    pub fn row(&mut self, cells: &[&str]) -> Result<()> {
        for (cell, &guarded) in cells.iter().zip(&self.guarded) {
            if guarded {
                self.writer
                    .write_field(neutralise_formula(cell).as_bytes())?;
            } else {
                self.writer.write_field(cell.as_bytes())?;
            }
        }
        self.writer.write_record(None::<&[u8]>)?;
        Ok(())
    }

    /// The end of the view.
    pub fn finish(mut self) -> Result<()> {
        self.writer.flush()?;
        Ok(())
    }
}
