//! What each role sees: the SQL condition of the search and the in-memory check of a read by id
//! must agree, lead by lead, and match the ownership rules.

mod common;

use std::collections::HashSet;

use common::*;
use openhouse_domain::auth::{CredentialKind, Role};
use serde_json::json;

both!(
    search_and_read_agree_on_what_each_role_sees,
    |app: TestApp| async move {
        let t = app.team().await;
        let s = &app.store;
        let agent1 = s
            .create_user(
                t.team_id,
                "a1@example.com",
                "Agent",
                Some("One"),
                Role::Agent,
            )
            .await
            .unwrap();
        let agent2 = s
            .create_user(
                t.team_id,
                "a2@example.com",
                "Agent",
                Some("Two"),
                Role::Agent,
            )
            .await
            .unwrap();
        let key1 = format!(
            "token {}",
            s.issue_credential(t.team_id, agent1, CredentialKind::ApiKey)
                .await
                .unwrap()
        );
        let key2 = format!(
            "token {}",
            s.issue_credential(t.team_id, agent2, CredentialKind::ApiKey)
                .await
                .unwrap()
        );
        let team_lead = app
            .lead(&t, json!({"firstName": "Team", "ownershipScope": "TEAM"}))
            .await;
        let a1_personal = app
            .lead(
                &t,
                json!({"firstName": "Mine", "ownershipScope": "PERSONAL", "ownershipId": agent1}),
            )
            .await;
        let admin_personal = app.lead(&t, json!({"firstName": "Admin's"})).await;
        let assigned_to_a2 = app
            .lead(
                &t,
                json!({"firstName": "Assigned", "assignedUserId": agent2}),
            )
            .await;
        let office = app
            .lead(
                &t,
                json!({"firstName": "Office", "ownershipScope": "OFFICE", "ownershipId": 42}),
            )
            .await;
        let all = [
            team_lead,
            a1_personal,
            admin_personal,
            assigned_to_a2,
            office,
        ];
        let expect = [
            (t.auth(), all.iter().copied().collect::<HashSet<_>>()),
            (key1.clone(), [team_lead, a1_personal].into_iter().collect()),
            (
                key2.clone(),
                [team_lead, assigned_to_a2].into_iter().collect(),
            ),
        ];
        for (auth, want) in expect {
            let r = app.get("/v1.0/leads?limit=100", &auth).await;
            let searched: HashSet<i64> = r.ok()["leads"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["leadId"].as_i64().unwrap())
                .collect();
            assert_eq!(searched, want, "search");
            // twice: once from the database, once from the cache where there is one
            for _ in 0..2 {
                let mut read = HashSet::new();
                for id in all {
                    let r = app.get(&format!("/v1.0/leads/{id}"), &auth).await;
                    match r.status.as_u16() {
                        200 => {
                            read.insert(id);
                        }
                        404 => r.error(404, 20006),
                        s => panic!("{s}: {}", r.body),
                    }
                }
                assert_eq!(read, want, "read by id");
            }
        }
        // an agent cannot edit what it cannot see
        app.put(
            &format!("/v1.0/leads/{admin_personal}"),
            &key1,
            json!({"firstName": "X"}),
        )
        .await
        .error(404, 20006);
        app.put(
            &format!("/v1.0/leads/{a1_personal}"),
            &key1,
            json!({"lastName": "Edited"}),
        )
        .await
        .ok();
    }
);

both!(reads_see_every_write_at_once, |app: TestApp| async move {
    let t = app.team().await;
    let id = app.lead(&t, json!({"firstName": "A"})).await;
    for i in 0..20 {
        app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await.ok();
        app.put(
            &format!("/v1.0/leads/{id}"),
            &t.auth(),
            json!({"lastName": format!("v{i}")}),
        )
        .await
        .ok();
        let r = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await;
        assert_eq!(r.ok()["lastName"], format!("v{i}"));
    }
    app.delete(&format!("/v1.0/leads/{id}?reason=x"), &t.auth())
        .await
        .ok();
    app.get(&format!("/v1.0/leads/{id}"), &t.auth())
        .await
        .error(404, 20006);
});
