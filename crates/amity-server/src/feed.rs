//! The ledger as it is stored, for those who follow or verify it: the event feed from a
//! position (paged, each event as its archive line is, with its position), the latest
//! signed checkpoint (a C2SP signed note) and proofs that an event is in the log and that
//! one checkpoint extends another.

use std::sync::Arc;

use amity_ledger::Position;
use amity_log::{ConsistencyProof, InclusionProof};
use axum::extract::State;
use axum::http::header::{HeaderValue, CONTENT_TYPE};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::app::App;
use crate::etag::Tag;
use crate::params::{Params, MAX_LIMIT};
use crate::problem::Problem;

/// Events per page of the feed when `limit` is not given.
pub const FEED_LIMIT: usize = 1000;

/// The feed and log routes, under `/api/v1`.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/feed", get(feed))
        .route("/checkpoint", get(checkpoint))
        .route("/proofs/inclusion", get(inclusion))
        .route("/proofs/consistency", get(consistency))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedParams {
    after: Option<String>,
    limit: Option<String>,
}

/// One stored event: its archive line's fields, and its position.
#[derive(Debug, Serialize)]
pub struct FeedEvent<'a> {
    /// Its place in the feed: ask `after` it for what follows.
    pub position: String,
    /// Its id.
    pub event_id: uuid::Uuid,
    /// Its stream.
    pub stream: &'a str,
    /// Its 0-based version in the stream.
    pub stream_version: u64,
    /// The stored type name.
    #[serde(rename = "type")]
    pub event_type: &'a str,
    /// The payload's schema version.
    pub schema_version: u32,
    /// Who recorded it.
    pub recorded_by: String,
    /// When the store committed it.
    pub recorded_at: String,
    /// The payload, as stored.
    pub payload: &'a RawValue,
}

/// A page of the feed.
#[derive(Debug, Serialize)]
pub struct FeedPage<'a> {
    /// The events, in feed order.
    pub events: Vec<FeedEvent<'a>>,
    /// Ask `after` this for the next page (`null`: the page is empty, the feed ends here).
    pub next_after: Option<String>,
}

/// `GET /feed?after=&limit=`.
async fn feed(
    State(app): State<Arc<App>>,
    Params(p): Params<FeedParams>,
) -> Result<Response, Problem> {
    let after: Position = match p.after.as_deref().filter(|text| !text.is_empty()) {
        None => Position::START,
        Some(text) => text
            .parse()
            .map_err(|_| Problem::bad_request(format!("after: {text:?} is not a feed position (start, or a position an event of the feed gave)")))?,
    };
    let limit = crate::params::count("limit", p.limit.as_deref())?.unwrap_or(FEED_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(Problem::bad_request(format!(
            "limit: give 1 to {MAX_LIMIT}"
        )));
    }
    let records = app.ledger().stored_records(after, limit).await?;
    let mut events = Vec::with_capacity(records.len());
    for record in &records {
        let payload: &RawValue = serde_json::from_slice(&record.payload).map_err(|error| {
            Problem::internal(format!(
                "event {}: its payload is not JSON: {error}",
                record.event_id
            ))
        })?;
        let metadata: amity_ledger::Metadata =
            serde_json::from_slice(&record.metadata).map_err(|error| {
                Problem::internal(format!("event {}: its metadata: {error}", record.event_id))
            })?;
        events.push(FeedEvent {
            position: record.position.to_string(),
            event_id: record.event_id,
            stream: &record.stream,
            stream_version: record.stream_version,
            event_type: &record.event_type,
            schema_version: record.schema_version,
            recorded_by: metadata.recorded_by,
            recorded_at: record.recorded_at.to_string(),
            payload,
        });
    }
    let next_after = records.last().map(|record| record.position.to_string());
    Ok(axum::Json(FeedPage { events, next_after }).into_response())
}

/// `GET /checkpoint`: the latest signed checkpoint, as the signed note it is.
async fn checkpoint(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response, Problem> {
    let tag = Tag::now(&app);
    if let Some(response) = tag.not_modified(&headers) {
        return Ok(response);
    }
    let stored = app.ledger().log_checkpoints().await?;
    let Some(latest) = stored.last() else {
        return Err(Problem::not_found(
            "the ledger holds no checkpoint yet: `amity checkpoint` signs one",
        ));
    };
    let mut response = latest.note.clone().into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(tag.stamp(response))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct InclusionParams {
    event_id: Option<String>,
    size: Option<String>,
}

/// `GET /proofs/inclusion?event_id=&size=`: the event's leaf in the log of `size` leaves
/// (the whole log when not given), as `amity proof inclusion` prints it.
async fn inclusion(
    State(app): State<Arc<App>>,
    Params(p): Params<InclusionParams>,
) -> Result<Response, Problem> {
    let text = p
        .event_id
        .ok_or_else(|| Problem::bad_request("event_id is required"))?;
    let event_id: uuid::Uuid = text
        .parse()
        .map_err(|_| Problem::bad_request(format!("event_id: {text:?} is not a UUID")))?;
    let hashes = app.ledger().log_hashes().await?;
    let whole = hashes.len() as u64;
    let size = crate::params::count("size", p.size.as_deref())?.map_or(whole, |size| size as u64);
    let unknown = || Problem::not_found(format!("no event {event_id} is in the log"));
    let index = app
        .ledger()
        .log_places(&[event_id])
        .await?
        .get(&event_id)
        .ok_or_else(unknown)?
        .index;
    let proof_problem = |error: amity_log::Error| Problem::bad_request(format!("size: {error}"));
    let proof = InclusionProof {
        leaf_index: index,
        tree_size: size,
        leaf_hash: *hashes.get(index as usize).ok_or_else(unknown)?,
        hashes: amity_log::inclusion_proof(&hashes, index, size).map_err(proof_problem)?,
        root: Some(amity_log::root(&hashes[..size.min(whole) as usize])),
    };
    Ok(axum::Json(proof).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsistencyParams {
    from: Option<String>,
    to: Option<String>,
}

/// `GET /proofs/consistency?from=&to=`: that the log of `to` leaves extends the one of
/// `from`, as `amity proof consistency` prints it.
async fn consistency(
    State(app): State<Arc<App>>,
    Params(p): Params<ConsistencyParams>,
) -> Result<Response, Problem> {
    let from = crate::params::count("from", p.from.as_deref())?
        .ok_or_else(|| Problem::bad_request("from is required: a tree size"))?
        as u64;
    let to = crate::params::count("to", p.to.as_deref())?;
    let hashes = app.ledger().log_hashes().await?;
    let to = to.map_or(hashes.len() as u64, |to| to as u64);
    let proof = amity_log::consistency_proof(&hashes, from, to)
        .map_err(|error| Problem::bad_request(format!("from {from}, to {to}: {error}")))?;
    Ok(axum::Json(ConsistencyProof {
        from,
        to,
        hashes: proof,
    })
    .into_response())
}
