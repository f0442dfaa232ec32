//! The tables, indexes and migrations, and the PostgreSQL type of every column.

/// The tables. `{s}` is the schema.
pub(super) const TABLES: &str = r#"
CREATE TABLE IF NOT EXISTS {s}.projection_checkpoint (
    projection     TEXT PRIMARY KEY,
    position       TEXT    NOT NULL,
    code_version   INTEGER NOT NULL,
    events         BIGINT  NOT NULL,
    first_event_id TEXT
);
CREATE TABLE IF NOT EXISTS {s}.partnership_status (
    partnership      TEXT COLLATE "C" NOT NULL,
    party_a          TEXT COLLATE "C" NOT NULL,
    party_a_name     TEXT   NOT NULL,
    party_a_country  TEXT   NOT NULL,
    party_b          TEXT COLLATE "C" NOT NULL,
    party_b_name     TEXT   NOT NULL,
    party_b_country  TEXT   NOT NULL,
    kind             TEXT   NOT NULL,
    status           TEXT   NOT NULL,
    since            TEXT,
    founded          TEXT,
    last_event_id    TEXT,
    last_event_type  TEXT,
    last_recorded_at TEXT,
    events           BIGINT NOT NULL,
    retracted        BIGINT NOT NULL,
    disputed         BIGINT NOT NULL,
    conflict         TEXT,
    party_a_subdivision TEXT,
    party_a_wikidata    TEXT,
    party_b_subdivision TEXT,
    party_b_wikidata    TEXT,
    "row"            JSON   NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.partnership_timeline (
    partnership     TEXT COLLATE "C" NOT NULL,
    seq             BIGINT  NOT NULL,
    step            BIGINT,
    event_id        TEXT    NOT NULL,
    stream_version  BIGINT  NOT NULL,
    event_type      TEXT    NOT NULL,
    occurred        TEXT,
    earliest        TEXT,
    latest          TEXT,
    term_as_written TEXT,
    certainty       TEXT    NOT NULL,
    sources         JSON    NOT NULL,
    initiated_by    TEXT,
    note            TEXT,
    target          TEXT,
    reason          TEXT,
    retracted_by    TEXT,
    disputed        BOOLEAN NOT NULL,
    status_after    TEXT,
    recorded_by     TEXT    NOT NULL,
    recorded_at     TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.party_directory (
    party           TEXT COLLATE "C" NOT NULL,
    partner         TEXT COLLATE "C" NOT NULL,
    partner_name    TEXT NOT NULL,
    partner_country TEXT NOT NULL,
    partnership     TEXT COLLATE "C" NOT NULL,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    since           TEXT,
    founded         TEXT,
    "row"           JSON NOT NULL
);
"#;

/// The indexes: created by the first migration, dropped by a rebuild before it loads the rows
/// and created again after (sorting once beats inserting into an index in random order).
pub(super) const INDEXES: &str = r#"
CREATE UNIQUE INDEX IF NOT EXISTS partnership_status_key ON {s}.partnership_status (partnership);
CREATE UNIQUE INDEX IF NOT EXISTS partnership_timeline_key ON {s}.partnership_timeline (partnership, seq);
CREATE UNIQUE INDEX IF NOT EXISTS party_directory_key ON {s}.party_directory (party, partnership);
CREATE INDEX IF NOT EXISTS partnership_status_countries ON {s}.partnership_status
    (party_a_country, party_b_country);
CREATE INDEX IF NOT EXISTS partnership_timeline_steps ON {s}.partnership_timeline
    (partnership, step) WHERE step IS NOT NULL;
"#;

/// Statistics for the planner after a rebuild, on the columns queries select by (the JSON
/// columns would triple the time and are never filtered on).
pub(super) const ANALYZE: &str = "ANALYZE {s}.partnership_status (partnership, party_a, party_b,
    party_a_country, party_b_country, party_a_subdivision, party_b_subdivision, kind),
    {s}.partnership_timeline (partnership, step), {s}.party_directory (party, partnership);";

pub(super) const DROP_INDEXES: &str = "DROP INDEX IF EXISTS {s}.partnership_status_key,
    {s}.partnership_timeline_key, {s}.party_directory_key, {s}.partnership_status_countries,
    {s}.partnership_timeline_steps;";

/// The migrations, in order (numbered from 1 in `projection_migrations`). A released one is
/// never edited: changes come as new ones.
pub(super) fn migrations() -> Vec<String> {
    vec![
        format!("{TABLES}{INDEXES}"),
        // Code version 7: the first attestation, and the statuses possible now.
        "ALTER TABLE {s}.partnership_status ADD COLUMN IF NOT EXISTS first_attested TEXT,
             ADD COLUMN IF NOT EXISTS possible TEXT;"
            .to_owned(),
        // Code version 8: the parties, registered or named by partnerships, and the stream of
        // an entry merged into a community's history from another key's stream.
        r#"ALTER TABLE {s}.partnership_timeline ADD COLUMN IF NOT EXISTS stream TEXT;
           CREATE TABLE IF NOT EXISTS {s}.parties (
               party       TEXT COLLATE "C" PRIMARY KEY,
               name        TEXT NOT NULL,
               country     TEXT NOT NULL,
               subdivision TEXT,
               wikidata    TEXT,
               kind        TEXT,
               canonical   TEXT COLLATE "C" NOT NULL,
               registered  BOOLEAN NOT NULL,
               names       TEXT NOT NULL,
               "row"       JSON NOT NULL
           );"#
        .to_owned(),
    ]
}

/// The PostgreSQL type of each column of `parties`.
pub(super) const PARTY_TYPES: &[&str] = &[
    "text", "text", "text", "text", "text", "text", "text", "boolean", "text", "json",
];

/// The PostgreSQL type of each column, in the order of the column lists of
/// [`crate::tables`]: what the batched inserts cast their arrays to.
pub(super) const STATUS_TYPES: &[&str] = &[
    "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text",
    "text", "text", "bigint", "bigint", "bigint", "text", "text", "text", "text", "text", "json",
    "text", "text",
];
pub(super) const TIMELINE_TYPES: &[&str] = &[
    "text", "bigint", "bigint", "text", "bigint", "text", "text", "text", "text", "text", "text",
    "json", "text", "text", "text", "text", "text", "boolean", "text", "text", "text", "text",
];
pub(super) const DIRECTORY_TYPES: &[&str] = &[
    "text", "text", "text", "text", "text", "text", "text", "text", "text", "json",
];
