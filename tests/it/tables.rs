//! The table-backend contract (`amity_projections::tables_contract_tests!`) on every table
//! backend: SQLite (a file of its own) and PostgreSQL (a fresh schema; skipped, saying why,
//! without `AMITY_TEST_POSTGRES_URL`).

mod sqlite_file {
    use amity_projections::sqlite::SqliteTables;
    use amity_projections::TableBackend;

    async fn open() -> Option<Box<dyn TableBackend>> {
        let dir = tempfile::tempdir().expect("temp dir").keep();
        let tables = SqliteTables::open(&dir.join("projections.db")).expect("open tables");
        Some(Box::new(tables))
    }

    amity_projections::tables_contract_tests!(open().await);
}

mod postgres_schema {
    use amity_projections::postgres::PostgresTables;
    use amity_projections::TableBackend;

    async fn open() -> Option<Box<dyn TableBackend>> {
        let Ok(url) = std::env::var("AMITY_TEST_POSTGRES_URL") else {
            eprintln!(
                "skipped: set AMITY_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to test the PostgreSQL tables"
            );
            return None;
        };
        let schema = format!("amity_test_{}", uuid::Uuid::new_v4().simple());
        let separator = if url.contains('?') { '&' } else { '?' };
        let tables = PostgresTables::connect(&format!("{url}{separator}schema={schema}"))
            .await
            .expect("connect to the test PostgreSQL");
        Some(Box::new(tables))
    }

    amity_projections::tables_contract_tests!(open().await);
}
