//! Reading the feed in lanes: every event handed over once, the chunks in feed order, a lane
//! that stops or panics.

use std::collections::HashSet;

use super::support::{fresh_stream, head, read_all_of, samples};
use crate::{Error, EventStore, ExpectedVersion, Position, RecordedEvent};

/// What a collecting lane of [`read_in_lanes`] saw, in order.
#[derive(Debug)]
enum Seen {
    Begin(u64),
    Event(RecordedEvent),
    EndOfChunk,
    Failed(String),
}

/// A lane that keeps what it is given; it stops after `stop_after` events, if set.
struct CollectingLane {
    seen: std::sync::mpsc::Sender<Seen>,
    stop_after: Option<usize>,
}

impl crate::FeedLane for CollectingLane {
    fn begin_chunk(&mut self, number: u64) {
        let _ = self.seen.send(Seen::Begin(number));
    }

    fn event(&mut self, event: crate::StoredEvent<'_>) -> bool {
        if let Some(left) = &mut self.stop_after {
            if *left == 0 {
                return false;
            }
            *left -= 1;
        }
        let owned = event.to_recorded(event.stream.into());
        self.seen.send(Seen::Event(owned)).is_ok()
    }

    fn end_chunk(&mut self) -> bool {
        self.seen.send(Seen::EndOfChunk).is_ok()
    }

    fn fail(&mut self, error: Error) {
        let _ = self.seen.send(Seen::Failed(error.to_string()));
    }
}

/// Read in `lanes` lanes and put the chunks back in feed order by their numbers (each lane's
/// in increasing order; chunk *k* from lane *k* mod `lanes` unless the reading is balanced, and
/// every number up to the last given once); also returns the largest chunk.
async fn read_lanes(
    store: &std::sync::Arc<dyn EventStore>,
    read: crate::LaneRead,
    lanes: usize,
) -> (Vec<RecordedEvent>, usize) {
    let (senders, receivers): (Vec<_>, Vec<_>) =
        (0..lanes).map(|_| std::sync::mpsc::channel()).unzip();
    let boxed = senders
        .into_iter()
        .map(|seen| {
            Box::new(CollectingLane {
                seen,
                stop_after: None,
            }) as Box<dyn crate::FeedLane>
        })
        .collect();
    store.clone().read_all_in_lanes(read, boxed).await;
    // Every lane's chunks with their numbers.
    let mut numbered: Vec<(u64, Vec<RecordedEvent>)> = Vec::new();
    for (lane, receiver) in receivers.into_iter().enumerate() {
        let mut current: Option<(u64, Vec<RecordedEvent>)> = None;
        let mut numbers = Vec::new();
        for seen in receiver.try_iter() {
            match seen {
                Seen::Begin(number) => {
                    assert!(
                        current.is_none(),
                        "lane {lane}: a chunk begun before the last ended"
                    );
                    numbers.push(number);
                    current = Some((number, Vec::new()));
                }
                Seen::Event(event) => current
                    .as_mut()
                    .expect("an event in a chunk that was begun")
                    .1
                    .push(event),
                Seen::EndOfChunk => {
                    numbered.push(current.take().expect("the end of a chunk that was begun"))
                }
                Seen::Failed(error) => panic!("reading in lanes failed: {error}"),
            }
        }
        assert!(
            current.is_none(),
            "lane {lane}: its last chunk was not ended"
        );
        assert!(
            numbers.windows(2).all(|pair| pair[0] < pair[1]),
            "lane {lane}: its chunks out of feed order: {numbers:?}"
        );
        if !read.balanced {
            assert!(
                numbers
                    .iter()
                    .all(|&number| number % lanes as u64 == lane as u64),
                "lane {lane} got chunks {numbers:?} of another lane's turn"
            );
        }
    }
    numbered.sort_by_key(|(number, _)| *number);
    let numbers: Vec<u64> = numbered.iter().map(|(number, _)| *number).collect();
    assert_eq!(
        numbers,
        (0..numbered.len() as u64).collect::<Vec<_>>(),
        "every chunk given once"
    );
    let largest = numbered
        .iter()
        .map(|(_, chunk)| chunk.len())
        .max()
        .unwrap_or(0);
    let feed = numbered.into_iter().flat_map(|(_, chunk)| chunk).collect();
    (feed, largest)
}

/// `read_all_in_lanes` hands over every event once: the lanes' chunks, taken in turn, are the
/// feed in global order, from any position, up to `until` or the end, whatever the number of
/// lanes and the chunk size; a lane that stops does not hold up the reading.
pub async fn read_in_lanes(store: std::sync::Arc<dyn EventStore>) {
    let start = head(&*store).await;
    let streams: Vec<String> = (0..3)
        .map(|i| fresh_stream(&format!("lanes-{i}")))
        .collect();
    let mut last = start;
    for round in 0..5 {
        for stream in &streams {
            let appended = store
                .append(stream, ExpectedVersion::Any, samples(round % 3 + 1))
                .await
                .unwrap();
            last = appended.last_position.unwrap();
        }
    }
    let names: HashSet<&str> = streams.iter().map(String::as_str).collect();
    let expected = read_all_of(&*store, start, 1000, &names).await;
    assert_eq!(expected.len(), 27);
    let ours = |feed: &[RecordedEvent]| -> Vec<RecordedEvent> {
        feed.iter()
            .filter(|e| names.contains(e.stream.as_str()))
            .cloned()
            .collect()
    };
    for (lanes, chunk, page, mapped, balanced) in [
        (1, 1, 1, false, false),
        (2, 1, 3, true, false),
        (2, 1, 3, true, true),
        (2, 4, 7, false, false),
        (3, 5, 2, true, false),
        (3, 2, 2, false, true),
        (4, 64, 1000, true, false),
        (4, 64, 1000, false, true),
    ] {
        let read = crate::LaneRead {
            after: start,
            until: Some(last),
            chunk,
            page,
            mapped,
            balanced,
        };
        let (feed, largest) = read_lanes(&store, read, lanes).await;
        let context = format!(
            "{lanes} lanes, chunks of {chunk}, pages of {page}, mapped {mapped}, balanced {balanced}"
        );
        assert_eq!(ours(&feed), expected, "{context}");
        assert!(largest <= chunk, "{context}: a chunk of {largest}");
        assert!(
            feed.windows(2).all(|w| w[0].position < w[1].position),
            "{context}: out of order"
        );
        assert!(
            feed.iter()
                .all(|e| e.position > start && e.position <= last),
            "{context}: outside the range"
        );
        assert_eq!(feed.last().map(|e| e.position), Some(last), "{context}");
    }
    // From the middle, and up to the end of the feed.
    let middle = expected[11].position;
    let read = crate::LaneRead {
        after: middle,
        until: None,
        chunk: 3,
        page: 4,
        mapped: false,
        balanced: true,
    };
    let (feed, _) = read_lanes(&store, read, 2).await;
    assert_eq!(ours(&feed), expected[12..].to_vec());
    // Nothing after the end.
    let read = crate::LaneRead {
        after: last,
        until: Some(last),
        chunk: 3,
        page: 4,
        mapped: false,
        balanced: false,
    };
    assert!(read_lanes(&store, read, 2).await.0.is_empty());
    // A lane that stops: it gets nothing more, and the reading still returns.
    let (seen, stopped) = std::sync::mpsc::channel();
    let (other_seen, other) = std::sync::mpsc::channel();
    let stopping: Vec<Box<dyn crate::FeedLane>> = vec![
        Box::new(CollectingLane {
            seen,
            stop_after: Some(3),
        }),
        Box::new(CollectingLane {
            seen: other_seen,
            stop_after: None,
        }),
    ];
    let read = crate::LaneRead {
        after: start,
        until: Some(last),
        chunk: 2,
        page: 5,
        mapped: false,
        balanced: false,
    };
    in_time(store.clone().read_all_in_lanes(read, stopping)).await;
    let events = |seen: Vec<Seen>| -> Vec<Position> {
        seen.into_iter()
            .filter_map(|seen| match seen {
                Seen::Event(event) => Some(event.position),
                _ => None,
            })
            .collect()
    };
    // Three events taken (two chunks' worth, whichever way the backend cuts them), then it
    // refused the fourth.
    assert_eq!(events(stopped.try_iter().collect()).len(), 3);
    let others = events(other.try_iter().collect());
    assert!(others.windows(2).all(|w| w[0] < w[1]));
    // A lane that panics makes the reading panic (and does not hang it).
    let (seen, _kept) = std::sync::mpsc::channel();
    let panicking: Vec<Box<dyn crate::FeedLane>> = vec![
        Box::new(CollectingLane {
            seen,
            stop_after: None,
        }),
        Box::new(PanickingLane),
    ];
    let reading = tokio::spawn(store.clone().read_all_in_lanes(read, panicking));
    let outcome = in_time(reading).await;
    assert!(outcome.is_err_and(|error| error.is_panic()));
}

/// A lane that panics at its first event.
struct PanickingLane;

impl crate::FeedLane for PanickingLane {
    fn event(&mut self, _: crate::StoredEvent<'_>) -> bool {
        panic!("a lane panics (on purpose, in a test)")
    }

    fn end_chunk(&mut self) -> bool {
        true
    }

    fn fail(&mut self, _: Error) {}
}

/// `future`'s output, or a panic if it takes more than a minute (a hang).
async fn in_time<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(60), future)
        .await
        .expect("the reading hung")
}
