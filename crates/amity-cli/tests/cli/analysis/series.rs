//! `series` on the 2022 scenario, yearly and monthly, and its SVG chart.

use super::*;

#[test]
fn yearly_series_of_the_scenario() {
    let (sandbox, _) = scenario_sandbox();
    let points = series(
        &sandbox,
        &[
            "--cohort", "US:RU", "--from", "1990", "--to", "2024", "--step", "year",
        ],
    );
    assert_eq!(points.len(), 35);
    let steps: Vec<String> = (1990..=2024).map(|year| year.to_string()).collect();
    assert_eq!(strings(&Value::Array(points.clone()), "step"), steps);
    for point in &points {
        let counts = point["counts"].as_object().expect("counts");
        let names: Vec<&str> = counts.keys().map(String::as_str).collect();
        let mut expected = vec!["active", "not_yet", "suspended", "terminated", "unknown"];
        expected.sort();
        assert_eq!(names, expected, "{point}");
        let total: u64 = counts
            .values()
            .map(|split| split["definite"].as_u64().unwrap() + split["possible"].as_u64().unwrap())
            .sum();
        assert_eq!(total, 6, "every partnership counted once: {point}");
    }
    let first = point(&points, "1990");
    assert_eq!(first["as_of"], "1991-01-01");
    assert_eq!(
        first["counts"],
        statuses([(5, 0), (1, 0), (0, 0), (0, 0), (0, 0)])
    );
    assert_eq!(
        point(&points, "2021")["counts"],
        statuses([(0, 0), (6, 0), (0, 0), (0, 0), (0, 0)])
    );
    let end_of_2022 = point(&points, "2022");
    assert_eq!(end_of_2022["as_of"], "2023-01-01");
    assert_eq!(
        end_of_2022["counts"],
        statuses([(0, 0), (1, 0), (3, 0), (2, 0), (0, 0)])
    );
    assert_eq!(point(&points, "2024")["counts"], end_of_2022["counts"]);

    // Tallahassee–Krasnodar founded [1983,1984]: at the end of 1983, possibly.
    let early = series(
        &sandbox,
        &["--cohort", "US:RU", "--from", "1983", "--to", "1984"],
    );
    assert_eq!(
        point(&early, "1983")["counts"]["active"],
        split(0, 1),
        "{early:#?}"
    );
    assert_eq!(point(&early, "1984")["counts"]["active"], split(1, 0));

    // CSV: the documented header, one row per step.
    let csv = sandbox.ok(&[
        "series", "--cohort", "US:RU", "--from", "1990", "--to", "2024", "--csv",
    ]);
    let (header, records) = csv_records(&csv);
    assert_eq!(
        header,
        [
            "step",
            "as_of",
            "not_yet_definite",
            "not_yet_possible",
            "active_definite",
            "active_possible",
            "suspended_definite",
            "suspended_possible",
            "terminated_definite",
            "terminated_possible",
            "unknown_definite",
            "unknown_possible"
        ]
    );
    assert_eq!(records.len(), 35);
    let row_2022 = records.iter().find(|r| r["step"] == "2022").expect("2022");
    assert_eq!(row_2022["as_of"], "2023-01-01");
    assert_eq!(row_2022["active_definite"], "1");
    assert_eq!(row_2022["suspended_definite"], "3");
    assert_eq!(row_2022["terminated_definite"], "2");
}

#[test]
fn monthly_series_shows_the_change_in_march() {
    let (sandbox, _) = scenario_sandbox();
    let points = series(
        &sandbox,
        &[
            "--cohort", "US:RU", "--from", "2022-01", "--to", "2022-12", "--step", "month",
        ],
    );
    let steps: Vec<String> = (1..=12).map(|month| format!("2022-{month:02}")).collect();
    assert_eq!(strings(&Value::Array(points.clone()), "step"), steps);
    let february = point(&points, "2022-02");
    assert_eq!(february["as_of"], "2022-03-01");
    assert_eq!(
        february["counts"],
        statuses([(0, 0), (6, 0), (0, 0), (0, 0), (0, 0)])
    );
    let march = point(&points, "2022-03");
    assert_eq!(march["as_of"], "2022-04-01");
    assert_eq!(
        march["counts"],
        statuses([(0, 0), (2, 0), (2, 0), (2, 0), (0, 0)])
    );
    assert_eq!(point(&points, "2022-07")["counts"], march["counts"]);
    assert_eq!(
        point(&points, "2022-08")["counts"],
        statuses([(0, 0), (1, 0), (3, 0), (2, 0), (0, 0)])
    );
    // Month steps across a year end.
    let across = series(
        &sandbox,
        &[
            "--cohort", "US:RU", "--from", "2021-11", "--to", "2022-02", "--step", "month",
        ],
    );
    assert_eq!(
        strings(&Value::Array(across), "step"),
        ["2021-11", "2021-12", "2022-01", "2022-02"]
    );
}

// ---------------------------------------------------------------------------------------------
// Chart.

/// The texts of an SVG's `<text>` elements, trimmed and unescaped.
fn svg_texts(svg: &str) -> Vec<String> {
    let mut texts = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find("<text") {
        let element = &rest[start..];
        let open_end = element.find('>').expect("<text …> is closed");
        let close = element.find("</text>").expect("<text> has its </text>");
        let content = element[open_end + 1..close]
            .trim()
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&");
        texts.push(content);
        rest = &element[close + "</text>".len()..];
    }
    texts
}

/// Read an SVG file and check it is well formed enough: one root element, balanced `<text>`
/// elements; its `<text>` contents.
fn read_svg(path: &std::path::Path) -> (String, Vec<String>) {
    let svg = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("{} is not readable: {error}", path.display()));
    let trimmed = svg.trim();
    assert!(
        trimmed.starts_with("<svg") || trimmed.starts_with("<?xml"),
        "{} does not start like an SVG: {}",
        path.display(),
        &trimmed[..trimmed.len().min(80)]
    );
    assert!(
        trimmed.ends_with("</svg>"),
        "{} does not end with </svg>",
        path.display()
    );
    assert_eq!(trimmed.matches("<svg").count(), 1, "one root element");
    assert_eq!(
        trimmed.matches("<text").count(),
        trimmed.matches("</text>").count(),
        "balanced <text> elements"
    );
    assert!(
        trimmed.contains("<polygon") || trimmed.contains("<path"),
        "the chart has filled areas"
    );
    let texts = svg_texts(&svg);
    (svg, texts)
}

#[test]
fn chart_has_title_axes_legend_and_milestones() {
    let (sandbox, _) = scenario_sandbox();
    let path = sandbox.path().join("us-ru.svg");
    let path_text = path.to_str().expect("UTF-8 path");
    let table = sandbox.ok(&[
        "series", "--cohort", "US:RU", "--from", "1990", "--to", "2024", "--step", "year",
        "--chart", path_text,
    ]);
    assert!(table.contains("2022"), "the series is printed too: {table}");
    let (_, texts) = read_svg(&path);
    if let Some(copy) = std::env::var_os("AMITY_TEST_CHART_COPY") {
        std::fs::copy(&path, copy).expect("copy the chart");
    }
    let has = |wanted: &str| texts.iter().any(|text| text.contains(wanted));
    assert!(
        texts
            .iter()
            .any(|t| t.contains("US:RU") && t.contains("status")),
        "a title naming the cohort: {texts:?}"
    );
    assert!(has("partnerships"), "y axis description: {texts:?}");
    assert!(has("year"), "x axis description: {texts:?}");
    for legend in ["active", "suspended", "terminated"] {
        assert!(
            texts.iter().any(|text| text == legend),
            "legend {legend}: {texts:?}"
        );
    }
    for key in [INVASION, SCI_LETTER, ROUNDTABLE] {
        assert!(has(key), "milestone label {key}: {texts:?}");
    }
    assert!(has("1990") && has("2020"), "x axis labels: {texts:?}");

    // A range without milestones: no milestone label.
    let early = sandbox.path().join("early.svg");
    sandbox.ok(&[
        "series",
        "--cohort",
        "US:RU",
        "--from",
        "1990",
        "--to",
        "2000",
        "--chart",
        early.to_str().expect("UTF-8 path"),
    ]);
    let (svg, texts) = read_svg(&early);
    for key in [INVASION, SCI_LETTER, ROUNDTABLE] {
        assert!(!svg.contains(key), "{key} is outside 1990–2000: {texts:?}");
    }
    assert!(texts.iter().any(|t| t.contains("US:RU")), "{texts:?}");

    // A combined cohort is named in the title; monthly steps keep the milestones of 2022.
    let monthly = sandbox.path().join("monthly.svg");
    sandbox.ok(&[
        "series",
        "--cohort",
        "US:RU",
        "--region",
        "US-CA",
        "--from",
        "2022-01",
        "--to",
        "2022-06",
        "--step",
        "month",
        "--chart",
        monthly.to_str().expect("UTF-8 path"),
    ]);
    let (_, texts) = read_svg(&monthly);
    assert!(
        texts
            .iter()
            .any(|t| t.contains("US:RU") && t.contains("US-CA")),
        "the title names the whole cohort: {texts:?}"
    );
    for key in [INVASION, SCI_LETTER, ROUNDTABLE] {
        assert!(
            texts.iter().any(|t| t.contains(key)),
            "milestone label {key}: {texts:?}"
        );
    }
}

#[test]
fn chart_of_the_example_ledger() {
    let sandbox = Sandbox::new();
    sandbox.example();
    let path = sandbox.path().join("example.svg");
    sandbox.ok(&[
        "series",
        "--cohort",
        "US:RU",
        "--from",
        "1990",
        "--to",
        "2024",
        "--chart",
        path.to_str().expect("UTF-8 path"),
    ]);
    let (_, texts) = read_svg(&path);
    for key in [INVASION, SCI_LETTER, ROUNDTABLE] {
        assert!(texts.iter().any(|t| t.contains(key)), "{key}: {texts:?}");
    }
    // An unwritable chart path: one error line.
    let error = sandbox.fails(&[
        "series",
        "--cohort",
        "US:RU",
        "--from",
        "1990",
        "--to",
        "2024",
        "--chart",
        "/nonexistent-folder/chart.svg",
    ]);
    assert!(error.contains("/nonexistent-folder/chart.svg"), "{error}");
}
