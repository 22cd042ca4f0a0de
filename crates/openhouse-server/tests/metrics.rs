//! `/metrics`: the Prometheus text, parsed back; requests counted by route template, method
//! and status; the write queue, the search index, the pools and the jobs; who may read it.
//!
//! The recorder is one per process, shared by every test of this binary: each test takes
//! [`SERIAL`] and compares a scrape after with one before.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Reply, TestApp, roomy};
use openhouse_server::Settings;
use openhouse_server::metrics::MetricsConfig;
use openmetrics_parser::{MetricsExposition, PrometheusType, PrometheusValue};
use serde_json::json;
use tower::ServiceExt;

/// One test at a time: the counters are the process's.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const TOKEN: &str = "s3cret-metrics-token";

/// The code of a path that does not exist (the server's one 404 of an unknown path).
const NOT_FOUND: i64 = 20007;

fn with_token() -> Settings {
    Settings {
        metrics: MetricsConfig {
            own_listener: false,
            token: Some(TOKEN.into()),
        },
        ..roomy()
    }
}

struct Scrape(MetricsExposition<PrometheusType, PrometheusValue>);

impl Scrape {
    fn parse(text: &str) -> Self {
        Self(
            openmetrics_parser::prometheus::parse_prometheus(text).unwrap_or_else(|e| {
                panic!("/metrics is not in the Prometheus text format: {e:?}\n{text}")
            }),
        )
    }

    /// The samples of a metric with all of `labels`.
    fn samples(&self, name: &str, labels: &[(&str, &str)]) -> Vec<&PrometheusValue> {
        let Some(family) = self.0.families.get(name) else {
            return Vec::new();
        };
        family
            .iter_samples()
            .filter(|s| {
                let set = s.get_labelset().expect("labels");
                labels
                    .iter()
                    .all(|(k, v)| set.get_label_value(k) == Some(*v))
            })
            .map(|s| &s.value)
            .collect()
    }

    fn has(&self, name: &str, labels: &[(&str, &str)]) -> bool {
        !self.samples(name, labels).is_empty()
    }

    /// The sum of the matching counters or gauges (0 when there are none yet).
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples(name, labels)
            .into_iter()
            .map(|v| match v {
                PrometheusValue::Counter(c) => c.value.as_f64(),
                PrometheusValue::Gauge(n) | PrometheusValue::Unknown(n) => n.as_f64(),
                other => panic!("{name} is not a counter or gauge: {other:?}"),
            })
            .sum()
    }

    /// The sum of the matching histograms' counts (0 when there are none yet).
    fn count(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        self.samples(name, labels)
            .into_iter()
            .map(|v| match v {
                PrometheusValue::Histogram(h) => h.count.unwrap_or(0),
                other => panic!("{name} is not a histogram: {other:?}"),
            })
            .sum()
    }

    /// Every value of a label of a metric.
    fn label_values(&self, name: &str, label: &str) -> Vec<String> {
        self.0
            .families
            .get(name)
            .map(|f| {
                f.iter_samples()
                    .filter_map(|s| {
                        s.get_labelset()
                            .ok()?
                            .get_label_value(label)
                            .map(str::to_string)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

async fn get_metrics(app: &TestApp, auth: Option<&str>) -> Reply {
    let mut b = Request::builder().uri("/metrics");
    if let Some(a) = auth {
        b = b.header("Authorization", a);
    }
    app.raw(b.body(Body::empty()).unwrap()).await
}

async fn scrape(app: &TestApp) -> Scrape {
    let r = get_metrics(app, Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"),
        "{:?}",
        r.headers
    );
    Scrape::parse(r.body.as_str().expect("a text body"))
}

const REQUESTS: &str = "openhouse_http_requests_total";
const DURATION: &str = "openhouse_http_request_duration_seconds";

both!(
    requests_are_counted_by_route_template,
    with_token(),
    |app: TestApp| async move {
        let _serial = SERIAL.lock().await;
        let t = app.team().await;
        let lead = app.lead(&t, json!({"firstName": "Ann"})).await;
        let before = scrape(&app).await;
        for _ in 0..3 {
            app.get("/v1.0/leads", &t.auth()).await.ok();
        }
        for _ in 0..2 {
            app.get(&format!("/v1.0/leads/{lead}"), &t.auth())
                .await
                .ok();
        }
        app.get("/v1.0/leads/1", &t.auth()).await;
        app.get(&format!("/no/such/path/{lead}"), &t.auth()).await;
        app.get("/v1.0/leads", "token wrong").await;
        let after = scrape(&app).await;
        let delta = |labels: &[(&str, &str)]| {
            after.value(REQUESTS, labels) - before.value(REQUESTS, labels)
        };
        let leads = [
            ("method", "GET"),
            ("route", "/v1.0/leads"),
            ("status", "200"),
        ];
        assert_eq!(delta(&leads), 3.0);
        let one = [
            ("method", "GET"),
            ("route", "/v1.0/leads/{leadId}"),
            ("status", "200"),
        ];
        assert_eq!(delta(&one), 2.0);
        let missing = [
            ("method", "GET"),
            ("route", "/v1.0/leads/{leadId}"),
            ("status", "404"),
        ];
        assert_eq!(delta(&missing), 1.0);
        let unmatched = [("method", "GET"), ("route", "unmatched"), ("status", "404")];
        assert_eq!(delta(&unmatched), 1.0);
        let refused = [
            ("method", "GET"),
            ("route", "/v1.0/leads"),
            ("status", "401"),
        ];
        assert_eq!(delta(&refused), 1.0);
        // the label is the template, never the path with its ids
        let routes = after.label_values(REQUESTS, "route");
        assert!(
            routes.iter().any(|r| r == "/v1.0/leads/{leadId}"),
            "{routes:?}"
        );
        assert!(
            !routes
                .iter()
                .any(|r| r.contains(&lead.to_string()) || r.starts_with("/no/")),
            "{routes:?}"
        );
        // timed: one observation per request of the route
        let timed = [("method", "GET"), ("route", "/v1.0/leads")];
        assert_eq!(
            after.count(DURATION, &timed) - before.count(DURATION, &timed),
            4
        );
        // the scrape itself is a request like any other
        assert!(after.value(REQUESTS, &[("route", "/metrics"), ("status", "200")]) >= 1.0);
        assert!(after.has("openhouse_http_requests_in_flight", &[]));
    }
);

both!(
    the_store_reports_its_queue_index_pools_and_jobs,
    with_token(),
    |app: TestApp| async move {
        let _serial = SERIAL.lock().await;
        let t = app.team().await;
        let before = scrape(&app).await;
        for n in 0..3 {
            app.lead(&t, json!({"firstName": format!("Lead {n}")}))
                .await;
        }
        // reads of a lead by id that no cache answers: on SQLite they bypass the pools
        // (sqlite_read), and are timed all the same
        for n in 0..50 {
            app.get(&format!("/v1.0/leads/{}", 999_000 + n), &t.auth())
                .await
                .error(404, 20006);
        }
        // the index is built again (as at a start) and timed
        app.store.build_search_index().await.unwrap();
        let after = scrape(&app).await;

        // the write queue: every request write's wait is timed, the gauges say where it stands
        let request = [("priority", "request")];
        let wait = "openhouse_write_wait_seconds";
        assert!(after.count(wait, &request) >= before.count(wait, &request) + 3);
        assert!(after.has("openhouse_writes_waiting", &request));
        assert!(after.has("openhouse_writes_waiting", &[("priority", "background")]));
        assert_eq!(after.value("openhouse_writes_active", &[]), 0.0);
        assert_eq!(
            after.value("openhouse_writes_limit", &[]),
            openhouse_store::MAX_WAITING_WRITES as f64
        );

        // every statement is timed by its kind
        let q = "openhouse_db_query_duration_seconds";
        for op in ["select", "insert"] {
            assert!(
                after.count(q, &[("op", op)]) > before.count(q, &[("op", op)]),
                "{op}"
            );
        }
        let selects = after.count(q, &[("op", "select")]) - before.count(q, &[("op", "select")]);
        assert!(selects >= 50, "{selects} selects timed for 50 reads by id");
        // the pool: connections in use and idle, and its bound
        let main = [("pool", "main")];
        assert!(after.has(
            "openhouse_db_pool_connections",
            &[("pool", "main"), ("state", "in_use")]
        ));
        assert!(
            after.value(
                "openhouse_db_pool_connections",
                &[("pool", "main"), ("state", "idle")]
            ) >= 0.0
        );
        assert!(after.value("openhouse_db_pool_max_connections", &main) >= 1.0);

        // the lead search index: built in memory on both backends
        let build = "openhouse_search_index_build_seconds";
        let leads = after.value("openhouse_search_index_leads", &[]);
        assert_eq!(after.value("openhouse_search_index_ready", &[]), 1.0);
        assert!(leads >= 3.0, "{leads}");
        assert!(after.value("openhouse_search_index_teams", &[]) >= 1.0);
        assert!(after.count(build, &[]) > before.count(build, &[]));

        // the durable jobs' queues, by kind
        for kind in openhouse_store::metrics::JOB_KINDS {
            assert!(
                after.has("openhouse_jobs_pending", &[("kind", kind)]),
                "{kind}"
            );
        }
    }
);

both!(
    metrics_take_the_token,
    with_token(),
    |app: TestApp| async move {
        let _serial = SERIAL.lock().await;
        let t = app.team().await;
        for auth in [
            None,
            Some("Bearer not-the-token".to_string()),
            Some(format!("Bearer {TOKEN}x")),
            Some(format!("token {TOKEN}")),
            Some(t.auth()),
            Some(t.bearer()),
        ] {
            let r = get_metrics(&app, auth.as_deref()).await;
            r.error(401, 401);
            assert_eq!(r.headers["www-authenticate"], "Bearer", "{auth:?}");
        }
        let r = get_metrics(&app, Some(&format!("Bearer {TOKEN}"))).await;
        assert_eq!(r.status, StatusCode::OK);
    }
);

both!(
    without_a_token_there_is_no_metrics_route,
    |app: TestApp| async move {
        let _serial = SERIAL.lock().await;
        get_metrics(&app, None).await.error(404, NOT_FOUND);
        get_metrics(&app, Some(&format!("Bearer {TOKEN}")))
            .await
            .error(404, NOT_FOUND);
    }
);

both!(
    the_metrics_listener_serves_them_alone,
    Settings {
        metrics: MetricsConfig {
            own_listener: true,
            token: None,
        },
        ..roomy()
    },
    |app: TestApp| async move {
        let _serial = SERIAL.lock().await;
        // not on the main listener
        get_metrics(&app, None).await.error(404, NOT_FOUND);
        let own = openhouse_server::metrics::router(app.state.clone());
        let call = |uri: &str| {
            own.clone()
                .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
        };
        let r = call("/metrics").await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let text = http_body_util::BodyExt::collect(r.into_body())
            .await
            .unwrap()
            .to_bytes();
        let s = Scrape::parse(std::str::from_utf8(&text).unwrap());
        assert!(s.has("openhouse_writes_limit", &[]));
        // nothing else is served there
        let r = call("/v1.0/leads").await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        // a token, when set, is required there too
        let guarded = app.with_settings(&Settings {
            metrics: MetricsConfig {
                own_listener: true,
                token: Some(TOKEN.into()),
            },
            ..roomy()
        });
        get_metrics(&guarded, Some(&format!("Bearer {TOKEN}")))
            .await
            .error(404, NOT_FOUND);
        let own = openhouse_server::metrics::router(guarded.state.clone());
        let r = own
            .clone()
            .oneshot(
                Request::builder()
                    .uri("/metrics")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let r = own
            .oneshot(
                Request::builder()
                    .uri("/metrics")
                    .header("Authorization", format!("Bearer {TOKEN}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
);

/// A webhook receiver on 127.0.0.1 that answers every delivery 200; its URL.
async fn receiver() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let app = axum::Router::new().fallback(|| async { "ok" });
    tokio::spawn(async move { axum::serve(l, app).await });
    format!("http://127.0.0.1:{port}/hook")
}

isolated!(
    the_webhook_queue_and_its_attempts_are_counted,
    Settings {
        webhooks: openhouse_server::webhooks::WebhookConfig {
            allow_private: true,
            poll: std::time::Duration::from_millis(100),
            ..Default::default()
        },
        ..with_token()
    },
    |app: TestApp| async move {
        let _serial = SERIAL.lock().await;
        let t = app.team().await;
        let url = receiver().await;
        app.post(
            "/v1.0/webhook",
            &t.auth(),
            json!({"listId": 2, "callbackUrl": url}),
        )
        .await
        .ok();
        let pending = [("kind", openhouse_store::webhooks::KIND)];
        let done = [
            ("kind", openhouse_store::webhooks::KIND),
            ("outcome", "done"),
        ];
        let attempts = "openhouse_job_attempts_total";
        let before = scrape(&app).await;
        app.lead(&t, json!({"firstName": "Hooked"})).await;
        // the change becomes a delivery job: the queue holds it
        let rules = app.state.webhooks.config.rules;
        let now = openhouse_domain::time::now_ms();
        assert!(app.store.dispatch_events(500, rules, now).await.unwrap() >= 1);
        let queued = scrape(&app).await;
        assert_eq!(queued.value("openhouse_jobs_pending", &pending), 1.0);
        // delivered by the workers: the attempt is counted done and timed, the queue empties
        let _workers = openhouse_server::webhooks::worker::spawn(
            app.store.clone(),
            app.state.webhooks.clone(),
        );
        let mut after = scrape(&app).await;
        for _ in 0..100 {
            // (the gauge is read before the counters in a scrape: a delivery recorded between
            // the two shows as both done and pending, until the next scrape)
            if after.value(attempts, &done) > before.value(attempts, &done)
                && after.value("openhouse_jobs_pending", &pending) == 0.0
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            after = scrape(&app).await;
        }
        assert_eq!(
            after.value(attempts, &done) - before.value(attempts, &done),
            1.0
        );
        let timed = "openhouse_webhook_attempt_duration_seconds";
        assert_eq!(after.count(timed, &[]) - before.count(timed, &[]), 1);
        assert_eq!(after.value("openhouse_jobs_pending", &pending), 0.0);
    }
);
