//! Lead transactions, their property addresses and custom fields, and the Brokermint callbacks,
//! through the HTTP API.

mod common;

use common::*;
use openhouse_domain::auth::{CredentialKind, Role};
use serde_json::{Value, json};

/// The actions of a lead's journal, oldest first.
async fn actions(app: &TestApp, t: &Team, lead: i64) -> Vec<String> {
    app.store
        .lead_journal(t.team_id, lead)
        .await
        .unwrap()
        .into_iter()
        .map(|(a, _)| a)
        .collect()
}

async fn list(app: &TestApp, t: &Team, lead: i64) -> Vec<Value> {
    app.get(&format!("/v1.0/leads/{lead}/transactions"), &t.auth())
        .await
        .ok()
        .as_array()
        .unwrap()
        .clone()
}

async fn count(app: &TestApp, t: &Team) -> i64 {
    app.get("/v1.0/leads?limit=100", &t.auth()).await.ok()["_metadata"]["total"]
        .as_i64()
        .unwrap()
}

/// Defines the team's custom fields: (text, select, date, multi-select, currency) ids.
async fn fields(app: &TestApp, t: &Team) -> (i64, i64, i64, i64, i64) {
    let s = &app.store;
    let add = |name: &'static str, kind: &'static str, opts: Vec<String>| async move {
        s.add_transaction_custom_field(t.team_id, name, kind, &opts)
            .await
            .unwrap()
            .id
    };
    (
        add("Notes", "TEXT", vec![]).await,
        add(
            "Side",
            "Single-Select",
            vec!["Buyer".into(), "Seller".into()],
        )
        .await,
        add("Inspection", "DATE", vec![]).await,
        add(
            "Perks",
            "multi_select",
            vec!["Pool".into(), "Garage".into()],
        )
        .await,
        add("Fee", "CURRENCY", vec![]).await,
    )
}

fn full(agent: i64, team: i64, lead: i64, f: (i64, i64, i64, i64, i64)) -> Value {
    let line = |id_type: &str, to: i64, value: i64, calc: &str| {
        json!({
            "calculateType": calc, "desc": format!("{id_type} line"), "payTo": to,
            "payToName": "Payee", "payType": id_type, "splitPayTo": 0,
            "splitPayToName": "Other side", "splitPayType": "OTHER", "value": value
        })
    };
    json!({
        "transactionName": "123 Main St",
        "transactionType": "Listing",
        "transactionStatus": "Active",
        "homePrice": 1000000,
        "commissionRate": 2.5,
        "gci": 25000.0,
        "teamRevenue": 5000,
        "agentRevenue": 20000.75,
        "agreementSignedDate": 1700000000001_i64,
        "appointmentDate": 1700000000002_i64,
        "appraisalDate": 1700000000003_i64,
        "closeDate": 1700000000004_i64,
        "contractDate": 1700000000005_i64,
        "escrowDate": 1700000000006_i64,
        "expectedCloseDate": 1700000000007_i64,
        "expiration": 1700000000008_i64,
        "homeInspectionDate": 1700000000009_i64,
        "offerDate": 1700000000010_i64,
        "commissions": {
            "preSplit": [line("BROKERAGE", 0, -50000, "AMOUNT")],
            "split": [line("AGENT", agent, 7000, "PERCENT"), line("TEAM", team, 3000, "PERCENT")],
            "postSplit": [line("LEAD", lead, 10000, "AMOUNT"), line("VENDOR_PARTNER", 77, -100, "PERCENT")]
        },
        "customFields": [
            {"id": f.0, "value": "Motivated seller"},
            {"id": f.1, "value": "Seller"},
            {"id": f.2, "value": "2026-03-01"},
            {"id": f.3, "value": "[\"Pool\",\"Garage\"]"},
            {"id": f.4, "value": "1200.50"}
        ]
    })
}

/// `got` has every field of `sent` with the same value; commission lines compared without ids.
fn assert_carries(got: &Value, sent: &Value) {
    for (k, v) in sent.as_object().unwrap() {
        if k == "commissions" {
            for (stage, lines) in v.as_object().unwrap() {
                let got_lines = got[k][stage].as_array().unwrap();
                assert_eq!(got_lines.len(), lines.as_array().unwrap().len(), "{stage}");
                for (g, s) in got_lines.iter().zip(lines.as_array().unwrap()) {
                    assert!(g["id"].as_i64().is_some(), "{g}");
                    let mut g = g.clone();
                    g.as_object_mut().unwrap().remove("id");
                    assert_eq!(&g, s, "{stage}");
                }
            }
        } else {
            assert_eq!(&got[k], v, "{k}: {got}");
        }
    }
}

both!(every_field_round_trips, |app: TestApp| async move {
    let t = app.team().await;
    let lead = app
        .lead(
            &t,
            json!({"firstName": "Bob", "lastName": "Li", "assignedUserId": t.user_id}),
        )
        .await;
    let f = fields(&app, &t).await;
    let defs = app
        .get("/v1.0/transaction/customfields", &t.auth())
        .await
        .ok()
        .clone();
    assert_eq!(
        defs[1],
        json!({"id": f.1, "name": "Side", "type": "Single-Select",
            "params": "[{\"label\":\"Buyer\",\"value\":\"Buyer\"},{\"label\":\"Seller\",\"value\":\"Seller\"}]"})
    );
    assert_eq!(defs[3]["type"], "Multi-Select");
    assert_eq!(
        defs[4],
        json!({"id": f.4, "name": "Fee", "type": "CURRENCY"})
    );

    let sent = full(t.user_id, t.team_id, lead, f);
    let mut with_ignored = sent.clone();
    for (k, v) in [
        ("transactionId", json!(1)),
        ("created", json!(2)),
        ("updated", json!(3)),
        ("leadName", json!("Someone")),
        ("assignedAgent", json!(4)),
    ] {
        with_ignored[k] = v;
    }
    let created = app
        .post(
            &format!("/v1.0/leads/{lead}/transaction"),
            &t.auth(),
            with_ignored,
        )
        .await
        .ok()
        .clone();
    assert_carries(&created, &sent);
    let id = created["transactionId"].as_i64().unwrap();
    assert_ne!(id, 1);
    assert_eq!(created["leadName"], "Bob Li");
    assert_eq!(created["assignedAgent"], t.user_id);
    assert!(created["created"].as_i64().unwrap() > 1_700_000_000_000);
    assert_eq!(created["created"], created["updated"]);
    let got = app
        .get(&format!("/v1.0/leads/{lead}/transaction/{id}"), &t.auth())
        .await
        .ok()
        .clone();
    assert_eq!(got, created, "what is stored comes back");
    assert_eq!(list(&app, &t, lead).await, vec![created.clone()]);
    // the amounts keep the form they were sent in
    assert_eq!(got["homePrice"].to_string(), "1000000");
    assert_eq!(got["gci"].to_string(), "25000.0");

    // a second one, with the defaults: newest first in the list
    let second = app
        .post(
            &format!("/v1.0/leads/{lead}/transaction"),
            &t.auth(),
            json!({"transactionName": "Second"}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(second["transactionType"], "Purchase");
    assert_eq!(second["transactionStatus"], "Pre-contract");
    assert!(second.get("commissions").is_none() && second.get("homePrice").is_none());
    let all = list(&app, &t, lead).await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["transactionName"], "Second");

    assert_eq!(
        actions(&app, &t, lead).await,
        ["lead.created", "transaction.created", "transaction.created"]
    );
    let logs = app
        .get(&format!("/v1.0/systemLogs?leadId={lead}"), &t.auth())
        .await
        .ok()
        .clone();
    assert_eq!(logs[0]["timelineTypeDesc"], "TransactionAdded");
    let notes = app
        .get(
            &format!("/v1.0/notes?leadId={lead}&includeSystemNote=true"),
            &t.auth(),
        )
        .await
        .ok()
        .clone();
    assert!(
        notes
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["content"] == "Transaction added: 123 Main St (Listing, Active)"),
        "{notes}"
    );
});

both!(edits_change_only_what_is_sent, |app: TestApp| async move {
    let t = app.team().await;
    let lead = app.lead(&t, json!({"firstName": "A"})).await;
    let f = fields(&app, &t).await;
    let created = app
        .post(
            &format!("/v1.0/leads/{lead}/transaction"),
            &t.auth(),
            full(t.user_id, t.team_id, lead, f),
        )
        .await
        .ok()
        .clone();
    let id = created["transactionId"].as_i64().unwrap();
    let path = format!("/v1.0/leads/{lead}/transaction/{id}");
    let logged = actions(&app, &t, lead).await.len();

    // the same values again: nothing changes, nothing is logged
    let same = app
        .put(
            &path,
            &t.auth(),
            json!({"closeDate": 1700000000004_i64, "gci": 25000.0}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(same, created);
    assert_eq!(actions(&app, &t, lead).await.len(), logged);

    std::thread::sleep(std::time::Duration::from_millis(2));
    let edited = app
        .put(
            &path,
            &t.auth(),
            json!({"closeDate": 1800000000000_i64, "offerDate": null, "transactionName": "Renamed",
                "customFields": [{"id": f.0, "value": "Changed"}, {"id": f.4, "value": null}],
                "transactionId": 5, "leadName": "x"}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(edited["transactionId"], id);
    assert_eq!(edited["closeDate"], 1800000000000_i64);
    assert_eq!(
        edited["offerDate"], created["offerDate"],
        "null is not given: the field stays as it was"
    );
    assert_eq!(edited["transactionName"], "Renamed");
    assert_eq!(
        edited["customFields"],
        json!([{"id": f.0, "value": "Changed"}]),
        "the list sent replaces the transaction's"
    );
    assert_eq!(edited["commissions"], created["commissions"]);
    assert_eq!(edited["homePrice"], created["homePrice"]);
    assert_eq!(edited["created"], created["created"]);
    assert!(edited["updated"].as_i64() > created["updated"].as_i64());
    assert_eq!(
        app.get(&path, &t.auth()).await.ok(),
        &edited,
        "what is stored comes back"
    );
    let journal = app.store.lead_journal(t.team_id, lead).await.unwrap();
    let (action, detail) = journal.last().unwrap();
    assert_eq!(action, "transaction.updated");
    let changed: Vec<&str> = detail["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["closeDate", "customFields", "transactionName"]);

    // commission lines keep their ids when sent back; a line without one is new
    let kept = edited["commissions"]["split"][0].clone();
    let edited = app
        .put(
            &path,
            &t.auth(),
            json!({"commissions": {"split": [kept.clone(), {"payTo": 0, "payType": "OTHER", "splitPayTo": 0, "splitPayType": "OTHER", "value": 5}]}}),
        )
        .await
        .ok()
        .clone();
    let split = edited["commissions"]["split"].as_array().unwrap();
    assert_eq!(split[0], kept);
    assert_eq!(split[1]["calculateType"], "AMOUNT", "the default");
    assert!(split[1]["id"].as_i64().is_some());
    assert!(edited["commissions"].get("preSplit").is_none());

    // a type whose pipeline lacks the status starts the new pipeline
    let edited = app
        .put(&path, &t.auth(), json!({"transactionType": "Purchase"}))
        .await
        .ok()
        .clone();
    assert_eq!(edited["transactionStatus"], "Pre-contract");
    let edited = app
        .put(
            &path,
            &t.auth(),
            json!({"transactionStatus": "under contract"}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(edited["transactionStatus"], "Under Contract");
});

both!(
    bad_input_is_refused_and_stores_nothing,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app.lead(&t, json!({"firstName": "A"})).await;
        let f = fields(&app, &t).await;
        let line = |pay_type: &str, to: i64| json!({"payTo": to, "payType": pay_type, "splitPayTo": 0, "splitPayType": "OTHER", "value": 1});
        let post = format!("/v1.0/leads/{lead}/transaction");
        let cases = [
            (json!({}), 400, 200062),
            (json!({"transactionName": "  "}), 400, 200062),
            (json!({"transactionName": "<script>"}), 400, 200062),
            (json!({"transactionName": "x".repeat(256)}), 400, 20043),
            (json!({"transactionName": 5}), 400, 20012),
            (
                json!({"transactionName": "x", "transactionType": "Rental"}),
                400,
                20012,
            ),
            (
                json!({"transactionName": "x", "transactionStatus": "Sold"}),
                400,
                200125,
            ),
            (json!({"transactionName": "x", "homePrice": -1}), 400, 20012),
            (json!({"transactionName": "x", "gci": "lots"}), 400, 20012),
            (
                json!({"transactionName": "x", "commissionRate": 120}),
                400,
                20012,
            ),
            (
                json!({"transactionName": "x", "escrowDate": -1}),
                400,
                20012,
            ),
            (
                json!({"transactionName": "x", "closeDate": 1.5}),
                400,
                20012,
            ),
            (
                json!({"transactionName": "x", "commissions": {"split": [{"payType": "AGENT", "splitPayTo": 0, "splitPayType": "OTHER", "value": 1}]}}),
                400,
                20012,
            ),
            (
                json!({"transactionName": "x", "commissions": {"split": [line("UPLINE", 0)]}}),
                400,
                20012,
            ),
            (
                json!({"transactionName": "x", "commissions": {"split": [line("AGENT", 12345)]}}),
                400,
                20003,
            ),
            (
                json!({"transactionName": "x", "commissions": {"split": [line("TEAM", 12345)]}}),
                400,
                20012,
            ),
            (
                json!({"transactionName": "x", "commissions": {"split": [line("LEAD", 12345)]}}),
                400,
                20012,
            ),
            (
                json!({"transactionName": "x", "commissions": {"split": [{"id": 99, "payTo": 0, "payType": "OTHER", "splitPayTo": 0, "splitPayType": "OTHER", "value": 1}]}}),
                400,
                20012,
            ),
            (
                json!({"transactionName": "x", "commissions": {"split": [{"payTo": 0, "payType": "OTHER", "splitPayTo": 0, "splitPayType": "OTHER", "value": 10001, "calculateType": "PERCENT"}]}}),
                400,
                20012,
            ),
            (
                json!({"transactionName": "x", "commissions": {"preSplit": [{"payTo": 0, "payType": "OTHER", "splitPayTo": 0, "splitPayType": "OTHER", "value": 1, "desc": "d".repeat(513)}]}}),
                400,
                20043,
            ),
            (
                json!({"transactionName": "x", "customFields": [{"id": 1, "value": "x"}]}),
                400,
                20012,
            ),
            (
                json!({"transactionName": "x", "customFields": [{"id": f.1, "value": "Landlord"}]}),
                400,
                20012,
            ),
            (
                json!({"transactionName": "x", "customFields": [{"id": f.4, "value": "cheap"}]}),
                400,
                20012,
            ),
            (
                json!({"transactionName": "x", "customFields": [{"id": f.0, "value": "x".repeat(2001)}]}),
                400,
                20043,
            ),
            (json!([{"transactionName": "x"}]), 400, 20012),
            (json!({"transactionName": "x"}), 404, 20006),
        ];
        for (i, (body, status, code)) in cases.into_iter().enumerate() {
            let uri = if status == 404 {
                "/v1.0/leads/12345/transaction".to_string()
            } else {
                post.clone()
            };
            let r = app.post(&uri, &t.auth(), body.clone()).await;
            assert_eq!(r.status.as_u16(), status, "case {i}: {body} -> {}", r.body);
            assert_eq!(r.body["code"], code, "case {i}: {body} -> {}", r.body);
        }
        app.post(
            "/v1.0/leads/notanumber/transaction",
            &t.auth(),
            json!({"transactionName": "x"}),
        )
        .await
        .error(400, 20012);
        assert!(list(&app, &t, lead).await.is_empty(), "nothing stored");
        assert_eq!(actions(&app, &t, lead).await, ["lead.created"]);

        // a refused edit leaves the transaction as it was
        let created = app
            .post(
                &post,
                &t.auth(),
                json!({"transactionName": "Kept", "homePrice": 5}),
            )
            .await
            .ok()
            .clone();
        let path = format!(
            "/v1.0/leads/{lead}/transaction/{}",
            created["transactionId"]
        );
        for (body, code) in [
            (json!({"homePrice": 7, "transactionName": "  "}), 200062),
            (
                json!({"homePrice": 7, "transactionStatus": "Active"}),
                200125,
            ),
            (
                json!({"homePrice": 7, "commissions": {"split": [line("AGENT", 1)]}}),
                20003,
            ),
        ] {
            app.put(&path, &t.auth(), body).await.error(400, code);
        }
        assert_eq!(app.get(&path, &t.auth()).await.ok(), &created);
        assert_eq!(
            actions(&app, &t, lead).await,
            ["lead.created", "transaction.created"]
        );
    }
);

both!(property_addresses, |app: TestApp| async move {
    let t = app.team().await;
    let lead = app.lead(&t, json!({"firstName": "A"})).await;
    let other = app.lead(&t, json!({"firstName": "B"})).await;
    let id = app
        .post(
            &format!("/v1.0/leads/{lead}/transaction"),
            &t.auth(),
            json!({"transactionName": "x"}),
        )
        .await
        .ok()["transactionId"]
        .as_i64()
        .unwrap();
    let get = format!("/v1.0/leads/{lead}/transaction/{id}/property/address");
    let post = format!("/v1.0/leads/{lead}/transaction/property/address");
    app.get(&get, &t.auth()).await.error(404, 20007);
    let full = json!({"transactionId": id, "streetAddress": "100 W 1st St", "unit": "1",
        "city": "Los Angeles", "county": "Los Angeles", "state": "CA", "zipCode": "90012",
        "label": "Investment"});
    app.post(&post, &t.auth(), json!({"city": "LA"}))
        .await
        .error(400, 20012);
    app.post(
        &post,
        &t.auth(),
        json!({"transactionId": id, "label": "Only a label", "city": " "}),
    )
    .await
    .error(400, 200057);
    app.post(
        &post,
        &t.auth(),
        json!({"transactionId": id, "city": "x".repeat(256)}),
    )
    .await
    .error(400, 20043);
    app.post(
        &format!("/v1.0/leads/{other}/transaction/property/address"),
        &t.auth(),
        full.clone(),
    )
    .await
    .error(404, 200060);
    app.get(&get, &t.auth()).await.error(404, 20007);
    assert_eq!(app.post(&post, &t.auth(), full.clone()).await.ok(), &full);
    assert_eq!(app.get(&get, &t.auth()).await.ok(), &full);
    // a full replacement: what is left out is cleared
    let less = json!({"transactionId": id, "city": "Austin"});
    assert_eq!(app.post(&post, &t.auth(), less.clone()).await.ok(), &less);
    assert_eq!(app.get(&get, &t.auth()).await.ok(), &less);
    // the same again changes nothing
    app.post(&post, &t.auth(), less.clone()).await.ok();
    assert_eq!(
        actions(&app, &t, lead).await,
        [
            "lead.created",
            "transaction.created",
            "transaction.updated",
            "transaction.updated"
        ]
    );
    app.get(
        &format!("/v1.0/leads/{other}/transaction/{id}/property/address"),
        &t.auth(),
    )
    .await
    .error(404, 200060);
});

both!(
    transactions_are_as_visible_as_their_lead,
    |app: TestApp| async move {
        let t = app.team().await;
        let other_team = app.team().await;
        let lead = app.lead(&t, json!({"firstName": "A"})).await;
        let second = app.lead(&t, json!({"firstName": "B"})).await;
        let foreign_lead = app.lead(&other_team, json!({"firstName": "C"})).await;
        let mk = |lead: i64, team: &Team| {
            let app = &app;
            let auth = team.auth();
            async move {
                app.post(
                    &format!("/v1.0/leads/{lead}/transaction"),
                    &auth,
                    json!({"transactionName": "x"}),
                )
                .await
                .ok()["transactionId"]
                    .as_i64()
                    .unwrap()
            }
        };
        let id = mk(lead, &t).await;
        let foreign = mk(foreign_lead, &other_team).await;
        let o = other_team.auth();
        // another team: the lead does not exist
        app.get(&format!("/v1.0/leads/{lead}/transactions"), &o)
            .await
            .error(404, 20006);
        app.get(&format!("/v1.0/leads/{lead}/transaction/{id}"), &o)
            .await
            .error(404, 20006);
        app.put(
            &format!("/v1.0/leads/{lead}/transaction/{id}"),
            &o,
            json!({"transactionName": "mine"}),
        )
        .await
        .error(404, 20006);
        app.post(
            &format!("/v1.0/leads/{lead}/transaction"),
            &o,
            json!({"transactionName": "mine"}),
        )
        .await
        .error(404, 20006);
        app.get(
            &format!("/v1.0/leads/{lead}/transaction/{id}/property/address"),
            &o,
        )
        .await
        .error(404, 20006);
        // another team's transaction on our lead, our transaction on another lead: not there
        for (l, tid) in [(lead, foreign), (second, id)] {
            app.get(&format!("/v1.0/leads/{l}/transaction/{tid}"), &t.auth())
                .await
                .error(404, 200060);
            app.put(
                &format!("/v1.0/leads/{l}/transaction/{tid}"),
                &t.auth(),
                json!({"transactionName": "moved"}),
            )
            .await
            .error(404, 200060);
        }
        // an agent who cannot see the lead
        let agent = app
            .store
            .create_user(t.team_id, "agent@example.com", "Ag", None, Role::Agent)
            .await
            .unwrap();
        let agent_key = format!(
            "token {}",
            app.store
                .issue_credential(t.team_id, agent, CredentialKind::ApiKey)
                .await
                .unwrap()
        );
        app.get(&format!("/v1.0/leads/{lead}/transactions"), &agent_key)
            .await
            .error(404, 20006);
        // no other team's custom fields
        fields(&app, &other_team).await;
        assert_eq!(
            app.get("/v1.0/transaction/customfields", &t.auth())
                .await
                .ok(),
            &json!([])
        );
        // a trashed lead's transactions go with it
        app.delete(&format!("/v1.0/leads/{lead}?reason=x"), &t.auth())
            .await
            .ok();
        app.get(&format!("/v1.0/leads/{lead}/transaction/{id}"), &t.auth())
            .await
            .error(404, 20006);
        app.get(&format!("/v1.0/leads/{lead}/transactions"), &t.auth())
            .await
            .error(404, 20006);
        assert_eq!(
            app.get(
                &format!("/v1.0/leads/{foreign_lead}/transaction/{foreign}"),
                &o
            )
            .await
            .ok()["transactionName"],
            "x"
        );
    }
);

both!(
    lead_create_and_edit_carry_transactions,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app
        .lead(
            &t,
            json!({"firstName": "A", "leadTransaction": {"transactionName": "With the lead", "homePrice": 300000}}),
        )
        .await;
        let all = list(&app, &t, lead).await;
        assert_eq!(all.len(), 1);
        assert_eq!(all[0]["homePrice"], 300000);
        assert_eq!(all[0]["transactionStatus"], "Pre-contract");
        let id = all[0]["transactionId"].as_i64().unwrap();
        app.put(
            &format!("/v1.0/leads/{lead}"),
            &t.auth(),
            json!({"leadTransaction": {"transactionId": id, "transactionName": "Renamed"}}),
        )
        .await
        .ok();
        let all = list(&app, &t, lead).await;
        assert_eq!(all.len(), 1);
        assert_eq!(all[0]["transactionName"], "Renamed");
        assert_eq!(all[0]["homePrice"], 300000, "the rest stays");
        let other = app.lead(&t, json!({"firstName": "B"})).await;
        app.put(
        &format!("/v1.0/leads/{other}"),
        &t.auth(),
        json!({"stage": "Hot", "leadTransaction": {"transactionId": id, "transactionName": "Stolen"}}),
    )
    .await
    .error(404, 200060);
        app.post(
        "/v1.0/leads",
        &t.auth(),
        json!({"firstName": "C", "leadTransaction": {"transactionName": "x", "transactionStatus": "Sold"}}),
    )
    .await
    .error(400, 200125);
        assert_eq!(
            app.get(&format!("/v1.0/leads/{other}"), &t.auth())
                .await
                .ok()
                .get("stage"),
            None,
            "the refused edit changed nothing"
        );
        assert_eq!(
            actions(&app, &t, lead).await,
            [
                "lead.created",
                "transaction.created",
                "lead.updated",
                "transaction.updated"
            ]
        );
    }
);

both!(brokermint_contacts_upsert, |app: TestApp| async move {
    let t = app.team().await;
    let contact = json!({"externalId": "bm-1", "firstName": "Ann", "lastName": "Lee",
        "email": "Ann@Example.com", "phone": "+1 (347) 903-3333", "address": "1 Elm St",
        "city": "Austin", "state": "TX", "zip": "78701", "leadSource": "Brokermint",
        "contactType": "Buyer", "bmPrivate": false});
    let r = app
        .put("/v1.0/brokermint/lead", &t.auth(), contact.clone())
        .await
        .ok()
        .clone();
    assert_eq!(r["code"], 0);
    assert_eq!(r["message"], "created");
    let lead = r["leadId"].as_i64().unwrap();
    let l = app
        .get(&format!("/v1.0/leads/{lead}"), &t.auth())
        .await
        .ok()
        .clone();
    assert_eq!(l["firstName"], "Ann");
    assert_eq!(l["lastName"], "Lee");
    assert_eq!(l["emails"], json!(["Ann@Example.com"]));
    assert_eq!(l["phones"], json!(["+1 (347) 903-3333"]));
    assert_eq!(l["streetAddress"], "1 Elm St");
    assert_eq!(l["zipCode"], "78701");
    assert_eq!(l["source"], "Brokermint");
    assert_eq!(l["leadTypes"], json!([2]));
    assert_eq!(l["ownershipScope"], "TEAM");
    assert_eq!(l["assignedUserId"], t.user_id);

    // the same call again: the same lead, nothing written
    for _ in 0..2 {
        let r = app
            .put("/v1.0/brokermint/lead", &t.auth(), contact.clone())
            .await
            .ok()
            .clone();
        assert_eq!(
            (r["leadId"].as_i64(), r["message"].as_str()),
            (Some(lead), Some("unchanged"))
        );
    }
    assert_eq!(actions(&app, &t, lead).await, ["lead.created"]);
    assert_eq!(count(&app, &t).await, 1);

    // a change by externalId: the email is added, the phone written differently is the same
    let r = app
        .put(
            "/v1.0/brokermint/lead",
            &t.auth(),
            json!({"externalId": "bm-1", "email": "ann@work.com", "phone": "347-903-3333",
                "lastName": "", "city": "Dallas"}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(
        (r["leadId"].as_i64(), r["message"].as_str()),
        (Some(lead), Some("updated"))
    );
    let l = app
        .get(&format!("/v1.0/leads/{lead}"), &t.auth())
        .await
        .ok()
        .clone();
    assert_eq!(l["emails"], json!(["Ann@Example.com", "ann@work.com"]));
    assert_eq!(l["phones"], json!(["+1 (347) 903-3333"]));
    assert_eq!(l["lastName"], "Lee", "blank is not sent");
    assert_eq!(l["city"], "Dallas");
    let journal = app.store.lead_journal(t.team_id, lead).await.unwrap();
    assert_eq!(journal[1].0, "lead.updated");
    assert_eq!(journal[1].1["origin"]["externalId"], "bm-1");

    // without externalId: found by email, any case
    let r = app
        .put(
            "/v1.0/brokermint/lead",
            &t.auth(),
            json!({"email": "ANN@WORK.COM", "firstName": "Ann"}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(
        (r["leadId"].as_i64(), r["message"].as_str()),
        (Some(lead), Some("unchanged"))
    );
    // a new externalId with a known email links that lead; then it is found by the id
    let r = app
        .put(
            "/v1.0/brokermint/lead",
            &t.auth(),
            json!({"externalId": "bm-2", "email": "ann@example.com"}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(
        (r["leadId"].as_i64(), r["message"].as_str()),
        (Some(lead), Some("updated"))
    );
    let r = app
        .put(
            "/v1.0/brokermint/lead",
            &t.auth(),
            json!({"externalId": "bm-2"}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(
        (r["leadId"].as_i64(), r["message"].as_str()),
        (Some(lead), Some("unchanged"))
    );
    assert_eq!(count(&app, &t).await, 1);

    // refused: a new contact without a name, a bad email; nothing is created
    app.put(
        "/v1.0/brokermint/lead",
        &t.auth(),
        json!({"externalId": "bm-3", "email": "new@example.com"}),
    )
    .await
    .error(400, 20012);
    app.put(
        "/v1.0/brokermint/lead",
        &t.auth(),
        json!({"externalId": "bm-3", "firstName": "New", "email": "not an email"}),
    )
    .await
    .error(400, 20012);
    app.put(
        "/v1.0/brokermint/lead",
        &t.auth(),
        json!({"externalId": "x".repeat(256), "firstName": "New"}),
    )
    .await
    .error(400, 20043);
    app.put(
        "/v1.0/brokermint/lead",
        &t.auth(),
        json!({"bmPrivate": "yes"}),
    )
    .await
    .error(400, 20012);
    assert_eq!(count(&app, &t).await, 1);

    // a private contact is the caller's own; another team's externalId is another lead
    let r = app
        .put(
            "/v1.0/brokermint/lead",
            &t.auth(),
            json!({"externalId": "bm-4", "firstName": "Pat"}),
        )
        .await
        .ok()
        .clone();
    let pat = r["leadId"].as_i64().unwrap();
    let l = app
        .get(&format!("/v1.0/leads/{pat}"), &t.auth())
        .await
        .ok()
        .clone();
    assert_eq!(
        (l["ownershipScope"].as_str(), l["ownershipId"].as_i64()),
        (Some("PERSONAL"), Some(t.user_id))
    );
    let other = app.team().await;
    let r = app
        .put("/v1.0/brokermint/lead", &other.auth(), contact.clone())
        .await
        .ok()
        .clone();
    assert_eq!(r["message"], "created");
    assert_ne!(r["leadId"].as_i64(), Some(lead));
    // a trashed lead gives its link up to a new one
    app.delete(&format!("/v1.0/leads/{pat}?reason=x"), &t.auth())
        .await
        .ok();
    let r = app
        .put(
            "/v1.0/brokermint/lead",
            &t.auth(),
            json!({"externalId": "bm-4", "firstName": "Pat"}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(r["message"], "created");
    assert_ne!(r["leadId"].as_i64(), Some(pat));
});

both!(brokermint_transactions_upsert, |app: TestApp| async move {
    let t = app.team().await;
    let incoming = json!({"id": 777, "address": "9 Oak Ave", "city": "Austin", "state": "TX",
        "zip": "78702", "price": 450000, "transactionType": "Listing", "status": "Pending",
        "closedAt": "2026-03-01T00:00:00Z", "closingDate": 1772323200000_i64,
        "expirationDate": {"year": 126, "month": 2, "date": 1, "hours": 0, "minutes": 0,
            "seconds": 0, "nanos": 0, "timezoneOffset": 0, "day": 0},
        "acceptanceDate": {"time": 1772323200000_i64}, "representing": "Seller",
        "agentName": "ignored"});
    // no lead from Brokermint yet to put it on
    app.put("/v1.0/brokermint/transaction", &t.auth(), incoming.clone())
        .await
        .error(404, 20006);
    let lead = app
        .put(
            "/v1.0/brokermint/lead",
            &t.auth(),
            json!({"externalId": "c-1", "firstName": "Ann"}),
        )
        .await
        .ok()["leadId"]
        .as_i64()
        .unwrap();
    let r = app
        .put("/v1.0/brokermint/transaction", &t.auth(), incoming.clone())
        .await
        .ok()
        .clone();
    assert_eq!(
        (
            r["code"].as_i64(),
            r["message"].as_str(),
            r["leadId"].as_i64()
        ),
        (Some(0), Some("created"), Some(lead))
    );
    let id = r["transactionId"].as_i64().unwrap();
    let path = format!("/v1.0/leads/{lead}/transaction/{id}");
    let got = app.get(&path, &t.auth()).await.ok().clone();
    assert_eq!(got["transactionName"], "9 Oak Ave");
    assert_eq!(got["transactionType"], "Listing");
    assert_eq!(
        got["transactionStatus"], "Pre-listing",
        "Pending is ignored"
    );
    assert_eq!(got["homePrice"], 450000);
    for k in [
        "closeDate",
        "expectedCloseDate",
        "expiration",
        "contractDate",
    ] {
        assert_eq!(got[k], 1772323200000_i64, "{k}");
    }
    assert_eq!(
        app.get(&format!("{path}/property/address"), &t.auth())
            .await
            .ok(),
        &json!({"transactionId": id, "streetAddress": "9 Oak Ave", "city": "Austin",
            "state": "TX", "zipCode": "78702"})
    );
    let logged = actions(&app, &t, lead).await;
    assert_eq!(logged, ["lead.created", "transaction.created"]);

    // the same call again: the same ids, no new row, nothing logged
    for _ in 0..2 {
        let again = app
            .put("/v1.0/brokermint/transaction", &t.auth(), incoming.clone())
            .await
            .ok()
            .clone();
        assert_eq!(again["transactionId"], id);
        assert_eq!(again["message"], "unchanged");
    }
    assert_eq!(list(&app, &t, lead).await.len(), 1);
    assert_eq!(actions(&app, &t, lead).await, logged);
    assert_eq!(app.get(&path, &t.auth()).await.ok(), &got);

    // a change: closed, a new zip; the rest of the address stays
    let r = app
        .put(
            "/v1.0/brokermint/transaction",
            &t.auth(),
            json!({"id": 777, "status": "closed", "zip": "78703", "agentId": t.user_id}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(r["message"], "updated");
    let got = app.get(&path, &t.auth()).await.ok().clone();
    assert_eq!(got["transactionStatus"], "Closed");
    assert_eq!(got["assignedAgent"], t.user_id);
    let address = app
        .get(&format!("{path}/property/address"), &t.auth())
        .await
        .ok()
        .clone();
    assert_eq!(
        (address["zipCode"].as_str(), address["city"].as_str()),
        (Some("78703"), Some("Austin"))
    );

    // an openhouse transaction id is found as itself
    let own = app
        .post(
            &format!("/v1.0/leads/{lead}/transaction"),
            &t.auth(),
            json!({"transactionName": "Made here"}),
        )
        .await
        .ok()["transactionId"]
        .as_i64()
        .unwrap();
    let r = app
        .put(
            "/v1.0/brokermint/transaction",
            &t.auth(),
            json!({"id": own, "status": "Cancelled"}),
        )
        .await
        .ok()
        .clone();
    assert_eq!(
        (r["transactionId"].as_i64(), r["message"].as_str()),
        (Some(own), Some("updated"))
    );
    assert_eq!(list(&app, &t, lead).await.len(), 2);

    // refused, nothing changes
    let before = list(&app, &t, lead).await;
    let before_log = actions(&app, &t, lead).await;
    for (body, code) in [
        (json!({"price": 5}), 20012),
        (json!({"id": 777, "price": -5}), 20012),
        (json!({"id": 777, "closedAt": "next week"}), 20012),
        (json!({"id": 777, "closedAt": {"year": 126}}), 20012),
        (json!({"id": 777, "agentId": 12345}), 20003),
        (json!({"id": "seven"}), 20012),
    ] {
        app.put("/v1.0/brokermint/transaction", &t.auth(), body)
            .await
            .error(400, code);
    }
    assert_eq!(list(&app, &t, lead).await, before);
    assert_eq!(actions(&app, &t, lead).await, before_log);

    // another team: its own transaction for the same Brokermint id, on its own lead
    let other = app.team().await;
    app.put(
        "/v1.0/brokermint/transaction",
        &other.auth(),
        incoming.clone(),
    )
    .await
    .error(404, 20006);
    let other_lead = app
        .put(
            "/v1.0/brokermint/lead",
            &other.auth(),
            json!({"externalId": "c-1", "firstName": "Ann"}),
        )
        .await
        .ok()["leadId"]
        .as_i64()
        .unwrap();
    let r = app
        .put(
            "/v1.0/brokermint/transaction",
            &other.auth(),
            incoming.clone(),
        )
        .await
        .ok()
        .clone();
    assert_eq!(r["leadId"], other_lead);
    assert_ne!(r["transactionId"], id);
    assert_eq!(
        app.get(&path, &t.auth()).await.ok()["transactionStatus"],
        "Closed"
    );
});
