//! Partnership numbers, given out in blocks by pair of countries (see [`Numbers`]).

use rusqlite::Connection;

use super::sql_error;
use crate::rows::StatusRow;
use crate::Result;

/// How many partnership numbers each pair of countries has (see [`Numbers`]).
const PAIR_BLOCK: i64 = 1 << 28;

/// Partnership numbers, given out by pairs of countries: the partnerships of one pair of
/// countries get consecutive numbers in a block of their own (the countries' letters make the
/// block), so that a cohort of two countries lies together in `status_entries` and
/// `timeline_entries`, which are stored in number order, however the feed interleaves them;
/// and a rebuild still appends within a few blocks rather than inserting anywhere.
#[derive(Debug, Default)]
pub(super) struct Numbers {
    /// The next free number of each block seen.
    next: std::collections::HashMap<i64, i64>,
    /// Whether the table was empty when the writing began (a rebuild): a block not seen yet
    /// starts at its first number, without a look for the largest one taken.
    fresh: bool,
}

impl Numbers {
    /// Numbers for tables that were empty when the writing began (`fresh`, a rebuild), or not.
    pub(super) fn new(fresh: bool) -> Numbers {
        Numbers {
            fresh,
            ..Numbers::default()
        }
    }

    /// The block of a pair of countries: their first two bytes each, in the status row's order.
    pub(super) fn block(status: &StatusRow) -> i64 {
        let code = status
            .parties
            .iter()
            .flat_map(|party| {
                let bytes = party.country.as_bytes();
                [0, 1].map(|index| bytes.get(index).copied().unwrap_or(0))
            })
            .fold(0i64, |code, byte| code << 8 | i64::from(byte));
        code * PAIR_BLOCK
    }

    /// A number for a new partnership of the pair of countries of `block` (see
    /// [`Numbers::block`]); `None` when the block is full (SQLite then picks one past the
    /// largest).
    pub(super) fn take(&mut self, connection: &Connection, block: i64) -> Result<Option<i64>> {
        let next = match self.next.get(&block) {
            Some(&next) => next,
            None if self.fresh => block,
            None => {
                let largest: Option<i64> = connection
                    .prepare_cached(
                        "SELECT max(partnership_no) FROM status_entries
                         WHERE partnership_no >= ?1 AND partnership_no < ?2",
                    )
                    .and_then(|mut statement| {
                        statement.query_row([block, block + PAIR_BLOCK], |row| row.get(0))
                    })
                    .map_err(sql_error)?;
                largest.map_or(block, |largest| largest + 1)
            }
        };
        if next >= block + PAIR_BLOCK {
            return Ok(None);
        }
        self.next.insert(block, next + 1);
        Ok(Some(next))
    }
}
