//! Manual logs of calls, emails and texts through the HTTP API.

mod common;

use std::collections::HashSet;

use common::*;
use serde_json::{Value, json};

both!(
    logs_round_trip_and_touch_the_lead,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app.lead(&t, json!({"firstName": "A"})).await;
        let quiet = app.lead(&t, json!({"firstName": "Quiet"})).await;
        let before = app
            .get(&format!("/v1.0/leads/{lead}"), &t.auth())
            .await
            .body;
        assert!(before.get("lastTouch").is_none());
        let r = app
        .post("/v1.0/logType", &t.auth(), json!({"leadId": lead, "logType": "logCall", "content": "Talked about Austin",
            "leadPhoneNumber": "5865865860", "callingOutcome": "Talked", "outboundOrInbound": "inbound", "isPin": true}))
        .await;
        let call = r.ok()["logType"].clone();
        assert_eq!(call["logType"], "logCall");
        assert_eq!(call["callingOutcome"], "Talked");
        assert_eq!(call["outboundOrInbound"], "inbound");
        assert_eq!(call["agentId"], t.user_id);
        let id = call["id"].as_i64().unwrap();
        let got = app.get(&format!("/v1.0/logType/{id}"), &t.auth()).await;
        assert_eq!(got.ok(), &call);
        let email = app
            .post(
                "/v1.0/logType",
                &t.auth(),
                json!({"leadId": lead, "logType": "logEmail", "content": "Sent listings",
            "emailSubject": "Listings", "toEmail": "a@example.com", "callingOutcome": "Talked"}),
            )
            .await;
        let email = email.ok()["logType"].clone();
        assert_eq!(
            email["outboundOrInbound"], "outbound",
            "outbound by default"
        );
        assert_eq!(email["emailSubject"], "Listings");
        assert!(
            email.get("callingOutcome").is_none(),
            "an outcome is for calls"
        );
        // the lead was touched: contacted, last touch, and the LastCall order
        let after = app
            .get(&format!("/v1.0/leads/{lead}"), &t.auth())
            .await
            .body;
        assert!(after["lastTouch"].is_string());
        let contacted = app.get("/v1.0/leads?contacted=true", &t.auth()).await;
        let ids: Vec<i64> = contacted.ok()["leads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["leadId"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [lead]);
        for sort in ["LastCall", "LastEmail", "LastContact", "Communication"] {
            let r = app
                .get(&format!("/v1.0/leads?sort={sort}"), &t.auth())
                .await;
            let ids: Vec<i64> = r.ok()["leads"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["leadId"].as_i64().unwrap())
                .collect();
            assert_eq!(ids, [lead, quiet], "{sort}");
        }
        // the list is per channel
        let calls = app
            .get(
                &format!("/v1.0/logType?leadId={lead}&logType=logCall"),
                &t.auth(),
            )
            .await;
        assert_eq!(calls.ok().as_array().unwrap().len(), 1);
        let texts = app
            .get(
                &format!("/v1.0/logType?leadId={lead}&logType=logText&offset=0&limit=10"),
                &t.auth(),
            )
            .await;
        assert_eq!(texts.ok().as_array().unwrap().len(), 0);
        // delete: gone
        app.delete(&format!("/v1.0/logType/{id}"), &t.auth())
            .await
            .ok();
        app.get(&format!("/v1.0/logType/{id}"), &t.auth())
            .await
            .error(404, 20007);
        let calls = app
            .get(
                &format!("/v1.0/logType?leadId={lead}&logType=logCall"),
                &t.auth(),
            )
            .await;
        assert_eq!(calls.ok().as_array().unwrap().len(), 0);
    }
);

both!(log_validation_and_isolation, |app: TestApp| async move {
    let t = app.team().await;
    let other = app.team().await;
    let lead = app.lead(&t, json!({"firstName": "A"})).await;
    let cases: Vec<(Value, i64)> = vec![
        (
            json!({"leadId": lead, "logType": "logCall", "content": "no number"}),
            20012,
        ),
        (
            json!({"leadId": lead, "logType": "logCall", "content": "x", "leadPhoneNumber": "1".repeat(21)}),
            20043,
        ),
        (
            json!({"leadId": lead, "logType": "logFax", "content": "x"}),
            20012,
        ),
        (
            json!({"leadId": lead, "logType": "logText", "content": "  "}),
            20012,
        ),
        (
            json!({"leadId": lead, "logType": "logText", "content": "x", "outboundOrInbound": "sideways"}),
            20012,
        ),
        (
            json!({"leadId": lead, "logType": "logCall", "content": "x", "leadPhoneNumber": "1", "callingOutcome": "Maybe"}),
            20012,
        ),
        (json!({"logType": "logText", "content": "x"}), 20012),
    ];
    for (body, code) in cases {
        let r = app.post("/v1.0/logType", &t.auth(), body.clone()).await;
        assert_eq!(r.status.as_u16(), 400, "{body}: {}", r.body);
        assert_eq!(r.body["code"], code, "{body}: {}", r.body);
    }
    app.post(
        "/v1.0/logType",
        &t.auth(),
        json!({"leadId": 4242, "logType": "logText", "content": "x"}),
    )
    .await
    .error(404, 20006);
    let long = app
        .post(
            "/v1.0/logType",
            &t.auth(),
            json!({"leadId": lead, "logType": "logText", "content": "y".repeat(6000)}),
        )
        .await;
    let long = long.ok()["logType"].clone();
    assert_eq!(long["content"].as_str().unwrap().len(), 5000);
    let id = long["id"].as_i64().unwrap();
    app.get(
        &format!("/v1.0/logType?leadId={lead}&logType=logText&limit=0"),
        &t.auth(),
    )
    .await
    .error(400, 20042);
    app.get(
        &format!("/v1.0/logType?leadId={lead}&logType=logText&limit=1001"),
        &t.auth(),
    )
    .await
    .error(400, 20042);
    app.get(
        &format!("/v1.0/logType?leadId={lead}&logType=nope"),
        &t.auth(),
    )
    .await
    .error(400, 20012);
    app.get(&format!("/v1.0/logType/{id}"), &other.auth())
        .await
        .error(404, 20007);
    app.delete(&format!("/v1.0/logType/{id}"), &other.auth())
        .await
        .error(404, 20007);
    app.get(
        &format!("/v1.0/logType?leadId={lead}&logType=logText"),
        &other.auth(),
    )
    .await
    .error(404, 20006);
    app.post(
        "/v1.0/logType",
        &other.auth(),
        json!({"leadId": lead, "logType": "logText", "content": "x"}),
    )
    .await
    .error(404, 20006);
    app.get(&format!("/v1.0/logType/{id}"), &t.auth())
        .await
        .ok();
});

both!(
    paging_by_offset_and_by_current_id_over_thousands,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app.lead(&t, json!({"firstName": "Chatty"})).await;
        let app = std::sync::Arc::new(app);
        let mut all = Vec::new();
        // 2,400 texts, eight writers at a time
        for chunk in 0..300 {
            let mut batch = Vec::new();
            for i in 0..8 {
                let app = app.clone();
                let t = t.clone();
                batch.push(tokio::spawn(async move {
                let r = app.post("/v1.0/logType", &t.auth(), json!({"leadId": lead, "logType": "logText", "content": format!("m{chunk}-{i}")})).await;
                r.ok()["logType"]["id"].as_i64().unwrap()
            }));
            }
            for b in batch {
                all.push(b.await.unwrap());
            }
        }
        all.sort();
        let page_ids = |v: &Value| -> Vec<i64> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_i64().unwrap())
                .collect()
        };
        // by currentId: every entry once, in id order, while more are added
        let mut seen = Vec::new();
        let mut current = 0;
        let mut added = HashSet::new();
        loop {
            let r = app
                .get(
                    &format!(
                        "/v1.0/logType?leadId={lead}&logType=logText&limit=1000&currentId={current}"
                    ),
                    &t.auth(),
                )
                .await;
            let ids = page_ids(r.ok());
            if ids.is_empty() {
                break;
            }
            current = *ids.last().unwrap();
            seen.extend(ids);
            if added.len() < 3 {
                let r = app
                    .post(
                        "/v1.0/logType",
                        &t.auth(),
                        json!({"leadId": lead, "logType": "logText", "content": "late"}),
                    )
                    .await;
                added.insert(r.ok()["logType"]["id"].as_i64().unwrap());
            }
        }
        let unique: HashSet<i64> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "an entry was served twice");
        assert!(
            all.iter().all(|id| unique.contains(id)),
            "an entry was skipped"
        );
        assert!(
            added.iter().all(|id| unique.contains(id)),
            "entries added during the walk are reached"
        );
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "in id order");
        // by offset: the same order
        let r = app
            .get(
                &format!("/v1.0/logType?leadId={lead}&logType=logText&offset=1000&limit=500"),
                &t.auth(),
            )
            .await;
        assert!(page_ids(r.ok()) == seen[1000..1500], "offset page");
        let r = app
            .get(
                &format!("/v1.0/logType?leadId={lead}&logType=logText"),
                &t.auth(),
            )
            .await;
        assert!(page_ids(r.ok()) == seen[0..10], "10 by default");
    }
);
