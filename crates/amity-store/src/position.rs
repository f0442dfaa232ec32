//! Positions in the global order of all events, opaque to readers and stored as text.

use std::fmt;
use std::str::FromStr;

use crate::{Error, Result};

/// An opaque place in the global order of all events.
///
/// Its text form (`start`, or `commit/prepare`) is what checkpoints store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Position(Option<(u64, u64)>);

impl Position {
    /// Before the first event.
    pub const START: Position = Position(None);

    /// A position as a backend knows it: `commit` and `prepare` coordinates (EventStoreDB's
    /// transaction-log positions; the SQL backends use their sequence number for both).
    pub fn new(commit: u64, prepare: u64) -> Position {
        Position(Some((commit, prepare)))
    }

    /// The backend's coordinates, or `None` for [`Position::START`].
    pub fn parts(self) -> Option<(u64, u64)> {
        self.0
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("start"),
            Some((commit, prepare)) => write!(f, "{commit}/{prepare}"),
        }
    }
}

impl FromStr for Position {
    type Err = Error;
    fn from_str(input: &str) -> Result<Self> {
        if input == "start" {
            return Ok(Position::START);
        }
        let invalid = || Error::InvalidPosition {
            input: input.to_owned(),
        };
        let (commit, prepare) = input.split_once('/').ok_or_else(invalid)?;
        let commit = commit.parse().map_err(|_| invalid())?;
        let prepare = prepare.parse().map_err(|_| invalid())?;
        Ok(Position::new(commit, prepare))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_as_text_and_order() {
        for position in [Position::START, Position::new(7, 7), Position::new(12, 3)] {
            assert_eq!(position.to_string().parse::<Position>().unwrap(), position);
        }
        assert!(Position::START < Position::new(0, 0));
        assert!(Position::new(1, 9) < Position::new(2, 0));
        assert!("7".parse::<Position>().is_err());
    }
}
