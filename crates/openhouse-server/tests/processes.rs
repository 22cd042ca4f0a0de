//! Two `openhouse serve` processes on one PostgreSQL database: they share webhook delivery
//! (10,000 events, each delivered exactly once), Round Robin's rotation (1,000 leads, each
//! member's exact share, which both then search alike from their in-memory indexes), and,
//! through Redis, rate limits (64 clients at once get the limit once in all) and revocations (a
//! token revoked on one is refused by the other within a second). PostgreSQL only: SQLite is
//! served by one process.

mod common;

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use openhouse_domain::auth::{CredentialKind, Role};
use openhouse_store::Store;
use serde_json::json;
use tokio::process::{Child, Command};

type Seen = Arc<Mutex<HashMap<String, u32>>>;

async fn receive(State(seen): State<Seen>, headers: HeaderMap, _body: Bytes) -> StatusCode {
    let id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    *seen.lock().unwrap().entry(id).or_default() += 1;
    StatusCode::OK
}

fn serve(url: &str, node: u16, port: u16) -> Child {
    serve_with(url, node, port, &["--rate-limit-unvendored", "1000000"])
}

fn serve_with(url: &str, node: u16, port: u16, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_openhouse"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--database-url", url, "--node-id", &node.to_string()])
        .args(["--webhook-allow-private", "--rate-limit", "1000000"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start openhouse")
}

async fn ready(client: &reqwest::Client, port: u16) {
    let start = Instant::now();
    loop {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && r.status() == 200
        {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "node on {port} not ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_deliver_each_event_exactly_once() {
    let Some(base) = common::postgres_url() else {
        return;
    };
    let url = common::fresh_postgres_database(&base).await;
    let store = Store::connect(&url, 9).await.unwrap();
    store.migrate().await.unwrap();
    let t = store
        .create_team("Two nodes", "two@example.com")
        .await
        .unwrap();
    let key = store
        .issue_credential(t.team_id, t.user_id, CredentialKind::ApiKey)
        .await
        .unwrap();
    let auth = format!("token {key}");

    let seen: Seen = Default::default();
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://127.0.0.1:{}/hook", l.local_addr().unwrap().port());
    let app = axum::Router::new()
        .fallback(receive)
        .with_state(seen.clone());
    tokio::spawn(async move {
        let _ = axum::serve(l, app).await;
    });

    let ports = [common::free_port(), common::free_port()];
    let _a = serve(&url, 1, ports[0]);
    let _b = serve(&url, 2, ports[1]);
    // reqwest is built without a TLS provider of its own (the server brings its own config)
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    for p in ports {
        ready(&client, p).await;
    }
    for _ in 0..2 {
        let r = client
            .post(format!("http://127.0.0.1:{}/v1.0/webhook", ports[0]))
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .body(json!({"listId": 2, "callbackUrl": hook, "limit": 5000}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }

    // 5,000 leads, half through each process, 16 at a time
    let leads = 5000;
    let mut tasks = Vec::new();
    for w in 0..16 {
        let client = client.clone();
        let auth = auth.clone();
        tasks.push(tokio::spawn(async move {
            for i in (w..leads).step_by(16) {
                let port = ports[i % 2];
                let r = client
                    .post(format!("http://127.0.0.1:{port}/v1.0/leads"))
                    .header("Authorization", &auth)
                    .header("Content-Type", "application/json")
                    .body(json!({"firstName": format!("Lead {i}")}).to_string())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }

    let expected = 2 * leads;
    let start = Instant::now();
    while seen.lock().unwrap().len() < expected {
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "{} of {expected} delivered",
            seen.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // a while longer: a second delivery of anything would show now
    tokio::time::sleep(Duration::from_secs(2)).await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), expected);
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    // and both processes delivered
    use sea_orm::{ConnectionTrait, Database, Statement};
    let db = Database::connect(&url).await.unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT lease_owner, COUNT(*) AS n FROM jobs WHERE state = 1 GROUP BY lease_owner",
        ))
        .await
        .unwrap();
    let by_node: HashMap<i32, i64> = rows
        .iter()
        .map(|r| {
            (
                r.try_get::<i32>("", "lease_owner").unwrap(),
                r.try_get::<i64>("", "n").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_node.values().sum::<i64>(),
        expected as i64,
        "{by_node:?}"
    );
    assert!(
        by_node.get(&1).is_some_and(|n| *n > 0) && by_node.get(&2).is_some_and(|n| *n > 0),
        "both nodes deliver: {by_node:?}"
    );
}

/// The JSON a GET of `path` on the process at `port` answers.
async fn get_json(
    client: &reqwest::Client,
    port: u16,
    path: &str,
    auth: &str,
) -> serde_json::Value {
    let text = client
        .get(format!("http://127.0.0.1:{port}{path}"))
        .header("Authorization", auth)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// 1,000 leads routed through one weighted Round Robin rule, half through each process, 16 at
/// a time: the rotation lives in the database, so each member gets its exact share (±1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_round_robin_rotation() {
    let Some(base) = common::postgres_url() else {
        return;
    };
    let url = common::fresh_postgres_database(&base).await;
    let store = Store::connect(&url, 9).await.unwrap();
    store.migrate().await.unwrap();
    let t = store
        .create_team("Two routers", "routers@example.com")
        .await
        .unwrap();
    let key = store
        .issue_credential(t.team_id, t.user_id, CredentialKind::ApiKey)
        .await
        .unwrap();
    let auth = format!("token {key}");
    let mut agents = Vec::new();
    for i in 0..3 {
        let email = format!("rr{i}@example.com");
        agents.push(
            store
                .create_user(t.team_id, &email, "Agent", Some(&email), Role::Agent)
                .await
                .unwrap(),
        );
    }
    let weights = [1, 4, 5];

    let ports = [common::free_port(), common::free_port()];
    let _a = serve(&url, 1, ports[0]);
    let _b = serve(&url, 2, ports[1]);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    for p in ports {
        ready(&client, p).await;
    }
    let rule = json!({"routingStrategy": {"strategyType": 3, "memberWeights": agents.iter()
        .zip(weights).map(|(m, w)| json!({"memberId": m, "weight": w})).collect::<Vec<_>>()}});
    let r = client
        .post(format!("http://127.0.0.1:{}/v1.0/routing/rule/1", ports[1]))
        .header("Authorization", &auth)
        .header("Content-Type", "application/json")
        .body(rule.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());

    let leads = 1000;
    let mut tasks = Vec::new();
    for w in 0..16 {
        let client = client.clone();
        let auth = auth.clone();
        tasks.push(tokio::spawn(async move {
            let mut assigned = Vec::new();
            for i in (w..leads).step_by(16) {
                let port = ports[i % 2];
                let body = json!({"firstName": format!("Routed {i}"), "leadRouting": true});
                let r = client
                    .post(format!("http://127.0.0.1:{port}/v1.0/leads"))
                    .header("Authorization", &auth)
                    .header("Content-Type", "application/json")
                    .body(body.to_string())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                let created: serde_json::Value =
                    serde_json::from_str(&r.text().await.unwrap()).unwrap();
                let id = created["leadId"].as_i64().expect("a lead id");
                let lead = get_json(
                    &client,
                    ports[1 - i % 2],
                    &format!("/v1.0/leads/{id}"),
                    &auth,
                )
                .await;
                assigned.push(lead["assignedUserId"].as_i64().expect("assigned"));
            }
            assigned
        }));
    }
    let mut counts: HashMap<i64, i64> = HashMap::new();
    for t in tasks {
        for a in t.await.unwrap() {
            *counts.entry(a).or_default() += 1;
        }
    }
    let total: i64 = weights.iter().sum();
    for (a, w) in agents.iter().zip(weights) {
        let exact = leads as i64 * w / total;
        let got = counts.get(a).copied().unwrap_or(0);
        assert!(
            (got - exact).abs() <= 1,
            "member of weight {w}: {got} of {leads}, not {exact}: {counts:?}"
        );
        // each process answers a search from its own index, which follows the journal both
        // write: right after the creates, both give the member's count and the same page
        let mut pages = Vec::new();
        for port in ports {
            let page = get_json(
                &client,
                port,
                &format!("/v1.0/leads?assignedUserId={a}&limit=25"),
                &auth,
            )
            .await;
            assert_eq!(page["_metadata"]["total"].as_i64(), Some(got), "{page}");
            pages.push(common::lead_ids(&page));
        }
        assert_eq!(pages[0], pages[1], "the two processes page alike");
        assert_eq!(pages[0].len(), 25.min(got as usize));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_rate_limits_and_revocations_through_redis() {
    let (Some(base), Some(redis)) = (common::postgres_url(), common::redis_url()) else {
        return;
    };
    let url = common::fresh_postgres_database(&base).await;
    let store = Store::connect(&url, 9).await.unwrap();
    store.migrate().await.unwrap();
    let t = store
        .create_team("Shared limits", "limits@example.com")
        .await
        .unwrap();
    let key = store
        .issue_credential(t.team_id, t.user_id, CredentialKind::ApiKey)
        .await
        .unwrap();
    let auth = format!("token {key}");
    let app = store
        .create_app(
            t.team_id,
            "Sync",
            &["https://sync.example.com/cb".into()],
            &["*".into()],
        )
        .await
        .unwrap();

    let ports = [common::free_port(), common::free_port()];
    let limit = 60;
    let extra = [
        "--rate-limit-unvendored",
        "60",
        "--redis-url",
        redis.as_str(),
    ];
    let _a = serve_with(&url, 1, ports[0], &extra);
    let _b = serve_with(&url, 2, ports[1], &extra);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    for p in ports {
        ready(&client, p).await;
    }

    // 64 clients at once, 4 requests each, turn about on the two nodes: one limit in all
    let mut tasks = Vec::new();
    for c in 0..64 {
        let client = client.clone();
        let auth = auth.clone();
        tasks.push(tokio::spawn(async move {
            let mut admitted = 0;
            for i in 0..4 {
                let port = ports[(c + i) % 2];
                let r = client
                    .get(format!("http://127.0.0.1:{port}/v1.0/leads"))
                    .header("Authorization", &auth)
                    .send()
                    .await
                    .unwrap();
                match r.status().as_u16() {
                    200 => admitted += 1,
                    429 => assert!(r.headers().contains_key("retry-after")),
                    s => panic!("status {s}"),
                }
            }
            admitted
        }));
    }
    let mut admitted = 0;
    for t in tasks {
        admitted += t.await.unwrap();
    }
    // the limit, and what drained meanwhile (one a second at 60 a minute)
    assert!(
        (limit..=limit + 3).contains(&admitted),
        "{admitted} of 256 admitted by two nodes with a limit of {limit}"
    );

    // a token used on B (so B has it cached), revoked on A: B refuses it within a second
    let form = |path: &str, body: String| {
        client
            .post(format!("http://127.0.0.1:{}{path}", ports[0]))
            .basic_auth(&app.app.client_id, Some(&app.client_secret))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let r = form(
        "/oauth/token",
        format!("grant_type=client_credentials&customer_key={key}"),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let tokens: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let on_b = || {
        client
            .get(format!("http://127.0.0.1:{}/v1.0/leads", ports[1]))
            .header("Authorization", &bearer)
            .send()
    };
    assert_eq!(on_b().await.unwrap().status(), 200);
    let r = form(
        "/oauth/revoke",
        format!("token={}", tokens["refresh_token"].as_str().unwrap()),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let revoked = Instant::now();
    loop {
        let s = on_b().await.unwrap().status();
        if s == 401 {
            break;
        }
        assert_eq!(s, 200);
        assert!(
            revoked.elapsed() < Duration::from_secs(1),
            "node B still admits the revoked token after a second"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
