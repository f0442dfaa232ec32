//! The CLI's JSON is the query API's answers, serialized: every query command's `--format
//! json` output on the example ledger validates against its schema in `docs/schemas/`.

use serde_json::Value;

use super::*;

fn validate(name: &str, document: &Value) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/schemas")
        .join(format!("{name}.answer.schema.json"));
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("schema"))
        .expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:#?}\n{document:#}");
}

#[test]
fn every_query_commands_json_is_its_answer() {
    let sandbox = Sandbox::new();
    sandbox.example();
    validate("status", &sandbox.json(&["status"]));
    validate("status", &sandbox.json(&["status", "--as-of", "2022-03"]));
    validate("history", &sandbox.history(&[CS_SMOLENSK]));
    validate("partners", &sandbox.json(&["partners", CS]));
    validate("parties", &sandbox.json(&["parties", "col"]));
    let window = [
        "--cohort",
        "US:RU",
        "--from",
        "2022-02-24",
        "--to",
        "2022-03-22",
    ];
    let mut outcomes = vec!["outcomes"];
    outcomes.extend(window);
    validate("outcomes", &sandbox.json(&outcomes));
    let mut changes = vec!["changes"];
    changes.extend(window);
    validate("changes", &sandbox.json(&changes));
    validate(
        "series",
        &sandbox.json(&[
            "series", "--cohort", "US:RU", "--from", "2020", "--to", "2023",
        ]),
    );
    validate("milestones", &sandbox.json(&["milestone", "list"]));
}
