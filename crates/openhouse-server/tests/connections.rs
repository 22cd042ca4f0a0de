//! Connections as a raw TCP client sees them: header, idle and body timeouts, the bound on open
//! connections, error bodies hyper and the router give, and shutdown with a client that hangs.

mod common;

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request};
use common::*;
use openhouse_server::listener::{ServeOptions, serve};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A server on a free port of 127.0.0.1, serving until `stop` is sent (or dropped).
struct Running {
    addr: SocketAddr,
    app: TestApp,
    stop: Option<oneshot::Sender<()>>,
    done: JoinHandle<()>,
}

async fn start(options: ServeOptions) -> Running {
    start_with(options, roomy()).await
}

async fn start_with(options: ServeOptions, settings: openhouse_server::Settings) -> Running {
    let app = TestApp::start(Backend::Sqlite, settings)
        .await
        .expect("SQLite");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(serve(listener, app.router.clone(), options, async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        app,
        stop: Some(stop),
        done,
    }
}

/// Short timeouts, so that each test takes seconds.
fn quick() -> ServeOptions {
    ServeOptions {
        header_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(2),
        body_timeout: Duration::from_secs(1),
        max_connections: 100,
        shutdown_timeout: Duration::from_secs(2),
    }
}

struct Answer {
    status: u16,
    head: String,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

/// Reads one response (headers and a Content-Length body); None when the connection closes
/// first; panics when nothing comes within `within`.
async fn answer(s: &mut TcpStream, within: Duration) -> Option<Answer> {
    tokio::time::timeout(within, async {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let status = head.split(' ').nth(1)?.parse().ok()?;
        let mut a = Answer {
            status,
            head,
            body: Value::Null,
        };
        let len: usize = a
            .header("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + len {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = &buf[head_end..head_end + len];
        a.body = serde_json::from_slice(body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into()));
        Some(a)
    })
    .await
    .expect("no answer in time")
}

/// Waits for the server to close the connection; returns how long that took, or None if it was
/// still open after `within`. Whatever the server sends before closing is read and ignored.
async fn closed_within(s: &mut TcpStream, within: Duration) -> Option<Duration> {
    let t = Instant::now();
    let mut chunk = [0u8; 4096];
    tokio::time::timeout(within, async {
        loop {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return t.elapsed(),
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: openhouse\r\n\r\n";

#[tokio::test]
async fn a_partial_header_is_cut_off_at_the_header_timeout() {
    let server = start(quick()).await;
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: openhouse\r\nX-Slow: ")
        .await
        .unwrap();
    let took = closed_within(&mut s, Duration::from_secs(8))
        .await
        .expect("a client sending partial headers was not cut off");
    assert!(took < Duration::from_secs(4), "cut off only after {took:?}");

    // a connection that sends nothing at all is cut off the same way
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    let took = closed_within(&mut s, Duration::from_secs(8))
        .await
        .expect("a silent connection was not cut off");
    assert!(took < Duration::from_secs(4), "cut off only after {took:?}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let server = start(quick()).await;
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    s.write_all(HEALTHZ).await.unwrap();
    let a = answer(&mut s, Duration::from_secs(5))
        .await
        .expect("answer");
    assert_eq!(a.status, 200);
    // within the idle timeout the connection serves another request, even after waiting
    // longer than the header timeout (the header timer starts with the request's first byte)
    tokio::time::sleep(Duration::from_millis(1300)).await;
    s.write_all(HEALTHZ).await.unwrap();
    let a = answer(&mut s, Duration::from_secs(5))
        .await
        .expect("an idle connection was closed before its idle timeout");
    assert_eq!(a.status, 200);
    let took = closed_within(&mut s, Duration::from_secs(10))
        .await
        .expect("an idle keep-alive connection was not closed");
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(6),
        "closed after {took:?}, the idle timeout is 2 s"
    );

    // the header timeout counts from the first byte of the next request
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    s.write_all(HEALTHZ).await.unwrap();
    answer(&mut s, Duration::from_secs(5))
        .await
        .expect("answer");
    tokio::time::sleep(Duration::from_millis(500)).await;
    s.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    let took = closed_within(&mut s, Duration::from_secs(8))
        .await
        .expect("partial headers after a request were not cut off");
    assert!(took < Duration::from_millis(1800), "cut off after {took:?}");
}

#[tokio::test]
async fn a_slow_body_is_cut_off_with_a_408() {
    let server = start(quick()).await;
    let team = server.app.team().await;
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /v1.0/leads HTTP/1.1\r\nHost: openhouse\r\nAuthorization: {}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n",
        team.auth()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(br#"{"firstName": "#).await.unwrap();
    let t = Instant::now();
    let a = answer(&mut s, Duration::from_secs(8))
        .await
        .expect("no answer to a slow body");
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
    assert_eq!(a.status, 408, "{}", a.head);
    assert_eq!(a.body["code"], 408, "{}", a.body);
    assert!(a.body["message"].is_string());
    assert_eq!(a.header("connection").as_deref(), Some("close"));
    assert!(
        closed_within(&mut s, Duration::from_secs(5))
            .await
            .is_some()
    );
}

#[tokio::test]
async fn method_not_allowed_has_an_error_body() {
    let server = start(quick()).await;
    let team = server.app.team().await;
    for (method, uri, auth) in [
        (Method::DELETE, "/healthz", String::new()),
        (Method::PATCH, "/v1.0/leads", team.auth()),
        (Method::POST, "/openapi.json", String::new()),
    ] {
        let mut b = Request::builder().method(method.clone()).uri(uri);
        if !auth.is_empty() {
            b = b.header("Authorization", auth);
        }
        let r = server.app.raw(b.body(Body::empty()).unwrap()).await;
        r.error(405, 405);
        assert!(
            r.headers.get("allow").is_some(),
            "{method} {uri}: no Allow header"
        );
        assert_eq!(r.headers["content-type"], "application/json");
    }
}

#[tokio::test]
async fn requests_hyper_cannot_parse_get_an_error_body() {
    let server = start(quick()).await;
    for (bytes, status, code) in [
        (
            &b"GET /healthz HTTP/1.1\r\nHost: openhouse\r\nNo colon here\r\n\r\n"[..],
            400,
            20012,
        ),
        (&b"GET /heal thz junk HTTP/1.1\r\n\r\n"[..], 400, 20012),
        (&b"\x01\x02\x03 / HTTP/1.1\r\n\r\n"[..], 400, 20012),
    ] {
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        s.write_all(bytes).await.unwrap();
        let a = answer(&mut s, Duration::from_secs(5))
            .await
            .expect("no answer to a malformed request");
        assert_eq!(a.status, status, "{}", a.head);
        assert_eq!(a.body["code"], code, "{:?}: {}", a.head, a.body);
        assert!(a.body["message"].is_string());
        assert_eq!(
            a.header("content-type").as_deref(),
            Some("application/json")
        );
    }
    // a well-formed request on a keep-alive connection is not touched
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    for _ in 0..3 {
        s.write_all(b"GET /nowhere HTTP/1.1\r\nHost: openhouse\r\n\r\n")
            .await
            .unwrap();
        let a = answer(&mut s, Duration::from_secs(5))
            .await
            .expect("answer");
        assert_eq!(a.status, 404);
        assert_eq!(a.body["code"], 20007);
    }
}

#[tokio::test]
async fn an_early_refusal_says_connection_close_or_keeps_the_connection_usable() {
    let server = start(quick()).await;
    let team = server.app.team().await;
    // the body follows the headers a moment later, as from a client that sends them apart
    for content_type in ["text/plain", "application/json"] {
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        let auth = if content_type == "text/plain" {
            team.auth()
        } else {
            "token not-a-key".into()
        };
        let body = format!(r#"{{"firstName": "{}"}}"#, "x".repeat(3000));
        let head = format!(
            "POST /v1.0/leads HTTP/1.1\r\nHost: openhouse\r\nAuthorization: {auth}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).await.unwrap();
        let a = answer(&mut s, Duration::from_secs(5))
            .await
            .expect("answer");
        let expected = if content_type == "text/plain" {
            415
        } else {
            401
        };
        assert_eq!(a.status, expected, "{}", a.head);
        assert_eq!(a.body["code"], expected);
        let _ = s.write_all(body.as_bytes()).await;
        if a.header("connection").as_deref() == Some("close") {
            assert!(
                closed_within(&mut s, Duration::from_secs(5))
                    .await
                    .is_some(),
                "said Connection: close and stayed open"
            );
        } else {
            let wrote = s.write_all(HEALTHZ).await.is_ok();
            let second = if wrote {
                answer(&mut s, Duration::from_secs(5)).await
            } else {
                None
            };
            assert!(
                second.is_some_and(|a| a.status == 200),
                "after a {expected} without Connection: close the connection did not serve a \
                 second request"
            );
        }
    }
    // a refused request whose body was read keeps the connection
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /v1.0/leads HTTP/1.1\r\nHost: openhouse\r\nAuthorization: {}\r\nContent-Length: 9\r\n\r\nnot json!",
        team.auth()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let a = answer(&mut s, Duration::from_secs(5))
        .await
        .expect("answer");
    assert_eq!(a.status, 400);
    assert_eq!(a.header("connection"), None);
    s.write_all(HEALTHZ).await.unwrap();
    assert_eq!(
        answer(&mut s, Duration::from_secs(5))
            .await
            .expect("second request")
            .status,
        200
    );
}

#[tokio::test]
async fn connections_past_the_bound_wait_in_the_backlog() {
    let server = start(ServeOptions {
        max_connections: 2,
        header_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(30),
        ..quick()
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        s.write_all(HEALTHZ).await.unwrap();
        assert_eq!(
            answer(&mut s, Duration::from_secs(5))
                .await
                .expect("answer")
                .status,
            200
        );
        held.push(s);
    }
    // the third is connected by the kernel, but not served while two are open
    let mut third = TcpStream::connect(server.addr).await.unwrap();
    third.write_all(HEALTHZ).await.unwrap();
    let mut byte = [0u8; 1];
    assert!(
        tokio::time::timeout(Duration::from_millis(700), third.read(&mut byte))
            .await
            .is_err(),
        "a connection past the bound was served"
    );
    // one closes: the third is served
    drop(held.remove(0));
    let a = answer(&mut third, Duration::from_secs(5))
        .await
        .expect("the waiting connection was not served once a slot freed");
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn shutdown_finishes_within_its_deadline_despite_a_hung_client() {
    let mut server = start(ServeOptions {
        header_timeout: Duration::from_secs(60),
        idle_timeout: Duration::from_secs(60),
        shutdown_timeout: Duration::from_secs(1),
        ..quick()
    })
    .await;
    let mut hung = TcpStream::connect(server.addr).await.unwrap();
    hung.write_all(b"GET /healthz HTTP/1.1\r\nHost: openh")
        .await
        .unwrap();
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    idle.write_all(HEALTHZ).await.unwrap();
    answer(&mut idle, Duration::from_secs(5))
        .await
        .expect("answer");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let t = Instant::now();
    server.stop.take().unwrap().send(()).unwrap();
    // the idle connection closes at once
    let took = closed_within(&mut idle, Duration::from_secs(5))
        .await
        .expect("the idle connection was not closed at shutdown");
    assert!(took < Duration::from_millis(900), "{took:?}");
    tokio::time::timeout(Duration::from_secs(10), &mut server.done)
        .await
        .expect("serve did not return after its shutdown deadline")
        .unwrap();
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert!(
        closed_within(&mut hung, Duration::from_secs(2))
            .await
            .is_some()
    );
    // and nothing listens any more
    assert!(TcpStream::connect(server.addr).await.is_err());
}

#[test]
fn sigterm_with_a_hung_client_exits_within_the_shutdown_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_openhouse"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--shutdown-timeout", "2", "--header-timeout", "120"])
        .args(["--idle-timeout", "120", "--database-url"])
        .arg(dir.path().join("t.db"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let kill = |child: &mut std::process::Child| {
        let _ = child.kill();
        let _ = child.wait();
    };
    let mut hung = None;
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(60) {
        if let Ok(s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            hung = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let Some(mut hung) = hung else {
        kill(&mut child);
        panic!("the server did not start listening");
    };
    use std::io::Write;
    hung.write_all(b"GET /healthz HTTP/1.1\r\nHost: openh")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let t = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if t.elapsed() > Duration::from_secs(15) {
            kill(&mut child);
            panic!("SIGTERM with a hung client: still running after 15 s (deadline 2 s)");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    drop(hung);
}

#[tokio::test]
async fn the_listener_tells_the_gate_the_client_address() {
    // unknown credentials are charged to the client's address before they are looked up: once
    // its allowance (3) is spent, new garbage costs no lookup. That needs the address, which
    // only the listener knows.
    let server = start_with(
        quick(),
        openhouse_server::Settings {
            rate_limit: 100,
            rate_limit_unvendored: 3,
            ..Default::default()
        },
    )
    .await;
    let mut refused = 0;
    for i in 0..10 {
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        let req = format!(
            "GET /v1.0/leads HTTP/1.1\r\nHost: x\r\nAuthorization: token oh_key_garbage{i}\r\nConnection: close\r\n\r\n"
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let a = answer(&mut s, Duration::from_secs(10))
            .await
            .expect("an answer");
        assert!(a.status == 401 || a.status == 429, "status {}", a.status);
        refused += 1;
    }
    assert_eq!(refused, 10);
    let lookups = server
        .app
        .state
        .auth_lookups
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        lookups <= 3,
        "{lookups} lookups for 10 unknown credentials from one address"
    );
}
