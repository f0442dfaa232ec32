//! The JSON Schemas of the query answers, in `docs/schemas/`, are the ones the answer types
//! generate (`schemars`, JSON Schema 2020-12): every surface (the CLI's `--format json`, the
//! coming HTTP API) gives documents these schemas describe. When a type changes, regenerate
//! them with `AMITY_WRITE_SCHEMAS=1 cargo test -p amity-tests --test it answers` and commit.

use std::path::PathBuf;

use amity_projections::analysis::{Change, Outcomes, Point};
use amity_projections::query::{HistoryAnswer, PartyMatch};
use amity_projections::{PartnerView, StatusView};

/// The schema of the documents a type serializes to (fields it may leave out are optional).
fn schema_of<T: schemars::JsonSchema>() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    serde_json::to_value(generator.into_root_schema_for::<T>()).expect("a schema")
}

fn schemas() -> Vec<(&'static str, serde_json::Value)> {
    vec![
        ("status", schema_of::<Vec<StatusView>>()),
        ("history", schema_of::<HistoryAnswer>()),
        ("partners", schema_of::<Vec<PartnerView>>()),
        ("parties", schema_of::<Vec<PartyMatch>>()),
        ("outcomes", schema_of::<Outcomes>()),
        ("changes", schema_of::<Vec<Change>>()),
        ("series", schema_of::<Vec<Point>>()),
        ("milestones", schema_of::<Vec<amity_domain::Milestone>>()),
    ]
}

#[test]
fn the_answer_schemas_in_docs_are_the_ones_the_types_generate() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/schemas");
    let write = std::env::var_os("AMITY_WRITE_SCHEMAS").is_some();
    let mut stale = Vec::new();
    for (name, schema) in schemas() {
        assert_eq!(
            schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name}"
        );
        let path = dir.join(format!("{name}.answer.schema.json"));
        let text = serde_json::to_string_pretty(&schema).expect("JSON") + "\n";
        if write {
            std::fs::create_dir_all(&dir).expect("docs/schemas");
            std::fs::write(&path, &text).expect("write the schema");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "out of date (regenerate with AMITY_WRITE_SCHEMAS=1): {stale:?}"
    );
}

/// A document an answer gives validates against its schema (the CLI's JSON is the answer).
#[test]
fn an_answer_validates_against_its_schema() {
    let schema = schema_of::<HistoryAnswer>();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let document = serde_json::json!({
        "partnership": "ru:smolensk+us-co:colorado-springs",
        "parties": [
            {"name": "Colorado Springs", "country": "US", "subdivision": "US-CO"},
            {"name": "Smolensk", "country": "RU"}
        ],
        "kind": "sister-city",
        "status": "suspended",
        "since": "2022-03-03~",
        "first_attested": null,
        "conflict": null,
        "events": []
    });
    let errors: Vec<String> = validator
        .iter_errors(&document)
        .map(|e| e.to_string())
        .collect();
    assert_eq!(errors, Vec::<String>::new());
    let mut wrong = document.clone();
    wrong["status"] = serde_json::json!("dormant");
    assert!(validator.iter_errors(&wrong).next().is_some());
}
