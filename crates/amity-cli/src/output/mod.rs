//! What the commands print: tables for people, JSON for scripts.

use amity_domain::Milestone;
use amity_domain::{Certainty, Certainty3, PartyKey, Source};
use amity_ledger::Outcome;
use amity_projections::{analysis, PartnerView, Projections, StatusRow, StatusView, TimelineRow};
use anyhow::Result;
use comfy_table::{presets, ContentArrangement, Table};
use serde_json::json;

use crate::args::Format;

/// The longest line a table cell shows, in characters: a longer line (a quote, a note, a
/// source with its address) is cut with `…`; JSON and CSV carry it whole.
pub const CELL_LINE_CHARS: usize = 80;

/// A table for people: rows too long for the width wrap (the width is $COLUMNS, else 120 on a
/// terminal; into a pipe or a file without $COLUMNS rows are not wrapped), lines longer than [`CELL_LINE_CHARS`] are cut with `…`, and ids are
/// never cut or wrapped: a reader copies them whole.
struct TextTable {
    table: Table,
    ids: Vec<bool>,
    /// The header and rows of a table drawn without a width in one line per row
    /// ([`plain_table`]); `None` when `table` holds them.
    plain: Option<(Vec<String>, Vec<Vec<String>>)>,
}

impl TextTable {
    /// Add a row, its unprintable characters escaped ([`printable`]), cutting the long lines
    /// of cells that hold no ids.
    fn add_row<T: Into<String>>(&mut self, cells: impl IntoIterator<Item = T>) {
        let cells: Vec<String> = cells
            .into_iter()
            .enumerate()
            .map(|(index, cell)| {
                let cell = cell.into();
                let cell = printable(&cell);
                if self.ids.get(index).copied().unwrap_or(false) {
                    cell.into_owned()
                } else {
                    cut_lines(&cell, CELL_LINE_CHARS)
                }
            })
            .collect();
        match &mut self.plain {
            Some((_, rows)) => rows.push(cells),
            None => {
                self.table.add_row(cells);
            }
        }
    }
}

impl std::fmt::Display for TextTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some((header, rows)) = &self.plain else {
            return self.table.fmt(f);
        };
        if let Some(drawn) = plain_table::draw(header, rows) {
            return f.write_str(&drawn);
        }
        let mut table = self.table.clone();
        for row in rows {
            table.add_row(row.clone());
        }
        table.fmt(f)
    }
}

/// Whether a table shows `character` escaped: a control character other than the line break
/// (an escape that starts a terminal sequence, a bell, a carriage return, a tab that would
/// break the columns), a bidirectional override or isolate (which reorders what follows it
/// on the line), a line or paragraph separator.
fn is_unprintable(character: char) -> bool {
    (character.is_control() && character != '\n')
        || matches!(
            character,
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}'
        )
}

/// `text` as a table or a line for people shows it: each unprintable character (see
/// [`is_unprintable`]) written as Rust writes it in a string (`\u{1b}`, `\t`, `\r`), so that no
/// stored value, an old one recorded before the rules for new input included, can drive the
/// terminal (move the cursor, change colours, retitle the window) or reorder a line.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unprintable) {
        return text.into();
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for character in text.chars() {
        if !is_unprintable(character) {
            shown.push(character);
        } else if character.is_control() {
            shown.extend(character.escape_debug());
        } else {
            shown.push_str(&format!("\\u{{{:x}}}", u32::from(character)));
        }
    }
    shown.into()
}

/// Each line of `text` at most `max` characters, a longer one cut with `…` (at a word's end
/// when one is near).
pub fn cut_lines(text: &str, max: usize) -> String {
    text.split('\n')
        .map(|line| cut(line, max))
        .collect::<Vec<_>>()
        .join("\n")
}

fn cut(line: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if line.chars().count() <= max {
        return line.into();
    }
    let keep: String = line.chars().take(max.saturating_sub(1)).collect();
    // Back to the last space when it is in the last fifth: no half word before the `…`.
    let at = keep
        .rfind(' ')
        .filter(|&space| keep[..space].chars().count() >= max * 4 / 5)
        .unwrap_or(keep.len());
    format!("{}…", keep[..at].trim_end()).into()
}

fn table(header: &[&str], multi_line_rows: bool) -> TextTable {
    let mut table = Table::new();
    let preset = if multi_line_rows {
        presets::UTF8_HORIZONTAL_ONLY
    } else {
        presets::UTF8_BORDERS_ONLY
    };
    table.load_preset(preset).set_header(header.iter().copied());
    let width = table_width();
    match width {
        Some(width) => {
            table
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(width);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    let ids: Vec<bool> = header
        .iter()
        .map(|name| {
            matches!(
                name.to_ascii_lowercase().as_str(),
                "partnership" | "recorded" | "key" | "event id" | "event_id"
            )
        })
        .collect();
    for (index, &holds_ids) in ids.iter().enumerate() {
        if holds_ids {
            if let Some(column) = table.column_mut(index) {
                column.set_constraint(comfy_table::ColumnConstraint::ContentWidth);
            }
        }
    }
    let plain = (width.is_none() && !multi_line_rows).then(|| {
        (
            header.iter().map(|name| (*name).to_owned()).collect(),
            Vec::new(),
        )
    });
    TextTable { table, ids, plain }
}

/// The width tables fit: `$COLUMNS` when set, else 120 characters on a terminal; `None` into a
/// pipe or a file, where rows are not wrapped (each row one line, every column as wide as its
/// content: for `grep`, `less -S` and `sort`, and fast for tens of thousands of rows).
fn table_width() -> Option<u16> {
    use std::io::IsTerminal;
    match std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.parse().ok())
    {
        Some(width) => Some(width),
        None => std::io::stdout().is_terminal().then_some(120),
    }
}

/// Whether a write to stdout found its reader gone (`amity … | head`).
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether a write to stdout found its reader gone: a broken pipe error after that is no
/// failure of the command (`exit::is_broken_pipe`).
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(std::sync::atomic::Ordering::Relaxed)
}

/// `result` of a write to stdout, noting a closed pipe.
fn noting_closed<T>(result: std::io::Result<T>) -> std::io::Result<T> {
    if let Err(error) = &result {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            STDOUT_CLOSED.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
    result
}

/// Stdout as a writer for long output (`export` without a file): a closed pipe is noted, and
/// the command ends quietly on the error it gives.
pub struct StdoutWriter(std::io::StdoutLock<'static>);

impl StdoutWriter {
    /// Stdout, locked; a pipe is made to hold 1 MiB (see [`widen_pipe`]).
    pub fn new() -> StdoutWriter {
        widen_pipe();
        StdoutWriter(std::io::stdout().lock())
    }
}

/// Let the pipe stdout may be hold 1 MiB rather than Linux's default 64 KiB: a long answer
/// (20 MB of JSON for 25,000 changes) then goes to its reader in 20 writes, each waking it once,
/// rather than in 300. Nothing happens where stdout is no pipe, or the system refuses.
fn widen_pipe() {
    #[cfg(target_os = "linux")]
    let _ = rustix::pipe::fcntl_setpipe_size(std::io::stdout(), 1 << 20);
}

impl std::io::Write for StdoutWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        noting_closed(self.0.write(bytes))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        noting_closed(self.0.flush())
    }
}

/// Print to stdout; a closed pipe (`amity history … | head`) ends output quietly.
pub fn emit(text: impl std::fmt::Display) -> Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match noting_closed(writeln!(stdout, "{text}").and_then(|()| stdout.flush())) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(()),
    }
}

/// Print a list as JSON, as [`print_json`] does (indented for a terminal, compact for a pipe):
/// into a pipe, the second half of a long list is formatted on a thread of its own while the
/// first half is written, and the bytes are the same.
pub fn print_json_list<T: serde::Serialize + Sync>(items: &[T]) -> Result<()> {
    use std::io::{IsTerminal, Write};
    if std::io::stdout().is_terminal() || items.len() < 1_024 {
        return print_json(items);
    }
    let mut out = std::io::BufWriter::with_capacity(stream::BUFFER, StdoutWriter::new());
    stream::json_list(items, &mut out)?;
    out.flush()?;
    Ok(())
}

/// A CSV report to stdout, its rows written one by one by `rows` (not built whole first), its
/// free-text cells made [`formula_safe`] unless `--raw`.
fn csv_rows(
    header: &[&str],
    rows: impl FnOnce(&mut amity_interchange::views::ViewWriter<'_>) -> Result<()>,
) -> Result<()> {
    use std::io::Write;
    let raw = raw_csv();
    let guarded = header
        .iter()
        .map(|column| !raw && FREE_TEXT_COLUMNS.contains(column))
        .collect();
    let mut stdout = std::io::BufWriter::with_capacity(stream::BUFFER, StdoutWriter::new());
    let mut out = amity_interchange::views::ViewWriter::guarding(&mut stdout, header, guarded)?;
    rows(&mut out)?;
    out.finish()?;
    stdout.flush()?;
    Ok(())
}

/// Print JSON straight to stdout, without an intermediate tree: indented for a terminal,
/// compact for a pipe (scripts); a closed pipe ends output quietly.
pub fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<()> {
    use std::io::{IsTerminal, Write};
    let stdout = std::io::stdout();
    let pretty = stdout.is_terminal();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = if pretty {
        serde_json::to_writer_pretty(&mut out, value)
    } else {
        serde_json::to_writer(&mut out, value)
    };
    let written = noting_closed(
        written
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
            .and_then(|()| out.flush()),
    );
    match written {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(()),
    }
}

fn source_line(source: &Source) -> String {
    let mut line = source.title.clone();
    if let Some(publisher) = &source.publisher {
        line.push_str(&format!(", {publisher}"));
    }
    if let Some(date) = &source.published {
        line.push_str(&format!(" ({date})"));
    }
    if let Some(role) = source.role {
        line.push_str(match role {
            amity_domain::SourceRole::Primary => " [primary]",
            amity_domain::SourceRole::Secondary => " [secondary]",
        });
    }
    if let Some(url) = &source.url {
        line.push_str(&format!(" <{url}>"));
    }
    if let Some(locator) = &source.locator {
        line.push_str(&format!(": {locator}"));
    }
    line
}

fn verb(event_type: &str) -> &'static str {
    amity_domain::EventType::from_name(event_type).map_or("?", |t| t.verb())
}

/// The last block of an event id (its random part: ids recorded together share their first
/// blocks, which hold the time), enough to find it in the same history.
fn short_id(id: &str) -> String {
    match id.rsplit_once('-') {
        Some((_, last)) => format!("…{last}"),
        None => id.to_owned(),
    }
}

fn certainty_text(certainty: Certainty3, competing: &[amity_domain::Status]) -> String {
    possible_text(certainty, competing.iter().map(|s| s.to_string()))
}

/// `definite`, or `possible (A or B)` naming what it may be (never an empty "()").
fn possible_text(certainty: Certainty3, competing: impl Iterator<Item = String>) -> String {
    let competing: Vec<String> = competing.collect();
    match (certainty, competing.is_empty()) {
        (Certainty3::Definite, _) => "definite".to_owned(),
        (Certainty3::Possible, true) => "possible".to_owned(),
        (Certainty3::Possible, false) => format!("possible ({})", competing.join(" or ")),
    }
}

fn certainty_name(certainty: Certainty3) -> &'static str {
    match certainty {
        Certainty3::Definite => "definite",
        Certainty3::Possible => "possible",
    }
}

/// "since" for people: the date, "unknown" when undated, nothing before any event.
/// "Since" for people: the date of the event that set the status; for a partnership known
/// only from lists, the list's date said as such (never as a founding).
fn since_text(status: amity_domain::Status, since: Option<&str>, listed: Option<&str>) -> String {
    match (status, since, listed) {
        (amity_domain::Status::NotYet, _, _) => String::new(),
        (_, Some(since), _) => since.to_owned(),
        (amity_domain::Status::Active, None, Some(listed)) => {
            format!("listed {listed}, founding date unknown")
        }
        (_, None, _) => "unknown".to_owned(),
    }
}

/// Output of the analyst views: also CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// A table for people.
    Table,
    /// JSON for scripts.
    Json,
    /// CSV for spreadsheets, pandas, DuckDB.
    Csv,
}

impl From<Format> for Report {
    fn from(format: Format) -> Report {
        match format {
            Format::Table => Report::Table,
            Format::Json => Report::Json,
            Format::Csv => Report::Csv,
            // (Formats of import and export only: their reports are JSON.)
            _ => Report::Json,
        }
    }
}

/// Whether CSV cells are written as they are (`--raw`): set once from the command line,
/// before anything is written, and read by every CSV writer (a process-wide setting rather
/// than an argument threaded through each list's printer).
static RAW_CSV: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Write CSV cells as they are (`--raw`), or with formulas neutralised (the default; see
/// [`formula_safe`]).
pub fn set_raw_csv(raw: bool) {
    RAW_CSV.store(raw, std::sync::atomic::Ordering::Relaxed);
}

/// The CSV columns of free text: names, the words as written, notes, titles, who recorded.
/// Only their cells are neutralised; ids, codes, dates and numbers are never changed (an EDTF
/// date may begin with `-`).
const FREE_TEXT_COLUMNS: [&str; 15] = [
    "party_a",
    "party_b",
    "name",
    "aliases",
    "partner",
    "parties",
    "kind",
    "title",
    "sources",
    "term_as_written",
    "as written",
    "source_titles",
    "source_urls",
    "note",
    "recorded_by",
];

/// Whether CSV cells are written as they are (`--raw`).
pub fn raw_csv() -> bool {
    RAW_CSV.load(std::sync::atomic::Ordering::Relaxed)
}

/// A cell a spreadsheet would run as a formula with one `'` before it
/// ([`amity_ledger::archive::views::neutralise_formula`], OWASP's advice against CSV
/// injection); `amity import` takes exactly that `'` off again.
pub fn formula_safe(cell: String) -> String {
    match amity_ledger::archive::views::neutralise_formula(&cell) {
        std::borrow::Cow::Borrowed(_) => cell,
        std::borrow::Cow::Owned(guarded) => guarded,
    }
}

/// A CSV row under `header` with its free-text cells made [`formula_safe`], unless `--raw`.
fn safe_row(header: &[&str], row: Vec<String>) -> Vec<String> {
    if raw_csv() {
        return row;
    }
    row.into_iter()
        .zip(header.iter().chain(std::iter::repeat(&"")))
        .map(|(cell, column)| {
            if FREE_TEXT_COLUMNS.contains(column) {
                formula_safe(cell)
            } else {
                cell
            }
        })
        .collect()
}

/// A date cell of CSV: the date as written, `unknown` when it is not known (never an empty
/// cell, which a reader cannot tell from a missing value).
fn date_cell(date: Option<&str>) -> String {
    date.unwrap_or("unknown").to_owned()
}

/// The `since` cell of CSV: the date that set the status, `unknown` when undated; empty only
/// before any event (`not_yet`: no date applies).
fn since_cell(status: amity_domain::Status, since: Option<&str>) -> String {
    match status {
        amity_domain::Status::NotYet => since.unwrap_or_default().to_owned(),
        _ => date_cell(since),
    }
}

fn csv_text(header: &[&str], rows: Vec<Vec<String>>) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(safe_row(header, row))?;
    }
    Ok(String::from_utf8(
        writer.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
    )?)
}

fn emit_report(
    header: &[&str],
    rows: Vec<Vec<String>>,
    report: Report,
    multi_line: bool,
) -> Result<()> {
    match report {
        Report::Csv => {
            let text = csv_text(header, rows)?;
            emit(text.trim_end())
        }
        _ => {
            let mut out = table(header, multi_line);
            for row in rows {
                out.add_row(row);
            }
            emit(format_args!("{out}"))
        }
    }
}

fn parties_text(parties: &[amity_domain::Party]) -> String {
    parties
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ⇄ ")
}

fn split_text(split: &amity_projections::analysis::Split) -> String {
    if split.possible == 0 {
        split.definite.to_string()
    } else {
        format!("{} (+{} possible)", split.definite, split.possible)
    }
}

mod history;
mod interchange;
mod lists;
mod plain_table;
mod record;
mod stream;
mod views;

pub use history::*;
pub use interchange::*;
pub use lists::*;
pub use record::*;
pub use views::*;

#[cfg(test)]
#[path = "cut_tests.rs"]
mod cut_tests;
