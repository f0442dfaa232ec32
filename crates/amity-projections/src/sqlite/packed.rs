//! A chunk of rows made into the cells the writer's thread binds (see [`Packed`]).

use std::ops::Range;

use rusqlite::types::{ToSqlOutput, ValueRef};

use super::numbers::Numbers;
use super::schema::{event_type_code, is_event_detail, status_code, Details};
use crate::rows::PartnershipRows;
use crate::tables::{
    status_values, timeline_values, StatusCells, Value, STATUS_COLUMNS, TIMELINE_COLUMNS,
};

/// The columns of `status_entries` after those of [`STATUS_COLUMNS`] but `row`, in order.
const STATUS_ONLY: [&str; 3] = ["party_a_qualifier", "party_b_qualifier", "founding_claims"];

/// The places of `event_type` and `status_after` in [`TIMELINE_COLUMNS`].
const EVENT_TYPE: usize = 5;
const STATUS_AFTER: usize = 18;

/// Whether the column of [`STATUS_COLUMNS`] at `index` is `row` (made by the view, not
/// stored; see `status_entries`).
fn is_row(index: usize) -> bool {
    STATUS_COLUMNS[index] == "row"
}

/// Whether the column of [`TIMELINE_COLUMNS`] at `index` is stored by tables that keep the
/// history's details as `details` says: the ledger's own file leaves out (NULL) those it reads
/// from the stored events.
fn is_written(index: usize, details: Details) -> bool {
    details == Details::Stored || !is_event_detail(index)
}

/// The columns the writer binds, in the order of the cells of a [`Packed`] chunk.
#[derive(Debug)]
pub(super) struct Columns {
    /// Those of `status_entries`: `partnership_no` (the writer's to give), then one for each
    /// of a partnership's status cells.
    pub(super) status: Vec<&'static str>,
    /// Those of `timeline_entries`, one for each cell of a history row: the partnership is its
    /// status row's number (see `timeline_entries`), and the ledger's own file keeps where the
    /// stored event is (see [`PartnershipRows::positions`]).
    pub(super) timeline: Vec<&'static str>,
}

impl Columns {
    pub(super) fn of(details: Details) -> Columns {
        let status = std::iter::once("partnership_no")
            .chain(
                (0..STATUS_COLUMNS.len())
                    .filter(|index| !is_row(*index))
                    .map(|index| STATUS_COLUMNS[index]),
            )
            .chain(STATUS_ONLY)
            .collect();
        let timeline = std::iter::once("partnership_no")
            .chain(
                TIMELINE_COLUMNS
                    .iter()
                    .enumerate()
                    .skip(1)
                    .filter(|(index, _)| is_written(*index, details))
                    .map(|(_, column)| *column),
            )
            .chain((details == Details::Events).then_some("position"))
            .collect();
        Columns { status, timeline }
    }
}

/// A cell to bind.
#[derive(Debug, Clone, Copy)]
enum Cell {
    Null,
    Integer(i64),
    /// The text at this range of [`Packed::text`].
    Text(u32, u32),
    /// The number of the chunk's partnership at this index (given on the writer's thread).
    Number(u32),
}

/// A partnership of a [`Packed`] chunk.
#[derive(Debug)]
pub(super) struct Member {
    /// Its id, at this range of [`Packed::text`].
    id: (u32, u32),
    /// The block of numbers of its pair of countries (see [`Numbers`]).
    pub(super) block: i64,
    /// How many history rows it has.
    pub(super) rows: usize,
}

/// A chunk of rows as the writer's thread binds them: every cell made on the caller's thread
/// (codes, positions and text chosen there), the text of all of them one after another in one
/// buffer. Binding the rows themselves, the writer's thread read strings from thousands of
/// allocations made on the other core: each a cache miss (the copy SQLite makes of a bound text
/// was a tenth of that thread's time), where one buffer is read in order. The rows are dropped
/// where they were made, and the chunk comes back to be filled again.
#[derive(Debug, Default)]
pub(super) struct Packed {
    text: String,
    members: Vec<Member>,
    /// The status cells of each member in turn, but its number ([`Columns::status`]).
    status: Vec<Cell>,
    /// The history rows of each member in turn, a cell per column of [`Columns::timeline`].
    timeline: Vec<Cell>,
}

impl Packed {
    /// Empty it, keeping its room.
    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.members.clear();
        self.status.clear();
        self.timeline.clear();
    }

    /// Its partnerships, in order.
    pub(super) fn members(&self) -> &[Member] {
        &self.members
    }

    /// Add a partnership's rows, with its status cells, for tables that keep the history's
    /// details as `details` says.
    pub(super) fn push(&mut self, rows: &PartnershipRows, cells: &StatusCells, details: Details) {
        let status = &rows.status;
        let index = self.members.len() as u32;
        let id = self.copy(status.partnership.as_str());
        self.members.push(Member {
            id,
            block: Numbers::block(status),
            rows: rows.timeline.len(),
        });
        for (column, value) in status_values(status, cells).into_iter().enumerate() {
            if !is_row(column) {
                let cell = self.cell(value);
                self.status.push(cell);
            }
        }
        let [a, b] = [&status.parties[0], &status.parties[1]];
        for only in [
            a.qualifier.as_deref(),
            b.qualifier.as_deref(),
            cells.claims.as_deref(),
        ] {
            let cell = self.cell(Value::Text(only.map(Into::into)));
            self.status.push(cell);
        }
        let stored = details == Details::Stored;
        for row in &rows.timeline {
            self.timeline.push(Cell::Number(index));
            for (column, value) in timeline_values(row, stored).into_iter().enumerate().skip(1) {
                if !is_written(column, details) {
                    continue;
                }
                // The type and the status after are stored as codes (see `timeline_entries`).
                let value = match column {
                    EVENT_TYPE => match event_type_code(&row.event_type) {
                        Some(code) => Value::Integer(Some(code)),
                        None => value,
                    },
                    STATUS_AFTER => Value::Integer(row.status_after.map(status_code)),
                    _ => value,
                };
                let cell = self.cell(value);
                self.timeline.push(cell);
            }
            if !stored {
                // Known for an event of the partnership's own stream only.
                let position = match row.stream {
                    None => rows.positions.get(row.stream_version as usize),
                    Some(_) => None,
                };
                self.timeline.push(
                    position
                        .and_then(|&position| i64::try_from(position).ok())
                        .map_or(Cell::Null, Cell::Integer),
                );
            }
        }
    }

    /// The cell of a value, its text copied in.
    fn cell(&mut self, value: Value<'_>) -> Cell {
        match value {
            Value::Text(None) | Value::Integer(None) => Cell::Null,
            Value::Integer(Some(number)) => Cell::Integer(number),
            Value::Boolean(flag) => Cell::Integer(i64::from(flag)),
            Value::Text(Some(text)) => {
                let (start, end) = self.copy(&text);
                Cell::Text(start, end)
            }
        }
    }

    /// Copy text in; where it is.
    fn copy(&mut self, text: &str) -> (u32, u32) {
        let offset = |at: usize| u32::try_from(at).expect("a chunk's text under 4 GiB");
        let start = offset(self.text.len());
        self.text.push_str(text);
        (start, offset(self.text.len()))
    }

    /// The value of a cell, `numbers` being those given to the chunk's partnerships so far.
    fn value(&self, cell: Cell, numbers: &[i64]) -> ToSqlOutput<'_> {
        ToSqlOutput::Borrowed(match cell {
            Cell::Null => ValueRef::Null,
            Cell::Integer(number) => ValueRef::Integer(number),
            Cell::Text(start, end) => {
                ValueRef::Text(&self.text.as_bytes()[start as usize..end as usize])
            }
            Cell::Number(index) => ValueRef::Integer(numbers[index as usize]),
        })
    }

    /// A member's id.
    pub(super) fn id(&self, member: &Member) -> &str {
        let (start, end) = member.id;
        &self.text[start as usize..end as usize]
    }

    /// The values of the status row of the member at `index`, but its number.
    pub(super) fn status_row(
        &self,
        index: usize,
        width: usize,
    ) -> impl Iterator<Item = ToSqlOutput<'_>> + '_ {
        self.status[index * width..(index + 1) * width]
            .iter()
            .map(|cell| self.value(*cell, &[]))
    }

    /// The values of the history rows at `rows` (the chunk's, counted from 0), one after
    /// another, `numbers` being those of the chunk's partnerships up to theirs.
    pub(super) fn history_rows<'a>(
        &'a self,
        rows: Range<usize>,
        width: usize,
        numbers: &'a [i64],
    ) -> impl Iterator<Item = ToSqlOutput<'a>> + 'a {
        self.timeline[rows.start * width..rows.end * width]
            .iter()
            .map(move |cell| self.value(*cell, numbers))
    }
}
