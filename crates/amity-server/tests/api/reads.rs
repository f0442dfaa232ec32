//! The read routes.

use crate::support::{assert_valid, Server};

const SMOLENSK: &str = "ru%3Asmolensk%2Bus-co%3Acolorado-springs";

#[tokio::test]
async fn given_the_example_when_listing_partnerships_then_every_status_validates_and_pages() {
    let server = Server::example().await;
    let reply = server.get("/api/v1/partnerships").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let json = reply.json();
    assert_valid("status", &json);
    assert_eq!(json.as_array().unwrap().len(), 2, "{json}");
    // A page of one, with a link to the next.
    let reply = server.get("/api/v1/partnerships?limit=1").await;
    assert_eq!(reply.json().as_array().unwrap().len(), 1);
    let link = reply.header("link").expect("a next link");
    assert!(
        link.contains("offset=1") && link.contains("rel=\"next\""),
        "{link}"
    );
    let reply = server.get("/api/v1/partnerships?limit=1&offset=1").await;
    assert_eq!(reply.json().as_array().unwrap().len(), 1);
    // Selectors: the cohort, a region, a party, a kind.
    let json = server.get("/api/v1/partnerships?cohort=US:RU").await.json();
    assert_eq!(json.as_array().unwrap().len(), 1, "{json}");
    assert_eq!(json[0]["partnership"], "ru:smolensk+us-co:colorado-springs");
    let json = server.get("/api/v1/partnerships?region=JP").await.json();
    assert_eq!(
        json[0]["partnership"], "jp:fujiyoshida+us-co:colorado-springs",
        "{json}"
    );
    let json = server
        .get("/api/v1/partnerships?party=ru%3Asmolensk")
        .await
        .json();
    assert_eq!(json.as_array().unwrap().len(), 1, "{json}");
    let json = server
        .get("/api/v1/partnerships?kind=friendship-city")
        .await
        .json();
    assert_eq!(json.as_array().unwrap().len(), 0, "{json}");
}

#[tokio::test]
async fn given_an_uncertain_suspension_when_asking_as_of_dates_then_the_answer_is_honest() {
    let server = Server::example().await;
    let path = format!("/api/v1/partnerships/{SMOLENSK}");
    let json = server.get(&format!("{path}?as_of=2021")).await.json();
    assert_eq!(
        (json["status"].as_str(), json["certainty"].as_str()),
        (Some("active"), Some("definite")),
        "{json}"
    );
    // March 2022 holds the approximate day: active or suspended.
    let json = server.get(&format!("{path}?as_of=2022-03")).await.json();
    assert_eq!(json["certainty"], "possible", "{json}");
    assert_eq!(
        json["competing"],
        serde_json::json!(["active", "suspended"]),
        "{json}"
    );
    // A milestone's key is a date too.
    let json = server.get(&format!("{path}?as_of=invasion")).await.json();
    assert_eq!(json["status"], "active", "{json}");
    // As known before anything was recorded: nothing.
    let reply = server.get(&format!("{path}?known_at=2000-01-01")).await;
    let detail = reply.problem(404);
    assert!(detail.contains("had been recorded by"), "{detail}");
}

#[tokio::test]
async fn given_bad_selectors_then_each_is_a_400_naming_the_parameter() {
    let server = Server::example().await;
    for (path, names) in [
        ("/api/v1/partnerships?as_of=yesterday", "as_of"),
        ("/api/v1/partnerships?known_at=soon", "known_at"),
        ("/api/v1/partnerships?cohort=USA", "cohort"),
        ("/api/v1/partnerships?limit=20000", "limit"),
        ("/api/v1/partnerships?limit=-1", "limit"),
        ("/api/v1/partnerships?colour=red", "colour"),
        ("/api/v1/partnerships/not-an-id", "partnership"),
        ("/api/v1/outcomes?from=2022", "from and to"),
        ("/api/v1/outcomes?from=2023&to=2022", "after"),
        ("/api/v1/series?from=2020&to=2022&step=week", "step"),
        ("/api/v1/feed?after=somewhere", "after"),
        ("/api/v1/series?from=1000&to=2020&step=month", "steps"),
        (
            "/api/v1/proofs/inclusion?event_id=00000000-0000-0000-0000-000000000000&size=big",
            "size",
        ),
        ("/api/v1/proofs/inclusion?event_id=x", "event_id"),
        ("/api/v1/parties/NOT%20A%20KEY/partners", "party"),
    ] {
        let detail = server.get(path).await.problem(400);
        assert!(detail.contains(names), "{path}: {detail}");
    }
}

#[tokio::test]
async fn given_unknown_things_then_404_problems() {
    let server = Server::example().await;
    let detail = server
        .get("/api/v1/partnerships/ru%3Aomsk%2Bus-co%3Adenver")
        .await
        .problem(404);
    assert!(detail.contains("ru:omsk+us-co:denver"), "{detail}");
    server
        .get("/api/v1/partnerships/ru%3Aomsk%2Bus-co%3Adenver/history")
        .await
        .problem(404);
    server
        .get("/api/v1/parties/ru%3Aomsk/partners")
        .await
        .problem(404);
    server.get("/api/v1/nothing-here").await.problem(404);
}

#[tokio::test]
async fn given_a_history_then_it_validates_pages_and_is_known_at_a_moment() {
    let server = Server::example().await;
    let path = format!("/api/v1/partnerships/{SMOLENSK}/history");
    let json = server.get(&path).await.json();
    assert_valid("history", &json);
    // In valid-time order: the disputed termination dated 2022-03 before the suspension of
    // about 2022-03-03.
    let types: Vec<&str> = json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "PartnershipFounded",
            "PartnershipTerminated",
            "PartnershipSuspended"
        ]
    );
    assert_eq!(json["events"][1]["certainty"], "disputed", "{json}");
    let reply = server.get(&format!("{path}?limit=2")).await;
    assert_eq!(reply.json()["events"].as_array().unwrap().len(), 2);
    assert!(reply.header("link").unwrap().contains("offset=2"));
    let json = server.get(&format!("{path}?limit=2&offset=2")).await.json();
    assert_eq!(json["events"][0]["type"], "PartnershipSuspended", "{json}");
    server.get(&format!("{path}?as_of=2020")).await.problem(400);
}

#[tokio::test]
async fn given_parties_then_search_and_partners_validate() {
    let server = Server::example().await;
    let json = server.get("/api/v1/parties?q=smol").await.json();
    assert_valid("parties", &json);
    assert_eq!(json.as_array().unwrap().len(), 1, "{json}");
    assert_eq!(json[0]["key"], "ru:smolensk");
    let json = server.get("/api/v1/parties").await.json();
    assert_eq!(json.as_array().unwrap().len(), 3, "{json}");
    let json = server
        .get("/api/v1/parties/us-co%3Acolorado-springs/partners?as_of=2021")
        .await
        .json();
    assert_valid("partners", &json);
    assert_eq!(json.as_array().unwrap().len(), 2, "{json}");
}

#[tokio::test]
async fn given_a_window_then_outcomes_changes_and_series_validate() {
    let server = Server::example().await;
    let json = server
        .get("/api/v1/outcomes?from=invasion&to=2022-12-31&cohort=US:RU")
        .await
        .json();
    assert_valid("outcomes", &json);
    assert_eq!(json["cohort_size"], 1, "{json}");
    assert_eq!(
        json["counts"]["decisions"]["suspended"]["definite"], 1,
        "{json}"
    );
    let json = server
        .get("/api/v1/changes?from=2022&to=2022&cohort=US:RU")
        .await
        .json();
    assert_valid("changes", &json);
    assert!(!json.as_array().unwrap().is_empty(), "{json}");
    let json = server
        .get("/api/v1/series?from=2020&to=2023&step=year")
        .await
        .json();
    assert_valid("series", &json);
    assert_eq!(json.as_array().unwrap().len(), 4, "{json}");
    let json = server.get("/api/v1/milestones").await.json();
    assert_valid("milestones", &json);
    assert_eq!(json[0]["key"], "invasion");
}

#[tokio::test]
async fn given_an_etag_then_the_same_request_is_not_modified_until_the_feed_moves() {
    let server = Server::example().await;
    let path = format!("/api/v1/partnerships/{SMOLENSK}");
    let reply = server.get(&path).await;
    let tag = reply.header("etag").expect("an ETag").to_owned();
    let again = server.get_with(&path, &[("if-none-match", &tag)]).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(tag.as_str()));
    // A write moves the feed: the tag changes, the old one no longer matches.
    let body = crate::support::lifecycle(
        amity_domain::EventType::PartnershipAttested,
        "Colorado Springs, US-CO",
        "Fujiyoshida, JP",
        "2020",
        amity_domain::Certainty::Confirmed,
    );
    assert_eq!(
        server
            .post("/api/v1/events", Some(crate::support::TOKEN), &body)
            .await
            .status,
        201
    );
    let after = server.get_with(&path, &[("if-none-match", &tag)]).await;
    assert_eq!(after.status, 200);
    assert_ne!(after.header("etag"), Some(tag.as_str()));
}

#[tokio::test]
async fn given_the_feed_then_pages_follow_each_other_to_the_end() {
    let server = Server::example().await;
    let mut after = "start".to_owned();
    let mut seen = Vec::new();
    loop {
        let json = server
            .get(&format!("/api/v1/feed?after={after}&limit=2"))
            .await
            .json();
        let events = json["events"].as_array().unwrap();
        if events.is_empty() {
            assert!(json["next_after"].is_null(), "{json}");
            break;
        }
        for event in events {
            for field in [
                "event_id",
                "stream",
                "type",
                "recorded_by",
                "recorded_at",
                "position",
            ] {
                assert!(event[field].is_string(), "{field}: {event}");
            }
            assert!(event["payload"].is_object());
            seen.push(event["event_id"].as_str().unwrap().to_owned());
        }
        after = json["next_after"].as_str().unwrap().to_owned();
    }
    assert_eq!(seen.len(), 5, "four partnership events and a milestone");
    server.get("/api/v1/feed?limit=0").await.problem(400);
}

#[tokio::test]
async fn given_no_checkpoint_then_404_and_proofs_of_the_log_still_answer() {
    let server = Server::example().await;
    let detail = server.get("/api/v1/checkpoint").await.problem(404);
    assert!(detail.contains("no checkpoint"), "{detail}");
    let feed = server.get("/api/v1/feed?limit=1").await.json();
    let id = feed["events"][0]["event_id"].as_str().unwrap().to_owned();
    let json = server
        .get(&format!("/api/v1/proofs/inclusion?event_id={id}"))
        .await
        .json();
    assert_eq!(json["leaf_index"], 0, "{json}");
    assert_eq!(json["tree_size"], 5, "{json}");
    let json = server
        .get("/api/v1/proofs/consistency?from=2&to=5")
        .await
        .json();
    assert_eq!(
        (json["from"].as_u64(), json["to"].as_u64()),
        (Some(2), Some(5)),
        "{json}"
    );
    server
        .get("/api/v1/proofs/consistency?from=9&to=5")
        .await
        .problem(400);
    server
        .get("/api/v1/proofs/inclusion?event_id=00000000-0000-0000-0000-000000000000")
        .await
        .problem(404);
}

#[tokio::test]
async fn given_an_address_too_long_then_414() {
    let server = Server::example().await;
    let long = "x".repeat(5000);
    server
        .get(&format!("/api/v1/parties?q={long}"))
        .await
        .problem(414);
}
