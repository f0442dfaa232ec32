//! The stored-payload contract: every event type's JSON matches its schema in `events-schema/`.
//!
//! For every [`EventType`], a full sample (every optional field populated) and a minimal one
//! (unknown date, no sources, no options) are encoded, validated against
//! `events-schema/<Type>.v<N>.schema.json`, and decoded back to an equal event. The full sample
//! must use every property a schema declares and the minimal one exactly the required ones, so
//! a Rust type that changes without its schema (or a schema without its type) fails here. The
//! samples are built with exhaustive struct literals and matches: a new field or event type does
//! not compile until it is added below. Payloads the decoder refuses must be refused by the
//! schema too (negative tests at the end).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use amity_domain::event::{Citation, Lifecycle, Retraction, SCHEMA_VERSION};
use amity_domain::{
    Certainty, EdtfDate, Event, EventId, EventType, Facts, Occurred, Partnership, PartnershipKind,
    Party, Source, SourceRole,
};
use serde_json::{json, Value};

/// The schema directory, beside the `tests` package.
const SCHEMA_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../events-schema");
/// Every schema's `$id` is this base plus its file name, so relative `$ref`s resolve.
const BASE_URI: &str = "https://amity.example/events-schema/";
/// The shared definitions of version 1.
const COMMON_V1: &str = "common.v1.schema.json";
const MILESTONE_V1: &str = "MilestoneRecorded.v1.schema.json";
/// The party register's event types (their own family, in `party/KEY` and `party-links`).
const REGISTER_V1: [&str; 3] = [
    "PartyRegistered.v1.schema.json",
    "PartyAliased.v1.schema.json",
    "PartiesLinked.v1.schema.json",
];
const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

// ---------------------------------------------------------------------------------------------
// Loading the schemas
// ---------------------------------------------------------------------------------------------

fn schema_file(event_type: EventType, version: u32) -> String {
    format!("{}.v{version}.schema.json", event_type.name())
}

/// Every `*.json` file of the schema directory, parsed, by file name.
fn schema_files() -> &'static BTreeMap<String, Value> {
    static FILES: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = Path::new(SCHEMA_DIR);
        let entries = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot read schema directory {}: {e}", dir.display()));
        let mut files = BTreeMap::new();
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("UTF-8 file name")
                .to_owned();
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let value: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{name} is not valid JSON: {e}"));
            files.insert(name, value);
        }
        files
    })
}

/// A validator per event schema file, with every file of the directory registered under its
/// `$id` (remote resolving is off, so `common.v1.schema.json` must be in the registry).
fn validators() -> &'static BTreeMap<String, jsonschema::Validator> {
    static VALIDATORS: OnceLock<BTreeMap<String, jsonschema::Validator>> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        let files = schema_files();
        let registry = jsonschema::Registry::new()
            .extend(
                files
                    .iter()
                    .map(|(name, schema)| (format!("{BASE_URI}{name}"), schema)),
            )
            .expect("schema ids are valid URIs")
            .prepare()
            .unwrap_or_else(|e| panic!("cannot prepare the schema registry: {e}"));
        files
            .iter()
            .filter(|(name, _)| !name.starts_with("common."))
            .map(|(name, schema)| {
                let validator = jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .with_registry(&registry)
                    .should_validate_formats(true)
                    .build(schema)
                    .unwrap_or_else(|e| panic!("{name} does not compile: {e}"));
                (name.clone(), validator)
            })
            .collect()
    })
}

/// The schema errors of `payload` as the current version of `event_type`; empty when valid.
fn schema_errors(event_type: EventType, payload: &Value) -> Vec<String> {
    let file = schema_file(event_type, SCHEMA_VERSION);
    let validator = validators()
        .get(&file)
        .unwrap_or_else(|| panic!("no schema file {file}"));
    validator
        .iter_errors(payload)
        .map(|error| format!("{error} (at `{}`)", error.instance_path().as_str()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Samples
// ---------------------------------------------------------------------------------------------

fn date(text: &str) -> EdtfDate {
    EdtfDate::parse(text).expect("valid EDTF")
}

fn target_id() -> EventId {
    EventId::from_u128(0x0192_3c4d_5e6f_7a8b_9c0d_1e2f_3a4b_5c6d)
}

/// The entry the full lifecycle samples are alternative claims to.
fn alternative_id() -> EventId {
    EventId::from_u128(0x0192_3c4d_5e6f_7a8b_9c0d_1e2f_3a4b_5c6e)
}

/// The body of each type, from a partnership, facts, (for lifecycle events) the entry it is an
/// alternative claim to, and (for retractions) a reason.
///
/// Matches exhaustively: a new event type does not compile until it has a sample.
fn sample(
    event_type: EventType,
    partnership: Partnership,
    facts: Facts,
    alternative_to: Option<EventId>,
    reason: &str,
) -> Event {
    match event_type {
        EventType::PartnershipFounded
        | EventType::PartnershipAttested
        | EventType::PartnershipSuspended
        | EventType::PartnershipReinstated
        | EventType::PartnershipTerminated
        | EventType::PartnershipReaffirmed => {
            let event = Event::claim(
                event_type,
                partnership.clone(),
                facts.clone(),
                alternative_to,
            );
            assert_eq!(
                event.as_lifecycle(),
                Some(&Lifecycle {
                    partnership: partnership.into(),
                    alternative_to,
                    facts
                })
            );
            event
        }
        EventType::EntryRetracted => Event::Retracted(Retraction {
            target: target_id(),
            reason: reason.to_owned(),
            facts,
        }),
        EventType::SourceCited => Event::Cited(Citation {
            target: target_id(),
            facts,
        }),
    }
}

/// Every optional field populated, with exhaustive struct literals: a new field in a payload
/// type does not compile until it is set here (and then the schema must allow it).
fn full_sample(event_type: EventType) -> Event {
    let colorado_springs = Party {
        name: "Colorado Springs".to_owned(),
        country: "US".to_owned(),
        subdivision: Some("US-CO".to_owned()),
        wikidata: Some("Q49258".to_owned()),
        qualifier: Some("q49258".to_owned()),
    };
    let smolensk = Party::new("Smolensk", "RU", None, None).expect("valid party");
    let partnership = Partnership {
        parties: [colorado_springs.clone(), smolensk],
        kind: PartnershipKind::new("Friendship City"),
    };
    assert_ne!(partnership.kind, PartnershipKind::default());
    let facts = Facts {
        occurred: Occurred::Date(date("2022-03-03~")),
        term_as_written: Some("indefinitely suspended".to_owned()),
        sources: vec![
            Source {
                title: "Council resolution 2022-41".to_owned(),
                publisher: Some("City of Colorado Springs".to_owned()),
                url: Some("https://example.org/council/2022-41".to_owned()),
                published: Some(date("2022-03-04")),
                locator: Some("§ 2".to_owned()),
                role: Some(SourceRole::Primary),
            },
            Source {
                title: "Sister-city ties frozen".to_owned(),
                publisher: None,
                url: None,
                published: Some(date("[2022-02-28,2022-03-28]")),
                locator: None,
                role: Some(SourceRole::Secondary),
            },
        ],
        certainty: Certainty::Probable,
        initiated_by: Some(colorado_springs.key()),
        note: Some("Both councils were asked; only one answered.".to_owned()),
    };
    sample(
        event_type,
        partnership,
        facts,
        Some(alternative_id()),
        "The resolution was about another city.",
    )
}

/// Unknown date, no sources, no options.
fn minimal_sample(event_type: EventType) -> Event {
    let bristol = Party::new("Bristol", "GB", None, None).expect("valid party");
    let bordeaux = Party::new("Bordeaux", "FR", None, None).expect("valid party");
    let partnership =
        Partnership::new(bristol, bordeaux, PartnershipKind::default()).expect("two parties");
    let facts = Facts {
        occurred: Occurred::Unknown,
        term_as_written: None,
        sources: Vec::new(),
        certainty: Certainty::default(),
        initiated_by: None,
        note: None,
    };
    sample(event_type, partnership, facts, None, "duplicate")
}

fn encoded(event: &Event) -> Value {
    serde_json::from_str(&event.encode()).expect("encode writes JSON")
}

// ---------------------------------------------------------------------------------------------
// Walking a schema beside an instance
// ---------------------------------------------------------------------------------------------

/// A subschema: a file and a JSON pointer into it.
type Location = (String, String);

fn resolve(location: &Location) -> &'static Value {
    let (file, pointer) = location;
    schema_files()
        .get(file)
        .unwrap_or_else(|| panic!("no schema file {file}"))
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no subschema {file}#{pointer}"))
}

/// Follows `$ref`s (relative to the current file) to the subschema that has the structure.
fn follow_refs(mut location: Location) -> Location {
    while let Some(reference) = resolve(&location).get("$ref").and_then(Value::as_str) {
        let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let file = if file.is_empty() {
            location.0
        } else {
            file.to_owned()
        };
        location = (file, pointer.to_owned());
    }
    location
}

/// What the walk found: per object subschema, its declared, required and written properties.
#[derive(Default)]
struct Coverage {
    declared: BTreeMap<Location, BTreeSet<String>>,
    written: BTreeMap<Location, BTreeSet<String>>,
    /// Objects whose keys differ from their schema's `required`, as `(where, keys, required)`.
    not_exactly_required: Vec<(String, BTreeSet<String>, BTreeSet<String>)>,
}

fn names(value: Option<&Value>) -> BTreeSet<String> {
    match value {
        Some(Value::Object(map)) => map.keys().cloned().collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().expect("names are strings").to_owned())
            .collect(),
        _ => BTreeSet::new(),
    }
}

/// Walks objects (`properties`) and arrays (`items`); `anyOf` holds no objects in these schemas.
fn walk(location: Location, instance: &Value, path: &str, coverage: &mut Coverage) {
    let location = follow_refs(location);
    let schema = resolve(&location);
    match instance {
        Value::Object(map) => {
            let Some(properties) = schema.get("properties") else {
                return;
            };
            let keys: BTreeSet<String> = map.keys().cloned().collect();
            let required = names(schema.get("required"));
            if keys != required {
                coverage
                    .not_exactly_required
                    .push((path.to_owned(), keys.clone(), required));
            }
            coverage
                .declared
                .insert(location.clone(), names(Some(properties)));
            coverage
                .written
                .entry(location.clone())
                .or_default()
                .extend(keys);
            for (key, value) in map {
                if properties.get(key).is_some() {
                    let pointer = format!("{}/properties/{key}", location.1);
                    walk(
                        (location.0.clone(), pointer),
                        value,
                        &format!("{path}/{key}"),
                        coverage,
                    );
                }
            }
        }
        Value::Array(items) if schema.get("items").is_some() => {
            let pointer = format!("{}/items", location.1);
            for (index, item) in items.iter().enumerate() {
                walk(
                    (location.0.clone(), pointer.clone()),
                    item,
                    &format!("{path}/{index}"),
                    coverage,
                );
            }
        }
        _ => {}
    }
}

fn coverage(event_type: EventType, payload: &Value) -> Coverage {
    let mut coverage = Coverage::default();
    let root = (schema_file(event_type, SCHEMA_VERSION), String::new());
    walk(root, payload, "", &mut coverage);
    coverage
}

// ---------------------------------------------------------------------------------------------
// The files
// ---------------------------------------------------------------------------------------------

#[test]
fn schema_files_are_exactly_one_per_type_and_version() {
    let found: BTreeSet<String> = schema_files().keys().cloned().collect();
    let mut expected: BTreeSet<String> = EventType::ALL
        .into_iter()
        .flat_map(|t| (1..=SCHEMA_VERSION).map(move |v| schema_file(t, v)))
        .collect();
    expected.insert(COMMON_V1.to_owned());
    expected.insert(MILESTONE_V1.to_owned());
    expected.extend(REGISTER_V1.iter().map(|name| (*name).to_owned()));
    // Shared definitions: v1 is required, later versions may add their own.
    let optional: BTreeSet<String> = (1..=SCHEMA_VERSION)
        .map(|v| format!("common.v{v}.schema.json"))
        .collect();
    let missing: Vec<_> = expected.difference(&found).collect();
    let stray: Vec<_> = found
        .difference(&expected)
        .filter(|name| !optional.contains(*name))
        .collect();
    assert!(
        missing.is_empty() && stray.is_empty(),
        "events-schema/ must hold one file per (type, version) up to v{SCHEMA_VERSION} plus \
         {COMMON_V1}; missing: {missing:?}, stray (unknown type or version): {stray:?}"
    );
    let entries = std::fs::read_dir(SCHEMA_DIR).expect("schema directory");
    for entry in entries {
        let name = entry.expect("entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            name.ends_with(".schema.json") || name == "README.md",
            "stray file in events-schema/: {name}"
        );
    }
}

#[test]
fn schema_files_identify_themselves() {
    for (name, schema) in schema_files() {
        assert_eq!(schema["$schema"], DRAFT_2020_12, "{name}: $schema");
        assert_eq!(
            schema["$id"].as_str(),
            Some(format!("{BASE_URI}{name}").as_str()),
            "{name}: $id must be the base URI plus the file name"
        );
        for keyword in ["title", "description"] {
            let text = schema[keyword].as_str().unwrap_or_default();
            assert!(!text.trim().is_empty(), "{name}: needs a {keyword}");
        }
    }
    // Every event schema compiles (meta-schema validation included), with its refs resolved.
    assert_eq!(
        validators().len(),
        EventType::ALL.len() * SCHEMA_VERSION as usize + 1 + REGISTER_V1.len()
    );
}

#[test]
fn every_object_schema_forbids_unknown_fields() {
    fn check(name: &str, pointer: &str, schema: &Value, problems: &mut Vec<String>) {
        match schema {
            Value::Object(map) => {
                let is_object =
                    map.get("type") == Some(&json!("object")) || map.contains_key("properties");
                if is_object && map.get("additionalProperties") != Some(&json!(false)) {
                    problems.push(format!("{name}#{pointer}"));
                }
                for (key, value) in map {
                    check(name, &format!("{pointer}/{key}"), value, problems);
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    check(name, &format!("{pointer}/{index}"), item, problems);
                }
            }
            _ => {}
        }
    }
    let mut problems = Vec::new();
    for (name, schema) in schema_files() {
        check(name, "", schema, &mut problems);
    }
    assert!(
        problems.is_empty(),
        "object schemas without \"additionalProperties\": false: {problems:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Samples: valid, round trip, and in step with the schema
// ---------------------------------------------------------------------------------------------

fn assert_valid_and_round_trips(event: &Event) -> Value {
    let event_type = event.event_type();
    let payload = encoded(event);
    let errors = schema_errors(event_type, &payload);
    assert!(
        errors.is_empty(),
        "{event_type} v{SCHEMA_VERSION}: the encoded payload breaks its schema: {errors:#?}\n\
         payload: {payload:#}"
    );
    let decoded = Event::decode(event_type.name(), SCHEMA_VERSION, event.encode().as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        &decoded, event,
        "{event_type}: decode(encode(event)) != event"
    );
    payload
}

#[test]
fn full_samples_match_their_schema_and_round_trip() {
    for event_type in EventType::ALL {
        let event = full_sample(event_type);
        let payload = assert_valid_and_round_trips(&event);
        // Every property the schema declares is written by the full sample: a field the Rust
        // type no longer has (or never had) shows up here.
        let coverage = coverage(event_type, &payload);
        for (location, declared) in &coverage.declared {
            let written = &coverage.written[location];
            let unused: Vec<_> = declared.difference(written).collect();
            assert!(
                unused.is_empty(),
                "{event_type}: {}#{} declares properties the full sample never writes: \
                 {unused:?} (a Rust field removed or renamed, or the sample incomplete)",
                location.0,
                location.1
            );
        }
    }
}

#[test]
fn minimal_samples_match_their_schema_and_round_trip() {
    for event_type in EventType::ALL {
        let event = minimal_sample(event_type);
        let payload = assert_valid_and_round_trips(&event);
        assert_eq!(payload["occurred"], Value::Null, "unknown is null");
        assert_eq!(
            payload["sources"],
            json!([]),
            "no sources is an empty array"
        );
        // What `encode` always writes is exactly what the schema requires, at every level.
        let coverage = coverage(event_type, &payload);
        assert!(
            coverage.not_exactly_required.is_empty(),
            "{event_type}: the minimal payload's keys differ from `required` (where, keys, \
             required): {:#?}",
            coverage.not_exactly_required
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Refused by both the schema and the decoder
// ---------------------------------------------------------------------------------------------

fn assert_refused(event_type: EventType, payload: &Value, why: &str) {
    assert!(
        !schema_errors(event_type, payload).is_empty(),
        "{event_type}: the schema accepts a payload with {why}: {payload:#}"
    );
    let bytes = serde_json::to_vec(payload).expect("JSON");
    assert!(
        Event::decode(event_type.name(), SCHEMA_VERSION, &bytes).is_err(),
        "{event_type}: the decoder accepts a payload with {why}: {payload:#}"
    );
}

fn set(mut payload: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    payload
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("no object at {parent}"))
        .insert(key.to_owned(), value);
    payload
}

fn remove(mut payload: Value, key: &str) -> Value {
    payload
        .as_object_mut()
        .expect("an object")
        .remove(key)
        .unwrap_or_else(|| panic!("no field {key}"));
    payload
}

#[test]
fn unknown_fields_are_refused() {
    for event_type in EventType::ALL {
        for payload in [
            encoded(&full_sample(event_type)),
            encoded(&minimal_sample(event_type)),
        ] {
            assert_refused(
                event_type,
                &set(payload.clone(), "/colour", json!("blue")),
                "an unknown top-level field",
            );
            if event_type.is_lifecycle() {
                for pointer in ["/partnership/since", "/partnership/parties/0/population"] {
                    assert_refused(
                        event_type,
                        &set(payload.clone(), pointer, json!(1)),
                        &format!("an unknown field {pointer}"),
                    );
                }
            }
        }
        let with_source = encoded(&full_sample(event_type));
        assert_refused(
            event_type,
            &set(with_source, "/sources/0/isbn", json!("978-0")),
            "an unknown source field",
        );
    }
}

#[test]
fn lifecycle_events_need_their_partnership() {
    for event_type in EventType::ALL.into_iter().filter(|t| t.is_lifecycle()) {
        for payload in [
            encoded(&full_sample(event_type)),
            encoded(&minimal_sample(event_type)),
        ] {
            assert_refused(
                event_type,
                &remove(payload, "partnership"),
                "no partnership",
            );
        }
    }
}

#[test]
fn unknown_certainty_is_refused() {
    for event_type in EventType::ALL {
        for certainty in [json!("certain"), json!("Confirmed"), json!(null), json!(1)] {
            let payload = set(
                encoded(&minimal_sample(event_type)),
                "/certainty",
                certainty,
            );
            assert_refused(event_type, &payload, "an unknown certainty");
        }
        assert_refused(
            event_type,
            &remove(encoded(&minimal_sample(event_type)), "certainty"),
            "no certainty",
        );
    }
}

#[test]
fn each_shape_refuses_the_fields_of_the_others() {
    let lifecycle = encoded(&minimal_sample(EventType::PartnershipFounded));
    let retraction = encoded(&minimal_sample(EventType::EntryRetracted));
    let citation = encoded(&minimal_sample(EventType::SourceCited));
    let partnership = lifecycle["partnership"].clone();
    let target = json!(target_id().to_string());
    for event_type in EventType::ALL.into_iter().filter(|t| t.is_lifecycle()) {
        let payload = encoded(&minimal_sample(event_type));
        assert_refused(
            event_type,
            &set(payload.clone(), "/target", target.clone()),
            "a target",
        );
        assert_refused(
            event_type,
            &set(payload, "/reason", json!("wrong")),
            "a reason",
        );
    }
    // `alternative_to` is a lifecycle event's: well formed there, refused elsewhere.
    for event_type in EventType::ALL.into_iter().filter(|t| t.is_lifecycle()) {
        let payload = encoded(&minimal_sample(event_type));
        let alternative = set(payload.clone(), "/alternative_to", target.clone());
        assert_eq!(
            schema_errors(event_type, &alternative),
            Vec::<String>::new()
        );
        let bytes = serde_json::to_vec(&alternative).expect("JSON");
        let decoded = Event::decode(event_type.name(), SCHEMA_VERSION, &bytes).expect("decodes");
        assert_eq!(decoded.alternative_to(), Some(target_id()));
        assert_refused(
            event_type,
            &set(payload, "/alternative_to", json!("1983")),
            "an alternative_to that is not a UUID",
        );
    }
    for (event_type, payload) in [
        (EventType::EntryRetracted, &retraction),
        (EventType::SourceCited, &citation),
    ] {
        assert_refused(
            event_type,
            &set(payload.clone(), "/alternative_to", target.clone()),
            "an alternative_to",
        );
    }
    let retracted = EventType::EntryRetracted;
    assert_refused(
        retracted,
        &set(retraction.clone(), "/partnership", partnership.clone()),
        "a partnership",
    );
    assert_refused(
        retracted,
        &remove(retraction.clone(), "target"),
        "no target",
    );
    assert_refused(
        retracted,
        &remove(retraction.clone(), "reason"),
        "no reason",
    );
    assert_refused(
        retracted,
        &set(retraction, "/target", json!("not-a-uuid")),
        "a target that is not a UUID",
    );
    let cited = EventType::SourceCited;
    assert_refused(
        cited,
        &set(citation.clone(), "/partnership", partnership),
        "a partnership",
    );
    assert_refused(
        cited,
        &set(citation.clone(), "/reason", json!("why")),
        "a reason",
    );
    assert_refused(cited, &remove(citation, "target"), "no target");
}

#[test]
fn malformed_values_are_refused() {
    let founded = EventType::PartnershipFounded;
    let payload = encoded(&full_sample(founded));
    let one_party = json!([payload["partnership"]["parties"][0].clone()]);
    assert_refused(
        founded,
        &set(payload.clone(), "/partnership/parties", one_party),
        "one party",
    );
    assert_refused(
        founded,
        &set(payload.clone(), "/occurred", json!(1993)),
        "a numeric date",
    );
    assert_refused(
        founded,
        &set(payload.clone(), "/occurred", json!("")),
        "an empty date",
    );
    assert_refused(
        founded,
        &set(payload.clone(), "/occurred", json!("3 March 2022")),
        "a date that is not EDTF",
    );
    assert_refused(
        founded,
        &set(payload.clone(), "/sources/0/role", json!("tertiary")),
        "an unknown source role",
    );
    assert_refused(
        founded,
        &set(payload, "/sources", json!({})),
        "sources that are not a list",
    );
}

// ---------------------------------------------------------------------------------------------
// Milestones (a ledger-wide event family of their own)
// ---------------------------------------------------------------------------------------------

fn milestone_errors(payload: &Value) -> Vec<String> {
    validators()[MILESTONE_V1]
        .iter_errors(payload)
        .map(|error| error.to_string())
        .collect()
}

#[test]
fn milestones_match_their_schema_and_round_trip() {
    use amity_domain::{Milestone, MILESTONE_RECORDED};
    let full = Milestone {
        key: "roundtable-2022-03-22".parse().unwrap(),
        title: "US–Russia sister-city roundtable".to_owned(),
        occurred: date("2022-03-22"),
        sources: vec![amity_domain::Source {
            title: "Email of 23 March 2022".to_owned(),
            publisher: Some("Sister Cities International".to_owned()),
            url: Some("https://youtu.be/3r80ILk6Ldo".to_owned()),
            published: Some(date("2022-03-23")),
            locator: Some("Yesterday, we conducted a round table".to_owned()),
            role: Some(amity_domain::SourceRole::Primary),
        }],
        note: Some("held online".to_owned()),
    };
    let minimal = Milestone {
        sources: Vec::new(),
        note: None,
        ..full.clone()
    };
    for milestone in [full, minimal] {
        let payload: Value = serde_json::from_str(&milestone.encode()).unwrap();
        assert_eq!(milestone_errors(&payload), Vec::<String>::new());
        let back = Milestone::decode(
            MILESTONE_RECORDED,
            SCHEMA_VERSION,
            milestone.encode().as_bytes(),
        );
        assert_eq!(back.unwrap(), milestone);
    }
    let mut extra: Value = serde_json::from_str(&minimal_milestone()).unwrap();
    extra["partnership"] = json!("x");
    assert!(!milestone_errors(&extra).is_empty());
    assert!(Milestone::decode(
        MILESTONE_RECORDED,
        SCHEMA_VERSION,
        extra.to_string().as_bytes()
    )
    .is_err());
    let mut dateless: Value = serde_json::from_str(&minimal_milestone()).unwrap();
    dateless["occurred"] = Value::Null;
    assert!(!milestone_errors(&dateless).is_empty());
    assert!(Milestone::decode(
        MILESTONE_RECORDED,
        SCHEMA_VERSION,
        dateless.to_string().as_bytes()
    )
    .is_err());
}

fn minimal_milestone() -> String {
    r#"{"key":"invasion-2022-02-24","title":"Invasion","occurred":"2022-02-24","sources":[]}"#
        .to_owned()
}

// ---------------------------------------------------------------------------------------------
// The party register (registrations, aliases, links)
// ---------------------------------------------------------------------------------------------

#[test]
fn register_events_match_their_schemas_and_round_trip() {
    use amity_domain::register::{Aliases, Unlink};
    use amity_domain::{Link, PartyKind, RegisterEvent, Registration, Relation};
    let source = amity_domain::Source {
        title: "Wikidata".to_owned(),
        ..amity_domain::Source::default()
    };
    let krakow = Party::new("Kraków", "PL", Some("PL-12"), Some("Q31487")).unwrap();
    let qualified = Party::new("Frankenberg", "DE", None, Some("Q573603"))
        .unwrap()
        .qualified("q573603");
    let events = [
        RegisterEvent::Registered(Box::new(Registration {
            key: krakow.key(),
            party: krakow.clone(),
            kind: Some(PartyKind::City),
            geonames: Some(3_094_802),
            coordinates: Some((50.06, 19.94)),
            aliases: vec!["Krakow".to_owned(), "Cracow".to_owned()],
            sources: vec![source.clone()],
            note: Some("from Wikidata".to_owned()),
        })),
        RegisterEvent::Registered(Box::new(Registration {
            key: qualified.key(),
            party: qualified,
            kind: None,
            geonames: None,
            coordinates: None,
            aliases: Vec::new(),
            sources: Vec::new(),
            note: None,
        })),
        RegisterEvent::Aliased(Aliases {
            key: krakow.key(),
            aliases: vec!["Krakau".to_owned()],
            sources: vec![source.clone()],
            note: None,
        }),
        RegisterEvent::Linked(Link {
            relation: Relation::SameAs,
            a: "us-co:colorado-springs".parse().unwrap(),
            b: "us:colorado-springs".parse().unwrap(),
            sources: vec![source],
            note: Some("one city".to_owned()),
        }),
        RegisterEvent::Linked(Link {
            relation: Relation::SuccessorOf,
            a: "au:canterbury-bankstown".parse().unwrap(),
            b: "au:bankstown".parse().unwrap(),
            sources: Vec::new(),
            note: None,
        }),
    ];
    for event in events {
        let file = format!("{}.v1.schema.json", event.type_name());
        let payload: Value = serde_json::from_str(&event.encode()).unwrap();
        let errors: Vec<String> = validators()[&file]
            .iter_errors(&payload)
            .map(|error| error.to_string())
            .collect();
        assert_eq!(errors, Vec::<String>::new(), "{payload}");
        let back =
            RegisterEvent::decode(event.type_name(), SCHEMA_VERSION, event.encode().as_bytes());
        assert_eq!(back.unwrap(), event);
        // An unknown field is refused by schema and decoder alike.
        let mut extra = payload.clone();
        extra["partnership"] = json!("x");
        assert!(validators()[&file].iter_errors(&extra).next().is_some());
        assert!(RegisterEvent::decode(
            event.type_name(),
            SCHEMA_VERSION,
            extra.to_string().as_bytes()
        )
        .is_err());
    }
    // A link's retraction is an EntryRetracted payload.
    let unlink = RegisterEvent::Unlinked(Unlink {
        target: target_id(),
        reason: "not the same city".to_owned(),
        sources: Vec::new(),
    });
    let payload: Value = serde_json::from_str(&unlink.encode()).unwrap();
    assert_eq!(
        schema_errors(EventType::EntryRetracted, &payload),
        Vec::<String>::new()
    );
}
