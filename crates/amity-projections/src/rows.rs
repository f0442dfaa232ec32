//! The rows of every projection, computed from one partnership's timeline. This is the only
//! place that decides what the projections hold: the SQLite tables store these rows, and the
//! live (non-SQLite) path computes them on demand, so both answer alike.

use amity_domain::{
    Certainty, Dated, Day, Event, EventType, Occurred, PartnershipId, PartnershipKind, Party,
    Source, Status, Timeline,
};
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

/// One partnership's current state (table `partnership_status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StatusRow {
    /// Its id.
    pub partnership: PartnershipId,
    /// The two parties, as the first event of the stream names them.
    pub parties: Vec<Party>,
    /// Sister city, friendship city, …
    pub kind: PartnershipKind,
    /// Its status now (once every recorded event has happened); when several are possible,
    /// the one furthest along the lifecycle.
    pub status: Status,
    /// When several statuses are possible now, all of them in lifecycle order (else empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub possible: Vec<Status>,
    /// The date (EDTF, as written) of the event that set the status; `null` when unknown, and
    /// for a partnership known only from lists (its founding date is unknown). When that event
    /// has alternative claims, the dates of the group's standing claims joined by " or "
    /// (`1983 or 1984`).
    pub since: Option<String>,
    /// The date (EDTF, as written) of the first list or source that attests the partnership.
    #[serde(default)]
    pub first_attested: Option<String>,
    /// Every founding claim, disputed and retracted ones included.
    pub founding_claims: Vec<FoundingClaim>,
    /// The entry recorded last.
    pub last_event: Option<LastEvent>,
    /// How many entries its history holds.
    pub events: u64,
    /// How many of them were retracted.
    pub retracted: u64,
    /// How many are disputed.
    pub disputed: u64,
    /// Set when the stored history breaks today's rules.
    pub conflict: Option<String>,
}

/// One founding claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FoundingClaim {
    /// The event.
    pub event_id: String,
    /// The date as written; `null` when unknown.
    pub occurred: Option<String>,
    /// How sure it is.
    pub certainty: Certainty,
    /// Whether it was retracted.
    pub retracted: bool,
    /// For an alternative claim: the founding claim it is an alternative to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternative_to: Option<String>,
}

/// The entry recorded last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LastEvent {
    /// Its id.
    pub event_id: String,
    /// Its type.
    pub event_type: String,
    /// When it was recorded (RFC 3339).
    pub recorded_at: String,
}

/// One entry of a partnership's history (table `partnership_timeline`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TimelineRow {
    /// The partnership.
    pub partnership: PartnershipId,
    /// Its place in the history (valid-time order; corrections follow what they correct).
    pub seq: u64,
    /// For driving events, its place in the resolved order used for status.
    pub step: Option<u64>,
    /// The event's id.
    pub event_id: String,
    /// Its 0-based version in the stream (recording order).
    pub stream_version: u64,
    /// Its type.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub event_type: SmolStr,
    /// When it happened, EDTF as written; `null` when unknown.
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub occurred: Option<SmolStr>,
    /// The earliest day it can have happened; `null` when unbounded. For the driving entry of
    /// a claim group (an entry with alternative claims), the earliest of the group's standing
    /// claims: the days the status is computed from.
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub earliest: Option<SmolStr>,
    /// The latest day it can have happened: its date's last day, capped at the day it was
    /// recorded (UTC); `null` when unbounded. For the driving entry of a claim group, the
    /// latest of the group's standing claims (each capped so).
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub latest: Option<SmolStr>,
    /// The source's own word.
    pub term_as_written: Option<String>,
    /// How sure the entry is.
    pub certainty: Certainty,
    /// The citations.
    pub sources: Vec<Source>,
    /// The party that took the step.
    pub initiated_by: Option<String>,
    /// Free text.
    pub note: Option<String>,
    /// For retractions and citations: the entry they are about; for an alternative claim (a
    /// lifecycle entry), the entry it is an alternative to.
    pub target: Option<String>,
    /// For retractions: why.
    pub reason: Option<String>,
    /// The retraction that removed its effect.
    pub retracted_by: Option<String>,
    /// Recorded as disputed.
    pub disputed: bool,
    /// For driving events: the status right after it.
    pub status_after: Option<Status>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When the ledger stored it (RFC 3339, transaction time).
    pub recorded_at: String,
    /// The stream it is stored in, when another than the partnership's own: an entry of a
    /// community's history merged from several keys' streams (same-as links).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
}

impl TimelineRow {
    /// Fill in the event's own details (see [`rows_with`]): what it says, who recorded it and
    /// when.
    pub fn fill_details(&mut self, event: &Event, recorded_by: &str, recorded_at: jiff::Timestamp) {
        let facts = event.facts();
        self.term_as_written = facts.term_as_written.clone();
        self.sources = facts.sources.clone();
        self.initiated_by = facts.initiated_by.as_ref().map(ToString::to_string);
        self.note = facts.note.clone();
        self.target = event
            .target()
            .or(event.alternative_to())
            .map(|id| id.to_string());
        self.reason = match event {
            Event::Retracted(body) => Some(body.reason.clone()),
            _ => None,
        };
        self.recorded_by = recorded_by.to_owned();
        self.recorded_at = recorded_at.to_string();
    }

    /// For an alternative claim: the entry it is an alternative to (its `target`).
    pub fn alternative_to(&self) -> Option<&str> {
        // The target first: most entries have none, and then the type is not looked up.
        self.target
            .as_deref()
            .filter(|_| EventType::from_name(&self.event_type).is_some_and(EventType::is_lifecycle))
    }
}

/// The dates (as written, `unknown` when undated) of the standing claims (neither retracted
/// nor disputed) of `row`'s claim group, in date order and joined by " or ": `1983 or 1984`
/// for a founding reported differently by two sources; just `row`'s date when it has no
/// alternative claims, `None` when that is unknown.
pub fn claim_dates(timeline: &[TimelineRow], row: &TimelineRow) -> Option<String> {
    fn root<'a>(timeline: &'a [TimelineRow], mut claim: &'a TimelineRow) -> &'a str {
        // A claim names an earlier entry, so the chain ends; the bound guards stored oddities.
        for _ in 0..timeline.len() {
            let earlier = claim
                .alternative_to()
                .and_then(|id| timeline.iter().find(|other| other.event_id == id));
            match earlier {
                Some(earlier) if earlier.event_type == claim.event_type => claim = earlier,
                _ => break,
            }
        }
        &claim.event_id
    }
    let group = root(timeline, row);
    let claims = timeline
        .iter()
        .filter(|claim| claim.retracted_by.is_none() && !claim.disputed)
        .filter(|claim| claim.event_type == row.event_type && root(timeline, claim) == group)
        .map(|claim| {
            let occurred: Occurred = claim
                .occurred
                .as_deref()
                .and_then(|text| text.parse().ok())
                .unwrap_or_default();
            (occurred, claim.stream_version)
        })
        .collect();
    joined_dates(claims).or_else(|| row.occurred.as_deref().map(str::to_owned))
}

/// Claims' dates (with their stream versions) in date order, each written once, joined by
/// " or "; `None` when there are none, or one that is unknown.
fn joined_dates(mut claims: Vec<(Occurred, u64)>) -> Option<String> {
    claims.sort_by_key(|(occurred, version)| (occurred.earliest(), occurred.latest(), *version));
    let mut dates: Vec<Option<String>> = Vec::new();
    for (occurred, _) in &claims {
        let date = date_text(occurred);
        if !dates.contains(&date) {
            dates.push(date);
        }
    }
    match dates.as_slice() {
        [] => None,
        [one] => one.clone(),
        several => Some(
            several
                .iter()
                .map(|date| date.as_deref().unwrap_or("unknown"))
                .collect::<Vec<_>>()
                .join(" or "),
        ),
    }
}

/// One partner of a party (table `party_directory`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryRow {
    /// The party whose directory this is (its key).
    pub party: String,
    /// The other party.
    pub partner: Party,
    /// The partnership.
    pub partnership: PartnershipId,
    /// Its kind.
    pub kind: PartnershipKind,
    /// Its status now.
    pub status: Status,
    /// The date of the event that set the status.
    pub since: Option<String>,
    /// The date of the founding that drives the status, if recorded.
    pub founded: Option<String>,
}

/// Everything the projections hold about one partnership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnershipRows {
    /// Its status row.
    pub status: StatusRow,
    /// Its history.
    pub timeline: Vec<TimelineRow>,
    /// Its two directory rows (one per party).
    pub directory: Vec<DirectoryRow>,
    /// Where the store keeps each event of the partnership's own stream, by stream version
    /// (the store's commit coordinate), when the rows were made from a reading that gave them
    /// (a rebuild or a catch-up of the stream); else empty (a history merged from several
    /// streams). Tables in the ledger's own SQLite file keep it beside each
    /// history entry, to find the stored event by its position rather than by its stream's
    /// name and version.
    pub positions: Vec<u64>,
}

fn date_text(occurred: &Occurred) -> Option<String> {
    occurred.date().map(|date| date.as_str().to_owned())
}

/// A date as written, held inline when short (most are): a history row's.
fn date_smol(occurred: &Occurred) -> Option<SmolStr> {
    occurred.date().map(|date| SmolStr::new(date.as_str()))
}

fn day_text(day: Day) -> Option<SmolStr> {
    day.iso()
}

/// Parse a day written by `day_text`; `None` (unbounded) gives `unbounded`.
pub fn parse_day(text: Option<&str>, unbounded: Day) -> Day {
    text.and_then(|text| {
        let mut parts = text.splitn(3, '-');
        let year = parts.next()?.parse().ok()?;
        let month = parts.next()?.parse().ok()?;
        let day = parts.next()?.parse().ok()?;
        Day::from_ymd(year, month, day)
    })
    .unwrap_or(unbounded)
}

/// The rows of one partnership; `None` for a stream that has no lifecycle event.
pub fn rows(timeline: &Timeline) -> Option<PartnershipRows> {
    rows_with(timeline, true, true)
}

/// The rows of one partnership, as [`rows`]; with `details` false, each history entry's own
/// details (term as written, sources, initiating party, note, target, reason, who recorded it
/// and when) are left empty, for tables that read them from the stored events instead; with
/// `directory` false, the directory rows are not made (for tables whose directory is a view
/// over the status rows).
pub fn rows_with(timeline: &Timeline, details: bool, directory: bool) -> Option<PartnershipRows> {
    let partnership = timeline.partnership()?;
    let history = timeline.history();
    // The driving entries' days as the engine sees them (a claim group's span on the entry
    // that drives it).
    let driving_days: std::collections::HashMap<amity_domain::EventId, Dated> = timeline
        .driving()
        .into_iter()
        .map(|(recorded, dated)| (recorded.id, dated))
        .collect();
    let timeline_rows: Vec<TimelineRow> = history
        .iter()
        .enumerate()
        .map(|(seq, entry)| {
            let recorded = entry.recorded;
            let facts = recorded.event.facts();
            let (earliest, latest) = match driving_days.get(&recorded.id) {
                Some(dated) => (dated.earliest, dated.latest),
                None => amity_domain::temporal::cap_at_recording(
                    facts.occurred.earliest(),
                    facts.occurred.latest(),
                    recorded.recorded_at,
                ),
            };
            let mut row = TimelineRow {
                partnership: timeline.id().clone(),
                seq: seq as u64,
                step: entry.step.map(|step| step as u64),
                event_id: recorded.id.to_string(),
                stream_version: recorded.stream_version,
                event_type: SmolStr::new_static(recorded.event.event_type().name()),
                occurred: date_smol(&facts.occurred),
                earliest: day_text(earliest),
                latest: day_text(latest),
                term_as_written: None,
                certainty: facts.certainty,
                sources: Vec::new(),
                initiated_by: None,
                note: None,
                target: None,
                reason: None,
                retracted_by: entry.retracted_by.map(|by| by.id.to_string()),
                disputed: entry.disputed,
                status_after: entry.status_after,
                recorded_by: String::new(),
                recorded_at: String::new(),
                stream: (recorded.partnership != *timeline.id())
                    .then(|| recorded.partnership.to_string()),
            };
            if details {
                row.fill_details(&recorded.event, &recorded.recorded_by, recorded.recorded_at);
            }
            row
        })
        .collect();
    let founding_claims = history
        .iter()
        .filter(|entry| entry.recorded.event.event_type() == EventType::PartnershipFounded)
        .map(|entry| FoundingClaim {
            event_id: entry.recorded.id.to_string(),
            occurred: date_text(&entry.recorded.event.facts().occurred),
            certainty: entry.recorded.event.facts().certainty,
            retracted: entry.retracted_by.is_some(),
            alternative_to: entry
                .recorded
                .event
                .alternative_to()
                .map(|id| id.to_string()),
        })
        .collect();
    let founded = history
        .iter()
        .find(|entry| {
            entry.recorded.event.event_type() == EventType::PartnershipFounded
                && entry.status_after.is_some()
        })
        .and_then(|entry| date_text(&entry.recorded.event.facts().occurred));
    let last = timeline.recorded().last().map(|recorded| LastEvent {
        event_id: recorded.id.to_string(),
        event_type: recorded.event.event_type().name().to_owned(),
        recorded_at: recorded.recorded_at.to_string(),
    });
    // The dates of the claims of the group that set the status (computed from the timeline:
    // rows without details do not hold what each claim names).
    let since = timeline.since().and_then(|recorded| {
        let claims = timeline
            .claim_group(recorded.id)
            .into_iter()
            .filter(|claim| timeline.is_standing(claim))
            .map(|claim| (claim.event.facts().occurred.clone(), claim.stream_version))
            .collect();
        joined_dates(claims)
    });
    let first_attested = timeline
        .first_attested()
        .and_then(|recorded| date_text(&recorded.event.facts().occurred));
    // A history too large to decide within the engine's budget is `unknown`, and says why.
    let (last_statuses, unfinished) = match timeline.last_statuses_checked() {
        Ok(last) => (last, None),
        Err(unfinished) => (Default::default(), Some(unfinished.to_string())),
    };
    let possible = if last_statuses.len() > 1 && timeline.conflict().is_none() {
        last_statuses.iter().collect()
    } else {
        Vec::new()
    };
    let status = StatusRow {
        partnership: timeline.id().clone(),
        parties: partnership.parties.to_vec(),
        kind: partnership.kind.clone(),
        status: timeline.status(),
        possible,
        since: since.clone(),
        first_attested,
        founding_claims,
        last_event: last,
        events: timeline.recorded().len() as u64,
        retracted: history.iter().filter(|e| e.retracted_by.is_some()).count() as u64,
        disputed: history.iter().filter(|e| e.disputed).count() as u64,
        conflict: timeline
            .conflict()
            .map(|conflict| {
                let streams = timeline.streams();
                if streams.len() > 1 {
                    let names: Vec<String> = streams.iter().map(ToString::to_string).collect();
                    format!(
                        "{conflict} (in the history merged by same-as links from the streams {})",
                        names.join(" and ")
                    )
                } else {
                    conflict.to_string()
                }
            })
            .or(unfinished),
    };
    let directory = [(0, 1), (1, 0)]
        .into_iter()
        .filter(|_| directory)
        .map(|(own, other)| DirectoryRow {
            party: partnership.parties[own].key().to_string(),
            partner: partnership.parties[other].clone(),
            partnership: timeline.id().clone(),
            kind: partnership.kind.clone(),
            status: status.status,
            since: since.clone(),
            founded: founded.clone(),
        })
        .collect();
    Some(PartnershipRows {
        status,
        timeline: timeline_rows,
        directory,
        positions: Vec::new(),
    })
}

/// One party as the `parties` table holds it: every party a partnership names, with what the
/// register adds (names, kind, authority ids) for the registered ones, and its community key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PartyRow {
    /// Its key.
    pub key: String,
    /// Name, country, subdivision, Wikidata item.
    pub party: Party,
    /// City, county… (registered parties).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<amity_domain::PartyKind>,
    /// GeoNames id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geonames: Option<u64>,
    /// Latitude and longitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<(f64, f64)>,
    /// Other names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The key of its community (its own unless a same-as link makes it another's).
    pub canonical: String,
    /// Whether the register holds it (else it is known from partnerships alone).
    pub registered: bool,
}

impl PartyRow {
    /// A party as a partnership names it.
    pub fn named(party: &Party, register: &amity_domain::Register) -> PartyRow {
        let key = party.key();
        PartyRow {
            key: key.as_str().to_owned(),
            party: party.clone(),
            kind: None,
            geonames: None,
            coordinates: None,
            aliases: Vec::new(),
            canonical: register.canonical_key(&key).as_str().to_owned(),
            registered: false,
        }
    }

    /// A registered party.
    pub fn registered(
        record: &amity_domain::PartyRecord,
        register: &amity_domain::Register,
    ) -> PartyRow {
        PartyRow {
            key: record.key.to_string(),
            party: record.party.clone(),
            kind: record.kind,
            geonames: record.geonames,
            coordinates: record.coordinates,
            aliases: record.aliases.clone(),
            canonical: register.canonical_key(&record.key).to_string(),
            registered: true,
        }
    }

    /// Its names folded for search, each between `|` (`|krakow|cracow|`).
    pub fn search_names(&self) -> String {
        let mut names = String::from("|");
        for name in std::iter::once(&self.party.name).chain(&self.aliases) {
            names.push_str(&amity_domain::fold(name));
            names.push('|');
        }
        names
    }
}

/// The driving entries of a history (neither disputed nor retracted), as the temporal engine
/// sees them, with their rows.
pub fn driving(timeline: &[TimelineRow]) -> Vec<(Dated, &TimelineRow)> {
    timeline
        .iter()
        .filter(|row| row.step.is_some())
        .filter_map(|row| {
            Some((
                Dated {
                    event_type: EventType::from_name(&row.event_type)?,
                    earliest: parse_day(row.earliest.as_deref(), Day::Past),
                    latest: parse_day(row.latest.as_deref(), Day::Future),
                },
                row,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_written_as_its_display_and_read_back() {
        let days = [
            (1, 1, 1),
            (999, 12, 31),
            (1962, 3, 4),
            (2022, 2, 28),
            (9999, 12, 31),
        ];
        for (year, month, day) in days {
            let on = Day::from_ymd(year, month, day).expect("a real day");
            let text = day_text(on).expect("bounded");
            assert_eq!(text, on.to_string());
            assert_eq!(parse_day(Some(&text), Day::Past), on);
        }
        for (year, month, day) in [(-44, 3, 15), (12000, 1, 1)] {
            let on = Day::from_ymd(year, month, day).expect("a real day");
            assert_eq!(day_text(on).as_deref(), Some(on.to_string().as_str()));
        }
        assert_eq!(day_text(Day::Past), None);
        assert_eq!(day_text(Day::Future), None);
    }
}
