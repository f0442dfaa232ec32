//! The ledger as tidy, lossless CSV views: snake_case headers, one value per cell, the same
//! ids (dashed UUIDs) and times (RFC 3339, UTC, microseconds) everywhere.
//!
//! - `timeline`: one row per stored event of every partnership, every field of the event and
//!   its envelope, with what the history derives (its place, bounds, status after it, who
//!   retracted it);
//! - `sources`: one row per source of an event, keyed by event id, every field;
//! - `registrations`, `party_links` and `milestones`: the party register's records and links,
//!   and the ledger's context dates;
//! - `status`: one row per partnership, its status as of a date (the same as `amity status
//!   --format csv`);
//! - `parties`: one row per party.
//!
//! The timeline, sources, registrations, party links and milestones views import back
//! (`amity_ledger::archive::views`) into a ledger that gives the same histories. Their
//! columns are listed there; docs/csv-views.md says what each holds. Free text is made safe
//! for spreadsheets ([`amity_ledger::archive::views::neutralise_formula`]) unless the caller
//! asks for it raw; the reader takes the guard off again, so nothing is lost either way.

mod cells;
mod feed;
mod lists;
mod register;
mod timeline;
mod timeline_export;
mod timeline_places;

pub use cells::{definite_and_possible, possible_statuses, timestamp, ViewWriter};
pub use feed::Feed;
pub use lists::{write_parties, write_status, PARTIES, STATUS};
pub use register::{write_party_links, write_registrations};
pub use timeline::{write_milestones, write_sources, write_timeline};
pub use timeline_export::export_timeline;
