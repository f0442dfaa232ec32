//! The partnership page: its status as of the date asked (`#status`), its timeline
//! (`#timeline`, an SVG; its spans also as text), and its entries (`#entries`) with terms as
//! written, sources, who recorded each and when, retractions and citations, a page at a time.

use std::sync::Arc;

use amity_domain::{Certainty3, Source};
use amity_projections::query::{Answer, HistoryAnswer, HistoryEntry, Page, Query};
use amity_projections::StatusView;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::{html, Markup};

use super::frame::{page, query, respond, segment, unchanged, Address, Frame, PageError, When};
use super::timeline::{self, span_words};
use crate::app::App;
use crate::etag::Tag;
use crate::params;
use crate::problem::Problem;

/// Entries per page of the table when `limit` is not given.
pub const ENTRIES_PER_PAGE: usize = 200;

/// `GET /partnerships/{id}`.
pub async fn partnership(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, PageError> {
    let tag = Tag::now(&app);
    if let Some(response) = unchanged(&tag, &headers) {
        return Ok(response);
    }
    let p: params::WhenParams = query(&uri)?;
    let when = When::read(&app, p.as_of.as_deref(), p.known_at.as_deref()).await?;
    let id = params::partnership(&app, &id).await?;
    let entries_page = params::page(p.limit.as_deref(), p.offset.as_deref(), ENTRIES_PER_PAGE)?;
    let Answer::History(history) = app
        .answer(Query::History {
            partnership: id.clone(),
            known_at: when.known_at,
        })
        .await?
    else {
        return Err(Problem::internal("a history query gave another answer").into());
    };
    let Answer::Status(mut views) = app
        .answer(Query::Status {
            partnership: Some(id.clone()),
            cohort: Default::default(),
            as_of: Some(when.as_of.clone()),
            known_at: when.known_at,
            page: Page::default(),
        })
        .await?
    else {
        return Err(Problem::internal("a status query gave another answer").into());
    };
    let Some(view) = views.pop() else {
        return Err(Problem::not_found(format!("no partnership {id} is recorded")).into());
    };
    let today = super::frame::day_of(super::frame::now());
    let drawing = timeline::draw(&history, &when.as_of, today);
    let here = Address::new(format!("/partnerships/{}", segment(id.as_str())))
        .with("limit", p.limit.clone())
        .with("offset", p.offset.clone());
    let names = parties(&history);
    let frame = Frame {
        title: names.clone(),
        here: here.clone(),
        when: &when,
    };
    let body = html! {
        p class="subtitle" {
            code { (id.as_str()) } " · " (history.kind.as_str()) " · "
            (history.events.len()) " entries"
            @for party in &history.parties {
                " · "
                a href=(when.carried(Address::new(format!("/parties/{}", segment(party.key().as_str())))).href()) {
                    (party.name) ", " (party.subdivision.as_deref().unwrap_or(&party.country))
                }
            }
        }
        (status(&view, &when))
        @if let Some(conflict) = &history.conflict {
            p class="conflict" role="note" { "The stored history breaks today's rules: " (conflict) }
        }
        section aria-labelledby="timeline-heading" {
            h2 id="timeline-heading" { "Timeline" }
            figure class="timeline" {
                (drawing.svg)
                figcaption {
                    "From " (timeline::day_text(drawing.scale.first)) " to "
                    (timeline::day_text(drawing.scale.end - 1)) ". " (legend())
                }
            }
            @if let Some(why) = &drawing.unfinished {
                p class="conflict" { "The status spans could not be computed: " (why) }
            }
            h3 { "Status over time" }
            ol id="spans" {
                @for span in &drawing.spans {
                    li data-status=(span.status.name()) { (span_words(span)) }
                }
            }
        }
        (entries(&history, entries_page, &here, &when))
    };
    Ok(respond(&tag, page(&frame, html! { (names) }, body)))
}

/// "Colorado Springs – Smolensk".
fn parties(history: &HistoryAnswer) -> String {
    let names: Vec<&str> = history.parties.iter().map(|p| p.name.as_str()).collect();
    if names.is_empty() {
        history.partnership.as_str().to_owned()
    } else {
        names.join(" – ")
    }
}

fn certainty_name(certainty: Certainty3) -> &'static str {
    match certainty {
        Certainty3::Definite => "definite",
        Certainty3::Possible => "possible",
    }
}

/// `#status`: the status as of the date asked; when only possible, every status it may be
/// and the entries whose dates straddle the date.
fn status(view: &StatusView, when: &When) -> Markup {
    html! {
        p id="status" data-status=(view.status.name()) data-certainty=(certainty_name(view.certainty)) {
            "Status on " (when.as_of_text) ": "
            strong class=(format!("status status-{}", view.status.name())) { (view.status.name()) }
            @if view.certainty == Certainty3::Possible {
                " — only possibly: "
                @if view.competing.is_empty() {
                    "the ledger cannot tell"
                } @else {
                    "it may be "
                    @for (index, competing) in view.competing.iter().enumerate() {
                        @if index > 0 { " or " }
                        span class="competing" data-status=(competing.name()) { (competing.name()) }
                    }
                }
            }
            @if let Some(since) = &view.since { " (since " (since) ")" }
            @if !view.straddling.is_empty() {
                ". Dated across the day asked: "
                @for (index, event) in view.straddling.iter().enumerate() {
                    @if index > 0 { ", " }
                    a href=(format!("#entry-{event}")) { (short(event)) }
                }
            }
            "."
        }
    }
}

/// The first part of an event id, for people.
fn short(event_id: &str) -> &str {
    event_id.get(..8).unwrap_or(event_id)
}

fn legend() -> Markup {
    html! {
        span class="legend" {
            span class="key key-active" {} " active "
            span class="key key-suspended" {} " suspended "
            span class="key key-terminated" {} " terminated "
            span class="key key-not_yet" {} " not yet "
            span class="key key-possible" {} " hatched: only possible; "
            "a band: an uncertain or approximate date; hollow and dashed: disputed; grey and struck: retracted; the blue band: the date asked."
        }
    }
}

/// A source: its title (linked when its address is a web address), publisher, date and
/// locator.
pub fn source(source: &Source) -> Markup {
    let href = source.url.as_deref().and_then(web_address);
    html! {
        @if let Some(href) = &href {
            a href=(href) rel="nofollow noopener" { (source.title) }
        } @else {
            cite { (source.title) }
        }
        @if let Some(publisher) = &source.publisher { ", " (publisher) }
        @if let Some(published) = &source.published { " (" (published.as_str()) ")" }
        @if let Some(locator) = &source.locator { ": " (locator) }
        @if let (None, Some(url)) = (&href, &source.url) { " " code { (url) } }
    }
}

/// A link for a source's address: web addresses as they are, DOIs and handles through
/// their resolvers; nothing for other schemes.
fn web_address(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        Some(url.to_owned())
    } else if lower.starts_with("doi:") {
        Some(format!("https://doi.org/{}", &url[4..]))
    } else if lower.starts_with("hdl:") {
        Some(format!("https://hdl.handle.net/{}", &url[4..]))
    } else {
        None
    }
}

fn entries(history: &HistoryAnswer, entries_page: Page, here: &Address, when: &When) -> Markup {
    let total = history.events.len();
    let shown: Vec<&HistoryEntry> = history
        .events
        .iter()
        .skip(entries_page.offset)
        .take(entries_page.limit.unwrap_or(total))
        .collect();
    let limit = entries_page.limit.unwrap_or(total).max(1);
    let next = (entries_page.offset + shown.len() < total).then(|| {
        when.carried(here.clone())
            .with("offset", Some((entries_page.offset + limit).to_string()))
            .href()
    });
    let previous = (entries_page.offset > 0).then(|| {
        when.carried(here.clone())
            .with(
                "offset",
                Some(entries_page.offset.saturating_sub(limit).to_string()),
            )
            .href()
    });
    html! {
        section aria-labelledby="entries-heading" {
            h2 id="entries-heading" { "Entries" }
            p {
                @if shown.is_empty() { "No entries on this page." } @else {
                    "Entries " (entries_page.offset + 1) " to " (entries_page.offset + shown.len())
                    " of " (total) ", in history order."
                }
            }
            div class="scroll" {
                table id="entries" {
                    caption { "The history's entries as recorded, with their sources" }
                    thead { tr {
                        th scope="col" { "Date" }
                        th scope="col" { "Type" }
                        th scope="col" { "Term as written" }
                        th scope="col" { "Certainty" }
                        th scope="col" { "Sources" }
                        th scope="col" { "Recorded" }
                        th scope="col" { "Notes, retractions, citations" }
                    } }
                    tbody {
                        @for entry in &shown { (entry_row(entry)) }
                    }
                }
            }
            @if previous.is_some() || next.is_some() {
                nav class="pager" aria-label="Entries pages" {
                    @if let Some(previous) = previous { a rel="prev" href=(previous) { "← Earlier entries" } " " }
                    @if let Some(next) = next { a rel="next" href=(next) { "Later entries →" } }
                }
            }
        }
    }
}

fn entry_row(entry: &HistoryEntry) -> Markup {
    let row = &entry.row;
    let mut class = Vec::new();
    if row.disputed || row.certainty == amity_domain::Certainty::Disputed {
        class.push("disputed");
    }
    if row.retracted_by.is_some() {
        class.push("retracted");
    }
    let bounds = match (&row.earliest, &row.latest) {
        (Some(earliest), Some(latest)) if earliest == latest => earliest.to_string(),
        (earliest, latest) => format!(
            "{} to {}",
            earliest.as_deref().unwrap_or(".."),
            latest.as_deref().unwrap_or("..")
        ),
    };
    html! {
        tr id=(format!("entry-{}", row.event_id)) data-event-id=(row.event_id)
            class=[(!class.is_empty()).then(|| class.join(" "))] {
            td {
                (row.occurred.as_deref().unwrap_or("unknown"))
                @if row.occurred.is_some() { br; small { (bounds) } }
            }
            td { (row.event_type) }
            td { @if let Some(term) = &row.term_as_written { q { (term) } } }
            td {
                (row.certainty.name())
                @if row.retracted_by.is_some() { br; strong { "retracted" } }
            }
            td {
                @if !row.sources.is_empty() {
                    ul class="sources" { @for each in &row.sources { li { (source(each)) } } }
                }
            }
            td {
                (row.recorded_by) br;
                small { time datetime=(row.recorded_at) { (row.recorded_at) } }
            }
            td { (relations(entry)) }
        }
    }
}

fn entry_link(event_id: &str) -> Markup {
    html! { a href=(format!("#entry-{event_id}")) { code { (short(event_id)) } } }
}

fn relations(entry: &HistoryEntry) -> Markup {
    let row = &entry.row;
    html! {
        @if let Some(by) = &row.retracted_by { p { "Retracted by " (entry_link(by)) "." } }
        @if row.event_type == "EntryRetracted" {
            @if let Some(target) = &row.target { p { "Retracts " (entry_link(target)) "." } }
            @if let Some(reason) = &row.reason { p { "Why: " (reason) } }
        }
        @if row.event_type == "SourceCited" {
            @if let Some(target) = &row.target { p { "Cites sources for " (entry_link(target)) "." } }
        }
        @if let Some(other) = &entry.alternative_to { p { "An alternative claim to " (entry_link(other)) "." } }
        @if !entry.alternatives.is_empty() {
            p { "Alternative claims: "
                @for (index, other) in entry.alternatives.iter().enumerate() {
                    @if index > 0 { ", " } (entry_link(other))
                }
            }
        }
        @for citation in &entry.citations {
            div class="citation" {
                "Cited by " (entry_link(&citation.event_id)) " (" (citation.recorded_by) ", "
                time datetime=(citation.recorded_at) { (citation.recorded_at) } "):"
                ul class="sources" { @for each in &citation.sources { li { (source(each)) } } }
            }
        }
        @if let Some(party) = &row.initiated_by { p { "Initiated by " code { (party) } "." } }
        @if let Some(note) = &row.note { p class="note" { (note) } }
    }
}
