//! Benchmark: `amity serve` under load, against 127.0.0.1 (`cargo bench -p amity-tests --bench
//! serve`). A bench, not a timed test: it prints medians beside the targets of issue 20 and
//! fails only when a write is lost or a response is not a success.
//!
//! The ledger is the 1,000,000-event synthetic one of the `ledger` benchmark (100,000
//! partnerships × 10 events), built once and kept in the target dir, keyed by its size
//! (`$CARGO_TARGET_DIR/amity-bench/serve-100000x10.db`), with its projection tables caught up
//! (`amity status --limit 1`). Each invocation serves a copy of it, so the written events
//! never reach the kept one. It needs the release `amity` binary in the same target dir:
//! `cargo build --release -p amity-cli && cargo bench -p amity-tests --bench serve` (the bench
//! does not build it itself: a `cargo build` started from a bench finds every dependency's
//! fingerprint changed and rebuilds them all).
//!
//! For each reader count (`--readers N`), each run starts the server afresh (follower mode,
//! as it always runs, with a write token) and runs `wrk -c 64 -t 2 -d 10s --latency`:
//! 1. against `/api/v1/partnerships/{id}` with ids spread over 10,000 partnerships (a Lua
//!    script picks one at random per request);
//! 2. against the page `/partnerships/{id}` the same way;
//! 3. against the JSON endpoint again while writers POST events (`PartnershipAttested` with
//!    fresh ids on many partnerships, one event a request, from several clients on keep-alive
//!    connections); every id is then looked up in the ledger: none may be lost.
//!
//! Printed per run and as medians over the runs: requests/s, p50 and p99 latency, the
//! server's peak RSS (VmHWM), and the CPU share of wrk and of the server over each phase
//! (CPU seconds / (wall seconds × cores)): wrk shares the machine's cores with the server.
//!
//! Environment: `AMITY_BENCH_PARTNERSHIPS` (default 100000), `AMITY_BENCH_RUNS` (default 3),
//! `AMITY_BENCH_SECONDS` (wrk's duration, default 10), `AMITY_BENCH_READERS` (default
//! `2,4,8`), `AMITY_BENCH_WRITES` (events written per run, default 2000),
//! `AMITY_BENCH_WRITERS` (concurrent writing clients, default 4).

#[path = "common.rs"]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use amity_domain::{Certainty, EdtfDate, Event, EventType, Facts, Occurred, Source, SourceRole};
use amity_store::EventStore;
use amity_store_sqlite::SqliteEventStore;
use common::{env_number, fill, median, partnership_events, EVENTS_PER_PARTNERSHIP};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The write token's secret (43 characters, as 32 random bytes in base64url are).
const TOKEN: &str = "bench-0123456789abcdefghijklmnopqrstuvwxyzAB";
/// Partnerships the readers ask about, spread evenly over the ledger.
const ASKED: usize = 10_000;

/// The target dir this bench was built in: `TARGET/release/deps/serve-…`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the bench's path");
    exe.ancestors()
        .nth(3)
        .expect("TARGET/release/deps")
        .to_owned()
}

/// Run `amity --store sqlite://PATH ARGS…` to completion.
fn amity(binary: &Path, path: &Path, args: &[&str]) {
    let output = Command::new(binary)
        .args(["--store", &format!("sqlite://{}", path.display())])
        .args(args)
        .output()
        .expect("amity runs");
    assert!(
        output.status.success(),
        "amity {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The synthetic ledger of `partnerships` × 10 events, its tables caught up: kept in the
/// target dir and built only when missing.
fn kept_ledger(target: &Path, binary: &Path, partnerships: usize) -> PathBuf {
    let dir = target.join("amity-bench");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let path = dir.join(format!("serve-{partnerships}x{EVENTS_PER_PARTNERSHIP}.db"));
    let ready = dir.join(format!(
        "serve-{partnerships}x{EVENTS_PER_PARTNERSHIP}.ready"
    ));
    if ready.exists() && path.exists() {
        return path;
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    println!(
        "building {partnerships} partnerships × 10 events at {}",
        path.display()
    );
    let started = Instant::now();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    {
        let store: Arc<dyn EventStore> = Arc::new(SqliteEventStore::open(&path).expect("open"));
        runtime.block_on(fill(&store, partnerships));
    }
    amity(binary, &path, &["status", "--limit", "1"]);
    checkpoint_wal(&path);
    std::fs::write(&ready, "").expect("mark the ledger ready");
    println!("built in {:.0} s", started.elapsed().as_secs_f64());
    path
}

/// Fold the WAL into the database file, so that the file alone is the whole ledger.
fn checkpoint_wal(path: &Path) {
    rusqlite::Connection::open(path)
        .expect("open the ledger")
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .expect("checkpoint the WAL");
}

/// Percent-encode everything but unreserved characters.
fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A running server, killed when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(binary: &Path, ledger: &Path, readers: usize) -> Server {
        let mut child = Command::new(binary)
            .args(["--store", &format!("sqlite://{}", ledger.display())])
            .args(["serve", "--listen", "127.0.0.1:0", "--readers"])
            .arg(readers.to_string())
            .env("AMITY_WRITE_TOKEN", format!("bench:{TOKEN}"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("amity serve starts");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let address = loop {
            let line = lines
                .next()
                .expect("amity serve says where it listens")
                .expect("stderr");
            if let Some(rest) = line.strip_prefix("amity serve: listening on http://") {
                break rest.split('/').next().expect("address").to_owned();
            }
        };
        // Keep draining stderr, so that the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server { child, address }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A process's CPU seconds so far (user and system, all threads) and whether it has exited
/// (a zombie, not yet reaped), from `/proc/PID/stat`.
fn cpu_of(pid: u32) -> (f64, bool) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = text.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |index: usize| -> f64 {
        fields
            .get(index)
            .and_then(|field| field.parse().ok())
            .unwrap_or(f64::NAN)
    };
    // utime and stime are the 14th and 15th fields; clock ticks are 100 per second.
    (
        (ticks(11) + ticks(12)) / 100.0,
        fields.first() == Some(&"Z"),
    )
}

/// A process's peak resident memory (VmHWM) in MB.
fn peak_rss_of(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// What one wrk run measured.
#[derive(Debug, Clone, Copy)]
struct Measured {
    per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// wrk's CPU share of the machine over the run.
    wrk_cpu: f64,
    /// The server's CPU share of the machine over the run.
    server_cpu: f64,
}

/// A duration as wrk prints it (`812.00us`, `1.23ms`, `2.00s`), in milliseconds.
fn millis(text: &str) -> f64 {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => value / 1e3,
        "ms" => value,
        "s" => value * 1e3,
        "m" => value * 60e3,
        _ => f64::NAN,
    }
}

/// Read wrk's `--latency` report; panics on errors or non-success responses.
fn parse_wrk(report: &str) -> (f64, f64, f64) {
    let field = |prefix: &str| {
        report
            .lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix(prefix))
            .map(str::trim)
    };
    assert!(
        field("Non-2xx or 3xx responses:").is_none() && field("Socket errors:").is_none(),
        "wrk saw failures:\n{report}"
    );
    let per_s = field("Requests/sec:").and_then(|v| v.parse().ok());
    let p50 = field("50%").map(millis);
    let p99 = field("99%").map(millis);
    match (per_s, p50, p99) {
        (Some(per_s), Some(p50), Some(p99)) => (per_s, p50, p99),
        _ => panic!("unreadable wrk report:\n{report}"),
    }
}

/// Run wrk with 64 connections against `url` for `seconds`, its Lua script picking the path.
fn wrk(url: &str, script: &Path, seconds: usize, server: u32) -> Measured {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let server_before = cpu_of(server).0;
    let started = Instant::now();
    let mut child = Command::new("wrk")
        .args([
            "-c",
            "64",
            "-t",
            "2",
            "-d",
            &format!("{seconds}s"),
            "--latency",
            "-s",
        ])
        .arg(script)
        .arg(url)
        .stdout(Stdio::piped())
        .spawn()
        .expect("wrk runs (the Debian package wrk)");
    // Sample wrk's CPU time until it has exited (its report, a few hundred bytes, waits in
    // the pipe); the last sample, taken from the unreaped process, is its total.
    let wrk_cpu = loop {
        let (seconds, exited) = cpu_of(child.id());
        if exited {
            break seconds;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let wall = started.elapsed().as_secs_f64();
    let server_cpu = cpu_of(server).0 - server_before;
    let mut report = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut report)
        .expect("wrk's report");
    assert!(
        child.wait().expect("wrk").success(),
        "wrk failed:\n{report}"
    );
    let (per_s, p50_ms, p99_ms) = parse_wrk(&report);
    Measured {
        per_s,
        p50_ms,
        p99_ms,
        wrk_cpu: wrk_cpu / (wall * cores),
        server_cpu: server_cpu / (wall * cores),
    }
}

/// The wrk script: each request asks for `prefix` + one of the (encoded) ids in `ids`.
fn script(dir: &Path, name: &str, prefix: &str, ids: &Path) -> PathBuf {
    let path = dir.join(format!("{name}.lua"));
    let text = format!(
        "local ids = {{}}\n\
         for line in io.lines(\"{ids}\") do ids[#ids + 1] = line end\n\
         request = function()\n  \
           return wrk.format(\"GET\", \"{prefix}\" .. ids[math.random(#ids)])\n\
         end\n",
        ids = ids.display()
    );
    std::fs::write(&path, text).expect("write the wrk script");
    path
}

/// The body of one write: a `PartnershipAttested` of synthetic partnership `n`, stored form.
fn attestation(n: usize, event_id: uuid::Uuid) -> String {
    let (partnership, _) = partnership_events(n);
    let facts = Facts {
        occurred: Occurred::Date(EdtfDate::parse("2015-05").expect("date")),
        term_as_written: Some("twinned".to_owned()),
        sources: vec![Source {
            title: format!("Municipal yearbook, entry {n}"),
            publisher: Some("Municipal archive".to_owned()),
            url: Some(format!("https://archive.example.org/yearbook/{n}")),
            published: Some(EdtfDate::parse("2015").expect("date")),
            locator: None,
            role: Some(SourceRole::Primary),
        }],
        certainty: Certainty::Confirmed,
        initiated_by: None,
        note: None,
    };
    let event = Event::lifecycle(EventType::PartnershipAttested, partnership, facts);
    let payload = String::from_utf8(amity_ledger::encode(event_id, &event, "bench").payload)
        .expect("a JSON payload");
    format!(r#"{{"event_id":"{event_id}","type":"PartnershipAttested","payload":{payload}}}"#)
}

/// POST `body` on a keep-alive connection; the status code and the response body.
fn post(stream: &mut BufReader<TcpStream>, host: &str, body: &str) -> (u16, String) {
    let request = format!(
        "POST /api/v1/events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream
        .get_mut()
        .write_all(request.as_bytes())
        .expect("send");
    let mut line = String::new();
    stream.read_line(&mut line).expect("status line");
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("status line {line:?}"));
    let mut length = 0;
    loop {
        line.clear();
        stream.read_line(&mut line).expect("header");
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().expect("content length");
            }
        }
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body).expect("body");
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// Write `count` events from `clients` concurrent connections: the ids written, and the
/// seconds it took.
fn write_events(
    address: &str,
    count: usize,
    clients: usize,
    partnerships: usize,
) -> (Vec<uuid::Uuid>, f64) {
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|client| {
            let address = address.to_owned();
            std::thread::spawn(move || {
                let stream = TcpStream::connect(&address).expect("connect");
                stream.set_nodelay(true).expect("nodelay");
                let mut stream = BufReader::new(stream);
                let mut ids = Vec::new();
                for k in (client..count).step_by(clients) {
                    let event_id = uuid::Uuid::now_v7();
                    let n = (k * 7919) % partnerships;
                    let (status, body) = post(&mut stream, &address, &attestation(n, event_id));
                    assert!(
                        status == 201 && body.contains("\"recorded\""),
                        "write {k}: {status} {body}"
                    );
                    ids.push(event_id);
                }
                ids
            })
        })
        .collect();
    let ids = workers
        .into_iter()
        .flat_map(|worker| worker.join().expect("a writer"))
        .collect();
    (ids, started.elapsed().as_secs_f64())
}

/// How many of `ids` the ledger holds.
fn recorded(ledger: &Path, ids: &[uuid::Uuid]) -> usize {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let store = SqliteEventStore::open(ledger).expect("open the ledger");
    runtime.block_on(async {
        let mut found = 0;
        for id in ids {
            if store.find_event(*id).await.expect("find").is_some() {
                found += 1;
            }
        }
        found
    })
}

/// One run's figures.
struct Run {
    json: Measured,
    page: Measured,
    mixed: Measured,
    writes_per_s: f64,
    peak_mb: f64,
}

fn show(name: &str, m: &Measured) -> String {
    format!(
        "{name} {:.0} req/s p50 {:.2} ms p99 {:.2} ms (CPU: wrk {:.0}%, server {:.0}%)",
        m.per_s,
        m.p50_ms,
        m.p99_ms,
        m.wrk_cpu * 100.0,
        m.server_cpu * 100.0
    )
}

fn main() {
    let partnerships = env_number("AMITY_BENCH_PARTNERSHIPS", 100_000);
    let runs = env_number("AMITY_BENCH_RUNS", 3).max(1);
    let seconds = env_number("AMITY_BENCH_SECONDS", 10).max(1);
    let writes = env_number("AMITY_BENCH_WRITES", 2000);
    let writers = env_number("AMITY_BENCH_WRITERS", 4).max(1);
    let readers: Vec<usize> = std::env::var("AMITY_BENCH_READERS")
        .unwrap_or_else(|_| "2,4,8".to_owned())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("machine: {cores} cores, shared by the server, wrk and the writers");

    let target = target_dir();
    let binary = target.join("release/amity");
    if !binary.exists() {
        println!(
            "skipped: {} not built (cargo build --release -p amity-cli)",
            binary.display()
        );
        return;
    }
    let kept = kept_ledger(&target, &binary, partnerships);
    let temporary = tempfile::tempdir().expect("temp dir");
    let ledger = temporary.path().join("serve.db");
    std::fs::copy(&kept, &ledger).expect("copy the ledger");

    let ids = temporary.path().join("ids.txt");
    let lines: Vec<String> = (0..ASKED.min(partnerships))
        .map(|i| {
            encode_segment(
                partnership_events(i * partnerships / ASKED.min(partnerships))
                    .0
                    .id()
                    .as_str(),
            )
        })
        .collect();
    std::fs::write(&ids, lines.join("\n") + "\n").expect("write the ids");
    let json_script = script(temporary.path(), "json", "/api/v1/partnerships/", &ids);
    let page_script = script(temporary.path(), "page", "/partnerships/", &ids);

    let (mut sent_total, mut recorded_total) = (0, 0);
    for &n in &readers {
        let mut results = Vec::new();
        for run in 0..runs {
            let server = Server::start(&binary, &ledger, n);
            let url = format!("http://{}/", server.address);
            let json = wrk(&url, &json_script, seconds, server.pid());
            let page = wrk(&url, &page_script, seconds, server.pid());
            let address = server.address.clone();
            let writer =
                std::thread::spawn(move || write_events(&address, writes, writers, partnerships));
            let mixed = wrk(&url, &json_script, seconds, server.pid());
            let (written, write_seconds) = writer.join().expect("the writers");
            let peak_mb = peak_rss_of(server.pid());
            drop(server);
            let found = recorded(&ledger, &written);
            let lost = written.len() - found;
            sent_total += written.len();
            recorded_total += found;
            println!(
                "readers {n}, run {}: {}; {}; {} with writes: {} sent, {found} recorded, {lost} lost \
                 ({:.0} writes/s); server peak RSS {peak_mb:.0} MB",
                run + 1,
                show("JSON", &json),
                show("page", &page),
                show("JSON", &mixed),
                written.len(),
                written.len() as f64 / write_seconds
            );
            results.push(Run {
                json,
                page,
                mixed,
                writes_per_s: written.len() as f64 / write_seconds,
                peak_mb,
            });
        }
        let med = |f: &dyn Fn(&Run) -> f64| median(&mut results.iter().map(f).collect::<Vec<_>>());
        println!(
            "median, readers {n}: partnership JSON {:.0} req/s (target ≥ 5000), p50 {:.2} ms, \
             p99 {:.2} ms (target < 20); page {:.0} req/s (target ≥ 1000), \
             p99 {:.2} ms; JSON under writes {:.0} req/s, p99 {:.2} ms, {:.0} writes/s; server \
             peak RSS {:.0} MB (target < 300); wrk CPU {:.0}% of the machine",
            med(&|r| r.json.per_s),
            med(&|r| r.json.p50_ms),
            med(&|r| r.json.p99_ms),
            med(&|r| r.page.per_s),
            med(&|r| r.page.p99_ms),
            med(&|r| r.mixed.per_s),
            med(&|r| r.mixed.p99_ms),
            med(&|r| r.writes_per_s),
            med(&|r| r.peak_mb),
            med(&|r| r.json.wrk_cpu * 100.0),
        );
    }
    let lost = sent_total - recorded_total;
    println!("writes: {sent_total} sent, {recorded_total} recorded, {lost} lost");
    assert_eq!(lost, 0, "writes were lost");
}
