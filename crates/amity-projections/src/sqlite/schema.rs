//! The tables, views and indexes, and what their columns hold (queryable with `sqlite3`,
//! DuckDB or pandas).
//!
//! Tables and views, queryable with `sqlite3`, DuckDB or pandas; they hold the columns of the
//! PostgreSQL tables ([`crate::postgres`]) except the directory's `row` JSON, and query the views
//! rather than the tables underneath:
//!
//! - `projection_checkpoint` — `projection` ('partnerships'), `position` (the store position
//!   of the last event covered, as text), `code_version` (of the projection code that wrote
//!   the rows; a different version triggers a rebuild), `events` (how many events are covered),
//!   `first_event_id` (the first event of the feed: a feed that starts with another event is
//!   another ledger, and the tables are rebuilt for it), `timeline_details` (`events` or
//!   `stored`, see `partnership_timeline`).
//! - `partnership_status` (a view, one row per partnership) — `partnership_no` (the row's
//!   number in this file, which the history refers to; given out in blocks by pair of
//!   countries, so that a two-country cohort is stored together; a rebuild numbers anew),
//!   `partnership`, `party_a`,
//!   `party_a_name`, `party_a_country`, `party_b`, `party_b_name`, `party_b_country`, `kind`,
//!   `status` (`active`, `suspended`, `terminated`, `not_yet`, `unknown`), `since` (EDTF of the
//!   event that set it; with alternative claims, their dates joined by " or "), `founded` (EDTF of the founding claims, `;`-separated),
//!   `last_event_id`, `last_event_type`, `last_recorded_at`, `events`, `retracted`, `disputed`,
//!   `conflict`, `party_a_subdivision`, `party_a_wikidata`, `party_b_subdivision`,
//!   `party_b_wikidata`, `row` (the row as the application reads it, as JSON),
//!   `first_attested` (EDTF of the first list or source attesting the partnership; for a pair
//!   known only from lists `since` is NULL: its founding date is unknown) and `possible` (when
//!   several statuses are possible now, all of them, `;`-separated; else NULL). `status` is
//!   then the one furthest along the lifecycle. It reads the table `status_entries`, which has
//!   the same columns but `row`, and besides them `party_a_qualifier`, `party_b_qualifier`
//!   (what tells a party from a homonym, when its key needed it) and `founding_claims` (JSON):
//!   the view makes `row` from them when it is read (code version 10: the JSON was 64 % of the
//!   table's bytes, written on every rebuild and scanned by every index build). Its indexes
//!   are on that table.
//! - `partnership_timeline` (a view, one row per history entry) — `partnership`, `seq`
//!   (history order), `step` (resolved order of the driving events, else NULL), `event_id`,
//!   `stream_version`, `event_type`, `occurred` (EDTF as written, NULL if unknown),
//!   `earliest`, `latest` (days, NULL if unbounded; `latest` is capped at the day the event was
//!   recorded; on the driving entry of a claim group, the span of its standing claims),
//!   `term_as_written`, `certainty`, `sources` (JSON), `initiated_by`, `note`, `target` (the
//!   entry a retraction or citation is about, or an alternative claim is an alternative to),
//!   `reason`, `retracted_by`, `disputed`,
//!   `status_after`, `recorded_by`, `recorded_at`, `stream` (the stream the entry is stored in
//!   when another than `partnership`'s: a community's history merged from several keys'
//!   streams by same-as links; else NULL). It reads the table `timeline_entries`,
//!   which has the same columns except that the partnership is its status row's
//!   `partnership_no`, and `event_type` and `status_after` are small integer codes that the
//!   view turns back into their names (code version 9: a byte each, not up to 21); its key is (`partnership_no`, `seq`) and it is stored in that order
//!   (`WITHOUT ROWID`), so a partnership's history is read in one range and needs no index of
//!   its own. In the ledger's own file ([`Details::Events`]) the event's own details
//!   (`term_as_written`, `certainty`, `sources`, `initiated_by`, `note`, `target`, `reason`,
//!   `recorded_by`, `recorded_at`) are not in the table (code version 12; NULL in every row
//!   before) and the view reads them from the stored event, so that a rebuild does not write
//!   a second copy of every payload. The table's last
//!   column, `position` (code version 11), is where that event is stored (`events.position`)
//!   for an entry of its partnership's own stream (written by a rebuild or a catch-up, from
//!   the positions the events were read with): the view finds the event by it, one lookup by
//!   row id; where it is NULL (an entry of a history merged from several streams, a file of
//!   their own), by its stream's name and version.
//!   `projection_checkpoint.timeline_details` says which (`events` or `stored`); tables built
//!   the other way are rebuilt.
//! - `party_directory` (a view, one row per party and partner) — `party` (key), `partner`
//!   (key), `partner_name`, `partner_country`, `partnership`, `kind`, `status`, `since`,
//!   `founded` (the founding that drives the status), and `partner_subdivision`,
//!   `partner_wikidata`: each status row seen from either side, so nothing is written twice.
//! - `parties` (a view, one row per party key) — `party` (key), `name`, `country`,
//!   `subdivision`, `wikidata`, `kind` (registered parties), `canonical` (the key of its
//!   community: its own, unless a same-as link makes it another's), `registered` (0: known from
//!   its partnerships only), `names` (its name and aliases folded for search, accents and case
//!   aside: `|krakow|cracow|`), `row` (JSON, with aliases, GeoNames id and coordinates).
//!   Every party a partnership names, and every registered one. Same-as links make the
//!   partnerships of a community's keys one status row under its canonical key. It reads the
//!   table `party_entries`, which has the same columns, but keeps `row` only for a party of the
//!   register or with a qualifier (else NULL: the view makes it from the columns; code
//!   version 10).
//!
//! The checkpoint is written in the same transaction as the rows it covers, so after a crash
//! the tables are exactly as of the checkpoint. Writers take SQLite's write lock on the file
//! (an immediate transaction): in the ledger's own file that also stops appends, but a file
//! of its own does not hold the store still, so catch-up reads the feed only up to the end it
//! found first (see `Projections::rebuild`).

use amity_domain::{EventType, Status};
use rusqlite::{Connection, OptionalExtension};

use crate::{Error, Result};

/// A SQLite error, as a projection error.
pub(super) fn sql_error(error: rusqlite::Error) -> Error {
    Error::Sqlite(error)
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS projection_checkpoint (
    projection       TEXT PRIMARY KEY,
    position         TEXT    NOT NULL,
    code_version     INTEGER NOT NULL,
    events           INTEGER NOT NULL,
    first_event_id   TEXT,
    timeline_details TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS status_entries (
    partnership_no   INTEGER PRIMARY KEY,
    partnership      TEXT NOT NULL,
    party_a          TEXT NOT NULL,
    party_a_name     TEXT NOT NULL,
    party_a_country  TEXT NOT NULL,
    party_b          TEXT NOT NULL,
    party_b_name     TEXT NOT NULL,
    party_b_country  TEXT NOT NULL,
    kind             TEXT NOT NULL,
    status           TEXT NOT NULL,
    since            TEXT,
    founded          TEXT,
    last_event_id    TEXT,
    last_event_type  TEXT,
    last_recorded_at TEXT,
    events           INTEGER NOT NULL,
    retracted        INTEGER NOT NULL,
    disputed         INTEGER NOT NULL,
    conflict         TEXT,
    party_a_subdivision TEXT,
    party_a_wikidata    TEXT,
    party_b_subdivision TEXT,
    party_b_wikidata    TEXT,
    first_attested   TEXT,
    possible         TEXT,
    party_a_qualifier   TEXT,
    party_b_qualifier   TEXT,
    founding_claims  TEXT NOT NULL
);
";

/// The history's table, with the event details' columns only where they are stored
/// ([`Details::Stored`]): in the ledger's own file the view reads them from the stored events,
/// and the table leaves them out (code version 12: nine columns, NULL in every row, no longer
/// written by every rebuild).
fn timeline_table(details: Details) -> String {
    let (details, recorded) = match details {
        Details::Stored => (
            "
    term_as_written TEXT,
    certainty       TEXT,
    sources         TEXT,
    initiated_by    TEXT,
    note            TEXT,
    target          TEXT,
    reason          TEXT,",
            "
    recorded_by     TEXT,
    recorded_at     TEXT,",
        ),
        Details::Events => ("", ""),
    };
    format!(
        "
CREATE TABLE IF NOT EXISTS timeline_entries (
    partnership_no  INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    step            INTEGER,
    event_id        TEXT    NOT NULL,
    stream_version  INTEGER NOT NULL,
    event_type      INTEGER NOT NULL,
    occurred        TEXT,
    earliest        TEXT,
    latest          TEXT,{details}
    retracted_by    TEXT,
    disputed        INTEGER NOT NULL,
    status_after    INTEGER,{recorded}
    stream          TEXT,
    position        INTEGER,
    PRIMARY KEY (partnership_no, seq)
) WITHOUT ROWID;
"
    )
}

/// Indexes, created after the rows on a rebuild (sorting once beats inserting into an index in
/// random order). The history needs none: `timeline_entries` is kept in key order (partnership
/// number, then history order), and a rebuild appends to it in that order. The last index
/// covers the analyst views: a cohort by countries is read from it alone.
/// The parties (code version 8): every party a partnership names, and the registered ones,
/// with their community key and their names folded for search. Kept in `party_entries`
/// (code version 10), whose `row` is NULL for a party known only from partnerships, without
/// qualifier: the view `parties` makes its JSON from the columns (`key`, `party`, `canonical`
/// and `registered`, false, as `serde_json` writes a [`crate::PartyRow`] without register
/// entry), and shows every other one as stored.
pub(super) const PARTIES: &str = "
CREATE TABLE IF NOT EXISTS party_entries (
    party       TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    country     TEXT NOT NULL,
    subdivision TEXT,
    wikidata    TEXT,
    kind        TEXT,
    canonical   TEXT NOT NULL,
    registered  INTEGER NOT NULL,
    names       TEXT NOT NULL,
    row         TEXT
) WITHOUT ROWID;
CREATE VIEW IF NOT EXISTS parties AS
SELECT party, name, country, subdivision, wikidata, kind, canonical, registered, names,
       coalesce(row, json_object('key', party, 'party',
           json_patch(json_object('name', name, 'country', country),
                      json_object('subdivision', subdivision, 'wikidata', wikidata)),
           'canonical', canonical, 'registered', json('false'))) AS row
FROM party_entries;
";

pub(super) const INDEXES: &str = "
CREATE UNIQUE INDEX IF NOT EXISTS partnership_status_key ON status_entries (partnership);
CREATE INDEX IF NOT EXISTS partnership_status_party_a ON status_entries (party_a);
CREATE INDEX IF NOT EXISTS partnership_status_party_b ON status_entries (party_b);
CREATE INDEX IF NOT EXISTS partnership_status_countries ON status_entries
    (party_a_country, party_b_country, partnership, party_a_name, party_a_subdivision,
     party_a_wikidata, party_b_name, party_b_subdivision, party_b_wikidata, kind, conflict);
";

/// The status row as JSON, as the application wrote it up to code version 9 (and as
/// `serde_json` writes a [`crate::StatusRow`]), made from the columns of `status_entries`:
/// `$possible` is the `possible` member, left out when there is none.
macro_rules! status_json {
    ($($possible:literal)?) => {
        concat!(
            "json_object('partnership', partnership, 'parties', json_array(",
            "json_patch(json_object('name', party_a_name, 'country', party_a_country), ",
            "json_object('subdivision', party_a_subdivision, 'wikidata', party_a_wikidata, ",
            "'qualifier', party_a_qualifier)), ",
            "json_patch(json_object('name', party_b_name, 'country', party_b_country), ",
            "json_object('subdivision', party_b_subdivision, 'wikidata', party_b_wikidata, ",
            "'qualifier', party_b_qualifier))), ",
            "'kind', kind, 'status', status, ",
            $($possible,)?
            "'since', since, 'first_attested', first_attested, ",
            "'founding_claims', json(founding_claims), 'last_event', ",
            "CASE WHEN last_event_id IS NULL THEN NULL ELSE json_object('event_id', ",
            "last_event_id, 'event_type', last_event_type, 'recorded_at', last_recorded_at) END, ",
            "'events', events, 'retracted', retracted, 'disputed', disputed, ",
            "'conflict', conflict)"
        )
    };
}

/// The `partnership_status` view: the columns of `status_entries` as documented, `row` made
/// from them (a `null` member is kept, as `serde_json` keeps it; `possible` is left out when
/// empty, and a party's subdivision, Wikidata id and qualifier when unknown: `json_patch`
/// drops a member whose value is NULL, and adds the others in order after name and country).
pub(super) const STATUS_VIEW: &str = concat!(
    "
CREATE VIEW IF NOT EXISTS partnership_status AS
SELECT partnership_no, partnership, party_a, party_a_name, party_a_country, party_b,
       party_b_name, party_b_country, kind, status, since, founded, last_event_id,
       last_event_type, last_recorded_at, events, retracted, disputed, conflict,
       party_a_subdivision, party_a_wikidata, party_b_subdivision, party_b_wikidata,
       CASE WHEN possible IS NULL THEN ",
    status_json!(),
    " ELSE ",
    status_json!("'possible', json('[\"' || replace(possible, ';', '\",\"') || '\"]'), "),
    " END AS row,
       first_attested, possible
FROM status_entries;
"
);

/// The `party_directory` view: each status row seen from either party, with the founding date
/// that drives the status (the first founding, type code 1, in history order that has an
/// effect), and the partner's subdivision and Wikidata id besides the documented columns.
pub(super) const DIRECTORY_VIEW: &str = "
CREATE VIEW IF NOT EXISTS party_directory AS
SELECT party_a AS party, party_b AS partner, party_b_name AS partner_name,
       party_b_country AS partner_country, partnership, kind, status, since,
       (SELECT t.occurred FROM timeline_entries t
        WHERE t.partnership_no = s.partnership_no AND t.event_type = 1
          AND t.status_after IS NOT NULL
        ORDER BY t.seq LIMIT 1) AS founded,
       party_b_subdivision AS partner_subdivision, party_b_wikidata AS partner_wikidata
FROM status_entries s
UNION ALL
SELECT party_b, party_a, party_a_name, party_a_country, partnership, kind, status, since,
       (SELECT t.occurred FROM timeline_entries t
        WHERE t.partnership_no = s.partnership_no AND t.event_type = 1
          AND t.status_after IS NOT NULL
        ORDER BY t.seq LIMIT 1),
       party_a_subdivision, party_a_wikidata
FROM status_entries s;
";

/// How `timeline_entries` stores an event type: its place in [`EventType::ALL`], from 1
/// (`PartnershipFounded`) to 8 (`SourceCited`), a byte in the row instead of its name; a type
/// this code does not know keeps its name. The views turn it back with [`event_type_name!`].
pub(super) fn event_type_code(name: &str) -> Option<i64> {
    // The type by a `match` on its name, rather than asking each type for its name in turn:
    // this runs once per history row written.
    let event_type = EventType::from_name(name)?;
    EventType::ALL
        .iter()
        .position(|known| *known == event_type)
        .map(|index| index as i64 + 1)
}

/// The SQL expression that gives the name of the event type stored in `$column` (see
/// [`event_type_code`]).
macro_rules! event_type_name {
    ($column:literal) => {
        concat!(
            "CASE ",
            $column,
            " WHEN 1 THEN 'PartnershipFounded' WHEN 2 THEN 'PartnershipAttested'",
            " WHEN 3 THEN 'PartnershipSuspended' WHEN 4 THEN 'PartnershipReinstated'",
            " WHEN 5 THEN 'PartnershipTerminated' WHEN 6 THEN 'PartnershipReaffirmed'",
            " WHEN 7 THEN 'EntryRetracted' WHEN 8 THEN 'SourceCited' ELSE ",
            $column,
            " END"
        )
    };
}
pub(super) use event_type_name;

/// The name of the event type stored as `code` (see [`event_type_code`]).
pub(super) fn event_type_of_code(code: i64) -> Option<&'static str> {
    let index = usize::try_from(code.checked_sub(1)?).ok()?;
    EventType::ALL
        .get(index)
        .map(|event_type| event_type.name())
}

/// The status stored as `code` (see [`status_code`]).
pub(super) fn status_of_code(code: i64) -> Option<Status> {
    Status::ALL
        .into_iter()
        .find(|status| status_code(*status) == code)
}

/// How `timeline_entries` stores the status after an entry: 1 `not_yet`, 2 `active`,
/// 3 `suspended`, 4 `terminated`, 5 `unknown` (see [`status_name!`]).
pub(super) fn status_code(status: Status) -> i64 {
    match status {
        Status::NotYet => 1,
        Status::Active => 2,
        Status::Suspended => 3,
        Status::Terminated => 4,
        Status::Unknown => 5,
    }
}

/// The SQL expression that gives the name of the status stored in `$column` (see
/// [`status_code`]).
macro_rules! status_name {
    ($column:literal) => {
        concat!(
            "CASE ",
            $column,
            " WHEN 1 THEN 'not_yet' WHEN 2 THEN 'active' WHEN 3 THEN 'suspended'",
            " WHEN 4 THEN 'terminated' WHEN 5 THEN 'unknown' ELSE ",
            $column,
            " END"
        )
    };
}
#[cfg(test)]
pub(super) use status_name;

/// The `partnership_timeline` view over rows that hold every column ([`Details::Stored`]).
pub(super) const VIEW_STORED: &str = concat!(
    "
CREATE VIEW IF NOT EXISTS partnership_timeline AS
SELECT s.partnership, t.seq, t.step, t.event_id, t.stream_version, ",
    event_type_name!("t.event_type"),
    " AS event_type, t.occurred,
       t.earliest, t.latest, t.term_as_written, t.certainty, t.sources, t.initiated_by, t.note,
       t.target, t.reason, t.retracted_by, t.disputed, ",
    status_name!("t.status_after"),
    " AS status_after, t.recorded_by,
       t.recorded_at, t.stream
FROM timeline_entries t
JOIN status_entries s ON s.partnership_no = t.partnership_no;
"
);

/// The stored event of history entry `t` (its status row `p`), in the ledger's own file
/// ([`Details::Events`]): found by its position where the entry keeps it (code version 11: one
/// lookup by row id), else by its stream's name and its version in the stream (two index
/// searches, one comparing names).
macro_rules! stored_event {
    () => {
        "events e ON e.position = coalesce(t.position,
               (SELECT x.position FROM streams s
                JOIN events x ON x.stream_no = s.stream_no
                             AND x.stream_version = t.stream_version
                WHERE s.name = coalesce(t.stream, p.partnership)))"
    };
}
pub(super) use stored_event;

/// The `partnership_timeline` view in the ledger's own file ([`Details::Events`]): what the
/// event says is read from the stored event (schema v1 payload and metadata), and the
/// transaction time is printed as the ledger prints it (RFC 3339, UTC, shortest fraction).
pub(super) const VIEW_EVENTS: &str = concat!(
    "
CREATE VIEW IF NOT EXISTS partnership_timeline AS
SELECT p.partnership, t.seq, t.step, t.event_id, t.stream_version, ",
    event_type_name!("t.event_type"),
    " AS event_type, t.occurred,
       t.earliest, t.latest,
       json_extract(e.payload, '$.term_as_written') AS term_as_written,
       json_extract(e.payload, '$.certainty') AS certainty,
       json_extract(e.payload, '$.sources') AS sources,
       json_extract(e.payload, '$.initiated_by') AS initiated_by,
       json_extract(e.payload, '$.note') AS note,
       coalesce(json_extract(e.payload, '$.target'),
                json_extract(e.payload, '$.alternative_to')) AS target,
       json_extract(e.payload, '$.reason') AS reason,
       t.retracted_by, t.disputed, ",
    status_name!("t.status_after"),
    " AS status_after,
       json_extract(e.metadata, '$.recorded_by') AS recorded_by,
       strftime('%Y-%m-%dT%H:%M:%S', e.recorded_at / 1000000, 'unixepoch')
           || CASE WHEN e.recorded_at % 1000000 = 0 THEN ''
                   ELSE '.' || rtrim(printf('%06d', e.recorded_at % 1000000), '0') END
           || 'Z' AS recorded_at,
       t.stream
FROM timeline_entries t
JOIN status_entries p ON p.partnership_no = t.partnership_no
JOIN ",
    stored_event!(),
    ";
"
);

/// Every projection table and view, of this code and of earlier code: the history was the
/// table `partnership_timeline` up to code version 4, the directory the table
/// `party_directory` up to version 5, the status rows the table `partnership_status` up to
/// version 9, the parties the table `parties` up to version 9.
pub(super) const OBJECTS: [&str; 8] = [
    "parties",
    "party_entries",
    "partnership_timeline",
    "party_directory",
    "partnership_status",
    "timeline_entries",
    "status_entries",
    "projection_checkpoint",
];

/// Drop every projection table and view, whichever of the two each is in this file.
pub(super) fn drop_all(connection: &Connection) -> Result<()> {
    for name in OBJECTS {
        let kind: Option<String> = connection
            .query_row(
                "SELECT type FROM sqlite_master WHERE name = ?1 AND type IN ('table', 'view')",
                [name],
                |row| row.get(0),
            )
            .optional()
            .map_err(sql_error)?;
        let statement = match kind.as_deref() {
            Some("table") => format!("DROP TABLE {name};"),
            Some(_) => format!("DROP VIEW {name};"),
            None => continue,
        };
        connection.execute_batch(&statement).map_err(sql_error)?;
    }
    Ok(())
}

/// Whether the history's column at `index` of [`TIMELINE_COLUMNS`] is one that the ledger's own
/// file reads from the stored events ([`Details::Events`]): `term_as_written` to `reason`,
/// `recorded_by`, `recorded_at` (the columns [`crate::tables::timeline_values`] leaves NULL
/// without details).
pub(super) fn is_event_detail(index: usize) -> bool {
    matches!(index, 9..=15 | 19 | 20)
}

/// Where the history's event details (term, certainty, sources, initiating party, note,
/// target, reason, who recorded it and when) are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Details {
    /// In the ledger's own file: read from the stored events by the `partnership_timeline`
    /// view, not copied (a rebuild does not write a second copy of every payload).
    Events,
    /// In a file of their own: stored in `timeline_entries`.
    Stored,
}

impl Details {
    pub(super) fn name(self) -> &'static str {
        match self {
            Details::Events => "events",
            Details::Stored => "stored",
        }
    }

    /// The tables but the parties', for tables that keep the details so.
    pub(super) fn schema(self) -> String {
        format!("{SCHEMA}{}", timeline_table(self))
    }

    pub(super) fn view(self) -> &'static str {
        match self {
            Details::Events => VIEW_EVENTS,
            Details::Stored => VIEW_STORED,
        }
    }
}
