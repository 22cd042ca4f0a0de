//! Storage faults, as an operator meets them: on SQLite, writes that fail at the disk (a
//! file-size limit, which fails a write exactly as a full disk does, on any filesystem and
//! without root) and a database at its size limit (`max_page_count`); on PostgreSQL, lost
//! sessions. The first is what lost acknowledged writes before (see docs/DESIGN.md, "Storage
//! faults"): without the pool's check it answers "database is locked" and acknowledges writes
//! that are not there.
//! Every write the API acknowledged is there afterwards, before and after a restart; every
//! refusal is a 503 naming the condition with `Retry-After` (never a 500); the server recovers
//! without a restart when the condition clears; `/readyz` fails while it lasts.
//!
//! The storage condition is process-wide (the server serves one database), so the tests of this
//! file run one at a time.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::http::StatusCode;
use common::{Backend, TestApp, roomy};
use openhouse_domain::error::codes;
use openhouse_store::{Store, StoreOptions};
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// One test at a time in this file.
static SERIAL: Mutex<()> = Mutex::const_new(());

fn lead_body(i: usize) -> Value {
    json!({
        "firstName": format!("Full{i}"),
        "lastName": "Disk",
        "emails": [format!("full{i}@example.com")],
        "phones": [format!("555010{:04}", i)],
        "tags": ["Disk", format!("T{}", i % 7)],
        "content": "x".repeat(1500),
    })
}

struct Outcome {
    acked: Vec<i64>,
    refused: usize,
}

/// Creates leads, and between them edits a lead that does not exist (a write that begins and
/// is then refused, which is what left a connection wedged before), and records what was
/// acknowledged. Every refusal must be a 503 with Retry-After naming a storage condition.
async fn create_many(app: &TestApp, auth: &str, from: usize, n: usize) -> Outcome {
    let mut out = Outcome {
        acked: Vec::new(),
        refused: 0,
    };
    for i in from..from + n {
        let r = app.post("/v1.0/leads", auth, lead_body(i)).await;
        match r.status {
            StatusCode::OK => out.acked.push(r.body["leadId"].as_i64().expect("leadId")),
            StatusCode::SERVICE_UNAVAILABLE => {
                out.refused += 1;
                assert!(
                    r.headers.get("retry-after").is_some(),
                    "503 without Retry-After"
                );
                let code = r.body["code"].as_i64().unwrap();
                assert!(
                    [codes::STORAGE_FULL, codes::STORAGE_IO_ERROR].contains(&code),
                    "{}",
                    r.body
                );
                assert!(
                    r.body["message"].as_str().unwrap().contains("storage"),
                    "{}",
                    r.body
                );
            }
            s => panic!("create answered {s}: {}", r.body),
        }
        let r = app
            .put("/v1.0/leads/12345", auth, json!({"firstName": "Nobody"}))
            .await;
        assert!(
            r.status == StatusCode::NOT_FOUND || r.status == StatusCode::SERVICE_UNAVAILABLE,
            "edit answered {}: {}",
            r.status,
            r.body
        );
    }
    out
}

async fn total(app: &TestApp, auth: &str) -> i64 {
    let r = app.get("/v1.0/leads?limit=1&tags=Disk", auth).await;
    r.ok()["_metadata"]["total"].as_i64().expect("total")
}

async fn all_present(app: &TestApp, auth: &str, ids: &[i64]) {
    for id in ids {
        let r = app.get(&format!("/v1.0/leads/{id}"), auth).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "acknowledged lead {id} is missing"
        );
    }
    assert_eq!(total(app, auth).await, ids.len() as i64, "search total");
}

fn page_count(path: &std::path::Path) -> u64 {
    let c = rusqlite::Connection::open(path).unwrap();
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    c.query_row("PRAGMA page_count", [], |r| r.get::<_, i64>(0))
        .unwrap() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_on_sqlite_loses_no_acknowledged_write_and_recovers_by_itself() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("full.db");
    let url = db.display().to_string();

    // a database with a team, and room taken by a table that stands for other files on the disk
    let store = Store::connect(&url, 1).await.unwrap();
    store.migrate().await.unwrap();
    let t = store.create_team("Full", "full@example.com").await.unwrap();
    store.close().await;
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "CREATE TABLE disk_filler (b BLOB);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
             INSERT INTO disk_filler SELECT zeroblob(4000) FROM n;",
        )
        .unwrap();
    }
    // the disk is nearly full: room for a few leads only
    let limit = page_count(&db) + 12;
    let store = Store::connect_with(
        &url,
        1,
        &StoreOptions {
            sqlite_max_page_count: Some(limit),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    store.build_search_index().await.unwrap();
    let app = TestApp::with_store(store.clone(), Backend::Sqlite, &url);
    let auth = format!("token {}", t.api_key);
    assert_eq!(app.get("/readyz", "").await.status, StatusCode::OK);

    let first = create_many(&app, &auth, 0, 150).await;
    assert!(first.refused > 0, "the disk never filled");
    assert!(!first.acked.is_empty(), "no lead fitted at all");
    // while it lasts: /readyz fails naming the condition; /healthz (alive) stays ok
    let r = app.get("/readyz", "").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.body["checks"]["storageFault"], "full", "{}", r.body);
    assert!(r.body["code"].is_i64() && r.body["message"].is_string());
    assert_eq!(app.get("/healthz", "").await.status, StatusCode::OK);
    // what was acknowledged is there, and nothing else is counted
    all_present(&app, &auth, &first.acked).await;

    // space is freed: the server takes writes again without a restart
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
        c.execute_batch("DELETE FROM disk_filler").unwrap();
    }
    let second = create_many(&app, &auth, 1000, 20).await;
    assert_eq!(second.refused, 0, "still refusing after space was freed");
    let r = app.get("/readyz", "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let mut acked = first.acked.clone();
    acked.extend(&second.acked);
    all_present(&app, &auth, &acked).await;
    assert_eq!(
        acked.iter().collect::<BTreeSet<_>>().len(),
        acked.len(),
        "an id was handed out twice"
    );

    // and after a restart, from the file alone
    let again = app.reopen().await;
    all_present(&again, &auth, &acked).await;
}

/// Sets this process's file-size limit (`RLIMIT_FSIZE`; `None`: none): past it, writes fail
/// with EFBIG, an I/O error, exactly as on a full disk but on any filesystem and without root.
fn file_size_limit(bytes: Option<u64>) {
    // SIGXFSZ would end the process instead of failing the write
    unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    unsafe { libc::getrlimit(libc::RLIMIT_FSIZE, &mut r) };
    r.rlim_cur = bytes.unwrap_or(r.rlim_max);
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_FSIZE, &r) }, 0);
}

/// Lifts the file-size limit even when the test fails half way.
struct Unlimit;
impl Drop for Unlimit {
    fn drop(&mut self) {
        file_size_limit(None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_errors_on_sqlite_lose_no_acknowledged_write_and_recover_by_itself() {
    let _serial = SERIAL.lock().await;
    let app = TestApp::start(Backend::Sqlite, roomy()).await.unwrap();
    let team = app.team().await;
    let auth = team.auth();
    let db = std::path::PathBuf::from(app.url());
    let mut acked = create_many(&app, &auth, 0, 5).await.acked;
    assert_eq!(acked.len(), 5);
    // the log emptied, then a limit a little past the database file: the log's next pages fail
    // to be written when a transaction commits
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
        let busy: i64 = c
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
            .unwrap();
        assert_eq!(busy, 0, "the log could not be emptied");
    }
    let size = std::fs::metadata(&db).unwrap().len();
    let unlimit = Unlimit;
    file_size_limit(Some(size + 96 * 1024));
    let during = create_many(&app, &auth, 100, 150).await;
    assert!(during.refused > 0, "no write failed");
    let r = app.get("/readyz", "").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    acked.extend(&during.acked);
    all_present(&app, &auth, &acked).await;
    // the limit is lifted (space freed): writes commit again, without a restart
    drop(unlimit);
    let after = create_many(&app, &auth, 1000, 20).await;
    assert_eq!(after.refused, 0, "still refusing after the fault cleared");
    assert_eq!(app.get("/readyz", "").await.status, StatusCode::OK);
    acked.extend(&after.acked);
    all_present(&app, &auth, &acked).await;
    let again = app.reopen().await;
    all_present(&again, &auth, &acked).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_connections_on_postgres_lose_no_acknowledged_write() {
    let _serial = SERIAL.lock().await;
    let Some(app) = TestApp::start(Backend::Postgres, roomy()).await else {
        return;
    };
    let team = app.team().await;
    let auth = team.auth();
    // a client that keeps cutting the server's database sessions, as a restart would
    let url = std::env::var("OPENHOUSE_TEST_POSTGRES_URL").unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let killer = {
        let stop = stop.clone();
        tokio::spawn(async move {
            use sea_orm::sqlx::Connection;
            let mut c = sea_orm::sqlx::PgConnection::connect(&url).await.unwrap();
            let mut kills = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let n: Vec<bool> = sea_orm::sqlx::query_scalar(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = current_database() AND pid <> pg_backend_pid()",
                )
                .fetch_all(&mut c)
                .await
                .unwrap();
                kills += n.len();
                tokio::time::sleep(std::time::Duration::from_millis(15)).await;
            }
            kills
        })
    };
    let mut acked = Vec::new();
    let mut refused = 0;
    for i in 0..200 {
        let mut body = lead_body(i);
        body["tags"] = json!(["Disk"]);
        let r = app.post("/v1.0/leads", &auth, body).await;
        match r.status {
            StatusCode::OK => acked.push(r.body["leadId"].as_i64().unwrap()),
            StatusCode::SERVICE_UNAVAILABLE => {
                refused += 1;
                assert!(r.headers.get("retry-after").is_some());
                assert!(r.body["code"].is_i64() && r.body["message"].is_string());
            }
            s => panic!("create answered {s}: {}", r.body),
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let kills = killer.await.unwrap();
    assert!(kills > 0, "no session was cut");
    eprintln!(
        "{} acknowledged, {refused} refused, {kills} sessions cut",
        acked.len()
    );
    // once the cutting stops, the server serves again by itself
    let mut ready = false;
    for _ in 0..100 {
        let r = app
            .post(
                "/v1.0/leads",
                &auth,
                json!({"firstName": "After", "tags": ["Disk"]}),
            )
            .await;
        if r.status == StatusCode::OK {
            acked.push(r.body["leadId"].as_i64().unwrap());
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "the server did not recover");
    all_present(&app, &auth, &acked).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_file_moved_away_is_an_error_not_a_new_database() {
    let _serial = SERIAL.lock().await;
    let app = TestApp::start(Backend::Sqlite, roomy()).await.unwrap();
    let team = app.team().await;
    let id = app.lead(&team, json!({"firstName": "Kept"})).await;
    let path = std::path::PathBuf::from(app.url());
    std::fs::rename(&path, path.with_extension("moved")).unwrap();
    let r = app
        .post("/v1.0/leads", &team.auth(), json!({"firstName": "Lost"}))
        .await;
    r.error(503, codes::STORAGE_FILE_GONE);
    assert!(r.headers.get("retry-after").is_some());
    let r = app.get("/readyz", "").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.body["code"], codes::STORAGE_FILE_GONE);
    assert!(!path.exists(), "a new database file was created");
    // put back, it serves again
    std::fs::rename(path.with_extension("moved"), &path).unwrap();
    let r = app
        .put(
            &format!("/v1.0/leads/{id}"),
            &team.auth(),
            json!({"lastName": "Back"}),
        )
        .await;
    r.ok();
    assert_eq!(app.get("/readyz", "").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_answers_ready_on_a_healthy_server() {
    let _serial = SERIAL.lock().await;
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::start(backend, roomy()).await else {
            continue;
        };
        let r = app.get("/readyz", "").await;
        assert_eq!(r.status, StatusCode::OK, "{backend:?}: {}", r.body);
        assert_eq!(r.body["checks"]["writable"], true);
        assert_eq!(r.body["checks"]["searchIndexBuilt"], true);
        let r = app.get("/healthz", "").await;
        assert_eq!(r.status, StatusCode::OK);
    }
}

/// More writes at once than the server lets wait: the excess is refused with 503 OVERLOADED and
/// Retry-After, and stores nothing; what was acknowledged is all there.
async fn overload(backend: Backend) {
    let url = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap().keep();
            dir.join("overload.db").display().to_string()
        }
        Backend::Postgres => {
            let Some(base) = common::postgres_url() else {
                return;
            };
            common::fresh_postgres_database(&base).await
        }
    };
    let setup = Store::connect(&url, 1).await.unwrap();
    setup.migrate().await.unwrap();
    let t = setup.create_team("Busy", "busy@example.com").await.unwrap();
    setup.close().await;
    let store = Store::connect_with(
        &url,
        1,
        &StoreOptions {
            max_waiting_writes: Some(4),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    store.build_search_index().await.unwrap();
    let app = Arc::new(TestApp::with_store(store, backend, &url));
    let auth = format!("token {}", t.api_key);
    let mut tasks = Vec::new();
    for i in 0..200 {
        let (app, auth) = (app.clone(), auth.clone());
        tasks.push(tokio::spawn(async move {
            let r = app.post("/v1.0/leads", &auth, lead_body(i)).await;
            (r.status, r.headers.get("retry-after").is_some(), r.body)
        }));
    }
    let mut acked = Vec::new();
    let mut refused = 0;
    for task in tasks {
        let (status, retry_after, body) = task.await.unwrap();
        match status {
            StatusCode::OK => acked.push(body["leadId"].as_i64().unwrap()),
            StatusCode::SERVICE_UNAVAILABLE => {
                refused += 1;
                assert!(retry_after, "503 without Retry-After");
                assert_eq!(body["code"], codes::OVERLOADED, "{body}");
            }
            s => panic!("create answered {s}: {body}"),
        }
    }
    assert!(refused > 0, "200 creates at once never found 4 waiting");
    assert!(!acked.is_empty());
    all_present(&app, &auth, &acked).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_past_the_waiting_bound_are_refused_and_store_nothing_sqlite() {
    overload(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_past_the_waiting_bound_are_refused_and_store_nothing_postgres() {
    overload(Backend::Postgres).await;
}
