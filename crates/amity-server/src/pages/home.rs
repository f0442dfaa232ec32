//! The home page: a search for parties by name or alias (`#search`, `#results`), the
//! ledger's counts (`#counts`) and the latest recorded events (`#latest`).
//!
//! The counts are the feed's summary (`Ledger::summary`: partnerships, their events, the
//! parties they name and those registered). The latest events are the feed's tail: the feed
//! reads forwards only, so the page reads after a position a little before its end, further
//! back each time (a few reads at most) until it has enough.

use std::collections::BTreeSet;
use std::sync::Arc;

use amity_domain::{is_partnership_stream, PartnershipId};
use amity_ledger::{Ledger, Position, StoredRecord};
use amity_projections::query::{Answer, Page, PartyMatch, Query};
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;

use super::frame::{page, query, respond, segment, unchanged, Address, Frame, PageError, When};
use crate::app::App;
use crate::etag::Tag;
use crate::problem::Problem;

/// How many of the latest events the page shows.
pub const LATEST: usize = 10;
/// How many parties a search shows.
pub const FOUND: usize = 50;
/// The most reads of the feed's tail.
const TAIL_READS: u32 = 12;
/// The most records one read of the tail takes.
const TAIL_READ: usize = 512;

/// What the page takes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomeParams {
    q: Option<String>,
    as_of: Option<String>,
    known_at: Option<String>,
}

/// `GET /`.
pub async fn home(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, PageError> {
    let tag = Tag::now(&app);
    if let Some(response) = unchanged(&tag, &headers) {
        return Ok(response);
    }
    let p: HomeParams = query(&uri)?;
    let when = When::read(&app, p.as_of.as_deref(), p.known_at.as_deref()).await?;
    let text = p.q.as_deref().map(str::trim).unwrap_or("").to_owned();
    let found = if text.is_empty() {
        None
    } else {
        let Answer::Parties(found) = app
            .answer(Query::Parties {
                text: text.clone(),
                page: Page {
                    limit: Some(FOUND + 1),
                    offset: 0,
                },
            })
            .await?
        else {
            return Err(Problem::internal("a parties query gave another answer").into());
        };
        Some(found)
    };
    let summary = app.ledger().summary().await?;
    let latest = match tail(app.ledger(), summary.position, LATEST).await {
        Ok(records) => Some(records),
        Err(error) => {
            tracing::warn!(%error, "the feed's tail could not be read");
            None
        }
    };
    let parties: BTreeSet<String> = summary
        .partnerships
        .keys()
        .flat_map(|id| {
            let (a, b) = id.keys();
            [a.to_string(), b.to_string()]
        })
        .chain(summary.parties.iter().map(ToString::to_string))
        .collect();
    let here = Address::new("/").with("q", (!text.is_empty()).then(|| text.clone()));
    let frame = Frame {
        title: "Home".to_owned(),
        here,
        when: &when,
    };
    let body = html! {
        section aria-labelledby="search-heading" {
            h2 id="search-heading" { "Find a party" }
            form id="search" action="/" method="get" role="search" {
                @if when.as_of_asked { input type="hidden" name="as_of" value=(when.as_of_text); }
                @if let Some(moment) = when.known_at { input type="hidden" name="known_at" value=(moment.to_string()); }
                label for="q" { "City, region or country, by name or another name" }
                input id="q" name="q" type="search" value=(text) autocomplete="off";
                button type="submit" { "Search" }
            }
            @if let Some(found) = &found { (results(found, &text, &when)) }
        }
        section aria-labelledby="counts-heading" {
            h2 id="counts-heading" { "In the ledger" }
            dl id="counts" {
                div { dt { "Partnerships" } dd data-count="partnerships" { (summary.partnerships.len()) } }
                div { dt { "Parties" } dd data-count="parties" { (parties.len()) } }
                div { dt { "Partnership events" } dd data-count="events" { (summary.events) } }
            }
            p class="hint" { "Counted in the ledger as it is now." }
        }
        section aria-labelledby="latest-heading" {
            h2 id="latest-heading" { "Latest recorded events" }
            @match &latest {
                Some(records) => { (latest_list(records, &when)) }
                None => { p { "The latest events could not be read." } }
            }
        }
    };
    Ok(respond(&tag, page(&frame, html! { "Amity" }, body)))
}

fn results(found: &[PartyMatch], text: &str, when: &When) -> Markup {
    html! {
        h3 id="results-heading" { "Parties matching “" (text) "”" }
        @if found.is_empty() {
            p id="no-results" { "No party matches." }
        } @else {
            ul id="results" aria-labelledby="results-heading" {
                @for party in found.iter().take(FOUND) {
                    li {
                        a href=(when.carried(Address::new(format!("/parties/{}", segment(&party.row.key)))).href()) {
                            (party.row.party.name) ", "
                            (party.row.party.subdivision.as_deref().unwrap_or(&party.row.party.country))
                        }
                        " "
                        small { code { (party.row.key) } " · " (party.partnerships) " partnerships"
                            @if !party.row.aliases.is_empty() { " · also " (party.row.aliases.join(", ")) }
                        }
                    }
                }
            }
            @if found.len() > FOUND { p { "More than " (FOUND) " parties match: say more." } }
        }
    }
}

fn latest_list(records: &[StoredRecord], when: &When) -> Markup {
    html! {
        @if records.is_empty() {
            p { "Nothing is recorded yet." }
        } @else {
            ol id="latest" reversed {
                @for record in records.iter().rev() {
                    @let recorded_by = serde_json::from_slice::<amity_ledger::Metadata>(&record.metadata)
                        .map(|metadata| metadata.recorded_by).unwrap_or_default();
                    @let occurred = serde_json::from_slice::<serde_json::Value>(&record.payload).ok()
                        .and_then(|payload| payload.get("occurred").and_then(|o| o.as_str().map(str::to_owned)));
                    li data-event-id=(record.event_id) data-type=(record.event_type.as_str()) {
                        time datetime=(record.recorded_at.to_string()) { (record.recorded_at.strftime("%Y-%m-%d %H:%M:%S UTC")) }
                        " · " (record.event_type.as_str())
                        @if let Some(occurred) = occurred { " (" (occurred) ")" }
                        " · "
                        @match partnership_of(&record.stream) {
                            Some(id) => { a href=(when.carried(Address::new(format!("/partnerships/{}", segment(id.as_str())))).href()) { (id.as_str()) } }
                            None => { code { (record.stream.as_str()) } }
                        }
                        @if !recorded_by.is_empty() { " · by " (recorded_by) }
                    }
                }
            }
        }
    }
}

fn partnership_of(stream: &str) -> Option<PartnershipId> {
    is_partnership_stream(stream)
        .then(|| stream.parse().ok())
        .flatten()
}

/// The last `want` stored records before and at `end` (the feed's last position): read after
/// a position `want` back from the end, then four times further back each time, until a read
/// holds `want` of them or starts at the beginning. A store whose positions are sequence
/// numbers (SQLite, PostgreSQL, memory) needs one read; one whose positions are offsets
/// (KurrentDB) a few more.
pub async fn tail(
    ledger: &Ledger,
    end: Position,
    want: usize,
) -> amity_ledger::Result<Vec<StoredRecord>> {
    let Some((commit, prepare)) = end.parts() else {
        return Ok(Vec::new());
    };
    let mut back = want.max(1) as u64;
    let mut best = Vec::new();
    for _ in 0..TAIL_READS {
        let after = if back > commit.min(prepare) {
            Position::START
        } else {
            Position::new(commit - back, prepare - back)
        };
        let mut records = ledger.stored_records(after, TAIL_READ).await?;
        // A full read may stop before the end: read on (bounded) to reach it.
        let mut more = 0;
        while records.len() >= TAIL_READ && more < 4 {
            let Some(last) = records.last().map(|record| record.position) else {
                break;
            };
            if last >= end {
                break;
            }
            let next = ledger.stored_records(last, TAIL_READ).await?;
            if next.is_empty() {
                break;
            }
            records.drain(..records.len().saturating_sub(want));
            records.extend(next);
            more += 1;
        }
        records.retain(|record| record.position <= end);
        if records.len() >= want || after == Position::START {
            let skip = records.len().saturating_sub(want);
            return Ok(records.split_off(skip));
        }
        best = records;
        back = back.saturating_mul(4);
    }
    Ok(best)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use amity_domain::{Event, EventType, Facts, Partnership, PartnershipKind};
    use amity_ledger::ToRecord;

    use super::*;

    #[tokio::test]
    async fn the_tail_is_the_last_records_however_many_are_asked() {
        let dir = tempfile::tempdir().unwrap();
        let store = amity_store_sqlite::SqliteEventStore::open(dir.path().join("l.db")).unwrap();
        let ledger = Ledger::new(Arc::new(store));
        assert!(tail(&ledger, Position::START, 5).await.unwrap().is_empty());
        for year in 1960..1990 {
            let partnership = Partnership::new(
                "Kraków, PL".parse().unwrap(),
                format!("Town {year}, DE").parse().unwrap(),
                PartnershipKind::sister_city(),
            )
            .unwrap();
            let facts = Facts {
                occurred: year.to_string().parse().unwrap(),
                ..Facts::default()
            };
            let event = Event::lifecycle(EventType::PartnershipFounded, partnership, facts);
            ledger
                .record(ToRecord::lifecycle(event, "test"))
                .await
                .unwrap();
        }
        let all = ledger.stored_records(Position::START, 100).await.unwrap();
        assert_eq!(all.len(), 30);
        let end = ledger.summary().await.unwrap().position;
        for want in [1, 10, 29, 30, 31, 100] {
            let found: Vec<_> = tail(&ledger, end, want)
                .await
                .unwrap()
                .iter()
                .map(|record| record.event_id)
                .collect();
            let expected: Vec<_> = all[all.len().saturating_sub(want)..]
                .iter()
                .map(|record| record.event_id)
                .collect();
            assert_eq!(found, expected, "{want}");
        }
        // An end before the last event: the records up to it.
        let earlier = all[19].position;
        let found = tail(&ledger, earlier, 5).await.unwrap();
        assert_eq!(found.last().map(|r| r.event_id), Some(all[19].event_id));
        assert_eq!(found.len(), 5);
    }
}
