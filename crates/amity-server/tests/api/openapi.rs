//! The OpenAPI document: served, valid, covering every route, and the one checked in.

use crate::support::Server;

#[tokio::test]
async fn the_openapi_document_covers_every_route_and_is_the_one_in_docs() {
    let server = Server::start(amity_server::Tokens::none()).await;
    let reply = server.get("/api/v1/openapi.json").await;
    assert_eq!(reply.status, 200);
    let document = reply.json();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    for route in [
        "/partnerships",
        "/partnerships/{id}",
        "/partnerships/{id}/history",
        "/parties",
        "/parties/{key}/partners",
        "/outcomes",
        "/changes",
        "/series",
        "/milestones",
        "/feed",
        "/checkpoint",
        "/proofs/inclusion",
        "/proofs/consistency",
        "/events",
    ] {
        assert!(paths.contains_key(route), "{route} is not in the document");
    }
    // Every $ref points at a schema the document holds.
    let text = serde_json::to_string(&document).unwrap();
    let schemas = document["components"]["schemas"].as_object().unwrap();
    for reference in text.split("\"$ref\":\"").skip(1) {
        let target = reference.split('"').next().unwrap();
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{target}"));
        assert!(schemas.contains_key(name), "{target} is not defined");
    }
    // Each component is a valid JSON Schema 2020-12.
    for (name, schema) in schemas {
        let mut schema = schema.clone();
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema".into();
        assert!(jsonschema::meta::is_valid(&schema), "{name}");
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let pretty = serde_json::to_string_pretty(&document).unwrap() + "\n";
    if std::env::var_os("AMITY_WRITE_SCHEMAS").is_some() {
        std::fs::write(&path, &pretty).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&path).ok().as_deref(),
        Some(pretty.as_str()),
        "docs/openapi.json is out of date: regenerate with AMITY_WRITE_SCHEMAS=1 cargo test -p amity-server --test api"
    );
}
