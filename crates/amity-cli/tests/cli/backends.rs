//! End-to-end tests of where the projections live (README "Projections"): a `postgres://`
//! store keeps them in its own schema, `--projections FILE` (or `AMITY_PROJECTIONS`) puts
//! those of a server or memory store in a SQLite file of their own, and a `sqlite://` ledger
//! refuses it. Every command answers as it does with SQLite. The PostgreSQL tests run when
//! `AMITY_TEST_POSTGRES_URL` is set (each in a fresh schema) and say why they skip otherwise.

use std::path::Path;

use serde_json::Value;

use super::{amity_in, Run, Sandbox, CS, SMOLENSK};

/// A sandbox whose ledger is a fresh schema of the test PostgreSQL server, and that schema's
/// name; `None` (with the reason printed) without a server.
fn postgres_sandbox() -> Option<(Sandbox, String)> {
    let Ok(url) = std::env::var("AMITY_TEST_POSTGRES_URL") else {
        eprintln!(
            "skipped: set AMITY_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to test the CLI on PostgreSQL"
        );
        return None;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    let schema = format!("amity_test_cli_{}_{nanos:x}", std::process::id());
    let separator = if url.contains('?') { '&' } else { '?' };
    let sandbox = Sandbox {
        dir: tempfile::tempdir().expect("temp dir"),
        store: format!("{url}{separator}schema={schema}"),
    };
    Some((sandbox, schema))
}

/// Run a query on the test server, as a `psql` user would.
fn psql(query: &str) -> Vec<tokio_postgres::Row> {
    let url = std::env::var("AMITY_TEST_POSTGRES_URL").expect("a server");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        client.query(query, &[]).await.expect(query)
    })
}

/// The tables of a schema, in order.
fn schema_tables(schema: &str) -> Vec<String> {
    psql(&format!(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = '{schema}' ORDER BY 1"
    ))
    .iter()
    .map(|row| row.get(0))
    .collect()
}

/// The tables of a SQLite file, in order.
fn file_tables(path: &Path) -> Vec<String> {
    let connection = rusqlite::Connection::open(path).expect("open");
    let mut statement = connection
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .expect("prepare");
    let names = statement
        .query_map([], |row| row.get::<_, String>(0))
        .expect("query");
    names.map(|name| name.expect("name")).collect()
}

fn file_count(path: &Path, query: &str) -> i64 {
    rusqlite::Connection::open(path)
        .expect("open")
        .query_row(query, [], |row| row.get(0))
        .expect(query)
}

const PROJECTION_TABLES: [&str; 4] = [
    "partnership_status",
    "partnership_timeline",
    "party_directory",
    "projection_checkpoint",
];

/// The tables of a SQLite projections file (the history is the view `partnership_timeline`
/// over `timeline_entries`, the status rows the view `partnership_status` over
/// `status_entries`, the directory a view over them, the parties the view `parties` over
/// `party_entries`).
const FILE_TABLES: [&str; 4] = [
    "party_entries",
    "projection_checkpoint",
    "status_entries",
    "timeline_entries",
];

/// A JSON answer without its transaction times, which differ between two ledgers recorded
/// at different moments.
fn without_times(mut value: Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(fields) => {
                fields.remove("recorded_at");
                fields.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut value);
    value
}

/// The reading commands of the tour, as JSON, from a ledger holding the example.
fn answers(sandbox: &Sandbox, extra: &[&str]) -> Vec<Value> {
    let queries: [&[&str]; 7] = [
        &["status"],
        &["status", "--as-of", "2022-03-03"],
        &["status", "--party", CS, "--as-of", "1995"],
        &["partners", CS],
        &["history", CS, SMOLENSK],
        &[
            "outcomes",
            "--cohort",
            "US:RU",
            "--from",
            "invasion-2022-02-24",
            "--to",
            "roundtable-2022-03-22",
        ],
        &[
            "changes",
            "--cohort",
            "US:RU",
            "--from",
            "2022-02-24",
            "--to",
            "2022-12",
        ],
    ];
    queries
        .iter()
        .map(|query| {
            let mut args = extra.to_vec();
            args.extend_from_slice(query);
            without_times(sandbox.json(&args))
        })
        .collect()
}

/// The counts of `amity rebuild`'s line.
fn rebuilt(out: &str) -> &str {
    let line = out.trim_end();
    assert!(line.starts_with("rebuilt projections: "), "{out}");
    line.split(" in ").next().expect("counts")
}

#[test]
fn a_postgres_store_keeps_its_projections_in_its_schema() {
    let Some((postgres, schema)) = postgres_sandbox() else {
        return;
    };
    let sqlite = Sandbox::new();
    sqlite.example();
    let out = postgres.example();
    assert!(out.contains("25 events recorded"), "{out}");
    assert_eq!(answers(&postgres, &[]), answers(&sqlite, &[]));
    let tables = schema_tables(&schema);
    for table in PROJECTION_TABLES
        .iter()
        .chain(&["events", "projection_migrations"])
    {
        assert!(tables.iter().any(|t| t == table), "{table} in {tables:?}");
    }
    let checkpoint = |schema: &str| -> (i32, i64) {
        let rows = psql(&format!(
            "SELECT code_version, events FROM {schema}.projection_checkpoint"
        ));
        (rows[0].get(0), rows[0].get(1))
    };
    assert_eq!(checkpoint(&schema).1, 25);
    let count = psql(&format!(
        "SELECT count(*) FROM {schema}.partnership_status WHERE status = 'suspended'"
    ));
    assert_eq!(count[0].get::<_, i64>(0), 1, "Colorado Springs–Smolensk");

    assert_eq!(
        rebuilt(&postgres.ok(&["rebuild"])),
        "rebuilt projections: 25 events, 23 partnerships"
    );
    assert_eq!(answers(&postgres, &[]), answers(&sqlite, &[]));

    // A new event (the same id in both) is caught up on the next read, incrementally.
    for sandbox in [&postgres, &sqlite] {
        sandbox.ok(&[
            "reinstate",
            CS,
            SMOLENSK,
            "--occurred",
            "2025-05",
            "--source-title",
            "Council minutes",
            "--id",
            "01a226fe-ac5f-7288-8415-fcc1486a66c4",
        ]);
    }
    assert_eq!(answers(&postgres, &[]), answers(&sqlite, &[]));
    let (code_version, events) = checkpoint(&schema);
    assert_eq!(events, 26);
    assert!(code_version > 0);
}

#[test]
fn a_postgres_store_with_a_projections_file_keeps_them_there() {
    let Some((postgres, schema)) = postgres_sandbox() else {
        return;
    };
    let sqlite = Sandbox::new();
    sqlite.example();
    postgres.example();
    let file = postgres.path().join("projections.db");
    let file_arg = file.display().to_string();
    let with_file = ["--projections", file_arg.as_str()];
    assert_eq!(answers(&postgres, &with_file), answers(&sqlite, &[]));
    assert_eq!(file_tables(&file), FILE_TABLES);
    assert_eq!(
        file_count(&file, "SELECT count(*) FROM partnership_status"),
        23
    );
    assert!(
        !schema_tables(&schema)
            .iter()
            .any(|table| table == "partnership_status"),
        "with --projections nothing is materialized in PostgreSQL"
    );
    let mut args = with_file.to_vec();
    args.push("rebuild");
    assert_eq!(
        rebuilt(&postgres.ok(&args)),
        "rebuilt projections: 25 events, 23 partnerships"
    );

    // AMITY_PROJECTIONS names the same file; a recording is caught up in it.
    let run = |args: &[&str]| {
        Run::from(
            amity_in(postgres.path())
                .env("AMITY_PROJECTIONS", &file)
                .arg("--store")
                .arg(&postgres.store)
                .args(args)
                .output()
                .expect("amity runs"),
        )
    };
    let recorded = run(&["suspend", CS, "Kaohsiung, TW", "--occurred", "2024"]);
    assert!(recorded.success, "{recorded:?}");
    let status = run(&["status", "--format", "json", CS, "Kaohsiung, TW"]);
    assert!(status.success, "{status:?}");
    assert!(status.stdout.contains("\"suspended\""), "{status:?}");
    assert_eq!(
        file_count(
            &file,
            "SELECT events FROM projection_checkpoint WHERE projection = 'partnerships'"
        ),
        26
    );

    // The same file given with another ledger (an empty memory store) is rebuilt for it,
    // never mixed with the other ledger's rows.
    let memory = Run::from(
        amity_in(postgres.path())
            .args(["--store", "memory://", "--projections", &file_arg])
            .args(["status", "--format", "json"])
            .output()
            .expect("amity runs"),
    );
    assert!(memory.success, "{memory:?}");
    assert_eq!(memory.stdout.trim(), "[]");
    assert_eq!(
        file_count(&file, "SELECT count(*) FROM partnership_status"),
        0
    );
}

#[test]
fn a_memory_store_materializes_its_projections_only_in_a_projections_file() {
    let sandbox = Sandbox {
        dir: tempfile::tempdir().expect("temp dir"),
        store: "memory://".to_owned(),
    };
    let file = sandbox.path().join("projections.db");
    let file_arg = file.display().to_string();
    assert_eq!(
        rebuilt(&sandbox.ok(&["--projections", &file_arg, "rebuild"])),
        "rebuilt projections: 0 events, 0 partnerships"
    );
    assert_eq!(
        file_tables(&file),
        FILE_TABLES,
        "only the projection tables: the file needs no events"
    );
    // Without a file there are no tables: the rebuild says so.
    let live = sandbox.ok(&["rebuild"]);
    assert!(
        live.starts_with("no projection tables to rebuild: "),
        "{live}"
    );
    assert!(live.contains("--projections FILE"), "{live}");
}

#[test]
fn a_sqlite_ledger_refuses_a_projections_file() {
    let sandbox = Sandbox::new();
    sandbox.example();
    let error = sandbox.fails(&["--projections", "elsewhere.db", "status"]);
    assert!(
        error.contains("a sqlite:// ledger keeps its projections in its own file"),
        "{error}"
    );
    let from_env = Run::from(
        amity_in(sandbox.path())
            .env("AMITY_PROJECTIONS", "elsewhere.db")
            .args(["--store", &sandbox.store, "partners", CS])
            .output()
            .expect("amity runs"),
    );
    assert!(!from_env.success);
    assert!(
        from_env.stderr.contains("AMITY_PROJECTIONS"),
        "{from_env:?}"
    );
    assert!(!sandbox.path().join("elsewhere.db").exists());
    let migrate = Run::from(
        amity_in(sandbox.path())
            .args(["--projections", "elsewhere.db", "migrate"])
            .args(["--from", &sandbox.store, "--to", "memory://"])
            .output()
            .expect("amity runs"),
    );
    assert!(!migrate.success);
    assert!(
        migrate.stderr.starts_with("error: --projections"),
        "{migrate:?}"
    );
}
