//! Tests of the list imports on a ledger in memory: the CLI's fixture of an unseen list shape
//! (homonyms split by the 25 km rule, spellings merged as aliases, a country no table knows),
//! a column mapping that does not fit, and the Wikidata crawl's one- and two-sided claims.

use std::path::PathBuf;
use std::sync::Arc;

use amity_domain::{Certainty, SourceRole};
use amity_store::MemoryEventStore;

use super::*;

fn memory_ledger() -> Ledger {
    Ledger::new(Arc::new(MemoryEventStore::new()))
}

/// The list the CLI's tests import (`crates/amity-cli/tests/fixtures/unseen-shape.tsv`).
fn unseen_shape() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../amity-cli/tests/fixtures/unseen-shape.tsv")
}

/// Its columns, mapped as the CLI's tests map them.
const UNSEEN_COLUMNS: &str = "city1=label_a,country1=country_a,latitude1=lat_a,longitude1=lon_a,\
     city2=label_b,country2=country_b,latitude2=lat_b,longitude2=lon_b";

fn source() -> Source {
    Source {
        title: "EU list of twinned towns".to_owned(),
        role: Some(SourceRole::Secondary),
        ..Source::default()
    }
}

async fn import_list(
    ledger: &Ledger,
    path: &Path,
    pairs: &PairsOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportSummary> {
    import(
        ledger,
        path,
        ImportOptions::default(),
        pairs,
        source(),
        "2025".parse().expect("a date"),
        "test",
        progress,
    )
    .await
}

#[tokio::test]
async fn the_unseen_list_gives_the_summary_the_cli_prints() {
    let ledger = memory_ledger();
    let list = unseen_shape();
    let mut pairs = PairsOptions {
        columns: Some(UNSEEN_COLUMNS.to_owned()),
        country_names: None,
    };
    // Atlantis is no country: the row is named, and nothing is written.
    let refused = import_list(&ledger, &list, &pairs, &mut |_| {})
        .await
        .expect("a summary");
    assert_eq!(refused.rejected.len(), 1, "{:?}", refused.rejected);
    assert!(
        refused.rejected[0].ends_with(
            "unseen-shape.tsv:15: country_a: cannot resolve \"Atlantis\" to an ISO 3166 \
             country (add it to a country-name table: name,alpha2)"
        ),
        "{:?}",
        refused.rejected
    );
    assert!(!refused.wrote);
    assert!(ledger
        .store()
        .read_all(amity_store::Position::START, 1)
        .await
        .expect("the feed")
        .is_empty());

    // A file of country names makes it known.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let names = dir.path().join("countries.csv");
    std::fs::write(&names, "name,alpha2\nAtlantis,ZZ\n").expect("the file");
    pairs.country_names = Some(names);
    let mut steps = Vec::new();
    let summary = import_list(&ledger, &list, &pairs, &mut |step| steps.push(step))
        .await
        .expect("a summary");
    assert_eq!(
        (
            summary.rows_read,
            summary.events_written,
            summary.duplicates_skipped,
            summary.rejected.len()
        ),
        (14, 13, 1, 0),
        "{summary:?}"
    );
    let notes = summary.notes.join("\n");
    for expected in [
        "split: de:frankenberg names 2 places: de:frankenberg (lines 2, 3, 4); \
         de:frankenberg-5091n01304e (lines 2, 5, 6)",
        "split: fr:saint-denis names 2 places",
        "merged: de:frankenberg-5091n01304e names one place at lines 2, 5, 6 (up to 2.3 km apart",
        "merged: \"Krakow\" (pl:krakow, line 12) is pl:kraków (0.7 km apart)",
    ] {
        assert!(notes.contains(expected), "{expected:?} not in\n{notes}");
    }
    assert_eq!(
        steps,
        [
            Progress::Writing { events: 13 },
            Progress::Written { done: 13 },
            Progress::Finished
        ]
    );
    // Kraków is registered with its other spelling as an alias.
    let krakow: amity_domain::PartyKey = "pl:kraków".parse().expect("a key");
    let register = amity_domain::Register::from_entries(
        &ledger.party_entries(&krakow).await.expect("its entries"),
    );
    let record = register.party(&krakow).expect("registered");
    assert_eq!(record.aliases, ["Krakow"]);

    // Importing it again writes nothing.
    let again = import_list(&ledger, &list, &pairs, &mut |_| {})
        .await
        .expect("a summary");
    assert_eq!((again.events_written, again.duplicates_skipped), (0, 14));
}

#[tokio::test]
async fn a_column_mapping_that_does_not_fit_is_an_error_naming_the_column() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let list = dir.path().join("pairs.csv");
    std::fs::write(
        &list,
        "city1,country1,city2,country2\nColumbia,United States,Kaiserslautern,Germany\n",
    )
    .expect("the file");
    let pairs = PairsOptions {
        columns: Some("city1=town".to_owned()),
        country_names: None,
    };
    let error = import_list(&memory_ledger(), &list, &pairs, &mut |_| {})
        .await
        .expect_err("no column town");
    assert!(
        matches!(&error, crate::Error::ColumnMapping(reason) if reason.contains("no column \"town\"")),
        "{error:?}"
    );

    // A header without the columns a side needs names the role.
    std::fs::write(
        &list,
        "town_a,country1,city2,country2\nA,Germany,B,France\n",
    )
    .expect("the file");
    let error = import_list(
        &memory_ledger(),
        &list,
        &PairsOptions::default(),
        &mut |_| {},
    )
    .await
    .expect_err("no city1");
    assert!(
        error.to_string().starts_with(&format!(
            "{}:1: header: no column for city1",
            list.display()
        )),
        "{error}"
    );
}

#[tokio::test]
async fn a_wikidata_claim_made_on_both_items_is_confirmed_and_a_one_sided_one_probable() {
    let ledger = memory_ledger();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let relations = dir.path().join("relations.tsv");
    let names = dir.path().join("names.tsv");
    std::fs::write(&relations, "Q1\tQ2\nQ2\tQ1\nQ1\tQ3\nQ1\tQ9\n").expect("the file");
    std::fs::write(&names, "Q1\tAlpha\nQ2\tBeta\nQ3\tGamma\n").expect("the file");
    let summary = import_wikidata(
        &ledger,
        &relations,
        &names,
        ImportOptions {
            skip_invalid: true,
            ..ImportOptions::default()
        },
        source(),
        "2025".parse().expect("a date"),
        "test",
        &mut |_| {},
    )
    .await
    .expect("a summary");
    assert_eq!(
        summary.rejected,
        [format!(
            "{}:4: twinned_item: no label for Q9 in {}",
            relations.display(),
            names.display()
        )]
    );
    assert_eq!(
        (
            summary.rows_read,
            summary.events_written,
            summary.duplicates_skipped
        ),
        (4, 2, 1)
    );
    let mut certainties: Vec<Certainty> = ledger
        .timelines()
        .await
        .expect("the timelines")
        .iter()
        .flat_map(|timeline| timeline.recorded())
        .map(|recorded| recorded.event.facts().certainty)
        .collect();
    certainties.sort_by_key(|certainty| format!("{certainty:?}"));
    assert_eq!(certainties, [Certainty::Confirmed, Certainty::Probable]);
}
