//! The OpenAPI 3.1 document of the JSON API, served at `/api/v1/openapi.json`. Its schemas
//! are generated from the answer types (`schemars`, JSON Schema 2020-12, which OpenAPI 3.1
//! takes as it is): the same types that give `docs/schemas/`, so the document cannot drift
//! from what the routes serve. A test compares it with `docs/openapi.json`.

use std::sync::Arc;

use amity_projections::analysis::{Change, Outcomes, Point};
use amity_projections::query::{HistoryAnswer, PartyMatch};
use amity_projections::{PartnerView, StatusView};
use axum::routing::get;
use axum::Router;
use schemars::JsonSchema;
use serde_json::{json, Map, Value};

use crate::app::App;

/// The route, under `/api/v1`.
pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/openapi.json", get(|| async { axum::Json(document()) }))
}

fn param(name: &str, place: &str, description: &str, schema: Value, required: bool) -> Value {
    json!({"name": name, "in": place, "description": description, "required": required, "schema": schema})
}

fn string() -> Value {
    json!({"type": "string"})
}

fn selectors(names: &[&str]) -> Vec<Value> {
    names
        .iter()
        .map(|name| match *name {
            "as_of" => param("as_of", "query", "On this date (valid time): an EDTF date or a milestone key; today when not given.", string(), false),
            "known_at" => param("known_at", "query", "As the ledger held it at this moment (transaction time): RFC 3339, or a date (the end of that day, UTC).", string(), false),
            "cohort" => param("cohort", "query", "The two parties' countries, in either order: US:RU.", string(), false),
            "region" => param("region", "query", "A party in this subdivision or country: US-CO, RU.", string(), false),
            "kind" => param("kind", "query", "The partnership kind: sister-city, friendship-city, …", string(), false),
            "party" => param("party", "query", "Partnerships of this party (its key).", string(), false),
            "limit" => param("limit", "query", "At most this many (at most 10000).", json!({"type": "integer", "minimum": 0, "maximum": 10000}), false),
            "offset" => param("offset", "query", "Skip this many first.", json!({"type": "integer", "minimum": 0}), false),
            "from" => param("from", "query", "The window's start: an EDTF date or a milestone key.", string(), true),
            "to" => param("to", "query", "The window's end: an EDTF date or a milestone key.", string(), true),
            "step" => param("step", "query", "One point per year (default) or month.", json!({"enum": ["year", "month"]}), false),
            "q" => param("q", "query", "Text searched in names and aliases (accents and case aside).", string(), false),
            "id" => param("id", "path", "A partnership id, percent-encoded: ru%3Asmolensk%2Bus-co%3Acolorado-springs.", string(), true),
            "key" => param("key", "path", "A party key, percent-encoded: us-co%3Acolorado-springs.", string(), true),
            "after" => param("after", "query", "The position after which to read (start when not given).", string(), false),
            "event_id" => param("event_id", "query", "An event id (UUID).", string(), true),
            "size" => param("size", "query", "A tree size (the whole log when not given).", json!({"type": "integer", "minimum": 0}), false),
            other => unreachable!("no parameter {other}"),
        })
        .collect()
}

fn problems() -> Value {
    let problem = json!({"description": "A problem (RFC 9457)", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}});
    json!({"400": problem, "404": problem, "500": problem})
}

fn read(summary: &str, parameters: &[&str], schema: Value) -> Value {
    let mut responses = problems();
    responses["200"] = json!({
        "description": summary,
        "headers": {"ETag": {"schema": {"type": "string"}, "description": "The feed position covered and the day: send it back in If-None-Match."}},
        "content": {"application/json": {"schema": schema}}
    });
    responses["304"] = json!({"description": "Not modified since the ETag sent"});
    json!({"get": {"summary": summary, "parameters": selectors(parameters), "responses": responses}})
}

/// The document.
pub fn document() -> Value {
    let mut generator = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .with(|settings| settings.definitions_path = "#/components/schemas/".into())
        .into_generator();
    let mut schema = |f: fn(&mut schemars::SchemaGenerator) -> schemars::Schema| {
        serde_json::to_value(f(&mut generator)).expect("a schema")
    };
    fn of<T: JsonSchema>(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        generator.subschema_for::<T>()
    }
    let status = schema(of::<Vec<StatusView>>);
    let one = schema(of::<StatusView>);
    let history = schema(of::<HistoryAnswer>);
    let parties = schema(of::<Vec<PartyMatch>>);
    let partners = schema(of::<Vec<PartnerView>>);
    let outcomes = schema(of::<Outcomes>);
    let changes = schema(of::<Vec<Change>>);
    let series = schema(of::<Vec<Point>>);
    let milestones = schema(of::<Vec<amity_domain::Milestone>>);
    let mut components: Map<String, Value> = generator.take_definitions(true).into_iter().collect();
    components.insert(
        "Problem".into(),
        json!({"type": "object", "required": ["type", "title", "status", "detail"], "properties": {
            "type": {"type": "string"}, "title": {"type": "string"},
            "status": {"type": "integer"}, "detail": {"type": "string"}}}),
    );
    let event_in = json!({"type": "object", "required": ["type", "payload"], "additionalProperties": false, "properties": {
        "event_id": {"type": "string", "format": "uuid", "description": "Its id (a new one when not given); the same id again records nothing."},
        "type": {"type": "string", "description": "A stored event type (events-schema/)."},
        "schema_version": {"type": "integer", "description": "The payload's schema version (the current one when not given)."},
        "payload": {"type": "object", "description": "The payload in its stored form (events-schema/TYPE.vN.schema.json)."}}});
    let mut write_responses = problems();
    write_responses["201"] = json!({"description": "Recorded (each event's outcome)", "content": {"application/json": {"schema": {"type": "array"}}}});
    write_responses["200"] = json!({"description": "Every event was recorded already: nothing written", "content": {"application/json": {"schema": {"type": "array"}}}});
    for (code, text) in [
        ("401", "No token, or one the server does not take"),
        ("405", "The server is read-only"),
        ("409", "An id recorded already with other content"),
        ("413", "The body is too large"),
        ("415", "Not JSON"),
        ("422", "Refused by the ledger's rules"),
    ] {
        write_responses[code] = json!({"description": text, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}});
    }
    let text_plain = json!({"200": {"description": "The latest signed checkpoint (a C2SP signed note)", "content": {"text/plain": {"schema": {"type": "string"}}}}, "404": {"description": "No checkpoint yet"}});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Amity",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The ledger of sister-city partnerships: the query API's answers (the documents `amity … --format json` prints) and the event feed. Reads need no token; writes need a bearer token, and a server started without one is read-only."
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}
        },
        "paths": {
            "/partnerships": read("The status of every partnership of a cohort", &["as_of", "known_at", "cohort", "region", "kind", "party", "limit", "offset"], status),
            "/partnerships/{id}": read("One partnership's status", &["id", "as_of", "known_at"], one),
            "/partnerships/{id}/history": read("A partnership's history, a page of entries at a time", &["id", "known_at", "limit", "offset"], history),
            "/parties": read("Parties by name or alias", &["q", "limit", "offset"], parties),
            "/parties/{key}/partners": read("A party's partners as of a date", &["key", "as_of", "known_at", "limit", "offset"], partners),
            "/outcomes": read("The last decision in a window and the status at its end", &["from", "to", "known_at", "cohort", "region", "kind", "party"], outcomes),
            "/changes": read("The lifecycle events of a cohort dated in a window", &["from", "to", "known_at", "cohort", "region", "kind", "party", "limit", "offset"], changes),
            "/series": read("Counts by status at the end of each step", &["from", "to", "step", "known_at", "cohort", "region", "kind", "party"], series),
            "/milestones": read("The ledger-wide milestones, in date order", &[], milestones),
            "/feed": {"get": {"summary": "The stored events after a position, in feed order", "parameters": selectors(&["after", "limit"]), "responses": {"200": {"description": "A page of the feed", "content": {"application/json": {"schema": {"type": "object", "required": ["events", "next_after"], "properties": {"events": {"type": "array"}, "next_after": {"type": ["string", "null"]}}}}}}, "400": problems()["400"]}}},
            "/checkpoint": {"get": {"summary": "The latest signed checkpoint", "responses": text_plain}},
            "/proofs/inclusion": {"get": {"summary": "An event's inclusion proof", "parameters": selectors(&["event_id", "size"]), "responses": {"200": {"description": "The proof, as `amity proof inclusion` prints it", "content": {"application/json": {"schema": {"type": "object"}}}}, "404": problems()["404"]}}},
            "/proofs/consistency": {"get": {"summary": "A consistency proof between two tree sizes", "parameters": [param("from", "query", "The older tree size.", json!({"type": "integer"}), true), param("to", "query", "The newer tree size (the whole log when not given).", json!({"type": "integer"}), false)], "responses": {"200": {"description": "The proof, as `amity proof consistency` prints it", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": problems()["400"]}}},
            "/events": {"post": {
                "summary": "Record one event, or a list recorded all or nothing",
                "security": [{"bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"oneOf": [event_in.clone(), {"type": "array", "items": event_in, "maxItems": 1000}]}}}},
                "responses": write_responses
            }}
        }
    })
}
