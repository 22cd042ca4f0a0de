//! Calls and the communication history through the HTTP API: what a logged call, email or text
//! looks like in each view, paging, the 24-hour window, and who sees what.

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use common::*;
use openhouse_domain::auth::{CredentialKind, Role};
use serde_json::{Value, json};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

async fn log(app: &TestApp, auth: &str, body: Value) -> i64 {
    let r = app.post("/v1.0/logType", auth, body).await;
    r.ok()["logType"]["id"].as_i64().unwrap()
}

both!(each_view_shows_what_was_logged, |app: TestApp| async move {
    let t = app.team().await;
    let lead = app.lead(&t, json!({"firstName": "Ann"})).await;
    let call = log(&app, &t.auth(), json!({"leadId": lead, "logType": "logCall", "content": "Talked about Austin",
        "leadPhoneNumber": "5865865860", "callingOutcome": "Talked", "outboundOrInbound": "inbound"})).await;
    let missed = log(
        &app,
        &t.auth(),
        json!({"leadId": lead, "logType": "logCall", "content": "No answer",
        "leadPhoneNumber": "5865865860", "callingOutcome": "NoAnswer"}),
    )
    .await;
    let email = log(&app, &t.auth(), json!({"leadId": lead, "logType": "logEmail", "content": "Sent listings", "emailSubject": "Listings"})).await;
    let text = log(&app, &t.auth(), json!({"leadId": lead, "logType": "logText", "content": "See you at 5", "outboundOrInbound": "inbound"})).await;

    // calls, oldest first
    let r = app
        .get(
            &format!("/v1.0/communication/call?leadId={lead}&limit=10&offset=0"),
            &t.auth(),
        )
        .await;
    let calls = r.ok().as_array().unwrap().clone();
    assert_eq!(ids(r.ok()), [call, missed]);
    let c = &calls[0];
    assert_eq!(c["leadId"], lead);
    assert_eq!(c["direction"], "Inbound");
    assert_eq!(c["callingOutcome"], "Talked");
    assert_eq!(c["status"], "Completed");
    assert_eq!(c["leadPhoneNumber"], "5865865860");
    assert_eq!(c["note"], "Talked about Austin");
    assert_eq!(c["agentId"], t.user_id);
    assert_eq!(c["userId"], t.user_id);
    assert_eq!(c["recordingSwitch"], false);
    assert_eq!(c["startTime"], c["createTime"]);
    assert_eq!(calls[1]["status"], "NoAnswer");
    assert_eq!(calls[1]["direction"], "Outbound");
    // the same call by id, and in the lead's list of calls (newest first, with a total)
    let one = app.get(&format!("/v1.0/calls/{call}"), &t.auth()).await;
    assert_eq!(one.ok(), c);
    let list = app
        .get(&format!("/v1.0/calls?leadId={lead}"), &t.auth())
        .await;
    let list = list.ok();
    assert_eq!(ids(&list["calls"]), [missed, call]);
    assert_eq!(list["_metadata"]["total"], 2);
    assert_eq!(list["_metadata"]["limit"], 10);
    assert_eq!(list["_metadata"]["collection"], "calls");
    // an email is not a call
    app.get(&format!("/v1.0/calls/{email}"), &t.auth())
        .await
        .error(404, 20007);

    let v2 = app
        .get(
            &format!("/v1.0/communication/call/v2?leadId={lead}"),
            &t.auth(),
        )
        .await;
    let v2 = v2.ok().as_array().unwrap().clone();
    assert_eq!(v2.len(), 2);
    assert_eq!(v2[0]["id"], call);
    assert_eq!(v2[0]["direction"], "inbound");
    assert_eq!(v2[0]["leadPhoneNumber"], "5865865860");
    assert_eq!(v2[0]["agentId"], t.user_id);

    let emails = app
        .get(
            &format!("/v1.0/communication/email?leadId={lead}"),
            &t.auth(),
        )
        .await;
    let e = &emails.ok()[0];
    assert_eq!(emails.ok().as_array().unwrap().len(), 1);
    assert_eq!(e["id"], email);
    assert_eq!(e["emailSubject"], "Listings");
    assert_eq!(e["eventType"], "Sent");
    assert_eq!(e["emailType"], "Manual");
    assert_eq!(e["direction"], "Outbound");
    assert_eq!(e["fromPond"], false);
    assert!(e["emailEventTime"].is_string());

    let texts = app
        .get(
            &format!("/v1.0/communication/text?leadId={lead}"),
            &t.auth(),
        )
        .await;
    let x = &texts.ok()[0];
    assert_eq!(texts.ok().as_array().unwrap().len(), 1);
    assert_eq!(x["id"], text);
    assert_eq!(x["textContent"], "See you at 5");
    assert_eq!(x["direction"], "Inbound");
    assert_eq!(x["textOutcome"], "Received");
    assert_eq!(x["textType"], "Manual");

    // a deleted log is gone from every view
    app.delete(&format!("/v1.0/logType/{call}"), &t.auth())
        .await
        .ok();
    app.get(&format!("/v1.0/calls/{call}"), &t.auth())
        .await
        .error(404, 20007);
    let r = app
        .get(
            &format!("/v1.0/communication/call?leadId={lead}"),
            &t.auth(),
        )
        .await;
    assert_eq!(ids(r.ok()), [missed]);
    let r = app
        .get(&format!("/v1.0/calls?leadId={lead}"), &t.auth())
        .await;
    assert_eq!(r.ok()["_metadata"]["total"], 1);
});

both!(bad_requests_and_other_teams, |app: TestApp| async move {
    let t = app.team().await;
    let other = app.team().await;
    let lead = app.lead(&t, json!({"firstName": "Ann"})).await;
    let call = log(
        &app,
        &t.auth(),
        json!({"leadId": lead, "logType": "logCall", "content": "x", "leadPhoneNumber": "1"}),
    )
    .await;
    for path in ["call", "call/v2", "email", "text"] {
        app.get(
            &format!("/v1.0/communication/{path}?leadId={lead}&limit=1001"),
            &t.auth(),
        )
        .await
        .error(400, 20042);
        app.get(
            &format!("/v1.0/communication/{path}?leadId={lead}&limit=0"),
            &t.auth(),
        )
        .await
        .error(400, 20042);
        app.get(
            &format!("/v1.0/communication/{path}?leadId={lead}&offset=-5"),
            &t.auth(),
        )
        .await
        .error(400, 20012);
        app.get(
            &format!("/v1.0/communication/{path}?leadId={lead}&currentId=-1"),
            &t.auth(),
        )
        .await
        .error(400, 20012);
        app.get(&format!("/v1.0/communication/{path}?leadId=abc"), &t.auth())
            .await
            .error(400, 20012);
        app.get(&format!("/v1.0/communication/{path}"), &t.auth())
            .await
            .error(400, 20012);
        app.get(
            &format!("/v1.0/communication/{path}?leadId=4242"),
            &t.auth(),
        )
        .await
        .error(404, 20006);
        app.get(
            &format!("/v1.0/communication/{path}?leadId={lead}"),
            &other.auth(),
        )
        .await
        .error(404, 20006);
        app.get(&format!("/v1.0/communication/{path}?leadId={lead}"), "")
            .await
            .error(401, 401);
    }
    app.get("/v1.0/calls", &t.auth()).await.error(404, 20006);
    app.get("/v1.0/calls?leadId=0", &t.auth())
        .await
        .error(404, 20006);
    app.get(&format!("/v1.0/calls?leadId={lead}&limit=0"), &t.auth())
        .await
        .error(400, 20042);
    app.get(&format!("/v1.0/calls?leadId={lead}"), &other.auth())
        .await
        .error(404, 20006);
    app.get(&format!("/v1.0/calls/{call}"), &other.auth())
        .await
        .error(404, 20007);
    app.get("/v1.0/calls/4242", &t.auth())
        .await
        .error(404, 20007);
    app.get("/v1.0/calls/abc", &t.auth())
        .await
        .error(400, 20012);
    // a lead in the trash takes its calls with it
    app.delete(&format!("/v1.0/leads/{lead}?reason=spam"), &t.auth())
        .await
        .ok();
    app.get(&format!("/v1.0/calls/{call}"), &t.auth())
        .await
        .error(404, 20007);
    app.get(
        &format!("/v1.0/communication/call?leadId={lead}"),
        &t.auth(),
    )
    .await
    .error(404, 20006);
});

both!(
    history_pages_by_offset_and_current_id_over_thousands,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app.lead(&t, json!({"firstName": "Chatty"})).await;
        let app = Arc::new(app);
        let mut all = Vec::new();
        // 2,000 calls, eight writers at a time
        for chunk in 0..250 {
            let mut batch = Vec::new();
            for i in 0..8 {
                let app = app.clone();
                let auth = t.auth();
                batch.push(tokio::spawn(async move {
                log(&app, &auth, json!({"leadId": lead, "logType": "logCall", "content": format!("c{chunk}-{i}"), "leadPhoneNumber": "5550100"})).await
            }));
            }
            for b in batch {
                all.push(b.await.unwrap());
            }
        }
        all.sort();
        // by currentId, in pages of 1000 and of 7, while more are added: each entry once, in order
        for (path, limit) in [("call", 1000), ("call/v2", 7)] {
            let mut seen = Vec::new();
            let mut current = 0;
            let mut added = HashSet::new();
            loop {
                let r = app.get(&format!("/v1.0/communication/{path}?leadId={lead}&limit={limit}&offset=0&currentId={current}"), &t.auth()).await;
                let page = ids(r.ok());
                assert!(page.len() <= limit);
                let Some(last) = page.last() else { break };
                current = *last;
                seen.extend(page);
                if added.len() < 3 {
                    added.insert(log(&app, &t.auth(), json!({"leadId": lead, "logType": "logCall", "content": "late", "leadPhoneNumber": "1"})).await);
                }
            }
            let unique: HashSet<i64> = seen.iter().copied().collect();
            assert_eq!(
                unique.len(),
                seen.len(),
                "{path}: an entry was served twice"
            );
            assert!(
                all.iter().all(|id| unique.contains(id)),
                "{path}: an entry was skipped"
            );
            assert!(
                added.iter().all(|id| unique.contains(id)),
                "{path}: entries added during the walk are reached"
            );
            assert!(seen.windows(2).all(|w| w[0] < w[1]), "{path}: in id order");
            all.extend(added);
        }
        all.sort();
        // by offset: the same order
        let r = app
            .get(
                &format!("/v1.0/communication/call?leadId={lead}&offset=1500&limit=300"),
                &t.auth(),
            )
            .await;
        assert_eq!(ids(r.ok()), all[1500..1800]);
        let r = app
            .get(
                &format!("/v1.0/communication/call?leadId={lead}"),
                &t.auth(),
            )
            .await;
        assert_eq!(ids(r.ok()), all[..10], "10 by default");
        // the list of calls: newest first, every one counted
        let r = app
            .get(
                &format!("/v1.0/calls?leadId={lead}&offset=100&limit=50"),
                &t.auth(),
            )
            .await;
        let newest_first: Vec<i64> = all.iter().rev().copied().collect();
        assert_eq!(ids(&r.ok()["calls"]), newest_first[100..150]);
        assert_eq!(r.ok()["_metadata"]["total"], all.len());
        assert_eq!(r.ok()["_metadata"]["offset"], 100);
        // other channels are not mixed in
        let r = app
            .get(
                &format!("/v1.0/communication/email?leadId={lead}&limit=1000"),
                &t.auth(),
            )
            .await;
        assert_eq!(ids(r.ok()), Vec::<i64>::new());
    }
);

both!(
    agent_communication_in_a_window_of_at_most_a_day,
    |app: TestApp| async move {
        let t = app.team().await;
        let s = &app.store;
        let agent = s
            .create_user(
                t.team_id,
                &format!("agent{}@example.com", t.team_id),
                "Agent",
                None,
                Role::Agent,
            )
            .await
            .unwrap();
        let agent_auth = format!(
            "token {}",
            s.issue_credential(t.team_id, agent, CredentialKind::ApiKey)
                .await
                .unwrap()
        );
        let shared = app
            .lead(&t, json!({"firstName": "Shared", "ownershipScope": "TEAM"}))
            .await;
        let private = app.lead(&t, json!({"firstName": "Private"})).await;
        let start = now_ms() - 1000;
        let a_call = log(&app, &t.auth(), json!({"leadId": shared, "logType": "logCall", "content": "x", "leadPhoneNumber": "1", "callingOutcome": "Talked"})).await;
        let a_text = log(
            &app,
            &t.auth(),
            json!({"leadId": private, "logType": "logText", "content": "x"}),
        )
        .await;
        let a_email = log(
            &app,
            &t.auth(),
            json!({"leadId": private, "logType": "logEmail", "content": "x"}),
        )
        .await;
        let g_text = log(
            &app,
            &agent_auth,
            json!({"leadId": shared, "logType": "logText", "content": "y"}),
        )
        .await;
        let end = now_ms() + 1000;
        let search = |auth: String, body: Value| {
            let app = &app;
            async move { app.post("/v1.0/agent/communication", &auth, body).await }
        };

        // the caller's own, by type
        let r = search(
            t.auth(),
            json!({"type": "TEXT", "startTime": start, "endTime": end}),
        )
        .await;
        let page = r.ok();
        assert_eq!(ids(&page["pageData"]), [a_text]);
        assert_eq!(page["hasMore"], false);
        assert_eq!(page["limit"], 10);
        assert_eq!(page["offset"], 0);
        assert_eq!(page["pageData"][0]["eventType"], "Text");
        assert_eq!(page["pageData"][0]["communicationType"], "LOGGED");
        assert_eq!(page["pageData"][0]["status"], "Delivered");
        let r = search(
            t.auth(),
            json!({"type": "CALL", "startTime": start, "endTime": end}),
        )
        .await;
        assert_eq!(ids(&r.ok()["pageData"]), [a_call]);
        assert_eq!(r.ok()["pageData"][0]["callOutcome"], "Talked");
        assert_eq!(r.ok()["pageData"][0]["eventType"], "Call");
        let r = search(
            t.auth(),
            json!({"type": "EMAIL", "startTime": start, "endTime": end}),
        )
        .await;
        assert_eq!(ids(&r.ok()["pageData"]), [a_email]);
        assert_eq!(r.ok()["pageData"][0]["eventType"], "Sent Email");
        let r = search(
            t.auth(),
            json!({"type": "ALL", "startTime": start, "endTime": end}),
        )
        .await;
        assert_eq!(ids(&r.ok()["pageData"]), [a_call, a_text, a_email]);
        // paging: hasMore until the last page
        let r = search(
            t.auth(),
            json!({"type": "ALL", "startTime": start, "endTime": end, "limit": 2}),
        )
        .await;
        assert_eq!(ids(&r.ok()["pageData"]), [a_call, a_text]);
        assert_eq!(r.ok()["hasMore"], true);
        let r = search(
            t.auth(),
            json!({"type": "ALL", "startTime": start, "endTime": end, "limit": 2, "offset": 2}),
        )
        .await;
        assert_eq!(ids(&r.ok()["pageData"]), [a_email]);
        assert_eq!(r.ok()["hasMore"], false);
        // the whole team for an admin; an agent only its own, and no team view
        let r = search(
            t.auth(),
            json!({"type": "ALL", "startTime": start, "endTime": end, "teamView": true}),
        )
        .await;
        assert_eq!(ids(&r.ok()["pageData"]), [a_call, a_text, a_email, g_text]);
        let r = search(
            agent_auth.clone(),
            json!({"type": "ALL", "startTime": start, "endTime": end}),
        )
        .await;
        assert_eq!(ids(&r.ok()["pageData"]), [g_text]);
        search(
            agent_auth.clone(),
            json!({"type": "ALL", "startTime": start, "endTime": end, "teamView": true}),
        )
        .await
        .error(403, 20017);
        // the window: both ends inclusive, 24 hours at most
        let r = search(
            t.auth(),
            json!({"type": "ALL", "startTime": end - DAY_MS, "endTime": end}),
        )
        .await;
        assert_eq!(
            ids(&r.ok()["pageData"]).len(),
            3,
            "exactly 24 hours is allowed"
        );
        search(
            t.auth(),
            json!({"type": "ALL", "startTime": end - DAY_MS - 1, "endTime": end}),
        )
        .await
        .error(400, 20012);
        search(
            t.auth(),
            json!({"type": "ALL", "startTime": end, "endTime": start}),
        )
        .await
        .error(400, 20012);
        let r = search(
            t.auth(),
            json!({"type": "ALL", "startTime": end + 1, "endTime": end + DAY_MS}),
        )
        .await;
        assert_eq!(
            ids(&r.ok()["pageData"]),
            Vec::<i64>::new(),
            "a later window is empty"
        );
        // bad requests
        search(
            t.auth(),
            json!({"type": "FAX", "startTime": start, "endTime": end}),
        )
        .await
        .error(400, 20012);
        search(t.auth(), json!({"startTime": start, "endTime": end}))
            .await
            .error(400, 20012);
        search(t.auth(), json!({"type": "CALL", "endTime": end}))
            .await
            .error(400, 20012);
        search(
            t.auth(),
            json!({"type": "CALL", "startTime": start, "endTime": end, "limit": 1001}),
        )
        .await
        .error(400, 20042);
        search(
            t.auth(),
            json!({"type": "CALL", "startTime": start, "endTime": end, "offset": -2}),
        )
        .await
        .error(400, 20012);
        // another team sees none of it; a trashed lead's communications leave the timeline
        let other = app.team().await;
        let r = search(
            other.auth(),
            json!({"type": "ALL", "startTime": start, "endTime": end, "teamView": true}),
        )
        .await;
        assert_eq!(ids(&r.ok()["pageData"]), Vec::<i64>::new());
        app.delete(&format!("/v1.0/leads/{private}?reason=spam"), &t.auth())
            .await
            .ok();
        let r = search(
            t.auth(),
            json!({"type": "ALL", "startTime": start, "endTime": end}),
        )
        .await;
        assert_eq!(ids(&r.ok()["pageData"]), [a_call]);
    }
);

both!(
    an_agent_sees_only_the_calls_of_leads_it_can_see,
    |app: TestApp| async move {
        let t = app.team().await;
        let s = &app.store;
        let agent = s
            .create_user(
                t.team_id,
                &format!("agent{}@example.com", t.team_id),
                "Agent",
                None,
                Role::Agent,
            )
            .await
            .unwrap();
        let agent_auth = format!(
            "token {}",
            s.issue_credential(t.team_id, agent, CredentialKind::ApiKey)
                .await
                .unwrap()
        );
        let mine = app
            .lead(
                &t,
                json!({"firstName": "Assigned", "assignedUserId": agent}),
            )
            .await;
        let admins = app.lead(&t, json!({"firstName": "Admin's"})).await;
        let seen = log(
            &app,
            &t.auth(),
            json!({"leadId": mine, "logType": "logCall", "content": "x", "leadPhoneNumber": "1"}),
        )
        .await;
        let hidden = log(
            &app,
            &t.auth(),
            json!({"leadId": admins, "logType": "logCall", "content": "x", "leadPhoneNumber": "1"}),
        )
        .await;
        app.get(&format!("/v1.0/calls/{seen}"), &agent_auth)
            .await
            .ok();
        app.get(&format!("/v1.0/calls/{hidden}"), &agent_auth)
            .await
            .error(404, 20007);
        let r = app
            .get(&format!("/v1.0/calls?leadId={mine}"), &agent_auth)
            .await;
        assert_eq!(ids(&r.ok()["calls"]), [seen]);
        app.get(&format!("/v1.0/calls?leadId={admins}"), &agent_auth)
            .await
            .error(404, 20006);
        app.get(
            &format!("/v1.0/communication/call?leadId={admins}"),
            &agent_auth,
        )
        .await
        .error(404, 20006);
    }
);
