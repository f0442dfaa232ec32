//! The contract every table backend passes (feature `contract`), with the
//! [`tables_contract_tests!`](crate::tables_contract_tests) macro each backend's tests invoke:
//! what is written reads back the same through every query; a checkpoint that moved makes a
//! catch-up give way; an unfinished writer leaves rows and checkpoint as they were; writing a
//! partnership again replaces its rows; party rows replace or stay as asked.

use std::sync::Arc;

use amity_domain::{
    Certainty, Event, EventType, Facts, Partnership, PartnershipKind, Recorded, Timeline,
};

use crate::analysis::Cohort;
use crate::rows::{self, PartnershipRows, PartyRow};
use crate::tables::TableBackend;
use crate::{Checkpoint, Error};

/// The rows of a partnership between two parties (`"Name, CC"`) with these events
/// (type, EDTF) recorded in this order.
pub fn rows_of(a: &str, b: &str, events: &[(EventType, &str)]) -> PartnershipRows {
    let partnership = Arc::new(
        Partnership::new(
            a.parse().expect("a party"),
            b.parse().expect("a party"),
            PartnershipKind::sister_city(),
        )
        .expect("two parties"),
    );
    let id = partnership.id();
    let recorded_at: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().expect("a moment");
    let entries = events
        .iter()
        .enumerate()
        .map(|(index, (event_type, occurred))| Recorded {
            id: uuid::Uuid::new_v5(
                &uuid::Uuid::NAMESPACE_OID,
                format!("{id}/{index}/{occurred}").as_bytes(),
            ),
            partnership: id.clone(),
            stream_version: index as u64,
            recorded_by: "contract".into(),
            recorded_at,
            event: Event::lifecycle(
                *event_type,
                partnership.clone(),
                Facts {
                    occurred: occurred.parse().expect("EDTF"),
                    certainty: Certainty::Confirmed,
                    ..Facts::default()
                },
            ),
        })
        .collect();
    rows::rows(&Timeline::from_history(id, entries)).expect("rows of a partnership")
}

fn checkpoint(events: u64) -> Checkpoint {
    Checkpoint {
        position: amity_ledger::Position::new(events, events),
        code_version: crate::CODE_VERSION,
        events,
        first_event: Some(uuid::Uuid::from_u128(1)),
    }
}

fn story() -> Vec<PartnershipRows> {
    use EventType as T;
    vec![
        rows_of(
            "Colorado Springs, US-CO",
            "Smolensk, RU",
            &[
                (T::PartnershipFounded, "1993"),
                (T::PartnershipSuspended, "2022-03"),
            ],
        ),
        rows_of(
            "Colorado Springs, US-CO",
            "Fujiyoshida, JP",
            &[(T::PartnershipFounded, "1962")],
        ),
        rows_of(
            "Kraków, PL",
            "Leuven, BE",
            &[(T::PartnershipAttested, "2026-02")],
        ),
    ]
}

/// Write the story in a rebuild; every query reads back what was written.
pub async fn written_rows_read_back(tables: &mut dyn TableBackend) {
    assert_eq!(tables.checkpoint().await.unwrap(), None);
    let story = story();
    let register = amity_domain::Register::default();
    let mut writer = tables.begin(None, true).await.unwrap();
    let details = writer.keeps_details();
    writer.write(story.clone()).await.unwrap();
    let parties: Vec<PartyRow> = story
        .iter()
        .flat_map(|rows| &rows.status.parties)
        .map(|party| PartyRow::named(party, &register))
        .collect();
    writer.write_parties(parties, false).await.unwrap();
    writer.finish(checkpoint(4)).await.unwrap();
    assert_eq!(tables.checkpoint().await.unwrap(), Some(checkpoint(4)));

    let status = tables.status_rows(None).await.unwrap();
    let mut expected: Vec<_> = story.iter().map(|rows| rows.status.clone()).collect();
    expected.sort_by(|a, b| a.partnership.cmp(&b.partnership));
    assert_eq!(status, expected);
    for rows in &story {
        let id = rows.status.partnership.as_str();
        let timeline = tables.timeline_rows(id).await.unwrap();
        assert_eq!(timeline.len(), rows.timeline.len(), "{id}");
        if details {
            assert_eq!(timeline, rows.timeline, "{id}");
        }
        let only = tables.status_rows(Some(&[id.to_owned()])).await.unwrap();
        assert_eq!(only, vec![rows.status.clone()]);
    }
    let all = tables.cohort_histories(&Cohort::default()).await.unwrap();
    assert_eq!(all.len(), story.len());
    for (status, timeline) in &all {
        let rows = story
            .iter()
            .find(|rows| rows.status == *status)
            .expect("every status row read back");
        assert_eq!(timeline.len(), rows.timeline.len());
        if details {
            assert_eq!(*timeline, rows.timeline);
        }
    }
    assert_eq!(
        all.iter()
            .map(|(_, timeline)| timeline.len())
            .sum::<usize>(),
        4
    );
    let directory = tables
        .directory_rows("us-co:colorado-springs")
        .await
        .unwrap();
    let partners: Vec<&str> = directory
        .iter()
        .map(|row| row.partner.name.as_str())
        .collect();
    assert_eq!(partners, ["Fujiyoshida", "Smolensk"]);
    let cohort = Cohort {
        countries: Some(["RU".to_owned(), "US".to_owned()]),
        ..Cohort::default()
    };
    let members = tables.cohort_members(&cohort).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].steps.len(), 2);
    let histories = tables.cohort_histories(&cohort).await.unwrap();
    let ids: Vec<&str> = histories
        .iter()
        .map(|(status, _)| status.partnership.as_str())
        .collect();
    assert_eq!(ids, ["ru:smolensk+us-co:colorado-springs"]);
    assert_eq!(histories[0].1.len(), 2);
    let found = tables.search_parties("krakow").await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].0.key.as_str(), found[0].1), ("pl:kraków", 1));
    let springs = tables.search_parties("springs").await.unwrap();
    assert_eq!(
        (springs[0].0.key.as_str(), springs[0].1),
        ("us-co:colorado-springs", 2)
    );
    assert!(tables.party("be:leuven").await.unwrap().is_some());
    assert!(tables.party("be:gent").await.unwrap().is_none());
    assert_eq!(tables.all_parties().await.unwrap().len(), 5);
    assert_eq!(
        tables.parties_named("colorado-springs").await.unwrap(),
        ["us-co:colorado-springs"]
    );
    let dump = tables.dump().await.unwrap();
    assert_eq!(dump.iter().filter(|l| l.starts_with("parties:")).count(), 5);
}

/// A catch-up whose expected checkpoint has moved gives way; a dropped writer writes nothing.
pub async fn writers_give_way_and_roll_back(tables: &mut dyn TableBackend) {
    let story = story();
    let mut writer = tables.begin(None, true).await.unwrap();
    writer.write(story[..1].to_vec()).await.unwrap();
    writer.finish(checkpoint(2)).await.unwrap();
    let before = tables.dump().await.unwrap();
    // Another process moved the checkpoint: this catch-up expected an older one.
    match tables.begin(Some(checkpoint(1)), false).await {
        Err(Error::Raced) => {}
        Err(other) => panic!("expected Raced, got {other}"),
        Ok(_) => panic!("expected Raced, the writer began"),
    }
    // A writer dropped before it finishes leaves everything as it was.
    let mut writer = tables.begin(Some(checkpoint(2)), false).await.unwrap();
    writer.write(story[1..].to_vec()).await.unwrap();
    drop(writer);
    assert_eq!(tables.dump().await.unwrap(), before);
    assert_eq!(tables.checkpoint().await.unwrap(), Some(checkpoint(2)));
}

/// Writing a partnership again replaces its rows; party rows replace only when asked.
pub async fn rows_are_replaced(tables: &mut dyn TableBackend) {
    use EventType as T;
    let first = rows_of(
        "Colorado Springs, US-CO",
        "Smolensk, RU",
        &[(T::PartnershipFounded, "1993")],
    );
    let register = amity_domain::Register::default();
    let mut writer = tables.begin(None, true).await.unwrap();
    writer.write(vec![first.clone()]).await.unwrap();
    writer
        .write_parties(
            vec![PartyRow::named(&first.status.parties[1], &register)],
            false,
        )
        .await
        .unwrap();
    writer.finish(checkpoint(1)).await.unwrap();
    let second = rows_of(
        "Colorado Springs, US-CO",
        "Smolensk, RU",
        &[
            (T::PartnershipFounded, "1993"),
            (T::PartnershipTerminated, "2022-03-09"),
        ],
    );
    let mut registered = PartyRow::named(&second.status.parties[1], &register);
    registered.registered = true;
    registered.aliases = vec!["Smolenskas".to_owned()];
    let mut writer = tables.begin(Some(checkpoint(1)), false).await.unwrap();
    writer.write(vec![second.clone()]).await.unwrap();
    // Named again by a partnership: left as it is; registered: replaced.
    let mut renamed = PartyRow::named(&second.status.parties[1], &register);
    renamed.aliases = vec!["ignored".to_owned()];
    writer.write_parties(vec![renamed], false).await.unwrap();
    writer
        .write_parties(vec![registered.clone()], true)
        .await
        .unwrap();
    writer.finish(checkpoint(2)).await.unwrap();
    assert_eq!(
        tables.status_rows(None).await.unwrap(),
        vec![second.status.clone()]
    );
    let timeline = tables
        .timeline_rows("ru:smolensk+us-co:colorado-springs")
        .await
        .unwrap();
    assert_eq!(timeline.len(), 2);
    assert_eq!(tables.party("ru:smolensk").await.unwrap(), Some(registered));
    assert_eq!(tables.search_parties("smolenskas").await.unwrap().len(), 1);
}

/// In a rebuild, a party named by several partnerships keeps the first naming written (the
/// writer may gather and sort them: the order of the calls still decides), and a registered
/// row written at the end replaces it.
pub async fn first_naming_of_a_party_stays(tables: &mut dyn TableBackend) {
    let register = amity_domain::Register::default();
    let named = |party: &str, alias: &str| {
        let party: amity_domain::Party = party.parse().expect("a party");
        let mut row = PartyRow::named(&party, &register);
        row.aliases = vec![alias.to_owned()];
        row
    };
    let mut writer = tables.begin(None, true).await.unwrap();
    writer
        .write_parties(vec![named("Smolensk, RU", "first")], false)
        .await
        .unwrap();
    writer
        .write_parties(
            vec![
                named("Zwolle, NL", "only"),
                named("Smolensk, RU", "second"),
                named("Aachen, DE", "only"),
            ],
            false,
        )
        .await
        .unwrap();
    writer
        .write_parties(vec![named("Aachen, DE", "third")], false)
        .await
        .unwrap();
    let mut registered = named("Zwolle, NL", "registered");
    registered.registered = true;
    writer
        .write_parties(vec![registered.clone()], true)
        .await
        .unwrap();
    writer.finish(checkpoint(0)).await.unwrap();
    let aliases = |row: Option<PartyRow>| row.expect("a party row").aliases;
    assert_eq!(
        aliases(tables.party("ru:smolensk").await.unwrap()),
        ["first"]
    );
    assert_eq!(aliases(tables.party("de:aachen").await.unwrap()), ["only"]);
    assert_eq!(tables.party("nl:zwolle").await.unwrap(), Some(registered));
    assert_eq!(tables.all_parties().await.unwrap().len(), 3);
}

/// Generate one `#[tokio::test]` per contract clause for a table backend. `$open` is an
/// async expression yielding `Option<Box<dyn TableBackend>>` over fresh, empty tables
/// (`None`: the backend is not available here, and the expression printed why).
#[macro_export]
macro_rules! tables_contract_tests {
    ($open:expr) => {
        #[tokio::test]
        async fn tables_contract_written_rows_read_back() {
            let Some(mut tables) = $open else { return };
            $crate::tables::contract::written_rows_read_back(&mut *tables).await;
        }
        #[tokio::test]
        async fn tables_contract_writers_give_way_and_roll_back() {
            let Some(mut tables) = $open else { return };
            $crate::tables::contract::writers_give_way_and_roll_back(&mut *tables).await;
        }
        #[tokio::test]
        async fn tables_contract_rows_are_replaced() {
            let Some(mut tables) = $open else { return };
            $crate::tables::contract::rows_are_replaced(&mut *tables).await;
        }
        #[tokio::test]
        async fn tables_contract_first_naming_of_a_party_stays() {
            let Some(mut tables) = $open else { return };
            $crate::tables::contract::first_naming_of_a_party_stays(&mut *tables).await;
        }
    };
}
