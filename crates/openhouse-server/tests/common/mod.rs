//! The test harness: one test body, run on SQLite (a fresh file per test) and on PostgreSQL
//! (when `OPENHOUSE_TEST_POSTGRES_URL` is set; the tests say they skipped it otherwise).
//! PostgreSQL tests share one database: every test makes its own teams, and since every query
//! is scoped to a team, tests cannot see each other's data — which is itself what tenant
//! isolation promises.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use openhouse_server::{AppState, Settings, app};
use openhouse_store::Store;
use serde_json::Value;
use tower::ServiceExt;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub router: Router,
    /// The state behind `router` (its caches and counters).
    pub state: AppState,
    pub store: Store,
    pub backend: Backend,
    url: String,
    _dir: Option<tempfile::TempDir>,
}

/// A team's credentials, as `team create` prints them.
#[derive(Debug, Clone)]
pub struct Team {
    pub team_id: i64,
    pub user_id: i64,
    pub api_key: String,
    pub access_token: String,
    pub vendor_key: String,
}

impl Team {
    pub fn auth(&self) -> String {
        format!("token {}", self.api_key)
    }
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.access_token)
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "body: {}", self.body);
        &self.body
    }
    #[track_caller]
    pub fn error(&self, status: u16, code: i64) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        assert!(self.body["message"].is_string(), "body: {}", self.body);
    }
}

/// Settings for tests: limits high enough never to get in the way.
pub fn roomy() -> Settings {
    Settings {
        rate_limit: 1_000_000,
        rate_limit_unvendored: 1_000_000,
        ..Default::default()
    }
}

impl TestApp {
    /// A server on `backend`, or None (after saying so) when that backend is not configured.
    pub async fn start(backend: Backend, settings: Settings) -> Option<Self> {
        let (url, dir) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                (
                    dir.path().join("openhouse.db").display().to_string(),
                    Some(dir),
                )
            }
            Backend::Postgres => (postgres_url()?, None),
        };
        let store = Store::connect(&url, 1).await.expect("connect");
        store.migrate().await.expect("migrate");
        store.build_search_index().await.expect("search index");
        let state = AppState::new(store.clone(), &settings);
        let router = app(state.clone());
        Some(Self {
            router,
            state,
            store,
            backend,
            url,
            _dir: dir,
        })
    }

    /// [`TestApp::start`], but on PostgreSQL in a database of its own (made for the test), for
    /// tests whose background workers read across teams (webhook dispatch and delivery).
    pub async fn start_isolated(backend: Backend, settings: Settings) -> Option<Self> {
        if backend == Backend::Sqlite {
            return Self::start(backend, settings).await;
        }
        let base = postgres_url()?;
        let url = fresh_postgres_database(&base).await;
        let store = Store::connect(&url, 1).await.expect("connect");
        store.migrate().await.expect("migrate");
        store.build_search_index().await.expect("search index");
        let state = AppState::new(store.clone(), &settings);
        let router = app(state.clone());
        Some(Self {
            router,
            state,
            store,
            backend,
            url,
            _dir: None,
        })
    }

    /// A server over a store the test opened itself (its database is the test's to manage).
    pub fn with_store(store: Store, backend: Backend, url: &str) -> Self {
        let state = AppState::new(store.clone(), &roomy());
        let router = app(state.clone());
        Self {
            router,
            state,
            store,
            backend,
            url: url.to_string(),
            _dir: None,
        }
    }

    /// A second server over the same store with other settings (the transports of messages,
    /// say), as if restarted with other options.
    pub fn with_settings(&self, settings: &Settings) -> TestApp {
        let state = AppState::new(self.store.clone(), settings);
        let router = app(state.clone());
        TestApp {
            router,
            state,
            store: self.store.clone(),
            backend: self.backend,
            url: self.url.clone(),
            _dir: None,
        }
    }

    /// The database URL (for SQLite, the file's path).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A second server over the same database, as after a restart: it builds its caches and
    /// its search index from what the database holds. (The first one keeps the files.)
    pub async fn reopen(&self) -> TestApp {
        let store = Store::connect(&self.url, 1).await.expect("connect");
        store.migrate().await.expect("migrate");
        store.build_search_index().await.expect("search index");
        let state = AppState::new(store.clone(), &roomy());
        let router = app(state.clone());
        TestApp {
            router,
            state,
            store,
            backend: self.backend,
            url: self.url.clone(),
            _dir: None,
        }
    }

    pub async fn team(&self) -> Team {
        let n = self.store.next_id();
        let t = self
            .store
            .create_team(&format!("Team {n}"), &format!("admin{n}@example.com"))
            .await
            .expect("team");
        Team {
            team_id: t.team_id,
            user_id: t.user_id,
            api_key: t.api_key,
            access_token: t.access_token,
            vendor_key: t.vendor_key,
        }
    }

    pub async fn raw(&self, req: Request<Body>) -> Reply {
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn call(&self, method: Method, uri: &str, auth: &str, body: Option<Value>) -> Reply {
        let mut b = Request::builder().method(method).uri(uri);
        if !auth.is_empty() {
            b = b.header("Authorization", auth);
        }
        let req = match body {
            Some(v) => b
                .header("Content-Type", "application/json")
                .body(Body::from(v.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        self.raw(req).await
    }

    pub async fn get(&self, uri: &str, auth: &str) -> Reply {
        self.call(Method::GET, uri, auth, None).await
    }
    /// A GET in a wire mode (`X-Openhouse-Wire: contract|published`).
    pub async fn get_in(&self, mode: &str, uri: &str, auth: &str) -> Reply {
        let req = Request::builder()
            .method(Method::GET)
            .uri(uri)
            .header("Authorization", auth)
            .header("X-Openhouse-Wire", mode)
            .header("Content-Length", "0")
            .body(Body::empty())
            .unwrap();
        self.raw(req).await
    }
    pub async fn post(&self, uri: &str, auth: &str, body: Value) -> Reply {
        self.call(Method::POST, uri, auth, Some(body)).await
    }
    pub async fn put(&self, uri: &str, auth: &str, body: Value) -> Reply {
        self.call(Method::PUT, uri, auth, Some(body)).await
    }
    pub async fn delete(&self, uri: &str, auth: &str) -> Reply {
        self.call(Method::DELETE, uri, auth, None).await
    }

    /// Creates a lead and returns its id.
    pub async fn lead(&self, team: &Team, body: Value) -> i64 {
        let r = self.post("/v1.0/leads", &team.auth(), body).await;
        r.ok()["leadId"].as_i64().expect("leadId")
    }
}

/// The ids of the leads of a page of `GET /v1.0/leads`, in page order.
pub fn lead_ids(page: &Value) -> Vec<i64> {
    page["leads"]
        .as_array()
        .expect("leads")
        .iter()
        .map(|l| l["leadId"].as_i64().expect("leadId"))
        .collect()
}

/// Runs one async test body on SQLite and on PostgreSQL:
/// `both!(name, |app| async move { ... });` defines `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both {
    ($name:ident, $settings:expr, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) =
                    $crate::common::TestApp::start($crate::common::Backend::Sqlite, $settings).await
                {
                    ($body)(app).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) =
                    $crate::common::TestApp::start($crate::common::Backend::Postgres, $settings)
                        .await
                {
                    ($body)(app).await;
                }
            }
        }
    };
    ($name:ident, $body:expr) => {
        $crate::both!($name, $crate::common::roomy(), $body);
    };
}

/// [`both!`] on databases of their own ([`TestApp::start_isolated`]): for tests that run the
/// background jobs, which take any team's due jobs.
#[macro_export]
macro_rules! isolated {
    ($name:ident, $settings:expr, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) = $crate::common::TestApp::start_isolated(
                    $crate::common::Backend::Sqlite,
                    $settings,
                )
                .await
                {
                    ($body)(app).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::common::TestApp::start_isolated(
                    $crate::common::Backend::Postgres,
                    $settings,
                )
                .await
                {
                    ($body)(app).await;
                }
            }
        }
    };
    ($name:ident, $body:expr) => {
        $crate::isolated!($name, $crate::common::roomy(), $body);
    };
}

/// A service a test needs, from the environment: `OPENHOUSE_TEST_<NAME>_URL`. Unset, the test
/// is skipped (it says so and passes), unless the suite requires every service
/// (`OPENHOUSE_TEST_SERVICES=required`, which scripts/test.sh sets): then it fails, so a run
/// that lost its PostgreSQL or Redis can never pass by skipping.
fn service_url(name: &str) -> Option<String> {
    let var = format!("OPENHOUSE_TEST_{name}_URL");
    match std::env::var(&var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("OPENHOUSE_TEST_SERVICES").as_deref() != Ok("required"),
                "OPENHOUSE_TEST_SERVICES=required but {var} is not set"
            );
            eprintln!("skipped: {var} is not set");
            None
        }
    }
}

/// The PostgreSQL server of the tests (see [`service_url`]).
pub fn postgres_url() -> Option<String> {
    service_url("POSTGRES")
}

/// The Redis server of the tests (see [`service_url`]).
#[allow(dead_code)]
pub fn redis_url() -> Option<String> {
    service_url("REDIS")
}

/// A port of 127.0.0.1 that nothing listens on (for servers started as processes).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Makes an empty PostgreSQL database next to the one `base` names, and returns its URL.
pub async fn fresh_postgres_database(base: &str) -> String {
    use sea_orm::{ConnectionTrait, Database};
    let name = format!("openhouse_t_{}_{}", std::process::id(), rand_suffix());
    let admin = Database::connect(base)
        .await
        .expect("connect to PostgreSQL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    let _ = admin.close().await;
    let (head, _) = base
        .rsplit_once('/')
        .expect("a database URL ends with /name");
    format!("{head}/{name}")
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos() as u64;
    (t % 1_000_000_000) * 100 + N.fetch_add(1, Ordering::Relaxed) % 100
}

/// A message an [`SmtpSink`] took.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent after DATA (headers and body), without the final dot.
    pub data: String,
}

/// A minimal SMTP server on 127.0.0.1 for the tests: it answers EHLO/HELO, MAIL, RCPT, DATA,
/// RSET, NOOP and QUIT, and hands every message it takes to the test. A recipient whose
/// address contains `refused` is answered 550 (a permanent refusal); with `busy` every MAIL is
/// answered 451 (a transient one).
pub struct SmtpSink {
    pub port: u16,
    rx: tokio::sync::mpsc::UnboundedReceiver<Received>,
}

impl SmtpSink {
    pub async fn start(busy: bool) -> Self {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let tx = tx.clone();
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut r = BufReader::new(r);
                    let _ = w.write_all(b"220 sink ESMTP\r\n").await;
                    let (mut from, mut to) = (String::new(), Vec::new());
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let cmd = line.trim_end().to_string();
                        let upper = cmd.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO")
                        {
                            b"250-sink\r\n250 8BITMIME\r\n"
                        } else if upper.starts_with("MAIL FROM:") {
                            if busy {
                                b"451 try again later\r\n"
                            } else {
                                from = addr(&cmd[10..]);
                                to.clear();
                                b"250 ok\r\n"
                            }
                        } else if upper.starts_with("RCPT TO:") {
                            let a = addr(&cmd[8..]);
                            if a.contains("refused") {
                                b"550 no such mailbox\r\n"
                            } else {
                                to.push(a);
                                b"250 ok\r\n"
                            }
                        } else if upper == "DATA" {
                            let _ = w.write_all(b"354 go ahead\r\n").await;
                            let mut data = String::new();
                            loop {
                                line.clear();
                                if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                                    return;
                                }
                                if line == ".\r\n" || line == ".\n" {
                                    break;
                                }
                                let l = line.strip_prefix('.').unwrap_or(&line);
                                data.push_str(l);
                            }
                            let _ = tx.send(Received {
                                from: from.clone(),
                                to: std::mem::take(&mut to),
                                data,
                            });
                            b"250 queued\r\n"
                        } else if upper == "QUIT" {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            return;
                        } else if upper == "RSET" || upper == "NOOP" {
                            b"250 ok\r\n"
                        } else {
                            b"502 not implemented\r\n"
                        };
                        if w.write_all(reply).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self { port, rx }
    }

    /// `smtp://127.0.0.1:<port>`, for `--smtp-url`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The next message taken (fails the test after 10 seconds without one).
    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(std::time::Duration::from_secs(10), self.rx.recv())
            .await
            .expect("a message within 10 s")
            .expect("the sink runs")
    }

    /// Whether a message was taken (and takes it).
    pub fn try_next(&mut self) -> Option<Received> {
        self.rx.try_recv().ok()
    }
}

/// The address of `<a@b> SIZE=...`.
fn addr(s: &str) -> String {
    let s = s.trim();
    match (s.find('<'), s.find('>')) {
        (Some(a), Some(b)) if a < b => s[a + 1..b].to_string(),
        _ => s.split_whitespace().next().unwrap_or("").to_string(),
    }
}
