//! The CLI surface of the query API: the same selectors on `status` as on the analyst views,
//! pages of long lists, shell completions and the manual page.

use serde_json::Value;

use super::*;

fn keys(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|item| item[field].as_str().expect("a text").to_owned())
        .collect()
}

#[test]
fn status_takes_the_cohort_selectors_and_pages() {
    let sandbox = Sandbox::new();
    sandbox.example();
    let all = sandbox.json(&["status"]);
    let all = keys(&all, "partnership");
    assert!(all.len() > 3, "{all:?}");
    let us_ru = sandbox.json(&["status", "--cohort", "RU:US"]);
    assert_eq!(keys(&us_ru, "partnership"), [CS_SMOLENSK]);
    let colorado = sandbox.json(&["status", "--region", "US-CO", "--kind", "sister-city"]);
    assert!(keys(&colorado, "partnership")
        .iter()
        .all(|id| id.contains(":") && id.contains("us-co:")));
    // Pages of the whole list, in its order.
    let page = sandbox.json(&["status", "--limit", "2", "--offset", "1"]);
    assert_eq!(keys(&page, "partnership"), all[1..3]);
    let past = sandbox.json(&["status", "--offset", "1000"]);
    assert_eq!(past, Value::Array(Vec::new()));
    // A partnership and a cohort do not go together.
    let run = sandbox.run(&["status", CS, SMOLENSK, "--cohort", "US:RU"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
}

#[test]
fn partners_and_parties_take_pages() {
    let sandbox = Sandbox::new();
    sandbox.example();
    let all = sandbox.json(&["partners", CS]);
    let names: Vec<String> = all
        .as_array()
        .expect("a list")
        .iter()
        .map(|row| row["partner"]["name"].as_str().expect("a name").to_owned())
        .collect();
    let page = sandbox.json(&["partners", CS, "--limit", "1", "--offset", "2"]);
    assert_eq!(page.as_array().map(Vec::len), Some(1));
    assert_eq!(page[0]["partner"]["name"], names[2]);
    let parties = sandbox.json(&["parties", "--limit", "3"]);
    assert_eq!(parties.as_array().map(Vec::len), Some(3));
}

#[test]
fn completions_and_the_manual_page_need_no_ledger() {
    let dir = tempfile::tempdir().expect("temp dir");
    for shell in ["bash", "zsh", "fish"] {
        let output = amity_in(dir.path())
            .args(["completions", shell])
            .output()
            .expect("amity runs");
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&output.stdout);
        assert!(script.contains("amity"), "{shell}: {script}");
        assert!(script.contains("partners"), "{shell}");
    }
    let output = amity_in(dir.path())
        .arg("man")
        .output()
        .expect("amity runs");
    assert!(output.status.success());
    let page = String::from_utf8_lossy(&output.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH amity 1"),
        "{page}"
    );
    assert!(
        page.contains(".SH SUBCOMMANDS") || page.contains("SUBCOMMANDS"),
        "{page}"
    );
    // Nothing was created where they ran.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn export_to_a_dash_is_standard_output_and_a_dry_run_creates_no_ledger() {
    let sandbox = Sandbox::new();
    sandbox.example();
    let out = sandbox.ok(&["export", "--format", "jsonl", "-"]);
    assert!(out.lines().count() > 10, "{out}");
    assert!(!sandbox.path().join("-").exists());
    // A dry run into a ledger that does not exist checks against an empty one, in memory.
    let archive = sandbox.path().join("archive.jsonl");
    std::fs::write(&archive, &out).unwrap();
    let fresh = sandbox.path().join("fresh.db");
    let output = amity_in(sandbox.path())
        .args(["--store", &format!("sqlite://{}", fresh.display())])
        .args(["import", "--format", "jsonl", "--dry-run"])
        .arg(&archive)
        .output()
        .expect("amity runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("dry run"));
    assert!(!fresh.exists(), "a dry run created {}", fresh.display());
}

#[test]
fn history_shows_the_party_that_took_the_step() {
    let sandbox = Sandbox::new();
    sandbox.record("found", "1993", &[]);
    sandbox.record("suspend", "2022-03-03", &["--by", CS]);
    let table = sandbox.ok(&["history", CS, SMOLENSK]);
    assert!(table.contains("by us-co:colorado-springs"), "{table}");
}

#[test]
fn tables_never_cut_an_id_in_two() {
    let sandbox = Sandbox::new();
    let id = sandbox.record("found", "1993", &[]);
    // A narrow terminal: other columns wrap, the ids stay whole.
    let output = amity_in(sandbox.path())
        .env("COLUMNS", "80")
        .args(["--store", &sandbox.store, "history", CS, SMOLENSK])
        .output()
        .expect("amity runs");
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains(&id), "{table}");
    let output = amity_in(sandbox.path())
        .env("COLUMNS", "60")
        .args(["--store", &sandbox.store, "status"])
        .output()
        .expect("amity runs");
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains(CS_SMOLENSK), "{table}");
}
