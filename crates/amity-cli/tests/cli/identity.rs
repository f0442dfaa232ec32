//! Who is who: the party register, same-as links that merge one community's keys, names
//! found accents and case aside, ambiguous names refused with their candidates.

use serde_json::Value;

use super::*;

const CS_US: &str = "Colorado Springs, US";

/// Found a partnership between two parties given as written.
fn found(sandbox: &Sandbox, a: &str, b: &str, occurred: &str) -> String {
    let out = sandbox.json(&["found", a, b, "--occurred", occurred]);
    assert_eq!(out["recorded"], Value::Bool(true), "{out}");
    out["event_id"].as_str().expect("event_id").to_owned()
}

fn partner_names(partners: &Value) -> Vec<String> {
    partners
        .as_array()
        .expect("partners is a list")
        .iter()
        .map(|row| row["partner"]["name"].as_str().expect("name").to_owned())
        .collect()
}

#[test]
fn given_two_keys_of_one_city_when_linked_same_as_then_partners_counts_each_sister_city_once() {
    let sandbox = Sandbox::new();
    // The city recorded under two keys (the one without its state first: a name in its
    // country is otherwise found in its subdivision), with Fujiyoshida under both.
    found(&sandbox, CS_US, "Fujiyoshida, JP", "1962");
    found(&sandbox, CS_US, "Kranj, SI", "2019");
    found(&sandbox, CS, "Fujiyoshida, JP", "1962");
    let apart = sandbox.json(&["partners", "us:colorado-springs"]);
    assert_eq!(partner_names(&apart), ["Fujiyoshida", "Kranj"], "{apart}");
    let link = sandbox.json(&[
        "party",
        "same-as",
        "us-co:colorado-springs",
        "us:colorado-springs",
        "--source-title",
        "City of Colorado Springs, sister cities page",
    ]);
    assert_eq!(link["canonical"], "us-co:colorado-springs", "{link}");
    // Either key, or the name with its country, gives the community's partners, each once.
    for given in ["us:colorado-springs", "us-co:colorado-springs", CS_US] {
        let partners = sandbox.json(&["partners", given]);
        assert_eq!(
            partner_names(&partners),
            ["Fujiyoshida", "Kranj"],
            "{given}: {partners}"
        );
    }
    // The merged history keeps both entries, each with its stream.
    let history = sandbox.history(&["jp:fujiyoshida+us-co:colorado-springs"]);
    let streams: Vec<&str> = history["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|row| row["event_id"].as_str().expect("id"))
        .collect();
    assert_eq!(streams.len(), 2, "{history:#}");
    // A new event about the other key goes to the community's stream.
    let out = sandbox.json(&["suspend", CS_US, "Kranj, SI", "--occurred", "2023"]);
    assert_eq!(
        out["partnership"], "si:kranj+us-co:colorado-springs",
        "{out}"
    );
    // Known before the link, the two keys are apart.
    let status = sandbox.json(&["status", "--party", "us:colorado-springs"]);
    assert_eq!(status.as_array().map(Vec::len), Some(2), "{status}");
    // Retracting the link parts them again.
    let link_id = link["event_id"].as_str().expect("id");
    sandbox.ok(&[
        "retract",
        link_id,
        "--reason",
        "checked: recorded twice on purpose",
    ]);
    let apart = sandbox.json(&["partners", "us:colorado-springs"]);
    assert_eq!(partner_names(&apart), ["Fujiyoshida", "Kranj"], "{apart}");
    // The suspension stays where it was recorded: in the community key's stream, now alone.
    let own = sandbox.json(&["partners", "us-co:colorado-springs"]);
    assert_eq!(partner_names(&own), ["Fujiyoshida", "Kranj"], "{own}");
    assert_eq!(own[1]["status"], "unknown", "{own}");
}

#[test]
fn given_a_link_when_asked_as_known_before_it_then_the_keys_are_apart() {
    let sandbox = Sandbox::new();
    found(&sandbox, CS_US, "Fujiyoshida, JP", "1962");
    found(&sandbox, CS, "Fujiyoshida, JP", "1962");
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    let before = jiff::Timestamp::now().to_string();
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    sandbox.ok(&[
        "party",
        "same-as",
        "us-co:colorado-springs",
        "us:colorado-springs",
    ]);
    let now = sandbox.json(&["status"]);
    assert_eq!(now.as_array().map(Vec::len), Some(1), "{now}");
    let then = sandbox.json(&["status", "--known-at", &before]);
    assert_eq!(then.as_array().map(Vec::len), Some(2), "{then}");
}

#[test]
fn given_a_link_that_makes_the_history_impossible_then_it_is_kept_and_the_status_is_unknown() {
    let sandbox = Sandbox::new();
    found(&sandbox, CS_US, SMOLENSK, "1995");
    found(&sandbox, CS, SMOLENSK, "1993");
    sandbox.ok(&[
        "party",
        "same-as",
        "us-co:colorado-springs",
        "us:colorado-springs",
    ]);
    let status = sandbox.json(&["status", CS, SMOLENSK]);
    assert_eq!(status[0]["status"], "unknown", "{status}");
    let conflict = status[0]["conflict"].as_str().expect("a conflict");
    assert!(
        conflict.contains("ru:smolensk+us-co:colorado-springs")
            && conflict.contains("ru:smolensk+us:colorado-springs"),
        "{conflict}"
    );
}

#[test]
fn parties_are_found_by_name_accents_and_case_aside() {
    let sandbox = Sandbox::new();
    found(&sandbox, "Kraków, PL", "Leuven, BE", "1991");
    found(
        &sandbox,
        "Nowa Huta (Kraków), PL",
        "Dimitrovgrad, BG",
        "1970",
    );
    let found_parties = sandbox.json(&["parties", "krakow"]);
    let keys: Vec<&str> = found_parties
        .as_array()
        .expect("a list")
        .iter()
        .map(|row| row["key"].as_str().expect("key"))
        .collect();
    assert_eq!(
        keys,
        ["pl:kraków", "pl:nowa-huta-kraków"],
        "{found_parties}"
    );
    // An alias is searched too, and a unique name names the party.
    sandbox.ok(&[
        "party",
        "alias",
        "pl:kraków",
        "Cracow",
        "--source-title",
        "Britannica",
    ]);
    let by_alias = sandbox.json(&["parties", "crac"]);
    assert_eq!(by_alias[0]["key"], "pl:kraków", "{by_alias}");
    let partners = sandbox.json(&["partners", "Cracow"]);
    assert_eq!(partner_names(&partners), ["Leuven"], "{partners}");
    let shown = sandbox.json(&["party", "show", "krakow"]);
    assert_eq!(shown["aliases"][0], "Cracow", "{shown}");
    assert_eq!(shown["partnerships"], 1, "{shown}");
}

#[test]
fn an_ambiguous_name_lists_its_candidates_and_an_unknown_one_suggests() {
    let sandbox = Sandbox::new();
    found(&sandbox, "Columbia, US-SC", "Kaiserslautern, DE", "1990");
    found(&sandbox, "Columbia, US-MD", "Cap-Haïtien, HT", "2000");
    let error = sandbox.fails(&["partners", "Columbia"]);
    assert!(
        error.contains("ambiguous")
            && error.contains("us-md:columbia")
            && error.contains("us-sc:columbia"),
        "{error}"
    );
    let error = sandbox.fails(&["partners", "Kaiserslauten"]);
    assert!(error.contains("did you mean de:kaiserslautern"), "{error}");
    // Recording by a known name in its country uses that party.
    let out = sandbox.json(&[
        "reaffirm",
        "Columbia, US-SC",
        "kaiserslautern",
        "--occurred",
        "2022",
    ]);
    assert_eq!(
        out["partnership"], "de:kaiserslautern+us-sc:columbia",
        "{out}"
    );
}

#[test]
fn distinct_places_cannot_be_linked_same_as() {
    let sandbox = Sandbox::new();
    found(
        &sandbox,
        "Frankenberg, DE-HE",
        "Seekirchen am Wallersee, AT",
        "1990",
    );
    found(&sandbox, "Frankenberg, DE-SN", "Bytów, PL", "1995");
    sandbox.ok(&[
        "party",
        "distinct",
        "de-he:frankenberg",
        "de-sn:frankenberg",
    ]);
    let error = sandbox.fails(&["party", "same-as", "de-he:frankenberg", "de-sn:frankenberg"]);
    assert!(error.contains("different places"), "{error}");
    // Their own twinning is kept.
    found(&sandbox, "Frankenberg, DE-HE", "Frankenberg, DE-SN", "2000");
    let shown = sandbox.json(&["party", "show", "de-he:frankenberg"]);
    assert_eq!(shown["partnerships"], 2, "{shown}");
    assert_eq!(shown["links"][0]["relation"], "distinct", "{shown}");
}

// ---------------------------------------------------------------------------------------------
// Imports keep places apart

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

const UNSEEN_COLUMNS: &str = "city1=label_a,country1=country_a,latitude1=lat_a,longitude1=lon_a,\
     city2=label_b,country2=country_b,latitude2=lat_b,longitude2=lon_b";

fn import_unseen(sandbox: &Sandbox, extra: &[&str]) -> Run {
    let list = fixture("unseen-shape.tsv");
    let mut args = vec![
        "import",
        "--format",
        "pairs",
        list.as_str(),
        "--source-title",
        "EU list of twinned towns",
        "--as-of",
        "2025",
        "--columns",
        UNSEEN_COLUMNS,
    ];
    args.extend_from_slice(extra);
    sandbox.run(&args)
}

#[test]
fn given_a_list_with_coordinates_when_imported_then_homonyms_far_apart_are_two_parties() {
    let sandbox = Sandbox::new();
    // Atlantis is no country: the file is refused as a whole, naming the row and column.
    let refused = import_unseen(&sandbox, &[]);
    assert!(!refused.success);
    assert!(
        refused
            .stderr
            .contains("unseen-shape.tsv:15: country_a: cannot resolve \"Atlantis\""),
        "{}",
        refused.stderr
    );
    assert_eq!(sandbox.event_count(), 0);
    // A user file of country names makes it known.
    let names = sandbox.path().join("countries.csv");
    std::fs::write(&names, "name,alpha2\nAtlantis,ZZ\n").unwrap();
    let names = names.to_string_lossy().into_owned();
    let run = import_unseen(&sandbox, &["--country-names", &names]);
    assert!(run.success, "{}", run.stderr);
    // The summary names every split and every merge.
    assert!(
        run.stdout.contains("split: de:frankenberg names 2 places: de:frankenberg (lines 2, 3, 4); de:frankenberg-5091n01304e (lines 2, 5, 6)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("split: fr:saint-denis names 2 places"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("merged: de:frankenberg-5091n01304e names one place at lines 2, 5, 6 (up to 2.3 km apart"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("merged: \"Krakow\" (pl:krakow, line 12) is pl:kraków (0.7 km apart)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("14 rows read, 13 events written, 1 duplicates skipped, 0 rows rejected"),
        "{}",
        run.stdout
    );
    // The two Frankenbergs are two parties, and their own twinning is kept.
    let history = sandbox.history(&["de:frankenberg+de:frankenberg-5091n01304e"]);
    assert_eq!(events(&history).len(), 1, "{history:#}");
    let partners = sandbox.json(&["partners", "de:frankenberg"]);
    assert_eq!(
        partner_names(&partners),
        ["Dalaas", "Frankenberg", "Seekirchen am Wallersee"],
        "{partners}"
    );
    // The historical country names resolved; Krakow is Kraków, with its alias.
    sandbox.ok(&["history", "hr:zagreb+mk:skopje"]);
    sandbox.ok(&["history", "it:trieste+ps:hebron"]);
    let krakow = sandbox.json(&["party", "show", "Krakow"]);
    assert_eq!(krakow["key"], "pl:kraków", "{krakow}");
    assert_eq!(krakow["aliases"][0], "Krakow", "{krakow}");
    assert_eq!(krakow["coordinates"][0], 50.0647, "{krakow}");
    assert_eq!(krakow["partnerships"], 3, "{krakow}");
    // Importing it again writes nothing.
    let again = import_unseen(&sandbox, &["--country-names", &names]);
    assert!(
        again.stdout.contains("0 events written"),
        "{}",
        again.stdout
    );
}

#[test]
fn a_list_without_coordinates_keeps_its_keys_and_a_column_map_names_missing_columns() {
    let sandbox = Sandbox::new();
    let list = sandbox.path().join("pairs.csv");
    std::fs::write(
        &list,
        "city1,country1,city2,country2\n\
         Columbia,United States,Kaiserslautern,Germany\n\
         Columbia,United States,Cap-Haïtien,Haiti\n\
         Sao Tomé,Sao Tomé and Príncipe,Lisbon,Portugal\n",
    )
    .unwrap();
    let list = list.to_string_lossy().into_owned();
    let import = |extra: &[&'static str]| -> Vec<String> {
        let mut args: Vec<String> = [
            "import",
            "--format",
            "pairs",
            &list,
            "--source-title",
            "A list",
            "--as-of",
            "2020",
        ]
        .map(str::to_owned)
        .to_vec();
        args.extend(extra.iter().map(|arg| (*arg).to_owned()));
        args
    };
    let args = import(&[]);
    let out = sandbox.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    // Nothing tells the two Columbias apart: one party, no split claimed.
    assert!(!out.contains("split"), "{out}");
    let partners = sandbox.json(&["partners", "us:columbia"]);
    assert_eq!(partner_names(&partners).len(), 2, "{partners}");
    sandbox.ok(&["history", "pt:lisbon+st:sao-tomé"]);
    let args = import(&["--columns", "city1=town"]);
    let error = sandbox.fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(error.contains("no column \"town\""), "{error}");
}

#[test]
fn a_csv_import_finds_parties_as_recording_does_and_rejects_ambiguous_names() {
    let sandbox = Sandbox::new();
    found(&sandbox, "Columbia, US-SC", "Kaiserslautern, DE", "1990");
    found(&sandbox, "Columbia, US-MD", "Cap-Haïtien, HT", "2000");
    found(&sandbox, "Kraków, PL", "Leuven, BE", "1991");
    found(&sandbox, CS_US, "Kranj, SI", "2019");
    found(&sandbox, CS, "Fujiyoshida, JP", "1962");
    sandbox.ok(&[
        "party",
        "same-as",
        "us-co:colorado-springs",
        "us:colorado-springs",
    ]);
    let header = "party_a,country_a,region_a,party_b,country_b,region_b,kind,event,occurred,\
                  term_as_written,certainty,source_title,source_publisher,source_url,\
                  source_date,note";
    let file = sandbox.path().join("events.csv");
    std::fs::write(
        &file,
        format!(
            "{header}\n\
             Columbia,US,,Kaiserslautern,DE,,,reaffirmed,2022,,,,,,,\n\
             Krakow,PL,,Leuven,BE,,,suspended,2023,,,,,,,\n\
             Colorado Springs,US,,Kranj,SI,,,suspended,2024,,,,,,,\n"
        ),
    )
    .unwrap();
    let file = file.to_string_lossy().into_owned();
    let run = sandbox.run(&["import", "--format", "csv", &file, "--skip-invalid"]);
    assert!(run.success, "{}", run.stderr);
    // Columbia, US names two parties: the row is rejected with both.
    assert!(
        run.stderr
            .contains("events.csv:2: party_a: \"Columbia, US\" is ambiguous")
            && run.stderr.contains("us-md:columbia")
            && run.stderr.contains("us-sc:columbia"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("2 events written"), "{}", run.stdout);
    // Krakow is Kraków, folded; Colorado Springs, US is its community's stream.
    let history = sandbox.history(&["be:leuven+pl:kraków"]);
    assert_eq!(events(&history).len(), 2, "{history:#}");
    let kranj = sandbox.json(&["status", CS, "Kranj, SI"]);
    assert_eq!(kranj[0]["status"], "suspended", "{kranj}");
    assert_eq!(
        kranj[0]["partnership"], "si:kranj+us-co:colorado-springs",
        "{kranj}"
    );
}
