//! Browser tests of `amity serve`'s pages (issue 20), in headless Chromium driven over the
//! DevTools protocol: the real `amity` binary builds the example ledger and serves it on a free
//! loopback port, and a real browser opens the pages, types, submits and reads what a user
//! sees, as the page markup contract of issue 20 names it (ids, classes, data attributes).
//!
//! Without Chromium the tests print why and skip, except under `CI=true` (`.ci/run` installs
//! Debian's `chromium`). Screenshots go to `<target>/browser-artifacts/`.
//!
//! The harness is a small DevTools client of our own over `tungstenite` (`cdp`, `page`,
//! `chromium`), checked against a static page by `selftest`: `headless_chrome` would bring
//! some thirty crates and a build-time generated binding of the whole protocol, for the dozen
//! commands used here.

mod cdp;
mod chromium;
mod page;
mod selftest;

use std::path::PathBuf;

use serde_json::Value;

use crate::served::Served;
use crate::support::{Sandbox, CS_SMOLENSK};
use chromium::Chromium;
use page::Page;

/// The partnership page of Colorado Springs–Smolensk.
const SMOLENSK_PAGE: &str = "/partnerships/ru%3Asmolensk%2Bus-co%3Acolorado-springs";
/// The cohort page of the US–Russia partnerships around the invasion.
const COHORT_PAGE: &str = "/cohorts?from=2022-02-24&to=2022-03-22&cohort=US:RU";

/// A browser visiting `amity serve` over the example ledger. Dropped in field order: the tab,
/// Chromium, the server, then the ledger's folder.
struct Visit {
    page: Page,
    _chromium: Chromium,
    served: Served,
    sandbox: Sandbox,
}

impl Visit {
    /// Everything started, or `None` (with the reason printed) where Chromium is missing.
    fn start(test: &str) -> Option<Visit> {
        let path = chromium::find(test)?;
        let sandbox = Sandbox::new();
        sandbox.example();
        let served = Served::start(&sandbox);
        let mut chromium = Chromium::start(&path);
        let page = chromium.page();
        Some(Visit {
            page,
            _chromium: chromium,
            served,
            sandbox,
        })
    }

    /// Open `path` on the server; it must answer 200.
    fn open(&mut self, path: &str) {
        let url = self.served.url(path);
        self.page.goto(&url);
        let status = self.page.http_status();
        assert_eq!(
            status,
            200,
            "{url} answered HTTP {status}; the page:\n{}\nthe server's stderr:\n{}",
            self.page.html(2000),
            self.served.stderr()
        );
    }

    /// A failure message: what the page lacks, which page, and the start of its markup.
    fn lacks(&mut self, what: &str) -> String {
        format!(
            "{}: the page lacks {what} (see the page markup contract of issue 20); the page:\n{}",
            self.page.describe(),
            self.page.html(3000)
        )
    }

    /// An attribute the page contract requires.
    fn required(&mut self, selector: &str, attribute: &str) -> String {
        match self.page.attribute(selector, attribute) {
            Some(value) => value,
            None => panic!("{}", self.lacks(&format!("{selector}[{attribute}]"))),
        }
    }

    /// No console error, uncaught exception or error log entry on any page visited.
    fn assert_no_console_errors(&mut self) {
        let problems = self.page.problems();
        assert!(
            problems.is_empty(),
            "the pages reported errors in the console:\n{}",
            problems.join("\n")
        );
    }

    /// Fill the `#when` form's as-of date, submit it by `how`, and read the status shown.
    fn status_as_of(&mut self, as_of: &str, how: Submit) -> String {
        if !self.page.fill("#when #as_of", as_of) {
            panic!("{}", self.lacks("an input #as_of in the form #when"));
        }
        match how {
            Submit::Enter => self.page.press_enter_and_wait(),
            Submit::Click => {
                let button = "#when button, #when input[type=submit]";
                if !self.page.click_and_wait(button) {
                    panic!("{}", self.lacks("a submit button in the form #when"));
                }
            }
        }
        let url = self.page.url();
        assert!(
            url.contains(&format!("as_of={as_of}")),
            "submitting #when should ask for as_of={as_of}: {url}"
        );
        let asked = self.page.text("#asked").unwrap_or_default();
        assert!(
            asked.contains(as_of),
            "{}",
            self.lacks(&format!("#asked showing {as_of} (it shows {asked:?})"))
        );
        let permalink = self.required("#permalink", "href");
        assert!(
            permalink.contains(&format!("as_of={as_of}")) && permalink.contains("known_at="),
            "the permalink should carry as_of={as_of} and known_at explicitly: {permalink}"
        );
        self.required("#status", "data-status")
    }
}

/// How a form is submitted.
enum Submit {
    Enter,
    Click,
}

/// Where screenshots go: `<target>/browser-artifacts`, the target folder being
/// `CARGO_TARGET_DIR` when set, else the one holding the `amity` binary under test.
fn artifacts() -> PathBuf {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace.join(dir),
        None => PathBuf::from(crate::support::AMITY)
            .parent()
            .and_then(|profile| profile.parent())
            .map_or_else(|| workspace.join("target"), PathBuf::from),
    };
    target.join("browser-artifacts")
}

/// How the mark of each entry `selector` matches looks: the computed stroke-dasharray, fill,
/// fill-opacity, stroke and opacity of its first drawn child (not its `<title>` or band), or
/// of the `g` itself when it draws nothing else, and the opacity of the `g` (not inherited).
fn mark_looks(page: &mut Page, selector: &str) -> Vec<Value> {
    page.each(
        selector,
        "g => { const m = g.querySelector(':scope > :not(title):not(.band)') ?? g; \
         const s = getComputedStyle(m); \
         return [s.strokeDasharray, s.fill, s.fillOpacity, s.stroke, s.opacity, \
         getComputedStyle(g).opacity]; }",
    )
}

/// The count cells of the cohort page: `[outcome, certainty, text, holds a link]` each.
fn outcome_cells(page: &mut Page) -> Vec<Value> {
    page.each(
        "table#outcomes td[data-outcome][data-certainty]",
        "td => [td.dataset.outcome, td.dataset.certainty, td.textContent.trim(), \
         td.querySelector('a[href]') !== null]",
    )
}

/// A line on the test's own stderr, past the test harness's capture (which takes only
/// `print!` and `eprint!`), so that it shows in a passing run too.
fn tell(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

#[test]
fn given_the_example_when_the_smolensk_page_is_opened_then_the_suspension_band_and_the_disputed_termination_show(
) {
    let Some(mut visit) = Visit::start("the Smolensk timeline") else {
        return;
    };
    visit.open(SMOLENSK_PAGE);
    if visit.page.count("svg#timeline") != 1 {
        panic!("{}", visit.lacks("one <svg id=\"timeline\">"));
    }

    let suspended = "svg#timeline g.entry[data-type=PartnershipSuspended]";
    let earliest = visit.required(suspended, "data-earliest");
    let latest = visit.required(suspended, "data-latest");
    // `2022-03-03~` is an approximate day: its bounds are that day (EDTF's `~` does not widen
    // them), and the band drawn across it says the date is not exact.
    assert!(
        earliest.as_str() <= "2022-03-03" && "2022-03-03" <= latest.as_str(),
        "the suspension's bounds should bracket 2022-03-03: {earliest}..{latest}"
    );
    let band = format!("{suspended} rect.band");
    let Some(bounds) = visit.page.bounding_box(&band) else {
        panic!("{}", visit.lacks(&band));
    };
    assert!(
        bounds.width > 0.0 && bounds.height > 0.0,
        "the suspension's band should be drawn with a positive size: {bounds:?}"
    );
    assert!(
        visit.page.count(&format!("{suspended} title")) >= 1,
        "{}",
        visit.lacks("a <title> in the suspension's mark")
    );

    let disputed = "svg#timeline g.entry.disputed[data-type=PartnershipTerminated]";
    if visit.page.count(disputed) != 1 {
        panic!("{}", visit.lacks(disputed));
    }
    assert_eq!(
        visit.page.attribute(disputed, "data-certainty").as_deref(),
        Some("disputed")
    );
    // The disputed mark looks different from the confirmed founding's mark.
    let founded = "svg#timeline g.entry:not(.disputed)[data-type=PartnershipFounded]";
    let disputed_look = mark_looks(&mut visit.page, disputed);
    let founded_look = mark_looks(&mut visit.page, founded);
    if founded_look.is_empty() {
        panic!("{}", visit.lacks(founded));
    }
    assert_ne!(
        disputed_look[0], founded_look[0],
        "the disputed termination's mark should look different from the founding's \
         (stroke-dasharray, fill, fill-opacity, stroke, opacity)"
    );
    visit.assert_no_console_errors();
}

#[test]
fn given_the_example_when_the_as_of_date_changes_then_the_smolensk_status_shown_changes() {
    let Some(mut visit) = Visit::start("the as-of form") else {
        return;
    };
    visit.open(SMOLENSK_PAGE);
    assert_eq!(visit.status_as_of("2021-01-01", Submit::Enter), "active");
    assert_eq!(visit.status_as_of("2023-01-01", Submit::Click), "suspended");
    visit.assert_no_console_errors();
}

#[test]
fn given_the_example_when_the_us_ru_cohort_page_is_opened_then_its_counts_are_those_of_amity_outcomes(
) {
    let Some(mut visit) = Visit::start("the cohort page") else {
        return;
    };
    let outcomes = visit.sandbox.json(&[
        "outcomes",
        "--from",
        "2022-02-24",
        "--to",
        "2022-03-22",
        "--cohort",
        "US:RU",
    ]);
    visit.open(COHORT_PAGE);
    let cells = outcome_cells(&mut visit.page);
    if cells.is_empty() {
        panic!(
            "{}",
            visit.lacks("cells <td data-outcome data-certainty> in table#outcomes")
        );
    }
    let statuses = outcomes["counts"]["statuses"]
        .as_object()
        .expect("amity outcomes gives counts by status");
    for (status, split) in statuses {
        for certainty in ["definite", "possible"] {
            let expected = split[certainty].as_u64().expect("a count");
            let cell = cells
                .iter()
                .find(|cell| cell[0] == status.as_str() && cell[1] == certainty);
            let Some(cell) = cell else {
                assert_eq!(
                    expected, 0,
                    "no cell for {status} ({certainty}), which amity outcomes counts"
                );
                continue;
            };
            let shown = cell[2].as_str().unwrap_or_default();
            assert_eq!(
                shown.parse::<u64>().ok(),
                Some(expected),
                "the page shows {shown:?} {status} ({certainty}); amity outcomes says {expected}"
            );
            assert_eq!(
                cell[3], true,
                "the count of {status} ({certainty}) should link to its partnerships"
            );
        }
    }
    for cell in &cells {
        let status = cell[0].as_str().unwrap_or_default();
        assert!(
            statuses.contains_key(status),
            "the page counts {status:?}, which amity outcomes does not know: {cell}"
        );
    }

    let milestones = visit.sandbox.json(&["milestone", "list"]);
    let first = outcomes["first_day"].as_str().expect("first_day");
    let last = outcomes["last_day"].as_str().expect("last_day");
    let in_window = milestones
        .as_array()
        .expect("milestones are an array")
        .iter()
        .filter_map(|milestone| milestone["occurred"].as_str())
        .filter(|day| (first..=last).contains(day))
        .count();
    if visit.page.count("svg#series") != 1 {
        panic!("{}", visit.lacks("one <svg id=\"series\">"));
    }
    assert_eq!(
        visit.page.count("svg#series line.milestone"),
        in_window,
        "the series chart should draw one line.milestone per milestone in the window"
    );
    visit.assert_no_console_errors();
}

#[test]
fn given_the_example_when_smol_is_searched_on_the_home_page_then_a_result_leads_to_smolensk() {
    let Some(mut visit) = Visit::start("the home page search") else {
        return;
    };
    visit.open("/");
    if !visit.page.fill("form#search #q", "Smol") {
        panic!("{}", visit.lacks("an input #q in the form #search"));
    }
    visit.page.press_enter_and_wait();
    let url = visit.page.url();
    assert!(
        url.contains("q=Smol"),
        "the search should ask for q=Smol: {url}"
    );
    let link = "#results a[href]";
    let targets = visit
        .page
        .each(link, "a => decodeURIComponent(new URL(a.href).pathname)");
    if !targets.iter().any(|path| path == "/parties/ru:smolensk") {
        panic!(
            "{}",
            visit.lacks(&format!(
                "a result link to /parties/ru%3Asmolensk (the results link to {targets:?})"
            ))
        );
    }
    assert!(visit.page.click_and_wait("#results a[href*='smolensk' i]"));
    let partner = format!("table#partners tr[data-partnership=\"{CS_SMOLENSK}\"]");
    let status = visit.required(&partner, "data-status");
    assert_eq!(status, "suspended");
    visit.assert_no_console_errors();
}

#[test]
fn given_the_example_when_every_page_is_visited_then_the_console_shows_no_error() {
    let Some(mut visit) = Visit::start("the console") else {
        return;
    };
    for path in [
        "/",
        "/?q=Smol",
        "/parties/us-co%3Acolorado-springs",
        "/parties/ru%3Asmolensk",
        SMOLENSK_PAGE,
        "/partnerships/ru%3Asmolensk%2Bus-co%3Acolorado-springs?as_of=2021-01-01",
        COHORT_PAGE,
    ] {
        visit.open(path);
        visit.assert_no_console_errors();
    }
    let ignored = visit.page.ignored.clone();
    if !ignored.is_empty() {
        tell(&format!("not held against the pages: {ignored:?}"));
    }
}

#[test]
fn given_the_example_when_the_main_pages_are_opened_then_full_page_screenshots_are_saved() {
    let Some(mut visit) = Visit::start("the screenshots") else {
        return;
    };
    let folder = artifacts();
    for (name, path) in [
        ("home", "/"),
        ("party", "/parties/us-co%3Acolorado-springs"),
        ("partnership", SMOLENSK_PAGE),
        ("cohort", COHORT_PAGE),
    ] {
        visit.open(path);
        let file = folder.join(format!("{name}.png"));
        visit.page.screenshot(&file);
        let png = std::fs::read(&file).expect("the screenshot was written");
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 1000,
            "{} is not a PNG of the page",
            file.display()
        );
        tell(&format!(
            "screenshot of the {name} page: {}",
            file.display()
        ));
    }
}
