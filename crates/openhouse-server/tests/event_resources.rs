//! The resource each journal entry keeps for its webhook event: after every change it is what
//! the API's GET answers right then (for a deletion, what it answered last), and a later change
//! leaves an earlier entry's resource as it was.

mod common;

use common::*;
use openhouse_domain::event::Kind;
use openhouse_store::journal::Journaled;
use serde_json::{Value, json};

const DAY: i64 = 24 * 3_600_000;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The journal of a lead (0: the team's own entries), oldest first.
async fn journal(app: &TestApp, t: &Team, lead: i64) -> Vec<Journaled> {
    app.store.journal(t.team_id, lead).await.unwrap()
}

/// The resources of the entries with this action, oldest first.
fn resources(j: &[Journaled], action: &str) -> Vec<Value> {
    j.iter()
        .filter(|e| e.action == action)
        .map(|e| e.resource.clone().expect("a resource"))
        .collect()
}

/// The resource of the one entry with this action whose resource has `key` = `id`.
#[track_caller]
fn resource_of(j: &[Journaled], action: &str, key: &str, id: i64) -> Value {
    let found: Vec<Value> = resources(j, action)
        .into_iter()
        .filter(|r| r[key] == id)
        .collect();
    assert_eq!(found.len(), 1, "{action} of {key} {id}: {found:?}");
    found.into_iter().next().unwrap()
}

/// The changed fields the event of the last entry with this action names.
fn changed(j: &[Journaled], action: &str) -> Vec<String> {
    let e = j.iter().rev().find(|e| e.action == action).expect(action);
    Kind::parse(&e.action).unwrap().changed_fields(&e.detail)
}

async fn agent(app: &TestApp, t: &Team, email: &str, first: &str) -> i64 {
    let r = app
        .post(
            "/v1.0/agent",
            &t.auth(),
            json!({"emailAddress": email, "firstName": first, "lastName": "Agent", "groupId": 0, "profileId": 2}),
        )
        .await;
    r.ok()["agentId"].as_i64().unwrap()
}

both!(
    lead_resources_follow_each_change,
    |app: TestApp| async move {
        let t = app.team().await;
        let other = agent(&app, &t, "rosa@example.com", "Rosa").await;
        let lead = app
        .lead(
            &t,
            json!({"firstName": "Ann", "lastName": "Lee", "emails": ["ann@example.com"], "phones": ["5550100"],
                   "tags": ["hot"], "assignedUserId": t.user_id, "stage": "New", "city": "Austin"}),
        )
        .await;
        let created = app
            .get(&format!("/v1.0/leads/{lead}"), &t.auth())
            .await
            .ok()
            .clone();
        assert!(created["assignedUser"].is_string(), "{created}");
        let j = journal(&app, &t, lead).await;
        assert_eq!(resources(&j, "lead.created"), vec![created.clone()]);

        // an edit that also reassigns: both entries carry the lead after the write
        app.put(
        &format!("/v1.0/leads/{lead}"),
        &t.auth(),
        json!({"firstName": "Anna", "stage": "Active", "assignedUserId": other, "tags": ["hot", "vip"]}),
    )
    .await
    .ok();
        let edited = app
            .get(&format!("/v1.0/leads/{lead}"), &t.auth())
            .await
            .ok()
            .clone();
        assert_eq!(edited["assignedUser"], "Rosa Agent");
        let j = journal(&app, &t, lead).await;
        assert_eq!(resources(&j, "lead.updated"), vec![edited.clone()]);
        assert_eq!(resources(&j, "lead.assigned"), vec![edited.clone()]);
        assert_eq!(
            resources(&j, "lead.created"),
            vec![created.clone()],
            "a later change leaves the earlier resource"
        );
        assert_eq!(
            changed(&j, "lead.updated"),
            [
                "assignTime",
                "assignedUser",
                "assignedUserId",
                "firstName",
                "stage",
                "tags"
            ]
        );
        assert_eq!(
            changed(&j, "lead.assigned"),
            ["assignTime", "assignedUser", "assignedUserId"]
        );

        // into a pond: the pond's name is shown
        let pond = app
            .post(
                "/v1.0/team-features/lead-pond",
                &t.auth(),
                json!({"pondName": "Cold leads", "agentIds": []}),
            )
            .await
            .ok()["id"]
            .as_i64()
            .unwrap();
        app.post(
            &format!("/v1.0/team-features/lead-pond/{pond}/leads"),
            &t.auth(),
            json!({"leadIds": [lead]}),
        )
        .await
        .ok();
        let pooled = app
            .get(&format!("/v1.0/leads/{lead}"), &t.auth())
            .await
            .ok()
            .clone();
        assert_eq!(pooled["pondName"], "Cold leads");
        let j = journal(&app, &t, lead).await;
        assert_eq!(resources(&j, "lead.updated"), [edited, pooled.clone()]);
        assert_eq!(changed(&j, "lead.updated"), ["pondId", "pondName"]);

        // to the trash: as the lead is shown with the trash
        app.delete(&format!("/v1.0/leads/{lead}?reason=spam"), &t.auth())
            .await
            .ok();
        let trashed = app
            .get(&format!("/v1.0/leads/{lead}?withTrash=true"), &t.auth())
            .await
            .ok()
            .clone();
        let j = journal(&app, &t, lead).await;
        assert_eq!(resources(&j, "lead.trashed"), [trashed]);
        assert_eq!(resources(&j, "lead.created"), [created]);
        assert!(changed(&j, "lead.trashed").is_empty());
    }
);

both!(
    note_resources_follow_each_change,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app.lead(&t, json!({"firstName": "Ann"})).await;
        let id = app
            .post(
                "/v1.0/notes",
                &t.auth(),
                json!({"leadId": lead, "content": "first words"}),
            )
            .await
            .ok()["noteId"]
            .as_i64()
            .unwrap();
        let get = || async {
            app.get(&format!("/v1.0/notes/{id}"), &t.auth())
                .await
                .ok()
                .clone()
        };
        let created = get().await;
        assert!(created["creatorName"].is_string());
        let j = journal(&app, &t, lead).await;
        assert_eq!(resources(&j, "note.created"), vec![created.clone()]);

        // a change past the excerpt the detail keeps still names the content
        let long = "x".repeat(300);
        app.put(
            &format!("/v1.0/notes/{id}"),
            &t.auth(),
            json!({"content": format!("{long}a"), "isPin": true}),
        )
        .await
        .ok();
        app.put(
            &format!("/v1.0/notes/{id}"),
            &t.auth(),
            json!({"content": format!("{long}b")}),
        )
        .await
        .ok();
        let edited = get().await;
        let j = journal(&app, &t, lead).await;
        let updates = resources(&j, "note.updated");
        assert_eq!(updates.len(), 2);
        assert_eq!(updates[1], edited);
        assert_eq!(updates[0]["isPin"], true);
        assert_eq!(updates[0]["content"], format!("{long}a"));
        assert_eq!(changed(&j, "note.updated"), ["content"]);
        let first_update = j.iter().find(|e| e.action == "note.updated").unwrap();
        assert_eq!(
            Kind::NoteUpdated.changed_fields(&first_update.detail),
            ["content", "isPin"]
        );
        assert_eq!(resources(&j, "note.created"), [created]);

        app.delete(&format!("/v1.0/notes/{id}"), &t.auth())
            .await
            .ok();
        let j = journal(&app, &t, lead).await;
        assert_eq!(
            resources(&j, "note.deleted"),
            [edited],
            "a deletion keeps the last state"
        );
    }
);

both!(
    task_resources_follow_each_change,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app
            .lead(
                &t,
                json!({"firstName": "Ann", "lastName": "Lee", "emails": ["ann@example.com"]}),
            )
            .await;
        let deadline = now_ms() + 3 * DAY;
        let id = app
        .post(
            "/v1.0/tasks",
            &t.auth(),
            json!({"leadId": lead, "type": "Call", "content": "Call back", "deadline": deadline}),
        )
        .await
        .ok()["taskId"]
        .as_i64()
        .unwrap();
        let get = || async {
            app.get(&format!("/v1.0/tasks/{id}"), &t.auth())
                .await
                .ok()
                .clone()
        };
        let created = get().await;
        assert!(created["assignedUser"].is_string(), "{created}");
        let j = journal(&app, &t, lead).await;
        assert_eq!(resource_of(&j, "task.created", "id", id), created);

        app.put(
            &format!("/v1.0/tasks/{id}"),
            &t.auth(),
            json!({"content": "Email instead", "type": "Email"}),
        )
        .await
        .ok();
        let edited = get().await;
        let j = journal(&app, &t, lead).await;
        assert_eq!(resource_of(&j, "task.updated", "id", id), edited);
        assert_eq!(
            changed(&j, "task.updated"),
            ["body", "content", "subject", "taskType"]
        );

        app.put(
            &format!("/v1.0/tasks/{id}"),
            &t.auth(),
            json!({"finishFlag": true}),
        )
        .await
        .ok();
        let finished = get().await;
        assert_eq!(finished["finishFlag"], true);
        let j = journal(&app, &t, lead).await;
        assert_eq!(resource_of(&j, "task.finished", "id", id), finished);
        assert_eq!(changed(&j, "task.finished"), ["finishFlag", "finishTime"]);
        assert_eq!(resource_of(&j, "task.created", "id", id), created);
        assert_eq!(resource_of(&j, "task.updated", "id", id), edited);

        app.delete(&format!("/v1.0/tasks/{id}"), &t.auth())
            .await
            .ok();
        let j = journal(&app, &t, lead).await;
        assert_eq!(resource_of(&j, "task.deleted", "id", id), finished);

        // a task made through the calendar is a task of /v1.0/tasks, shown the same way
        let start = now_ms() + 2 * DAY;
        let cid = app
        .post(
            "/v2.0/calendar",
            &t.auth(),
            json!({"type": "TASK", "content": "Visit", "leadId": lead, "startAtMs": start, "endAtMs": start + 3_600_000,
                   "timeZoneCode": "UTC", "taskWay": "Other"}),
        )
        .await
        .ok()["data"]["id"]
        .as_str()
        .unwrap()
        .to_string();
        let tid: i64 = cid.split('-').next().unwrap().parse().unwrap();
        let shown = app
            .get(&format!("/v1.0/tasks/{tid}"), &t.auth())
            .await
            .ok()
            .clone();
        let j = journal(&app, &t, lead).await;
        assert_eq!(resource_of(&j, "task.created", "id", tid), shown);
        // moved to another lead: both leads' entries show it on its new lead
        let next = app
            .lead(&t, json!({"firstName": "Ben", "phones": ["5550199"]}))
            .await;
        app.put(
            &format!("/v2.0/calendar/{cid}"),
            &t.auth(),
            json!({"leadId": next}),
        )
        .await
        .ok();
        let moved = app
            .get(&format!("/v1.0/tasks/{tid}"), &t.auth())
            .await
            .ok()
            .clone();
        assert_eq!(moved["leadFirstName"], "Ben");
        let j = journal(&app, &t, lead).await;
        assert_eq!(resource_of(&j, "task.updated", "id", tid), moved);
        assert_eq!(changed(&j, "task.updated"), ["leadId", "leadUserId"]);
        let j = journal(&app, &t, next).await;
        assert_eq!(resource_of(&j, "task.updated", "id", tid), moved);
        app.post(
            &format!("/v2.0/calendar/{cid}/finish"),
            &t.auth(),
            json!({}),
        )
        .await
        .ok();
        let done = app
            .get(&format!("/v1.0/tasks/{tid}"), &t.auth())
            .await
            .ok()
            .clone();
        let j = journal(&app, &t, next).await;
        assert_eq!(resource_of(&j, "task.finished", "id", tid), done);
        let j = journal(&app, &t, lead).await;
        assert_eq!(resource_of(&j, "task.created", "id", tid), shown);
    }
);

both!(
    appointment_resources_follow_each_change,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app.lead(&t, json!({"firstName": "Ann"})).await;
        let start = now_ms() + 2 * DAY;
        let cid = app
            .post(
                "/v2.0/calendar",
                &t.auth(),
                json!({"type": "APPOINTMENT", "content": "Showing", "leadId": lead, "startAtMs": start,
                       "endAtMs": start + 3_600_000, "timeZoneCode": "UTC", "address": "12 Elm St"}),
            )
            .await
            .ok()["data"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let get = || async {
            app.get(&format!("/v1.0/appts?leadId={lead}"), &t.auth())
                .await
                .ok()
                .clone()
        };
        let created = get().await;
        let j = journal(&app, &t, lead).await;
        assert_eq!(resources(&j, "appointment.created"), vec![created.clone()]);

        app.put(
            &format!("/v2.0/calendar/{cid}"),
            &t.auth(),
            json!({"content": "Second showing", "startAtMs": start + DAY, "endAtMs": start + DAY + 7_200_000}),
        )
        .await
        .ok();
        let edited = get().await;
        let j = journal(&app, &t, lead).await;
        assert_eq!(resources(&j, "appointment.updated"), vec![edited.clone()]);
        assert_eq!(
            changed(&j, "appointment.updated"),
            ["deadline", "descr", "endTime"]
        );

        app.post(
            &format!("/v2.0/calendar/{cid}/finish"),
            &t.auth(),
            json!({}),
        )
        .await
        .ok();
        let finished = get().await;
        assert_eq!(finished["finishFlag"], true);
        let j = journal(&app, &t, lead).await;
        assert_eq!(
            resources(&j, "appointment.finished"),
            vec![finished.clone()]
        );
        assert_eq!(
            changed(&j, "appointment.finished"),
            ["finishFlag", "finishTime"]
        );
        assert_eq!(resources(&j, "appointment.created"), [created]);
        assert_eq!(resources(&j, "appointment.updated"), [edited]);

        app.delete(&format!("/v2.0/calendar/{cid}"), &t.auth())
            .await
            .ok();
        let j = journal(&app, &t, lead).await;
        assert_eq!(resources(&j, "appointment.deleted"), [finished]);
    }
);

both!(
    log_resources_follow_each_change,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app.lead(&t, json!({"firstName": "Ann"})).await;
        let mut shown = Vec::new();
        for body in [
            json!({"leadId": lead, "logType": "logCall", "content": "Talked", "leadPhoneNumber": "5550100",
               "callingOutcome": "Talked", "outboundOrInbound": "inbound"}),
            json!({"leadId": lead, "logType": "logEmail", "content": "Sent listings", "emailSubject": "Listings",
               "fromEmail": "me@example.com", "toEmail": "ann@example.com"}),
            json!({"leadId": lead, "logType": "logText", "content": "On my way", "isPin": true}),
        ] {
            let id = app.post("/v1.0/logType", &t.auth(), body).await.ok()["logType"]["id"]
                .as_i64()
                .unwrap();
            let got = app
                .get(&format!("/v1.0/logType/{id}"), &t.auth())
                .await
                .ok()
                .clone();
            let j = journal(&app, &t, lead).await;
            assert_eq!(resource_of(&j, "communication.recorded", "id", id), got);
            shown.push((id, got));
        }
        let j = journal(&app, &t, lead).await;
        let lists: Vec<&[u8]> = j
            .iter()
            .filter(|e| e.action == "communication.recorded")
            .map(|e| Kind::CommunicationRecorded.lists(&e.detail))
            .collect();
        assert_eq!(lists, [&[6][..], &[7], &[8]]);
        for (id, got) in &shown {
            app.delete(&format!("/v1.0/logType/{id}"), &t.auth())
                .await
                .ok();
            let j = journal(&app, &t, lead).await;
            assert_eq!(&resource_of(&j, "communication.deleted", "id", *id), got);
            assert_eq!(&resource_of(&j, "communication.recorded", "id", *id), got);
        }
    }
);

both!(
    transaction_resources_follow_each_change,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app
            .lead(&t, json!({"firstName": "Bob", "lastName": "Li"}))
            .await;
        let created = app
            .post(
                &format!("/v1.0/leads/{lead}/transaction"),
                &t.auth(),
                json!({"transactionName": "12 Elm", "homePrice": 450000}),
            )
            .await
            .ok()
            .clone();
        let id = created["transactionId"].as_i64().unwrap();
        let get = || async {
            app.get(&format!("/v1.0/leads/{lead}/transaction/{id}"), &t.auth())
                .await
                .ok()
                .clone()
        };
        let first = get().await;
        assert_eq!(first, created);
        let j = journal(&app, &t, lead).await;
        assert_eq!(resources(&j, "transaction.created"), vec![first.clone()]);

        app.put(
            &format!("/v1.0/leads/{lead}/transaction/{id}"),
            &t.auth(),
            json!({"homePrice": 460000, "transactionStatus": "Under Contract"}),
        )
        .await
        .ok();
        let edited = get().await;
        let j = journal(&app, &t, lead).await;
        assert_eq!(resources(&j, "transaction.updated"), [edited]);
        assert_eq!(
            changed(&j, "transaction.updated"),
            ["homePrice", "transactionStatus"]
        );
        assert_eq!(resources(&j, "transaction.created"), [first]);
    }
);

both!(
    member_and_team_resources_follow_each_change,
    |app: TestApp| async move {
        let t = app.team().await;
        let id = agent(&app, &t, "rosa@example.com", "Rosa").await;
        let get = || async {
            app.get(&format!("/v1.0/users/{id}"), &t.auth())
                .await
                .ok()
                .clone()
        };
        let created = get().await;
        let j = journal(&app, &t, 0).await;
        assert_eq!(resource_of(&j, "user.created", "id", id), created);

        app.put(
            &format!("/v1.0/users/{id}"),
            &t.auth(),
            json!({"firstName": "Mia", "timeZoneId": "America/Chicago"}),
        )
        .await
        .ok();
        let edited = get().await;
        let j = journal(&app, &t, 0).await;
        assert_eq!(resource_of(&j, "user.updated", "id", id), edited);
        assert_eq!(
            changed(&j, "user.updated"),
            ["firstLetter", "firstName", "timeZoneId"]
        );
        assert_eq!(resource_of(&j, "user.created", "id", id), created);

        // an office, a pond and a custom field: as the API answered their creation
        let office = app
            .put(
                "/v1.0/org/office",
                &t.auth(),
                json!({"name": "North", "parentId": 0, "city": "Austin"}),
            )
            .await
            .ok()["data"]
            .clone();
        let oid = office["id"].as_i64().unwrap();
        let renamed = app
            .post(
                "/v1.0/org/office",
                &t.auth(),
                json!({"id": oid, "name": "North Austin"}),
            )
            .await
            .ok()["data"]
            .clone();
        let pond = app
            .post(
                "/v1.0/team-features/lead-pond",
                &t.auth(),
                json!({"pondName": "Cold leads", "agentIds": [id]}),
            )
            .await
            .ok()
            .clone();
        let field = app
            .post(
                "/v1.0/teamFeatures/custom-field",
                &t.auth(),
                json!({"attributeName": "Budget", "attributeType": "number", "value": ""}),
            )
            .await
            .ok()
            .clone();
        let j = journal(&app, &t, 0).await;
        assert_eq!(resources(&j, "office.created"), [office]);
        assert_eq!(resources(&j, "office.updated"), [renamed]);
        assert_eq!(changed(&j, "office.updated"), ["name"]);
        assert_eq!(resources(&j, "pond.created"), vec![pond.clone()]);
        let pid = pond["id"].as_i64().unwrap();
        let pond_now = app
            .get(&format!("/v1.0/team-features/lead-pond/{pid}"), &t.auth())
            .await
            .ok()
            .clone();
        assert_eq!(pond_now, pond);
        assert_eq!(resources(&j, "custom_field.created"), vec![field.clone()]);
        let fields = app
            .get("/v1.0/teamFeatures/listCustomField", &t.auth())
            .await
            .ok()
            .clone();
        assert_eq!(fields, json!([field]));

        // the company: the record as kept, with its team; the changes named
        app.post(
            "/v1.0/org/company",
            &t.auth(),
            json!({"name": "Acme Realty", "city": "Austin"}),
        )
        .await
        .ok();
        let j = journal(&app, &t, 0).await;
        let company = resources(&j, "company.updated");
        assert_eq!(company.len(), 1);
        assert_eq!(company[0]["name"], "Acme Realty");
        assert_eq!(company[0]["teamId"], t.team_id);
        assert_eq!(changed(&j, "company.updated"), ["city", "name"]);
    }
);

both!(
    activity_and_notification_resources,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app
            .lead(&t, json!({"firstName": "Ann", "assignedUserId": t.user_id}))
            .await;
        let added = app
            .post(
                &format!("/v1.0/leads/{lead}/activity"),
                &t.auth(),
                json!({"type": "Favorite", "created": 1_700_000_000_000_i64, "link": "https://example.com/p/1",
                       "picture": "https://example.com/1.jpg", "text": "Saved 12 Elm"}),
            )
            .await
            .ok()
            .clone();
        let listed = app
            .get(&format!("/v1.0/leads/{lead}/activities"), &t.auth())
            .await
            .ok()
            .clone();
        assert_eq!(listed, json!(vec![added.clone()]));
        let j = journal(&app, &t, lead).await;
        assert_eq!(resources(&j, "activity.added"), [added]);

        app.post(
            "/v1.0/agent/send-notification",
            &t.auth(),
            json!({"leadId": lead, "notificationType": 48, "message": "Viewed 12 Elm 3 times"}),
        )
        .await
        .ok();
        let j = journal(&app, &t, lead).await;
        assert_eq!(
            resources(&j, "notification.sent"),
            [json!({"leadId": lead, "notificationType": 48, "message": "Viewed 12 Elm 3 times"})]
        );
    }
);

both!(
    lead_create_with_a_transaction_keeps_both_resources,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app
            .lead(
                &t,
                json!({"firstName": "Bob", "lastName": "Li", "leadTransaction": {"transactionName": "12 Elm"}}),
            )
            .await;
        let shown = app
            .get(&format!("/v1.0/leads/{lead}"), &t.auth())
            .await
            .ok()
            .clone();
        let list = app
            .get(&format!("/v1.0/leads/{lead}/transactions"), &t.auth())
            .await
            .ok()
            .clone();
        let j = journal(&app, &t, lead).await;
        assert_eq!(resources(&j, "lead.created"), [shown]);
        assert_eq!(resources(&j, "transaction.created"), vec![list[0].clone()]);
        assert_eq!(list[0]["leadName"], "Bob Li");
    }
);
