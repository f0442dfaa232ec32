//! `amity serve` as a user starts it: the real binary on a port of its own, asked over real
//! HTTP (a plain HTTP/1.1 client on `TcpStream`): it starts read-only, takes writes with a
//! token from the environment (recorded by the token's name), sees what other processes record
//! through its follower, and refuses a bad token file before it listens.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::served::Served;
use crate::support::*;

const TOKEN: &str = "cli-test-token-0123456789-abcdefghijklmnopqrstuvwxyz";

/// Start the server; its address (`HOST:PORT`) is `served.base` without `http://`.
fn serve(sandbox: &Sandbox, extra: &[&str], env: &[(&str, &str)]) -> Served {
    Served::start_with(sandbox, extra, env)
}

/// One request; the status and the body.
fn request(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(address).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("a response");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {response:?}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn given_the_example_ledger_when_served_then_the_api_answers_what_the_cli_answers() {
    let sandbox = Sandbox::new();
    sandbox.example();
    let served = serve(&sandbox, &[], &[]);
    let (status, body) = request(
        &address(&served),
        "GET",
        "/api/v1/partnerships?cohort=US:RU&limit=10000",
        &[],
        "",
    );
    assert_eq!(status, 200, "{body}");
    let api: serde_json::Value = serde_json::from_str(&body).unwrap();
    let cli = sandbox.json(&["status", "--cohort", "US:RU"]);
    assert_eq!(api, cli, "the API's document is the CLI's");
    let (status, body) = request(
        &address(&served),
        "GET",
        "/api/v1/outcomes?from=invasion-2022-02-24&to=roundtable-2022-03-22&cohort=US:RU",
        &[],
        "",
    );
    assert_eq!(status, 200, "{body}");
    let api: serde_json::Value = serde_json::from_str(&body).unwrap();
    let cli = sandbox.json(&[
        "outcomes",
        "--cohort",
        "US:RU",
        "--from",
        "invasion-2022-02-24",
        "--to",
        "roundtable-2022-03-22",
    ]);
    assert_eq!(api, cli);
    // Read-only: a write is 405.
    let (status, body) = request(
        &address(&served),
        "POST",
        "/api/v1/events",
        &[("Content-Type", "application/json")],
        "{}",
    );
    assert_eq!(status, 405, "{body}");
}

#[test]
fn given_a_token_in_the_environment_when_writing_then_the_event_is_recorded_by_its_name() {
    let sandbox = Sandbox::new();
    sandbox.example();
    let served = serve(
        &sandbox,
        &[],
        &[("AMITY_WRITE_TOKEN", &format!("clerk:{TOKEN}"))],
    );
    let history = sandbox.history(&["ru:smolensk+us-co:colorado-springs"]);
    let payload = serde_json::json!({
        "type": "SourceCited",
        "payload": {
            "target": events(&history)[0]["event_id"],
            "occurred": null,
            "sources": [{"title": "City council minutes", "url": "https://example.org/minutes"}],
            "certainty": "confirmed"
        }
    });
    let bearer = format!("Bearer {TOKEN}");
    let (status, body) = request(
        &address(&served),
        "POST",
        "/api/v1/events",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &bearer),
        ],
        &payload.to_string(),
    );
    assert_eq!(status, 201, "{body}");
    let history = sandbox.history(&["ru:smolensk+us-co:colorado-springs"]);
    let cited = events(&history)
        .iter()
        .find(|event| event["type"] == "SourceCited")
        .expect("the citation is in the history");
    assert_eq!(cited["recorded_by"], "clerk");
    // A wrong token writes nothing.
    let (status, _) = request(
        &address(&served),
        "POST",
        "/api/v1/events",
        &[
            ("Content-Type", "application/json"),
            (
                "Authorization",
                "Bearer not-the-token-not-the-token-not-the-token-x",
            ),
        ],
        &payload.to_string(),
    );
    assert_eq!(status, 401);
}

#[test]
fn given_another_process_records_when_the_server_runs_then_its_follower_shows_it() {
    let sandbox = Sandbox::new();
    sandbox.example();
    let served = serve(&sandbox, &[], &[]);
    let path = "/api/v1/partnerships/jp%3Afujiyoshida%2Bus-co%3Acolorado-springs/history";
    let before = request(&address(&served), "GET", path, &[], "").1;
    let count = |body: &str| {
        serde_json::from_str::<serde_json::Value>(body).unwrap()["events"]
            .as_array()
            .unwrap()
            .len()
    };
    let events_before = count(&before);
    sandbox.ok(&[
        "attest",
        "Colorado Springs, US-CO",
        "Fujiyoshida, JP",
        "--occurred",
        "2020",
        "--source-title",
        "City website",
    ]);
    let recorded = Instant::now();
    loop {
        let now = count(&request(&address(&served), "GET", path, &[], "").1);
        if now == events_before + 1 {
            eprintln!(
                "seen by the server {:?} after the CLI recorded it",
                recorded.elapsed()
            );
            break;
        }
        assert!(
            recorded.elapsed() < Duration::from_secs(20),
            "the server never showed the new event"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn given_a_bad_token_file_then_serve_refuses_to_start_naming_the_line() {
    let sandbox = Sandbox::new();
    sandbox.example();
    let file = sandbox.path().join("tokens");
    std::fs::write(&file, format!("clerk {TOKEN}\nintern short\n")).unwrap();
    let error = sandbox.fails(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--write-token-file",
        file.to_str().unwrap(),
    ]);
    assert!(
        error.contains("line 2") && error.contains("too short"),
        "{error}"
    );
    assert!(!error.contains(TOKEN), "a token is never printed: {error}");
}

fn address(served: &Served) -> String {
    served.base.trim_start_matches("http://").to_owned()
}
