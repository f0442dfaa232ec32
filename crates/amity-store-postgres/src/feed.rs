//! The global feed: a page of events after a position, read in two halves at once when it is
//! large, with stream names from a cache instead of a join.

use std::collections::HashMap;

use amity_store::{Position, RecordedEvent, Result, SmolStr};
use tokio::sync::Mutex;
use tokio_postgres::Client;

use crate::connection::backend_error;
use crate::rows::read_event_in;
use crate::schema::Schema;

/// Stream names by number: numbers never change, so the cache never goes stale.
pub(crate) type StreamNames = HashMap<i64, SmolStr>;

/// Pages of the feed at least this large are read in two halves at once.
const SPLIT_PAGE: i64 = 2_000;

/// A page from its two halves read at once: the first, of the `half` positions after the
/// page's start, and the rest, after those. Positions have no gaps and commit in order, so the
/// rest may follow only a complete first half; a short first half is the page when nothing
/// follows it, and otherwise (the feed grew between the two reads) the page must be read again,
/// whole (`None`).
pub(crate) fn join_halves<T>(mut first: Vec<T>, rest: Vec<T>, half: usize) -> Option<Vec<T>> {
    if first.len() == half {
        first.extend(rest);
        Some(first)
    } else if rest.is_empty() {
        Some(first)
    } else {
        None
    }
}

/// The connections and the cache a page of the feed is read with.
pub(crate) struct FeedReader<'a> {
    /// The schema.
    pub(crate) schema: &'a Schema,
    /// The reading connection.
    pub(crate) reader: &'a Mutex<Client>,
    /// The second one, for the second half of a large page.
    pub(crate) second_reader: &'a Mutex<Client>,
    /// The names of the streams met so far.
    pub(crate) stream_names: &'a std::sync::Mutex<StreamNames>,
}

impl FeedReader<'_> {
    /// At most `max` events after `after`, in order (see [`amity_store::EventStore::read_all`]).
    pub(crate) async fn read_page(
        &self,
        after: Position,
        max: usize,
    ) -> Result<Vec<RecordedEvent>> {
        let after = after.parts().map_or(0, |(commit, _)| commit as i64);
        let max = max.min(i64::MAX as usize / 2) as i64;
        let client = self.reader.lock().await;
        // Stream numbers, not names: names come from the cache (the hot path of rebuilds).
        let select = |condition: &str| {
            self.schema.sql(&format!(
                "SELECT position, stream_no, stream_version, event_id, event_type,
                        schema_version, payload, metadata, recorded_at
                 FROM {{s}}.events WHERE {condition} ORDER BY position LIMIT $2"
            ))
        };
        let whole = select("position > $1");
        let rows = if max < SPLIT_PAGE {
            client.query(&whole, &[&after, &max]).await
        } else {
            // Positions have no gaps (each append takes the next ones from the locked head
            // row) and commit in order: see `join_halves`.
            let half = max / 2;
            let second = self.second_reader.lock().await;
            let first_half = select("position > $1 AND position <= $1 + $2");
            let (middle, rest_max) = (after + half, max - half);
            let first_params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&after, &half];
            let rest_params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&middle, &rest_max];
            let (first, rest) = tokio::join!(
                client.query(&first_half, &first_params),
                second.query(&whole, &rest_params),
            );
            match (first, rest) {
                (Ok(first), Ok(rest)) => match join_halves(first, rest, half as usize) {
                    Some(rows) => Ok(rows),
                    None => client.query(&whole, &[&after, &max]).await,
                },
                (Err(error), _) | (_, Err(error)) => Err(error),
            }
        }
        .map_err(backend_error)?;
        let unknown: Vec<i64> = {
            let names = self.stream_names.lock().expect("stream names");
            let mut unknown: Vec<i64> = rows
                .iter()
                .map(|row| row.get::<_, i64>(1))
                .filter(|stream_no| !names.contains_key(stream_no))
                .collect();
            unknown.sort_unstable();
            unknown.dedup();
            unknown
        };
        if !unknown.is_empty() {
            let named = client
                .query(
                    &self
                        .schema
                        .sql("SELECT stream_no, name FROM {s}.streams WHERE stream_no = ANY($1)"),
                    &[&unknown],
                )
                .await
                .map_err(backend_error)?;
            let mut names = self.stream_names.lock().expect("stream names");
            for row in named {
                names.insert(row.get(0), row.get::<_, &str>(1).into());
            }
        }
        drop(client);
        let names = self.stream_names.lock().expect("stream names");
        rows.iter()
            .map(|row| {
                let stream_no: i64 = row.get(1);
                let name = names.get(&stream_no).cloned().ok_or_else(|| {
                    backend_error(format!("event stream number {stream_no} has no stream"))
                })?;
                read_event_in(row, name)
            })
            .collect()
    }
}
