//! Tolerant input, strict where it matters: what clients written against Lofty send and Lofty
//! accepts (empty strings and nulls for fields that do not apply, an enum in the case the other
//! document writes it, every value either document lists) is accepted; what is wrong stays a 400
//! that changes nothing.

mod common;

use common::*;
use serde_json::{Value, json};

async fn activities(app: &TestApp, t: &Team, lead: i64) -> Vec<Value> {
    app.get(&format!("/v1.0/leads/{lead}/activities"), &t.auth())
        .await
        .ok()
        .as_array()
        .unwrap()
        .clone()
}

both!(
    empty_strings_and_nulls_are_not_given,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = t.auth();
        // an empty optional enum: the lead is made with the default scope
        let r = app
        .post(
            "/v1.0/leads",
            &a,
            json!({"firstName": "Ann", "ownershipScope": "", "lastName": null, "source": "",
                   "inquiry": {"priceMin": null, "locations": [{"city": "Austin", "zipCode": ""}]}}),
        )
        .await;
        let lead = r.ok()["leadId"].as_i64().unwrap();
        let l = app.get(&format!("/v1.0/leads/{lead}"), &a).await;
        let l = l.ok();
        let plain = app.lead(&t, json!({"firstName": "Plain"})).await;
        let plain = app.get(&format!("/v1.0/leads/{plain}"), &a).await;
        assert_eq!(
            l["ownershipScope"],
            plain.ok()["ownershipScope"],
            "the default scope"
        );
        assert_eq!(l["firstName"], "Ann");
        assert!(l.get("lastName").is_none_or(Value::is_null), "{l}");
        assert_eq!(l["leadInquiry"]["locations"][0]["city"], "Austin");

        // an activity with empty link and picture: stored, without them
        let r = app
        .post(
            &format!("/v1.0/leads/{lead}/activity"),
            &a,
            json!({"type": "Favorite", "created": 1_700_000_000_000_i64, "link": "", "picture": "",
                   "text": "Saved 12 Elm"}),
        )
        .await;
        r.ok();
        let stored = activities(&app, &t, lead).await;
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0]["text"], "Saved 12 Elm");

        // empty query values are not given either
        let r = app
            .get(&format!("/v1.0/notes?leadId={lead}&includeSystemNote="), &a)
            .await;
        assert_eq!(r.ok(), &json!([]));

        // an edit with nulls and empty strings changes only what has a value
        app.put(
            &format!("/v1.0/leads/{lead}"),
            &a,
            json!({"firstName": "", "lastName": "Lee", "stage": null}),
        )
        .await
        .ok();
        let l = app.get(&format!("/v1.0/leads/{lead}"), &a).await;
        assert_eq!(
            l.ok()["firstName"],
            "Ann",
            "an empty string is not a change"
        );
        assert_eq!(l.ok()["lastName"], "Lee");
    }
);

both!(
    enums_in_either_case_and_every_listed_value,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = t.auth();
        let lead = app
            .lead(&t, json!({"firstName": "Ann", "assignedUserId": t.user_id}))
            .await;
        // a call's direction as the published document shows it
        for (sent, stored) in [
            ("Inbound", "inbound"),
            ("OUTBOUND", "outbound"),
            ("inbound", "inbound"),
        ] {
            let r = app
            .post(
                "/v1.0/logType",
                &a,
                json!({"leadId": lead, "logType": "logCall", "content": "Talked", "leadPhoneNumber": "5865865860",
                       "callingOutcome": "Talked", "outboundOrInbound": sent}),
            )
            .await;
            assert_eq!(r.ok()["logType"]["outboundOrInbound"], stored, "{sent}");
        }
        // every notification type either document lists
        for code in [9, 10, 11, 136, 137, 138, 139, 140, 141, 48, 168] {
            let r = app
            .post(
                "/v1.0/agent/send-notification",
                &a,
                json!({"leadId": lead, "notificationType": code, "message": format!("type {code}")}),
            )
            .await;
            assert_eq!(r.ok()["data"], true, "{code}");
        }
    }
);

both!(wrong_values_are_still_refused, |app: TestApp| async move {
    let t = app.team().await;
    let a = t.auth();
    let lead = app.lead(&t, json!({"firstName": "Ann"})).await;
    let before = app.get("/v1.0/leads", &a).await.ok()["_metadata"]["total"].clone();
    for body in [
        json!({"firstName": "Bo", "ownershipScope": "EVERYONE"}),
        json!({"firstName": ""}),
        json!({"firstName": null}),
        json!({"firstName": "Bo", "inquiry": {"priceMin": "cheap"}}),
        json!({"firstName": "Bo", "emails": "not a list"}),
    ] {
        app.post("/v1.0/leads", &a, body.clone())
            .await
            .error(400, 20012);
    }
    assert_eq!(
        app.get("/v1.0/leads", &a).await.ok()["_metadata"]["total"],
        before,
        "nothing was stored"
    );
    for body in [
        json!({"type": "Favorite", "created": 1_700_000_000_000_i64, "link": "not a url", "text": "x"}),
        json!({"type": "Nonsense", "created": 1_700_000_000_000_i64, "text": "x"}),
        json!({"type": "", "created": 1_700_000_000_000_i64, "text": "x"}),
    ] {
        let r = app
            .post(&format!("/v1.0/leads/{lead}/activity"), &a, body.clone())
            .await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
    }
    assert!(activities(&app, &t, lead).await.is_empty());
    for code in [0, 12, 49, 135, 142] {
        app.post(
            "/v1.0/agent/send-notification",
            &a,
            json!({"leadId": lead, "notificationType": code}),
        )
        .await
        .error(400, 20012);
    }
    app.post(
        "/v1.0/logType",
        &a,
        json!({"leadId": lead, "logType": "logText", "content": "x", "outboundOrInbound": "sideways"}),
    )
    .await
    .error(400, 20012);
    // a required field given empty is missing
    app.post("/v1.0/notes", &a, json!({"leadId": lead, "content": ""}))
        .await
        .error(400, 20012);
    app.get("/v1.0/notes?leadId=", &a).await.error(400, 20012);
    assert_eq!(
        app.get(&format!("/v1.0/notes?leadId={lead}"), &a)
            .await
            .ok(),
        &json!([])
    );
});
