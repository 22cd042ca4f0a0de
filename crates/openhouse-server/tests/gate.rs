//! The gate: one rate-limit bucket per credential whatever its tier, vendor keys that raise only
//! their own team's credentials, and unknown credentials that cost at most one lookup each (none
//! once the client's allowance is spent).

mod common;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use common::*;

/// `GET /v1.0/leads` with a credential, maybe a vendor key (header), maybe from an address.
async fn list(app: &TestApp, auth: &str, vendor: Option<&str>, from: Option<[u8; 4]>) -> Reply {
    let mut b = Request::builder().uri("/v1.0/leads");
    if !auth.is_empty() {
        b = b.header("Authorization", auth);
    }
    if let Some(v) = vendor {
        b = b.header("vendorKey", v);
    }
    let mut req = b.body(Body::empty()).unwrap();
    if let Some(ip) = from {
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((ip, 40_000))));
    }
    app.raw(req).await
}

fn lookups(app: &TestApp) -> u64 {
    app.state.auth_lookups.load(Ordering::Relaxed)
}

both!(
    alternating_tiers_share_one_bucket,
    openhouse_server::Settings {
        rate_limit: 5,
        rate_limit_unvendored: 3,
        ..Default::default()
    },
    |app: TestApp| async move {
        let t = app.team().await;
        // with and without the team's vendor key, turn about: 5 in all (the higher tier's
        // allowance), not 5 + 3
        let mut allowed = 0;
        let mut allowed_without = 0;
        for i in 0..16 {
            let vendored = i % 2 == 0;
            let key = vendored.then_some(t.vendor_key.as_str());
            let r = list(&app, &t.auth(), key, None).await;
            match r.status.as_u16() {
                200 => {
                    allowed += 1;
                    if !vendored {
                        allowed_without += 1;
                    }
                }
                429 => assert_eq!(r.body["message"], "Too Many Requests"),
                s => panic!("status {s}: {}", r.body),
            }
            let limit = if vendored { "5" } else { "3" };
            assert_eq!(r.headers["x-ratelimit-limit"], limit);
        }
        assert_eq!(allowed, 5);
        assert!(allowed_without <= 3, "{allowed_without} without the key");

        // the count carries over a tier change: 3 used without the key leave 2 with it
        let t = app.team().await;
        for _ in 0..3 {
            list(&app, &t.auth(), None, None).await.ok();
        }
        let r = list(&app, &t.auth(), None, None).await;
        assert_eq!(r.status.as_u16(), 429);
        // one request of 3 a minute comes back in 20 seconds: a client that waits that long
        // is admitted
        let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((19..=20).contains(&wait), "Retry-After: {wait}");
        let r = list(&app, &t.auth(), Some(&t.vendor_key), None).await;
        r.ok();
        assert_eq!(r.headers["x-ratelimit-remaining"], "1");
        list(&app, &t.auth(), Some(&t.vendor_key), None).await.ok();
        let r = list(&app, &t.auth(), Some(&t.vendor_key), None).await;
        assert_eq!(r.status.as_u16(), 429);
        assert_eq!(r.headers["x-ratelimit-remaining"], "0");
        let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((11..=12).contains(&wait), "Retry-After: {wait}");
        // the access token is another credential, with a bucket of its own
        list(&app, &t.bearer(), None, None).await.ok();
    }
);

both!(
    another_teams_vendor_key_does_not_raise_the_tier,
    openhouse_server::Settings {
        rate_limit: 50,
        rate_limit_unvendored: 2,
        ..Default::default()
    },
    |app: TestApp| async move {
        let a = app.team().await;
        let b = app.team().await;
        // b's key on a's credential: the lower tier, as with no key
        for _ in 0..2 {
            let r = list(&app, &a.auth(), Some(&b.vendor_key), None).await;
            r.ok();
            assert_eq!(r.headers["x-ratelimit-limit"], "2");
        }
        let r = list(&app, &a.auth(), Some(&b.vendor_key), None).await;
        assert_eq!(r.status.as_u16(), 429);
        assert_eq!(r.headers["x-ratelimit-limit"], "2");
        // as a query parameter too
        let r = app
            .get(
                &format!("/v1.0/leads?vendorKey={}", b.vendor_key),
                &a.auth(),
            )
            .await;
        assert_eq!(r.status.as_u16(), 429);
        // a's own key raises it
        let r = list(&app, &a.auth(), Some(&a.vendor_key), None).await;
        r.ok();
        assert_eq!(r.headers["x-ratelimit-limit"], "50");
        // and b's raises b's
        let r = list(&app, &b.auth(), Some(&b.vendor_key), None).await;
        r.ok();
        assert_eq!(r.headers["x-ratelimit-limit"], "50");
    }
);

both!(
    unknown_credentials_cost_one_lookup_each,
    |app: TestApp| async move {
        let t = app.team().await;
        let before = lookups(&app);
        let garbage: Vec<String> = (0..5).map(|i| format!("token oh_key_garbage{i}")).collect();
        for _ in 0..4 {
            for g in &garbage {
                list(&app, g, None, None).await.error(401, 401);
            }
        }
        assert_eq!(
            lookups(&app) - before,
            5,
            "one lookup per unknown credential"
        );
        // the same secret as an access token is another credential: one more lookup
        list(&app, "Bearer oh_key_garbage0", None, None)
            .await
            .error(401, 401);
        assert_eq!(lookups(&app) - before, 6);
        // a valid credential is looked up once, then served from the cache
        for _ in 0..3 {
            list(&app, &t.auth(), None, None).await.ok();
        }
        assert_eq!(lookups(&app) - before, 7);
        // the refused ones are kept apart from the valid ones, bounded
        app.state.refused_credentials.run_pending_tasks();
        assert_eq!(app.state.refused_credentials.entry_count(), 6);
        assert!(app.state.credentials.contains_key(&format!(
            "api_key:{}",
            openhouse_store::auth::hash_secret(&t.api_key)
        )));
    }
);

both!(
    unknown_credentials_are_refused_without_a_lookup_once_the_address_is_spent,
    openhouse_server::Settings {
        rate_limit: 1_000,
        rate_limit_unvendored: 3,
        ..Default::default()
    },
    |app: TestApp| async move {
        let t = app.team().await;
        let u = app.team().await;
        // t's credential is seen (and cached) before the flood
        list(&app, &t.auth(), None, Some([10, 0, 0, 1])).await.ok();
        let before = lookups(&app);
        let mut refused = 0;
        for i in 0..20 {
            let r = list(
                &app,
                &format!("token oh_key_flood{i}"),
                None,
                Some([10, 0, 0, 1]),
            )
            .await;
            match r.status.as_u16() {
                401 => r.error(401, 401),
                429 => {
                    refused += 1;
                    assert_eq!(r.headers["x-ratelimit-remaining"], "0");
                }
                s => panic!("status {s}"),
            }
        }
        // the address's allowance (3) paid for 3 lookups; the other 17 cost none
        assert_eq!(lookups(&app) - before, 3);
        assert_eq!(refused, 17);
        // a cached credential from that address still works, and one from another address is
        // looked up as usual
        list(&app, &t.auth(), None, Some([10, 0, 0, 1])).await.ok();
        list(&app, &u.auth(), None, Some([10, 0, 0, 2])).await.ok();
        assert_eq!(lookups(&app) - before, 4);
        // a valid credential's lookup is not charged to the address
        let v = app.team().await;
        for _ in 0..3 {
            list(&app, &v.auth(), None, Some([10, 0, 0, 3])).await.ok();
        }
        list(&app, "token oh_key_other", None, Some([10, 0, 0, 3]))
            .await
            .error(401, 401);
    }
);

both!(
    a_key_stops_at_its_expiry_even_when_cached,
    |app: TestApp| async move {
        let t = app.team().await;
        let hour = 3_600_000;
        let k = app
            .store
            .create_api_key(t.team_id, t.user_id, "an hour", app.store.now() + hour)
            .await
            .unwrap();
        let auth = format!("token {}", k.api_key);
        assert_eq!(list(&app, &auth, None, None).await.status, 200);
        // the gate keeps the credential; the clock passes its expiry
        app.store.clock().advance(hour + 1);
        list(&app, &auth, None, None).await.error(401, 401);
        // the team's other key, made without an expiry, still works
        assert_eq!(list(&app, &t.auth(), None, None).await.status, 200);
        // a key for no member of the team, or already expired, is not made
        assert!(
            app.store
                .create_api_key(t.team_id, 424242, "", 0)
                .await
                .is_err()
        );
        let past = app.store.now() - 1;
        assert!(
            app.store
                .create_api_key(t.team_id, t.user_id, "", past)
                .await
                .is_err()
        );
    }
);

/// Log lines written while a request is served, as text.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

both!(
    every_answer_and_its_log_lines_carry_the_request_id,
    |app: TestApp| async move {
        use tracing::instrument::WithSubscriber;
        let t = app.team().await;
        let logs = Captured::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let get = |path: &str, id: Option<&str>| {
            let mut b = Request::builder()
                .uri(path)
                .header("Authorization", t.auth());
            if let Some(id) = id {
                b = b.header("X-Request-Id", id);
            }
            b.body(Body::empty()).unwrap()
        };
        // the client's id is kept, in the answer and in the request's log lines
        let r = app
            .raw(get("/v1.0/me", Some("client-chosen-42")))
            .with_subscriber(subscriber)
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.headers["x-request-id"], "client-chosen-42");
        let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| l.contains("request{")).collect();
        assert!(!lines.is_empty(), "the request logged: {text}");
        assert!(
            lines
                .iter()
                .all(|l| l.contains("request_id=client-chosen-42")),
            "{text}"
        );
        // none given: a new UUID each time, errors included
        let a = app.raw(get("/v1.0/me", None)).await;
        let b = app.raw(get("/no/such/path", None)).await;
        assert_eq!(b.status, 404);
        let ids: Vec<String> = [a, b]
            .iter()
            .map(|r| r.headers["x-request-id"].to_str().unwrap().to_string())
            .collect();
        for id in &ids {
            assert_eq!(id.len(), 36, "a UUID: {id}");
            assert_eq!(id.matches('-').count(), 4, "a UUID: {id}");
        }
        assert_ne!(ids[0], ids[1]);
    }
);
