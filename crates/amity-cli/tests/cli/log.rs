//! The verifiable log end to end: a signing key, checkpoints kept in the ledger, proofs any
//! RFC 9162 verifier can check, and `verify` finding edits made behind the ledger's back in
//! the SQLite file (exit 5), or events no checkpoint covers yet (exit 6).

use super::*;

/// A ledger with the example, a signing key (`signing.key`) and its verifier key
/// (`verifier.pub`) in the sandbox's folder.
fn signed_example() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.example();
    let key = sandbox.path().join("signing.key");
    let verifier = sandbox.ok(&["key", "generate", key.to_str().unwrap()]);
    std::fs::write(sandbox.path().join("verifier.pub"), &verifier).unwrap();
    sandbox
}

impl Sandbox {
    fn file(&self, name: &str) -> String {
        self.path().join(name).display().to_string()
    }

    fn checkpoint(&self) -> String {
        self.ok(&["checkpoint", "--signing-key", &self.file("signing.key")])
    }

    /// `verify --key verifier.pub [ARGS…]`.
    fn verify(&self, extra: &[&str]) -> Run {
        let key = self.file("verifier.pub");
        let mut args = vec!["verify", "--key", key.as_str()];
        args.extend(extra);
        self.run(&args)
    }

    /// Run SQL on the ledger file, as someone editing it behind the ledger's back.
    fn tamper(&self, sql: &str) {
        let connection = rusqlite::Connection::open(self.path().join("ledger.db")).unwrap();
        connection.execute_batch(sql).unwrap();
    }

    /// The id of the event at a position of the ledger file's feed.
    fn event_at(&self, position: i64) -> String {
        let connection = rusqlite::Connection::open(self.path().join("ledger.db")).unwrap();
        let bytes: Vec<u8> = connection
            .query_row(
                "SELECT event_id FROM events WHERE position = ?1",
                [position],
                |row| row.get(0),
            )
            .unwrap();
        uuid::Uuid::from_slice(&bytes).unwrap().to_string()
    }

    /// The position of the first event whose payload holds `text`.
    fn position_of(&self, text: &str) -> i64 {
        let connection = rusqlite::Connection::open(self.path().join("ledger.db")).unwrap();
        connection
            .query_row(
                "SELECT min(position) FROM events WHERE CAST(payload AS TEXT) LIKE ?1",
                [format!("%{text}%")],
                |row| row.get(0),
            )
            .unwrap()
    }
}

#[test]
fn a_signing_key_is_private_and_never_written_over_a_file() {
    let sandbox = signed_example();
    let key = sandbox.path().join("signing.key");
    let text = std::fs::read_to_string(&key).unwrap();
    assert!(text.starts_with("PRIVATE+KEY+amity/"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The verifier key: origin amity/<first event id>, key hash, base64.
    let verifier = std::fs::read_to_string(sandbox.path().join("verifier.pub")).unwrap();
    assert!(
        amity_log::VerifierKey::parse(verifier.trim()).is_ok(),
        "{verifier}"
    );
    let run = sandbox.run(&["key", "generate", key.to_str().unwrap()]);
    assert!(!run.success);
    assert!(run.stderr.contains("never written over a file"), "{run:?}");
    assert_eq!(
        std::fs::read_to_string(&key).unwrap(),
        text,
        "the key is untouched"
    );
}

#[test]
fn given_a_checkpoint_then_the_untouched_ledger_verifies_and_later_events_are_not_covered() {
    let sandbox = signed_example();
    // No checkpoint yet: nothing is wrong, but nothing is covered either.
    let run = sandbox.verify(&[]);
    assert_eq!(run.code, Some(6), "{run:?}");
    assert!(run.stderr.contains("not covered"), "{run:?}");
    let note = sandbox.checkpoint();
    let lines: Vec<&str> = note.lines().collect();
    assert!(lines[0].starts_with("amity/"), "{note}");
    let size: u64 = lines[1].parse().unwrap();
    let report = sandbox.json(&["verify", "--key", &sandbox.file("verifier.pub")]);
    assert_eq!(
        report["tree_size"], size,
        "every stored event, milestones too"
    );
    assert_eq!(report["covered"], size);
    let run = sandbox.verify(&[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    // A new event is not covered until the next checkpoint.
    sandbox.ok(&[
        "attest",
        CS,
        "Kaohsiung, TW",
        "--occurred",
        "2026-12",
        "--source-title",
        "list",
    ]);
    let run = sandbox.verify(&[]);
    assert_eq!(run.code, Some(6), "{run:?}");
    assert!(run.stderr.contains("1 events recorded after"), "{run:?}");
    sandbox.checkpoint();
    assert_eq!(sandbox.verify(&[]).code, Some(0));
}

/// Which event `verify` must name first: the one at a position (before the edit) as the first
/// bad event, one gone from the feed (named in the message), or a forged one.
enum Named {
    At(i64),
    Gone(i64),
    Forged(&'static str),
}

#[test]
fn verify_finds_edits_made_to_the_ledger_file_and_names_the_first_bad_event() {
    type Case = (
        &'static str,
        fn(&Sandbox) -> String,
        fn(&Sandbox) -> Named,
        &'static str,
    );
    let cases: [Case; 8] = [
        (
            "one payload byte",
            |_| {
                "UPDATE events SET payload = CAST(REPLACE(CAST(payload AS TEXT), '\"1993\"', \
                 '\"1994\"') AS BLOB) WHERE CAST(payload AS TEXT) LIKE '%\"1993\"%';"
                    .to_owned()
            },
            |sandbox| Named::At(sandbox.position_of("\"1993\"")),
            "it was changed",
        ),
        (
            "a recorded_at",
            |_| "UPDATE events SET recorded_at = recorded_at + 1 WHERE position = 2;".to_owned(),
            |_| Named::At(2),
            "it was changed",
        ),
        (
            "a stream name",
            |sandbox| {
                format!(
                    "UPDATE streams SET name = 'ru:smolensk+us-co:pueblo' WHERE stream_no = \
                     (SELECT stream_no FROM events WHERE position = {});",
                    sandbox.position_of("\"1993\"")
                )
            },
            |sandbox| Named::At(sandbox.position_of("\"1993\"")),
            "it was changed",
        ),
        (
            "a row deleted",
            |_| "DELETE FROM events WHERE position = 3;".to_owned(),
            |_| Named::Gone(3),
            "it was deleted",
        ),
        (
            "the feed truncated",
            |_| "DELETE FROM events WHERE position > 20;".to_owned(),
            |_| Named::Gone(21),
            "no longer in the feed",
        ),
        (
            "two rows' positions swapped",
            |_| {
                "UPDATE events SET position = -1 WHERE position = 1; \
                 UPDATE events SET position = 1 WHERE position = 2; \
                 UPDATE events SET position = 2 WHERE position = -1;"
                    .to_owned()
            },
            // The event that was second now stands first.
            |_| Named::At(2),
            "inserted or moved",
        ),
        (
            "a forged row inserted (its stream too)",
            |_| {
                "UPDATE events SET position = -position WHERE position >= 5; \
                 UPDATE events SET position = 1 - position WHERE position < 0; \
                 INSERT INTO streams (name, version) VALUES ('fr:paris+us-co:pueblo', 0); \
                 INSERT INTO events (position, stream_no, stream_version, event_id, event_type, \
                                     schema_version, payload, metadata, recorded_at) \
                 SELECT 5, (SELECT stream_no FROM streams WHERE name = 'fr:paris+us-co:pueblo'), \
                        0, X'f0f0f0f000004000800000000000000f', event_type, schema_version, \
                        payload, metadata, recorded_at FROM events WHERE position = 1;"
                    .to_owned()
            },
            |_| Named::Forged("f0f0f0f0-0000-4000-8000-00000000000f"),
            "inserted or moved",
        ),
        (
            "the last row deleted",
            |_| {
                "DELETE FROM events WHERE position = (SELECT MAX(position) FROM events);".to_owned()
            },
            |_| Named::Gone(28),
            "rolled back",
        ),
    ];
    for (what, sql, named, expected) in cases {
        let sandbox = signed_example();
        sandbox.checkpoint();
        assert_eq!(sandbox.verify(&[]).code, Some(0), "{what}: clean before");
        // The events named, as they were before the edit.
        let named = match named(&sandbox) {
            Named::At(position) => format!("first bad event {}", sandbox.event_at(position)),
            Named::Gone(position) => format!("event {}", sandbox.event_at(position)),
            Named::Forged(id) => format!("first bad event {id}"),
        };
        sandbox.tamper(&sql(&sandbox));
        let run = sandbox.verify(&[]);
        assert_eq!(run.code, Some(5), "{what}: {run:?}");
        // The error line says the first problem and the first bad event; every problem is
        // listed on stdout.
        assert!(run.stderr.contains(&named), "{what}: {named}: {run:?}");
        assert!(run.stderr.contains(expected), "{what}: {expected}: {run:?}");
    }
}

#[test]
fn a_rolled_back_store_is_found_by_the_published_checkpoint() {
    let sandbox = signed_example();
    sandbox.checkpoint();
    // The ledger as it stands: its file and SQLite's write-ahead log beside it.
    let files = ["ledger.db", "ledger.db-wal", "ledger.db-shm"];
    let before: Vec<Option<Vec<u8>>> = files
        .iter()
        .map(|name| std::fs::read(sandbox.path().join(name)).ok())
        .collect();
    sandbox.ok(&[
        "attest",
        CS,
        "Kaohsiung, TW",
        "--occurred",
        "2026-12",
        "--source-title",
        "list",
    ]);
    let published = sandbox.checkpoint();
    std::fs::write(sandbox.file("published.txt"), &published).unwrap();
    // The files put back as they were: the ledger's own checkpoints agree with it.
    for (name, content) in files.iter().zip(before) {
        let path = sandbox.path().join(name);
        match content {
            Some(content) => std::fs::write(path, content).unwrap(),
            None => {
                let _ = std::fs::remove_file(path);
            }
        }
    }
    assert_eq!(sandbox.verify(&[]).code, Some(0));
    let run = sandbox.verify(&["--checkpoint", &sandbox.file("published.txt")]);
    assert_eq!(run.code, Some(5), "{run:?}");
    assert!(run.stderr.contains("rolled back"), "{run:?}");
}

#[test]
fn a_checkpoint_signed_by_another_key_fails() {
    let sandbox = signed_example();
    let other = sandbox.file("other.key");
    sandbox.ok(&["key", "generate", &other]);
    sandbox.ok(&["checkpoint", "--signing-key", &other]);
    let run = sandbox.verify(&[]);
    assert_eq!(run.code, Some(5), "{run:?}");
    assert!(run.stderr.contains("no signature by key"), "{run:?}");
}

#[test]
fn proofs_verify_against_the_checkpoints() {
    let sandbox = signed_example();
    let first = sandbox.checkpoint();
    sandbox.ok(&[
        "attest",
        CS,
        "Kaohsiung, TW",
        "--occurred",
        "2026-12",
        "--source-title",
        "list",
    ]);
    let second = sandbox.checkpoint();
    let key = std::fs::read_to_string(sandbox.path().join("verifier.pub")).unwrap();
    let key = amity_log::VerifierKey::parse(key.trim()).unwrap();
    let first = amity_log::Checkpoint::open(first.as_bytes(), &key).unwrap();
    let second = amity_log::Checkpoint::open(second.as_bytes(), &key).unwrap();
    // Every event of the first checkpoint is in the second tree.
    let history = sandbox.history(&[CS_SMOLENSK]);
    let id = events(&history)[0]["event_id"].as_str().unwrap().to_owned();
    let proof: amity_log::InclusionProof = serde_json::from_str(&sandbox.ok(&[
        "proof",
        "inclusion",
        &id,
        "--size",
        &second.size.to_string(),
    ]))
    .unwrap();
    proof.verify(&second.root).unwrap();
    // The second tree extends the first.
    let consistency: amity_log::ConsistencyProof = serde_json::from_str(&sandbox.ok(&[
        "proof",
        "consistency",
        "--from",
        &first.size.to_string(),
        "--to",
        &second.size.to_string(),
    ]))
    .unwrap();
    consistency.verify(&first.root, &second.root).unwrap();
    assert!(consistency.verify(&second.root, &first.root).is_err());
}

#[test]
fn a_bad_key_file_names_the_file_and_the_line() {
    let sandbox = signed_example();
    std::fs::write(sandbox.file("bad.pub"), "not a key\n").unwrap();
    let run = sandbox.run(&["verify", "--key", &sandbox.file("bad.pub")]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("bad.pub"), "{run:?}");
    assert!(run.stderr.contains("line 1"), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
}

/// The example checkpointed and exported: `ledger.jsonl`, `cp.txt` and `verifier.pub`
/// copied into a folder of their own, with no ledger (as another archive receives them).
fn handed_over() -> (Sandbox, tempfile::TempDir) {
    let sandbox = signed_example();
    let note = sandbox.checkpoint();
    let archive = sandbox.ok(&["export", "--format", "jsonl"]);
    let offline = tempfile::tempdir().unwrap();
    std::fs::write(offline.path().join("ledger.jsonl"), archive).unwrap();
    std::fs::write(offline.path().join("cp.txt"), note).unwrap();
    let leaves = sandbox.ok(&["checkpoints", "--leaves"]);
    std::fs::write(offline.path().join("leaves.txt"), leaves + "\n").unwrap();
    std::fs::copy(
        sandbox.path().join("verifier.pub"),
        offline.path().join("verifier.pub"),
    )
    .unwrap();
    (sandbox, offline)
}

/// `amity verify --archive ledger.jsonl --checkpoint cp.txt --key verifier.pub [ARGS…]` in
/// `dir`, its store a SQLite file that does not exist (and must not be created).
fn verify_offline(dir: &std::path::Path, extra: &[&str]) -> Run {
    let store = format!("sqlite://{}", dir.join("ledger.db").display());
    let mut args = vec![
        "--store",
        store.as_str(),
        "verify",
        "--archive",
        "ledger.jsonl",
        "--checkpoint",
        "cp.txt",
        "--key",
        "verifier.pub",
    ];
    args.extend(extra);
    let run = Run::from(amity_in(dir).args(&args).output().unwrap());
    assert!(!dir.join("ledger.db").exists(), "no store was opened");
    run
}

/// Rewrite the archive's lines.
fn edit_archive(dir: &std::path::Path, edit: impl FnOnce(&mut Vec<String>)) {
    let path = dir.join("ledger.jsonl");
    let mut lines: Vec<String> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    edit(&mut lines);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn a_handed_over_export_verifies_offline_with_no_store() {
    let (sandbox, offline) = handed_over();
    let run = verify_offline(offline.path(), &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let report: serde_json::Value =
        serde_json::from_str(&verify_offline(offline.path(), &["--format", "json"]).stdout)
            .unwrap();
    assert_eq!(report["tree_size"], report["covered"], "{report}");
    assert_eq!(report["problems"], serde_json::json!([]));
    // A later event in a later export is not covered by the handed-over checkpoint.
    sandbox.ok(&[
        "attest",
        CS,
        "Kaohsiung, TW",
        "--occurred",
        "2026-12",
        "--source-title",
        "list",
    ]);
    let archive = sandbox.ok(&["export", "--format", "jsonl"]);
    std::fs::write(offline.path().join("ledger.jsonl"), archive).unwrap();
    let run = verify_offline(offline.path(), &[]);
    assert_eq!(run.code, Some(6), "{run:?}");
    assert!(run.stderr.contains("not covered: 1 events"), "{run:?}");
}

#[test]
fn edits_to_a_handed_over_export_are_found_offline() {
    type Edit = fn(&mut Vec<String>);
    let cases: [(&str, Edit, &str); 4] = [
        (
            "one payload byte",
            |lines| {
                let line = lines.iter_mut().find(|l| l.contains("\"1993")).unwrap();
                *line = line.replacen("\"1993", "\"1994", 1);
            },
            "does not match the archive",
        ),
        (
            "the last line dropped",
            |lines| drop(lines.pop()),
            "truncated",
        ),
        (
            "two lines swapped",
            |lines| lines.swap(0, 1),
            "verification failed",
        ),
        (
            "a recorded_at",
            |lines| {
                let at = lines[2].find("\"recorded_at\":\"").unwrap() + 15;
                let year: u32 = lines[2][at..at + 4].parse().unwrap();
                lines[2].replace_range(at..at + 4, &(year - 1).to_string());
            },
            "does not match the archive",
        ),
    ];
    for (what, edit, expected) in cases {
        let (_sandbox, offline) = handed_over();
        edit_archive(offline.path(), edit);
        let run = verify_offline(offline.path(), &[]);
        assert_eq!(run.code, Some(5), "{what}: {run:?}");
        assert!(
            run.stderr.contains(expected) || run.stdout.contains(expected),
            "{what}: {run:?}"
        );
    }
}

#[test]
fn a_bad_archive_line_names_the_file_the_line_and_the_field() {
    let (_sandbox, offline) = handed_over();
    edit_archive(offline.path(), |lines| {
        lines[1] = lines[1].replacen("\"stream_version\":", "\"stream_version\":\"x\",\"v\":", 1);
    });
    let run = verify_offline(offline.path(), &[]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr.contains("ledger.jsonl:2: stream_version:"),
        "{run:?}"
    );
    assert!(!run.stderr.contains("panicked"), "{run:?}");
}

/// `amity proof verify ARGS…` with no store.
fn proof_verify(dir: &std::path::Path, args: &[&str]) -> Run {
    let store = format!("sqlite://{}", dir.join("none.db").display());
    let mut all = vec!["--store", store.as_str(), "proof", "verify"];
    all.extend(args);
    let run = Run::from(amity_in(dir).args(&all).output().unwrap());
    assert!(!dir.join("none.db").exists(), "no store was opened");
    run
}

#[test]
fn proofs_from_amity_proof_verify_with_proof_verify_and_a_flipped_hash_fails() {
    let sandbox = signed_example();
    let first = sandbox.checkpoint();
    sandbox.ok(&[
        "attest",
        CS,
        "Kaohsiung, TW",
        "--occurred",
        "2026-12",
        "--source-title",
        "list",
    ]);
    let second = sandbox.checkpoint();
    let dir = sandbox.path();
    std::fs::write(dir.join("old.txt"), &first).unwrap();
    std::fs::write(dir.join("cp.txt"), &second).unwrap();
    let history = sandbox.history(&[CS_SMOLENSK]);
    let id = events(&history)[0]["event_id"].as_str().unwrap().to_owned();
    let inclusion = sandbox.ok(&["proof", "inclusion", &id]);
    std::fs::write(dir.join("inclusion.json"), &inclusion).unwrap();
    let size = amity_log::Checkpoint::from_note(&amity_log::Note::parse(first.as_bytes()).unwrap())
        .unwrap()
        .size
        .to_string();
    let consistency = sandbox.ok(&["proof", "consistency", "--from", &size]);
    std::fs::write(dir.join("consistency.json"), &consistency).unwrap();
    let key = ["--key", "verifier.pub"];
    let run = proof_verify(
        dir,
        &[&["inclusion.json", "--checkpoint", "cp.txt"][..], &key].concat(),
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("valid inclusion proof"), "{run:?}");
    // The leaf hash it is about, given: it must match.
    let proof: amity_log::InclusionProof = serde_json::from_str(&inclusion).unwrap();
    let leaf = amity_log::encode_hash(&proof.leaf_hash);
    let args = [
        "inclusion.json",
        "--checkpoint",
        "cp.txt",
        "--leaf-hash",
        &leaf,
    ];
    assert_eq!(proof_verify(dir, &[&args[..], &key].concat()).code, Some(0));
    let run = proof_verify(
        dir,
        &[
            &[
                "consistency.json",
                "--checkpoint",
                "cp.txt",
                "--old-checkpoint",
                "old.txt",
            ][..],
            &key,
        ]
        .concat(),
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    // Against the earlier checkpoint, the inclusion proof (of the later tree) does not hold.
    let run = proof_verify(
        dir,
        &[&["inclusion.json", "--checkpoint", "old.txt"][..], &key].concat(),
    );
    assert_eq!(run.code, Some(5), "{run:?}");
    // One bit of one hash flipped.
    let mut flipped = proof.clone();
    flipped.hashes[0][0] ^= 1;
    std::fs::write(
        dir.join("flipped.json"),
        serde_json::to_string(&flipped).unwrap(),
    )
    .unwrap();
    let run = proof_verify(
        dir,
        &[&["flipped.json", "--checkpoint", "cp.txt"][..], &key].concat(),
    );
    assert_eq!(run.code, Some(5), "{run:?}");
    assert!(run.stderr.contains("does not verify"), "{run:?}");
    // A consistency proof without the earlier checkpoint is a usage error.
    let run = proof_verify(
        dir,
        &[&["consistency.json", "--checkpoint", "cp.txt"][..], &key].concat(),
    );
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr.contains("--old-checkpoint"), "{run:?}");
}

#[test]
fn malformed_proof_and_checkpoint_files_name_the_file_and_the_line() {
    let sandbox = signed_example();
    let dir = sandbox.path();
    sandbox.checkpoint();
    std::fs::write(dir.join("cp.txt"), sandbox.checkpoint()).unwrap();
    std::fs::write(
        dir.join("bad.json"),
        "{\n \"leaf_index\": 0,\n \"tree_size\": [\n",
    )
    .unwrap();
    let run = proof_verify(
        dir,
        &[
            "bad.json",
            "--checkpoint",
            "cp.txt",
            "--key",
            "verifier.pub",
        ],
    );
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("bad.json:"), "{run:?}");
    std::fs::write(dir.join("bad.txt"), "amity/x\n12\n\n").unwrap();
    let run = proof_verify(
        dir,
        &[
            "bad.json",
            "--checkpoint",
            "bad.txt",
            "--key",
            "verifier.pub",
        ],
    );
    assert!(
        run.stderr.contains("bad.json:") || run.stderr.contains("bad.txt:"),
        "{run:?}"
    );
    std::fs::write(
        dir.join("ok.json"),
        sandbox.ok(&["proof", "consistency", "--from", "1"]),
    )
    .unwrap();
    let run = proof_verify(
        dir,
        &[
            "ok.json",
            "--checkpoint",
            "bad.txt",
            "--key",
            "verifier.pub",
        ],
    );
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("bad.txt:"), "{run:?}");
    assert!(!run.stderr.contains("panicked"), "{run:?}");
}

#[test]
fn with_a_signing_key_every_write_ends_with_a_checkpoint() {
    let sandbox = signed_example();
    let key = sandbox.file("signing.key");
    sandbox.checkpoint();
    let run = sandbox.run(&[
        "--signing-key",
        &key,
        "attest",
        CS,
        "Kaohsiung, TW",
        "--occurred",
        "2026-12",
        "--source-title",
        "list",
    ]);
    assert!(run.success, "{run:?}");
    assert!(run.stderr.contains("checkpoint: "), "{run:?}");
    // Nothing is left uncovered.
    assert_eq!(sandbox.verify(&[]).code, Some(0));
    // A read signs nothing; a write that adds nothing signs nothing new.
    let run = sandbox.run(&["--signing-key", &key, "status"]);
    assert!(!run.stderr.contains("checkpoint"), "{run:?}");
    let run = sandbox.run(&["--signing-key", &key, "example"]);
    assert!(run.success, "{run:?}");
    assert!(!run.stderr.contains("checkpoint"), "{run:?}");
    // Without a key, checkpoint is a usage error.
    let run = sandbox.run(&["checkpoint"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr.contains("--signing-key"), "{run:?}");
}

#[test]
fn verify_compares_a_sample_of_the_projection_tables_with_their_events() {
    let sandbox = signed_example();
    sandbox.checkpoint();
    let report = sandbox.json(&["verify", "--key", &sandbox.file("verifier.pub")]);
    assert_eq!(report["problems"], serde_json::json!([]), "{report}");
    // A history row edited in the tables (not the events): the log is intact, the tables not.
    sandbox.tamper("UPDATE timeline_entries SET occurred = '1998' WHERE occurred = '1999';");
    let run = sandbox.verify(&[]);
    assert_eq!(run.code, Some(5), "{run:?}");
    assert!(
        run.stderr
            .contains("projection tables of au:bankstown+us-co:colorado-springs"),
        "{run:?}"
    );
    // A sample of none does not look; a rebuild repairs the tables.
    assert_eq!(sandbox.verify(&["--sample", "0"]).code, Some(0));
    sandbox.ok(&["rebuild"]);
    assert_eq!(sandbox.verify(&[]).code, Some(0));
}

#[test]
fn the_checkpoints_kept_in_the_ledger_are_listed_and_the_latest_exported() {
    let sandbox = signed_example();
    let run = sandbox.run(&["checkpoints", "--latest"]);
    assert!(!run.success, "{run:?}");
    assert!(run.stderr.contains("no checkpoint yet"), "{run:?}");
    let first = sandbox.checkpoint();
    sandbox.ok(&[
        "attest",
        CS,
        "Kaohsiung, TW",
        "--occurred",
        "2026-12",
        "--source-title",
        "list",
    ]);
    let second = sandbox.checkpoint();
    let kept = sandbox.json(&["checkpoints"]);
    let kept = kept.as_array().expect("a list");
    assert_eq!(kept.len(), 2);
    assert_eq!(
        kept[0]["note"].as_str().unwrap().trim_end(),
        first.trim_end()
    );
    assert_eq!(
        kept[1]["note"].as_str().unwrap().trim_end(),
        second.trim_end()
    );
    assert!(kept[0]["tree_size"].as_u64() < kept[1]["tree_size"].as_u64());
    // The latest, exported beside an export, checks that export offline.
    let latest = sandbox.ok(&["checkpoints", "--latest"]);
    assert_eq!(latest.trim_end(), second.trim_end());
    std::fs::write(sandbox.file("cp.txt"), latest).unwrap();
    sandbox.ok(&["export", "--format", "jsonl", &sandbox.file("ledger.jsonl")]);
    let run = sandbox.run(&[
        "verify",
        "--archive",
        &sandbox.file("ledger.jsonl"),
        "--checkpoint",
        &sandbox.file("cp.txt"),
        "--key",
        &sandbox.file("verifier.pub"),
    ]);
    assert_eq!(run.code, Some(0), "{run:?}");
}

#[test]
fn history_shows_each_entrys_leaf_index_and_whether_the_latest_checkpoint_covers_it() {
    let sandbox = signed_example();
    let checkpoint = sandbox.checkpoint();
    let size =
        amity_log::Checkpoint::from_note(&amity_log::Note::parse(checkpoint.as_bytes()).unwrap())
            .unwrap()
            .size;
    let history = sandbox.history(&[CS, SMOLENSK]);
    let entries = events(&history);
    assert!(!entries.is_empty());
    for entry in entries {
        let index = entry["log_index"].as_u64().expect("a log index");
        assert!(index < size, "{entry}");
        assert_eq!(entry["checkpointed"], true, "{entry}");
        // The leaf index is the one `amity proof inclusion` proves.
        let id = entry["event_id"].as_str().unwrap();
        let proof: serde_json::Value =
            serde_json::from_str(&sandbox.ok(&["proof", "inclusion", id])).unwrap();
        assert_eq!(proof["leaf_index"].as_u64(), Some(index), "{entry}");
    }
    // Recorded after the checkpoint (no signing key): the next leaf, not covered yet.
    let id = sandbox.record(
        "reinstate",
        "2026-11",
        &["--source-title", "council minutes"],
    );
    let history = sandbox.history(&[CS, SMOLENSK]);
    let entry = events(&history)
        .iter()
        .find(|entry| entry["event_id"] == id.as_str())
        .expect("the new entry");
    assert_eq!(entry["log_index"].as_u64(), Some(size), "{entry}");
    assert_eq!(entry["checkpointed"], false, "{entry}");
    // The table says so in the entry's `recorded` cell.
    let table = sandbox.ok(&["history", CS, SMOLENSK]);
    assert!(
        table.contains(&format!("leaf {size}, not checkpointed yet")),
        "{table}"
    );
    assert!(
        table.contains("leaf 0, checkpointed") || table.contains(", checkpointed"),
        "{table}"
    );
    sandbox.checkpoint();
    let history = sandbox.history(&[CS, SMOLENSK]);
    assert!(events(&history)
        .iter()
        .all(|entry| entry["checkpointed"] == true));
}

/// The event id of an archive line.
fn id_of(line: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(line).unwrap();
    value["event_id"].as_str().unwrap().to_owned()
}

#[test]
fn with_the_handed_over_leaves_edits_to_an_export_name_the_first_bad_line_offline() {
    type Edit = fn(&mut Vec<String>);
    // Each edit, then which original line's event is named (as the first bad event, or only
    // in the text when its line is gone), and what the message says.
    let cases: [(&str, Edit, usize, bool, &str); 7] = [
        (
            "one payload byte",
            |lines| {
                let line = lines.iter_mut().find(|l| l.contains("\"1993")).unwrap();
                *line = line.replacen("\"1993", "\"1994", 1);
            },
            usize::MAX,
            true,
            "it was changed",
        ),
        (
            "a stream name",
            |lines| lines[4] = lines[4].replacen("\"stream\":\"", "\"stream\":\"x", 1),
            4,
            true,
            "it was changed",
        ),
        (
            "a line deleted",
            |lines| drop(lines.remove(3)),
            3,
            false,
            "its line was deleted",
        ),
        (
            "two lines swapped",
            |lines| lines.swap(0, 1),
            1,
            true,
            "inserted or moved",
        ),
        (
            "a forged line inserted",
            |lines| {
                let forged = lines[0]
                    .replacen(&id_of(&lines[0]), "f0f0f0f0-0000-4000-8000-00000000000f", 1)
                    .replacen("\"stream\":\"", "\"stream\":\"forged-", 1);
                lines.insert(2, forged);
            },
            usize::MAX - 1,
            true,
            "inserted or moved",
        ),
        (
            "the archive truncated",
            |lines| lines.truncate(20),
            20,
            false,
            "ends before it",
        ),
        (
            "a recorded_at",
            |lines| {
                let at = lines[2].find("\"recorded_at\":\"").unwrap() + 15;
                let year: u32 = lines[2][at..at + 4].parse().unwrap();
                lines[2].replace_range(at..at + 4, &(year - 1).to_string());
            },
            2,
            true,
            "it was changed",
        ),
    ];
    for (what, edit, named, bad_event, says) in cases {
        let (_sandbox, offline) = handed_over();
        let original: Vec<String> = std::fs::read_to_string(offline.path().join("ledger.jsonl"))
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        let id = match named {
            usize::MAX => id_of(original.iter().find(|l| l.contains("\"1993")).unwrap()),
            n if n == usize::MAX - 1 => "f0f0f0f0-0000-4000-8000-00000000000f".to_owned(),
            n => id_of(&original[n]),
        };
        edit_archive(offline.path(), edit);
        let run = verify_offline(offline.path(), &["--leaves", "leaves.txt"]);
        assert_eq!(run.code, Some(5), "{what}: {run:?}");
        assert!(run.stderr.contains(says), "{what}: {says}: {run:?}");
        let expected = if bad_event {
            format!("first bad event {id}")
        } else {
            format!("event {id}")
        };
        assert!(
            run.stderr.contains(&expected),
            "{what}: {expected}: {run:?}"
        );
    }
    // Leaves that are not what the checkpoint signed are said so, and not believed.
    let (_sandbox, offline) = handed_over();
    let path = offline.path().join("leaves.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let second = text.lines().nth(2).unwrap();
    let forged = format!("1 {} {}", id_of_leaf(second), "A".repeat(43) + "=");
    std::fs::write(&path, text.replace(second, &forged)).unwrap();
    let run = verify_offline(offline.path(), &["--leaves", "leaves.txt"]);
    assert_eq!(run.code, Some(5), "{run:?}");
    assert!(
        run.stderr
            .contains("the leaves file does not match the checkpoint"),
        "{run:?}"
    );
    // A malformed leaves file is an error naming the file and the line.
    std::fs::write(&path, "amity log leaves v1\n0 nonsense\n").unwrap();
    let run = verify_offline(offline.path(), &["--leaves", "leaves.txt"]);
    assert_ne!(run.code, Some(0), "{run:?}");
    assert!(run.stderr.contains("leaves.txt:2"), "{run:?}");
}

/// The event id of a leaves file's line.
fn id_of_leaf(line: &str) -> &str {
    line.split(' ').nth(1).unwrap()
}
