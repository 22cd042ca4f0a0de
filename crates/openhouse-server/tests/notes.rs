//! Notes and system logs through the HTTP API.

mod common;

use common::*;
use serde_json::{Value, json};

fn contents(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| n["content"].as_str().unwrap().to_string())
        .collect()
}

both!(notes_round_trip, |app: TestApp| async move {
    let t = app.team().await;
    let lead = app.lead(&t, json!({"firstName": "A"})).await;
    let r = app
        .post(
            "/v1.0/notes",
            &t.auth(),
            json!({"leadId": lead, "content": "first"}),
        )
        .await;
    let first = r.ok()["noteId"].as_i64().unwrap();
    let pinned = app
        .post(
            "/v1.0/notes",
            &t.auth(),
            json!({"leadId": lead, "content": "pinned", "isPin": true}),
        )
        .await
        .ok()["noteId"]
        .as_i64()
        .unwrap();
    let third = app
        .post(
            "/v1.0/notes",
            &t.auth(),
            json!({"leadId": lead, "content": "third"}),
        )
        .await
        .ok()["noteId"]
        .as_i64()
        .unwrap();
    let list = app
        .get(&format!("/v1.0/notes?leadId={lead}"), &t.auth())
        .await;
    assert_eq!(
        contents(list.ok()),
        ["pinned", "third", "first"],
        "pinned first, then newest first"
    );
    let n = app.get(&format!("/v1.0/notes/{first}"), &t.auth()).await;
    let n = n.ok();
    assert_eq!(n["noteId"], first);
    assert_eq!(n["leadId"], lead);
    assert_eq!(n["creatorId"], t.user_id);
    assert!(n["creatorName"].as_str().unwrap().starts_with("admin"));
    assert_eq!(n["systemNote"], false);
    assert_eq!(n["isPin"], false);
    // edit: content changes, the pin stays unless sent
    app.put(
        &format!("/v1.0/notes/{pinned}"),
        &t.auth(),
        json!({"content": "still pinned"}),
    )
    .await
    .ok();
    let n = app
        .get(&format!("/v1.0/notes/{pinned}"), &t.auth())
        .await
        .body;
    assert_eq!(n["content"], "still pinned");
    assert_eq!(n["isPin"], true);
    assert_eq!(n["lastEditorId"], t.user_id);
    app.put(
        &format!("/v1.0/notes/{pinned}"),
        &t.auth(),
        json!({"content": "unpinned", "isPin": false, "leadId": lead}),
    )
    .await
    .ok();
    assert_eq!(
        app.get(&format!("/v1.0/notes/{pinned}"), &t.auth())
            .await
            .body["isPin"],
        false
    );
    // delete: gone
    app.delete(&format!("/v1.0/notes/{third}"), &t.auth())
        .await
        .ok();
    app.get(&format!("/v1.0/notes/{third}"), &t.auth())
        .await
        .error(404, 20007);
    app.delete(&format!("/v1.0/notes/{third}"), &t.auth())
        .await
        .error(404, 20007);
    let list = app
        .get(&format!("/v1.0/notes?leadId={lead}"), &t.auth())
        .await;
    assert_eq!(contents(list.ok()), ["unpinned", "first"]);
});

both!(note_validation_and_isolation, |app: TestApp| async move {
    let t = app.team().await;
    let other = app.team().await;
    let lead = app.lead(&t, json!({"firstName": "A"})).await;
    let second = app.lead(&t, json!({"firstName": "B"})).await;
    app.post(
        "/v1.0/notes",
        &t.auth(),
        json!({"leadId": lead, "content": "  "}),
    )
    .await
    .error(400, 20012);
    app.post("/v1.0/notes", &t.auth(), json!({"content": "no lead"}))
        .await
        .error(400, 20012);
    app.post(
        "/v1.0/notes",
        &t.auth(),
        json!({"leadId": 12345, "content": "x"}),
    )
    .await
    .error(404, 20006);
    let long = app
        .post(
            "/v1.0/notes",
            &t.auth(),
            json!({"leadId": lead, "content": "x".repeat(2500)}),
        )
        .await;
    let long = long.ok()["noteId"].as_i64().unwrap();
    assert_eq!(
        app.get(&format!("/v1.0/notes/{long}"), &t.auth())
            .await
            .body["content"]
            .as_str()
            .unwrap()
            .len(),
        2000
    );
    app.put(
        &format!("/v1.0/notes/{long}"),
        &t.auth(),
        json!({"content": "moved", "leadId": second}),
    )
    .await
    .error(400, 20012);
    app.put(
        &format!("/v1.0/notes/{long}"),
        &t.auth(),
        json!({"content": ""}),
    )
    .await
    .error(400, 20012);
    // another team: neither the note nor the lead exist
    app.get(&format!("/v1.0/notes/{long}"), &other.auth())
        .await
        .error(404, 20007);
    app.put(
        &format!("/v1.0/notes/{long}"),
        &other.auth(),
        json!({"content": "mine now"}),
    )
    .await
    .error(404, 20007);
    app.delete(&format!("/v1.0/notes/{long}"), &other.auth())
        .await
        .error(404, 20007);
    app.get(&format!("/v1.0/notes?leadId={lead}"), &other.auth())
        .await
        .error(404, 20006);
    app.post(
        "/v1.0/notes",
        &other.auth(),
        json!({"leadId": lead, "content": "x"}),
    )
    .await
    .error(404, 20006);
    app.get(&format!("/v1.0/systemLogs?leadId={lead}"), &other.auth())
        .await
        .error(404, 20006);
    assert_eq!(
        app.get(&format!("/v1.0/notes/{long}"), &t.auth())
            .await
            .ok()["content"]
            .as_str()
            .unwrap()
            .len(),
        2000
    );
    // a trashed lead's notes are gone with it
    app.delete(&format!("/v1.0/leads/{lead}?reason=x"), &t.auth())
        .await
        .ok();
    app.get(&format!("/v1.0/notes/{long}"), &t.auth())
        .await
        .error(404, 20007);
    app.get(&format!("/v1.0/notes?leadId={lead}"), &t.auth())
        .await
        .error(404, 20006);
});

both!(system_notes_and_system_logs, |app: TestApp| async move {
    let t = app.team().await;
    let lead = app
        .lead(&t, json!({"firstName": "A", "stage": "New"}))
        .await;
    app.put(
        &format!("/v1.0/leads/{lead}"),
        &t.auth(),
        json!({"stage": "Active", "tagsAdd": ["hot"]}),
    )
    .await
    .ok();
    app.post(
        "/v1.0/notes",
        &t.auth(),
        json!({"leadId": lead, "content": "hello"}),
    )
    .await
    .ok();
    let plain = app
        .get(&format!("/v1.0/notes?leadId={lead}"), &t.auth())
        .await;
    assert_eq!(contents(plain.ok()), ["hello"]);
    let all = app
        .get(
            &format!("/v1.0/notes?leadId={lead}&includeSystemNote=true"),
            &t.auth(),
        )
        .await;
    let all = all.ok().as_array().unwrap().clone();
    assert_eq!(all[0]["content"], "hello");
    let system: Vec<&Value> = all.iter().filter(|n| n["systemNote"] == true).collect();
    assert_eq!(system.len(), 3);
    assert!(
        system.iter().any(|n| n["content"]
            .as_str()
            .unwrap()
            .contains("stage: New → Active")),
        "{system:?}"
    );
    assert!(system.iter().any(|n| n["content"] == "Lead created"));
    // the system log, newest first
    let logs = app
        .get(&format!("/v1.0/systemLogs?leadId={lead}"), &t.auth())
        .await;
    let logs = logs.ok().as_array().unwrap().clone();
    let types: Vec<&str> = logs
        .iter()
        .map(|l| l["timelineTypeDesc"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["NoteAdded", "LeadUpdated", "LeadCreated"]);
    assert_eq!(logs[1]["agentId"], t.user_id);
    assert_eq!(logs[1]["toId"], lead);
    assert_eq!(logs[1]["leadFullName"], "A");
    let content: Value = serde_json::from_str(logs[1]["content"].as_str().unwrap()).unwrap();
    assert_eq!(content["tagsAdded"], json!(["hot"]));
    // the creation shows the lead as it was created, in the API's fields; the journal keeps
    // the lead once (as the entry's resource), not in its detail too (which says only where
    // a lead came from and what routing did, when there is something to say: bulk.rs, routing.rs)
    let created: Value = serde_json::from_str(logs[2]["content"].as_str().unwrap()).unwrap();
    assert_eq!(
        (&created["firstName"], &created["stage"], &created["leadId"]),
        (&json!("A"), &json!("New"), &json!(lead))
    );
    assert!(created["tags"].as_array().unwrap().is_empty(), "{created}");
    let journal = app.store.journal(t.team_id, lead).await.unwrap();
    assert_eq!(journal[0].action, "lead.created");
    assert_eq!(journal[0].detail, json!({}));
    assert_eq!(journal[0].resource.as_ref().unwrap()["firstName"], "A");
    // paging and the time window
    let page = app
        .get(
            &format!("/v1.0/systemLogs?leadId={lead}&pageSize=2&pageNumber=1"),
            &t.auth(),
        )
        .await;
    assert_eq!(page.ok().as_array().unwrap().len(), 1);
    let created = logs[2]["createTime"].as_i64().unwrap();
    let window = app
        .get(
            &format!("/v1.0/systemLogs?leadId={lead}&startTime=0&endTime={created}"),
            &t.auth(),
        )
        .await;
    let window = window.ok().as_array().unwrap().clone();
    assert!(
        window
            .iter()
            .all(|l| l["createTime"].as_i64().unwrap() <= created)
    );
    assert!(
        window
            .iter()
            .any(|l| l["timelineTypeDesc"] == "LeadCreated")
    );
    let future = app
        .get(
            &format!(
                "/v1.0/systemLogs?leadId={lead}&startTime={}",
                created + 3_600_000
            ),
            &t.auth(),
        )
        .await;
    assert_eq!(future.ok().as_array().unwrap().len(), 0);
    app.get(
        &format!("/v1.0/systemLogs?leadId={lead}&pageSize=0"),
        &t.auth(),
    )
    .await
    .error(400, 20042);
    app.get("/v1.0/systemLogs", &t.auth())
        .await
        .error(400, 20012);
});

both!(
    a_note_sent_with_a_new_lead_is_journaled_like_any_note,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app
            .lead(
                &t,
                json!({"firstName": "Noted", "content": "met at the open house"}),
            )
            .await;
        let log = app
            .get(&format!("/v1.0/systemLogs?leadId={lead}"), &t.auth())
            .await;
        let kinds: Vec<&str> = log
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|l| l["timelineTypeDesc"].as_str())
            .collect();
        assert!(kinds.contains(&"LeadCreated"), "{kinds:?}");
        assert!(kinds.contains(&"NoteAdded"), "{kinds:?}");
        let journal = app.store.journal(t.team_id, lead).await.unwrap();
        let note = journal
            .iter()
            .find(|e| e.action == "note.created")
            .expect("note.created");
        assert_eq!(
            note.resource.as_ref().unwrap()["content"],
            "met at the open house"
        );
    }
);
