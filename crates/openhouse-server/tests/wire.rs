//! Wire modes: every answer the published document shapes differently, in both modes, chosen per
//! request (`X-Openhouse-Wire`) and per server (`Settings::wire`).

mod common;

use axum::body::Body;
use axum::http::{Method, Request};
use common::*;
use openhouse_server::Settings;
use openhouse_server::wire::Wire;
use serde_json::{Value, json};

/// A request in the given wire mode.
async fn call(
    app: &TestApp,
    mode: &str,
    method: Method,
    uri: &str,
    auth: &str,
    body: Option<Value>,
) -> Reply {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header("Authorization", auth)
        .header("X-Openhouse-Wire", mode);
    let req = match body {
        Some(v) => b
            .header("Content-Type", "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => {
            b = b.header("Content-Length", "0");
            b.body(Body::empty()).unwrap()
        }
    };
    app.raw(req).await
}

async fn get_in(app: &TestApp, mode: &str, uri: &str, auth: &str) -> Reply {
    app.get_in(mode, uri, auth).await
}

fn is_rfc3339(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok())
}

fn is_shown_time(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").is_ok())
}

both!(
    lists_are_wrapped_in_published_mode,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = t.auth();
        let lead = app.lead(&t, json!({"firstName": "Ann"})).await;
        let note = app
            .post(
                "/v1.0/notes",
                &a,
                json!({"leadId": lead, "content": "hello"}),
            )
            .await
            .ok()["noteId"]
            .as_i64()
            .unwrap();
        let task = app
        .post(
            "/v1.0/tasks",
            &a,
            json!({"leadId": lead, "type": "Call", "content": "Call back", "deadline": 4_102_444_800_000_i64}),
        )
        .await
        .ok()["taskId"]
        .as_i64()
        .unwrap();
        let mut logged = Vec::new();
        for body in [
            json!({"leadId": lead, "logType": "logCall", "content": "Talked", "leadPhoneNumber": "5865865860", "callingOutcome": "Talked", "outboundOrInbound": "inbound"}),
            json!({"leadId": lead, "logType": "logEmail", "content": "Sent", "emailSubject": "Listings"}),
            json!({"leadId": lead, "logType": "logText", "content": "See you"}),
        ] {
            let r = app.post("/v1.0/logType", &a, body).await;
            logged.push(r.ok()["logType"]["id"].as_i64().unwrap());
        }
        let call_id = logged[0];
        // (path, the published document's key, the contract's answer is a list)
        let cases = [
            (format!("/v1.0/notes?leadId={lead}"), "notes", true),
            (format!("/v1.0/notes/{note}"), "note", false),
            (format!("/v1.0/tasks?leadId={lead}"), "taskList", true),
            (format!("/v1.0/tasks/{task}"), "task", false),
            (
                format!("/v1.0/logType?leadId={lead}&logType=logCall"),
                "logType",
                true,
            ),
            (format!("/v1.0/logType/{call_id}"), "logType", false),
            (format!("/v1.0/calls/{call_id}"), "calls", false),
            (
                format!("/v1.0/communication/call?leadId={lead}"),
                "calls",
                true,
            ),
            (
                format!("/v1.0/communication/call/v2?leadId={lead}"),
                "calls",
                true,
            ),
            (
                format!("/v1.0/communication/email?leadId={lead}"),
                "emails",
                true,
            ),
            (
                format!("/v1.0/communication/text?leadId={lead}"),
                "texts",
                true,
            ),
        ];
        for (path, key, list) in cases {
            let contract = get_in(&app, "contract", &path, &a).await;
            let contract = contract.ok();
            let published = get_in(&app, "published", &path, &a).await;
            let published = published.ok();
            assert_eq!(contract.is_array(), list, "{path}: {contract}");
            if list {
                assert!(
                    !contract.as_array().unwrap().is_empty(),
                    "{path}: {contract}"
                );
            }
            assert_eq!(
                published,
                &json!({ key: contract }),
                "{path}: the published answer is the contract's under {key}"
            );
            // without the header: the server's mode, the contract
            assert_eq!(app.get(&path, &a).await.ok(), contract, "{path}");
        }
        // errors keep their shape in both modes
        get_in(&app, "published", "/v1.0/notes/1", &a)
            .await
            .error(404, 20007);
        get_in(&app, "published", "/v1.0/notes?leadId=1", &a)
            .await
            .error(404, 20006);
    }
);

both!(
    appointments_are_a_list_in_published_mode,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = t.auth();
        let lead = app.lead(&t, json!({"firstName": "Ann"})).await;
        let path = format!("/v1.0/appts?leadId={lead}");
        // none: the contract's 404, the published []
        get_in(&app, "contract", &path, &a).await.error(404, 20007);
        assert_eq!(get_in(&app, "published", &path, &a).await.ok(), &json!([]));
        let start = 4_102_444_800_000_i64;
        let mut made = Vec::new();
        for (i, content) in ["First showing", "Second showing"].into_iter().enumerate() {
            let s = start + i as i64 * 86_400_000;
            let r = app
                .post(
                    "/v2.0/calendar",
                    &a,
                    json!({"type": "APPOINTMENT", "content": content, "leadId": lead,
                       "startAtMs": s, "endAtMs": s + 3_600_000, "timeZoneCode": "UTC"}),
                )
                .await;
            made.push(r.ok().to_string());
        }
        let one = get_in(&app, "contract", &path, &a).await;
        assert_eq!(one.ok()["descr"], "First showing", "the next one");
        let all = get_in(&app, "published", &path, &a).await;
        let all = all.ok().as_array().unwrap().clone();
        assert_eq!(
            all.iter().map(|x| x["descr"].clone()).collect::<Vec<_>>(),
            [json!("First showing"), json!("Second showing")],
            "every appointment, by start"
        );
        assert_eq!(all[0]["id"], one.body["id"]);
        assert!(is_shown_time(&one.body["createTime"]), "{}", one.body);
        assert!(is_rfc3339(&all[0]["createTime"]), "{}", all[0]);
        assert!(is_rfc3339(&all[0]["lastUpdate"]), "{}", all[0]);
        // a lead that does not exist stays a 404 in both modes
        get_in(&app, "published", "/v1.0/appts?leadId=1", &a)
            .await
            .error(404, 20006);
        let other = app.team().await;
        get_in(&app, "published", &path, &other.auth())
            .await
            .error(404, 20006);
    }
);

both!(
    system_logs_are_a_page_in_published_mode,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = t.auth();
        let lead = app.lead(&t, json!({"firstName": "Ann"})).await;
        for stage in ["Active", "Closed", "Active"] {
            app.put(&format!("/v1.0/leads/{lead}"), &a, json!({"stage": stage}))
                .await
                .ok();
        }
        let all = app
            .get(&format!("/v1.0/systemLogs?leadId={lead}&pageSize=1000"), &a)
            .await;
        let n = all.ok().as_array().unwrap().len();
        assert!(n >= 3, "{}", all.body);
        let page = |number: usize, size: usize| {
            format!("/v1.0/systemLogs?leadId={lead}&pageNumber={number}&pageSize={size}")
        };
        let first = get_in(&app, "published", &page(0, n - 1), &a).await;
        assert_eq!(first.ok()["hasMore"], 1);
        assert_eq!(first.ok()["timeLines"].as_array().unwrap().len(), n - 1);
        let contract = get_in(&app, "contract", &page(0, n - 1), &a).await;
        for (p, c) in first.ok()["timeLines"]
            .as_array()
            .unwrap()
            .iter()
            .zip(contract.ok().as_array().unwrap())
        {
            // the published document's ids are strings, its times ISO-8601, its content an object
            assert_eq!(p["id"], c["id"].to_string());
            assert!(
                is_rfc3339(&p["timelineTime"]) && is_rfc3339(&p["createTime"]),
                "{p}"
            );
            assert_eq!(
                chrono::DateTime::parse_from_rfc3339(p["createTime"].as_str().unwrap())
                    .unwrap()
                    .timestamp_millis(),
                c["createTime"].as_i64().unwrap()
            );
            assert!(c["content"].is_string());
            assert_eq!(
                p["content"],
                serde_json::from_str::<Value>(c["content"].as_str().unwrap()).unwrap()
            );
            assert!(p["content"].is_object(), "{p}");
            assert_eq!(p["timelineTypeDesc"], c["timelineTypeDesc"]);
        }
        let last = get_in(&app, "published", &page(1, n - 1), &a).await;
        assert_eq!(last.ok()["hasMore"], 0);
        assert_eq!(last.ok()["timeLines"].as_array().unwrap().len(), 1);
        let exact = get_in(&app, "published", &page(0, n), &a).await;
        assert_eq!(exact.ok()["hasMore"], 0, "a full last page has no more");
    }
);

both!(times_and_ids_in_published_mode, |app: TestApp| async move {
    let t = app.team().await;
    let a = t.auth();
    let lead = app
        .lead(
            &t,
            json!({"firstName": "Ann", "tags": ["Hot"],
                   "inquiry": {"priceMin": 100000, "locations": [{"city": "Austin"}]}}),
        )
        .await;
    let contract = get_in(&app, "contract", &format!("/v1.0/leads/{lead}"), &a).await;
    let published = get_in(&app, "published", &format!("/v1.0/leads/{lead}"), &a).await;
    let (c, p) = (
        &contract.ok()["leadInquiry"],
        &published.ok()["leadInquiry"],
    );
    assert!(is_shown_time(&c["createTime"]), "{c}");
    assert!(is_rfc3339(&p["createTime"]), "{p}");
    assert_eq!(
        openhouse_domain::time::shown_to_rfc3339(c["createTime"].as_str().unwrap()).as_deref(),
        p["createTime"].as_str(),
        "the same time"
    );
    assert!(is_rfc3339(&p["updateTime"]), "{p}");
    assert_eq!(p["priceMin"], c["priceMin"], "the rest as it was");
    let list = get_in(&app, "published", "/v1.0/leads", &a).await;
    assert!(is_rfc3339(
        &list.ok()["leads"][0]["leadInquiry"]["createTime"]
    ));
    let tags = get_in(&app, "published", "/v1.0/teamFeatures/listTag", &a).await;
    assert!(is_rfc3339(&tags.ok()[0]["createTime"]), "{}", tags.body);
    let tags = get_in(&app, "contract", "/v1.0/teamFeatures/listTag", &a).await;
    assert!(is_shown_time(&tags.ok()[0]["createTime"]), "{}", tags.body);

    // the supplement rule's ids: strings in the contract, numbers in the published document
    app.put(
        "/v1.0/routing/rule/supplement/1",
        &a,
        json!({"strategyType": 3, "assigneeAgentId": t.user_id}),
    )
    .await
    .ok();
    let c = get_in(&app, "contract", "/v1.0/routing/rule/supplement/1", &a).await;
    assert_eq!(c.ok()["assigneeAgentId"], t.user_id.to_string());
    let p = get_in(&app, "published", "/v1.0/routing/rule/supplement/1", &a).await;
    assert_eq!(p.ok()["assigneeAgentId"], t.user_id);
});

both!(
    writes_are_acknowledged_as_published,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = t.auth();
        let lead = app.lead(&t, json!({"firstName": "Ann"})).await;
        let activity = json!({"type": "Favorite", "created": 1_700_000_000_000_i64,
        "link": "https://example.com/p/1", "picture": "https://example.com/1.jpg", "text": "Saved 12 Elm"});
        let r = call(
            &app,
            "published",
            Method::POST,
            &format!("/v1.0/leads/{lead}/activity"),
            &a,
            Some(activity.clone()),
        )
        .await;
        assert_eq!(r.ok(), &json!({"leadId": lead}));
        let r = call(
            &app,
            "contract",
            Method::POST,
            &format!("/v1.0/leads/{lead}/activity"),
            &a,
            Some(activity),
        )
        .await;
        assert_eq!(r.ok()["text"], "Saved 12 Elm");
        // the acknowledged write is stored: both activities are there
        let lead_now = app.get(&format!("/v1.0/leads/{lead}"), &a).await;
        assert!(lead_now.ok().is_object());

        let tx = app
            .post(
                &format!("/v1.0/leads/{lead}/transaction"),
                &a,
                json!({"transactionName": "x"}),
            )
            .await
            .ok()["transactionId"]
            .as_i64()
            .unwrap();
        let address = json!({"transactionId": tx, "streetAddress": "100 W 1st St", "city": "Los Angeles",
        "state": "CA", "zipCode": "90012"});
        let r = call(
            &app,
            "published",
            Method::POST,
            &format!("/v1.0/leads/{lead}/transaction/property/address"),
            &a,
            Some(address),
        )
        .await;
        assert_eq!(r.ok(), &json!({"code": 0, "message": "success"}));
        let stored = app
            .get(
                &format!("/v1.0/leads/{lead}/transaction/{tx}/property/address"),
                &a,
            )
            .await;
        assert_eq!(stored.ok()["city"], "Los Angeles");

        let r = call(
            &app,
            "published",
            Method::POST,
            "/v1.0/teamFeatures/custom-field",
            &a,
            Some(json!({"attributeName": "Budget", "attributeType": "number", "value": "0"})),
        )
        .await;
        assert_eq!(r.ok(), &json!("success"));
        let fields = app.get("/v1.0/teamFeatures/listCustomField", &a).await;
        assert!(
            fields.body.to_string().contains("Budget"),
            "{}",
            fields.body
        );

        // a refused write is refused the same way in both modes
        call(
            &app,
            "published",
            Method::POST,
            "/v1.0/teamFeatures/custom-field",
            &a,
            Some(json!({"attributeName": "Budget", "attributeType": "nonsense", "value": "0"})),
        )
        .await
        .error(400, 20012);
    }
);

both!(a_bad_mode_is_refused, |app: TestApp| async move {
    let t = app.team().await;
    get_in(&app, "sideways", "/v1.0/leads", &t.auth())
        .await
        .error(400, 20012);
    let r = get_in(&app, "PUBLISHED", "/v1.0/leads", &t.auth()).await;
    r.ok();
});

both!(
    the_server_mode_is_the_default,
    Settings {
        wire: Wire::Published,
        ..roomy()
    },
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app.lead(&t, json!({"firstName": "Ann"})).await;
        let path = format!("/v1.0/notes?leadId={lead}");
        assert_eq!(app.get(&path, &t.auth()).await.ok(), &json!({"notes": []}));
        assert_eq!(
            get_in(&app, "contract", &path, &t.auth()).await.ok(),
            &json!([]),
            "a request still chooses for itself"
        );
        // the served document describes the server's mode
        let doc = app.get("/openapi.json", "").await;
        let schema = &doc.ok()["paths"]["/v1.0/notes"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"];
        assert_eq!(schema["type"], "object", "{schema}");
        assert!(schema["properties"]["notes"].is_object());
        let contract = app.get("/openapi/contract.json", "").await;
        let schema = &contract.ok()["paths"]["/v1.0/notes"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"];
        assert_eq!(schema["type"], "array", "{schema}");
    }
);

#[test]
fn the_published_document_differs_only_where_reshaped() {
    let contract = serde_json::to_value(openhouse_server::openapi_document()).unwrap();
    let published = openhouse_server::wire::published_document(&contract);
    let mut changed = Vec::new();
    for (path, item) in contract["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op["responses"] != published["paths"][path][method]["responses"] {
                changed.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    changed.sort();
    let mut expected: Vec<String> = openhouse_server::wire::RESHAPES
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    expected.sort();
    assert_eq!(changed, expected);
    assert_eq!(
        contract["components"], published["components"],
        "components stay shared"
    );
}

both!(
    write_only_fields_are_left_out_in_published_mode,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = t.auth();
        let lead = app
        .lead(
            &t,
            json!({"firstName": "Sam", "property": {"streetAddress": "1 Elm St", "city": "Austin",
                   "priceMin": 100000, "priceMax": 200000}}),
        )
        .await;
        let activity = json!({"type": "Favorite", "created": 1_700_000_000_000_i64, "text": "Saved 1 Elm",
        "listing": {"streetAddress": "1 Elm St", "city": "Austin", "priceMin": 1, "priceMax": 2}});
        app.post(&format!("/v1.0/leads/{lead}/activity"), &a, activity)
            .await
            .ok();
        let paths = [
            (format!("/v1.0/leads/{lead}"), "/leadPropertyList/0"),
            (
                "/v1.0/leads?limit=100".to_string(),
                "/leads/0/leadPropertyList/0",
            ),
            (format!("/v1.0/leads/{lead}/activities"), "/0/listing"),
        ];
        for (path, at) in paths {
            let c = get_in(&app, "contract", &path, &a).await;
            let c = c
                .ok()
                .pointer(at)
                .unwrap_or_else(|| panic!("{path} {at}"))
                .clone();
            assert!(
                c.get("priceMin").is_some() && c.get("priceMax").is_some(),
                "{path}: {c}"
            );
            let p = get_in(&app, "published", &path, &a).await;
            let p = p.ok().pointer(at).unwrap().clone();
            assert!(
                p.get("priceMin").is_none() && p.get("priceMax").is_none(),
                "{path}: {p}"
            );
            assert_eq!(p["city"], c["city"], "{path}: the rest stays");
        }
    }
);
