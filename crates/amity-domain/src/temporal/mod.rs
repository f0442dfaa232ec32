//! Exact temporal reasoning over one partnership's driving events: whether a legal order and
//! dating exists, and which statuses (or last decisions) are possible at a point of valid time.
//!
//! The contract (DESIGN.md, "Honest answers"): the possible statuses on a day D are exactly those
//! that hold at some instant of D in some legal order and dating of the driving events (each
//! dated within its bounds, days non-decreasing along the order, each step allowed by the
//! lifecycle). The algorithm and its argument of correctness are in
//! `docs/adr/0007-exact-temporal-engine.md`; in short:
//!
//! - **Time as half-days.** Day `d` is the point `2d`; the point `2d + 1` is the end of day `d`
//!   (after everything dated `d`, before everything dated `d + 1`). A question about a day, a
//!   range of days or the end of a day is a range of points.
//! - **Attestations leave the search.** An attestation only needs the partnership founded
//!   before it: the founding's latest point is capped at every attestation's latest point, and
//!   the attestations themselves can always be slotted in afterwards. Without a recorded
//!   founding, an attested partnership gets an implicit founding of unknown date.
//! - **Groups.** Events of the same kind and bounds are interchangeable, so a state is the
//!   lifecycle state plus how many of each group are still to place (not which ones).
//! - **Orders as down-sets.** An event may come next iff no remaining event must come strictly
//!   before it (its earliest point is at most every other remaining event's latest point); a
//!   sequence built that way always has a non-decreasing dating, and every legal schedule is
//!   such a sequence.
//! - **Questions as marker events.** "Is status X possible somewhere in points `lo..=hi`" is
//!   "is there a legal schedule with a probe event, dated in `lo..=hi`, that requires X". "Is
//!   decision Y the last one in a window" adds a marker that clears a register at the window's
//!   start and one that requires Y in it at its end.
//! - **Search.** Depth-first over states, remembering states that cannot be completed, pruned
//!   by a count argument (every reinstatement closes one suspension or termination). For small
//!   histories every reachable state is enumerated once and the whole profile over time is read
//!   from it. A state budget bounds the work; running out is [`Unfinished`], never "impossible".
//!
//! The module's files, each one job: `bounds` (the half-day axis and an event's bounds),
//! `status` (the lifecycle statuses and sets of them), `elements` (what the search places),
//! `counts` (the count argument), `search` (the search and its budget), `engine` (the driving
//! events prepared), `legality` (a witness order, or none), `statuses` (the statuses possible
//! at points), `decisions` (the last decision in a window) and `profile` (every status at every
//! point, computed once).

mod bounds;
mod counts;
mod decisions;
mod elements;
mod engine;
mod legality;
mod profile;
mod search;
mod status;
mod statuses;

pub use bounds::{
    cap_at_recording, day_point, end_of_day, recorded_day, start_of_day, Dated, Point, FUTURE, PAST,
};
pub use engine::Engine;
pub use profile::Profile;
pub use search::{set_state_limit, Unfinished, STATE_LIMIT};
pub use status::{Status, StatusSet};

#[cfg(test)]
#[path = "temporal_tests.rs"]
mod tests;
