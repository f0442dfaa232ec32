//! Headless Chromium for the browser tests: found on the machine (or the test skipped, except
//! under CI), started with its own profile and process group, and ended on drop, when a test
//! passes or panics.
//!
//! Each test starts its own Chromium (about a second) rather than share one: a shared one
//! would live in a `static`, which Rust never drops, so it would outlive the test binary.
//! [`Slot`] lets only a few run at once, so that a parallel test run on a small machine does
//! not start a dozen browsers together.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use serde_json::json;
use tempfile::TempDir;

use super::cdp::Connection;
use super::page::Page;

/// How many Chromiums may run at once in one test binary.
const AT_ONCE: usize = 2;

/// Where Chromium is: `/usr/bin/chromium`, or `chromium` on the `PATH`. `None` with a printed
/// reason when it is missing, so the caller skips; a panic under `CI=true`, where `.ci/run`
/// installs it and its absence is a broken gate.
pub fn find(test: &str) -> Option<PathBuf> {
    let debian = PathBuf::from("/usr/bin/chromium");
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromium"))
            .find(|candidate| candidate.is_file())
    });
    let found = if debian.is_file() {
        Some(debian)
    } else {
        on_path
    };
    if found.is_none() {
        let reason = "no Chromium: neither /usr/bin/chromium nor `chromium` on the PATH \
                      (install Debian's `chromium` package; .ci/run does)";
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{test}: {reason}, and CI=true requires the browser tests to run"
        );
        // Past the test harness's capture of `eprintln!`, so that a passing run shows it.
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "skipped {test}: {reason}");
    }
    found
}

/// A permit to run one Chromium; given back on drop.
struct Slot;

static RUNNING: Mutex<usize> = Mutex::new(0);
static FREED: Condvar = Condvar::new();

impl Slot {
    fn take() -> Slot {
        let mut running = RUNNING.lock().unwrap_or_else(|poison| poison.into_inner());
        while *running >= AT_ONCE {
            running = FREED
                .wait(running)
                .unwrap_or_else(|poison| poison.into_inner());
        }
        *running += 1;
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut running = RUNNING.lock().unwrap_or_else(|poison| poison.into_inner());
        *running -= 1;
        FREED.notify_one();
    }
}

/// A running headless Chromium and the DevTools connection to it as a whole.
pub struct Chromium {
    child: Child,
    browser: Connection,
    /// `127.0.0.1:PORT`, where DevTools listens.
    address: String,
    /// What Chromium wrote on stderr, for the message when it fails.
    stderr: Arc<Mutex<Vec<String>>>,
    _profile: TempDir,
    _slot: Slot,
}

impl Chromium {
    /// Start Chromium at `path`, headless and without the sandbox (tests run as root in CI),
    /// on a free DevTools port, with a fresh profile.
    pub fn start(path: &Path) -> Chromium {
        let slot = Slot::take();
        let profile = tempfile::tempdir().expect("a temporary profile folder");
        let mut child = Command::new(path)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--remote-debugging-port=0",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--mute-audio",
                "--window-size=1280,900",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            // Its own process group, so that its renderers end with it (see `Drop`).
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", path.display()));

        // Chromium says where DevTools listens on stderr; keep reading it after that, so that
        // the pipe never fills, and keep the lines for error messages.
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (found, listening) = mpsc::channel();
        let pipe = child.stderr.take().expect("stderr is piped");
        let lines = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    let _ = found.send(url.trim().to_owned());
                }
                lines
                    .lock()
                    .unwrap_or_else(|poison| poison.into_inner())
                    .push(line);
            }
        });
        let chromium_so_far = |child: &mut Child| {
            let _ = child.kill();
            let _ = child.wait();
            stderr
                .lock()
                .unwrap_or_else(|poison| poison.into_inner())
                .join("\n")
        };
        let url = match listening.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => url,
            Err(_) => panic!(
                "{} did not say where DevTools listens within 60 s; its stderr:\n{}",
                path.display(),
                chromium_so_far(&mut child)
            ),
        };
        let browser = match Connection::open(&url) {
            Ok(browser) => browser,
            Err(error) => panic!(
                "{error}; Chromium's stderr:\n{}",
                chromium_so_far(&mut child)
            ),
        };
        let address = url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        Chromium {
            child,
            browser,
            address,
            stderr,
            _profile: profile,
            _slot: slot,
        }
    }

    /// A new blank page (tab), with its own DevTools connection.
    pub fn page(&mut self) -> Page {
        let target = self
            .browser
            .call("Target.createTarget", json!({ "url": "about:blank" }))
            .unwrap_or_else(|error| panic!("{error}; Chromium's stderr:\n{}", self.stderr()));
        let target_id = target["targetId"]
            .as_str()
            .unwrap_or_else(|| panic!("Target.createTarget gave no targetId: {target}"));
        let url = format!("ws://{}/devtools/page/{target_id}", self.address);
        let connection = Connection::open(&url)
            .unwrap_or_else(|error| panic!("{error}; Chromium's stderr:\n{}", self.stderr()));
        Page::new(connection)
    }

    /// What Chromium wrote on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .join("\n")
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        // Ask it to close, then end its whole process group (renderers, GPU process) whatever
        // it answered: the group is ours, made at spawn.
        self.browser.command_timeout = Duration::from_secs(2);
        let _ = self.browser.call("Browser.close", json!({}));
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
