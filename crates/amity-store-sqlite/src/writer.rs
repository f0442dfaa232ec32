//! The writer: the store's one write connection, and appends committed in groups. An append
//! runs on its caller's thread when no other is being written (no hand-off to another thread
//! and back, which cost more than a small transaction's own work); appends that arrive while
//! one is being written wait, and are then committed together by one caller, in one
//! transaction and one sync (group commit), each in a savepoint of its own and with its own
//! outcome.

use std::sync::{Arc, Mutex, MutexGuard};

use amity_store::{Appended, Result, StreamAppend};
use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::append::append_group;
use crate::connection::backend_error;

/// The write connection and the appends waiting for it.
#[derive(Debug)]
pub(crate) struct Writer {
    connection: Mutex<Connection>,
    queue: Mutex<Queue>,
}

/// Appends waiting to be written, and whether a caller is writing (leading).
#[derive(Debug, Default)]
struct Queue {
    waiting: Vec<Waiting>,
    leading: bool,
}

/// An append waiting to be written, and where its outcome goes.
#[derive(Debug)]
struct Waiting {
    parts: Vec<StreamAppend>,
    outcome: oneshot::Sender<Result<Vec<Appended>>>,
}

impl Writer {
    pub(crate) fn new(connection: Connection) -> Writer {
        Writer {
            connection: Mutex::new(connection),
            queue: Mutex::default(),
        }
    }

    /// The write connection, for the store's other writes (the log's tables).
    pub(crate) fn connection(&self) -> Result<MutexGuard<'_, Connection>> {
        self.connection
            .lock()
            .map_err(|_| backend_error("writer lock poisoned"))
    }

    /// Append `parts` in one transaction (all or nothing), committed alone or with the appends
    /// of other callers that arrive meanwhile.
    ///
    /// The caller that finds no one writing leads: it writes every waiting append (its own
    /// among them), hands each its outcome, and if more have arrived meanwhile, hands the
    /// lead to a blocking task, which writes on until none is left. On a multi-threaded
    /// runtime the leader writes in place ([`tokio::task::block_in_place`]); on a
    /// current-thread one, in a blocking task.
    pub(crate) async fn append(
        self: &Arc<Self>,
        parts: Vec<StreamAppend>,
    ) -> Result<Vec<Appended>> {
        let (outcome, answer) = oneshot::channel();
        let lead = {
            let mut queue = self.queue()?;
            queue.waiting.push(Waiting { parts, outcome });
            !std::mem::replace(&mut queue.leading, true)
        };
        if lead {
            let leading = Leading {
                writer: self.clone(),
                armed: true,
            };
            let lead = move || leading.lead(false);
            if tokio::runtime::Handle::current().runtime_flavor()
                == tokio::runtime::RuntimeFlavor::MultiThread
            {
                tokio::task::block_in_place(lead);
            } else {
                tokio::task::spawn_blocking(lead)
                    .await
                    .map_err(backend_error)?;
            }
        }
        answer
            .await
            .map_err(|_| backend_error("the writer stopped before this append was written"))?
    }

    fn queue(&self) -> Result<MutexGuard<'_, Queue>> {
        self.queue
            .lock()
            .map_err(|_| backend_error("append queue lock poisoned"))
    }
}

/// The lead, held by the caller (or blocking task) writing. Should it be dropped while armed
/// (a panic, or a blocking task that never ran), the appends waiting are failed (their
/// senders dropped) and the lead is free again, so that no caller waits for ever.
struct Leading {
    writer: Arc<Writer>,
    armed: bool,
}

impl Leading {
    /// Write the waiting appends, a group at a time; `to_the_end`: until none is left, else
    /// one group, the lead then going to a blocking task if more are waiting.
    fn lead(mut self, to_the_end: bool) {
        let writer = self.writer.clone();
        loop {
            let group = match writer.queue() {
                Ok(mut queue) => {
                    if queue.waiting.is_empty() {
                        queue.leading = false;
                        self.armed = false;
                        return;
                    }
                    std::mem::take(&mut queue.waiting)
                }
                // Left to the drop, which frees the lead.
                Err(_) => return,
            };
            let (appends, outcomes): (Vec<_>, Vec<_>) = group
                .into_iter()
                .map(|waiting| (waiting.parts, waiting.outcome))
                .unzip();
            let results = match writer.connection() {
                Ok(mut connection) => append_group(&mut connection, appends),
                Err(_) => appends
                    .iter()
                    .map(|_| Err(backend_error("writer lock poisoned")))
                    .collect(),
            };
            for (outcome, result) in outcomes.into_iter().zip(results) {
                // A caller that stopped waiting (its future dropped) finds its append written.
                let _ = outcome.send(result);
            }
            if !to_the_end {
                let more = writer.queue().map(|queue| !queue.waiting.is_empty());
                if let (Ok(true), Ok(runtime)) = (more, tokio::runtime::Handle::try_current()) {
                    runtime.spawn_blocking(move || self.lead(true));
                    return;
                }
            }
        }
    }
}

impl Drop for Leading {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let mut queue = match self.writer.queue.lock() {
            Ok(queue) => queue,
            Err(poisoned) => poisoned.into_inner(),
        };
        queue.waiting.clear();
        queue.leading = false;
    }
}
