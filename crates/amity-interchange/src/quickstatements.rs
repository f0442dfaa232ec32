//! Wikidata QuickStatements: P190 ("twinned administrative body") claims for partnerships
//! whose parties both have Wikidata items.
//!
//! The rules (documented in the README):
//! - One claim each way, `A P190 B` and `B P190 A`, for every partnership whose two parties
//!   have items (as the partnership names them, else as the register knows them) and that a
//!   standing founding or attestation shows to exist (a history of retracted or disputed
//!   entries only is left out).
//! - Start time (P580) from the founding that drives the status; end time (P582) only from a
//!   termination that ended it (the last driving entry): a suspension ends nothing.
//! - A date that is one year, month or day, neither approximate nor uncertain, is the time
//!   itself at that precision (`+1993-00-00T00:00:00Z/9`, `/10`, `/11`). Any other date (`1993?`,
//!   `2022-03-03~`, `2003/2014`, a set, sources that disagree) is `somevalue` with its bounds as
//!   earliest date (P1319) and latest date (P1326), each at the coarsest precision that keeps
//!   the bound. Qualifiers qualify the claim, not its start or end: when both are uncertain,
//!   P1319 bounds the start and P1326 the end. An unknown date writes nothing.
//! - References: one per source URL of the standing entries (citations of them included), as
//!   reference URL (S854) and retrieved (S813, the day the entry was recorded). QuickStatements
//!   V1 puts one reference on a line, so a claim with several is repeated, once per reference
//!   (QuickStatements adds each to the same claim). A `doi:`, `hdl:` or `ark:` URL is written
//!   as its resolver's URL.
//! - Tab-separated V1 lines; a character V1 would read as syntax (`"`, `|`, white space) in a
//!   URL is percent-encoded.

use std::collections::{HashMap, HashSet};
use std::io::Write;

use amity_domain::{Day, EventType};
use amity_projections::analysis::Cohort;
use amity_projections::{PartyRow, Projections, StatusRow, TimelineRow};

use crate::edtf::{self, Shape};
use crate::history::{self, Dating};
use crate::{wikidata, Result};

mod time;

/// Write the statements (as the ledger knew it at `known_at`, if given); returns the number of
/// partnerships written.
pub async fn export(
    projections: &Projections,
    known_at: Option<jiff::Timestamp>,
    out: &mut dyn Write,
) -> Result<u64> {
    let parties = projections.all_parties().await?;
    let by_key: HashMap<&str, &PartyRow> =
        parties.iter().map(|row| (row.key.as_str(), row)).collect();
    let pairs = projections
        .cohort_pairs(&Cohort::default(), known_at)
        .await?;
    let mut written = 0;
    for (status, timeline) in &pairs {
        let items: Vec<Option<&str>> = status
            .parties
            .iter()
            .map(|party| wikidata::item_of(party, by_key.get(party.key().as_str()).copied()))
            .collect();
        let (Some(Some(a)), Some(Some(b))) = (items.first(), items.get(1)) else {
            continue;
        };
        if let Some(claim) = Claim::of(a, b, status, timeline) {
            out.write_all(claim.lines().as_bytes())?;
            written += 1;
        }
    }
    Ok(written)
}

/// When a claim starts or ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum When {
    /// A year, month or day: the time value.
    Exact(String),
    /// `somevalue`, with the earliest and latest time values it can be, when bounded.
    Between(Option<String>, Option<String>),
}

impl When {
    /// A dating as a time: exact when it is one unqualified year, month or day, else between
    /// its bounds; `None` when it has none (nothing is written for an unknown date).
    pub fn of(dating: &Dating) -> Option<When> {
        if let Some(date) = dating.single() {
            if let Shape::Single(single) = edtf::shape(date.as_str()) {
                if let (Some(precision), true) = (single.precision, single.is_exact()) {
                    return Some(When::Exact(time::exact(precision)));
                }
            }
        }
        let earliest = time::earliest(dating.earliest());
        let latest = time::latest(dating.latest());
        (earliest.is_some() || latest.is_some()).then_some(When::Between(earliest, latest))
    }
}

/// One partnership's P190 claim, both ways.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Claim<'a> {
    /// The two items.
    pub items: [&'a str; 2],
    /// Start time.
    pub start: Option<When>,
    /// End time (from a termination only).
    pub end: Option<When>,
    /// Reference URLs, each with the day it was recorded (`retrieved`).
    pub references: Vec<(String, String)>,
}

impl<'a> Claim<'a> {
    /// The claim a partnership's history supports; `None` when no standing founding or
    /// attestation shows it exists, or both items are one.
    pub fn of(
        a: &'a str,
        b: &'a str,
        status: &StatusRow,
        timeline: &[TimelineRow],
    ) -> Option<Claim<'a>> {
        let exists = timeline.iter().any(|row| {
            history::standing(row)
                && matches!(
                    history::event_type(row),
                    Some(EventType::PartnershipFounded | EventType::PartnershipAttested)
                )
        });
        if !exists || a == b {
            return None;
        }
        let driving = history::driving(status, timeline);
        let when = |row: Option<&TimelineRow>| {
            row.and_then(|row| Dating::of(timeline, row))
                .and_then(|dating| When::of(&dating))
        };
        Some(Claim {
            items: [a, b],
            start: when(history::founding(&driving)),
            end: when(history::termination(&driving)),
            references: references(timeline),
        })
    }

    /// The qualifiers, tab-separated, each preceded by a tab.
    pub fn qualifiers(&self) -> String {
        let mut text = String::new();
        for (property, when) in [("P580", &self.start), ("P582", &self.end)] {
            match when {
                Some(When::Exact(value)) => text.push_str(&format!("\t{property}\t{value}")),
                Some(When::Between(..)) => text.push_str(&format!("\t{property}\tsomevalue")),
                None => {}
            }
        }
        let between = |when: &Option<When>| match when {
            Some(When::Between(earliest, latest)) => Some((earliest.clone(), latest.clone())),
            _ => None,
        };
        let (start, end) = (between(&self.start), between(&self.end));
        // The start's earliest and the end's latest when both are uncertain; else the bounds
        // of the one that is.
        let earliest = start.as_ref().or(end.as_ref()).and_then(|(e, _)| e.clone());
        let latest = end.as_ref().or(start.as_ref()).and_then(|(_, l)| l.clone());
        if let Some(earliest) = earliest {
            text.push_str(&format!("\tP1319\t{earliest}"));
        }
        if let Some(latest) = latest {
            text.push_str(&format!("\tP1326\t{latest}"));
        }
        text
    }

    /// Its V1 lines: each way, once per reference (once with none when there are none).
    pub fn lines(&self) -> String {
        let qualifiers = self.qualifiers();
        let mut out = String::new();
        let [a, b] = self.items;
        for (from, to) in [(a, b), (b, a)] {
            let claim = format!("{from}\tP190\t{to}{qualifiers}");
            if self.references.is_empty() {
                out.push_str(&claim);
                out.push('\n');
            }
            for (url, retrieved) in &self.references {
                out.push_str(&format!("{claim}\tS854\t\"{url}\"\tS813\t{retrieved}\n"));
            }
        }
        out
    }
}

/// The reference URLs of the standing entries (and of the citations of standing entries), in
/// history order, each once, with the day the entry citing it first was recorded.
fn references(timeline: &[TimelineRow]) -> Vec<(String, String)> {
    let standing: HashSet<&str> = timeline
        .iter()
        .filter(|row| history::standing(row))
        .map(|row| row.event_id.as_str())
        .collect();
    let mut seen = HashSet::new();
    let mut references = Vec::new();
    for row in timeline.iter().filter(|row| history::standing(row)) {
        let supports = match history::event_type(row) {
            Some(EventType::EntryRetracted) | None => false,
            Some(EventType::SourceCited) => row
                .target
                .as_deref()
                .is_some_and(|target| standing.contains(target)),
            Some(_) => true,
        };
        let retrieved = row
            .recorded_at
            .parse::<jiff::Timestamp>()
            .ok()
            .and_then(|moment| time::day(Day::of(moment)));
        let (true, Some(retrieved)) = (supports, retrieved) else {
            continue;
        };
        for url in row
            .sources
            .iter()
            .filter_map(|source| source.url.as_deref())
        {
            if let Some(url) = reference_url(url) {
                if seen.insert(url.clone()) {
                    references.push((url, retrieved.clone()));
                }
            }
        }
    }
    references
}

/// A source URL as Wikidata's URL type takes it: `http`, `https` and `urn` as written, `doi:`,
/// `hdl:` and `ark:` as their resolvers' URLs, characters V1 reads as syntax percent-encoded;
/// `None` for another scheme.
pub(crate) fn reference_url(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once(':')?;
    let resolved = match scheme.to_ascii_lowercase().as_str() {
        "http" | "https" | "urn" => url.to_owned(),
        "doi" => format!("https://doi.org/{}", rest.trim_start_matches('/')),
        "hdl" => format!("https://hdl.handle.net/{}", rest.trim_start_matches('/')),
        "ark" => format!("https://n2t.net/ark:{rest}"),
        _ => return None,
    };
    let mut encoded = String::with_capacity(resolved.len());
    for c in resolved.chars() {
        if c == '"' || c == '|' || c.is_whitespace() || c.is_control() {
            let mut bytes = [0; 4];
            for byte in c.encode_utf8(&mut bytes).bytes() {
                encoded.push_str(&format!("%{byte:02X}"));
            }
        } else {
            encoded.push(c);
        }
    }
    Some(encoded)
}

#[cfg(test)]
mod quickstatements_tests;
