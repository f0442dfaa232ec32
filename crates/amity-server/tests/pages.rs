//! The web pages over a small ledger in a temporary SQLite file: each page's markup contract
//! (ids, data attributes) with the right data, as the browser tests rely on it.

use std::path::PathBuf;
use std::sync::Arc;

use amity_domain::event::{Citation, Retraction};
use amity_domain::{
    Certainty, Event, EventType, Facts, Milestone, Partnership, PartnershipKind, Source,
};
use amity_ledger::{Ledger, ToRecord};
use amity_projections::Projections;
use amity_server::{Config, OpenProjections};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use tower::ServiceExt as _;

const SMOLENSK: &str = "ru:smolensk+us-co:colorado-springs";
const SMOLENSK_PATH: &str = "/partnerships/ru:smolensk%2Bus-co:colorado-springs";
const KRASNODAR_PATH: &str = "/partnerships/ru:krasnodar%2Bus-fl:tallahassee";

struct InLedger(PathBuf);

#[async_trait::async_trait]
impl OpenProjections for InLedger {
    async fn open(&self, ledger: Ledger) -> amity_projections::Result<Projections> {
        Projections::open_in_ledger(ledger, &self.0)
    }
}

struct Served {
    _dir: tempfile::TempDir,
    app: Arc<amity_server::App>,
}

struct Answer {
    status: StatusCode,
    content_type: String,
    etag: Option<String>,
    body: String,
}

impl Served {
    async fn get(&self, uri: &str) -> Answer {
        self.get_with(uri, None).await
    }

    async fn get_with(&self, uri: &str, if_none_match: Option<&str>) -> Answer {
        let mut request = Request::get(uri);
        if let Some(tag) = if_none_match {
            request = request.header(header::IF_NONE_MATCH, tag);
        }
        let response = amity_server::router(self.app.clone())
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .map(|value: &header::HeaderValue| value.to_str().unwrap().to_owned())
        };
        let (status, content_type, etag) = (
            response.status(),
            header_text(header::CONTENT_TYPE).unwrap_or_default(),
            header_text(header::ETAG),
        );
        let bytes = axum::body::to_bytes(response.into_body(), 16 << 20)
            .await
            .unwrap();
        Answer {
            status,
            content_type,
            etag,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    async fn page(&self, uri: &str) -> String {
        let answer = self.get(uri).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.body);
        assert_eq!(answer.content_type, "text/html; charset=utf-8", "{uri}");
        assert!(answer.etag.is_some(), "{uri}: an ETag");
        contract_of_every_page(uri, &answer.body);
        answer.body
    }
}

fn source(title: &str, url: Option<&str>) -> Source {
    Source {
        title: title.to_owned(),
        url: url.map(str::to_owned),
        ..Source::default()
    }
}

fn facts(occurred: &str, certainty: Certainty, term: Option<&str>, sources: Vec<Source>) -> Facts {
    Facts {
        occurred: occurred.parse().unwrap(),
        term_as_written: term.map(str::to_owned),
        sources,
        certainty,
        ..Facts::default()
    }
}

async fn served() -> Served {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let store = amity_store_sqlite::SqliteEventStore::open(&path).unwrap();
    let ledger = Ledger::new(Arc::new(store));
    let pair = |a: &str, b: &str| {
        Arc::new(
            Partnership::new(
                a.parse().unwrap(),
                b.parse().unwrap(),
                PartnershipKind::sister_city(),
            )
            .unwrap(),
        )
    };
    let smolensk = pair("Colorado Springs, US-CO", "Smolensk, RU");
    let krasnodar = pair("Tallahassee, US-FL", "Krasnodar, RU");
    let record = |event: Event| {
        let ledger = ledger.clone();
        async move {
            ledger
                .record(ToRecord::lifecycle(event, "test archivist"))
                .await
                .unwrap()
                .recorded()
                .clone()
        }
    };
    record(Event::lifecycle(
        EventType::PartnershipFounded,
        smolensk.clone(),
        facts(
            "1993",
            Certainty::Confirmed,
            Some("(1993)"),
            vec![source("FOX21 report", Some("https://example.org/fox21"))],
        ),
    ))
    .await;
    record(Event::lifecycle(
        EventType::PartnershipSuspended,
        smolensk.clone(),
        facts(
            "2022-03-03~",
            Certainty::Confirmed,
            Some("indefinitely suspended"),
            vec![source("City statement", None)],
        ),
    ))
    .await;
    record(Event::lifecycle(
        EventType::PartnershipTerminated,
        smolensk.clone(),
        facts(
            "2022-03-03~",
            Certainty::Disputed,
            Some("terminate"),
            vec![source("FOX21 report", Some("https://example.org/fox21"))],
        ),
    ))
    .await;
    record(Event::lifecycle(
        EventType::PartnershipFounded,
        krasnodar.clone(),
        facts("1995", Certainty::Confirmed, None, Vec::new()),
    ))
    .await;
    let reaffirmed = record(Event::lifecycle(
        EventType::PartnershipReaffirmed,
        krasnodar.clone(),
        facts("2021", Certainty::Confirmed, None, Vec::new()),
    ))
    .await;
    let krasnodar_suspension = record(Event::lifecycle(
        EventType::PartnershipSuspended,
        krasnodar.clone(),
        facts(
            "[2022-02-28,2022-03-28]",
            Certainty::Probable,
            Some("paused"),
            Vec::new(),
        ),
    ))
    .await;
    let krasnodar_id = krasnodar.id();
    for event in [
        Event::Retracted(Retraction {
            target: reaffirmed.id,
            reason: "the council only discussed it".to_owned(),
            facts: Facts::default(),
        }),
        Event::Cited(Citation {
            target: krasnodar_suspension.id,
            facts: facts(
                "2022-03",
                Certainty::Confirmed,
                None,
                vec![source(
                    "Council minutes",
                    Some("https://example.org/minutes"),
                )],
            ),
        }),
    ] {
        ledger
            .record(ToRecord::about(
                krasnodar_id.clone(),
                event,
                "test archivist",
            ))
            .await
            .unwrap();
    }
    let milestone = Milestone {
        key: "invasion-2022-02-24".parse().unwrap(),
        title: "Russian invasion of Ukraine".to_owned(),
        occurred: "2022-02-24".parse().unwrap(),
        sources: Vec::new(),
        note: None,
    };
    ledger
        .record_milestone(milestone, uuid::Uuid::now_v7(), "test archivist")
        .await
        .unwrap();
    let config = Config {
        readers: 1,
        ..Config::default()
    };
    let app = amity_server::app(&config, ledger, Arc::new(InLedger(path)))
        .await
        .unwrap();
    Served { _dir: dir, app }
}

/// The opening tag that holds `marker` (an attribute, say).
fn tag<'a>(html: &'a str, marker: &str) -> &'a str {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker:?} in the page"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

/// Every opening tag that holds `marker`.
fn tags<'a>(html: &'a str, marker: &str) -> Vec<&'a str> {
    html.match_indices(marker)
        .map(|(at, _)| {
            let start = html[..at].rfind('<').unwrap();
            let end = at + html[at..].find('>').unwrap();
            &html[start..=end]
        })
        .collect()
}

/// An attribute's value in an opening tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let marker = format!(" {name}=\"");
    let at = tag.find(&marker)? + marker.len();
    Some(&tag[at..at + tag[at..].find('"')?])
}

/// From `start` (a marker) to the end of its element named `element` (not nested).
fn element<'a>(html: &'a str, start: &str, element: &str) -> &'a str {
    let at = html.find(start).unwrap_or_else(|| panic!("no {start:?}"));
    let begin = html[..at].rfind('<').unwrap();
    let close = format!("</{element}>");
    let end = at + html[at..].find(&close).unwrap() + close.len();
    &html[begin..end]
}

fn contract_of_every_page(uri: &str, html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"), "{uri}");
    assert_eq!(html.matches("<h1").count(), 1, "{uri}: one h1");
    assert!(html.contains("<form id=\"when\" method=\"get\""), "{uri}");
    assert!(html.contains("<label for=\"as_of\">"), "{uri}");
    assert!(html.contains("<label for=\"known_at\">"), "{uri}");
    assert!(
        tag(html, "id=\"as_of\"").contains("name=\"as_of\""),
        "{uri}"
    );
    assert!(
        tag(html, "id=\"known_at\"").contains("name=\"known_at\""),
        "{uri}"
    );
    assert!(html.contains("<p id=\"asked\">"), "{uri}");
    let permalink = attribute(tag(html, "id=\"permalink\""), "href").unwrap();
    assert!(
        permalink.contains("as_of=") && permalink.contains("known_at="),
        "{uri}: {permalink}"
    );
    // Every input has a label.
    for input in tags(html, "<input id=") {
        let id = attribute(input, "id").unwrap();
        assert!(
            html.contains(&format!("<label for=\"{id}\"")),
            "{uri}: no label for {id}"
        );
    }
    // Nothing from elsewhere.
    assert!(!html.contains("<script src"), "{uri}");
    assert!(!html.contains("https://fonts."), "{uri}");
}

#[tokio::test]
async fn the_partnership_page_draws_bands_disputes_and_the_entries() {
    let served = served().await;
    let html = served
        .page(&format!("{SMOLENSK_PATH}?as_of=2022-04-01"))
        .await;
    assert!(html.contains("<svg id=\"timeline\" role=\"img\" aria-labelledby="));
    let status = tag(&html, "<p id=\"status\"");
    assert_eq!(attribute(status, "data-status"), Some("suspended"));
    assert_eq!(attribute(status, "data-certainty"), Some("definite"));
    // The approximate suspension: a band around 2022-03-03.
    let suspension = element(&html, "data-type=\"PartnershipSuspended\"", "g");
    assert!(
        suspension.contains("data-earliest=\"2022-03-03\""),
        "{suspension}"
    );
    assert!(suspension.contains("data-latest=\"2022-03-03\""));
    assert!(suspension.contains("<rect class=\"band\""), "{suspension}");
    assert!(suspension.contains("<title>"));
    assert!(!suspension.contains("disputed"));
    // The disputed termination, marked so.
    let termination = tag(&html, "data-type=\"PartnershipTerminated\"");
    assert!(
        attribute(termination, "class")
            .unwrap()
            .split(' ')
            .any(|class| class == "disputed"),
        "{termination}"
    );
    assert_eq!(attribute(termination, "data-certainty"), Some("disputed"));
    // Spans: suspended at the end, possible on the day itself, hatched.
    let spans = tags(&html, "<rect class=\"span");
    assert!(spans.len() >= 3, "{spans:?}");
    let possible = tag(
        &html,
        "<rect class=\"span possible\" data-status=\"suspended\"",
    );
    assert_eq!(attribute(possible, "data-from"), Some("2022-03-03"));
    assert_eq!(attribute(possible, "data-to"), Some("2022-03-03"));
    assert!(attribute(possible, "fill")
        .unwrap()
        .starts_with("url(#hatch-"));
    // The entries, with terms as written, linked sources, who recorded them.
    let entries = element(&html, "<table id=\"entries\"", "table");
    assert_eq!(entries.matches("<tr id=\"entry-").count(), 3, "{entries}");
    assert!(entries.contains("indefinitely suspended"));
    assert!(entries.contains("<a href=\"https://example.org/fox21\""));
    assert!(entries.contains("test archivist"));
    assert!(entries.contains("class=\"disputed\""));
    let permalink = attribute(tag(&html, "id=\"permalink\""), "href")
        .unwrap()
        .replace("&amp;", "&");
    assert!(
        permalink.starts_with(&format!("{SMOLENSK_PATH}?as_of=2022-04-01&known_at=20")),
        "{permalink}"
    );
}

#[tokio::test]
async fn an_interval_is_a_band_across_its_bounds_and_retractions_and_citations_show() {
    let served = served().await;
    let html = served.page(KRASNODAR_PATH).await;
    let suspension = element(&html, "data-type=\"PartnershipSuspended\"", "g");
    let (earliest, latest) = (
        attribute(suspension, "data-earliest").unwrap(),
        attribute(suspension, "data-latest").unwrap(),
    );
    assert_eq!((earliest, latest), ("2022-02-28", "2022-03-28"));
    assert!(earliest < latest);
    assert!(suspension.contains("<rect class=\"band\""));
    let reaffirmed = tag(&html, "data-type=\"PartnershipReaffirmed\"");
    assert!(attribute(reaffirmed, "class")
        .unwrap()
        .contains("retracted"));
    let entries = element(&html, "<table id=\"entries\"", "table");
    assert_eq!(entries.matches("<tr id=\"entry-").count(), 5, "{entries}");
    assert!(entries.contains("class=\"retracted\""));
    assert!(entries.contains("the council only discussed it"));
    assert!(entries.contains("<a href=\"https://example.org/minutes\""));
    assert!(entries.contains("Cited by"));
    // Paged: two entries a page, the next page linked.
    let first = served.page(&format!("{KRASNODAR_PATH}?limit=2")).await;
    let entries = element(&first, "<table id=\"entries\"", "table");
    assert_eq!(entries.matches("<tr id=\"entry-").count(), 2);
    assert!(first.contains("rel=\"next\" href=\"/partnerships/ru:krasnodar%2Bus-fl:tallahassee?limit=2&amp;offset=2\""), "{first}");
}

#[tokio::test]
async fn the_date_and_the_moment_asked_change_the_status() {
    let served = served().await;
    let status_on = |html: String| {
        let status = tag(&html, "<p id=\"status\"").to_owned();
        (
            attribute(&status, "data-status").unwrap().to_owned(),
            attribute(&status, "data-certainty").unwrap().to_owned(),
        )
    };
    let on = |as_of: &str| format!("{SMOLENSK_PATH}?as_of={as_of}");
    assert_eq!(
        status_on(served.page(&on("1990")).await),
        ("not_yet".to_owned(), "definite".to_owned())
    );
    assert_eq!(
        status_on(served.page(&on("2000")).await),
        ("active".to_owned(), "definite".to_owned())
    );
    let html = served.page(&on("2022-03-03")).await;
    assert!(
        html.contains("data-status=\"active\">active</span>"),
        "competing listed"
    );
    assert_eq!(
        status_on(html),
        ("suspended".to_owned(), "possible".to_owned())
    );
    // A milestone's key is a date.
    assert_eq!(
        status_on(served.page(&on("invasion-2022-02-24")).await),
        ("active".to_owned(), "definite".to_owned())
    );
    // As known before the suspension was recorded: the moment the founding was stored.
    let history = served.get(&format!("/api/v1{SMOLENSK_PATH}/history")).await;
    let history: serde_json::Value = serde_json::from_str(&history.body).unwrap();
    let moment = history["events"][0]["recorded_at"]
        .as_str()
        .unwrap()
        .to_owned();
    let suspended_at = history["events"][1]["recorded_at"].as_str().unwrap();
    assert!(
        moment.parse::<jiff::Timestamp>().unwrap() < suspended_at.parse().unwrap(),
        "{moment} {suspended_at}"
    );
    let html = served
        .page(&format!("{}&known_at={moment}", on("2022-04-01")))
        .await;
    assert_eq!(
        status_on(html.clone()),
        ("active".to_owned(), "definite".to_owned())
    );
    assert_eq!(html.matches("<tr id=\"entry-").count(), 1);
    let permalink = attribute(tag(&html, "id=\"permalink\""), "href")
        .unwrap()
        .replace("&amp;", "&");
    assert!(
        permalink.contains("as_of=2022-04-01&known_at="),
        "{permalink}"
    );
    assert!(tag(&html, "id=\"known_at\"").contains(&format!("value=\"{moment}\"")));
    // A bad date is a 400 page, in HTML.
    let bad = served.get(&on("yesterday")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.content_type, "text/html; charset=utf-8");
    assert!(bad.body.contains("<h1>Bad request</h1>"), "{}", bad.body);
}

#[tokio::test]
async fn the_party_page_lists_partners_with_status_and_unknown_parties_are_404_pages() {
    let served = served().await;
    let html = served
        .page("/parties/us-co:colorado-springs?as_of=2022-04-01")
        .await;
    let partners = element(&html, "<table id=\"partners\"", "table");
    let row = tag(partners, &format!("data-partnership=\"{SMOLENSK}\""));
    assert_eq!(attribute(row, "data-status"), Some("suspended"));
    assert_eq!(attribute(row, "data-certainty"), Some("definite"));
    assert!(partners.contains(&format!("<a href=\"{SMOLENSK_PATH}?as_of=2022-04-01\"")));
    let earlier = served
        .page("/parties/us-co:colorado-springs?as_of=2000")
        .await;
    let row = tag(&earlier, &format!("data-partnership=\"{SMOLENSK}\""));
    assert_eq!(attribute(row, "data-status"), Some("active"));
    for uri in [
        "/parties/xx:nowhere",
        "/partnerships/xx:nowhere%2Byy:elsewhere",
    ] {
        let missing = served.get(uri).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(missing.content_type, "text/html; charset=utf-8", "{uri}");
        assert!(
            missing.body.contains("<h1>Not found</h1>"),
            "{}",
            missing.body
        );
    }
}

#[tokio::test]
async fn the_home_page_searches_counts_and_lists_the_latest_events() {
    let served = served().await;
    let html = served.page("/?q=smol").await;
    assert!(html.contains("<form id=\"search\" action=\"/\" method=\"get\""));
    assert!(tag(&html, "<input id=\"q\"").contains("name=\"q\""));
    let results = element(&html, "<ul id=\"results\"", "ul");
    assert!(
        results.contains("<a href=\"/parties/ru:smolensk\">"),
        "{results}"
    );
    assert!(!results.contains("krasnodar"));
    let counts = element(&html, "<dl id=\"counts\"", "dl");
    assert!(
        counts.contains("<dd data-count=\"partnerships\">2</dd>"),
        "{counts}"
    );
    assert!(
        counts.contains("<dd data-count=\"parties\">4</dd>"),
        "{counts}"
    );
    assert!(
        counts.contains("<dd data-count=\"events\">8</dd>"),
        "{counts}"
    );
    let latest = element(&html, "<ol id=\"latest\"", "ol");
    // Nine events in all (eight of partnerships, a milestone): the newest first.
    assert_eq!(latest.matches("<li ").count(), 9, "{latest}");
    let first = tag(latest, "<li ");
    assert_eq!(attribute(first, "data-type"), Some("MilestoneRecorded"));
    assert!(latest.contains("href=\"/partnerships/ru:krasnodar%2Bus-fl:tallahassee\""));
    // Revalidation: the same tag, nothing sent again.
    let answer = served.get("/").await;
    let again = served.get_with("/", answer.etag.as_deref()).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
}

fn json_number(value: &serde_json::Value, path: [&str; 3]) -> u64 {
    value["counts"][path[0]][path[1]][path[2]].as_u64().unwrap()
}

#[tokio::test]
async fn the_cohort_counts_are_the_outcomes_and_each_links_to_its_partnerships() {
    let served = served().await;
    let window = "from=invasion-2022-02-24&to=2022-03-10&cohort=US:RU";
    let json = served.get(&format!("/api/v1/outcomes?{window}")).await;
    assert_eq!(json.status, StatusCode::OK, "{}", json.body);
    let json: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    let html = served.page(&format!("/cohorts?{window}")).await;
    let table = element(&html, "<table id=\"outcomes\"", "table");
    let mut checked = 0;
    for (group, attribute_name) in [("statuses", "data-outcome"), ("decisions", "data-decision")] {
        for cell in tags(table, &format!("<td {attribute_name}=")) {
            let name = attribute(cell, attribute_name).unwrap();
            let certainty = attribute(cell, "data-certainty").unwrap();
            let at = table.find(cell).unwrap() + cell.len();
            let link_end = table[at..].find("</a>").unwrap();
            let link = &table[at..at + link_end];
            let shown: u64 = link[link.rfind('>').unwrap() + 1..].parse().unwrap();
            assert_eq!(
                shown,
                json_number(&json, [group, name, certainty]),
                "{group} {name} {certainty}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * 5 + 2 * 5);
    assert_eq!(json_number(&json, ["statuses", "suspended", "definite"]), 1);
    assert_eq!(json_number(&json, ["statuses", "suspended", "possible"]), 1);
    // The numbers link to the partnerships behind them.
    let cell = tag(
        table,
        "<td data-outcome=\"suspended\" data-certainty=\"definite\"",
    );
    let at = table.find(cell).unwrap() + cell.len();
    let href = attribute(&table[at..], "href")
        .unwrap()
        .replace("&amp;", "&");
    assert!(href.contains("show=suspended-definite"), "{href}");
    let list = served.page(&href.replace("#list", "")).await;
    let shown = element(&list, "<table id=\"shown\"", "table");
    assert_eq!(shown.matches("<tr data-partnership=").count(), 1, "{shown}");
    assert!(shown.contains(&format!("data-partnership=\"{SMOLENSK}\"")));
    // The series chart, with the milestone in range.
    assert!(html.contains("<svg id=\"series\" role=\"img\""));
    assert_eq!(html.matches("<line class=\"milestone\"").count(), 1);
    assert!(html.contains("data-key=\"invasion-2022-02-24\""));
    let permalink = attribute(tag(&html, "id=\"permalink\""), "href")
        .unwrap()
        .replace("&amp;", "&");
    assert!(
        permalink.starts_with("/cohorts?from=invasion-2022-02-24&to=2022-03-10&cohort=US:RU"),
        "{permalink}"
    );
    // A window without its end is a window to the date asked.
    let defaults = served.page("/cohorts").await;
    assert!(defaults.contains("<table id=\"outcomes\""));
}

#[tokio::test]
async fn given_an_address_the_server_does_not_have_then_a_page_404_is_html_and_an_api_404_is_json()
{
    let server = served().await;
    let page = server.get("/nowhere").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.content_type.starts_with("text/html"),
        "{}",
        page.content_type
    );
    let api = server.get("/api/v1/nowhere").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.content_type, "application/problem+json");
}
