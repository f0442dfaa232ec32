//! The harness checked on its own, so that a failing browser test means a page that breaks
//! the contract and not a broken harness: a tiny static site (served by a `TcpListener` here)
//! exercises every operation the browser tests use, and the real `amity serve` is opened on
//! what any version of it has (a page's `<h1>`, the OpenAPI document).

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

use super::chromium::{self, Chromium};
use super::{mark_looks, outcome_cells};
use crate::served::Served;
use crate::support::Sandbox;

const HOME: &str = r#"<!doctype html><html lang="en"><head><meta charset="utf-8">
<link rel="icon" href="data:,"><title>Harness</title>
<style>.dashed { stroke-dasharray: 4 2; } circle { stroke: black; fill: white; }</style>
</head><body><h1 data-kind="self-test">Harness</h1>
<form id="when" method="get" action="/next"><label for="as_of">As of</label>
<input id="as_of" name="as_of" value="old"><button type="submit">Show</button></form>
<svg id="timeline" width="400" height="100" role="img">
<g class="entry" data-type="A"><rect class="band" x="10" y="10" width="120" height="20"/>
<circle cx="50" cy="50" r="6"><title>A</title></circle></g>
<g class="entry disputed" data-type="B"><circle class="dashed" cx="90" cy="50" r="6"/></g>
</svg>
<table id="outcomes"><tr><th>suspended</th>
<td data-outcome="suspended" data-certainty="definite"><a href="/next?show=1"> 1 </a></td>
<td data-outcome="suspended" data-certainty="possible">0</td></tr></table>
</body></html>"#;

/// A page that reports three errors: a console error, an uncaught exception, a missing image.
/// It declares no icon, so the browser may also ask for `/favicon.ico`, which is not found.
const NOISY: &str = r#"<!doctype html><html lang="en"><head><title>Noisy</title></head>
<body><h1>Noisy</h1><img src="/missing.png" alt="">
<script>console.log("fine"); console.error("boom", 42);</script>
<script>throw new Error("kaboom");</script></body></html>"#;

/// A static site on a free loopback port; stopped on drop.
struct Site {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Site {
    fn start() -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let address = listener.local_addr().expect("its address");
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                // One thread a connection: the browser opens some it never asks anything on.
                if let Ok(stream) = stream {
                    std::thread::spawn(move || answer(stream));
                }
            }
        });
        Site {
            address,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accepting thread, which then sees the stop.
        let _ = TcpStream::connect(self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn answer(mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(clone) => clone,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let (status, body) = match path {
        "/" => ("200 OK", HOME.to_owned()),
        "/noisy" => ("200 OK", NOISY.to_owned()),
        "/next" => {
            let as_of = query
                .split('&')
                .find_map(|pair| pair.strip_prefix("as_of="))
                .unwrap_or_default();
            let page = format!(
                r#"<!doctype html><html lang="en"><head><link rel="icon" href="data:,">
                <title>Next</title></head><body><h1>Next</h1>
                <p id="status" data-status="{as_of}">asked</p>
                <div style="height: 3000px"></div></body></html>"#
            );
            ("200 OK", page)
        }
        _ => ("404 Not Found", "not found".to_owned()),
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

#[test]
fn given_a_static_page_when_the_harness_drives_it_then_every_operation_works() {
    let Some(path) = chromium::find("the harness self-test") else {
        return;
    };
    let site = Site::start();
    let mut chromium = Chromium::start(&path);
    let mut page = chromium.page();

    // Navigate, read text, attributes, a box and computed styles.
    page.goto(&site.url("/"));
    assert_eq!(page.http_status(), 200);
    assert_eq!(page.text("h1").as_deref(), Some("Harness"));
    assert_eq!(
        page.attribute("h1", "data-kind").as_deref(),
        Some("self-test")
    );
    assert_eq!(page.attribute("h1", "data-missing"), None);
    assert_eq!(page.attribute("#nothing", "id"), None);
    assert_eq!(page.count("g.entry"), 2);
    let band = page.bounding_box("g.entry rect.band").expect("the band");
    assert!(
        (band.width - 120.0).abs() < 0.5 && (band.height - 20.0).abs() < 0.5,
        "{band:?}"
    );
    assert_eq!(page.bounding_box("rect.nothing"), None);
    let plain = page.computed_style("g.entry:not(.disputed) circle", "stroke-dasharray");
    let dashed = page.computed_style("g.entry.disputed circle", "stroke-dasharray");
    assert_eq!(plain.as_deref(), Some("none"));
    assert_eq!(dashed.as_deref(), Some("4px, 2px"));
    let kinds = page.each("g.entry", "g => g.dataset.type");
    assert_eq!(kinds, [Value::from("A"), Value::from("B")]);
    // What the browser tests read of marks and count cells.
    let plain = mark_looks(&mut page, "g.entry:not(.disputed)");
    let disputed = mark_looks(&mut page, "g.entry.disputed");
    assert_eq!(plain[0][0], "none", "{plain:?}");
    assert_eq!(disputed[0][0], "4px, 2px", "{disputed:?}");
    assert_ne!(plain, disputed);
    assert_eq!(
        outcome_cells(&mut page),
        [
            serde_json::json!(["suspended", "definite", "1", true]),
            serde_json::json!(["suspended", "possible", "0", false]),
        ]
    );

    // Type into a field and submit by keyboard, then by a click.
    assert!(page.fill("#when #as_of", "2021-01-01"));
    page.press_enter_and_wait();
    assert!(
        page.url().ends_with("/next?as_of=2021-01-01"),
        "{}",
        page.url()
    );
    assert_eq!(
        page.attribute("#status", "data-status").as_deref(),
        Some("2021-01-01")
    );
    page.goto(&site.url("/"));
    assert!(page.fill("#as_of", "2023-01-01"));
    assert!(page.click_and_wait("#when button"));
    assert_eq!(
        page.attribute("#status", "data-status").as_deref(),
        Some("2023-01-01")
    );
    assert!(!page.fill("#nothing", "x"));
    assert!(!page.click_and_wait("#nothing"));

    // A full-page screenshot reaches below the window (900 px high).
    let folder = tempfile::tempdir().expect("a temporary folder");
    let file = folder.path().join("shots/next.png");
    page.screenshot(&file);
    let png = std::fs::read(&file).expect("the screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let height = u32::from_be_bytes([png[20], png[21], png[22], png[23]]);
    assert!(height >= 3000, "the screenshot is {height} px high");

    // No errors so far; then every kind of error is caught, a missing favicon excepted.
    assert_eq!(page.problems(), Vec::<String>::new());
    page.goto(&site.url("/noisy"));
    let problems = page.problems();
    for expected in ["console.error: boom 42", "kaboom", "missing.png"] {
        assert!(
            problems.iter().any(|problem| problem.contains(expected)),
            "{expected:?} should be among the errors: {problems:#?}"
        );
    }
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        !problems.iter().any(|problem| problem.contains("favicon")),
        "{problems:#?}"
    );
}

#[test]
fn given_the_example_when_the_browser_opens_amity_serve_then_it_reads_a_heading_and_the_openapi_document(
) {
    let Some(path) = chromium::find("the harness against amity serve") else {
        return;
    };
    let sandbox = Sandbox::new();
    sandbox.example();
    let served = Served::start(&sandbox);
    let mut chromium = Chromium::start(&path);
    let mut page = chromium.page();

    page.goto(&served.url("/"));
    assert_eq!(page.http_status(), 200, "{}", served.stderr());
    let heading = page.text("h1").unwrap_or_default();
    assert!(!heading.trim().is_empty(), "{}", page.html(2000));

    page.goto(&served.url("/api/v1/openapi.json"));
    assert_eq!(page.http_status(), 200);
    let text = page.eval("document.body.innerText");
    let document: Value =
        serde_json::from_str(text.as_str().unwrap_or_default()).expect("the OpenAPI JSON");
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|version| version.starts_with("3.1")),
        "{document}"
    );
    assert!(document["paths"]["/partnerships"].is_object());
}
