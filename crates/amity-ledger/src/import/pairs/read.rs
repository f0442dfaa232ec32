//! Reading a list file: its country names, its columns, and each row's two places as the
//! list names them (a bad row is rejected with its line and column).

use std::path::Path;

use amity_domain::Party;

use super::places::{country_table, mapping, resolve, Mapping, Named, Row, ROLES};
use crate::import::limits::{self, check_text, csv_too_long, unreadable, TextKind, READ_BUFFER};
use crate::import::ImportSummary;
use crate::{Error, Result};

/// A list file read: its header, which column plays which role, and its rows.
pub(super) struct Read {
    /// The header's column names.
    pub(super) headers: Vec<String>,
    /// Which column plays each role.
    pub(super) columns: Mapping,
    /// The rows read and checked.
    pub(super) rows: Vec<Row>,
}

/// Read the list file named `name` at `path`: CSV, or tab-separated (`.tsv`, `.tab`, or a
/// header with tabs and no commas), its columns found by `columns` (`role=header,…`) or by
/// their names, its countries by the committed table and `country_names`. Rows are counted
/// and rejected in `summary`; a file that cannot be read, or lacks a needed column, is an error.
pub(super) fn read(
    path: &Path,
    name: &str,
    columns: Option<&str>,
    country_names: Option<&Path>,
    summary: &mut ImportSummary,
) -> Result<Read> {
    let table = country_table(country_names)?;
    let tabs = {
        let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let file = std::fs::File::open(path).map_err(|source| Error::io(path, source))?;
        let mut first = limits::line_buffer();
        let read = limits::read_line(
            &mut std::io::BufReader::new(limits::Normalised::new(file)),
            &mut first,
        )
        .map_err(|source| Error::io(path, source))?;
        if read == limits::LineRead::TooLong {
            return Err(Error::Unreadable {
                file: name.to_owned(),
                line: 1,
                reason: limits::line_too_long(),
                source: None,
            });
        }
        matches!(extension, "tsv" | "tab") || (first.contains(&b'\t') && !first.contains(&b','))
    };
    let file = std::fs::File::open(path).map_err(|source| Error::io(path, source))?;
    // Line breaks as LF (lines counted right whatever their ending), no record over the limit.
    let input = limits::Normalised::capped(file, READ_BUFFER);
    let since_record = input.counter();
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .delimiter(if tabs { b'\t' } else { b',' })
        .quoting(!tabs)
        .buffer_capacity(READ_BUFFER)
        .from_reader(input);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|error| unreadable(name, 1, "header", error))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let columns = mapping(&headers, columns, name)?;
    let mut rows: Vec<Row> = Vec::new();
    let mut record = ::csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        since_record.set(0);
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) if csv_too_long(&error) => {
                return Err(unreadable(name, line, "line", error))
            }
            Err(error) => {
                summary.rows_read += 1;
                let line = error.position().map_or(line, |p| p.line());
                summary
                    .rejected
                    .push(format!("{name}:{line}: row: {error}"));
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        summary.rows_read += 1;
        let field = |index: Option<usize>| -> Option<String> {
            index
                .and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        let side = |roles: &[Option<usize>; 6]| -> std::result::Result<Named, String> {
            let header = |role: usize| headers[roles[role].expect("mapped")].as_str();
            let city_name = field(roles[0]).ok_or_else(|| format!("{}: missing", header(0)))?;
            check_text(header(0), &city_name, TextKind::Name)?;
            for (role, column) in roles.iter().enumerate().skip(1) {
                if let Some(text) = field(*column) {
                    check_text(header(role), &text, TextKind::Text)?;
                }
            }
            if city_name.contains('\0') {
                return Err(format!(
                    "{}: holds a NUL character (U+0000); remove it",
                    header(0)
                ));
            }
            let country_written = field(roles[1]).unwrap_or_default();
            let (code, mut subdivision) = resolve(&table, &country_written).ok_or_else(|| {
                format!(
                    "{}: cannot resolve {country_written:?} to an ISO 3166 country (add it \
                     to a country-name table: name,alpha2)",
                    header(1)
                )
            })?;
            if let Some(given) = field(roles[2]) {
                subdivision = Some(given.to_ascii_uppercase());
            }
            let wikidata = field(roles[3]);
            let party = Party::new(
                &city_name,
                &code,
                subdivision.as_deref(),
                wikidata.as_deref(),
            )
            .map_err(|e| {
                let column = match &e {
                    amity_domain::PartyError::Code { reason, .. }
                        if reason.contains("subdivision") && roles[2].is_some() =>
                    {
                        header(2)
                    }
                    amity_domain::PartyError::Code { reason, .. }
                        if reason.contains("Wikidata") =>
                    {
                        header(3)
                    }
                    _ => header(0),
                };
                format!("{column}: {e}")
            })?;
            let coordinate =
                |role: usize, limit: f64| -> std::result::Result<Option<f64>, String> {
                    match field(roles[role]) {
                        None => Ok(None),
                        Some(text) => text
                            .replace(',', ".")
                            .parse::<f64>()
                            .ok()
                            .filter(|value| value.abs() <= limit)
                            .map(Some)
                            .ok_or_else(|| {
                                format!(
                                    "{}: {text:?} is not a {} in degrees",
                                    header(role),
                                    ROLES[role]
                                )
                            }),
                    }
                };
            let at = match (coordinate(4, 90.0)?, coordinate(5, 180.0)?) {
                (Some(lat), Some(lon)) => Some((lat, lon)),
                (None, None) => None,
                (Some(_), None) => return Err(format!("{}: missing (latitude given)", header(5))),
                (None, Some(_)) => return Err(format!("{}: missing (longitude given)", header(4))),
            };
            Ok(Named { party, at })
        };
        match side(&columns[0]).and_then(|a| Ok([a, side(&columns[1])?])) {
            Ok(sides) => rows.push(Row { line, sides }),
            Err(reason) => summary
                .rejected
                .push(format!("{name}:{line}: {}", limits::clip(reason))),
        }
    }
    Ok(Read {
        headers,
        columns,
        rows,
    })
}
