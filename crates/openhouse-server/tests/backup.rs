//! The restore drill: a server takes creates without pause while `openhouse backup` copies its
//! SQLite database; the copy opens cleanly, holds every lead acknowledged before the backup
//! began, builds the search index, and `openhouse restore` puts it in place of a database.
//! PostgreSQL: both commands refuse, pointing at pg_dump / pg_restore.

mod common;

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Backend, TestApp, lead_ids, roomy};
use serde_json::json;

fn openhouse() -> Command {
    Command::new(env!("CARGO_BIN_EXE_openhouse"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backup_under_writes_then_restore() {
    let app = TestApp::start(Backend::Sqlite, roomy()).await.unwrap();
    let t = app.team().await;
    let app = Arc::new(app);
    // leads acknowledged so far, in order, and when the last one was answered
    let acked: Arc<Mutex<Vec<i64>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (app, t, acked, stop) = (app.clone(), t.clone(), acked.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut slowest = Duration::ZERO;
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let began = Instant::now();
                let id = app
                    .lead(
                        &t,
                        json!({"firstName": format!("W{w}-{i}"), "tags": ["drill"],
                               "emails": [format!("w{w}.{i}@drill.test")]}),
                    )
                    .await;
                slowest = slowest.max(began.elapsed());
                acked.lock().unwrap().push(id);
                i += 1;
            }
            slowest
        }));
    }
    // enough data that the copy takes a while
    while acked.lock().unwrap().len() < 1500 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    let before: Vec<i64> = acked.lock().unwrap().clone();
    let (db, to) = (app.url().to_string(), copy.clone());
    let out = tokio::task::spawn_blocking(move || {
        openhouse()
            .args(["backup", "--database-url", &db, "--to"])
            .arg(&to)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["bytes"].as_u64().unwrap() > 0, "{report}");
    let during = acked.lock().unwrap().len() - before.len();
    // the server kept taking writes after the backup began
    let target = acked.lock().unwrap().len() + 200;
    while acked.lock().unwrap().len() < target {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut slowest = Duration::ZERO;
    for w in writers {
        slowest = slowest.max(w.await.unwrap());
    }
    let all = acked.lock().unwrap().clone();
    eprintln!(
        "backup: {report}; {} leads before it, {during} acknowledged while it ran, {} in all; \
         slowest create {slowest:?}",
        before.len(),
        all.len()
    );
    assert!(
        slowest < Duration::from_secs(5),
        "a create waited {slowest:?}"
    );

    // a second backup to the same file is refused without --force
    let out = openhouse()
        .args(["backup", "--database-url", app.url(), "--to"])
        .arg(&copy)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));

    // the copy: sound, and a database a server can start on
    openhouse_store::backup::check(&copy).unwrap();
    let backup = TestApp::with_store(
        {
            let s = openhouse_store::Store::connect(copy.to_str().unwrap(), 1)
                .await
                .unwrap();
            s.migrate().await.unwrap();
            s.build_search_index().await.unwrap();
            s
        },
        Backend::Sqlite,
        copy.to_str().unwrap(),
    );
    let page = backup
        .get("/v1.0/leads?anyTags=drill&limit=1", &t.auth())
        .await;
    let total = page.ok()["_metadata"]["total"].as_u64().unwrap() as usize;
    assert!(
        total >= before.len() && total <= all.len(),
        "{total} leads in the copy; {} before the backup, {} in all",
        before.len(),
        all.len()
    );
    // every lead acknowledged before the backup began is in it, found through the index
    let mut seen = std::collections::HashSet::new();
    let mut scroll = String::new();
    loop {
        let uri = if scroll.is_empty() {
            "/v1.0/leads?anyTags=drill&limit=100".to_string()
        } else {
            format!("/v1.0/leads?limit=100&scrollId={scroll}")
        };
        let r = backup.get(&uri, &t.auth()).await;
        let page = r.ok();
        let ids = lead_ids(page);
        if ids.is_empty() {
            break;
        }
        seen.extend(ids);
        scroll = page["_metadata"]["scrollId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if scroll.is_empty() {
            break;
        }
    }
    assert_eq!(seen.len(), total);
    let missing: Vec<&i64> = before.iter().filter(|id| !seen.contains(id)).collect();
    assert!(missing.is_empty(), "missing from the backup: {missing:?}");
    let id = before[before.len() / 2];
    backup
        .get(&format!("/v1.0/leads/{id}"), &t.auth())
        .await
        .ok();
    backup.store.close().await;

    // restore: refused over a database without --force, and while a server serves it
    let restored = dir.path().join("restored.db");
    std::fs::write(&restored, b"").unwrap();
    let out = openhouse()
        .args(["restore", "--from"])
        .arg(&copy)
        .arg("--database-url")
        .arg(&restored)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    let held = std::fs::File::open(&restored).unwrap();
    held.lock().unwrap();
    let out = openhouse()
        .args(["restore", "--force", "--from"])
        .arg(&copy)
        .arg("--database-url")
        .arg(&restored)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("serving"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(held);
    std::fs::write(dir.path().join("restored.db-wal"), b"stale log").unwrap();
    let out = openhouse()
        .args(["restore", "--force", "--from"])
        .arg(&copy)
        .arg("--database-url")
        .arg(&restored)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.path().join("restored.db-wal").exists());
    let again = TestApp::with_store(
        {
            let s = openhouse_store::Store::connect(restored.to_str().unwrap(), 1)
                .await
                .unwrap();
            s.migrate().await.unwrap();
            s.build_search_index().await.unwrap();
            s
        },
        Backend::Sqlite,
        restored.to_str().unwrap(),
    );
    let r = again
        .get("/v1.0/leads?anyTags=drill&limit=1", &t.auth())
        .await;
    assert_eq!(
        r.ok()["_metadata"]["total"].as_u64().unwrap() as usize,
        total
    );
    // a file that is no database is refused
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").unwrap();
    let out = openhouse()
        .args(["restore", "--from"])
        .arg(&junk)
        .arg("--database-url")
        .arg(dir.path().join("new.db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!dir.path().join("new.db").exists());
}

#[test]
fn postgres_is_refused_with_the_pg_dump_recipe() {
    let out = openhouse()
        .args([
            "backup",
            "--to",
            "x.db",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
    let out = openhouse()
        .args([
            "restore",
            "--from",
            "x.db",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_restore"));
}
