//! Shared by the benchmarks: the synthetic ledger and measuring helpers.
#![allow(dead_code)] // Each benchmark uses a different part of this module.

use amity_domain::{
    Certainty, EdtfDate, Event, EventType, Facts, Occurred, Partnership, PartnershipKind, Party,
    Source, SourceRole,
};

/// Events per synthetic partnership.
pub const EVENTS_PER_PARTNERSHIP: usize = 10;

/// A number from the environment, or the default.
pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The partner's country: Russia for one partnership in ten (the US:RU cohort of the
/// analysis benchmarks), else one of nine others.
fn partner_country(n: usize) -> &'static str {
    if n % 10 == 3 {
        "RU"
    } else {
        ["DE", "FR", "JP", "IT", "CN", "MX", "GB", "ES", "BR"][n % 9]
    }
}

/// Ten events of one synthetic partnership, in a legal order.
pub fn partnership_events(n: usize) -> (Partnership, Vec<Event>) {
    let a = Party::new(
        &format!("Springfield {n}"),
        "US",
        Some(["US-CO", "US-IL", "US-MA", "US-OR"][n % 4]),
        Some(&format!("Q{}", 100_000 + n)),
    )
    .expect("party");
    let b = Party::new(
        &format!("Partnerstadt {n}"),
        partner_country(n),
        None,
        Some(&format!("Q{}", 900_000 + n)),
    )
    .expect("party");
    events_between(n, a, b)
}

/// Ten events of a synthetic partnership between `a` and `b` (the `n`th: its dates and
/// sources follow from `n`), in a legal order, the last a termination; dates of every
/// precision, approximate ones among them, each event citing a primary source.
pub fn events_between(n: usize, a: Party, b: Party) -> (Partnership, Vec<Event>) {
    let partnership = Partnership::new(a, b, PartnershipKind::sister_city()).expect("partnership");
    let types = [
        EventType::PartnershipFounded,
        EventType::PartnershipAttested,
        EventType::PartnershipReaffirmed,
        EventType::PartnershipSuspended,
        EventType::PartnershipReinstated,
        EventType::PartnershipAttested,
        EventType::PartnershipReaffirmed,
        EventType::PartnershipSuspended,
        EventType::PartnershipReinstated,
        EventType::PartnershipTerminated,
    ];
    let year = 1950 + (n % 50) as i32;
    let events = types
        .iter()
        .enumerate()
        .map(|(i, event_type)| {
            let occurred = match i % 3 {
                0 => format!("{}", year + i as i32 * 7),
                1 => format!("{}-{:02}", year + i as i32 * 7, i + 1),
                _ => format!("{}-{:02}-{:02}~", year + i as i32 * 7, i + 1, i + 10),
            };
            let facts = Facts {
                occurred: Occurred::Date(EdtfDate::parse(&occurred).expect("date")),
                term_as_written: Some(
                    ["twinned", "formally suspended", "kept", "reinstated"][i % 4].to_owned(),
                ),
                sources: vec![Source {
                    title: format!("City council minutes, session {n}-{i}"),
                    publisher: Some("Municipal archive".to_owned()),
                    url: Some(format!("https://archive.example.org/council/{n}/{i}")),
                    published: Some(
                        EdtfDate::parse(&format!("{}", year + i as i32 * 7)).expect("date"),
                    ),
                    locator: Some("item 7, resolution on international relations".to_owned()),
                    role: Some(SourceRole::Primary),
                }],
                certainty: Certainty::Confirmed,
                initiated_by: Some(partnership.parties[0].key()),
                note: (i % 2 == 0).then(|| "entered from the committee's card index".to_owned()),
            };
            Event::lifecycle(*event_type, partnership.clone(), facts)
        })
        .collect();
    (partnership, events)
}

/// The process's peak resident memory (VmHWM) in MB.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The process's resident memory now (VmRSS) in MB.
pub fn rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// CPU time used so far by every thread of the process (user and system), in seconds.
pub fn process_cpu_seconds() -> f64 {
    let text = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which is in parentheses): utime is the 14th field.
    let after = text.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |index: usize| -> f64 {
        fields
            .get(index)
            .and_then(|field| field.parse().ok())
            .unwrap_or(f64::NAN)
    };
    // Clock ticks are 100 per second on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

/// Reset the peak-memory mark (Linux `clear_refs`).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The median (sorts the values).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// A new stream of `partnership` holding `events`, encoded as the ledger encodes them.
pub fn new_stream(partnership: &Partnership, events: &[Event]) -> amity_store::StreamAppend {
    amity_store::StreamAppend {
        stream: partnership.id().as_str().to_owned(),
        expected: amity_store::ExpectedVersion::NoStream,
        events: events
            .iter()
            .map(|event| amity_ledger::encode(uuid::Uuid::now_v7(), event, "bench"))
            .collect(),
    }
}

/// The arguments of the README's import of the Wikipedia list in `file`.
pub fn wikipedia_import(file: &str) -> [&str; 9] {
    [
        "import",
        "--format",
        "pairs",
        file,
        "--skip-invalid",
        "--source-title",
        "Wikipedia: List of twin towns and sister cities",
        "--as-of",
        "2026-02",
    ]
}

/// Append the synthetic ledger of `partnerships` × 10 events, 100 partnerships per batch.
pub async fn fill(store: &std::sync::Arc<dyn amity_store::EventStore>, partnerships: usize) {
    fill_with(store, partnerships, partnership_events).await;
}

/// Append the `partnerships` histories `events` makes (the `n`th for `n`), 100 per batch.
pub async fn fill_with(
    store: &std::sync::Arc<dyn amity_store::EventStore>,
    partnerships: usize,
    events: impl Fn(usize) -> (Partnership, Vec<Event>),
) {
    let mut batch = Vec::new();
    for n in 0..partnerships {
        let (partnership, events) = events(n);
        batch.push(new_stream(&partnership, &events));
        if batch.len() == 100 || n + 1 == partnerships {
            store
                .append_many(std::mem::take(&mut batch))
                .await
                .expect("append");
        }
    }
}

/// A small seeded generator (xorshift64*), so that generated histories are the same on every
/// machine and run.
pub struct Seeded(u64);

impl Seeded {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Seeded {
        Seeded(seed.max(1))
    }

    /// The next number below `bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound
    }
}

/// The long history of the honest-answers benchmarks: 1 founding (1990), 1,499 suspension and
/// reinstatement pairs each dated at random in {`2022`, `2022-06`, `2022-06-15~`}, and
/// attestations (2010) up to `events` in all; as (type, date) in recording order, each pair's
/// suspension before its reinstatement.
pub fn long_history(events: usize, seed: u64) -> Vec<(EventType, &'static str)> {
    const DATES: [&str; 3] = ["2022", "2022-06", "2022-06-15~"];
    let mut random = Seeded::new(seed);
    let mut history = vec![(EventType::PartnershipFounded, "1990")];
    let pairs = events.saturating_sub(2) / 2;
    for _ in 0..pairs {
        let suspended = DATES[random.below(3) as usize];
        let reinstated = DATES[random.below(3) as usize];
        history.push((EventType::PartnershipSuspended, suspended));
        history.push((EventType::PartnershipReinstated, reinstated));
    }
    while history.len() < events {
        history.push((EventType::PartnershipAttested, "2010"));
    }
    history
}

/// The lifecycle CSV header.
pub const CSV_HEADER: &str = "party_a,country_a,region_a,party_b,country_b,region_b,kind,event,\
occurred,term_as_written,certainty,source_title,source_publisher,source_url,source_date,note";
