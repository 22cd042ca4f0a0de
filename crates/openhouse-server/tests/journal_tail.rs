//! Two servers on one PostgreSQL database, each with its search index and lead cache in memory,
//! kept current by following the journal both write: what one writes, the other's searches
//! and reads show from the next request, without waiting, and a change of role made on one holds
//! on the other within a poll. PostgreSQL only: a SQLite database has one server.

mod common;

use std::time::{Duration, Instant};

use common::*;
use openhouse_domain::auth::CredentialKind;
use openhouse_domain::people::Profile;
use openhouse_store::Store;
use openhouse_store::people::UserChange;
use serde_json::{Value, json};

/// Two servers (nodes 1 and 2) on a fresh database, each with its index built.
async fn two_servers() -> Option<(TestApp, TestApp)> {
    let base = postgres_url()?;
    let url = fresh_postgres_database(&base).await;
    let mut apps = Vec::new();
    for node in [1, 2] {
        let store = Store::connect(&url, node).await.expect("connect");
        store.migrate().await.expect("migrate");
        store.build_search_index().await.expect("search index");
        apps.push(TestApp::with_store(store, Backend::Postgres, &url));
    }
    let b = apps.pop()?;
    let a = apps.pop()?;
    Some((a, b))
}

async fn page(app: &TestApp, t: &Team, q: &str) -> (u64, Vec<i64>) {
    let r = app.get(&format!("/v1.0/leads{q}"), &t.auth()).await;
    let v: &Value = r.ok();
    (v["_metadata"]["total"].as_u64().unwrap(), lead_ids(v))
}

#[tokio::test]
async fn a_write_on_one_server_is_in_the_others_searches_and_reads_at_once() {
    let Some((a, b)) = two_servers().await else {
        return;
    };
    let t = a.team().await;
    let mut hot_new = Vec::new();
    for i in 0..30 {
        let (tag, stage) = match i % 3 {
            0 => ("hot", "New"),
            1 => ("hot", "Active"),
            _ => ("cold", "New"),
        };
        let id = a
            .lead(
                &t,
                json!({"firstName": format!("L{i}"), "tags": [tag], "stage": stage}),
            )
            .await;
        if i % 3 == 0 {
            hot_new.push(id);
        }
    }
    hot_new.reverse();
    let q = "?anyTags=hot&stage=New&limit=25";
    // B answers from its index, which the journal fed with A's leads
    let on_b = page(&b, &t, q).await;
    assert_eq!(on_b, (10, hot_new.clone()));
    assert_eq!(page(&a, &t, q).await, on_b, "both servers answer alike");
    assert_eq!(b.store.search_index_leads(), Some(30));
    assert_eq!(
        b.store.search_index_leads(),
        a.store.search_index_leads(),
        "A's index follows its own writes through the journal too"
    );

    // a lead B has read (and keeps), changed on A: B's next read and search show the change
    let x = hot_new[3];
    assert_eq!(
        b.get(&format!("/v1.0/leads/{x}"), &t.auth()).await.ok()["stage"],
        "New"
    );
    a.put(
        &format!("/v1.0/leads/{x}"),
        &t.auth(),
        json!({"stage": "Active", "tags": ["cold"]}),
    )
    .await
    .ok();
    assert_eq!(
        b.get(&format!("/v1.0/leads/{x}"), &t.auth()).await.ok()["stage"],
        "Active"
    );
    let without_x: Vec<i64> = hot_new.iter().copied().filter(|i| *i != x).collect();
    assert_eq!(page(&b, &t, q).await, (9, without_x.clone()));
    assert_eq!(page(&b, &t, "?anyTags=cold&stage=Active").await.1, vec![x]);

    // trashed on B, gone on A at once (and B's own write reaches its index the same way)
    let y = without_x[0];
    b.delete(&format!("/v1.0/leads/{y}?reason=gone"), &t.auth())
        .await
        .ok();
    let after: Vec<i64> = without_x[1..].to_vec();
    assert_eq!(page(&a, &t, q).await, (8, after.clone()));
    assert_eq!(page(&b, &t, q).await, (8, after));
    a.get(&format!("/v1.0/leads/{y}"), &t.auth())
        .await
        .error(404, 20006);

    // a third server started now builds its index from the database (the leads, their tags)
    let c = {
        let store = Store::connect(a.url(), 3).await.expect("connect");
        store.build_search_index().await.expect("search index");
        TestApp::with_store(store, Backend::Postgres, a.url())
    };
    assert_eq!(c.store.search_index_leads(), Some(30));
    assert_eq!(page(&c, &t, q).await, page(&a, &t, q).await);

    // the in-memory answers agree with SQL's on all three
    for app in [&a, &b, &c] {
        let sql = TestApp::with_store(app.store.sql_only(), Backend::Postgres, app.url());
        for q in [q, "?anyTags=cold", "?stage=Active&limit=5&offset=2", ""] {
            assert_eq!(page(app, &t, q).await, page(&sql, &t, q).await, "{q}");
        }
    }
}

#[tokio::test]
async fn a_role_changed_on_one_server_holds_on_the_other_within_a_poll() {
    let Some((a, b)) = two_servers().await else {
        return;
    };
    let t = a.team().await;
    let agent = a
        .post(
            "/v1.0/agent",
            &t.auth(),
            json!({"emailAddress": "agent@example.com", "firstName": "A", "lastName": "Gent", "groupId": 0, "profileId": 2}),
        )
        .await
        .ok()["agentId"]
        .as_i64()
        .unwrap();
    let key = a
        .store
        .issue_credential(t.team_id, agent, CredentialKind::ApiKey)
        .await
        .unwrap();
    let auth = format!("token {key}");
    // B resolves and keeps the agent's credential
    assert_eq!(b.get("/v1.0/me", &auth).await.ok()["isAdmin"], false);
    // A makes the agent an admin
    let admin = a
        .store
        .authenticate(CredentialKind::ApiKey, &t.api_key)
        .await
        .unwrap()
        .unwrap();
    a.store
        .update_user(
            &admin,
            agent,
            UserChange {
                profile: Some(Profile::CompanyAdmin),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let changed = Instant::now();
    loop {
        if b.get("/v1.0/me", &auth).await.ok()["isAdmin"] == true {
            break;
        }
        assert!(
            changed.elapsed() < Duration::from_secs(2),
            "B still resolves the agent's old role (its credential cache keeps 30 s)"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
