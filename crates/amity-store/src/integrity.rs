//! What [`EventStore::check_integrity`](crate::EventStore::check_integrity) reports, and the
//! check of one event against the one before it in its stream (every backend's; the check by
//! reading the feed is [`crate::check_feed_integrity`]).

use std::fmt;

use crate::{EventId, Position};

/// A problem in what a store holds: what is wrong and where. Problems are reported in feed
/// order of where they show (see [`IntegrityProblem::position`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IntegrityProblem {
    /// A stream's versions do not follow on from 0: the event at `position` has version
    /// `found` where `expected` was due (a deleted, inserted or renumbered event).
    VersionGap {
        /// The stream.
        stream: String,
        /// The version due (0 for a stream's first event, else the previous one's plus 1).
        expected: u64,
        /// The version stored.
        found: u64,
        /// The event's position.
        position: Position,
        /// The event's id, when it could be read.
        event_id: Option<EventId>,
    },
    /// A stream's event comes before the stream's previous version in the feed.
    OutOfFeedOrder {
        /// The stream.
        stream: String,
        /// The event's version.
        version: u64,
        /// The event's position.
        position: Position,
        /// The position of the stream's previous version, at or after `position`.
        previous_position: Position,
        /// The event's id, when it could be read.
        event_id: Option<EventId>,
    },
    /// The feed's positions do not increase strictly: the event at `position` comes after
    /// `previous`.
    PositionNotIncreasing {
        /// The event's position.
        position: Position,
        /// The position of the event before it in the feed.
        previous: Position,
        /// The event's id, when it could be read.
        event_id: Option<EventId>,
    },
    /// The store's own record of a stream's length (SQL: the `streams` table) is not the
    /// number of its events.
    StreamLengthMismatch {
        /// The stream.
        stream: String,
        /// The length the store records.
        recorded: u64,
        /// The events found.
        found: u64,
        /// The position of the stream's last event found.
        last_position: Position,
    },
    /// A stream the store records that has no event.
    StreamWithoutEvents {
        /// The stream.
        stream: String,
        /// The length the store records for it.
        recorded: u64,
    },
    /// An event whose stream the store does not record.
    EventWithoutStream {
        /// The number the backend keeps the missing stream under.
        stream_number: i64,
        /// The event's version.
        version: u64,
        /// The event's position.
        position: Position,
        /// The event's id, when it could be read.
        event_id: Option<EventId>,
    },
}

impl IntegrityProblem {
    /// Where in the feed the problem shows: the event's position, or for a stream's length
    /// the stream's last event (`None`: a stream without events, after everything else).
    pub fn position(&self) -> Option<Position> {
        match self {
            IntegrityProblem::VersionGap { position, .. }
            | IntegrityProblem::OutOfFeedOrder { position, .. }
            | IntegrityProblem::PositionNotIncreasing { position, .. }
            | IntegrityProblem::EventWithoutStream { position, .. } => Some(*position),
            IntegrityProblem::StreamLengthMismatch { last_position, .. } => Some(*last_position),
            IntegrityProblem::StreamWithoutEvents { .. } => None,
        }
    }

    /// The stream the problem is in, when it has a name.
    pub fn stream(&self) -> Option<&str> {
        match self {
            IntegrityProblem::VersionGap { stream, .. }
            | IntegrityProblem::OutOfFeedOrder { stream, .. }
            | IntegrityProblem::StreamLengthMismatch { stream, .. }
            | IntegrityProblem::StreamWithoutEvents { stream, .. } => Some(stream),
            IntegrityProblem::PositionNotIncreasing { .. }
            | IntegrityProblem::EventWithoutStream { .. } => None,
        }
    }
}

/// " (event ID)", or nothing when the id is unknown.
struct EventNote(Option<EventId>);

impl fmt::Display for EventNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, " (event {id})"),
            None => Ok(()),
        }
    }
}

impl fmt::Display for IntegrityProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntegrityProblem::VersionGap {
                stream,
                expected,
                found,
                position,
                event_id,
            } => write!(
                f,
                "stream {stream}: the event at position {position}{} has version {found} where version {expected} was due",
                EventNote(*event_id)
            ),
            IntegrityProblem::OutOfFeedOrder {
                stream,
                version,
                position,
                previous_position,
                event_id,
            } => write!(
                f,
                "stream {stream}: version {version} at position {position}{} comes before the previous version, at position {previous_position}",
                EventNote(*event_id)
            ),
            IntegrityProblem::PositionNotIncreasing {
                position,
                previous,
                event_id,
            } => write!(
                f,
                "the feed's event at position {position}{} follows position {previous}: positions do not increase",
                EventNote(*event_id)
            ),
            IntegrityProblem::StreamLengthMismatch {
                stream,
                recorded,
                found,
                ..
            } => write!(
                f,
                "stream {stream}: the store records {recorded} events but holds {found}"
            ),
            IntegrityProblem::StreamWithoutEvents { stream, recorded } => write!(
                f,
                "stream {stream}: the store records {recorded} events but holds none"
            ),
            IntegrityProblem::EventWithoutStream {
                stream_number,
                version,
                position,
                event_id,
            } => write!(
                f,
                "the event at position {position}{} (version {version}) belongs to stream number {stream_number}, which the store does not record",
                EventNote(*event_id)
            ),
        }
    }
}

/// The problem with an event of `stream` (version `version` at `position`) given the stream's
/// event before it (`None`: the stream's first): a version that does not follow on, else a
/// position not after the previous one's.
pub fn check_stream_step(
    stream: &str,
    previous: Option<(u64, Position)>,
    (version, position): (u64, Position),
    event_id: Option<EventId>,
) -> Option<IntegrityProblem> {
    let expected = previous.map_or(0, |(last, _)| last.saturating_add(1));
    if version != expected {
        return Some(IntegrityProblem::VersionGap {
            stream: stream.to_owned(),
            expected,
            found: version,
            position,
            event_id,
        });
    }
    match previous {
        Some((_, previous_position)) if position <= previous_position => {
            Some(IntegrityProblem::OutOfFeedOrder {
                stream: stream.to_owned(),
                version,
                position,
                previous_position,
                event_id,
            })
        }
        _ => None,
    }
}

/// Put problems in feed order of where they show (stable: a backend's order among problems at
/// one place is kept), those without a place last, by stream name.
pub fn sort_problems(problems: &mut [IntegrityProblem]) {
    problems.sort_by(|a, b| {
        let key = |problem: &IntegrityProblem| {
            let place = problem.position();
            let name = place.is_none().then(|| problem.stream()).flatten();
            (place.is_none(), place, name.map(str::to_owned))
        };
        key(a).cmp(&key(b))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(n: u64) -> Position {
        Position::new(n, n)
    }

    #[test]
    fn each_step_of_a_stream_is_checked_against_the_one_before() {
        assert_eq!(check_stream_step("s", None, (0, at(1)), None), None);
        assert_eq!(
            check_stream_step("s", Some((0, at(1))), (1, at(4)), None),
            None
        );
        let gap = check_stream_step("s", Some((0, at(1))), (2, at(4)), None).unwrap();
        assert_eq!(
            gap.to_string(),
            "stream s: the event at position 4/4 has version 2 where version 1 was due"
        );
        let first = check_stream_step("s", None, (1, at(2)), None).unwrap();
        assert!(matches!(
            first,
            IntegrityProblem::VersionGap {
                expected: 0,
                found: 1,
                ..
            }
        ));
        let id = uuid::Uuid::nil();
        let order = check_stream_step("s", Some((0, at(5))), (1, at(4)), Some(id)).unwrap();
        assert_eq!(
            order.to_string(),
            format!("stream s: version 1 at position 4/4 (event {id}) comes before the previous version, at position 5/5")
        );
    }

    #[test]
    fn problems_are_sorted_by_where_they_show() {
        let mut problems = vec![
            IntegrityProblem::StreamWithoutEvents {
                stream: "empty".to_owned(),
                recorded: 2,
            },
            IntegrityProblem::StreamLengthMismatch {
                stream: "b".to_owned(),
                recorded: 3,
                found: 2,
                last_position: at(9),
            },
            IntegrityProblem::VersionGap {
                stream: "b".to_owned(),
                expected: 1,
                found: 2,
                position: at(4),
                event_id: None,
            },
        ];
        sort_problems(&mut problems);
        let places: Vec<_> = problems.iter().map(IntegrityProblem::position).collect();
        assert_eq!(places, [Some(at(4)), Some(at(9)), None]);
        assert_eq!(problems[2].stream(), Some("empty"));
    }
}
