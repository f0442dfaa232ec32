//! A small client of the Chrome DevTools Protocol: one WebSocket to one target, commands
//! answered in order, and the events that arrive meanwhile kept until a test asks for them.
//!
//! Synchronous on purpose: a test does one thing at a time, so a command is sent and the
//! socket read until its answer comes; every event read on the way is kept in `events`.
//! Waiting for an event reads with the socket's timeout set to what is left of the deadline,
//! so nothing sleeps: a wait ends when Chromium says something or the deadline passes.

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

/// One DevTools event: its method (`Page.loadEventFired`) and parameters.
#[derive(Debug, Clone)]
pub struct Event {
    pub method: String,
    pub params: Value,
}

/// A WebSocket to one DevTools target (the browser, or one page).
pub struct Connection {
    socket: WebSocket<TcpStream>,
    next_id: u64,
    events: VecDeque<Event>,
    /// How long one command may take before the harness gives up on Chromium.
    pub command_timeout: Duration,
}

impl Connection {
    /// Connect to `ws://HOST:PORT/devtools/...`.
    pub fn open(url: &str) -> Result<Connection, String> {
        let address = url
            .strip_prefix("ws://")
            .and_then(|rest| rest.split('/').next())
            .ok_or_else(|| format!("not a ws:// DevTools address: {url}"))?;
        let stream = TcpStream::connect(address)
            .map_err(|error| format!("cannot connect to DevTools at {address}: {error}"))?;
        stream
            .set_nodelay(true)
            .map_err(|error| format!("DevTools socket: {error}"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(|error| format!("DevTools socket: {error}"))?;
        let (socket, _response) = tungstenite::client(url, stream)
            .map_err(|error| format!("DevTools WebSocket handshake with {url}: {error}"))?;
        Ok(Connection {
            socket,
            next_id: 0,
            events: VecDeque::new(),
            command_timeout: Duration::from_secs(30),
        })
    }

    /// Send `method` with `params` and wait for its answer: the `result`, or the protocol's
    /// error as a message.
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let request = json!({ "id": id, "method": method, "params": params });
        self.socket
            .send(Message::text(request.to_string()))
            .map_err(|error| format!("DevTools: cannot send {method}: {error}"))?;
        let deadline = Instant::now() + self.command_timeout;
        loop {
            let message = self
                .read_until(deadline)
                .map_err(|error| format!("DevTools {method}: {error}"))?;
            if message.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(error) = message.get("error") {
                    return Err(format!("DevTools {method} failed: {error}"));
                }
                return Ok(message.get("result").cloned().unwrap_or(Value::Null));
            }
            self.keep(message);
        }
    }

    /// Wait until an event that `wanted` accepts arrives (or was already kept), and take it
    /// out; the events before it stay kept.
    pub fn wait_for(
        &mut self,
        timeout: Duration,
        what: &str,
        wanted: impl Fn(&Event) -> bool,
    ) -> Result<Event, String> {
        if let Some(index) = self.events.iter().position(&wanted) {
            return Ok(self.events.remove(index).expect("the index was just found"));
        }
        let deadline = Instant::now() + timeout;
        loop {
            let message = self
                .read_until(deadline)
                .map_err(|error| format!("waiting for {what}: {error}"))?;
            let before = self.events.len();
            self.keep(message);
            if self.events.len() > before && wanted(&self.events[before]) {
                return Ok(self.events.remove(before).expect("just kept"));
            }
        }
    }

    /// Take every kept event that `wanted` accepts, in order of arrival.
    pub fn take(&mut self, wanted: impl Fn(&Event) -> bool) -> Vec<Event> {
        let (taken, kept): (VecDeque<Event>, VecDeque<Event>) =
            self.events.drain(..).partition(|event| wanted(event));
        self.events = kept;
        taken.into()
    }

    /// Forget the kept events that `unwanted` accepts.
    pub fn forget(&mut self, unwanted: impl Fn(&Event) -> bool) {
        self.events.retain(|event| !unwanted(event));
    }

    fn keep(&mut self, message: Value) {
        if let Some(method) = message.get("method").and_then(Value::as_str) {
            self.events.push_back(Event {
                method: method.to_owned(),
                params: message.get("params").cloned().unwrap_or(Value::Null),
            });
        }
    }

    /// The next JSON message, read before `deadline`.
    fn read_until(&mut self, deadline: Instant) -> Result<Value, String> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err("timed out: Chromium said nothing more".to_owned());
            }
            self.socket
                .get_ref()
                .set_read_timeout(Some(left))
                .map_err(|error| format!("DevTools socket: {error}"))?;
            match self.socket.read() {
                Ok(Message::Text(text)) => {
                    return serde_json::from_str(text.as_str())
                        .map_err(|error| format!("DevTools sent bad JSON ({error}): {text}"));
                }
                Ok(Message::Close(frame)) => {
                    return Err(format!("DevTools closed the connection: {frame:?}"));
                }
                Ok(_) => continue,
                Err(tungstenite::Error::Io(error))
                    if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
                {
                    continue;
                }
                Err(error) => return Err(format!("DevTools connection lost: {error}")),
            }
        }
    }
}
