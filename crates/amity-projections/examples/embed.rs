//! Amity embedded in a Rust program: a SQLite ledger in a temporary directory, two recorded
//! events with their sources, the status as of a date (an exact set of possible statuses), and
//! the history (`cargo run -p amity-projections --example embed`).

use std::sync::Arc;

use amity_domain::{Event, EventType, Facts, Partnership, PartnershipKind, Source};
use amity_ledger::{Ledger, ToRecord};
use amity_projections::{AsOf, Projections, Selection};
use amity_store_sqlite::SqliteEventStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("ledger.db");
    let ledger = Ledger::new(Arc::new(SqliteEventStore::open(&path)?));

    let partnership = Partnership::new(
        "Colorado Springs, US-CO".parse()?,
        "Smolensk, RU".parse()?,
        PartnershipKind::sister_city(),
    )?;
    let source = |title: &str| Source {
        title: title.to_owned(),
        ..Source::default()
    };
    for (event_type, occurred, title) in [
        (
            EventType::PartnershipFounded,
            "1993",
            "City of Colorado Springs, sister cities",
        ),
        (
            EventType::PartnershipSuspended,
            "2022-03-03~",
            "KRDO, 3 March 2022",
        ),
    ] {
        let facts = Facts {
            occurred: occurred.parse()?,
            sources: vec![source(title)],
            ..Facts::default()
        };
        let event = Event::lifecycle(event_type, partnership.clone(), facts);
        let outcome = ledger.record(ToRecord::lifecycle(event, "example")).await?;
        println!("recorded {} {occurred}", outcome.recorded().id);
    }

    let mut projections = Projections::open_in_ledger(ledger.clone(), &path)?;
    projections.catch_up().await?;
    for date in ["1992", "2022-02-24", "2022-03", "2023"] {
        let as_of = AsOf {
            date: date.parse()?,
        };
        let answer = projections
            .status(&Selection::One(partnership.id()), Some(&as_of), None)
            .await?;
        let view = &answer[0];
        println!(
            "as of {date}: {} ({:?}{})",
            view.status,
            view.certainty,
            if view.competing.is_empty() {
                String::new()
            } else {
                format!(
                    ": {}",
                    view.competing
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" or ")
                )
            }
        );
    }
    let (_, history) = projections.history(&partnership.id(), None).await?;
    for row in history {
        println!(
            "{} {} {} ({} sources)",
            row.occurred.as_deref().unwrap_or("unknown"),
            row.event_type,
            row.status_after.map(|s| s.to_string()).unwrap_or_default(),
            row.sources.len()
        );
    }
    Ok(())
}
