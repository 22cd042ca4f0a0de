//! Tasks through the HTTP API.

mod common;

use common::*;
use serde_json::{Value, json};

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

both!(tasks_round_trip, |app: TestApp| async move {
    let t = app.team().await;
    let lead = app.lead(&t, json!({"firstName": "Ann", "lastName": "Lee", "emails": ["ann@example.com"], "phones": ["5551234567"]})).await;
    let past = now_ms() - 3_600_000;
    let future = now_ms() + 86_400_000;
    let r = app
        .post(
            "/v1.0/tasks",
            &t.auth(),
            json!({"leadId": lead, "type": "Call", "content": "Call Ann", "deadline": past}),
        )
        .await;
    let late = r.ok()["taskId"].as_i64().unwrap();
    let later = app.post("/v1.0/tasks", &t.auth(), json!({"leadId": lead, "type": "Email", "content": "Send listings", "deadline": future, "assignedRole": "Assistant"})).await.ok()["taskId"].as_i64().unwrap();
    let task = app.get(&format!("/v1.0/tasks/{late}"), &t.auth()).await;
    let task = task.ok();
    assert_eq!(task["type"], "Call");
    assert_eq!(task["content"], "Call Ann");
    assert_eq!(task["leadId"], lead);
    assert_eq!(task["leadName"], "Ann Lee");
    assert_eq!(task["leadEmail"], "ann@example.com");
    assert_eq!(task["assignedRole"], "Agent");
    assert_eq!(
        task["assignedUserId"], t.user_id,
        "a lead without an agent: the caller"
    );
    assert_eq!(task["overdueFlag"], true);
    assert_eq!(task["finishFlag"], false);
    assert!(task.get("finishTime").is_none());
    assert_eq!(task["teamId"], t.team_id);
    let other = app
        .get(&format!("/v1.0/tasks/{later}"), &t.auth())
        .await
        .body;
    assert_eq!(other["overdueFlag"], false);
    assert_eq!(other["assignedRole"], "Assistant");
    // the lead's open-task count drives the Task sort
    let plain = app.lead(&t, json!({"firstName": "NoTasks"})).await;
    let r = app.get("/v1.0/leads?sort=Task&desc=true", &t.auth()).await;
    let order: Vec<i64> = r.ok()["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["leadId"].as_i64().unwrap())
        .collect();
    assert_eq!(order, [lead, plain]);
    // finishing records the finish time and changes nothing else
    app.put(
        &format!("/v1.0/tasks/{late}"),
        &t.auth(),
        json!({"finishFlag": true, "content": "ignored", "type": "Text"}),
    )
    .await
    .ok();
    let done = app
        .get(&format!("/v1.0/tasks/{late}"), &t.auth())
        .await
        .body;
    assert_eq!(done["finishFlag"], true);
    assert!(done["finishTime"].is_string());
    assert_eq!(done["content"], "Call Ann");
    assert_eq!(done["type"], "Call");
    assert_eq!(done["overdueFlag"], false, "a finished task is not overdue");
    // editing changes only what is sent; finishFlag false reopens
    app.put(
        &format!("/v1.0/tasks/{late}"),
        &t.auth(),
        json!({"finishFlag": false, "content": "Call Ann again"}),
    )
    .await
    .ok();
    let reopened = app
        .get(&format!("/v1.0/tasks/{late}"), &t.auth())
        .await
        .body;
    assert_eq!(reopened["finishFlag"], false);
    assert!(reopened.get("finishTime").is_none());
    assert_eq!(reopened["content"], "Call Ann again");
    assert_eq!(reopened["type"], "Call");
    assert_eq!(reopened["deadline"], task["deadline"]);
    // the list: open tasks by deadline, then finished
    app.put(
        &format!("/v1.0/tasks/{later}"),
        &t.auth(),
        json!({"finishFlag": true}),
    )
    .await
    .ok();
    let list = app
        .get(&format!("/v1.0/tasks?leadId={lead}"), &t.auth())
        .await;
    let ids: Vec<i64> = list
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [late, later]);
    // delete: gone
    app.delete(&format!("/v1.0/tasks/{late}"), &t.auth())
        .await
        .ok();
    app.get(&format!("/v1.0/tasks/{late}"), &t.auth())
        .await
        .error(404, 20007);
    let list = app
        .get(&format!("/v1.0/tasks?leadId={lead}"), &t.auth())
        .await;
    assert_eq!(list.ok().as_array().unwrap().len(), 1);
    // each change is in the lead's system log
    let logs = app
        .get(&format!("/v1.0/systemLogs?leadId={lead}"), &t.auth())
        .await;
    let kinds: Vec<String> = logs
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["timelineTypeDesc"].as_str().unwrap().to_string())
        .collect();
    for k in ["TaskAdded", "TaskFinished", "TaskEdited", "TaskDeleted"] {
        assert!(kinds.iter().any(|x| x == k), "{k} in {kinds:?}");
    }
});

both!(task_validation_and_isolation, |app: TestApp| async move {
    let t = app.team().await;
    let other = app.team().await;
    let lead = app.lead(&t, json!({"firstName": "A"})).await;
    let second = app.lead(&t, json!({"firstName": "B"})).await;
    let bad: Vec<Value> = vec![
        json!({"type": "Call"}),
        json!({"leadId": lead, "type": "Visit"}),
        json!({"leadId": lead, "assignedRole": "Boss"}),
        json!({"leadId": lead, "deadline": -5}),
        json!({"leadId": lead, "deadline": "tomorrow"}),
        json!({"leadId": lead, "content": "x".repeat(5001)}),
    ];
    for body in bad {
        let r = app.post("/v1.0/tasks", &t.auth(), body.clone()).await;
        assert_eq!(r.status.as_u16(), 400, "{body}: {}", r.body);
    }
    app.post(
        "/v1.0/tasks",
        &t.auth(),
        json!({"leadId": 999, "type": "Call"}),
    )
    .await
    .error(404, 20006);
    let task = app
        .post(
            "/v1.0/tasks",
            &t.auth(),
            json!({"leadId": lead, "content": "mine"}),
        )
        .await
        .ok()["taskId"]
        .as_i64()
        .unwrap();
    app.put(&format!("/v1.0/tasks/{task}"), &t.auth(), json!({}))
        .await
        .error(400, 20012);
    app.put(
        &format!("/v1.0/tasks/{task}"),
        &t.auth(),
        json!({"leadId": second, "content": "moved"}),
    )
    .await
    .error(400, 20012);
    app.get(&format!("/v1.0/tasks/{task}"), &other.auth())
        .await
        .error(404, 20007);
    app.put(
        &format!("/v1.0/tasks/{task}"),
        &other.auth(),
        json!({"content": "stolen"}),
    )
    .await
    .error(404, 20007);
    app.delete(&format!("/v1.0/tasks/{task}"), &other.auth())
        .await
        .error(404, 20007);
    app.get(&format!("/v1.0/tasks?leadId={lead}"), &other.auth())
        .await
        .error(404, 20006);
    let mine = app.get(&format!("/v1.0/tasks/{task}"), &t.auth()).await;
    assert_eq!(mine.ok()["content"], "mine");
    assert_eq!(mine.body["type"], "Other");
});

both!(
    tasks_finish_reopen_and_delete_as_the_calendar_does,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app.lead(&t, json!({"firstName": "Life"})).await;
        let id = app
            .post(
                "/v1.0/tasks",
                &t.auth(),
                json!({"leadId": lead, "type": "Call", "content": "Call", "deadline": now_ms() + 3_600_000}),
            )
            .await
            .ok()["taskId"]
            .as_i64()
            .unwrap();
        let kinds = || async {
            let logs = app
                .get(&format!("/v1.0/systemLogs?leadId={lead}"), &t.auth())
                .await;
            let mut v: Vec<String> = logs
                .ok()
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["timelineTypeDesc"].as_str().unwrap().to_string())
                .filter(|k| k.starts_with("Task"))
                .collect();
            v.reverse();
            v
        };
        let put = |body: Value| {
            let app = &app;
            let auth = t.auth();
            async move {
                app.put(&format!("/v1.0/tasks/{id}"), &auth, body)
                    .await
                    .ok();
            }
        };
        put(json!({"finishFlag": true})).await;
        let finished_at = app
            .get(&format!("/v1.0/tasks/{id}"), &t.auth())
            .await
            .ok()
            .clone();
        // finishing a finished task changes and records nothing
        put(json!({"finishFlag": true})).await;
        assert_eq!(
            app.get(&format!("/v1.0/tasks/{id}"), &t.auth()).await.ok(),
            &finished_at
        );
        assert_eq!(kinds().await, ["TaskAdded", "TaskFinished"]);
        // reopening is its own event, after the edit sent with it
        put(json!({"finishFlag": false, "content": "Call again"})).await;
        let reopened = app
            .get(&format!("/v1.0/tasks/{id}"), &t.auth())
            .await
            .ok()
            .clone();
        assert_eq!(reopened["finishFlag"], false);
        assert_eq!(reopened["content"], "Call again");
        assert_eq!(
            kinds().await,
            ["TaskAdded", "TaskFinished", "TaskEdited", "TaskUnfinished"]
        );
        // reopening an open task records nothing
        put(json!({"finishFlag": false})).await;
        assert_eq!(kinds().await.len(), 4);
        // the calendar finishes the same task; /v1.0/tasks sees it
        app.post(
            &format!("/v2.0/calendar/{id}-task/finish"),
            &t.auth(),
            json!({}),
        )
        .await
        .ok();
        assert_eq!(
            app.get(&format!("/v1.0/tasks/{id}"), &t.auth()).await.ok()["finishFlag"],
            true
        );
        // deleted through /v1.0/tasks: gone from both, 404 here and 400 on the calendar
        app.delete(&format!("/v1.0/tasks/{id}"), &t.auth())
            .await
            .ok();
        app.delete(&format!("/v1.0/tasks/{id}"), &t.auth())
            .await
            .error(404, 20007);
        app.delete(&format!("/v2.0/calendar/{id}-task"), &t.auth())
            .await
            .error(400, 20012);
        assert_eq!(
            kinds().await,
            [
                "TaskAdded",
                "TaskFinished",
                "TaskEdited",
                "TaskUnfinished",
                "TaskFinished",
                "TaskDeleted"
            ]
        );
    }
);
