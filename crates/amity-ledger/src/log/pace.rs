//! Signing after writes at a steady pace: a long-running process (the coming server) that
//! writes often signs at most one checkpoint per interval (a second), which then covers every
//! write since the last. A one-shot command signs after its write ([`Ledger::checkpoint_if_grown`]).

use std::time::Duration;

use amity_log::SignerKey;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::Signed;
use crate::{Ledger, Result};

/// Signs checkpoints after writes, at most one per interval.
#[derive(Debug)]
pub struct Pace {
    interval: Duration,
    /// When the last checkpoint was signed; held while one is being signed, so that writers
    /// arriving meanwhile wait for it and then find their events covered.
    last: Mutex<Option<Instant>>,
}

impl Pace {
    /// At most one checkpoint per `interval`.
    pub fn new(interval: Duration) -> Pace {
        Pace {
            interval,
            last: Mutex::new(None),
        }
    }

    /// After a write: a checkpoint covering it, signed once an interval has passed since the
    /// last one (waiting until then if need be); `None` when a checkpoint signed meanwhile
    /// already covers every event.
    pub async fn after_write(&self, ledger: &Ledger, key: &SignerKey) -> Result<Option<Signed>> {
        let mut last = self.last.lock().await;
        if let Some(at) = *last {
            tokio::time::sleep_until(at + self.interval).await;
        }
        let signed = ledger.checkpoint_if_grown(key).await?;
        if signed.is_some() {
            *last = Some(Instant::now());
        }
        Ok(signed)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use amity_store::{ExpectedVersion, MemoryEventStore, NewEvent};

    use super::*;

    fn event(n: u32) -> NewEvent {
        NewEvent {
            event_id: uuid::Uuid::now_v7(),
            event_type: "Raw".to_owned(),
            schema_version: 1,
            payload: format!(r#"{{"n":{n}}}"#).into_bytes(),
            metadata: br#"{"recorded_by":"tester"}"#.to_vec(),
            recorded_at: None,
        }
    }

    /// Ten writers at once, twice: every event ends covered, with at most one checkpoint a
    /// second (on tokio's paused clock) and none repeated.
    #[tokio::test(start_paused = true)]
    async fn writers_at_once_get_one_checkpoint_a_second_covering_them_all() {
        let ledger = Ledger::new(Arc::new(MemoryEventStore::new()));
        let key = SignerKey::generate("amity/test").unwrap();
        let pace = Arc::new(Pace::new(Duration::from_secs(1)));
        let started = Instant::now();
        let mut signed_at = Vec::new();
        for round in 0..2 {
            let mut writers = Vec::new();
            for n in 0..10 {
                let (ledger, key, pace) = (ledger.clone(), key.clone(), pace.clone());
                writers.push(tokio::spawn(async move {
                    ledger
                        .store()
                        .append(&format!("s{n}"), ExpectedVersion::Any, vec![event(round)])
                        .await
                        .unwrap();
                    pace.after_write(&ledger, &key).await.unwrap()
                }));
            }
            for writer in writers {
                if writer.await.unwrap().is_some() {
                    signed_at.push(started.elapsed());
                }
            }
        }
        let checkpoints = ledger.log_checkpoints().await.unwrap();
        assert_eq!(checkpoints.last().unwrap().tree_size, 20);
        assert_eq!(checkpoints.len(), signed_at.len());
        assert!(checkpoints.len() <= 4, "{}", checkpoints.len());
        assert!(
            checkpoints
                .windows(2)
                .all(|pair| pair[0].tree_size < pair[1].tree_size),
            "no checkpoint repeats another"
        );
        signed_at.sort();
        assert!(
            signed_at
                .windows(2)
                .all(|pair| pair[1] - pair[0] >= Duration::from_secs(1)),
            "{signed_at:?}"
        );
    }
}
