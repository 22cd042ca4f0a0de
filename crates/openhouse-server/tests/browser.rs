//! The sign-in and consent pages in a real browser: headless Chromium (Debian's `chromium`)
//! driven through WebDriver (`chromedriver`, with the `fantoccini` crate), against the server
//! listening on a port, on SQLite and PostgreSQL. A member signs in (after one wrong password),
//! approves, and the browser lands on the app's redirect URI with a code and the state, which
//! the app exchanges for tokens that work. A screenshot of each page is kept in
//! `target/test-artifacts/browser/` (or `$OPENHOUSE_TEST_ARTIFACTS`).
//!
//! chromedriver is looked up at `$OPENHOUSE_TEST_CHROMEDRIVER`, then `/usr/bin/chromedriver`;
//! without one the test says it skipped, unless `OPENHOUSE_TEST_BROWSER=required` (as
//! `scripts/test.sh` sets after installing the packages), when that is a failure.

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request};
use base64::Engine as _;
use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use openhouse_domain::auth::pkce_s256;

const PASSWORD: &str = "correct horse battery staple";
const VERIFIER: &str = "browser-test-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";

fn chromedriver() -> Option<PathBuf> {
    let found = std::env::var_os("OPENHOUSE_TEST_CHROMEDRIVER")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("/usr/bin/chromedriver")))
        .filter(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var("OPENHOUSE_TEST_BROWSER").as_deref() != Ok("required"),
            "OPENHOUSE_TEST_BROWSER=required but no chromedriver (apt-get install chromium chromium-driver)"
        );
        eprintln!("skipped: no chromedriver (apt-get install chromium chromium-driver)");
    }
    found
}

fn artifacts() -> PathBuf {
    let dir = std::env::var_os("OPENHOUSE_TEST_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts")
        })
        .join("browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A child process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_for_port(port: u16) {
    let start = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "nothing listens on {port}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Serves `router` on a port of 127.0.0.1 (with the peer's address, as `serve` gives it).
async fn serve(router: axum::Router) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    port
}

async fn browser(driver: &PathBuf, profile: &std::path::Path) -> (Killed, Client) {
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let guard = Killed(child);
    wait_for_port(port).await;
    let chromium = std::env::var("OPENHOUSE_TEST_CHROMIUM").unwrap_or("/usr/bin/chromium".into());
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=900,800",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let mut b = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
    b.capabilities(caps.as_object().unwrap().clone());
    let client = b
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session in Chromium");
    (guard, client)
}

async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(artifacts().join(format!("{name}.png")), png).unwrap();
}

/// Waits until the element at `css` shows text containing `expected` and returns that text.
/// A click navigates asynchronously: until the next page has loaded, the element found may be
/// the previous page's (wrong text) or vanish while read (stale), so both are retried.
async fn wait_for_text(c: &Client, css: &str, expected: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut last = String::from("(no element)");
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
        {
            if t.contains(expected) {
                return t;
            }
            last = t;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{css} never showed {expected:?}; last seen {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

both!(
    a_member_signs_in_and_approves_in_chromium,
    |app: TestApp| async move {
        let Some(driver) = chromedriver() else {
            return;
        };
        let tag = format!("{:?}", app.backend).to_lowercase();
        // the app's side: a page at its redirect URI
        let app_port = serve(axum::Router::new().route(
            "/callback",
            axum::routing::get(|| async {
                axum::response::Html("<!doctype html><title>Sync</title><h1>Connected</h1>")
            }),
        ))
        .await;
        let redirect = format!("http://127.0.0.1:{app_port}/callback");
        let t = app.team().await;
        app.store
            .set_password(t.team_id, t.user_id, PASSWORD)
            .await
            .unwrap();
        let email = app.get("/v1.0/me", &t.auth()).await.ok()["email"]
            .as_str()
            .unwrap()
            .to_string();
        let a = app
            .store
            .create_app(
                t.team_id,
                "Sync for Brokers",
                std::slice::from_ref(&redirect),
                &["leads".to_string(), "members:read".to_string()],
            )
            .await
            .unwrap();
        let port = serve(app.router.clone()).await;

        let profile = tempfile::tempdir().unwrap();
        let (_driver, c) = browser(&driver, profile.path()).await;
        let mut url = url::Url::parse(&format!("http://127.0.0.1:{port}/oauth/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &a.app.client_id)
            .append_pair("redirect_uri", &redirect)
            .append_pair("state", "from-the-browser")
            .append_pair("code_challenge", &pkce_s256(VERIFIER))
            .append_pair("code_challenge_method", "S256");
        c.goto(url.as_str()).await.unwrap();
        assert_eq!(wait_for_text(&c, "h1", "Sign in").await, "Sign in");
        assert!(c.source().await.unwrap().contains("Sync for Brokers"));
        screenshot(&c, &format!("{tag}-1-sign-in")).await;

        // a wrong password first: the page says so
        c.find(Locator::Id("email"))
            .await
            .unwrap()
            .send_keys(&email)
            .await
            .unwrap();
        c.find(Locator::Id("password"))
            .await
            .unwrap()
            .send_keys("not it at all")
            .await
            .unwrap();
        c.find(Locator::Id("sign-in"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for_text(&c, ".error", "do not match").await;
        screenshot(&c, &format!("{tag}-2-sign-in-failed")).await;

        // the email stays filled in; the right password now
        let field = c.find(Locator::Id("email")).await.unwrap();
        assert_eq!(
            field.prop("value").await.unwrap().as_deref(),
            Some(email.as_str())
        );
        c.find(Locator::Id("password"))
            .await
            .unwrap()
            .send_keys(PASSWORD)
            .await
            .unwrap();
        c.find(Locator::Id("sign-in"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert_eq!(
            wait_for_text(&c, "h1", "Allow access?").await,
            "Allow access?"
        );
        let page = c.source().await.unwrap();
        assert!(page.contains("Sync for Brokers") && page.contains("Read and change leads"));
        screenshot(&c, &format!("{tag}-3-consent")).await;

        c.find(Locator::Id("approve"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert_eq!(wait_for_text(&c, "h1", "Connected").await, "Connected");
        let landed = c.current_url().await.unwrap();
        screenshot(&c, &format!("{tag}-4-redirect")).await;
        assert!(landed.as_str().starts_with(&redirect), "{landed}");
        let q: std::collections::HashMap<_, _> = landed.query_pairs().into_owned().collect();
        assert_eq!(q["state"], "from-the-browser");
        let code = q["code"].clone();
        c.close().await.unwrap();

        // the app exchanges the code for tokens that work
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", redirect.as_str()),
                ("code_verifier", VERIFIER),
            ])
            .finish();
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", a.app.client_id, a.client_secret));
        let r = app
            .raw(
                Request::builder()
                    .method(Method::POST)
                    .uri("/oauth/token")
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Authorization", format!("Basic {basic}"))
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.body);
        let access = format!("Bearer {}", r.body["access_token"].as_str().unwrap());
        assert_eq!(app.get("/v1.0/me", &access).await.ok()["email"], email);
    }
);
