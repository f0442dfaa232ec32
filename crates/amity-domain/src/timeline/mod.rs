//! The lifecycle rules of one partnership, applied in valid-time order.
//!
//! Founded → active; active ⇄ suspended; active or suspended → terminated; suspended or
//! terminated → active by reinstatement; reaffirmation only while active. An attestation changes
//! no status and is never refused for the status it meets: it proves only that the partnership
//! had been founded by its date. A partnership attested but never recorded as founded has an
//! implicit founding of unknown date before its first attestation.
//!
//! Events are ordered by when they happened (`occurred`), not by when they were recorded: an
//! archivist may learn of a 1999 suspension after recording 2005. Dates are intervals
//! (earliest..latest day, the latest capped at the day the event was recorded); an unknown date
//! spans all time up to then. An entry is refused if and only if no legal order and dating of
//! the driving events exists: [`crate::temporal::Engine`] decides that exactly, and never gives
//! up calling a timeline impossible (running out of its budget is [`Violation::Unfinished`]).
//! The refusal names the events and dates in conflict.
//!
//! Driving events are the lifecycle events that are neither disputed nor retracted. Disputed
//! and retracted entries keep their place in history and are shown, but have no effect.
//!
//! An alternative claim (a lifecycle event with `alternative_to`) is another source's version
//! of an earlier entry of the same type (founded 1983 according to one source, 1984 according
//! to another). It names an entry of this stream that is not retracted; naming an alternative
//! names its root. A root and its alternatives form a claim group, which drives the status as
//! one event dated anywhere within the span of its standing (neither retracted nor disputed)
//! claims' bounds: the uncertainty widens instead of one source being ruled wrong. Retracting
//! a claim narrows the span to the claims left standing, the root's retraction included.
//!
//! The module's files, each one job: `entries` (the [`Timeline`] and how it is built),
//! `accept` (checking and appending entries), `violation` (what a refusal says), `claims`
//! (claim groups), `driving` (which entries drive the status), `resolution` (a witness order
//! through the engine and the status after each step), `explain` (the refusal's explanation),
//! `current` (the current status and what set it) and `history` (every entry in order, with
//! how it stands).

mod accept;
mod claims;
mod current;
mod driving;
mod entries;
mod explain;
mod history;
mod resolution;
mod violation;

pub use crate::temporal::Status;
pub use entries::Timeline;
pub use history::TimelineEntry;
pub use violation::{AlternativeProblem, EventRef, Violation};

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;
