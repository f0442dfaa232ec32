//! The query API: typed requests ([`Query`]) and serializable answers ([`Answer`]), with the
//! same selectors everywhere — a date asked (valid time, [`AsOf`]), a moment known at
//! (transaction time), a cohort (countries, region, kind, party), and a page (limit, offset).
//! Every surface asks through [`Projections::answer`]: the CLI prints the answers (its JSON is
//! exactly them, serialized), and the HTTP server and the verifier to come serve the same
//! documents.

use amity_domain::{EdtfDate, Milestone, PartnershipId, PartyKey};
use std::collections::HashMap;

use amity_ledger::log::LogPlace;
use amity_ledger::EventId;
use serde::Serialize;

use crate::analysis::{self, Cohort, Step, Window};
use crate::rows::{PartyRow, StatusRow, TimelineRow};
use crate::{AsOf, PartnerView, Projections, Result, Selection, StatusView};

/// Which part of a list answer to give: at most `limit` items, after skipping `offset`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Page {
    /// At most this many (all when `None`).
    pub limit: Option<usize>,
    /// Skip this many first.
    pub offset: usize,
}

impl Page {
    /// The items of `all` on this page.
    pub fn of<T>(&self, all: Vec<T>) -> Vec<T> {
        let items = all.into_iter().skip(self.offset);
        match self.limit {
            Some(limit) => items.take(limit).collect(),
            None => items.collect(),
        }
    }
}

/// A question to the projections.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Query {
    /// The status of one partnership, or of every partnership of a cohort.
    Status {
        /// One partnership (its community's), or all those of `cohort`.
        partnership: Option<PartnershipId>,
        /// Which partnerships, when no one partnership is asked.
        cohort: Cohort,
        /// On this date (valid time); now when `None`.
        as_of: Option<AsOf>,
        /// As the ledger held it at this moment (transaction time).
        known_at: Option<jiff::Timestamp>,
        /// Which part of the list.
        page: Page,
    },
    /// A partnership's history.
    History {
        /// The partnership (its community's).
        partnership: PartnershipId,
        /// As the ledger held it at this moment.
        known_at: Option<jiff::Timestamp>,
    },
    /// A party's partners.
    Partners {
        /// The party (its community's key).
        party: PartyKey,
        /// On this date.
        as_of: Option<AsOf>,
        /// As the ledger held it at this moment.
        known_at: Option<jiff::Timestamp>,
        /// Which part of the list.
        page: Page,
    },
    /// Parties by name or alias (accents and case aside, prefix of a name or of one of its
    /// words); all when the text is empty.
    Parties {
        /// The text searched.
        text: String,
        /// Which part of the list.
        page: Page,
    },
    /// The last decision in a window and the status at its end, for a cohort.
    Outcomes {
        /// Which partnerships.
        cohort: Cohort,
        /// The window of valid time.
        window: Window,
        /// As the ledger held it at this moment.
        known_at: Option<jiff::Timestamp>,
    },
    /// The lifecycle events of a cohort dated in a window.
    Changes {
        /// Which partnerships.
        cohort: Cohort,
        /// The window of valid time.
        window: Window,
        /// As the ledger held it at this moment.
        known_at: Option<jiff::Timestamp>,
        /// Which part of the list.
        page: Page,
    },
    /// Counts by status at the end of each step, for a cohort.
    Series {
        /// Which partnerships.
        cohort: Cohort,
        /// The first step.
        from: EdtfDate,
        /// The last step.
        to: EdtfDate,
        /// Years or months.
        step: Step,
        /// As the ledger held it at this moment.
        known_at: Option<jiff::Timestamp>,
    },
    /// The ledger-wide milestones, in date order.
    Milestones,
}

/// A citation of an entry, as its history shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CitationView {
    /// The `SourceCited` entry.
    pub event_id: String,
    /// The sources it adds.
    pub sources: Vec<amity_domain::Source>,
    /// Who cited them.
    pub recorded_by: String,
    /// When.
    pub recorded_at: String,
}

/// One entry of a history: its row, with the claims and citations that concern it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HistoryEntry {
    /// The entry as the history table holds it.
    #[serde(flatten)]
    pub row: TimelineRow,
    /// For an alternative claim: the entry it is an alternative to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternative_to: Option<String>,
    /// The alternative claims to this entry.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<String>,
    /// The citations of this entry: their sources belong with it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub citations: Vec<CitationView>,
    /// Its event's leaf index in the verifiable log (0-based, in feed order); `null` where
    /// the answer was built without the log.
    pub log_index: Option<u64>,
    /// Whether the ledger's latest signed checkpoint covers its event.
    pub checkpointed: bool,
}

/// A partnership's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HistoryAnswer {
    /// The partnership.
    pub partnership: PartnershipId,
    /// Its parties.
    pub parties: Vec<amity_domain::Party>,
    /// Its kind.
    pub kind: amity_domain::PartnershipKind,
    /// Its status now.
    pub status: amity_domain::Status,
    /// The date of the event that set it.
    pub since: Option<String>,
    /// The date of the first list or source attesting it.
    pub first_attested: Option<String>,
    /// Set when the stored history breaks today's rules.
    pub conflict: Option<String>,
    /// Every entry, in history order (one per stored event).
    pub events: Vec<HistoryEntry>,
}

impl HistoryAnswer {
    /// The answer for a partnership's status row and history rows.
    pub fn new(status: &StatusRow, rows: &[TimelineRow]) -> HistoryAnswer {
        let events = rows
            .iter()
            .map(|row| HistoryEntry {
                row: row.clone(),
                alternative_to: row.alternative_to().map(str::to_owned),
                alternatives: rows
                    .iter()
                    .filter(|other| other.alternative_to() == Some(row.event_id.as_str()))
                    .map(|other| other.event_id.clone())
                    .collect(),
                citations: rows
                    .iter()
                    .filter(|other| {
                        other.event_type == "SourceCited"
                            && other.target.as_deref() == Some(row.event_id.as_str())
                    })
                    .map(|citation| CitationView {
                        event_id: citation.event_id.clone(),
                        sources: citation.sources.clone(),
                        recorded_by: citation.recorded_by.clone(),
                        recorded_at: citation.recorded_at.clone(),
                    })
                    .collect(),
                log_index: None,
                checkpointed: false,
            })
            .collect();
        HistoryAnswer {
            partnership: status.partnership.clone(),
            parties: status.parties.clone(),
            kind: status.kind.clone(),
            status: status.status,
            since: status.since.clone(),
            first_attested: status.first_attested.clone(),
            conflict: status.conflict.clone(),
            events,
        }
    }
}

impl HistoryAnswer {
    /// The answer with each entry's place in the ledger's log.
    pub fn placed_in_log(mut self, places: &HashMap<EventId, LogPlace>) -> HistoryAnswer {
        for entry in &mut self.events {
            let place = entry
                .row
                .event_id
                .parse::<EventId>()
                .ok()
                .and_then(|id| places.get(&id));
            entry.log_index = place.map(|place| place.index);
            entry.checkpointed = place.is_some_and(|place| place.checkpointed);
        }
        self
    }
}

/// A party found by [`Query::Parties`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PartyMatch {
    /// The party.
    #[serde(flatten)]
    pub row: PartyRow,
    /// How many partnerships it has.
    pub partnerships: u64,
}

/// The answer to a [`Query`]: serialized, the document every surface gives.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Answer {
    /// See [`Query::Status`].
    Status(Vec<StatusView>),
    /// See [`Query::History`].
    History(Box<HistoryAnswer>),
    /// See [`Query::Partners`].
    Partners(Vec<PartnerView>),
    /// See [`Query::Parties`].
    Parties(Vec<PartyMatch>),
    /// See [`Query::Outcomes`].
    Outcomes(Box<analysis::Outcomes>),
    /// See [`Query::Changes`].
    Changes(Vec<analysis::Change>),
    /// See [`Query::Series`].
    Series(Vec<analysis::Point>),
    /// See [`Query::Milestones`].
    Milestones(Vec<Milestone>),
}

impl Projections {
    /// Answer a query, once the tables are caught up with the ledger.
    pub async fn answer(&mut self, query: Query) -> Result<Answer> {
        self.catch_up().await?;
        if matches!(query, Query::History { .. }) {
            // A history places its entries in the verifiable log, brought up to date too.
            self.ledger.index_log().await?;
        }
        self.answer_as_is(query).await
    }

    /// Answer a query from the tables as they are, without catching them up first (nor the
    /// verifiable log a history places its entries in): for a long-running reader whose
    /// tables and log a follower keeps up to date (the HTTP server), so that many readers
    /// share them and none of them writes.
    pub async fn answer_as_is(&self, query: Query) -> Result<Answer> {
        Ok(match query {
            Query::Status {
                partnership,
                cohort,
                as_of,
                known_at,
                page,
            } => {
                let selection = match (&partnership, &cohort.party) {
                    (Some(id), _) => Selection::One(id.clone()),
                    (None, Some(party)) => Selection::Party(party.clone()),
                    (None, None) => Selection::All,
                };
                let views = self.status(&selection, as_of.as_ref(), known_at).await?;
                let views: Vec<StatusView> = if partnership.is_some() {
                    views
                } else {
                    views
                        .into_iter()
                        .filter(|view| {
                            cohort.matches_partnership(&view.partnership, &view.parties, &view.kind)
                        })
                        .collect()
                };
                Answer::Status(page.of(views))
            }
            Query::History {
                partnership,
                known_at,
            } => {
                let (status, rows) = self.history(&partnership, known_at).await?;
                let places = self.log_places_as_kept(&rows).await?;
                Answer::History(Box::new(
                    HistoryAnswer::new(&status, &rows).placed_in_log(&places),
                ))
            }
            Query::Partners {
                party,
                as_of,
                known_at,
                page,
            } => Answer::Partners(page.of(self.partners(&party, as_of.as_ref(), known_at).await?)),
            Query::Parties { text, page } => Answer::Parties(
                page.of(self.parties(&text).await?)
                    .into_iter()
                    .map(|(row, partnerships)| PartyMatch { row, partnerships })
                    .collect(),
            ),
            Query::Outcomes {
                cohort,
                window,
                known_at,
            } => {
                let members = self.members(&cohort, known_at).await?;
                Answer::Outcomes(Box::new(analysis::outcomes(members, &cohort, &window)?))
            }
            Query::Changes {
                cohort,
                window,
                known_at,
                page,
            } => {
                let lifecycles = self
                    .cohort_lifecycles(&cohort, Some(&window), known_at)
                    .await?;
                Answer::Changes(page.of(analysis::changes_of(lifecycles, &window)))
            }
            Query::Series {
                cohort,
                from,
                to,
                step,
                known_at,
            } => {
                let members = self.members(&cohort, known_at).await?;
                let steps = analysis::steps(&from, &to, step);
                Answer::Series(analysis::series(&members, &steps)?)
            }
            Query::Milestones => Answer::Milestones(self.ledger().milestones().await?),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use amity_domain::{Event, EventType, Facts, Partnership, PartnershipKind, Status};
    use amity_ledger::{Ledger, ToRecord};

    use super::*;

    #[test]
    fn a_page_skips_then_takes() {
        let all: Vec<u32> = (0..10).collect();
        assert_eq!(Page::default().of(all.clone()), all);
        let page = Page {
            limit: Some(3),
            offset: 8,
        };
        assert_eq!(page.of(all.clone()), [8, 9]);
        let page = Page {
            limit: Some(2),
            offset: 1,
        };
        assert_eq!(page.of(all), [1, 2]);
    }

    async fn ledger_with(
        pairs: &[(&str, &str, EventType, &str)],
    ) -> (tempfile::TempDir, Projections) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let store = amity_store_sqlite::SqliteEventStore::open(&path).unwrap();
        let ledger = Ledger::new(Arc::new(store));
        for (a, b, event_type, occurred) in pairs {
            let partnership = Partnership::new(
                a.parse().unwrap(),
                b.parse().unwrap(),
                PartnershipKind::sister_city(),
            )
            .unwrap();
            let facts = Facts {
                occurred: occurred.parse().unwrap(),
                ..Facts::default()
            };
            let event = Event::lifecycle(*event_type, partnership, facts);
            ledger
                .record(ToRecord::lifecycle(event, "test"))
                .await
                .unwrap();
        }
        let projections = Projections::open_in_ledger(ledger, &path).unwrap();
        (dir, projections)
    }

    #[tokio::test]
    async fn status_takes_the_cohort_selectors_and_a_page() {
        use EventType as T;
        let (_dir, mut projections) = ledger_with(&[
            (
                "Colorado Springs, US-CO",
                "Smolensk, RU",
                T::PartnershipFounded,
                "1993",
            ),
            (
                "Tallahassee, US-FL",
                "Krasnodar, RU",
                T::PartnershipFounded,
                "1995",
            ),
            (
                "Colorado Springs, US-CO",
                "Fujiyoshida, JP",
                T::PartnershipFounded,
                "1962",
            ),
        ])
        .await;
        let status = |cohort: Cohort, page: Page| Query::Status {
            partnership: None,
            cohort,
            as_of: None,
            known_at: None,
            page,
        };
        let us_ru = Cohort {
            countries: Some(["RU".to_owned(), "US".to_owned()]),
            ..Cohort::default()
        };
        let Answer::Status(views) = projections
            .answer(status(us_ru.clone(), Page::default()))
            .await
            .unwrap()
        else {
            panic!("a status answer")
        };
        assert_eq!(views.len(), 2);
        let colorado = Cohort {
            region: Some("US-CO".to_owned()),
            ..Cohort::default()
        };
        let Answer::Status(views) = projections
            .answer(status(colorado, Page::default()))
            .await
            .unwrap()
        else {
            panic!("a status answer")
        };
        assert_eq!(views.len(), 2);
        let page = Page {
            limit: Some(1),
            offset: 1,
        };
        let Answer::Status(views) = projections.answer(status(us_ru, page)).await.unwrap() else {
            panic!("a status answer")
        };
        assert_eq!(views.len(), 1);
        assert_eq!(views[0].status, Status::Active);
        // The JSON of an answer is the list itself.
        let json = serde_json::to_value(Answer::Status(views)).unwrap();
        assert!(json.is_array(), "{json}");
    }

    #[tokio::test]
    async fn history_and_parties_answer_as_documents() {
        use EventType as T;
        let (_dir, mut projections) = ledger_with(&[
            ("Kraków, PL", "Leuven, BE", T::PartnershipFounded, "1991"),
            ("Kraków, PL", "Leuven, BE", T::PartnershipReaffirmed, "2021"),
        ])
        .await;
        let id: PartnershipId = "be:leuven+pl:kraków".parse().unwrap();
        let answer = projections
            .answer(Query::History {
                partnership: id.clone(),
                known_at: None,
            })
            .await
            .unwrap();
        let json = serde_json::to_value(&answer).unwrap();
        assert_eq!(json["partnership"], "be:leuven+pl:kraków", "{json}");
        assert_eq!(json["events"].as_array().map(Vec::len), Some(2), "{json}");
        assert_eq!(json["events"][1]["type"], "PartnershipReaffirmed", "{json}");
        let Answer::Parties(found) = projections
            .answer(Query::Parties {
                text: "krakow".to_owned(),
                page: Page::default(),
            })
            .await
            .unwrap()
        else {
            panic!("a parties answer")
        };
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].row.key.as_str(), found[0].partnerships),
            ("pl:kraków", 1)
        );
        let json = serde_json::to_value(Answer::Parties(found)).unwrap();
        assert_eq!(json[0]["key"], "pl:kraków", "{json}");
        assert_eq!(json[0]["partnerships"], 1, "{json}");
    }
}
