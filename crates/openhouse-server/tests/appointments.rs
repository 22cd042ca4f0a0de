//! Appointments (`GET /v1.0/appts`) and the calendar (`/v2.0/calendar`) through which they and
//! tasks are made, changed, finished and deleted.

mod common;

use std::collections::BTreeSet;

use axum::http::Method;
use common::*;
use openhouse_domain::auth::{CredentialKind, Role};
use openhouse_domain::time;
use serde_json::{Value, json};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Midnight UTC, `days` days from today.
fn midnight_utc(days: i64) -> i64 {
    (now_ms() / DAY + days) * DAY
}

fn iso(ms: i64, zone: &str) -> String {
    time::format_iso_in(ms, time::parse_zone("zone", zone).unwrap())
}

/// An ISO time for a query string (`+` would read as a space).
fn iso_q(ms: i64, zone: &str) -> String {
    iso(ms, zone).replace('+', "%2B")
}

fn numeric(calendar_id: &str) -> i64 {
    calendar_id.split('-').next().unwrap().parse().unwrap()
}

fn is_v1_time(v: &Value) -> bool {
    let s = v.as_str().unwrap_or("");
    s.len() == 19 && s.as_bytes()[10] == b' ' && s.as_bytes()[4] == b'-' && s.as_bytes()[13] == b':'
}

async fn create(app: &TestApp, auth: &str, body: Value) -> String {
    let r = app.post("/v2.0/calendar", auth, body).await;
    r.ok()["data"]["id"].as_str().expect("data.id").to_string()
}

fn appointment(lead: i64, content: &str, start: i64, end: i64) -> Value {
    json!({"type": "APPOINTMENT", "content": content, "leadId": lead, "startAtMs": start, "endAtMs": end, "timeZoneCode": "UTC"})
}

fn task(lead: i64, content: &str, start: i64, end: i64) -> Value {
    json!({"type": "TASK", "content": content, "leadId": lead, "startAtMs": start, "endAtMs": end, "timeZoneCode": "UTC", "taskWay": "Call"})
}

/// What `GET /v1.0/appts` answers: the lead's next appointment, or none (404).
async fn appts(app: &TestApp, auth: &str, lead: i64) -> Vec<Value> {
    let r = app.get(&format!("/v1.0/appts?leadId={lead}"), auth).await;
    if r.status.as_u16() == 404 && r.body["code"] == 20007 {
        return Vec::new();
    }
    vec![r.ok().clone()]
}

/// The one element of a list.
#[track_caller]
fn one(mut v: Vec<Value>) -> Value {
    assert_eq!(v.len(), 1, "{v:?}");
    v.remove(0)
}

/// The `data` of a calendar page.
async fn calendar(app: &TestApp, auth: &str, query: &str) -> Value {
    app.get(&format!("/v2.0/calendar?{query}"), auth).await.ok()["data"].clone()
}

fn item_ids(data: &Value) -> Vec<String> {
    data["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

async fn action(app: &TestApp, auth: &str, calendar_id: &str, what: &str) -> Reply {
    app.call(
        Method::POST,
        &format!("/v2.0/calendar/{calendar_id}/{what}"),
        auth,
        None,
    )
    .await
}

async fn log_kinds(app: &TestApp, auth: &str, lead: i64) -> Vec<String> {
    let r = app
        .get(&format!("/v1.0/systemLogs?leadId={lead}"), auth)
        .await;
    r.ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["timelineTypeDesc"].as_str().unwrap().to_string())
        .collect()
}

both!(
    appointments_made_through_the_calendar,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app
            .lead(&t, json!({"firstName": "Ann", "lastName": "Lee"}))
            .await;
        let start = midnight_utc(3) + 17 * HOUR;
        let end = start + HOUR;
        let r = app
        .post(
            "/v2.0/calendar",
            &t.auth(),
            json!({"type": "appointment", "content": "Showing at Elm St", "leadId": lead, "startAt": iso(start, "America/Los_Angeles"),
                   "endAt": iso(end, "America/Los_Angeles"), "timeZoneCode": "America/Los_Angeles", "address": "12 Elm St"}),
        )
        .await;
        let data = r.ok()["data"].clone();
        assert_eq!(data["type"], "APPOINTMENT");
        assert!(data["message"].as_str().is_some_and(|m| !m.is_empty()));
        let cid = data["id"].as_str().unwrap().to_string();
        assert!(cid.ends_with("-appointment"), "{cid}");
        let id = numeric(&cid);

        let list = appts(&app, &t.auth(), lead).await;
        assert_eq!(list.len(), 1);
        let a = &list[0];
        let keys: BTreeSet<&str> = a.as_object().unwrap().keys().map(String::as_str).collect();
        let want: BTreeSet<&str> = [
            "address",
            "allDay",
            "assignRoleType",
            "assignToUid",
            "createTime",
            "creatorId",
            "deadline",
            "deleteFlag",
            "descr",
            "endTime",
            "finishFlag",
            "id",
            "lastUpdate",
            "leadId",
            "overdue",
        ]
        .into_iter()
        .collect();
        assert_eq!(
            keys, want,
            "every field but finishTime, which an open appointment has not"
        );
        assert_eq!(a["id"], id);
        assert_eq!(a["descr"], "Showing at Elm St");
        assert_eq!(a["address"], "12 Elm St");
        assert_eq!(a["deadline"], start);
        assert_eq!(a["endTime"], end);
        assert_eq!(a["allDay"], false);
        assert_eq!(a["finishFlag"], false);
        assert_eq!(a["deleteFlag"], false);
        assert_eq!(a["overdue"], false);
        assert_eq!(a["leadId"], lead);
        assert_eq!(
            a["assignToUid"], t.user_id,
            "a lead without an agent: the caller"
        );
        assert_eq!(a["assignRoleType"], 1);
        assert_eq!(a["creatorId"], t.user_id);
        assert!(
            is_v1_time(&a["createTime"]) && is_v1_time(&a["lastUpdate"]),
            "{a}"
        );

        // an appointment is not a task, and does not count as one
        app.get(&format!("/v1.0/tasks/{id}"), &t.auth())
            .await
            .error(404, 20007);
        app.put(
            &format!("/v1.0/tasks/{id}"),
            &t.auth(),
            json!({"content": "x"}),
        )
        .await
        .error(404, 20007);
        app.delete(&format!("/v1.0/tasks/{id}"), &t.auth())
            .await
            .error(404, 20007);
        assert!(
            app.get(&format!("/v1.0/tasks?leadId={lead}"), &t.auth())
                .await
                .ok()
                .as_array()
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            appts(&app, &t.auth(), lead).await[0]["descr"],
            "Showing at Elm St"
        );
        let with_task = app.lead(&t, json!({"firstName": "HasTask"})).await;
        let newest = app.lead(&t, json!({"firstName": "HasAppointment"})).await;
        create(&app, &t.auth(), appointment(newest, "Coffee", start, end)).await;
        create(&app, &t.auth(), task(with_task, "Call", start, end)).await;
        let r = app.get("/v1.0/leads?sort=Task&desc=true", &t.auth()).await;
        let order: Vec<i64> = r.ok()["leads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["leadId"].as_i64().unwrap())
            .collect();
        assert_eq!(
            order[0], with_task,
            "only tasks count for the Task order: {order:?}"
        );

        // all day: both midnight at the offsets they declare, whatever the zone
        let shanghai_midnight = midnight_utc(5) - 8 * HOUR;
        let body = json!({"type": "APPOINTMENT", "content": "Open house", "leadId": lead, "startAt": iso(shanghai_midnight, "Asia/Shanghai"),
                      "endAt": iso(shanghai_midnight + DAY, "Asia/Shanghai"), "timeZoneCode": "America/New_York"});
        let all_day = numeric(&create(&app, &t.auth(), body).await);
        // milliseconds: midnight in timeZoneCode
        let tokyo_midnight = midnight_utc(6) - 9 * HOUR;
        let body = json!({"type": "APPOINTMENT", "content": "Tokyo day", "leadId": lead, "startAtMs": tokyo_midnight, "endAtMs": tokyo_midnight + DAY, "timeZoneCode": "Asia/Tokyo"});
        let tokyo = numeric(&create(&app, &t.auth(), body).await);
        let body = json!({"type": "APPOINTMENT", "content": "Not a day in UTC", "leadId": lead, "startAtMs": tokyo_midnight, "endAtMs": tokyo_midnight + DAY, "timeZoneCode": "UTC"});
        let not_all_day = numeric(&create(&app, &t.auth(), body).await);
        // one that starts earlier than all of them
        let early = numeric(
            &create(
                &app,
                &t.auth(),
                appointment(lead, "Early", start - HOUR, start),
            )
            .await,
        );

        // the next appointment is the open one that starts first: finishing each in turn walks
        // them all by start time
        let mut list = Vec::new();
        for _ in 0..5 {
            let next = one(appts(&app, &t.auth(), lead).await);
            let next_id = next["id"].as_i64().unwrap();
            app.post(
                &format!("/v2.0/calendar/{next_id}-appointment/finish"),
                &t.auth(),
                json!({}),
            )
            .await
            .ok();
            list.push(next);
        }
        let ids: Vec<i64> = list.iter().map(|a| a["id"].as_i64().unwrap()).collect();
        assert_eq!(
            ids,
            [early, id, all_day, tokyo, not_all_day],
            "by start time"
        );
        let last = one(appts(&app, &t.auth(), lead).await);
        assert_eq!(
            last["id"], not_all_day,
            "all finished: the one that started last"
        );
        assert_eq!(last["finishFlag"], true);
        let day_of = |x: i64| list.iter().find(|a| a["id"] == x).unwrap()["allDay"].clone();
        assert_eq!(day_of(all_day), true);
        assert_eq!(day_of(tokyo), true);
        assert_eq!(day_of(not_all_day), false);
        assert_eq!(day_of(id), false);

        let kinds = log_kinds(&app, &t.auth(), lead).await;
        assert_eq!(
            kinds.iter().filter(|k| *k == "AppointmentAdded").count(),
            5,
            "{kinds:?}"
        );
    }
);

both!(calendar_tasks_are_tasks, |app: TestApp| async move {
    let t = app.team().await;
    let lead = app.lead(&t, json!({"firstName": "Bo"})).await;
    let start = midnight_utc(2) + 15 * HOUR;
    let body = json!({"type": "task", "content": "Call Bo", "leadId": lead, "startAtMs": start, "endAtMs": start + HOUR / 2, "timeZoneCode": "UTC", "taskWay": "call"});
    let cid = create(&app, &t.auth(), body).await;
    assert!(cid.ends_with("-task"), "{cid}");
    let id = numeric(&cid);
    let r = app.get(&format!("/v1.0/tasks/{id}"), &t.auth()).await;
    let v1 = r.ok();
    assert_eq!(v1["type"], "Call");
    assert_eq!(v1["content"], "Call Bo");
    assert_eq!(v1["deadline"], time::format_ms(start));
    assert_eq!(v1["assignedRole"], "Agent");
    assert_eq!(v1["assignedUserId"], t.user_id);
    assert_eq!(v1["finishFlag"], false);
    assert!(
        appts(&app, &t.auth(), lead).await.is_empty(),
        "a task is not an appointment"
    );
    let body = json!({"type": "TASK", "content": "Mail Bo", "leadId": lead, "startAtMs": start, "endAtMs": start, "timeZoneCode": "UTC", "taskWay": "Email", "assignedRole": "assistant"});
    let assistant = numeric(&create(&app, &t.auth(), body).await);
    let r = app
        .get(&format!("/v1.0/tasks/{assistant}"), &t.auth())
        .await;
    assert_eq!(r.ok()["assignedRole"], "Assistant");
    assert_eq!(r.body["type"], "Email");

    // a task made through /v1.0/tasks is on the calendar
    let r = app
        .post(
            "/v1.0/tasks",
            &t.auth(),
            json!({"leadId": lead, "type": "Text", "content": "Text Bo", "deadline": start + DAY}),
        )
        .await;
    let plain = r.ok()["taskId"].as_i64().unwrap();
    let data = calendar(
        &app,
        &t.auth(),
        &format!("leadId={lead}&startTimeMs={}", now_ms()),
    )
    .await;
    assert_eq!(data["total"], 3);
    let items = data["items"].as_array().unwrap();
    let item = items
        .iter()
        .find(|i| i["id"] == format!("{plain}-task"))
        .expect("the /v1.0 task");
    assert_eq!(item["type"], "TASK");
    assert_eq!(item["taskId"], plain);
    assert_eq!(item["content"], "Text Bo");
    assert_eq!(item["title"], "Task with Bo");
    assert_eq!(item["startAtMs"], start + DAY);
    assert_eq!(item["endAtMs"], start + DAY, "no end: the start");
    assert_eq!(item["startAt"], iso(start + DAY, "UTC"));
    assert_eq!(item["timeZoneCode"], "UTC");
    assert_eq!(item["leadId"], lead);
    assert_eq!(item["finished"], false);
    let made = items.iter().find(|i| i["id"] == cid).unwrap();
    assert_eq!(made["endAtMs"], start + HOUR / 2);

    // finishing through the calendar is finishFlag on /v1.0/tasks
    action(&app, &t.auth(), &cid, "finish").await.ok();
    let done = app
        .get(&format!("/v1.0/tasks/{id}"), &t.auth())
        .await
        .ok()
        .clone();
    assert_eq!(done["finishFlag"], true);
    assert!(done["finishTime"].is_string());
    assert_eq!(done["content"], "Call Bo");
    action(&app, &t.auth(), &cid, "finish").await.ok();
    assert_eq!(
        app.get(&format!("/v1.0/tasks/{id}"), &t.auth()).await.ok()["finishTime"],
        done["finishTime"],
        "finishing again keeps the time"
    );
    let open = calendar(
        &app,
        &t.auth(),
        &format!("leadId={lead}&startTimeMs={}", now_ms()),
    )
    .await;
    assert!(
        !item_ids(&open).contains(&cid),
        "finished entries are left out by default"
    );
    let all = calendar(
        &app,
        &t.auth(),
        &format!(
            "leadId={lead}&startTimeMs={}&includeFinished=true",
            now_ms()
        ),
    )
    .await;
    assert_eq!(
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == cid)
            .unwrap()["finished"],
        true
    );
    // unfinish clears the finish time
    action(&app, &t.auth(), &cid, "unfinish").await.ok();
    let reopened = app
        .get(&format!("/v1.0/tasks/{id}"), &t.auth())
        .await
        .ok()
        .clone();
    assert_eq!(reopened["finishFlag"], false);
    assert!(reopened.get("finishTime").is_none());
    // and finishFlag on /v1.0/tasks shows on the calendar
    app.put(
        &format!("/v1.0/tasks/{plain}"),
        &t.auth(),
        json!({"finishFlag": true}),
    )
    .await
    .ok();
    let all = calendar(
        &app,
        &t.auth(),
        &format!(
            "leadId={lead}&startTimeMs={}&includeFinished=true",
            now_ms()
        ),
    )
    .await;
    assert_eq!(
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == format!("{plain}-task"))
            .unwrap()["finished"],
        true
    );
    // a task deleted through the calendar is gone from /v1.0/tasks
    app.delete(&format!("/v2.0/calendar/{assistant}-task"), &t.auth())
        .await
        .ok();
    app.get(&format!("/v1.0/tasks/{assistant}"), &t.auth())
        .await
        .error(404, 20007);
    // and one changed through /v1.0/tasks changes on the calendar
    app.put(
        &format!("/v1.0/tasks/{id}"),
        &t.auth(),
        json!({"content": "Call Bo twice"}),
    )
    .await
    .ok();
    let open = calendar(
        &app,
        &t.auth(),
        &format!("leadId={lead}&startTimeMs={}", now_ms()),
    )
    .await;
    assert_eq!(
        open["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == cid)
            .unwrap()["content"],
        "Call Bo twice"
    );

    let kinds = log_kinds(&app, &t.auth(), lead).await;
    for k in [
        "TaskAdded",
        "TaskFinished",
        "TaskUnfinished",
        "TaskDeleted",
        "TaskEdited",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} in {kinds:?}");
    }
    assert_eq!(
        kinds.iter().filter(|k| *k == "TaskFinished").count(),
        2,
        "finishing a finished task records nothing: {kinds:?}"
    );
});

both!(
    appointments_change_finish_and_go,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app.lead(&t, json!({"firstName": "Cy"})).await;
        let other = app.lead(&t, json!({"firstName": "Di"})).await;
        let start = midnight_utc(4) + 10 * HOUR;
        let end = start + HOUR;
        let mut body = appointment(lead, "Showing", start, end);
        body["address"] = json!("1 Oak St");
        let cid = create(&app, &t.auth(), body).await;
        let one = |list: Vec<Value>| {
            assert_eq!(list.len(), 1, "{list:?}");
            list[0].clone()
        };
        // only what is sent changes
        let r = app
            .put(
                &format!("/v2.0/calendar/{cid}"),
                &t.auth(),
                json!({"content": "Second showing"}),
            )
            .await;
        assert!(r.ok()["message"].is_string());
        let a = one(appts(&app, &t.auth(), lead).await);
        assert_eq!(a["descr"], "Second showing");
        assert_eq!(a["address"], "1 Oak St");
        assert_eq!(
            (a["deadline"].as_i64(), a["endTime"].as_i64()),
            (Some(start), Some(end))
        );
        // blank fields are not applied: nothing to change
        app.put(
            &format!("/v2.0/calendar/{cid}"),
            &t.auth(),
            json!({"content": "", "address": "  ", "startAt": ""}),
        )
        .await
        .error(400, 20012);
        app.put(&format!("/v2.0/calendar/{cid}"), &t.auth(), json!({}))
            .await
            .error(400, 20012);
        // times, in either form
        let r = app
        .put(&format!("/v2.0/calendar/{cid}"), &t.auth(), json!({"startAt": iso(start + DAY, "Asia/Shanghai"), "endAtMs": end + DAY, "address": "2 Oak St"}))
        .await;
        r.ok();
        let a = one(appts(&app, &t.auth(), lead).await);
        assert_eq!(
            (a["deadline"].as_i64(), a["endTime"].as_i64()),
            (Some(start + DAY), Some(end + DAY))
        );
        assert_eq!(a["address"], "2 Oak St");
        assert_eq!(a["descr"], "Second showing");
        // all day follows the times
        let day = midnight_utc(6);
        app.put(
            &format!("/v2.0/calendar/{cid}"),
            &t.auth(),
            json!({"startAt": iso(day, "UTC"), "endAt": iso(day + DAY, "UTC")}),
        )
        .await
        .ok();
        assert_eq!(one(appts(&app, &t.auth(), lead).await)["allDay"], true);
        app.put(
            &format!("/v2.0/calendar/{cid}"),
            &t.auth(),
            json!({"endAtMs": day + 12 * HOUR}),
        )
        .await
        .ok();
        let a = one(appts(&app, &t.auth(), lead).await);
        assert_eq!(a["allDay"], false);
        assert_eq!(a["endTime"], day + 12 * HOUR);
        // refused: the end before the start, a past time, a zone that is none; nothing changes
        let before = one(appts(&app, &t.auth(), lead).await);
        for bad in [
            json!({"endAtMs": day - HOUR}),
            json!({"startAtMs": now_ms() - HOUR}),
            json!({"startAt": iso(now_ms() - HOUR, "UTC"), "content": "late"}),
            json!({"timeZoneCode": "Mars/Olympus", "content": "zone"}),
            json!({"startAt": "next tuesday"}),
            json!({"endAtMs": -1}),
        ] {
            app.put(&format!("/v2.0/calendar/{cid}"), &t.auth(), bad.clone())
                .await
                .error(400, 20012);
        }
        assert_eq!(one(appts(&app, &t.auth(), lead).await), before);
        // reminders are accepted (and not kept)
        app.put(
            &format!("/v2.0/calendar/{cid}"),
            &t.auth(),
            json!({"reminderType": "15"}),
        )
        .await
        .ok();
        // to another lead
        app.put(
            &format!("/v2.0/calendar/{cid}"),
            &t.auth(),
            json!({"leadId": 999_999}),
        )
        .await
        .error(404, 20006);
        app.put(
            &format!("/v2.0/calendar/{cid}"),
            &t.auth(),
            json!({"leadId": other}),
        )
        .await
        .ok();
        assert!(appts(&app, &t.auth(), lead).await.is_empty());
        let a = one(appts(&app, &t.auth(), other).await);
        assert_eq!(a["leadId"], other);
        assert!(
            log_kinds(&app, &t.auth(), lead)
                .await
                .contains(&"AppointmentEdited".to_string())
        );
        assert!(
            log_kinds(&app, &t.auth(), other)
                .await
                .contains(&"AppointmentEdited".to_string())
        );
        // finish, unfinish
        action(&app, &t.auth(), &cid, "finish").await.ok();
        let a = one(appts(&app, &t.auth(), other).await);
        assert_eq!(a["finishFlag"], true);
        let finished_at = a["finishTime"].as_i64().expect("finishTime in epoch ms");
        assert!((now_ms() - 60_000..=now_ms()).contains(&finished_at));
        assert_eq!(a["overdue"], false);
        action(&app, &t.auth(), &cid, "unfinish").await.ok();
        let a = one(appts(&app, &t.auth(), other).await);
        assert_eq!(a["finishFlag"], false);
        assert!(a.get("finishTime").is_none());
        // delete: gone
        let r = app
            .delete(&format!("/v2.0/calendar/{cid}"), &t.auth())
            .await;
        assert!(r.ok()["message"].is_string());
        assert!(appts(&app, &t.auth(), other).await.is_empty());
        assert_eq!(
            calendar(
                &app,
                &t.auth(),
                &format!("leadId={other}&startTimeMs=1&includeFinished=true")
            )
            .await["total"],
            0
        );
        app.delete(&format!("/v2.0/calendar/{cid}"), &t.auth())
            .await
            .error(400, 20012);
        action(&app, &t.auth(), &cid, "finish")
            .await
            .error(400, 20012);
        app.put(
            &format!("/v2.0/calendar/{cid}"),
            &t.auth(),
            json!({"content": "back"}),
        )
        .await
        .error(400, 20012);
        let kinds = log_kinds(&app, &t.auth(), other).await;
        for k in [
            "AppointmentEdited",
            "AppointmentFinished",
            "AppointmentUnfinished",
            "AppointmentDeleted",
        ] {
            assert!(kinds.iter().any(|x| x == k), "{k} in {kinds:?}");
        }
        assert!(
            log_kinds(&app, &t.auth(), lead)
                .await
                .contains(&"AppointmentAdded".to_string())
        );
    }
);

both!(calendar_lists_filter_and_page, |app: TestApp| async move {
    let t = app.team().await;
    let cy = app
        .lead(&t, json!({"firstName": "Cy", "lastName": "Doe"}))
        .await;
    let di = app.lead(&t, json!({"firstName": "Di"})).await;
    let base = midnight_utc(10);
    let mut cy_ids = Vec::new();
    for i in 0..3 {
        cy_ids.push(
            create(
                &app,
                &t.auth(),
                appointment(
                    cy,
                    &format!("appointment {i}"),
                    base + i * HOUR,
                    base + i * HOUR + HOUR / 2,
                ),
            )
            .await,
        );
    }
    for i in 3..5 {
        cy_ids.push(
            create(
                &app,
                &t.auth(),
                task(
                    cy,
                    &format!("task {i}"),
                    base + i * HOUR,
                    base + i * HOUR + HOUR / 2,
                ),
            )
            .await,
        );
    }
    let di_id = create(
        &app,
        &t.auth(),
        appointment(di, "di", base + 10 * HOUR, base + 11 * HOUR),
    )
    .await;
    let later = create(
        &app,
        &t.auth(),
        appointment(cy, "later", base + 5 * DAY, base + 5 * DAY + HOUR),
    )
    .await;
    let window = format!("startTimeMs={base}&endTimeMs={}", base + DAY);

    // without leadId: the caller's entries, latest start first
    let mine = calendar(&app, &t.auth(), &window).await;
    assert_eq!(mine["total"], 6);
    assert_eq!(mine["page"], 0);
    assert_eq!(mine["pageSize"], 20);
    let mut expected: Vec<String> = cy_ids.iter().rev().cloned().collect();
    expected.insert(0, di_id.clone());
    assert_eq!(item_ids(&mine), expected);
    // one lead's, oldest first
    let data = calendar(&app, &t.auth(), &format!("{window}&leadId={cy}&desc=false")).await;
    assert_eq!(item_ids(&data), cy_ids);
    let first = &data["items"][0];
    assert_eq!(first["title"], "Appointment with Cy Doe");
    assert_eq!(first["type"], "APPOINTMENT");
    assert_eq!(first["startAtMs"], base);
    assert_eq!(first["endAtMs"], base + HOUR / 2);
    assert_eq!(first["startAt"], iso(base, "UTC"));
    assert_eq!(first["taskId"], numeric(&cy_ids[0]));
    // pages
    let data = calendar(
        &app,
        &t.auth(),
        &format!("{window}&leadId={cy}&desc=false&page=1&pageSize=2&sort=startTime"),
    )
    .await;
    assert_eq!(item_ids(&data), cy_ids[2..4]);
    assert_eq!(
        (
            data["total"].as_i64(),
            data["page"].as_i64(),
            data["pageSize"].as_i64()
        ),
        (Some(5), Some(1), Some(2))
    );
    let data = calendar(
        &app,
        &t.auth(),
        &format!("{window}&leadId={cy}&page=9&pageSize=2"),
    )
    .await;
    assert!(item_ids(&data).is_empty());
    assert_eq!(data["total"], 5);
    // ISO bounds with an offset; an entry is in the window when it overlaps it
    let data = calendar(
        &app,
        &t.auth(),
        &format!(
            "leadId={cy}&startTime={}&endTime={}&desc=false",
            iso_q(base + HOUR / 4, "Asia/Shanghai"),
            iso_q(base + 2 * HOUR, "Asia/Shanghai")
        ),
    )
    .await;
    assert_eq!(
        item_ids(&data),
        cy_ids[0..3],
        "the first one ends inside the window"
    );
    // one bound is enough
    let data = calendar(
        &app,
        &t.auth(),
        &format!("leadId={cy}&endTimeMs={}", base + HOUR + HOUR / 2),
    )
    .await;
    assert_eq!(item_ids(&data), [cy_ids[1].clone(), cy_ids[0].clone()]);
    let data = calendar(
        &app,
        &t.auth(),
        &format!("leadId={cy}&startTimeMs={}", base + 4 * DAY),
    )
    .await;
    assert_eq!(item_ids(&data), [later]);
    // times shown in the zone asked for
    let data = calendar(
        &app,
        &t.auth(),
        &format!("{window}&leadId={cy}&desc=false&timeZoneCode=Asia/Tokyo"),
    )
    .await;
    assert_eq!(data["items"][0]["startAt"], iso(base, "Asia/Tokyo"));
    assert!(
        data["items"][0]["startAt"]
            .as_str()
            .unwrap()
            .ends_with("+09:00")
    );
    assert_eq!(data["items"][0]["timeZoneCode"], "Asia/Tokyo");
    // finished ones only when asked
    action(&app, &t.auth(), &cy_ids[0], "finish").await.ok();
    assert_eq!(
        calendar(&app, &t.auth(), &format!("{window}&leadId={cy}")).await["total"],
        4
    );
    let data = calendar(
        &app,
        &t.auth(),
        &format!("{window}&leadId={cy}&includeFinished=true&desc=false"),
    )
    .await;
    assert_eq!(data["total"], 5);
    assert_eq!(data["items"][0]["finished"], true);
    // bad parameters
    for (query, code) in [
        (format!("leadId={cy}"), 20012),
        (format!("{window}&pageSize=501"), 20042),
        (format!("{window}&pageSize=0"), 20042),
        (format!("{window}&page=-1"), 20012),
        (format!("{window}&sort=content"), 20012),
        (format!("{window}&timeZoneCode=Nowhere/City"), 20012),
        ("startTime=yesterday".to_string(), 20012),
        ("startTime=2030-01-01T00:00:00".to_string(), 20012),
        (format!("startTimeMs={}&endTimeMs={base}", base + 1), 20012),
        ("startTimeMs=-4".to_string(), 20012),
        (format!("{window}&includeFinished=maybe"), 20012),
        (format!("{window}&leadId=abc"), 20012),
    ] {
        let r = app.get(&format!("/v2.0/calendar?{query}"), &t.auth()).await;
        r.error(400, code);
    }
    // a trashed lead's entries are on no calendar
    app.delete(&format!("/v1.0/leads/{di}?reason=gone"), &t.auth())
        .await
        .ok();
    let mine = calendar(&app, &t.auth(), &window).await;
    assert_eq!(mine["total"], 4);
    assert!(!item_ids(&mine).contains(&di_id));
    app.get(&format!("/v2.0/calendar?{window}&leadId={di}"), &t.auth())
        .await
        .error(404, 20006);
    app.get(&format!("/v1.0/appts?leadId={di}"), &t.auth())
        .await
        .error(404, 20006);
    app.put(
        &format!("/v2.0/calendar/{di_id}"),
        &t.auth(),
        json!({"content": "x"}),
    )
    .await
    .error(400, 20012);
});

both!(
    invalid_calendar_requests_store_nothing,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app.lead(&t, json!({"firstName": "Ed"})).await;
        let start = midnight_utc(2) + 9 * HOUR;
        let good = json!({"type": "APPOINTMENT", "content": "Tour", "leadId": lead, "startAt": iso(start, "America/Chicago"),
                      "endAt": iso(start + HOUR, "America/Chicago"), "timeZoneCode": "America/Chicago", "address": "5 Pine"});
        let with = |key: &str, v: Value| {
            let mut b = good.clone();
            b[key] = v;
            b
        };
        let without = |key: &str| {
            let mut b = good.clone();
            b.as_object_mut().unwrap().remove(key);
            b
        };
        let past = now_ms() - HOUR;
        let cases: Vec<(Value, i64)> = vec![
            (with("type", json!("MEETING")), 20012),
            (without("type"), 20012),
            (with("content", json!("   ")), 20012),
            (without("content"), 20012),
            (without("leadId"), 20012),
            (with("leadId", json!("abc")), 20012),
            (without("timeZoneCode"), 20012),
            (with("timeZoneCode", json!("Mars/Olympus")), 20012),
            (with("timeZoneCode", json!("")), 20012),
            (with("startAt", json!(iso(past, "UTC"))), 20012),
            (with("endAt", json!(iso(past, "UTC"))), 20012),
            (with("endAt", json!(iso(start - 1000, "UTC"))), 20012),
            (with("startAt", json!("2030-03-01T14:00:00")), 20012),
            (with("startAt", json!("tomorrow")), 20012),
            (without("startAt"), 20012),
            (without("endAt"), 20012),
            (with("startAt", json!(null)), 20012),
            (
                json!({"type": "TASK", "content": "c", "leadId": lead, "startAtMs": -5, "endAtMs": start, "timeZoneCode": "UTC", "taskWay": "Call"}),
                20012,
            ),
            (
                json!({"type": "TASK", "content": "c", "leadId": lead, "startAtMs": start, "endAtMs": start, "timeZoneCode": "UTC"}),
                20012,
            ),
            (
                json!({"type": "TASK", "content": "c", "leadId": lead, "startAtMs": start, "endAtMs": start, "timeZoneCode": "UTC", "taskWay": "Visit"}),
                20012,
            ),
            (
                json!({"type": "TASK", "content": "c", "leadId": lead, "startAtMs": start, "endAtMs": start, "timeZoneCode": "UTC", "taskWay": "Call", "assignedRole": "Boss"}),
                20012,
            ),
            (
                json!({"type": "TASK", "content": "c", "leadId": lead, "startAtMs": past, "endAtMs": start, "timeZoneCode": "UTC", "taskWay": "Call"}),
                20012,
            ),
            (with("content", json!("x".repeat(5001))), 20043),
            (with("address", json!("x".repeat(1001))), 20043),
            (json!([1, 2]), 20012),
        ];
        for (body, code) in cases {
            let r = app.post("/v2.0/calendar", &t.auth(), body.clone()).await;
            assert_eq!(r.status.as_u16(), 400, "{body}: {}", r.body);
            assert_eq!(r.body["code"], code, "{body}: {}", r.body);
            assert!(
                r.body["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{}",
                r.body
            );
        }
        app.post("/v2.0/calendar", &t.auth(), with("leadId", json!(999_999)))
            .await
            .error(404, 20006);
        // nothing was stored
        assert!(appts(&app, &t.auth(), lead).await.is_empty());
        assert!(
            app.get(&format!("/v1.0/tasks?leadId={lead}"), &t.auth())
                .await
                .ok()
                .as_array()
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            calendar(&app, &t.auth(), "startTimeMs=1&includeFinished=true").await["total"],
            0
        );
        assert_eq!(log_kinds(&app, &t.auth(), lead).await, ["LeadCreated"]);

        // composite ids: malformed, of the other kind, or of nothing
        let cid = create(&app, &t.auth(), good.clone()).await;
        let n = numeric(&cid);
        let before = appts(&app, &t.auth(), lead).await;
        for bad in [
            "abc".to_string(),
            n.to_string(),
            format!("{n}-meeting"),
            "0-task".into(),
            "-1-task".into(),
            "12x-task".into(),
            format!("{n}-task"),
            "999999-appointment".into(),
        ] {
            app.put(
                &format!("/v2.0/calendar/{bad}"),
                &t.auth(),
                json!({"content": "changed"}),
            )
            .await
            .error(400, 20012);
            app.delete(&format!("/v2.0/calendar/{bad}"), &t.auth())
                .await
                .error(400, 20012);
            action(&app, &t.auth(), &bad, "finish")
                .await
                .error(400, 20012);
            action(&app, &t.auth(), &bad, "unfinish")
                .await
                .error(400, 20012);
        }
        app.put(
            &format!("/v2.0/calendar/{cid}"),
            &t.auth(),
            json!("not an object"),
        )
        .await
        .error(400, 20012);
        assert_eq!(appts(&app, &t.auth(), lead).await, before, "unchanged");
    }
);

both!(
    calendar_entries_are_as_visible_as_their_lead,
    |app: TestApp| async move {
        let t = app.team().await;
        let other = app.team().await;
        let lead = app.lead(&t, json!({"firstName": "Fay"})).await;
        let start = midnight_utc(3) + 12 * HOUR;
        let cid = create(
            &app,
            &t.auth(),
            appointment(lead, "Mine", start, start + HOUR),
        )
        .await;
        let tid = create(&app, &t.auth(), task(lead, "My task", start, start + HOUR)).await;
        let missing = app
            .put(
                "/v2.0/calendar/123456789-appointment",
                &other.auth(),
                json!({"content": "x"}),
            )
            .await;
        missing.error(400, 20012);
        // another team: exactly what an id that does not exist gets
        for id in [&cid, &tid] {
            let r = app
                .put(
                    &format!("/v2.0/calendar/{id}"),
                    &other.auth(),
                    json!({"content": "stolen"}),
                )
                .await;
            assert_eq!((r.status, &r.body), (missing.status, &missing.body));
            let r = app
                .delete(&format!("/v2.0/calendar/{id}"), &other.auth())
                .await;
            assert_eq!((r.status, &r.body), (missing.status, &missing.body));
            for what in ["finish", "unfinish"] {
                let r = action(&app, &other.auth(), id, what).await;
                assert_eq!((r.status, &r.body), (missing.status, &missing.body));
            }
        }
        let nowhere = app
            .post(
                "/v2.0/calendar",
                &other.auth(),
                appointment(999_999, "x", start, start + HOUR),
            )
            .await;
        nowhere.error(404, 20006);
        let r = app
            .post(
                "/v2.0/calendar",
                &other.auth(),
                appointment(lead, "x", start, start + HOUR),
            )
            .await;
        assert_eq!((r.status, &r.body), (nowhere.status, &nowhere.body));
        app.get(&format!("/v1.0/appts?leadId={lead}"), &other.auth())
            .await
            .error(404, 20006);
        app.get(
            &format!("/v2.0/calendar?leadId={lead}&startTimeMs=1"),
            &other.auth(),
        )
        .await
        .error(404, 20006);
        assert_eq!(
            calendar(&app, &other.auth(), "startTimeMs=1&includeFinished=true").await["total"],
            0
        );
        let a = appts(&app, &t.auth(), lead).await;
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0]["descr"].as_str(), a[0]["finishFlag"].as_bool()),
            (Some("Mine"), Some(false))
        );

        // in the team: an agent who cannot see the lead (the admin's personal lead) cannot reach its entries
        let agent = app
            .store
            .create_user(t.team_id, "agent@example.com", "Gus", None, Role::Agent)
            .await
            .unwrap();
        let key = format!(
            "token {}",
            app.store
                .issue_credential(t.team_id, agent, CredentialKind::ApiKey)
                .await
                .unwrap()
        );
        let r = app
            .put(
                &format!("/v2.0/calendar/{cid}"),
                &key,
                json!({"content": "x"}),
            )
            .await;
        assert_eq!(
            (r.status, r.body["code"].clone(), r.body["message"].clone()),
            (
                missing.status,
                missing.body["code"].clone(),
                missing.body["message"].clone()
            )
        );
        action(&app, &key, &tid, "finish").await.error(400, 20012);
        app.get(&format!("/v1.0/appts?leadId={lead}"), &key)
            .await
            .error(404, 20006);
        app.get(&format!("/v2.0/calendar?leadId={lead}&startTimeMs=1"), &key)
            .await
            .error(404, 20006);
        // an appointment on a lead assigned to the agent is the agent's
        let theirs = app
            .lead(&t, json!({"firstName": "Hal", "assignedUserId": agent}))
            .await;
        let aid = create(
            &app,
            &t.auth(),
            appointment(theirs, "For Gus", start, start + HOUR),
        )
        .await;
        assert_eq!(appts(&app, &key, theirs).await[0]["assignToUid"], agent);
        assert_eq!(
            item_ids(&calendar(&app, &key, "startTimeMs=1").await),
            std::slice::from_ref(&aid)
        );
        let admins = item_ids(&calendar(&app, &t.auth(), "startTimeMs=1").await);
        assert!(
            !admins.contains(&aid) && admins.contains(&cid) && admins.contains(&tid),
            "{admins:?}"
        );
        action(&app, &key, &aid, "finish").await.ok();
        assert_eq!(appts(&app, &t.auth(), theirs).await[0]["finishFlag"], true);
    }
);
