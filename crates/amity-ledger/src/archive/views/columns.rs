//! The views' columns, shared by their writer (`amity_interchange::views`) and their reader.

use std::path::Path;

/// The timeline view's columns, in order. Read back: the envelope, the parties, the payload's
/// fields and the sources' count; derived (written for readers, not read): `partnership`
/// (the history it appears in: its community's), `seq`, `earliest`, `latest`, `disputed`,
/// `status_after`, `retracted_by`.
pub const TIMELINE: [&str; 32] = [
    "partnership",
    "seq",
    "log_index",
    "event_id",
    "stream",
    "stream_version",
    "type",
    "schema_version",
    "occurred",
    "earliest",
    "latest",
    "term_as_written",
    "certainty",
    "disputed",
    "status_after",
    "retracted_by",
    "target",
    "reason",
    "alternative_to",
    "initiated_by",
    "party_a_name",
    "party_a_country",
    "party_a_subdivision",
    "party_a_wikidata",
    "party_a_qualifier",
    "party_b_name",
    "party_b_country",
    "party_b_subdivision",
    "party_b_wikidata",
    "party_b_qualifier",
    "kind",
    "note",
];

/// The timeline view's last columns, after [`TIMELINE`]: how many sources the event has (the
/// sources view must hold exactly these), who recorded it and when.
pub const TIMELINE_END: [&str; 3] = ["source_count", "recorded_by", "recorded_at"];

/// The sources view's columns: one row per source of an event, `source_index` from 0 in the
/// event's order.
pub const SOURCES: [&str; 8] = [
    "event_id",
    "source_index",
    "title",
    "publisher",
    "url",
    "published",
    "locator",
    "role",
];

/// The party links view's columns: one row per link (`PartiesLinked`) or link retraction
/// (`EntryRetracted` in the `party-links` stream).
pub const PARTY_LINKS: [&str; 13] = [
    "log_index",
    "event_id",
    "stream_version",
    "type",
    "relation",
    "a",
    "b",
    "target",
    "reason",
    "note",
    "source_count",
    "recorded_by",
    "recorded_at",
];

/// The registrations view's columns: one row per party registration (`PartyRegistered`) or
/// record of more names (`PartyAliased`), in the party's stream `party/KEY`. `aliases` is
/// `;`-joined ([`super::join_list`]).
pub const REGISTRATIONS: [&str; 19] = [
    "log_index",
    "event_id",
    "stream_version",
    "type",
    "key",
    "name",
    "country",
    "subdivision",
    "wikidata",
    "qualifier",
    "kind",
    "geonames",
    "latitude",
    "longitude",
    "aliases",
    "note",
    "source_count",
    "recorded_by",
    "recorded_at",
];

/// The milestones view's columns.
pub const MILESTONES: [&str; 12] = [
    "log_index",
    "event_id",
    "stream_version",
    "key",
    "title",
    "occurred",
    "earliest",
    "latest",
    "note",
    "source_count",
    "recorded_by",
    "recorded_at",
];

/// The columns of free text in every view: where a writer puts a `'` before a cell a
/// spreadsheet would run as a formula ([`neutralise_formula`]) and a reader takes it off
/// ([`crate::import::formula::unquote_formula`]). Ids, codes, dates and numbers are never
/// changed.
pub const FREE_TEXT: [&str; 16] = [
    "term_as_written",
    "reason",
    "party_a_name",
    "party_b_name",
    "kind",
    "note",
    "recorded_by",
    "title",
    "publisher",
    "url",
    "locator",
    "name",
    "aliases",
    "party_a",
    "party_b",
    "parties",
];

/// The files of an import of views: the timeline, and the views beside it.
#[derive(Debug, Clone, Copy)]
pub struct ViewFiles<'a> {
    /// The timeline view.
    pub timeline: &'a Path,
    /// The sources view (needed when any event has sources).
    pub sources: Option<&'a Path>,
    /// The party links view.
    pub party_links: Option<&'a Path>,
    /// The milestones view.
    pub milestones: Option<&'a Path>,
    /// The registrations view.
    pub registrations: Option<&'a Path>,
    /// The views were written raw (`--raw`): their free text is read as it is, without taking
    /// off a formula guard.
    pub raw: bool,
}
