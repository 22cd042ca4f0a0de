//! Values at the edges of their types: every time a client sends lies in the years 1900–9999,
//! and no arithmetic on a client's number can overflow past a check. Each refusal is a 400 with
//! `{"code", "message"}` naming the field, and stores nothing.

mod common;

use common::*;
use serde_json::{Value, json};

/// 10000-01-01 00:00:00 UTC: one millisecond after the last one accepted.
const YEAR_10000_MS: i64 = 253_402_300_800_000;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[track_caller]
fn refused(r: &Reply, field: &str) {
    r.error(400, 20012);
    let msg = r.body["message"].as_str().unwrap();
    assert!(msg.contains(field), "{field} named in: {msg}");
}

both!(task_deadlines_out_of_range, |app: TestApp| async move {
    let t = app.team().await;
    let lead = app.lead(&t, json!({"firstName": "Ann"})).await;
    for deadline in [i64::MAX, YEAR_10000_MS] {
        let r = app
            .post(
                "/v1.0/tasks",
                &t.auth(),
                json!({"leadId": lead, "type": "Call", "content": "Call", "deadline": deadline}),
            )
            .await;
        refused(&r, "deadline");
    }
    let r = app
        .get(&format!("/v1.0/tasks?leadId={lead}"), &t.auth())
        .await;
    assert_eq!(r.ok().as_array().unwrap().len(), 0, "nothing stored");
    // nor on edit
    let id = app
        .post(
            "/v1.0/tasks",
            &t.auth(),
            json!({"leadId": lead, "type": "Call", "content": "Call", "deadline": now_ms() + 60_000}),
        )
        .await
        .ok()["taskId"]
        .as_i64()
        .unwrap();
    let before = app.get(&format!("/v1.0/tasks/{id}"), &t.auth()).await;
    let r = app
        .put(
            &format!("/v1.0/tasks/{id}"),
            &t.auth(),
            json!({"deadline": i64::MAX}),
        )
        .await;
    refused(&r, "deadline");
    let after = app.get(&format!("/v1.0/tasks/{id}"), &t.auth()).await;
    assert_eq!(after.ok(), before.ok());
    assert!(!after.body["deadline"].as_str().unwrap().is_empty());
});

both!(appointment_times_out_of_range, |app: TestApp| async move {
    let t = app.team().await;
    let lead = app.lead(&t, json!({"firstName": "Ann"})).await;
    let appt = |start: Value, end: Value| {
        let mut b = json!({"type": "APPOINTMENT", "content": "Showing", "leadId": lead, "timeZoneCode": "UTC"});
        for (k, v) in [start, end].iter().flat_map(|v| v.as_object().unwrap()) {
            b[k] = v.clone();
        }
        b
    };
    let cases = [
        (
            appt(
                json!({"startAtMs": YEAR_10000_MS}),
                json!({"endAtMs": YEAR_10000_MS + 3_600_000}),
            ),
            "startAtMs",
        ),
        (
            appt(
                json!({"startAtMs": i64::MAX - 1}),
                json!({"endAtMs": i64::MAX}),
            ),
            "startAtMs",
        ),
        (
            appt(
                json!({"startAt": "10000-01-01T00:00:00Z"}),
                json!({"endAt": "10000-01-01T01:00:00Z"}),
            ),
            "startAt",
        ),
        (
            appt(
                json!({"startAtMs": now_ms() + 60_000}),
                json!({"endAtMs": i64::MAX}),
            ),
            "endAtMs",
        ),
    ];
    for (body, field) in cases {
        let r = app.post("/v2.0/calendar", &t.auth(), body.clone()).await;
        assert_eq!(r.status.as_u16(), 400, "{body}: {}", r.body);
        assert!(
            r.body["message"].as_str().unwrap().contains(field),
            "{field}: {}",
            r.body
        );
        assert!(r.body["code"].is_i64());
    }
    // nothing stored: the lead has no appointment
    app.get(&format!("/v1.0/appts?leadId={lead}"), &t.auth())
        .await
        .error(404, 20007);
    // the calendar's window is bounded the same way
    let r = app
        .get(
            &format!(
                "/v2.0/calendar?leadId={lead}&startTimeMs=0&endTimeMs={}",
                i64::MAX
            ),
            &t.auth(),
        )
        .await;
    refused(&r, "endTimeMs");
});

both!(
    commission_percentages_cannot_overflow,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app.lead(&t, json!({"firstName": "Ann"})).await;
        let line = |value: i64| json!({"payTo": 0, "payType": "OTHER", "splitPayTo": 0, "splitPayType": "OTHER", "value": value, "calculateType": "PERCENT"});
        for value in [i64::MIN, i64::MIN + 1, i64::MAX, -10_001, 10_001] {
            let r = app
                .post(
                    &format!("/v1.0/leads/{lead}/transaction"),
                    &t.auth(),
                    json!({"transactionName": "x", "commissions": {"postSplit": [line(value)]}}),
                )
                .await;
            refused(&r, "commissions.postSplit[0].value");
        }
        let r = app
            .get(&format!("/v1.0/leads/{lead}/transactions"), &t.auth())
            .await;
        assert_eq!(r.ok().as_array().unwrap().len(), 0, "nothing stored");
        // the edges themselves are percentages
        for value in [-10_000, 10_000] {
            app.post(
                &format!("/v1.0/leads/{lead}/transaction"),
                &t.auth(),
                json!({"transactionName": "x", "commissions": {"postSplit": [line(value)]}}),
            )
            .await
            .ok();
        }
        // and transaction dates are times like any other
        let r = app
            .post(
                &format!("/v1.0/leads/{lead}/transaction"),
                &t.auth(),
                json!({"transactionName": "x", "closeDate": i64::MAX}),
            )
            .await;
        refused(&r, "closeDate");
    }
);

both!(other_times_from_clients, |app: TestApp| async move {
    let t = app.team().await;
    let lead = app.lead(&t, json!({"firstName": "Ann"})).await;
    // an activity's time
    let r = app
        .post(
            &format!("/v1.0/leads/{lead}/activity"),
            &t.auth(),
            json!({"type": "Search", "created": i64::MAX, "link": "https://example.com/p/1", "picture": "https://example.com/1.jpg", "text": "x"}),
        )
        .await;
    refused(&r, "created");
    // the communication window
    let r = app
        .post(
            "/v1.0/agent/communication",
            &t.auth(),
            json!({"type": "CALL", "startTime": i64::MAX - 1, "endTime": i64::MAX}),
        )
        .await;
    refused(&r, "startTime");
    // the system log's bounds (-1 still means none)
    let r = app
        .get(
            &format!(
                "/v1.0/systemLogs?leadId={lead}&startTime=-1&endTime={}",
                i64::MAX
            ),
            &t.auth(),
        )
        .await;
    refused(&r, "endTime");
    app.get(
        &format!("/v1.0/systemLogs?leadId={lead}&startTime=-1&endTime=-1"),
        &t.auth(),
    )
    .await
    .ok();
    // the lead searches' minimum times
    for q in [
        format!("leadCreateTime={}", i64::MAX),
        "leadCreateTime=10000-01-01%2000:00:00".to_string(),
    ] {
        let r = app
            .get(&format!("/v1.0/leads/createTime?{q}"), &t.auth())
            .await;
        refused(&r, "leadCreateTime");
    }
    let r = app
        .get(
            &format!("/v1.0/leads/updateTime?leadUpdateTime={}", i64::MIN),
            &t.auth(),
        )
        .await;
    refused(&r, "leadUpdateTime");
    // a birthday
    let r = app
        .post(
            "/v1.0/leads",
            &t.auth(),
            json!({"firstName": "Old", "birthday": "Jun 5, 1850"}),
        )
        .await;
    refused(&r, "birthday");
    let r = app
        .put(
            &format!("/v1.0/leads/{lead}"),
            &t.auth(),
            json!({"birthday": "Jun 5, 10000"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.body);
    let shown = app.get(&format!("/v1.0/leads/{lead}"), &t.auth()).await;
    assert!(shown.ok().get("birthday").is_none_or(Value::is_null));
});
