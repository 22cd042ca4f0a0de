//! Many lead creates at once (on SQLite they share transactions: group commit): each answers
//! for itself. Good ones are created with what they carry; one refused by its checks, even one
//! whose transaction is refused after the lead itself was written, leaves nothing behind.

mod common;

use std::collections::HashSet;

use axum::body::Body;
use axum::http::Request;
use common::*;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

both!(
    creates_at_once_answer_each_for_itself,
    |app: TestApp| async move {
        let t = app.team().await;
        let mut tasks = Vec::new();
        for i in 0..90 {
            let body = match i % 3 {
                0 => {
                    json!({"firstName": format!("Good {i}"), "tags": ["batch", format!("good-{i}")],
                "emails": [format!("good{i}@example.com")]})
                }
                1 => json!({"firstName": format!("Bad {i}"), "tags": [format!("bad-{i}")],
                "assignedUserId": 12345}),
                _ => json!({"firstName": format!("Bad tx {i}"), "tags": [format!("badtx-{i}")],
                "leadTransaction": {"transactionName": "x", "transactionStatus": "Sold"}}),
            };
            let req = Request::post("/v1.0/leads")
                .header("Authorization", t.auth())
                .header("Content-Type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap();
            let router = app.router.clone();
            tasks.push(tokio::spawn(async move {
                let resp = router.oneshot(req).await.unwrap();
                let status = resp.status().as_u16();
                let bytes = resp.into_body().collect().await.unwrap().to_bytes();
                (i, status, serde_json::from_slice::<Value>(&bytes).unwrap())
            }));
        }
        let mut created = Vec::new();
        for task in tasks {
            let (i, status, body) = task.await.unwrap();
            match i % 3 {
                0 => {
                    assert_eq!(status, 200, "{i}: {body}");
                    created.push((i, body["leadId"].as_i64().unwrap()));
                }
                1 => {
                    assert_eq!(
                        (status, body["code"].as_i64()),
                        (400, Some(20003)),
                        "{i}: {body}"
                    )
                }
                _ => {
                    assert_eq!(
                        (status, body["code"].as_i64()),
                        (400, Some(200125)),
                        "{i}: {body}"
                    )
                }
            }
        }
        let ids: HashSet<i64> = created.iter().map(|(_, id)| *id).collect();
        assert_eq!(ids.len(), 30, "every create has an id of its own");
        for (i, id) in &created {
            let l = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await;
            let l = l.ok();
            assert_eq!(l["firstName"], format!("Good {i}"));
            assert_eq!(l["emails"], json!([format!("good{i}@example.com")]));
            let tags: Vec<&str> = l["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["tagName"].as_str().unwrap())
                .collect();
            assert_eq!(tags, ["batch", &format!("good-{i}")]);
        }
        let all = app.get("/v1.0/leads?limit=100", &t.auth()).await;
        assert_eq!(
            all.ok()["_metadata"]["total"],
            30,
            "refused creates left no lead"
        );
        let batch = app
            .get("/v1.0/leads?anyTags=batch&limit=100", &t.auth())
            .await;
        assert_eq!(batch.ok()["_metadata"]["total"], 30);
        let tags = app.get("/v1.0/teamFeatures/listTag", &t.auth()).await;
        let names: Vec<&str> = tags
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["tagName"].as_str().unwrap())
            .collect();
        assert!(
            names
                .iter()
                .all(|n| *n == "batch" || n.starts_with("good-")),
            "{names:?}"
        );
        // one journal entry per created lead, none for a refused one
        for (_, id) in &created {
            let log = app.store.lead_journal(t.team_id, *id).await.unwrap();
            assert_eq!(log.len(), 1);
            assert_eq!(log[0].0, "lead.created");
        }
    }
);
