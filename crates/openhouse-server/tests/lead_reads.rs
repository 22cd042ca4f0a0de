//! Reads of leads by id that arrive together, on a server whose lead cache is empty: on
//! PostgreSQL they share statements (store/src/read_batch.rs), and each must still get its own
//! lead, as its team may see it.

mod common;

use common::*;
use serde_json::json;

both!(
    reads_at_once_each_get_their_own_lead,
    |app: TestApp| async move {
        let t = app.team().await;
        let other = app.team().await;
        let mut ids = Vec::new();
        for i in 0..40 {
            ids.push(app.lead(&t, json!({"firstName": format!("R{i}")})).await);
        }
        let theirs = app.lead(&other, json!({"firstName": "Theirs"})).await;
        let trashed = app.lead(&t, json!({"firstName": "Gone"})).await;
        app.delete(&format!("/v1.0/leads/{trashed}?reason=test"), &t.auth())
            .await
            .ok();
        // a server with nothing in its lead cache: every read below reaches the database
        let fresh = app.reopen().await;
        // (which lead's name the answer has, or None for 404) and the id asked
        let mut asks: Vec<(Option<usize>, i64)> = ids
            .iter()
            .copied()
            .enumerate()
            .map(|(i, id)| (Some(i), id))
            .collect();
        // the same leads asked twice at once
        asks.extend(
            ids.iter()
                .copied()
                .take(10)
                .enumerate()
                .map(|(i, id)| (Some(i), id)),
        );
        // another team's lead, a trashed one and one that does not exist: not there for this team
        asks.extend([(None, theirs), (None, trashed), (None, 1)]);
        let auth = t.auth();
        let fresh = &fresh;
        let replies = futures_util::future::join_all(asks.iter().map(|(_, id)| {
            let (uri, auth) = (format!("/v1.0/leads/{id}"), auth.clone());
            async move { fresh.get(&uri, &auth).await }
        }))
        .await;
        for ((name, id), r) in asks.iter().zip(&replies) {
            match name {
                Some(i) => {
                    let v = r.ok();
                    assert_eq!(v["leadId"], *id);
                    assert_eq!(v["firstName"], format!("R{i}"), "{v}");
                }
                None => r.error(404, 20006),
            }
        }
        // the other team reads its own lead on the same server
        let v = fresh
            .get(&format!("/v1.0/leads/{theirs}"), &other.auth())
            .await;
        assert_eq!(v.ok()["firstName"], "Theirs");
    }
);
