//! A server over a fresh SQLite ledger, driven in process (`tower::ServiceExt::oneshot`):
//! each request goes through every layer a real one does.

use std::sync::Arc;

use amity_domain::{Certainty, Event, EventType, Facts, Partnership, PartnershipKind};
use amity_ledger::Ledger;
use amity_projections::Projections;
use amity_server::{Config, OpenProjections, Tokens};
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use tower::ServiceExt;

/// A writer's token (43 characters and more, as a token must be).
pub const TOKEN: &str = "test-token-0123456789-abcdefghijklmnopqrstuvwxyz";

struct InLedger(std::path::PathBuf);

#[async_trait::async_trait]
impl OpenProjections for InLedger {
    async fn open(&self, ledger: Ledger) -> amity_projections::Result<Projections> {
        Projections::open_in_ledger(ledger, &self.0)
    }
}

/// A running app over a temporary ledger.
pub struct Server {
    _dir: tempfile::TempDir,
    router: axum::Router,
}

/// A response: status, headers and body.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Assert a problem+json of `status`, and give its detail.
    pub fn problem(&self, status: u16) -> String {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let json = self.json();
        assert_eq!(json["status"], status);
        assert!(
            json["title"].is_string() && json["type"].is_string(),
            "{json}"
        );
        json["detail"].as_str().expect("a detail").to_owned()
    }
}

/// A lifecycle event as the API takes it.
pub fn lifecycle(
    event_type: EventType,
    a: &str,
    b: &str,
    occurred: &str,
    certainty: Certainty,
) -> serde_json::Value {
    let partnership = Partnership::new(
        a.parse().unwrap(),
        b.parse().unwrap(),
        PartnershipKind::sister_city(),
    )
    .unwrap();
    let facts = Facts {
        occurred: occurred.parse().unwrap(),
        certainty,
        ..Facts::default()
    };
    let event = Event::lifecycle(event_type, partnership, facts);
    serde_json::json!({
        "type": event_type.name(),
        "payload": serde_json::from_str::<serde_json::Value>(&event.encode()).unwrap(),
    })
}

impl Server {
    /// A server with the given write tokens (none: read-only).
    pub async fn start(tokens: Tokens) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let store = amity_store_sqlite::SqliteEventStore::open(&path).unwrap();
        let ledger = Ledger::new(Arc::new(store));
        let config = Config {
            tokens,
            readers: 2,
            ..Config::default()
        };
        let app = amity_server::app(&config, ledger, Arc::new(InLedger(path)))
            .await
            .unwrap();
        Server {
            _dir: dir,
            router: amity_server::router(app),
        }
    }

    /// A server that takes writes from `tester`.
    pub async fn writable() -> Server {
        Server::start(Tokens::from_variable(&format!("tester:{TOKEN}")).unwrap()).await
    }

    /// A writable server holding Colorado Springs–Smolensk (founded 1993, suspended around
    /// 2022-03-03, a disputed termination), Colorado Springs–Fujiyoshida (1962) and a
    /// milestone.
    pub async fn example() -> Server {
        use EventType as T;
        let server = Server::writable().await;
        let (cs, smolensk, fuji) = ("Colorado Springs, US-CO", "Smolensk, RU", "Fujiyoshida, JP");
        let body = serde_json::json!([
            lifecycle(
                T::PartnershipFounded,
                cs,
                smolensk,
                "1993",
                Certainty::Confirmed
            ),
            lifecycle(
                T::PartnershipSuspended,
                cs,
                smolensk,
                "2022-03-03~",
                Certainty::Confirmed
            ),
            lifecycle(
                T::PartnershipTerminated,
                cs,
                smolensk,
                "2022-03",
                Certainty::Disputed
            ),
            lifecycle(
                T::PartnershipFounded,
                cs,
                fuji,
                "1962",
                Certainty::Confirmed
            ),
        ]);
        let reply = server.post("/api/v1/events", Some(TOKEN), &body).await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        let milestone = serde_json::json!({"type": "MilestoneRecorded", "payload": {
            "key": "invasion", "title": "Russia invades Ukraine", "occurred": "2022-02-24", "sources": []}});
        let reply = server.post("/api/v1/events", Some(TOKEN), &milestone).await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        server
    }

    /// Send a request.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, 64 * 1024 * 1024)
            .await
            .unwrap()
            .to_vec();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Reply {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    /// `GET path` with headers.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = Request::get(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// `POST path` with a JSON body and maybe a bearer token.
    pub async fn post(&self, path: &str, token: Option<&str>, body: &serde_json::Value) -> Reply {
        self.post_raw(
            path,
            token,
            "application/json",
            serde_json::to_vec(body).unwrap(),
        )
        .await
    }

    /// `POST path` with any body.
    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header("content-type", content_type);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        self.send(request.body(Body::from(body)).unwrap()).await
    }
}

/// The published schema of an answer (`docs/schemas/NAME.answer.schema.json`).
pub fn answer_schema(name: &str) -> jsonschema::Validator {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/schemas")
        .join(format!("{name}.answer.schema.json"));
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// Assert a document validates against the published schema `name`.
pub fn assert_valid(name: &str, document: &serde_json::Value) {
    let validator = answer_schema(name);
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:?}\n{document}");
}
