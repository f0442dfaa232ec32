//! The columns of every table, in the order both backends create them, and the one mapping of
//! rows to column values.

// Without a table backend (neither `sqlite` nor `postgres`), nothing writes or reads columns.
#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres")),
    allow(dead_code, unused_imports)
)]

use std::borrow::Cow;

use crate::analysis::{Cohort, DrivingStep};
use crate::rows::{PartyRow, StatusRow, TimelineRow};
use crate::{Checkpoint, Error, Result};

/// The name of the one projection in the checkpoint table.
pub(crate) const PROJECTION: &str = "partnerships";

/// The columns of `partnership_status`, in the order both backends create them.
pub(crate) const STATUS_COLUMNS: &[&str] = &[
    "partnership",
    "party_a",
    "party_a_name",
    "party_a_country",
    "party_b",
    "party_b_name",
    "party_b_country",
    "kind",
    "status",
    "since",
    "founded",
    "last_event_id",
    "last_event_type",
    "last_recorded_at",
    "events",
    "retracted",
    "disputed",
    "conflict",
    "party_a_subdivision",
    "party_a_wikidata",
    "party_b_subdivision",
    "party_b_wikidata",
    "row",
    "first_attested",
    "possible",
];

/// The columns of `partnership_timeline`, in order (also the order of [`TimelineRow`]'s
/// fields, which is how both backends read them back).
pub(crate) const TIMELINE_COLUMNS: &[&str] = &[
    "partnership",
    "seq",
    "step",
    "event_id",
    "stream_version",
    "event_type",
    "occurred",
    "earliest",
    "latest",
    "term_as_written",
    "certainty",
    "sources",
    "initiated_by",
    "note",
    "target",
    "reason",
    "retracted_by",
    "disputed",
    "status_after",
    "recorded_by",
    "recorded_at",
    "stream",
];

/// The columns of `party_directory`, in order.
pub(crate) const DIRECTORY_COLUMNS: &[&str] = &[
    "party",
    "partner",
    "partner_name",
    "partner_country",
    "partnership",
    "kind",
    "status",
    "since",
    "founded",
    "row",
];

/// The columns of `parties`, in the order both backends create them.
pub(crate) const PARTY_COLUMNS: &[&str] = &[
    "party",
    "name",
    "country",
    "subdivision",
    "wikidata",
    "kind",
    "canonical",
    "registered",
    "names",
    "row",
];

/// The cells of a party row that are made rather than borrowed from it (its names folded for
/// search, the row as JSON): apart, so that a writer can make them on one thread and bind them
/// on another.
#[derive(Debug)]
pub(crate) struct PartyCells {
    names: String,
    row: Option<String>,
}

impl PartyCells {
    /// The cells of a table that keeps every row's JSON.
    #[cfg(feature = "postgres")]
    pub(crate) fn of(row: &PartyRow) -> PartyCells {
        PartyCells {
            names: row.search_names(),
            row: Some(json(row)),
        }
    }

    /// The cells of a table that keeps the JSON of a row only when its columns do not make it
    /// (SQLite's `party_entries`): a party of the register, or with a qualifier.
    #[cfg(feature = "sqlite")]
    pub(crate) fn stored(row: &PartyRow) -> PartyCells {
        let plain = !row.registered
            && row.party.qualifier.is_none()
            && row.kind.is_none()
            && row.geonames.is_none()
            && row.coordinates.is_none()
            && row.aliases.is_empty();
        PartyCells {
            names: row.search_names(),
            row: (!plain).then(|| json(row)),
        }
    }
}

/// The `parties` values of a party row, in [`PARTY_COLUMNS`] order, with its made cells.
pub(crate) fn party_values<'a>(row: &'a PartyRow, cells: &'a PartyCells) -> [Value<'a>; 10] {
    [
        text(&row.key),
        text(&row.party.name),
        text(&row.party.country),
        optional_text(row.party.subdivision.as_deref()),
        optional_text(row.party.wikidata.as_deref()),
        optional_text(row.kind.map(|kind| kind.name())),
        text(&row.canonical),
        Value::Boolean(row.registered),
        text(&cells.names),
        optional_text(cells.row.as_deref()),
    ]
}

/// The rows of `parties` that match a folded query: a name or alias that starts with it, or
/// one of whose words does (`krakow`, `springs`); all when the query is empty. Ordered by
/// most partnerships first, then key. The SQL is the same on both backends (`?1` is the
/// folded query, which holds only `a`–`z`, `0`–`9` and spaces, so no LIKE wildcard).
pub(crate) fn party_search_sql(placeholder: &str, schema_prefix: &str) -> String {
    format!(
        "SELECT p.row,
                (SELECT count(*) FROM {schema_prefix}partnership_status s WHERE s.party_a = p.party)
              + (SELECT count(*) FROM {schema_prefix}partnership_status s WHERE s.party_b = p.party)
                  AS partnerships
         FROM {schema_prefix}parties p
         WHERE {placeholder} = '' OR p.names LIKE '%|' || {placeholder} || '%'
            OR p.names LIKE '% ' || {placeholder} || '%'
         ORDER BY partnerships DESC, p.party
         LIMIT 1000"
    )
}

/// The tables [`Tables::dump`] prints, in this order, each sorted by its key. The directory's
/// `row` is left out: SQLite's directory is a view over the status rows, without it.
pub(crate) const DUMPED: [(&str, &[&str], &str); 4] = [
    ("partnership_status", STATUS_COLUMNS, "partnership"),
    ("partnership_timeline", TIMELINE_COLUMNS, "partnership, seq"),
    (
        "party_directory",
        DIRECTORY_COLUMNS.split_last().expect("columns").1,
        "party, partnership",
    ),
    ("parties", PARTY_COLUMNS, "party"),
];

/// One column value of a row to write: both backends write the values these functions give,
/// so what a column holds is decided once.
#[derive(Debug)]
pub(crate) enum Value<'a> {
    /// Text (JSON included), or NULL.
    Text(Option<Cow<'a, str>>),
    /// An integer, or NULL.
    Integer(Option<i64>),
    /// A boolean.
    Boolean(bool),
}

fn text(value: &str) -> Value<'_> {
    Value::Text(Some(Cow::Borrowed(value)))
}

fn optional_text(value: Option<&str>) -> Value<'_> {
    Value::Text(value.map(Cow::Borrowed))
}

fn owned_text<'a>(value: Option<String>) -> Value<'a> {
    Value::Text(value.map(Cow::Owned))
}

fn integer<'a>(value: u64) -> Value<'a> {
    Value::Integer(Some(value as i64))
}

/// The cells of a status row that are made rather than borrowed from it (the parties' keys,
/// the founding dates joined, the row as JSON, the possible statuses joined): apart, so that a
/// writer can make them on one thread and bind them on another.
#[derive(Debug)]
pub(crate) struct StatusCells {
    keys: [String; 2],
    founded: Option<String>,
    /// The row as JSON (PostgreSQL's `row`; SQLite's view makes it from the columns).
    row: Option<String>,
    /// The founding claims as JSON (what only SQLite's `status_entries` holds apart).
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) claims: Option<String>,
    possible: Option<String>,
}

impl StatusCells {
    /// The cells of a table that keeps the row as JSON.
    #[cfg(feature = "postgres")]
    pub(crate) fn of(status: &StatusRow) -> StatusCells {
        let mut cells = StatusCells::common(status);
        cells.row = Some(json(status));
        cells
    }

    /// The cells of a table that keeps the founding claims as JSON rather than the row.
    #[cfg(feature = "sqlite")]
    pub(crate) fn stored(status: &StatusRow) -> StatusCells {
        let mut cells = StatusCells::common(status);
        cells.claims = Some(json(&status.founding_claims));
        cells
    }

    fn common(status: &StatusRow) -> StatusCells {
        let founded: Vec<&str> = status
            .founding_claims
            .iter()
            .filter_map(|claim| claim.occurred.as_deref())
            .collect();
        StatusCells {
            keys: [0, 1].map(|index| status.parties[index].key().as_str().to_owned()),
            founded: (!founded.is_empty()).then(|| founded.join(";")),
            row: None,
            claims: None,
            possible: (!status.possible.is_empty()).then(|| {
                let names: Vec<&str> = status.possible.iter().map(|s| s.name()).collect();
                names.join(";")
            }),
        }
    }
}

/// The `partnership_status` values of a partnership, in [`STATUS_COLUMNS`] order, with its
/// made cells.
pub(crate) fn status_values<'a>(status: &'a StatusRow, cells: &'a StatusCells) -> [Value<'a>; 25] {
    let [a, b] = [&status.parties[0], &status.parties[1]];
    let last = status.last_event.as_ref();
    [
        text(status.partnership.as_str()),
        text(&cells.keys[0]),
        text(&a.name),
        text(&a.country),
        text(&cells.keys[1]),
        text(&b.name),
        text(&b.country),
        text(status.kind.as_str()),
        text(status.status.name()),
        optional_text(status.since.as_deref()),
        optional_text(cells.founded.as_deref()),
        optional_text(last.map(|l| l.event_id.as_str())),
        optional_text(last.map(|l| l.event_type.as_str())),
        optional_text(last.map(|l| l.recorded_at.as_str())),
        integer(status.events),
        integer(status.retracted),
        integer(status.disputed),
        optional_text(status.conflict.as_deref()),
        optional_text(a.subdivision.as_deref()),
        optional_text(a.wikidata.as_deref()),
        optional_text(b.subdivision.as_deref()),
        optional_text(b.wikidata.as_deref()),
        optional_text(cells.row.as_deref()),
        optional_text(status.first_attested.as_deref()),
        optional_text(cells.possible.as_deref()),
    ]
}

/// The `partnership_timeline` values of a history entry, in [`TIMELINE_COLUMNS`] order; with
/// `details` false, the columns a SQLite ledger file reads from the stored event instead
/// (term, certainty, sources, initiating party, note, target, reason, recorded by and at) are
/// NULL, and not computed.
pub(crate) fn timeline_values<'a>(row: &'a TimelineRow, details: bool) -> [Value<'a>; 22] {
    let detail = |value: Value<'a>| if details { value } else { Value::Text(None) };
    [
        text(row.partnership.as_str()),
        integer(row.seq),
        Value::Integer(row.step.map(|step| step as i64)),
        text(&row.event_id),
        integer(row.stream_version),
        text(&row.event_type),
        optional_text(row.occurred.as_deref()),
        optional_text(row.earliest.as_deref()),
        optional_text(row.latest.as_deref()),
        detail(optional_text(row.term_as_written.as_deref())),
        detail(text(row.certainty.name())),
        if details {
            owned_text(Some(json(&row.sources)))
        } else {
            Value::Text(None)
        },
        detail(optional_text(row.initiated_by.as_deref())),
        detail(optional_text(row.note.as_deref())),
        detail(optional_text(row.target.as_deref())),
        detail(optional_text(row.reason.as_deref())),
        optional_text(row.retracted_by.as_deref()),
        Value::Boolean(row.disputed),
        optional_text(row.status_after.map(|status| status.name())),
        detail(text(&row.recorded_by)),
        detail(text(&row.recorded_at)),
        optional_text(row.stream.as_deref()),
    ]
}

/// The `party_directory` values of a directory row, in [`DIRECTORY_COLUMNS`] order (SQLite
/// has a view instead of the table).
#[cfg(feature = "postgres")]
pub(crate) fn directory_values(row: &crate::rows::DirectoryRow) -> [Value<'_>; 10] {
    [
        text(&row.party),
        owned_text(Some(row.partner.key().to_string())),
        text(&row.partner.name),
        text(&row.partner.country),
        text(row.partnership.as_str()),
        text(row.kind.as_str()),
        text(row.status.name()),
        optional_text(row.since.as_deref()),
        optional_text(row.founded.as_deref()),
        owned_text(Some(json(row))),
    ]
}

/// A driving event of a cohort member from its stored columns.
pub(crate) fn driving_step(
    event_id: &str,
    event_type: &str,
    occurred: Option<String>,
    earliest: Option<&str>,
    latest: Option<&str>,
) -> Result<DrivingStep> {
    use amity_domain::Day;
    Ok(DrivingStep {
        dated: amity_domain::Dated {
            event_type: amity_domain::EventType::from_name(event_type)
                .ok_or_else(|| Error::UnknownEventType(event_type.to_owned()))?,
            earliest: crate::rows::parse_day(earliest, Day::Past),
            latest: crate::rows::parse_day(latest, Day::Future),
        },
        event_id: event_id.parse().map_err(|source| Error::EventId {
            text: event_id.to_owned(),
            source,
        })?,
        occurred,
    })
}

/// A column value as [`Tables::dump`] prints it, the same from either database.
#[derive(Debug)]
pub(crate) enum DumpValue {
    /// SQL NULL.
    Null,
    /// An integer; a boolean is 0 or 1 (how SQLite stores it).
    Integer(i64),
    /// Text, JSON included (as stored).
    Text(String),
}

/// One dump line: `table: value | value | …`.
pub(crate) fn dump_line(table: &str, values: &[DumpValue]) -> String {
    let values: Vec<String> = values
        .iter()
        .map(|value| match value {
            DumpValue::Null => "NULL".to_owned(),
            DumpValue::Integer(number) => number.to_string(),
            DumpValue::Text(text) => format!("{text:?}"),
        })
        .collect();
    format!("{table}: {}", values.join(" | "))
}

/// The SQL condition on `partnership_status` for a cohort, and its parameters, which
/// `placeholder(n)` names (1-based: `?n` for SQLite, `$n` for PostgreSQL).
pub(crate) fn cohort_filter(
    cohort: &Cohort,
    placeholder: fn(usize) -> String,
) -> (String, Vec<String>) {
    let mut conditions = vec!["1 = 1".to_owned()];
    let mut values: Vec<String> = Vec::new();
    let next = |value: String, values: &mut Vec<String>| {
        values.push(value);
        placeholder(values.len())
    };
    if let Some([a, b]) = &cohort.countries {
        let (a, b) = (next(a.clone(), &mut values), next(b.clone(), &mut values));
        conditions.push(format!(
            "((party_a_country = {a} AND party_b_country = {b}) OR (party_a_country = {b} AND party_b_country = {a}))"
        ));
    }
    if let Some(party) = &cohort.party {
        let p = next(party.to_string(), &mut values);
        conditions.push(format!("(party_a = {p} OR party_b = {p})"));
    }
    if let Some(region) = &cohort.region {
        let r = next(region.to_ascii_uppercase(), &mut values);
        conditions.push(format!(
            "(party_a_country = {r} OR party_b_country = {r} OR party_a_subdivision = {r} OR party_b_subdivision = {r})"
        ));
    }
    if let Some(kind) = &cohort.kind {
        let k = next(
            amity_domain::PartnershipKind::new(kind).to_string(),
            &mut values,
        );
        conditions.push(format!("kind = {k}"));
    }
    (conditions.join(" AND "), values)
}

/// A row or value as JSON text.
pub(crate) fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("rows serialize")
}

/// A row or value back from JSON text.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(Error::Row)
}

/// An enum stored by its name (`certainty`, `status_after`).
pub(crate) fn from_name<T: serde::de::DeserializeOwned>(name: &str) -> Result<T> {
    from_json(&json(&name))
}

/// A value stored as its name (a status, a kind), read without going through JSON.
#[cfg(feature = "sqlite")]
pub(crate) fn from_text<'a, T: serde::Deserialize<'a>>(name: &'a str) -> Result<T> {
    use serde::de::IntoDeserializer;
    let deserializer: serde::de::value::StrDeserializer<'a, serde_json::Error> =
        name.into_deserializer();
    T::deserialize(deserializer).map_err(Error::Row)
}

/// A partnership id stored as text.
pub(crate) fn partnership_id(text: &str) -> Result<amity_domain::PartnershipId> {
    text.parse().map_err(Error::PartnershipId)
}

/// A checkpoint from its stored columns.
pub(crate) fn checkpoint(
    position: &str,
    code_version: u32,
    events: i64,
    first_event: Option<&str>,
) -> Result<Checkpoint> {
    Ok(Checkpoint {
        position: position
            .parse::<amity_ledger::Position>()
            .map_err(Error::Checkpoint)?,
        code_version,
        events: events as u64,
        first_event: first_event
            .map(|id| {
                id.parse().map_err(|source| Error::EventId {
                    text: id.to_owned(),
                    source,
                })
            })
            .transpose()?,
    })
}

#[cfg(test)]
#[path = "columns_tests.rs"]
mod tests;
