//! Tests of the PostgreSQL store.
use super::*;
use crate::feed::join_halves;
use amity_store::Error;

#[test]
fn a_complete_first_half_is_followed_by_the_rest() {
    let first: Vec<u32> = (1..=4).collect();
    assert_eq!(
        join_halves(first, vec![5, 6], 4),
        Some(vec![1, 2, 3, 4, 5, 6])
    );
}

#[test]
fn a_short_first_half_is_the_page_only_when_nothing_follows() {
    assert_eq!(join_halves(vec![1, 2], Vec::new(), 4), Some(vec![1, 2]));
    // The rest was read after more events committed: 3 and 4 would be skipped.
    assert_eq!(join_halves(vec![1, 2], vec![5, 6], 4), None);
    assert_eq!(join_halves(Vec::<u32>::new(), vec![5], 4), None);
}

#[test]
fn urls_name_their_schema() {
    assert_eq!(
        parse_url("postgres://u@h/db?sslmode=disable&schema=ledger_2").unwrap(),
        (
            "postgres://u@h/db?sslmode=disable".to_owned(),
            "ledger_2".to_owned()
        )
    );
    assert_eq!(parse_url("postgres://u@h/db").unwrap().1, "amity");
    assert!(parse_url("postgres://u@h/db?schema=Bad;drop").is_err());
}

#[tokio::test]
async fn a_server_nobody_answers_at_is_unreachable() {
    // Port 1 of this machine: nothing listens there.
    let error = PostgresEventStore::connect("postgres://postgres@127.0.0.1:1/none")
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot reach PostgreSQL at 127.0.0.1:1",
        "{error:?}"
    );
    let Error::Unreachable { source, .. } = error else {
        unreachable!()
    };
    assert_eq!(source.kind(), std::io::ErrorKind::ConnectionRefused);
    assert_eq!(source.to_string(), "connection refused");
}
