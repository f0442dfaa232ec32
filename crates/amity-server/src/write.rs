//! The JSON API's one write: `POST /api/v1/events`. A body is one event or a list of them,
//! each `{"type", "payload", "schema_version"?, "event_id"?}` with the payload in its stored
//! form (`events-schema/`): lifecycle events, attestations, retractions and citations go
//! through the ledger's rules together, all or nothing (an amendment is a retraction and its
//! replacement in one list); a milestone or a register event (a party, an alias, a link) is
//! sent alone. Every event is recorded by the writer the bearer token names; an event id
//! already recorded with the same content records nothing (a retried request is safe).

use std::sync::Arc;

use amity_domain::{Event, EventType, Milestone, RegisterEvent};
use amity_ledger::{Outcome, ToRecord};
use amity_projections::Enlisted;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::app::App;
use crate::problem::Problem;

/// The largest request body taken, in bytes.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// The most events one request holds.
pub const MAX_EVENTS: usize = 1000;

/// The write route, under `/api/v1`.
pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/events", post(record))
}

/// One event to record.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventIn {
    #[serde(default)]
    event_id: Option<uuid::Uuid>,
    #[serde(rename = "type")]
    event_type: String,
    #[serde(default)]
    schema_version: Option<u32>,
    payload: Box<RawValue>,
}

/// What happened to one event.
#[derive(Debug, Serialize)]
pub struct Written {
    /// Its id.
    pub event_id: uuid::Uuid,
    /// Its type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// `recorded`, or `already_recorded` (nothing written).
    pub outcome: &'static str,
    /// Who recorded it (the token's name).
    pub recorded_by: String,
}

/// The writer a request's bearer token names; else 401 (or 405 on a read-only server).
pub fn writer(app: &App, headers: &HeaderMap) -> Result<String, Problem> {
    if app.tokens().is_empty() {
        return Err(Problem::method_not_allowed(
            "this server is read-only: start it with --write-token-file or AMITY_WRITE_TOKEN to take writes",
            "GET, HEAD",
        ));
    }
    let given = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, token) = value.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .ok_or_else(|| Problem::unauthorized("a write needs `Authorization: Bearer TOKEN`"))?;
    app.tokens()
        .writer(given)
        .map(str::to_owned)
        .ok_or_else(|| Problem::unauthorized("the token is not one this server takes"))
}

/// `POST /events`.
async fn record(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let recorded_by = writer(&app, &headers)?;
    let is_json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
    if !is_json {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            "send the events as application/json",
        ));
    }
    let is_list = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    let events = if is_list {
        serde_json::from_slice::<Vec<EventIn>>(&body)
    } else {
        serde_json::from_slice::<EventIn>(&body).map(|event| vec![event])
    }
    .map_err(|error| Problem::bad_request(format!("body: {error}")))?;
    if events.is_empty() || events.len() > MAX_EVENTS {
        return Err(Problem::bad_request(format!(
            "body: send 1 to {MAX_EVENTS} events"
        )));
    }
    let written = write(&app, events, &recorded_by).await?;
    app.catch_up().await?;
    app.sign_soon();
    let status = if written.iter().any(|w| w.outcome == "recorded") {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(written)).into_response())
}

fn outcome_name<T>(outcome: &Outcome<T>) -> &'static str {
    match outcome {
        Outcome::Recorded(_) => "recorded",
        Outcome::AlreadyRecorded(_) => "already_recorded",
    }
}

/// Record the events: partnership events together, a milestone or register event alone.
async fn write(
    app: &App,
    events: Vec<EventIn>,
    recorded_by: &str,
) -> Result<Vec<Written>, Problem> {
    let alone = |event: &EventIn| {
        event.event_type == amity_domain::MILESTONE_RECORDED
            || (EventType::from_name(&event.event_type).is_none())
    };
    if events.len() > 1 && events.iter().any(alone) {
        return Err(Problem::bad_request(
            "body: a milestone or a register event is sent alone; a list holds partnership events",
        ));
    }
    let link_ids: Vec<uuid::Uuid> = if events.iter().any(|e| e.event_type == "EntryRetracted") {
        app.ledger()
            .link_entries()
            .await?
            .iter()
            .map(|entry| entry.id)
            .collect()
    } else {
        Vec::new()
    };
    let mut items = Vec::with_capacity(events.len());
    for (number, event) in events.into_iter().enumerate() {
        let place =
            |reason: String| Problem::bad_request(format!("event {}: {reason}", number + 1));
        let version = event
            .schema_version
            .unwrap_or(amity_domain::event::SCHEMA_VERSION);
        let event_id = event.event_id.unwrap_or_else(uuid::Uuid::now_v7);
        let payload = event.payload.get().as_bytes();
        if event.event_type == amity_domain::MILESTONE_RECORDED {
            let milestone = Milestone::decode(&event.event_type, version, payload)
                .map_err(|error| place(error.to_string()))?;
            let outcome = app
                .ledger()
                .record_milestone(milestone, event_id, recorded_by)
                .await?;
            return Ok(vec![written(
                event_id,
                &event.event_type,
                outcome_name(&outcome),
                recorded_by,
            )]);
        }
        let retracts_link = event.event_type == "EntryRetracted"
            && serde_json::from_slice::<serde_json::Value>(payload)
                .ok()
                .and_then(|value| value.get("target")?.as_str()?.parse::<uuid::Uuid>().ok())
                .is_some_and(|target| link_ids.contains(&target));
        if EventType::from_name(&event.event_type).is_none() || retracts_link {
            let register = RegisterEvent::decode(&event.event_type, version, payload)
                .map_err(|error| place(error.to_string()))?;
            enlist(app, &register, recorded_by).await?;
            let outcome = app
                .ledger()
                .record_register(event_id, register, recorded_by)
                .await?;
            return Ok(vec![written(
                event_id,
                &event.event_type,
                outcome_name(&outcome),
                recorded_by,
            )]);
        }
        let decoded = Event::decode(&event.event_type, version, payload)
            .map_err(|error| place(error.to_string()))?;
        let partnership = match &decoded {
            Event::Retracted(body) => app.ledger().locate(body.target).await?,
            Event::Cited(body) => app.ledger().locate(body.target).await?,
            other => other
                .as_lifecycle()
                .expect("a partnership event")
                .partnership
                .id(),
        };
        items.push(ToRecord {
            partnership,
            event_id,
            event: decoded,
            recorded_by: recorded_by.to_owned(),
        });
    }
    let types: Vec<String> = items
        .iter()
        .map(|item| item.event.event_type().name().to_owned())
        .collect();
    let outcomes = app.ledger().record_all(items).await?;
    Ok(outcomes
        .iter()
        .zip(types)
        .map(|(outcome, event_type)| {
            written(
                outcome.recorded().id,
                &event_type,
                outcome_name(outcome),
                recorded_by,
            )
        })
        .collect())
}

fn written(
    event_id: uuid::Uuid,
    event_type: &str,
    outcome: &'static str,
    recorded_by: &str,
) -> Written {
    Written {
        event_id,
        event_type: event_type.to_owned(),
        outcome,
        recorded_by: recorded_by.to_owned(),
    }
}

/// The parties an alias or a link names, registered first when they are known only from
/// their partnerships (as `amity party alias` and `amity party same-as` do); an unknown one is
/// refused.
async fn enlist(app: &App, event: &RegisterEvent, recorded_by: &str) -> Result<(), Problem> {
    let keys = match event {
        RegisterEvent::Aliased(aliases) => vec![aliases.key.clone()],
        RegisterEvent::Linked(link) => {
            // A link the register refuses registers no party either.
            app.ledger()
                .links()
                .await?
                .check_link(link)
                .map_err(amity_ledger::Error::from)?;
            vec![link.a.clone(), link.b.clone()]
        }
        _ => return Ok(()),
    };
    // Read the parties from tables caught up with every write so far.
    app.catch_up().await?;
    for key in keys {
        if app.reader().enlist(&key, recorded_by).await? == Enlisted::Unknown {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Refused by the ledger",
                format!("unknown party {key}: register it first (PartyRegistered)"),
            ));
        }
    }
    Ok(())
}
