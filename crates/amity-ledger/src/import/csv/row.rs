//! One row of a lifecycle CSV file turned into an event, and its parties found as recording
//! finds them.

use std::collections::HashMap;
use std::sync::Arc;

use amity_domain::{
    Certainty, Day, EdtfDate, Event, EventType, Facts, InputError, Occurred, Partnership,
    PartnershipId, PartnershipKind, Party, Problem, Source,
};

use crate::import::limits::{check_text, TextKind};
use crate::import::Names;
use crate::ToRecord;

/// The columns, in documentation order.
pub const COLUMNS: [&str; 16] = [
    "party_a",
    "country_a",
    "region_a",
    "party_b",
    "country_b",
    "region_b",
    "kind",
    "event",
    "occurred",
    "term_as_written",
    "certainty",
    "source_title",
    "source_publisher",
    "source_url",
    "source_date",
    "note",
];

/// Which of [`COLUMNS`] hold free text (names, kind, the words as written, the source, the
/// note): where `amity export` and the CSV lists put a `'` before a cell that a spreadsheet
/// would run as a formula, and where [`crate::import::formula::unquote_formula`] takes it off.
pub(super) const FREE_TEXT: [bool; 16] = [
    true, false, false, true, false, false, true, false, false, true, false, true, true, true,
    false, true,
];

/// The namespace of row ids (UUID v5).
const ROW_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x5f1d_3c2a_8b4e_4c7f_9a61_2e0b_7d33_c5a1);

/// A row turned into an event, with its line in the file.
pub(super) struct Row {
    pub(super) line: u64,
    pub(super) item: ToRecord,
}

/// The event type of an `event` cell.
fn event_type(word: &str) -> Option<EventType> {
    Some(match word {
        "founded" => EventType::PartnershipFounded,
        "attested" => EventType::PartnershipAttested,
        "suspended" => EventType::PartnershipSuspended,
        "reinstated" => EventType::PartnershipReinstated,
        "terminated" => EventType::PartnershipTerminated,
        "reaffirmed" => EventType::PartnershipReaffirmed,
        _ => return None,
    })
}

/// The certainty of a `certainty` cell (empty: confirmed).
fn certainty(word: &str) -> Option<Certainty> {
    Some(match word {
        "" | "confirmed" => Certainty::Confirmed,
        "probable" => Certainty::Probable,
        "possible" => Certainty::Possible,
        "disputed" => Certainty::Disputed,
        _ => return None,
    })
}

/// A row's fields, trimmed, in [`COLUMNS`] order.
pub(super) type Fields<'r> = [&'r str; 16];

/// One row to an event; the error is `field: reason`. Partnerships already built for the same
/// seven party columns are reused from `partnerships` (a file holds many rows per pair).
pub(super) fn parse_row(
    fields: &Fields<'_>,
    recorded_by: &str,
    partnerships: &mut HashMap<String, (Arc<Partnership>, PartnershipId)>,
) -> std::result::Result<ToRecord, String> {
    let get = |field: &str| -> &str {
        COLUMNS
            .iter()
            .position(|column| *column == field)
            .map_or("", |index| fields[index])
    };
    if let Some(column) = COLUMNS.iter().find(|column| get(column).contains('\0')) {
        return Err(format!(
            "{column}: holds a NUL character (U+0000); remove it"
        ));
    }
    for column in COLUMNS {
        check_text(column, get(column), TextKind::of(column))?;
    }
    let optional = |field: &str| Some(get(field).to_owned()).filter(|value| !value.is_empty());
    let party = |name: &str, country: &str, region: &str| -> std::result::Result<Party, String> {
        let party_name = get(name);
        if party_name.is_empty() {
            return Err(format!("{name}: missing"));
        }
        let region_code = optional(region);
        Party::new(party_name, get(country), region_code.as_deref(), None).map_err(|error| {
            // Name the column the error is about.
            let field = match &error {
                amity_domain::PartyError::Code { reason, .. } if reason.starts_with("country") => {
                    country
                }
                amity_domain::PartyError::Code { reason, .. }
                    if reason.starts_with("subdivision") =>
                {
                    region
                }
                _ => name,
            };
            format!("{field}: {error}")
        })
    };
    let pair_key = fields[..7].join("\u{1f}");
    let (partnership, id) = match partnerships.get(&pair_key) {
        Some(known) => known.clone(),
        None => {
            let partnership = Arc::new(build_partnership(&party, &optional)?);
            let id = partnership.id();
            partnerships.insert(pair_key, (partnership.clone(), id.clone()));
            (partnership, id)
        }
    };
    let word = get("event");
    let event_type = event_type(word).ok_or_else(|| {
        format!("event: {word:?} is not one of founded, attested, suspended, reinstated, terminated, reaffirmed")
    })?;
    // An unknown date is written `unknown`: an empty cell is refused, never read as one.
    let today = Day::of(jiff::Timestamp::now());
    let occurred = match get("occurred") {
        "" => return Err(InputError::new("occurred", Problem::EmptyDate).to_string()),
        text if text.eq_ignore_ascii_case("unknown") => Occurred::Unknown,
        text => Occurred::Date(EdtfDate::parse_cached(text).map_err(|e| format!("occurred: {e}"))?),
    };
    let certainty_word = get("certainty");
    let certainty = certainty(certainty_word).ok_or_else(|| {
        format!(
            "certainty: {certainty_word:?} is not one of confirmed, probable, possible, disputed"
        )
    })?;
    let mut sources = Vec::new();
    if let Some(title) = optional("source_title") {
        sources.push(Source {
            title,
            publisher: optional("source_publisher"),
            url: optional("source_url"),
            published: optional("source_date")
                .map(|date| EdtfDate::parse_cached(&date))
                .transpose()
                .map_err(|e| format!("source_date: {e}"))?,
            locator: None,
            role: None,
        });
    } else if ["source_publisher", "source_url", "source_date"]
        .iter()
        .any(|field| optional(field).is_some())
    {
        return Err("source_title: missing while other source columns are given".to_owned());
    }
    let facts = Facts {
        occurred,
        term_as_written: optional("term_as_written"),
        sources,
        certainty,
        initiated_by: None,
        note: optional("note"),
    };
    let event = Event::lifecycle(event_type, partnership, facts);
    // The rules for new input name the fields as the columns are named: a date after today,
    // a source URL of another scheme, a control character.
    event.check_new(today).map_err(|error| error.to_string())?;
    Ok(ToRecord {
        partnership: id,
        event_id: uuid::Uuid::new_v5(&ROW_NAMESPACE, fields.join("\u{1f}").as_bytes()),
        event,
        recorded_by: recorded_by.to_owned(),
    })
}

/// A row's event with its parties as the ledger knows them (see [`Names::resolve`]); `None`
/// when they are as written.
pub(super) fn resolve_row(
    item: &ToRecord,
    names: &dyn Names,
) -> std::result::Result<Option<ToRecord>, String> {
    let Some(body) = item.event.as_lifecycle() else {
        return Ok(None);
    };
    let [a, b] = &body.partnership.parties;
    let found_a = names.resolve(a).map_err(|e| format!("party_a: {e}"))?;
    let found_b = names.resolve(b).map_err(|e| format!("party_b: {e}"))?;
    if found_a.key() == a.key() && found_b.key() == b.key() {
        return Ok(None);
    }
    let mut facts = body.facts.clone();
    facts.initiated_by = facts.initiated_by.map(|key| {
        if key == a.key() {
            found_a.key()
        } else if key == b.key() {
            found_b.key()
        } else {
            key
        }
    });
    let partnership = Partnership::new(found_a, found_b, body.partnership.kind.clone())
        .map_err(|e| format!("party_b: {e}"))?;
    let mut resolved = item.clone();
    resolved.partnership = partnership.id();
    resolved.event = Event::lifecycle(item.event.event_type(), partnership, facts);
    Ok(Some(resolved))
}

/// The partnership of a row's seven party columns.
fn build_partnership(
    party: &dyn Fn(&str, &str, &str) -> std::result::Result<Party, String>,
    optional: &dyn Fn(&str) -> Option<String>,
) -> std::result::Result<Partnership, String> {
    let a = party("party_a", "country_a", "region_a")?;
    let b = party("party_b", "country_b", "region_b")?;
    let kind =
        optional("kind").map_or_else(PartnershipKind::sister_city, |k| PartnershipKind::new(&k));
    Partnership::new(a, b, kind).map_err(|e| format!("party_b: {e}"))
}
