//! A view's CSV file read as rows of named cells (the formula guard its writer put on free
//! text taken off again), and several texts in one cell.

use std::path::Path;

use crate::import::formula::unquote_formula;
use crate::import::limits::{csv_too_long, unreadable, Normalised, READ_BUFFER};
use crate::{Error, Result};

/// Several texts in one cell (a party's aliases): `;`-joined, with a `;` or a backslash inside a
/// text escaped by a backslash, so that [`split_list`] gives the texts back as they were.
pub fn join_list<S: AsRef<str>>(texts: &[S]) -> String {
    texts
        .iter()
        .map(|text| text.as_ref().replace('\\', "\\\\").replace(';', "\\;"))
        .collect::<Vec<_>>()
        .join(";")
}

/// The texts of a cell written by [`join_list`]; none for an empty cell.
pub fn split_list(cell: &str) -> Vec<String> {
    if cell.is_empty() {
        return Vec::new();
    }
    let mut texts = vec![String::new()];
    let mut chars = cell.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    texts.last_mut().expect("one text").push(next);
                }
            }
            ';' => texts.push(String::new()),
            other => texts.last_mut().expect("one text").push(other),
        }
    }
    texts
}

/// One row of a view: its line in the file, and its cells in the order of the columns asked.
pub(super) struct Row {
    /// The line it starts on.
    pub(super) line: u64,
    cells: Vec<String>,
}

impl Row {
    /// The cell of the `index`th column asked.
    pub(super) fn cell(&self, index: usize) -> &str {
        &self.cells[index]
    }
}

/// A view read whole: its rows, and the rows that could not be read (`FILE:LINE: reason`).
pub(super) struct Table {
    /// The file as named to the user.
    pub(super) name: String,
    pub(super) rows: Vec<Row>,
    pub(super) rejected: Vec<String>,
}

/// Read the view at `path`, keeping `columns` (each must be in the header; other columns are
/// left aside) with free text unquoted ([`super::columns::FREE_TEXT`]) unless the views are `raw`.
/// Cells are kept as written: a view is lossless, so nothing is trimmed.
pub(super) fn read(path: &Path, columns: &[&str], raw: bool) -> Result<Table> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| Error::io(path, source))?;
    // No record over the limit held in memory; line breaks in cells kept as written (CR LF
    // too: a view is lossless).
    let input = Normalised::capped_keeping_cr(file, READ_BUFFER);
    let since_record = input.counter();
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .buffer_capacity(READ_BUFFER)
        .from_reader(input);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|error| unreadable(&name, 1, "header", error))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let missing: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|column| !headers.iter().any(|h| h == column))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Unreadable {
            file: name,
            line: 1,
            reason: format!("header: missing columns {}", missing.join(", ")),
            source: None,
        });
    }
    let indices: Vec<(usize, bool)> = columns
        .iter()
        .map(|column| {
            let index = headers.iter().position(|h| h == column).expect("checked");
            (index, !raw && super::columns::FREE_TEXT.contains(column))
        })
        .collect();
    let mut table = Table {
        name,
        rows: Vec::new(),
        rejected: Vec::new(),
    };
    let mut record = ::csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        since_record.set(0);
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) if csv_too_long(&error) => {
                return Err(unreadable(&table.name, line, "line", error));
            }
            Err(error) => {
                let line = error.position().map_or(line, |p| p.line());
                table
                    .rejected
                    .push(format!("{}:{line}: row: {error}", table.name));
                if matches!(error.kind(), ::csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        let cells = indices
            .iter()
            .map(|&(index, free_text)| {
                let cell = record.get(index).unwrap_or("");
                if free_text {
                    unquote_formula(cell).to_owned()
                } else {
                    cell.to_owned()
                }
            })
            .collect();
        table.rows.push(Row { line, cells });
    }
    Ok(table)
}
