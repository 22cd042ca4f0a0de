//! One serving process per SQLite file, one process per node id on PostgreSQL: a second `serve`
//! that would share them exits at once with a clear message, and the first one keeps serving.

mod common;

use common::free_port;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn openhouse() -> Command {
    Command::new(env!("CARGO_BIN_EXE_openhouse"))
}

/// Starts `serve` and waits until it answers `/healthz`.
fn serve(database: &str, node: u16) -> (Child, u16) {
    let port = free_port();
    let mut child = openhouse()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--database-url", database, "--node-id", &node.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || for _ in BufReader::new(stderr).lines() {});
    for _ in 0..300 {
        if let Some(s) = child.try_wait().unwrap() {
            panic!("serve exited: {s:?}");
        }
        if get(port, "/healthz").starts_with("HTTP/1.1 200") {
            return (child, port);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("serve did not start");
}

fn get(port: u16, path: &str) -> String {
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    );
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    resp
}

/// Whether the server becomes ready (its search index built from what the database holds)
/// within a generous bound: a hang check, not a timing.
fn ready(port: u16) -> bool {
    for _ in 0..600 {
        if get(port, "/readyz").starts_with("HTTP/1.1 200") {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

/// Runs a second `serve` that must refuse: it exits (within a generous bound: a hang check,
/// not a timing) unsuccessfully, saying why.
fn refused(database: &str, node: u16) -> String {
    let out = openhouse()
        .args(["serve", "--listen", &format!("127.0.0.1:{}", free_port())])
        .args(["--database-url", database, "--node-id", &node.to_string()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success(), "the second serve started");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_second_server_on_one_sqlite_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("one.db").display().to_string();
    let (first, port) = serve(&db, 0);
    let err = refused(&db, 0);
    assert!(
        err.contains("another openhouse server is already serving"),
        "{err}"
    );
    // also with another node id, and through another spelling of the path
    let err = refused(&format!("sqlite://{db}"), 3);
    assert!(err.contains("already serving"), "{err}");
    // the first one is unharmed
    assert!(ready(port));
    stop(first);
    // once it has stopped, the file can be served again
    let (again, _) = serve(&db, 0);
    stop(again);
}

#[test]
fn two_processes_with_one_node_id_on_postgres_are_refused() {
    let Some(url) = common::postgres_url() else {
        return;
    };
    let (first, _) = serve(&url, 7);
    let err = refused(&url, 7);
    assert!(err.contains("already runs as node 7"), "{err}");
    // another node id shares the database
    let (second, port) = serve(&url, 8);
    assert!(ready(port));
    stop(second);
    stop(first);
}
