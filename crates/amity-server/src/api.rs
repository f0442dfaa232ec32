//! The JSON API's reads: each route reads its parameters (`params`), asks the query API
//! (`Projections::answer_as_is` through [`App::answer`]) and serves its answer, the same
//! document `amity … --format json` prints, with an `ETag`.

use std::sync::Arc;

use amity_projections::query::{Answer, Page, Query};
use axum::extract::{Path, State};
use axum::http::header::{HeaderValue, LINK};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::app::App;
use crate::etag::Tag;
use crate::params::{self, Params, StatusParams, WhenParams, WindowParams, DEFAULT_LIMIT};
use crate::problem::Problem;

/// The most points a series has.
pub const MAX_STEPS: usize = 1200;

/// Entries of a history per page when `limit` is not given.
pub const HISTORY_LIMIT: usize = 1000;

/// The read routes, under `/api/v1`.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/partnerships", get(partnerships))
        .route("/partnerships/:id", get(partnership))
        .route("/partnerships/:id/history", get(history))
        .route("/parties", get(parties))
        .route("/parties/:key/partners", get(partners))
        .route("/outcomes", get(outcomes))
        .route("/changes", get(changes))
        .route("/series", get(series))
        .route("/milestones", get(milestones))
}

/// A `Link: <…>; rel="next"` to the next page, when this one is full.
fn with_next(
    mut response: Response,
    uri: &Uri,
    shown: usize,
    limit: Option<usize>,
    offset: usize,
) -> Response {
    let Some(limit) = limit.filter(|limit| *limit > 0 && shown == *limit) else {
        return response;
    };
    let kept: Vec<&str> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| {
            !pair.is_empty() && !pair.starts_with("offset=") && !pair.starts_with("limit=")
        })
        .collect();
    let mut query = kept.join("&");
    if !query.is_empty() {
        query.push('&');
    }
    query.push_str(&format!("limit={limit}&offset={}", offset + limit));
    if let Ok(value) = HeaderValue::from_str(&format!("<{}?{query}>; rel=\"next\"", uri.path())) {
        response.headers_mut().insert(LINK, value);
    }
    response
}

/// A page of a list, with its tag and a link to the next page when it is full.
fn listed<T: serde::Serialize>(tag: &Tag, uri: &Uri, items: &[T], page: Page) -> Response {
    with_next(tag.json(&items), uri, items.len(), page.limit, page.offset)
}

/// `GET /partnerships`: the status of every partnership of a cohort.
async fn partnerships(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    Params(p): Params<StatusParams>,
) -> Result<Response, Problem> {
    let tag = Tag::now(&app);
    if let Some(response) = tag.not_modified(&headers) {
        return Ok(response);
    }
    let page = params::page(p.limit.as_deref(), p.offset.as_deref(), DEFAULT_LIMIT)?;
    let query = Query::Status {
        partnership: None,
        cohort: p.cohort(&app).await?,
        as_of: params::as_of(&app, p.as_of.as_deref()).await?,
        known_at: params::known_at(p.known_at.as_deref())?,
        page,
    };
    let Answer::Status(views) = app.answer(query).await? else {
        unreachable!("a status query answers with statuses")
    };
    Ok(listed(&tag, &uri, &views, page))
}

/// `GET /partnerships/{id}`: one partnership's status.
async fn partnership(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Params(p): Params<WhenParams>,
) -> Result<Response, Problem> {
    let tag = Tag::now(&app);
    if let Some(response) = tag.not_modified(&headers) {
        return Ok(response);
    }
    let id = params::partnership(&app, &id).await?;
    let known_at = params::known_at(p.known_at.as_deref())?;
    let query = Query::Status {
        partnership: Some(id.clone()),
        cohort: Default::default(),
        as_of: params::as_of(&app, p.as_of.as_deref()).await?,
        known_at,
        page: Default::default(),
    };
    let Answer::Status(mut views) = app.answer(query).await? else {
        unreachable!("a status query answers with statuses")
    };
    if views.is_empty() {
        return Err(unknown_partnership(&id, known_at));
    }
    Ok(tag.json(&views.swap_remove(0)))
}

fn unknown_partnership(
    id: &amity_domain::PartnershipId,
    known_at: Option<jiff::Timestamp>,
) -> Problem {
    match known_at {
        Some(moment) => {
            Problem::not_found(format!("no partnership {id} had been recorded by {moment}"))
        }
        None => Problem::not_found(format!("no partnership {id} is recorded")),
    }
}

/// `GET /partnerships/{id}/history`: its history, a page of entries at a time.
async fn history(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Params(p): Params<WhenParams>,
) -> Result<Response, Problem> {
    let tag = Tag::now(&app);
    if let Some(response) = tag.not_modified(&headers) {
        return Ok(response);
    }
    if p.as_of.is_some() {
        return Err(Problem::bad_request(
            "as_of: a history is every entry; ask it known_at a moment",
        ));
    }
    let id = params::partnership(&app, &id).await?;
    let known_at = params::known_at(p.known_at.as_deref())?;
    let page = params::page(p.limit.as_deref(), p.offset.as_deref(), HISTORY_LIMIT)?;
    let answer = app
        .answer(Query::History {
            partnership: id.clone(),
            known_at,
        })
        .await;
    let mut answer = match answer {
        Ok(Answer::History(answer)) => answer,
        Ok(_) => unreachable!("a history query answers with a history"),
        Err(amity_projections::Error::Ledger(amity_ledger::Error::UnknownPartnership(_))) => {
            return Err(unknown_partnership(&id, known_at))
        }
        Err(error) => return Err(error.into()),
    };
    answer.events = page.of(std::mem::take(&mut answer.events));
    let shown = answer.events.len();
    Ok(with_next(
        tag.json(&answer),
        &uri,
        shown,
        page.limit,
        page.offset,
    ))
}

/// The parameters of a party search.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchParams {
    q: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

/// `GET /parties?q=`: parties by name or alias.
async fn parties(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    Params(p): Params<SearchParams>,
) -> Result<Response, Problem> {
    let tag = Tag::now(&app);
    if let Some(response) = tag.not_modified(&headers) {
        return Ok(response);
    }
    let page = params::page(p.limit.as_deref(), p.offset.as_deref(), DEFAULT_LIMIT)?;
    let query = Query::Parties {
        text: p.q.unwrap_or_default(),
        page,
    };
    let Answer::Parties(found) = app.answer(query).await? else {
        unreachable!("a parties query answers with parties")
    };
    Ok(listed(&tag, &uri, &found, page))
}

/// `GET /parties/{key}/partners`: a party's partners as of a date.
async fn partners(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    Path(key): Path<String>,
    Params(p): Params<WhenParams>,
) -> Result<Response, Problem> {
    let tag = Tag::now(&app);
    if let Some(response) = tag.not_modified(&headers) {
        return Ok(response);
    }
    let key = params::party(&app, &key).await?;
    let page = params::page(p.limit.as_deref(), p.offset.as_deref(), DEFAULT_LIMIT)?;
    let known_at = params::known_at(p.known_at.as_deref())?;
    let query = Query::Partners {
        party: key.clone(),
        as_of: params::as_of(&app, p.as_of.as_deref()).await?,
        known_at,
        page,
    };
    let Answer::Partners(rows) = app.answer(query).await? else {
        unreachable!("a partners query answers with partners")
    };
    if rows.is_empty() && page.offset == 0 && app.reader().party(&key).await?.is_none() {
        return Err(Problem::not_found(format!("no party {key} is recorded")));
    }
    Ok(listed(&tag, &uri, &rows, page))
}

/// `GET /outcomes?from=&to=`: the last decision in a window and the status at its end.
async fn outcomes(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Params(p): Params<WindowParams>,
) -> Result<Response, Problem> {
    let tag = Tag::now(&app);
    if let Some(response) = tag.not_modified(&headers) {
        return Ok(response);
    }
    if p.step.is_some() || p.limit.is_some() || p.offset.is_some() {
        return Err(Problem::bad_request(
            "outcomes take from, to, known_at and a cohort",
        ));
    }
    let query = Query::Outcomes {
        cohort: p.cohort(&app).await?,
        window: params::window(&app, p.from.as_deref(), p.to.as_deref()).await?,
        known_at: params::known_at(p.known_at.as_deref())?,
    };
    let Answer::Outcomes(outcomes) = app.answer(query).await? else {
        unreachable!("an outcomes query answers with outcomes")
    };
    Ok(tag.json(&outcomes))
}

/// `GET /changes?from=&to=`: the lifecycle events of a cohort in a window.
async fn changes(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    Params(p): Params<WindowParams>,
) -> Result<Response, Problem> {
    let tag = Tag::now(&app);
    if let Some(response) = tag.not_modified(&headers) {
        return Ok(response);
    }
    if p.step.is_some() {
        return Err(Problem::bad_request(
            "step: changes take no step (see series)",
        ));
    }
    let page = params::page(p.limit.as_deref(), p.offset.as_deref(), params::MAX_LIMIT)?;
    let query = Query::Changes {
        cohort: p.cohort(&app).await?,
        window: params::window(&app, p.from.as_deref(), p.to.as_deref()).await?,
        known_at: params::known_at(p.known_at.as_deref())?,
        page,
    };
    let Answer::Changes(changes) = app.answer(query).await? else {
        unreachable!("a changes query answers with changes")
    };
    Ok(listed(&tag, &uri, &changes, page))
}

/// `GET /series?from=&to=&step=`: counts by status at the end of each step.
async fn series(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Params(p): Params<WindowParams>,
) -> Result<Response, Problem> {
    let tag = Tag::now(&app);
    if let Some(response) = tag.not_modified(&headers) {
        return Ok(response);
    }
    if p.limit.is_some() || p.offset.is_some() {
        return Err(Problem::bad_request("a series is not paged"));
    }
    let window = params::window(&app, p.from.as_deref(), p.to.as_deref()).await?;
    let step = params::step(p.step.as_deref())?;
    let steps = amity_projections::analysis::steps(&window.from.1, &window.to.1, step).len();
    if steps > MAX_STEPS {
        return Err(Problem::bad_request(format!(
            "from, to: {steps} steps; a series has at most {MAX_STEPS} (ask by year, or a shorter range)"
        )));
    }
    let query = Query::Series {
        cohort: p.cohort(&app).await?,
        from: window.from.1,
        to: window.to.1,
        step,
        known_at: params::known_at(p.known_at.as_deref())?,
    };
    let Answer::Series(points) = app.answer(query).await? else {
        unreachable!("a series query answers with points")
    };
    Ok(tag.json(&points))
}

/// `GET /milestones`: the ledger-wide milestones, in date order.
async fn milestones(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response, Problem> {
    let tag = Tag::now(&app);
    if let Some(response) = tag.not_modified(&headers) {
        return Ok(response);
    }
    let Answer::Milestones(milestones) = app.answer(Query::Milestones).await? else {
        unreachable!("a milestones query answers with milestones")
    };
    Ok(tag.json(&milestones))
}
