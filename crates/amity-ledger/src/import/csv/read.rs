//! Reading a lifecycle CSV file: its header checked, then its records in order, a chunk at a
//! time, each chunk's rows turned into events on every core and put back in file order.

use std::collections::HashMap;
use std::path::Path;

use super::row::{parse_row, Fields, Row, COLUMNS, FREE_TEXT};
use crate::import::formula::unquote_formula;
use crate::import::limits::{clip, csv_too_long, unreadable, Normalised, READ_BUFFER};
use crate::import::{ImportSummary, Progress};
use crate::{Error, Result};

/// Records read and parsed at a time.
const CHUNK: usize = 65_536;

/// A part of the file turned into events: its rows, and its rejections with their lines.
type Parsed = (Vec<Row>, Vec<(u64, String)>);

/// Read the file named `name` at `path`: its rows as events, and the rows rejected (line,
/// `FILE:LINE: field: reason`), counting the rows read in `summary` and telling `progress`.
/// A file that cannot be opened, or whose header lacks a column, is an error.
pub(super) fn read(
    path: &Path,
    name: &str,
    recorded_by: &str,
    summary: &mut ImportSummary,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Parsed> {
    let file = std::fs::File::open(path).map_err(|source| Error::io(path, source))?;
    // Line breaks as LF (so that lines are counted right whatever their ending), and no
    // record over the limit held in memory.
    let input = Normalised::capped(file, READ_BUFFER);
    let since_record = input.counter();
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .buffer_capacity(READ_BUFFER)
        .from_reader(input);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|error| unreadable(name, 1, "header", error))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let missing: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|column| !headers.iter().any(|h| h == column))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Unreadable {
            file: name.to_owned(),
            line: 1,
            reason: format!("header: missing columns {}", missing.join(", ")),
            source: None,
        });
    }
    let position: HashMap<&str, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    let mut rows: Vec<Row> = Vec::new();
    let mut rejected: Vec<(u64, String)> = Vec::new();
    let indices: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|field| position.get(field).copied())
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let mut records: Vec<(u64, ::csv::StringRecord)> = Vec::with_capacity(CHUNK);
    let mut ended = false;
    while !ended {
        records.clear();
        while records.len() < CHUNK {
            let mut record = ::csv::StringRecord::new();
            let line = reader.position().line();
            since_record.set(0);
            match reader.read_record(&mut record) {
                Ok(false) => {
                    ended = true;
                    break;
                }
                Ok(true) => {}
                Err(error) if csv_too_long(&error) => {
                    return Err(unreadable(name, line, "line", error));
                }
                Err(error) => {
                    summary.rows_read += 1;
                    let line = error.position().map_or(line, |p| p.line());
                    rejected.push((line, format!("{name}:{line}: row: {error}")));
                    if matches!(error.kind(), ::csv::ErrorKind::Io(_)) {
                        ended = true;
                        break;
                    }
                    continue;
                }
            }
            let line = record.position().map_or(line, |p| p.line());
            summary.rows_read += 1;
            records.push((line, record));
        }
        let part_size = records.len().div_ceil(threads).max(1);
        let parsed: Vec<Parsed> = std::thread::scope(|scope| {
            let workers: Vec<_> = records
                .chunks(part_size)
                .map(|part| {
                    let indices = &indices;
                    scope.spawn(move || {
                        let mut partnerships = HashMap::new();
                        let mut rows = Vec::with_capacity(part.len());
                        let mut rejected = Vec::new();
                        for (line, record) in part {
                            let fields: Fields<'_> = std::array::from_fn(|column| {
                                let cell = indices[column]
                                    .and_then(|i| record.get(i))
                                    .unwrap_or("")
                                    .trim();
                                if FREE_TEXT[column] {
                                    unquote_formula(cell)
                                } else {
                                    cell
                                }
                            });
                            match parse_row(&fields, recorded_by, &mut partnerships) {
                                Ok(item) => rows.push(Row { line: *line, item }),
                                Err(reason) => rejected
                                    .push((*line, format!("{name}:{line}: {}", clip(reason)))),
                            }
                        }
                        (rows, rejected)
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|worker| worker.join().expect("a parsing thread"))
                .collect()
        });
        for (part_rows, part_rejected) in parsed {
            rows.extend(part_rows);
            rejected.extend(part_rejected);
        }
        progress(Progress::Read {
            rows: summary.rows_read,
        });
    }
    Ok((rows, rejected))
}
