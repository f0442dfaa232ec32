//! `amity serve` run as a user runs it, on a free loopback port, for the browser and the HTTP
//! tests to visit; ended on drop, when the test passes or panics.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{amity_in, Sandbox};

/// How long the server may take to bind and say where it listens.
const STARTUP: Duration = Duration::from_secs(60);

/// A running `amity serve` over a sandbox's ledger.
pub struct Served {
    child: Child,
    /// `http://127.0.0.1:PORT`, without the final slash.
    pub base: String,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Served {
    /// Start `amity --store <ledger> serve --listen 127.0.0.1:0` and wait for its line
    /// `amity serve: listening on http://ADDR/ (…)`.
    pub fn start(sandbox: &Sandbox) -> Served {
        Served::start_with(sandbox, &[], &[])
    }

    /// [`Served::start`] with more options and environment variables.
    pub fn start_with(sandbox: &Sandbox, extra: &[&str], env: &[(&str, &str)]) -> Served {
        let mut command = amity_in(sandbox.path());
        command.args([
            "--store",
            &sandbox.store,
            "serve",
            "--listen",
            "127.0.0.1:0",
        ]);
        command.args(extra);
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("amity serve starts");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (found, listening) = mpsc::channel();
        let pipe = child.stderr.take().expect("stderr is piped");
        let lines = Arc::clone(&stderr);
        // Read stderr to its end, so that the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("amity serve: listening on ") {
                    let url = rest.split_whitespace().next().unwrap_or_default();
                    let _ = found.send(url.trim_end_matches('/').to_owned());
                }
                lines
                    .lock()
                    .unwrap_or_else(|poison| poison.into_inner())
                    .push(line);
            }
        });
        let base = listening.recv_timeout(STARTUP);
        let mut served = Served {
            child,
            base: String::new(),
            stderr,
        };
        match base {
            Ok(base) => served.base = base,
            Err(_) => {
                let _ = served.child.kill();
                let _ = served.child.wait();
                panic!(
                    "amity serve did not say where it listens within {STARTUP:?}; its stderr:\n{}",
                    served.stderr()
                );
            }
        }
        served
    }

    /// The full address of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// What the server wrote on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .join("\n")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
