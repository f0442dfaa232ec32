//! The write route and its guard.

use amity_domain::{Certainty, EventType};

use crate::support::{lifecycle, Server, TOKEN};

fn suspension() -> serde_json::Value {
    lifecycle(
        EventType::PartnershipSuspended,
        "Colorado Springs, US-CO",
        "Fujiyoshida, JP",
        "2022-03",
        Certainty::Confirmed,
    )
}

#[tokio::test]
async fn given_a_read_only_server_then_a_write_is_405_with_allow() {
    let server = Server::start(amity_server::Tokens::none()).await;
    let reply = server
        .post("/api/v1/events", Some(TOKEN), &suspension())
        .await;
    let detail = reply.problem(405);
    assert!(detail.contains("read-only"), "{detail}");
    assert_eq!(reply.header("allow"), Some("GET, HEAD"));
}

#[tokio::test]
async fn given_no_token_or_a_wrong_one_then_401_with_www_authenticate_and_nothing_written() {
    let server = Server::example().await;
    for token in [
        None,
        Some("wrong-token-wrong-token-wrong-token-wrong-token"),
        Some(""),
    ] {
        let reply = server.post("/api/v1/events", token, &suspension()).await;
        reply.problem(401);
        assert!(reply
            .header("www-authenticate")
            .unwrap()
            .starts_with("Bearer"));
    }
    // A token under another scheme is no bearer token.
    let reply = server
        .send(
            axum::http::Request::post("/api/v1/events")
                .header("content-type", "application/json")
                .header("authorization", format!("Basic {TOKEN}"))
                .body(axum::body::Body::from(
                    serde_json::to_vec(&suspension()).unwrap(),
                ))
                .unwrap(),
        )
        .await;
    reply.problem(401);
    let json = server
        .get("/api/v1/partnerships/jp%3Afujiyoshida%2Bus-co%3Acolorado-springs/history")
        .await
        .json();
    assert_eq!(
        json["events"].as_array().unwrap().len(),
        1,
        "nothing was written: {json}"
    );
}

#[tokio::test]
async fn given_a_token_then_the_write_is_recorded_by_its_name_and_read_back_at_once() {
    let server = Server::example().await;
    let mut body = suspension();
    body["event_id"] = serde_json::json!("0190d6a4-0000-7000-8000-000000000001");
    let reply = server.post("/api/v1/events", Some(TOKEN), &body).await;
    assert_eq!(
        reply.status,
        201,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let json = reply.json();
    assert_eq!(json[0]["outcome"], "recorded");
    assert_eq!(json[0]["recorded_by"], "tester");
    let history = server
        .get("/api/v1/partnerships/jp%3Afujiyoshida%2Bus-co%3Acolorado-springs/history")
        .await
        .json();
    let last = &history["events"][1];
    assert_eq!(
        (last["type"].as_str(), last["recorded_by"].as_str()),
        (Some("PartnershipSuspended"), Some("tester")),
        "{history}"
    );
    // The same id again records nothing.
    let reply = server.post("/api/v1/events", Some(TOKEN), &body).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()[0]["outcome"], "already_recorded");
}

#[tokio::test]
async fn given_an_illegal_event_then_422_naming_the_conflict_and_a_batch_is_all_or_nothing() {
    let server = Server::example().await;
    // A reinstatement of a partnership that was never suspended: no legal order.
    let reinstated = lifecycle(
        EventType::PartnershipReinstated,
        "Colorado Springs, US-CO",
        "Fujiyoshida, JP",
        "1950",
        Certainty::Confirmed,
    );
    let detail = server
        .post("/api/v1/events", Some(TOKEN), &reinstated)
        .await
        .problem(422);
    assert!(!detail.is_empty());
    let batch = serde_json::json!([suspension(), reinstated]);
    server
        .post("/api/v1/events", Some(TOKEN), &batch)
        .await
        .problem(422);
    let json = server
        .get("/api/v1/partnerships/jp%3Afujiyoshida%2Bus-co%3Acolorado-springs/history")
        .await
        .json();
    assert_eq!(
        json["events"].as_array().unwrap().len(),
        1,
        "the batch wrote nothing: {json}"
    );
}

#[tokio::test]
async fn given_a_retraction_then_it_finds_its_partnership() {
    let server = Server::example().await;
    let history = server
        .get("/api/v1/partnerships/ru%3Asmolensk%2Bus-co%3Acolorado-springs/history")
        .await
        .json();
    let terminated = history["events"][1]["event_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = serde_json::json!({"type": "EntryRetracted", "payload": {"target": terminated, "reason": "the city never terminated it", "occurred": null, "sources": [], "certainty": "confirmed"}});
    let reply = server.post("/api/v1/events", Some(TOKEN), &body).await;
    assert_eq!(
        reply.status,
        201,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let history = server
        .get("/api/v1/partnerships/ru%3Asmolensk%2Bus-co%3Acolorado-springs/history")
        .await
        .json();
    assert_eq!(history["events"].as_array().unwrap().len(), 4, "{history}");
}

#[tokio::test]
async fn given_bad_bodies_then_clear_problems() {
    let server = Server::example().await;
    let detail = server
        .post_raw(
            "/api/v1/events",
            Some(TOKEN),
            "application/json",
            b"{not json".to_vec(),
        )
        .await
        .problem(400);
    assert!(detail.starts_with("body:"), "{detail}");
    server
        .post_raw("/api/v1/events", Some(TOKEN), "text/plain", b"{}".to_vec())
        .await
        .problem(415);
    let detail = server
        .post("/api/v1/events", Some(TOKEN), &serde_json::json!([]))
        .await
        .problem(400);
    assert!(detail.contains("1 to"), "{detail}");
    let unknown =
        serde_json::json!({"type": "PartnershipFounded", "payload": {"occurred": "1990"}});
    let detail = server
        .post("/api/v1/events", Some(TOKEN), &unknown)
        .await
        .problem(400);
    assert!(detail.starts_with("event 1:"), "{detail}");
    let extra = serde_json::json!({"type": "PartnershipFounded", "payload": {}, "colour": "red"});
    server
        .post("/api/v1/events", Some(TOKEN), &extra)
        .await
        .problem(400);
    // A milestone is sent alone.
    let milestone = serde_json::json!({"type": "MilestoneRecorded", "payload": {"key": "roundtable", "title": "Roundtable", "occurred": "2022-03-22", "sources": []}});
    let detail = server
        .post(
            "/api/v1/events",
            Some(TOKEN),
            &serde_json::json!([milestone, suspension()]),
        )
        .await
        .problem(400);
    assert!(detail.contains("alone"), "{detail}");
    // A future date is refused by the rules for new input.
    let future = lifecycle(
        EventType::PartnershipSuspended,
        "Colorado Springs, US-CO",
        "Fujiyoshida, JP",
        "2999",
        Certainty::Confirmed,
    );
    server
        .post("/api/v1/events", Some(TOKEN), &future)
        .await
        .problem(422);
}

#[tokio::test]
async fn given_a_body_over_the_bound_then_413() {
    let server = Server::example().await;
    let big = vec![b' '; amity_server_body_limit() + 10];
    let reply = server
        .post_raw("/api/v1/events", Some(TOKEN), "application/json", big)
        .await;
    assert_eq!(reply.status, 413);
}

fn amity_server_body_limit() -> usize {
    1024 * 1024
}

#[tokio::test]
async fn given_register_events_then_an_alias_finds_the_party_and_a_link_merges_keys() {
    let server = Server::example().await;
    let alias = serde_json::json!({"type": "PartyAliased", "payload": {"key": "ru:smolensk", "aliases": ["Smolenskaya"], "sources": []}});
    let reply = server.post("/api/v1/events", Some(TOKEN), &alias).await;
    assert_eq!(
        reply.status,
        201,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let found = server.get("/api/v1/parties?q=smolenskaya").await.json();
    assert_eq!(found[0]["key"], "ru:smolensk", "{found}");
    // Another key for Fujiyoshida, then a same-as link: the old key's partnership answers.
    let other = lifecycle(
        EventType::PartnershipFounded,
        "Fujiyoshida City, JP",
        "Pueblo, US-CO",
        "1982",
        Certainty::Confirmed,
    );
    assert_eq!(
        server
            .post("/api/v1/events", Some(TOKEN), &other)
            .await
            .status,
        201
    );
    let link = serde_json::json!({"type": "PartiesLinked", "payload": {"relation": "same_as", "a": "jp:fujiyoshida", "b": "jp:fujiyoshida-city", "sources": []}});
    let reply = server.post("/api/v1/events", Some(TOKEN), &link).await;
    assert_eq!(
        reply.status,
        201,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let partners = server
        .get("/api/v1/parties/jp%3Afujiyoshida-city/partners")
        .await
        .json();
    assert_eq!(
        partners.as_array().unwrap().len(),
        2,
        "both keys are one community: {partners}"
    );
    // The same link again conflicts.
    let mut again = link.clone();
    again["event_id"] = serde_json::json!("0190d6a4-0000-7000-8000-0000000000aa");
    server
        .post("/api/v1/events", Some(TOKEN), &again)
        .await
        .problem(422);
}

#[tokio::test]
async fn given_a_milestone_key_in_use_then_409() {
    let server = Server::example().await;
    let milestone = serde_json::json!({"type": "MilestoneRecorded", "payload": {"key": "invasion", "title": "Another", "occurred": "2022-02-25", "sources": []}});
    let detail = server
        .post("/api/v1/events", Some(TOKEN), &milestone)
        .await
        .problem(409);
    assert!(detail.contains("invasion"), "{detail}");
}

#[tokio::test]
async fn given_a_link_to_an_unknown_party_then_422_and_nothing_registered() {
    let server = Server::example().await;
    let link = serde_json::json!({"type": "PartiesLinked", "payload": {"relation": "distinct", "a": "ru:smolensk", "b": "ru:nowhere", "sources": []}});
    let detail = server
        .post("/api/v1/events", Some(TOKEN), &link)
        .await
        .problem(422);
    assert!(detail.contains("ru:nowhere"), "{detail}");
}
