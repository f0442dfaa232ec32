//! The cohort page: the outcomes of a cohort in a window between two dates or milestones
//! (`Query::Outcomes`: `#outcomes`, each count linking to the partnerships behind it), and
//! the series chart with milestone lines (`#series`, its numbers also in a table).

use std::sync::Arc;

use amity_domain::{Certainty3, Day, Milestone, Status};
use amity_projections::analysis::{Decision, OutcomeRow, Outcomes, Point, Step, Window};
use amity_projections::query::{Answer, Query};
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;

use super::frame::{page, query, respond, segment, unchanged, Address, Frame, PageError, When};
use super::series_chart::{self, CHARTED};
use crate::app::App;
use crate::etag::Tag;
use crate::params;
use crate::problem::Problem;

/// The most partnerships a list behind a count shows.
pub const LISTED: usize = 1000;
/// The most steps of a series (months beyond it are shown as years).
const MOST_STEPS: i64 = 240;

/// What the page takes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CohortParams {
    from: Option<String>,
    to: Option<String>,
    cohort: Option<String>,
    region: Option<String>,
    kind: Option<String>,
    party: Option<String>,
    step: Option<String>,
    show: Option<String>,
    as_of: Option<String>,
    known_at: Option<String>,
}

/// Which partnerships a count stands for: `suspended-definite` (the status at the end of
/// the window) or `decided-suspended-possible` (the last decision in it); `all`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// Every partnership of the cohort.
    All,
    /// Those whose status at the end is (or may be) this one.
    Status(String, Certainty3),
    /// Those whose last decision is (or may be) this one.
    Decision(String, Certainty3),
}

impl Shown {
    /// Read `show`.
    pub fn parse(text: &str) -> Option<Shown> {
        if text == "all" {
            return Some(Shown::All);
        }
        let (rest, certainty) = if let Some(rest) = text.strip_suffix("-definite") {
            (rest, Certainty3::Definite)
        } else {
            (text.strip_suffix("-possible")?, Certainty3::Possible)
        };
        match rest.strip_prefix("decided-") {
            Some(decision) => Decision::ALL
                .iter()
                .any(|d| d.name() == decision)
                .then(|| Shown::Decision(decision.to_owned(), certainty)),
            None => CHARTED
                .iter()
                .any(|s| s.name() == rest)
                .then(|| Shown::Status(rest.to_owned(), certainty)),
        }
    }

    /// Whether a partnership's outcome is counted in this number (as `Query::Outcomes`
    /// counts: a set of one is definite, each member of a larger set possible).
    pub fn counts(&self, row: &OutcomeRow) -> bool {
        match self {
            Shown::All => true,
            Shown::Status(name, certainty) => {
                let mut set: Vec<Status> = vec![row.status];
                set.extend(row.competing.iter().copied());
                set.sort_by_key(|status| status.name());
                set.dedup();
                let own = if set.len() == 1 && row.status_certainty == Certainty3::Definite {
                    Certainty3::Definite
                } else {
                    Certainty3::Possible
                };
                own == *certainty && set.iter().any(|status| status.name() == name)
            }
            Shown::Decision(name, certainty) => {
                let set: Vec<Decision> = if row.competing_decisions.is_empty() {
                    vec![row.decision]
                } else {
                    row.competing_decisions.clone()
                };
                row.decision_certainty == *certainty && set.iter().any(|d| d.name() == name)
            }
        }
    }

    fn words(&self) -> String {
        match self {
            Shown::All => "every partnership of the cohort".to_owned(),
            Shown::Status(name, certainty) => {
                format!(
                    "{} {name} at the end of the window",
                    certainty_name(*certainty)
                )
            }
            Shown::Decision(name, certainty) => {
                format!("last decision {} {name}", certainty_name(*certainty))
            }
        }
    }
}

fn certainty_name(certainty: Certainty3) -> &'static str {
    match certainty {
        Certainty3::Definite => "definite",
        Certainty3::Possible => "possible",
    }
}

/// `GET /cohorts`.
pub async fn cohorts(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, PageError> {
    let tag = Tag::now(&app);
    if let Some(response) = unchanged(&tag, &headers) {
        return Ok(response);
    }
    let p: CohortParams = query(&uri)?;
    let when = When::read(&app, p.as_of.as_deref(), p.known_at.as_deref()).await?;
    let Answer::Milestones(milestones) = app.answer(Query::Milestones).await? else {
        return Err(Problem::internal("a milestones query gave another answer").into());
    };
    let to = nonempty(&p.to).unwrap_or_else(|| when.as_of_text.clone());
    let from = match nonempty(&p.from) {
        Some(from) => from,
        None => default_from(&milestones, &when),
    };
    let window = params::window(&app, Some(&from), Some(&to)).await?;
    let cohort = params::cohort(
        &app,
        p.cohort.as_deref(),
        p.region.as_deref(),
        p.kind.as_deref(),
        p.party.as_deref(),
    )
    .await?;
    let shown = match nonempty(&p.show) {
        None => None,
        Some(text) => Some(Shown::parse(&text).ok_or_else(|| {
            Problem::bad_request(format!(
                "show: {text:?}: give all, STATUS-definite, STATUS-possible, \
                 decided-DECISION-definite or decided-DECISION-possible"
            ))
        })?),
    };
    let step = match nonempty(&p.step) {
        Some(text) => params::step(Some(&text))?,
        None => default_step(&window),
    };
    let step = if step == Step::Month && months(&window) > MOST_STEPS {
        Step::Year
    } else {
        step
    };
    let Answer::Outcomes(outcomes) = app
        .answer(Query::Outcomes {
            cohort: cohort.clone(),
            window: window.clone(),
            known_at: when.known_at,
        })
        .await?
    else {
        return Err(Problem::internal("an outcomes query gave another answer").into());
    };
    let Answer::Series(points) = app
        .answer(Query::Series {
            cohort,
            from: window.from.1.clone(),
            to: window.to.1.clone(),
            step,
            known_at: when.known_at,
        })
        .await?
    else {
        return Err(Problem::internal("a series query gave another answer").into());
    };
    let here = Address::new("/cohorts")
        .with("from", Some(from.clone()))
        .with("to", nonempty(&p.to))
        .with("cohort", nonempty(&p.cohort))
        .with("region", nonempty(&p.region))
        .with("kind", nonempty(&p.kind))
        .with("party", nonempty(&p.party))
        .with("step", nonempty(&p.step));
    let with_show = here.clone().with("show", nonempty(&p.show));
    let frame = Frame {
        title: format!("Cohort {}", outcomes.cohort),
        here: with_show,
        when: &when,
    };
    let (first, end) = (day(window.from.1.earliest()), day(window.to.1.latest()) + 1);
    let body = html! {
        (window_form(&p, &from, &to, &when))
        (outcomes_table(&outcomes, &here, &when))
        @if let Some(shown) = &shown { (list(&outcomes, shown, &to, &when)) }
        section aria-labelledby="series-heading" {
            h2 id="series-heading" { "Status over time" }
            figure class="series" {
                (series_chart::draw(&points, &milestones, first, end))
                figcaption { "Solid: definite counts; dashed: definite and possible; blue dashed lines: milestones." }
            }
            (series_table(&points, &milestones, first, end))
        }
    };
    let heading = html! { "Outcomes of " (outcomes.cohort) };
    Ok(respond(&tag, page(&frame, heading, body)))
}

fn nonempty(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

fn day(day: Day) -> i32 {
    match day {
        Day::On(day) => day,
        Day::Past => i32::MIN / 4,
        Day::Future => i32::MAX / 4,
    }
}

/// The first milestone dated before the end, else ten years before it.
fn default_from(milestones: &[Milestone], when: &When) -> String {
    let end = when.as_of.date.latest();
    milestones
        .iter()
        .find(|milestone| milestone.occurred.earliest() <= end)
        .map(|milestone| milestone.key.as_str().to_owned())
        .unwrap_or_else(|| {
            let year = end.ymd().map_or(2000, |(year, _, _)| year);
            format!("{:04}", (year - 10).max(0))
        })
}

fn months(window: &Window) -> i64 {
    match (window.from.1.earliest().ymd(), window.to.1.latest().ymd()) {
        (Some((y0, m0, _)), Some((y1, m1, _))) => {
            (y1 - y0) * 12 + i64::from(m1) - i64::from(m0) + 1
        }
        _ => i64::MAX,
    }
}

/// Months for a window of three years or less, else years.
fn default_step(window: &Window) -> Step {
    if months(window) <= 36 {
        Step::Month
    } else {
        Step::Year
    }
}

fn window_form(p: &CohortParams, from: &str, to: &str, when: &When) -> Markup {
    let field = |id: &'static str, label: &'static str, value: Option<&str>, help: &'static str| {
        html! {
            div class="field" {
                label for=(id) { (label) }
                input id=(id) name=(id) type="text" value=[value] aria-describedby=(format!("{id}_help"));
                small id=(format!("{id}_help")) { (help) }
            }
        }
    };
    html! {
        form id="window" method="get" action="/cohorts" {
            @if when.as_of_asked { input type="hidden" name="as_of" value=(when.as_of_text); }
            @if let Some(moment) = when.known_at { input type="hidden" name="known_at" value=(moment.to_string()); }
            fieldset {
                legend { "Window and cohort" }
                (field("from", "From (date or milestone)", Some(from), "e.g. invasion-2022-02-24 or 2022-01"))
                (field("to", "To (date or milestone)", Some(to), "e.g. roundtable-2022-03-22 or 2022; empty: the date asked"))
                (field("cohort", "Countries (CC:CC)", p.cohort.as_deref(), "both parties' countries, e.g. US:RU"))
                (field("region", "Region", p.region.as_deref(), "a subdivision or country, e.g. US-CO"))
                (field("kind", "Kind", p.kind.as_deref(), "e.g. sister-city"))
                (field("party", "Party", p.party.as_deref(), "a party key, e.g. us-co:denver"))
                div class="field" {
                    label for="step" { "Series step" }
                    select id="step" name="step" {
                        option value="" selected[p.step.as_deref().unwrap_or("").is_empty()] { "automatic" }
                        option value="year" selected[p.step.as_deref() == Some("year")] { "year" }
                        option value="month" selected[p.step.as_deref() == Some("month")] { "month" }
                    }
                }
                button type="submit" { "Show outcomes" }
            }
        }
    }
}

fn count_cell(
    attribute: &'static str,
    name: &str,
    show: String,
    certainty: Certainty3,
    value: u64,
    here: &Address,
    when: &When,
) -> Markup {
    let href = format!(
        "{}#list",
        when.carried(here.clone()).with("show", Some(show)).href()
    );
    let certainty = certainty_name(certainty);
    html! {
        @if attribute == "outcome" {
            td data-outcome=(name) data-certainty=(certainty) { a href=(href) aria-label=(format!("{value} {certainty} {name}: list them")) { (value) } }
        } @else {
            td data-decision=(name) data-certainty=(certainty) { a href=(href) aria-label=(format!("{value} {certainty} last decision {name}: list them")) { (value) } }
        }
    }
}

fn outcomes_table(outcomes: &Outcomes, here: &Address, when: &When) -> Markup {
    let statuses = CHARTED.map(Status::name);
    html! {
        section aria-labelledby="outcomes-heading" {
            h2 id="outcomes-heading" { "Outcomes from " (outcomes.from) " to " (outcomes.to) }
            p {
                (outcomes.cohort_size) " partnerships in the cohort; days " (outcomes.first_day) " to " (outcomes.last_day)
                ". A partnership whose outcome is uncertain counts once as possible for each outcome it may have. "
                a href=(format!("{}#list", when.carried(here.clone()).with("show", Some("all")).href())) { "List them all" }
            }
            table id="outcomes" {
                caption { "Counts, definite and possible, each linking to the partnerships behind it" }
                thead { tr { th scope="col" { "Outcome" } th scope="col" { "Definite" } th scope="col" { "Possible" } } }
                tbody {
                    tr { th scope="colgroup" colspan="3" class="group" { "Status at the end of the window" } }
                    @for name in statuses {
                        @let split = outcomes.counts.statuses.get(name).copied().unwrap_or_default();
                        tr {
                            th scope="row" { (name) }
                            (count_cell("outcome", name, format!("{name}-definite"), Certainty3::Definite, split.definite, here, when))
                            (count_cell("outcome", name, format!("{name}-possible"), Certainty3::Possible, split.possible, here, when))
                        }
                    }
                }
                tbody {
                    tr { th scope="colgroup" colspan="3" class="group" { "Last decision in the window" } }
                    @for decision in Decision::ALL {
                        @let name = decision.name();
                        @let split = outcomes.counts.decisions.get(name).copied().unwrap_or_default();
                        tr {
                            th scope="row" { (name) }
                            (count_cell("decision", name, format!("decided-{name}-definite"), Certainty3::Definite, split.definite, here, when))
                            (count_cell("decision", name, format!("decided-{name}-possible"), Certainty3::Possible, split.possible, here, when))
                        }
                    }
                }
            }
        }
    }
}

fn list(outcomes: &Outcomes, shown: &Shown, to: &str, when: &When) -> Markup {
    let rows: Vec<&OutcomeRow> = outcomes
        .partnerships
        .iter()
        .filter(|row| shown.counts(row))
        .collect();
    html! {
        section id="list" aria-labelledby="list-heading" {
            h2 id="list-heading" { "Partnerships: " (shown.words()) " (" (rows.len()) ")" }
            @if rows.is_empty() { p { "None." } } @else {
                div class="scroll" {
                    table id="shown" {
                        caption { "Each links to its page as of the window's end (" (to) ")" }
                        thead { tr {
                            th scope="col" { "Partnership" }
                            th scope="col" { "Last decision" }
                            th scope="col" { "Status at the end" }
                        } }
                        tbody {
                            @for row in rows.iter().take(LISTED) {
                                @let link = Address::new(format!("/partnerships/{}", segment(row.partnership.as_str())))
                                    .with("as_of", Some(to.to_owned()))
                                    .with("known_at", when.known_at.map(|moment| moment.to_string()));
                                tr data-partnership=(row.partnership.as_str()) {
                                    td { a href=(link.href()) {
                                        (row.parties.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(" – "))
                                    } br; small { code { (row.partnership.as_str()) } } }
                                    td {
                                        (row.decision.name()) " (" (certainty_name(row.decision_certainty)) ")"
                                        @if let Some(event) = &row.decision_event { br; small { (event.occurred.as_deref().unwrap_or("undated")) } }
                                    }
                                    td {
                                        (row.status.name()) " (" (certainty_name(row.status_certainty)) ")"
                                        @if !row.competing.is_empty() { ": " (row.competing.iter().map(|s| s.name()).collect::<Vec<_>>().join(" or ")) }
                                    }
                                }
                            }
                        }
                    }
                }
                @if rows.len() > LISTED { p { "The first " (LISTED) " are shown: narrow the cohort for the rest." } }
            }
        }
    }
}

fn series_table(points: &[Point], milestones: &[Milestone], first: i32, end: i32) -> Markup {
    let in_range: Vec<&Milestone> = milestones
        .iter()
        .filter(|m| (first..end).contains(&day(m.occurred.earliest())))
        .collect();
    html! {
        details {
            summary { "The series as a table" }
            div class="scroll" {
                table id="series-table" {
                    caption { "Partnerships by status at the end of each step (definite, then possible in parentheses)" }
                    thead { tr {
                        th scope="col" { "Step" } th scope="col" { "As of" }
                        @for status in CHARTED { th scope="col" { (status.name()) } }
                    } }
                    tbody {
                        @for point in points {
                            tr {
                                th scope="row" { (point.step) }
                                td { (point.as_of) }
                                @for status in CHARTED {
                                    @let split = point.counts.get(status.name()).copied().unwrap_or_default();
                                    td { (split.definite) @if split.possible > 0 { " (+" (split.possible) ")" } }
                                }
                            }
                        }
                    }
                }
            }
            @if !in_range.is_empty() {
                h3 { "Milestones in the window" }
                ul id="milestones" {
                    @for milestone in in_range {
                        li { code { (milestone.key.as_str()) } " · " (milestone.occurred.as_str()) " · " (milestone.title) }
                    }
                }
            }
        }
    }
}
