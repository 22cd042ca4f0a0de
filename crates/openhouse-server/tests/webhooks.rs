//! Webhooks through the API, delivered to a real HTTP receiver on 127.0.0.1, on SQLite and on
//! PostgreSQL (each PostgreSQL test in a database of its own: the workers read across teams).

mod common;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use common::{Team, TestApp};
use openhouse_domain::auth::{CredentialKind, Role};
use openhouse_server::Settings;
use openhouse_server::webhooks::{WebhookConfig, worker};
use serde_json::{Value, json};

/// What the receiver does with a request.
#[derive(Clone, Debug)]
enum Plan {
    Status(u16),
    /// Answer 200 after this long.
    Sleep(Duration),
}

#[derive(Clone, Debug)]
struct Got {
    path: String,
    headers: HeaderMap,
    body: Bytes,
    json: Value,
}

#[derive(Default)]
struct Inner {
    got: Vec<Got>,
    /// Every request, answered or not.
    hits: usize,
    plan: VecDeque<Plan>,
}

/// A webhook receiver: records what it is sent, answers as planned (then 200).
#[derive(Clone, Default)]
struct Receiver(Arc<Mutex<Inner>>);

impl Receiver {
    async fn start() -> (Receiver, String) {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let r = Receiver::default();
        r.serve(l);
        (r, format!("http://127.0.0.1:{port}"))
    }

    fn serve(&self, l: tokio::net::TcpListener) {
        let app = axum::Router::new()
            .fallback(receive)
            .with_state(self.clone());
        tokio::spawn(async move {
            let _ = axum::serve(l, app).await;
        });
    }

    fn plan(&self, p: impl IntoIterator<Item = Plan>) {
        self.0.lock().unwrap().plan.extend(p);
    }

    fn got(&self) -> Vec<Got> {
        self.0.lock().unwrap().got.clone()
    }

    fn hits(&self) -> usize {
        self.0.lock().unwrap().hits
    }

    /// Waits until `enough` holds of what was received (at most 30 s).
    async fn wait(&self, what: &str, enough: impl Fn(&[Got]) -> bool) -> Vec<Got> {
        let start = Instant::now();
        loop {
            let got = self.got();
            if enough(&got) {
                return got;
            }
            if start.elapsed() > Duration::from_secs(30) {
                panic!(
                    "timed out waiting for {what}; got {:?}",
                    got.iter()
                        .map(|g| (g.path.clone(), g.json["eventType"].clone()))
                        .collect::<Vec<_>>()
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

async fn receive(
    State(r): State<Receiver>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let plan = {
        let mut i = r.0.lock().unwrap();
        i.hits += 1;
        i.plan.pop_front()
    };
    let status = match plan {
        Some(Plan::Status(s)) => s,
        Some(Plan::Sleep(d)) => {
            tokio::time::sleep(d).await;
            200
        }
        None => 200,
    };
    if (200..300).contains(&status) {
        r.0.lock().unwrap().got.push(Got {
            path: uri.path().to_string(),
            headers,
            json: serde_json::from_slice(&body).unwrap_or(Value::Null),
            body,
        });
    }
    StatusCode::from_u16(status).unwrap()
}

/// Webhook timing for tests: fast retries, short polls.
fn fast() -> WebhookConfig {
    WebhookConfig {
        allow_private: true,
        backoff_base: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(200),
        timeout: Duration::from_secs(2),
        poll: Duration::from_millis(100),
        ..Default::default()
    }
}

fn settings(webhooks: WebhookConfig) -> Settings {
    Settings {
        rate_limit: 1_000_000,
        rate_limit_unvendored: 1_000_000,
        webhooks,
        ..Default::default()
    }
}

/// [`isolated!`] with webhook timing.
macro_rules! hooks {
    ($name:ident, $config:expr, $body:expr) => {
        $crate::isolated!($name, settings($config), $body);
    };
}

fn workers(app: &TestApp) -> worker::Workers {
    worker::spawn(app.store.clone(), app.state.webhooks.clone())
}

async fn subscribe(app: &TestApp, t: &Team, list: i32, url: &str, extra: Value) -> Value {
    let mut body = json!({"listId": list, "callbackUrl": url});
    if let Value::Object(m) = extra {
        body.as_object_mut().unwrap().extend(m);
    }
    app.post("/v1.0/webhook", &t.auth(), body)
        .await
        .ok()
        .clone()
}

async fn deliveries(app: &TestApp, t: &Team, sub: i64) -> Vec<Value> {
    app.get(
        &format!("/v1.0/webhook/{sub}/deliveries?limit=500"),
        &t.auth(),
    )
    .await
    .ok()["deliveries"]
        .as_array()
        .unwrap()
        .clone()
}

async fn new_agent(app: &TestApp, t: &Team, email: &str) -> (i64, String) {
    let s = &app.store;
    let id = s
        .create_user(t.team_id, email, "Agent", Some(email), Role::Agent)
        .await
        .unwrap();
    let key = s
        .issue_credential(t.team_id, id, CredentialKind::ApiKey)
        .await
        .unwrap();
    (id, format!("token {key}"))
}

hooks!(
    subscriptions_are_stored_listed_and_deleted_per_team,
    fast(),
    |app: TestApp| async move {
        let t = app.team().await;
        let other = app.team().await;
        let (_r, url) = Receiver::start().await;
        let s = subscribe(
            &app,
            &t,
            2,
            &format!("{url}/a"),
            json!({"limit": 7, "permissionMode": 1}),
        )
        .await;
        assert_eq!(s["listId"], 2);
        assert_eq!(s["teamId"], t.team_id);
        assert_eq!(s["limit"], 7);
        assert_eq!(s["permissionMode"], 1);
        assert!(s["secret"].as_str().unwrap().starts_with("whsec_"), "{s}");
        let id = s["subscribeId"].as_i64().unwrap();
        let d = subscribe(&app, &t, 9, &format!("{url}/b"), json!({})).await;
        assert_eq!(d["limit"], 100, "the published default");
        assert_eq!(d["permissionMode"], 0);

        let list = app.get("/v1.0/webhooks", &t.auth()).await.ok().clone();
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0]["subscribeId"], id);
        assert_eq!(list[0]["callbackUrl"], format!("{url}/a"));
        assert!(list[0].get("secret").is_none(), "the secret is shown once");
        // another team sees none of them and cannot delete them
        assert_eq!(
            app.get("/v1.0/webhooks", &other.auth()).await.ok(),
            &json!([])
        );
        app.delete(&format!("/v1.0/webhook/{id}"), &other.auth())
            .await
            .error(404, 20007);
        app.get(&format!("/v1.0/webhook/{id}/deliveries"), &other.auth())
            .await
            .error(404, 20007);

        // bad input: 400 and nothing stored
        for bad in [
            json!({"listId": 0, "callbackUrl": url}),
            json!({"listId": 13, "callbackUrl": url}),
            json!({"listId": 2, "callbackUrl": "not a url"}),
            json!({"listId": 2, "callbackUrl": "ftp://example.com/x"}),
            json!({"listId": 2, "callbackUrl": url, "permissionMode": 2}),
            json!({"listId": 2}),
        ] {
            let r = app.post("/v1.0/webhook", &t.auth(), bad.clone()).await;
            assert_eq!(r.status, 400, "{bad}: {}", r.body);
        }
        for limit in [0, 5001, -1] {
            app.post(
                "/v1.0/webhook",
                &t.auth(),
                json!({"listId": 2, "callbackUrl": url, "limit": limit}),
            )
            .await
            .error(400, 20042);
        }
        let r = app
            .post(
                "/v1.0/webhook",
                &t.auth(),
                json!({"listId": 13, "callbackUrl": url}),
            )
            .await;
        assert!(
            r.body["message"]
                .as_str()
                .unwrap()
                .contains("WEBHOOK_TYPE_ERROR")
        );
        assert_eq!(
            app.get("/v1.0/webhooks", &t.auth())
                .await
                .ok()
                .as_array()
                .unwrap()
                .len(),
            2
        );

        app.delete(&format!("/v1.0/webhook/{id}"), &t.auth())
            .await
            .ok();
        let list = app.get("/v1.0/webhooks", &t.auth()).await.ok().clone();
        assert_eq!(list.as_array().unwrap().len(), 1);
        app.delete(&format!("/v1.0/webhook/{id}"), &t.auth())
            .await
            .error(404, 20007);
    }
);

hooks!(
    callback_urls_must_be_public_https_without_the_flag,
    WebhookConfig {
        allow_private: false,
        ..fast()
    },
    |app: TestApp| async move {
        let t = app.team().await;
        let (r, url) = Receiver::start().await;
        for bad in [
            url.clone(),
            "http://example.com/hook".to_string(),
            "https://127.0.0.1/hook".into(),
            "https://10.0.0.1/hook".into(),
            "https://192.168.1.20/hook".into(),
            "https://169.254.169.254/latest/meta-data".into(),
            "https://[::1]/hook".into(),
            "https://localhost/hook".into(),
        ] {
            let resp = app
                .post(
                    "/v1.0/webhook",
                    &t.auth(),
                    json!({"listId": 2, "callbackUrl": bad}),
                )
                .await;
            resp.error(400, 20012);
            assert!(
                resp.body["message"]
                    .as_str()
                    .unwrap()
                    .contains("WEBHOOK_CALLBACK_URL_INVALID"),
                "{bad}: {}",
                resp.body
            );
        }
        assert_eq!(app.get("/v1.0/webhooks", &t.auth()).await.ok(), &json!([]));
        assert_eq!(r.hits(), 0);
    }
);

// The event types each list receives for one run of every operation.
hooks!(
    every_list_fires_on_its_operations_and_no_other,
    fast(),
    |app: TestApp| async move {
        let t = app.team().await;
        let (r, url) = Receiver::start().await;
        for list in 1..=12 {
            subscribe(&app, &t, list, &format!("{url}/list/{list}"), json!({})).await;
        }
        let _w = workers(&app);
        let auth = t.auth();
        let lead = app
            .lead(&t, json!({"firstName": "Ann", "stage": "New"}))
            .await;
        app.put(
            &format!("/v1.0/leads/{lead}"),
            &auth,
            json!({"firstName": "Anna"}),
        )
        .await
        .ok();
        app.put(
            &format!("/v1.0/leads/{lead}"),
            &auth,
            json!({"stage": "Active"}),
        )
        .await
        .ok();
        let note = app
            .post(
                "/v1.0/notes",
                &auth,
                json!({"leadId": lead, "content": "hi"}),
            )
            .await
            .ok()["noteId"]
            .as_i64()
            .unwrap();
        app.put(
            &format!("/v1.0/notes/{note}"),
            &auth,
            json!({"content": "hello"}),
        )
        .await
        .ok();
        app.delete(&format!("/v1.0/notes/{note}"), &auth).await.ok();
        let later = 4_102_444_800_000_i64;
        app.post(
            "/v1.0/tasks",
            &auth,
            json!({"leadId": lead, "type": "Call", "content": "Call back", "deadline": later}),
        )
        .await
        .ok();
        app.post("/v2.0/calendar", &auth, json!({"type": "APPOINTMENT", "content": "Showing", "leadId": lead, "startAtMs": later, "endAtMs": later + 3_600_000, "timeZoneCode": "UTC"})).await.ok();
        for body in [
            json!({"leadId": lead, "logType": "logCall", "content": "x", "leadPhoneNumber": "5865865860", "callingOutcome": "Talked"}),
            json!({"leadId": lead, "logType": "logEmail", "content": "x", "emailSubject": "Listings"}),
            json!({"leadId": lead, "logType": "logText", "content": "x", "outboundOrInbound": "inbound"}),
        ] {
            app.post("/v1.0/logType", &auth, body).await.ok();
        }
        app.post(&format!("/v1.0/leads/{lead}/activity"), &auth, json!({"type": "Favorite", "created": 1_700_000_000_000_i64, "text": "Saved 12 Elm", "link": "https://example.com/p/1", "picture": "https://example.com/1.jpg"})).await.ok();
        app.post(&format!("/v1.0/leads/{lead}/transaction"), &auth, json!({"transactionName": "12 Elm", "transactionType": "Listing", "transactionStatus": "Active"})).await.ok();
        app.post("/v1.0/agent", &auth, json!({"emailAddress": "new.agent@example.com", "firstName": "New", "lastName": "Agent", "groupId": 0, "profileId": 2})).await.ok();
        app.delete(&format!("/v1.0/leads/{lead}?reason=spam"), &auth)
            .await
            .ok();

        let expected: HashMap<&str, Vec<&str>> = HashMap::from([
            ("/list/1", vec!["user.created"]),
            (
                "/list/2",
                vec![
                    "lead.created",
                    "lead.updated",
                    "lead.updated",
                    "lead.deleted",
                ],
            ),
            ("/list/3", vec!["activity.created"]),
            ("/list/4", vec![]),
            ("/list/5", vec!["transaction.created"]),
            ("/list/6", vec!["communication.created"]),
            ("/list/7", vec!["communication.created"]),
            ("/list/8", vec!["communication.created"]),
            (
                "/list/9",
                vec!["note.created", "note.updated", "note.deleted"],
            ),
            ("/list/10", vec!["task.created"]),
            ("/list/11", vec!["appointment.created"]),
            ("/list/12", vec!["lead.updated"]),
        ]);
        let total: usize = expected.values().map(Vec::len).sum();
        let got = r.wait("every list's events", |g| g.len() >= total).await;
        // a little longer: nothing more may come
        tokio::time::sleep(Duration::from_millis(500)).await;
        let got = if r.got().len() > got.len() {
            r.got()
        } else {
            got
        };
        for (path, types) in &expected {
            let mine: Vec<&str> = got
                .iter()
                .filter(|g| g.path == *path)
                .map(|g| g.json["eventType"].as_str().unwrap())
                .collect();
            assert_eq!(&mine, types, "{path}");
        }
        assert_eq!(got.len(), total);
        for g in &got {
            let list: i64 = g.path.rsplit('/').next().unwrap().parse().unwrap();
            assert_eq!(g.json["listId"], list);
            assert_eq!(g.json["teamId"], t.team_id);
        }
        // the stage change on list 12 names the stage; its lead info twin is its own message
        let stage: Vec<&Got> = got
            .iter()
            .filter(|g| g.json["eventType"] == "lead.updated")
            .collect();
        let ids: Vec<&str> = stage
            .iter()
            .map(|g| g.headers["webhook-id"].to_str().unwrap())
            .collect();
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            ids.len(),
            "one webhook-id per message: {ids:?}"
        );
    }
);

hooks!(
    deliveries_are_signed_as_standard_webhooks,
    fast(),
    |app: TestApp| async move {
        let t = app.team().await;
        let (r, url) = Receiver::start().await;
        let s = subscribe(&app, &t, 2, &url, json!({})).await;
        let secret = s["secret"].as_str().unwrap().to_string();
        let _w = workers(&app);
        let lead = app.lead(&t, json!({"firstName": "Signed"})).await;
        let got = r.wait("the delivery", |g| !g.is_empty()).await;
        let g = &got[0];
        assert_eq!(g.json["eventType"], "lead.created");
        assert_eq!(g.json["leadId"], lead);
        assert_eq!(g.json["subscribeId"], s["subscribeId"]);
        // the resource as the API shows it
        let shown = app
            .get(&format!("/v1.0/leads/{lead}"), &t.auth())
            .await
            .ok()
            .clone();
        assert_eq!(g.json["resource"], shown);
        let wh = standardwebhooks::Webhook::new(&secret).unwrap();
        wh.verify(&g.body, &g.headers)
            .expect("the signature verifies");
        let tampered = String::from_utf8(g.body.to_vec())
            .unwrap()
            .replace("lead.created", "lead.updated");
        assert!(
            wh.verify(tampered.as_bytes(), &g.headers).is_err(),
            "a tampered body fails"
        );
        let other =
            standardwebhooks::Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert!(
            other.verify(&g.body, &g.headers).is_err(),
            "another secret fails"
        );
    }
);

hooks!(
    failed_attempts_are_retried_and_logged,
    fast(),
    |app: TestApp| async move {
        let t = app.team().await;
        let (r, url) = Receiver::start().await;
        // two 500s, then an answer slower than the timeout, then 200
        r.plan([
            Plan::Status(500),
            Plan::Status(503),
            Plan::Sleep(Duration::from_secs(3)),
        ]);
        let s = subscribe(&app, &t, 2, &url, json!({})).await;
        let sub = s["subscribeId"].as_i64().unwrap();
        let _w = workers(&app);
        app.lead(&t, json!({"firstName": "Retry"})).await;
        r.wait("the delivery after retries", |g| !g.is_empty())
            .await;
        let start = Instant::now();
        let d = loop {
            let d = deliveries(&app, &t, sub).await;
            if d.len() == 1 && d[0]["status"] == "delivered" {
                break d;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "{d:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let d = &d[0];
        assert_eq!(d["eventType"], "lead.created");
        assert_eq!(d["attempts"], 4, "{d}");
        let statuses: Vec<i64> = d["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["status"].as_i64().unwrap())
            .collect();
        assert_eq!(statuses, vec![500, 503, 0, 200], "{d}");
        assert!(
            d["history"][2]["error"]
                .as_str()
                .unwrap()
                .contains("timed out"),
            "{d}"
        );
        assert_eq!(r.got().len(), 1, "delivered once");
    }
);

hooks!(
    a_receiver_that_is_down_gets_the_events_when_it_is_up,
    fast(),
    |app: TestApp| async move {
        let t = app.team().await;
        let port = common::free_port();
        let url = format!("http://127.0.0.1:{port}/hook");
        let s = subscribe(&app, &t, 2, &url, json!({})).await;
        let sub = s["subscribeId"].as_i64().unwrap();
        let _w = workers(&app);
        for i in 0..3 {
            app.lead(&t, json!({"firstName": format!("Down {i}")}))
                .await;
        }
        // attempts fail and are logged, with their error and the next attempt
        let start = Instant::now();
        loop {
            let d = deliveries(&app, &t, sub).await;
            if d.iter().any(|d| d["attempts"].as_i64().unwrap() >= 2) {
                let first = d
                    .iter()
                    .find(|d| d["attempts"].as_i64().unwrap() >= 2)
                    .unwrap();
                assert_eq!(first["status"], "pending");
                assert_eq!(first["lastStatus"], 0);
                assert!(first["lastError"].is_string(), "{first}");
                assert!(first["nextAttempt"].is_i64(), "{first}");
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "{d:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let l = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let r = Receiver::default();
        r.serve(l);
        let got = r.wait("the backlog", |g| g.len() >= 3).await;
        let names: Vec<&str> = got
            .iter()
            .map(|g| g.json["resource"]["firstName"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(got.len(), 3, "{names:?}");
    }
);

hooks!(
    a_delivery_that_never_succeeds_fails_and_can_be_redelivered,
    WebhookConfig {
        rules: openhouse_store::webhooks::DeliveryRules {
            give_up_ms: 600,
            ..Default::default()
        },
        ..fast()
    },
    |app: TestApp| async move {
        let t = app.team().await;
        let (r, url) = Receiver::start().await;
        r.plan(std::iter::repeat_n(Plan::Status(500), 1000));
        let s = subscribe(&app, &t, 2, &url, json!({})).await;
        let sub = s["subscribeId"].as_i64().unwrap();
        let _w = workers(&app);
        app.lead(&t, json!({"firstName": "Doomed"})).await;
        let start = Instant::now();
        let d = loop {
            let d = deliveries(&app, &t, sub).await;
            if d.first().is_some_and(|d| d["status"] == "failed") {
                break d[0].clone();
            }
            assert!(start.elapsed() < Duration::from_secs(10), "{d:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(d["lastStatus"], 500);
        assert!(d["doneTime"].is_i64());
        assert!(d.get("nextAttempt").is_none());
        // nothing more is tried
        let hits = r.hits();
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(r.hits(), hits);
        assert!(r.got().is_empty());
        // the receiver is fixed; redeliver
        r.0.lock().unwrap().plan.clear();
        let event = d["eventId"].as_i64().unwrap();
        app.post(
            &format!("/v1.0/webhook/{sub}/deliveries/{event}/redeliver"),
            &t.auth(),
            json!({}),
        )
        .await
        .ok();
        let got = r.wait("the redelivery", |g| !g.is_empty()).await;
        assert_eq!(got[0].json["eventId"], event);
        app.post(
            &format!("/v1.0/webhook/{sub}/deliveries/1/redeliver"),
            &t.auth(),
            json!({}),
        )
        .await
        .error(404, 20007);
    }
);

hooks!(
    over_the_limit_events_wait_for_the_next_window,
    WebhookConfig {
        rules: openhouse_store::webhooks::DeliveryRules {
            window_ms: 1500,
            ..Default::default()
        },
        ..fast()
    },
    |app: TestApp| async move {
        let t = app.team().await;
        let (r, url) = Receiver::start().await;
        subscribe(&app, &t, 2, &url, json!({"limit": 2})).await;
        let _w = workers(&app);
        let start = Instant::now();
        for i in 0..5 {
            app.lead(&t, json!({"firstName": format!("Capped {i}")}))
                .await;
        }
        r.wait("the first window", |g| g.len() >= 2).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        if start.elapsed() < Duration::from_millis(1400) {
            assert_eq!(r.got().len(), 2, "at most the limit in a window");
        }
        let got = r
            .wait("all five, over three windows", |g| g.len() >= 5)
            .await;
        assert!(
            start.elapsed() >= Duration::from_millis(2900),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(got.len(), 5);
    }
);

hooks!(
    one_leads_events_arrive_in_order,
    fast(),
    |app: TestApp| async move {
        let t = app.team().await;
        let (r, url) = Receiver::start().await;
        // failures along the way must not reorder anything
        r.plan([
            Plan::Status(500),
            Plan::Status(200),
            Plan::Status(500),
            Plan::Status(502),
        ]);
        subscribe(&app, &t, 2, &url, json!({})).await;
        let lead = app.lead(&t, json!({"firstName": "v0"})).await;
        for i in 1..=8 {
            app.put(
                &format!("/v1.0/leads/{lead}"),
                &t.auth(),
                json!({"firstName": format!("v{i}")}),
            )
            .await
            .ok();
        }
        let _w = workers(&app);
        let got = r.wait("nine events", |g| g.len() >= 9).await;
        let names: Vec<String> = got
            .iter()
            .map(|g| {
                g.json["resource"]["firstName"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        let ids: Vec<i64> = got
            .iter()
            .map(|g| g.json["eventId"].as_i64().unwrap())
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "{names:?}");
        let expected: Vec<String> = (0..=8).map(|i| format!("v{i}")).collect();
        assert_eq!(
            names, expected,
            "each event carries the lead as that change left it"
        );
        assert_eq!(got[0].json["eventType"], "lead.created");
        assert_eq!(got[1].json["changedFields"], json!(["firstName"]));
    }
);

hooks!(
    recipients_follow_the_permission_mode,
    fast(),
    |app: TestApp| async move {
        let t = app.team().await;
        let (r, url) = Receiver::start().await;
        let (agent, agent_auth) = new_agent(&app, &t, "mode.agent@example.com").await;
        let (other, _) = new_agent(&app, &t, "other.agent@example.com").await;
        for (mode, path) in [(0, "/agent0"), (1, "/agent1")] {
            app.post(
                "/v1.0/webhook",
                &agent_auth,
                json!({"listId": 2, "callbackUrl": format!("{url}{path}"), "permissionMode": mode}),
            )
            .await
            .ok();
        }
        subscribe(&app, &t, 2, &format!("{url}/admin"), json!({})).await;
        let _w = workers(&app);
        // assigned to the agent: both of the agent's subscriptions, and the admin
        let assigned = app
            .lead(
                &t,
                json!({"firstName": "Assigned", "assignedUserId": agent}),
            )
            .await;
        // team-owned, assigned to another: in the agent's scope (mode 1) but not assigned
        let scope = app
            .lead(
                &t,
                json!({"firstName": "Scope", "ownershipScope": "TEAM", "assignedUserId": other}),
            )
            .await;
        // hidden, assigned to another: only that agent (who has no subscription); its creation,
        // before it was hidden, went to the admin and the agent's scope like "Scope"
        let hidden = app
            .lead(
                &t,
                json!({"firstName": "Hidden", "assignedUserId": other, "ownershipScope": "TEAM"}),
            )
            .await;
        // (recipients are decided when an event is dispatched, against the lead as it is then:
        // let the creation go out before hiding it)
        r.wait("the creations", |g| {
            g.iter().filter(|g| g.path == "/admin").count() >= 3
        })
        .await;
        app.put(
            &format!("/v1.0/leads/{hidden}"),
            &t.auth(),
            json!({"isHidden": true, "lastName": "Away"}),
        )
        .await
        .ok();
        // personally owned by another: nobody but the admin
        let theirs = app.lead(&t, json!({"firstName": "Theirs", "ownershipScope": "PERSONAL", "ownershipId": other, "assignedUserId": other})).await;
        r.wait("the admin's four", |g| {
            g.iter().filter(|g| g.path == "/admin").count() >= 4
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let leads = |path: &str| -> Vec<i64> {
            let mut v: Vec<i64> = r
                .got()
                .iter()
                .filter(|g| g.path == path)
                .map(|g| g.json["leadId"].as_i64().unwrap())
                .collect();
            v.sort();
            v
        };
        let sorted = |mut v: Vec<i64>| {
            v.sort();
            v
        };
        // the update that hid the lead reaches nobody subscribed
        assert!(
            r.got()
                .iter()
                .all(|g| g.json["eventType"] == "lead.created")
        );
        assert_eq!(leads("/agent0"), vec![assigned]);
        assert_eq!(leads("/agent1"), sorted(vec![assigned, scope, hidden]));
        assert_eq!(
            leads("/admin"),
            sorted(vec![assigned, scope, hidden, theirs])
        );
    }
);

hooks!(
    a_restart_mid_backlog_loses_and_repeats_nothing,
    fast(),
    |app: TestApp| async move {
        let t = app.team().await;
        let (r, url) = Receiver::start().await;
        // a slow receiver, so that the backlog is still there when the workers stop
        r.plan(vec![Plan::Sleep(Duration::from_millis(400)); 40]);
        subscribe(&app, &t, 2, &url, json!({})).await;
        let lead = app.lead(&t, json!({"firstName": "Backlog"})).await;
        let w = workers(&app);
        // one lead's events go one at a time: 40 of them take 40 round trips
        for i in 1..40 {
            app.put(
                &format!("/v1.0/leads/{lead}"),
                &t.auth(),
                json!({"firstName": format!("Backlog {i}")}),
            )
            .await
            .ok();
        }
        // stopped as by a crash, mid-backlog
        tokio::time::sleep(Duration::from_millis(500)).await;
        w.stop();
        let before = r.got().len();
        assert!(before < 40, "the backlog was cut short ({before})");
        // a new process over the same database
        let again = app.reopen().await;
        let _w = worker::spawn(again.store.clone(), app.state.webhooks.clone());
        let got = r
            .wait("the rest of the backlog", |g| {
                let mut ids: Vec<&str> = g
                    .iter()
                    .map(|g| g.headers["webhook-id"].to_str().unwrap())
                    .collect();
                ids.sort();
                ids.dedup();
                ids.len() >= 40
            })
            .await;
        let mut ids: Vec<&str> = got
            .iter()
            .map(|g| g.headers["webhook-id"].to_str().unwrap())
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 40);
        // deliveries in flight at the stop may be sent again, with the same webhook-id; nothing
        // else is
        assert!(got.len() <= 41, "{}", got.len());
        let events: Vec<i64> = got
            .iter()
            .map(|g| g.json["eventId"].as_i64().unwrap())
            .collect();
        let mut sorted = events.clone();
        sorted.sort();
        assert_eq!(events, sorted, "still in order");
    }
);

hooks!(
    a_brokers_teams_are_agent_info_without_their_credentials,
    fast(),
    |app: TestApp| async move {
        let broker = app.team().await;
        let (r, url) = Receiver::start().await;
        subscribe(&app, &broker, 1, &url, json!({})).await;
        let _w = workers(&app);
        let made = app
            .post("/v1.0/broker/team", &broker.auth(), json!({"teamName": "North", "email": "north.hooks@example.com", "firstName": "Ada", "lastName": "Admin", "phone": "5550100", "seatLimit": 2}))
            .await
            .ok()
            .clone();
        let team = made["teamId"].as_i64().unwrap();
        app.delete(&format!("/v1.0/broker/team/{team}"), &broker.auth())
            .await
            .ok();
        let got = r
            .wait("the team's creation and removal", |g| g.len() >= 2)
            .await;
        assert_eq!(got[0].json["eventType"], "team.created");
        assert_eq!(got[0].json["resource"]["teamId"], team);
        assert_eq!(
            got[0].json["resource"]["apiKey"], "",
            "no secret in an event"
        );
        assert_ne!(made["apiKey"], "");
        assert_eq!(got[1].json["eventType"], "team.deleted");
        assert_eq!(
            got[1].json["teamId"],
            broker.team_id,
            "{:?} {team}",
            got.iter().map(|g| g.json.clone()).collect::<Vec<_>>()
        );
    }
);

hooks!(
    listing_alerts_are_delivered_to_list_4,
    fast(),
    |app: TestApp| async move {
        let t = app.team().await;
        let (r, url) = Receiver::start().await;
        let alerts = subscribe(&app, &t, 4, &format!("{url}/alerts"), json!({})).await;
        subscribe(&app, &t, 3, &format!("{url}/activity"), json!({})).await;
        let _w = workers(&app);
        let lead = app
            .lead(
                &t,
                json!({"firstName": "Watcher", "inquiry": {"locations": [{"zipCode": "78701"}]}}),
            )
            .await;
        let listing = openhouse_api::ListingItem {
            mls_listing_id: "W-1".into(),
            listing_street_name: Some("5 Elm St".into()),
            listing_zipcode: Some(vec!["78701".into()]),
            price: Some("610000".into()),
            ..Default::default()
        };
        app.store
            .import_listings(t.team_id, vec![(2, listing)])
            .await
            .unwrap();
        let got = r
            .wait("the alert", |g| {
                g.iter().any(|g| g.json["eventType"] == "alert.created")
            })
            .await;
        let g = got
            .iter()
            .find(|g| g.json["eventType"] == "alert.created")
            .unwrap();
        assert_eq!(g.path, "/alerts", "list 4 only");
        assert_eq!(g.json["listId"], 4);
        assert_eq!(g.json["leadId"], lead);
        assert_eq!(g.json["subscribeId"], alerts["subscribeId"]);
        // the resource is the alert as the lead's activities show it
        let shown = app
            .get(&format!("/v1.0/leads/{lead}/activities"), &t.auth())
            .await
            .ok()[0]
            .clone();
        assert_eq!(shown["type"], "Alert");
        assert_eq!(g.json["resource"], shown);
        assert_eq!(shown["text"], "New listing: 5 Elm St, 78701 $610,000");
        // and it is on the lead's timeline
        let logs = app
            .get(&format!("/v1.0/systemLogs?leadId={lead}"), &t.auth())
            .await;
        let alerted = logs
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["timelineTypeDesc"] == "ListingAlert")
            .cloned()
            .expect("a ListingAlert entry");
        assert_eq!(alerted["timelineType"], 44);
        let detail: Value = serde_json::from_str(alerted["content"].as_str().unwrap()).unwrap();
        assert_eq!(detail["reason"], "new");
        assert_eq!(detail["activityId"], shown["id"]);
        assert!(
            got.iter().all(|g| g.path != "/activity"),
            "an alert is no lead activity event"
        );
    }
);

/// `openhouse import leads FILE --team-id TEAM` on the test's database (a node of its own).
fn import(app: &TestApp, team: &Team, names: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("leads.csv");
    std::fs::write(&file, format!("firstName\n{}\n", names.join("\n"))).unwrap();
    let node = if app.backend == common::Backend::Sqlite {
        "0"
    } else {
        "14"
    };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_openhouse"))
        .args(["import", "leads", file.to_str().unwrap(), "--team-id"])
        .arg(team.team_id.to_string())
        .args(["--database-url", app.url(), "--node-id", node])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

hooks!(
    an_import_reaches_the_teams_that_subscribe_and_leaves_no_backlog_for_the_others,
    fast(),
    |app: TestApp| async move {
        let quiet = app.team().await;
        let heard = app.team().await;
        let s = subscribe(&app, &heard, 2, "http://127.0.0.1:9/hook", json!({})).await;
        let sub = s["subscribeId"].as_i64().unwrap();
        let rules = app.state.webhooks.config.rules;
        let now = openhouse_domain::time::now_ms();
        while app.store.dispatch_events(500, rules, now).await.unwrap() > 0 {}
        // no subscription: the import's entries are written dispatched, the dispatcher has no
        // backlog to mark
        import(&app, &quiet, &["Ann", "Bob", "Cy"]);
        assert!(!app.store.has_undispatched().await.unwrap());
        // (a SQLite server learns of what an import wrote when it starts again)
        let page = app.reopen().await.get("/v1.0/leads", &quiet.auth()).await;
        assert_eq!(page.ok()["_metadata"]["total"], 3);
        // a subscription: each imported lead is a lead.created delivery
        import(&app, &heard, &["Dee", "Eve"]);
        assert!(app.store.has_undispatched().await.unwrap());
        let now = openhouse_domain::time::now_ms();
        assert_eq!(app.store.dispatch_events(500, rules, now).await.unwrap(), 2);
        let d = deliveries(&app, &heard, sub).await;
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d.iter().all(|d| d["eventType"] == "lead.created"), "{d:?}");
    }
);
