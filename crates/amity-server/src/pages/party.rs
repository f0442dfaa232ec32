//! The party page: a party's partners as of the date asked (`#partners`), each with its
//! status and certainty, linked to its partnership's page.

use std::sync::Arc;

use amity_domain::Certainty3;
use amity_projections::query::{Answer, Query};
use amity_projections::PartnerView;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::{html, Markup};

use super::frame::{page, query, respond, segment, unchanged, Address, Frame, PageError, When};
use crate::app::App;
use crate::etag::Tag;
use crate::params;
use crate::problem::Problem;

/// Partners per page when `limit` is not given.
pub const PARTNERS_PER_PAGE: usize = 200;

/// `GET /parties/{key}`.
pub async fn party(
    State(app): State<Arc<App>>,
    Path(key): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, PageError> {
    let tag = Tag::now(&app);
    if let Some(response) = unchanged(&tag, &headers) {
        return Ok(response);
    }
    let p: params::WhenParams = query(&uri)?;
    let when = When::read(&app, p.as_of.as_deref(), p.known_at.as_deref()).await?;
    let key = params::party(&app, &key).await?;
    let partners_page = params::page(p.limit.as_deref(), p.offset.as_deref(), PARTNERS_PER_PAGE)?;
    let row = app.reader().party(&key).await?;
    let Answer::Partners(partners) = app
        .answer(Query::Partners {
            party: key.clone(),
            as_of: Some(when.as_of.clone()),
            known_at: when.known_at,
            page: partners_page,
        })
        .await?
    else {
        return Err(Problem::internal("a partners query gave another answer").into());
    };
    if row.is_none() && partners.is_empty() {
        return Err(Problem::not_found(format!("no party {key} is recorded")).into());
    }
    let name = row
        .as_ref()
        .map_or_else(|| key.as_str().to_owned(), |row| row.party.name.clone());
    let here = Address::new(format!("/parties/{}", segment(key.as_str())))
        .with("limit", p.limit.map(|limit| limit.to_string()))
        .with("offset", p.offset.map(|offset| offset.to_string()));
    let frame = Frame {
        title: name.clone(),
        here: here.clone(),
        when: &when,
    };
    let limit = partners_page.limit.unwrap_or(PARTNERS_PER_PAGE).max(1);
    let next = (partners.len() == limit).then(|| {
        when.carried(here.clone())
            .with("offset", Some((partners_page.offset + limit).to_string()))
            .href()
    });
    let previous = (partners_page.offset > 0).then(|| {
        when.carried(here.clone())
            .with(
                "offset",
                Some(partners_page.offset.saturating_sub(limit).to_string()),
            )
            .href()
    });
    let body = html! {
        @if let Some(row) = &row {
            p class="subtitle" {
                code { (row.key) } " · " (row.party.subdivision.as_deref().unwrap_or(&row.party.country))
                @if let Some(kind) = &row.kind { " · " (format!("{kind:?}").to_lowercase()) }
                @if !row.aliases.is_empty() { " · also " (row.aliases.join(", ")) }
                @if let Some(item) = &row.party.wikidata {
                    " · " a href=(format!("https://www.wikidata.org/wiki/{}", segment(item))) rel="nofollow noopener" { "Wikidata " (item) }
                }
                @if row.canonical != row.key {
                    " · the same community as "
                    a href=(when.carried(Address::new(format!("/parties/{}", segment(&row.canonical)))).href()) { (row.canonical) }
                }
            }
        }
        section aria-labelledby="partners-heading" {
            h2 id="partners-heading" { "Partners on " (when.as_of_text) }
            @if partners.is_empty() {
                p { "No partners on this page." }
            } @else {
                div class="scroll" {
                    table id="partners" {
                        caption { "Partners of " (name) ", with the status of each partnership on " (when.as_of_text) }
                        thead { tr {
                            th scope="col" { "Partner" }
                            th scope="col" { "Kind" }
                            th scope="col" { "Founded" }
                            th scope="col" { "Status" }
                            th scope="col" { "Certainty" }
                            th scope="col" { "Since" }
                        } }
                        tbody { @for partner in &partners { (partner_row(partner, &when)) } }
                    }
                }
            }
            @if previous.is_some() || next.is_some() {
                nav class="pager" aria-label="Partners pages" {
                    @if let Some(previous) = previous { a rel="prev" href=(previous) { "← Previous" } " " }
                    @if let Some(next) = next { a rel="next" href=(next) { "Next →" } }
                }
            }
        }
    };
    Ok(respond(&tag, page(&frame, html! { (name) }, body)))
}

fn certainty_name(certainty: Certainty3) -> &'static str {
    match certainty {
        Certainty3::Definite => "definite",
        Certainty3::Possible => "possible",
    }
}

fn partner_row(partner: &PartnerView, when: &When) -> Markup {
    let link = when.carried(Address::new(format!(
        "/partnerships/{}",
        segment(partner.partnership.as_str())
    )));
    html! {
        tr data-partnership=(partner.partnership.as_str()) data-status=(partner.status.name())
            data-certainty=(certainty_name(partner.certainty)) {
            td {
                a href=(link.href()) { (partner.partner.name) ", " (partner.partner.subdivision.as_deref().unwrap_or(&partner.partner.country)) }
                @if let Some(succession) = &partner.succession {
                    br;
                    small { (match succession {
                        amity_projections::Succession::SucceededBy(other) => format!("succeeded by {other}"),
                        amity_projections::Succession::SuccessorOf(other) => format!("successor of {other}"),
                    }) }
                }
            }
            td { (partner.kind.as_str()) }
            td { (partner.founded.as_deref().unwrap_or("unknown")) }
            td { strong class=(format!("status status-{}", partner.status.name())) { (partner.status.name()) } }
            td {
                (certainty_name(partner.certainty))
                @if !partner.competing.is_empty() {
                    ": " (partner.competing.iter().map(|s| s.name()).collect::<Vec<_>>().join(" or "))
                }
            }
            td { (partner.since.as_deref().unwrap_or("")) }
        }
    }
}
