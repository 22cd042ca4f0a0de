//! Leads through the HTTP API: create, read, edit, trash; validation; isolation; credentials,
//! errors and rate limits.
#![recursion_limit = "256"]

mod common;

use axum::body::Body;
use axum::http::{Method, Request};
use common::*;
use serde_json::{Value, json};

fn full_lead() -> Value {
    json!({
        "firstName": "Robert",
        "lastName": "Li",
        "emails": ["bob@example.com", "bob.work@example.com"],
        "phones": ["+1 (347) 903-3333", "4155551234"],
        "birthday": "Jun 5, 2001",
        "buyHouse": "Yes",
        "buyingTimeFrame": "6-12",
        "cannotCall": true,
        "cannotEmail": false,
        "cannotText": true,
        "city": "Washington DC",
        "state": "DC",
        "streetAddress": "1600 Pennsylvania Avenue NW",
        "zipCode": "20500",
        "fthb": "No",
        "houseToSell": "Yes",
        "mortgage": "No",
        "preQual": "Yes",
        "withBuyerAgent": "No",
        "withListingAgent": "Yes",
        "sellingTimeFrame": "1-3",
        "referredBy": "Jeremy Kelly",
        "language": "es",
        "leadType": 2,
        "leadTypes": [2, 5],
        "unsubscription": true,
        "source": "Open House",
        "stage": "Pending",
        "segments": ["First-Time Buyers"],
        "groups": ["VIP Clients"],
        "tags": ["Hot Lead", "Zillow"],
        "tagsAdd": ["Referral"],
        "leadFamilyMemberList": [
            {"firstName": "Ann", "lastName": "Li", "relationship": "Wife", "emails": ["ann@example.com"], "phones": ["5551234567"], "birthday": "Jan 2, 1990"}
        ],
        "customAttributeList": [{"attributeName": "Budget", "attributeType": "number", "value": "500000"}],
        "inquiry": {"priceMin": 100000, "priceMax": 500000, "bedroomsMin": 2, "bedroomsMax": 4, "bathroomsMin": "1", "bathroomsMax": "3",
                    "propertyType": ["Condo", "Townhouse"], "locations": [{"city": "Austin", "stateCode": "TX", "zipCode": "78701"}]},
        "property": {"streetAddress": "22348 Regnart RD", "city": "Cupertino", "state": "CA", "zipCode": "95014", "bedrooms": 3,
                     "bathrooms": 2.5, "squareFeet": 1800, "price": 1200000, "propertyType": "Single Family Home", "mailAddress": false},
        "ownershipScope": "TEAM",
        "content": "Met at the open house",
        "isPin": true
    })
}

both!(
    create_then_read_returns_every_field,
    |app: TestApp| async move {
        let t = app.team().await;
        let id = app.lead(&t, full_lead()).await;
        let r = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await;
        let l = r.ok();
        let sent = full_lead();
        for f in [
            "firstName",
            "lastName",
            "emails",
            "birthday",
            "buyHouse",
            "buyingTimeFrame",
            "cannotCall",
            "cannotEmail",
            "cannotText",
            "city",
            "state",
            "streetAddress",
            "zipCode",
            "fthb",
            "houseToSell",
            "mortgage",
            "preQual",
            "withBuyerAgent",
            "withListingAgent",
            "sellingTimeFrame",
            "referredBy",
            "language",
            "leadType",
            "leadTypes",
            "unsubscription",
            "source",
            "stage",
            "leadFamilyMemberList",
            "ownershipScope",
        ] {
            assert_eq!(l[f], sent[f], "field {f}");
        }
        assert_eq!(l["phones"], json!(["+1 (347) 903-3333", "4155551234"]));
        assert_eq!(l["leadId"], id);
        assert_eq!(l["leadUserId"], id);
        assert_eq!(l["teamId"], t.team_id);
        assert_eq!(l["segments"], json!(["First-Time Buyers", "VIP Clients"]));
        let tags: Vec<&str> = l["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["tagName"].as_str().unwrap())
            .collect();
        assert_eq!(tags, ["Hot Lead", "Zillow", "Referral"]);
        assert!(l["tags"][0]["tagId"].as_i64().unwrap() > 0);
        assert_eq!(l["customAttributes"][0]["attributeName"], "Budget");
        assert_eq!(l["customAttributes"][0]["value"], "500000");
        let inq = &l["leadInquiry"];
        assert_eq!(inq["priceMin"], 100000);
        assert_eq!(inq["propertyType"], json!(["Condo", "Townhouse"]));
        assert_eq!(inq["locations"][0]["city"], "Austin");
        assert_eq!(inq["leadUserId"], id);
        let p = &l["leadPropertyList"][0];
        assert_eq!(p["streetAddress"], "22348 Regnart RD");
        assert_eq!(p["bathrooms"], 2.5);
        assert_eq!(p["price"], 1200000);
        assert!(p["id"].as_i64().unwrap() > 0);
        let created = l["createTime"].as_str().unwrap();
        assert_eq!(created.len(), "2026-01-01 00:00:00".len(), "{created}");
        // the note given as content is stored with the lead
        let notes = app
            .get(&format!("/v1.0/notes?leadId={id}"), &t.auth())
            .await;
        let notes = notes.ok().as_array().unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0]["content"], "Met at the open house");
        assert_eq!(notes[0]["isPin"], true);
    }
);

both!(
    bearer_token_and_api_key_both_work,
    |app: TestApp| async move {
        let t = app.team().await;
        let id = app.lead(&t, json!({"firstName": "A"})).await;
        app.get(&format!("/v1.0/leads/{id}"), &t.bearer())
            .await
            .ok();
        app.get(
            &format!("/v1.0/leads/{id}"),
            &format!("TOKEN {}", t.api_key),
        )
        .await
        .ok();
        // a key is not a token and a token is not a key
        app.get(
            &format!("/v1.0/leads/{id}"),
            &format!("Bearer {}", t.api_key),
        )
        .await
        .error(401, 401);
        app.get(
            &format!("/v1.0/leads/{id}"),
            &format!("token {}", t.access_token),
        )
        .await
        .error(401, 401);
    }
);

both!(
    truncates_names_tags_phones_segments,
    |app: TestApp| async move {
        let t = app.team().await;
        let long = |c: &str, n: usize| c.repeat(n);
        let id = app
        .lead(
            &t,
            json!({
                "firstName": long("f", 45), "lastName": long("l", 31),
                "tags": [long("t", 70)], "phones": [long("1", 25)], "segments": [long("s", 40)], "groups": [long("g", 31)]
            }),
        )
        .await;
        let l = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await.body;
        assert_eq!(l["firstName"], long("f", 30));
        assert_eq!(l["lastName"], long("l", 30));
        assert_eq!(l["tags"][0]["tagName"], long("t", 64));
        assert_eq!(l["phones"][0], long("1", 20));
        assert_eq!(l["segments"], json!([long("s", 30), long("g", 30)]));
    }
);

both!(
    bad_input_is_rejected_and_nothing_is_stored,
    |app: TestApp| async move {
        let t = app.team().await;
        let cases: Vec<(Value, i64)> = vec![
            (json!({"lastName": "no first name"}), 20012),
            (json!({"firstName": "  "}), 20012),
            (json!({"firstName": "A", "emails": ["nope"]}), 20012),
            (json!({"firstName": "A", "stage": "s".repeat(21)}), 20043),
            (
                json!({"firstName": "A", "property": {"city": " ", "state": ""}}),
                200057,
            ),
            (
                json!({"firstName": "A", "property": {"bedrooms": 3}}),
                200057,
            ),
            (json!({"firstName": "A", "leadType": 4}), 20012),
            (json!({"firstName": "A", "leadTypes": [2, 42]}), 20012),
            (json!({"firstName": "A", "buyHouse": "Maybe"}), 20012),
            (json!({"firstName": "A", "language": "xx"}), 20012),
            (json!({"firstName": "A", "ownershipScope": "GALAXY"}), 20012),
            (json!({"firstName": "A", "ownershipScope": "OFFICE"}), 20012),
            (json!({"firstName": "A", "birthday": "2001-06-05"}), 20012),
            (json!({"firstName": "A", "assignedUserId": 12345}), 20003),
            (
                json!({"firstName": "A", "ownershipScope": "PERSONAL", "ownershipId": 999}),
                20003,
            ),
            (
                json!({"firstName": "A", "leadFamilyMemberList": [{"firstName": "a"}, {"firstName": "b"}, {"firstName": "c"}, {"firstName": "d"}, {"firstName": "e"}]}),
                20012,
            ),
            (json!({"firstName": 5}), 20012),
            (json!({"firstName": "A", "assignedUserId": "ten"}), 20012),
            (json!({"firstName": "A", "leadType": 99999999999u64}), 20012),
            (
                json!({"firstName": "A", "inquiry": {"priceMin": 10, "priceMax": 5}}),
                20012,
            ),
            (
                json!({"firstName": "A", "leadTransaction": {"transactionName": " ", "created": 1, "updated": 1}}),
                200062,
            ),
            (json!([1, 2]), 20012),
        ];
        for (body, code) in cases {
            let r = app.post("/v1.0/leads", &t.auth(), body.clone()).await;
            assert_eq!(r.status.as_u16(), 400, "{body} -> {}", r.body);
            assert_eq!(r.body["code"], code, "{body} -> {}", r.body);
        }
        // malformed JSON, an empty body, a non-JSON content type
        for (ct, raw) in [
            ("application/json", "{\"firstName\": "),
            ("application/json", ""),
            ("application/json", "{} x"),
        ] {
            let req = Request::builder()
                .method(Method::POST)
                .uri("/v1.0/leads")
                .header("Authorization", t.auth())
                .header("Content-Type", ct)
                .body(Body::from(raw))
                .unwrap();
            app.raw(req).await.error(400, 20012);
        }
        let req = Request::builder()
            .method(Method::POST)
            .uri("/v1.0/leads")
            .header("Authorization", t.auth())
            .header("Content-Type", "text/plain")
            .body(Body::from("{}"))
            .unwrap();
        app.raw(req).await.error(415, 415);
        // a body over the limit
        let huge = json!({"firstName": "A", "referredBy": "x".repeat(2 * 1024 * 1024)});
        app.post("/v1.0/leads", &t.auth(), huge)
            .await
            .error(413, 413);
        let list = app.get("/v1.0/leads", &t.auth()).await;
        assert_eq!(
            list.ok()["_metadata"]["total"],
            0,
            "a rejected request stored a lead"
        );
    }
);

both!(edit_changes_only_what_is_sent, |app: TestApp| async move {
    let t = app.team().await;
    let id = app.lead(&t, full_lead()).await;
    let before = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await.body;
    let r = app
        .put(
            &format!("/v1.0/leads/{id}"),
            &t.auth(),
            json!({"lastName": "Smith", "city": "Austin", "stage": "Closed", "isHidden": true}),
        )
        .await;
    assert_eq!(r.ok()["leadId"], id);
    let after = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await.body;
    assert_eq!(after["lastName"], "Smith");
    assert_eq!(after["city"], "Austin");
    assert_eq!(after["stage"], "Closed");
    assert_eq!(after["hiddenFlag"], true);
    for f in [
        "firstName",
        "emails",
        "phones",
        "buyHouse",
        "tags",
        "segments",
        "leadInquiry",
        "leadPropertyList",
        "birthday",
        "createTime",
    ] {
        assert_eq!(after[f], before[f], "field {f} changed");
    }
    assert!(
        after["lastUpdateTime"].as_str().unwrap() >= before["lastUpdateTime"].as_str().unwrap()
    );
});

both!(tags_replace_and_add, |app: TestApp| async move {
    let t = app.team().await;
    let id = app
        .lead(&t, json!({"firstName": "A", "tags": ["one", "two"]}))
        .await;
    let tag_names = |v: &Value| -> Vec<String> {
        v["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["tagName"].as_str().unwrap().to_string())
            .collect()
    };
    app.put(
        &format!("/v1.0/leads/{id}"),
        &t.auth(),
        json!({"tagsAdd": ["three", "ONE"]}),
    )
    .await
    .ok();
    let l = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await.body;
    assert_eq!(tag_names(&l), ["one", "two", "three"]);
    let one_id = l["tags"][0]["tagId"].clone();
    app.put(
        &format!("/v1.0/leads/{id}"),
        &t.auth(),
        json!({"tags": ["four", "one"]}),
    )
    .await
    .ok();
    let l = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await.body;
    assert_eq!(tag_names(&l), ["four", "one"]);
    assert_eq!(l["tags"][1]["tagId"], one_id, "a kept tag keeps its id");
    // the search index follows
    let r = app.get("/v1.0/leads?anyTags=two", &t.auth()).await;
    assert_eq!(r.ok()["_metadata"]["total"], 0);
    let r = app
        .get("/v1.0/leads?allTags=four&allTags=one", &t.auth())
        .await;
    assert_eq!(r.ok()["_metadata"]["total"], 1);
    app.put(&format!("/v1.0/leads/{id}"), &t.auth(), json!({"tags": []}))
        .await
        .ok();
    let l = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await.body;
    assert_eq!(l["tags"], json!([]));
});

both!(
    edit_property_by_id_and_by_address,
    |app: TestApp| async move {
        let t = app.team().await;
        let id = app
            .lead(
                &t,
                json!({"firstName": "A", "property": {"city": "Austin", "bedrooms": 2}}),
            )
            .await;
        let l = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await.body;
        let pid = l["leadPropertyList"][0]["id"].as_i64().unwrap();
        app.put(
            &format!("/v1.0/leads/{id}"),
            &t.auth(),
            json!({"property": {"id": pid, "city": "Austin", "bedrooms": 5}}),
        )
        .await
        .ok();
        app.put(
            &format!("/v1.0/leads/{id}"),
            &t.auth(),
            json!({"property": {"city": "Dallas"}}),
        )
        .await
        .ok();
        let l = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await.body;
        let props = l["leadPropertyList"].as_array().unwrap();
        assert_eq!(props.len(), 2);
        assert_eq!(props[0]["bedrooms"], 5);
        assert_eq!(props[1]["city"], "Dallas");
        app.put(
            &format!("/v1.0/leads/{id}"),
            &t.auth(),
            json!({"property": {"id": 1, "city": "X"}}),
        )
        .await
        .error(404, 200108);
        app.put(
            &format!("/v1.0/leads/{id}"),
            &t.auth(),
            json!({"property": {"city": ""}, "lastName": "Z"}),
        )
        .await
        .error(400, 200057);
        let l = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await.body;
        assert!(
            l.get("lastName").is_none(),
            "a rejected edit changed the lead"
        );
    }
);

both!(assignment_on_create_and_edit, |app: TestApp| async move {
    let t = app.team().await;
    let id = app
        .lead(&t, json!({"firstName": "A", "assignedUserId": t.user_id}))
        .await;
    let l = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await.body;
    assert_eq!(l["assignedUserId"], t.user_id);
    assert!(l["assignedUser"].as_str().unwrap().starts_with("admin"));
    assert!(l["assignTime"].is_string());
    assert_eq!(l["assignCompletionStatus"], true);
    let r = app
        .get(
            &format!("/v1.0/leads?assignedUserId={}", t.user_id),
            &t.auth(),
        )
        .await;
    assert_eq!(r.ok()["_metadata"]["total"], 1);
    app.put(
        &format!("/v1.0/leads/{id}"),
        &t.auth(),
        json!({"assignedUserId": 777}),
    )
    .await
    .error(400, 20003);
});

both!(
    trash_hides_the_lead_until_asked,
    |app: TestApp| async move {
        let t = app.team().await;
        let id = app.lead(&t, json!({"firstName": "A"})).await;
        app.delete(&format!("/v1.0/leads/{id}"), &t.auth())
            .await
            .error(400, 20012);
        let r = app
            .delete(
                &format!("/v1.0/leads/{id}?reason=Duplicate%20contact"),
                &t.auth(),
            )
            .await;
        assert_eq!(r.ok()["deleted"], true);
        assert_eq!(r.body["leadId"], id.to_string());
        app.get(&format!("/v1.0/leads/{id}"), &t.auth())
            .await
            .error(404, 20006);
        let l = app
            .get(&format!("/v1.0/leads/{id}?withTrash=true"), &t.auth())
            .await;
        assert_eq!(l.ok()["leadId"], id);
        assert_eq!(
            app.get("/v1.0/leads", &t.auth()).await.body["_metadata"]["total"],
            0
        );
        // trashed leads cannot be edited or trashed again
        app.put(
            &format!("/v1.0/leads/{id}"),
            &t.auth(),
            json!({"lastName": "B"}),
        )
        .await
        .error(404, 20006);
        app.delete(&format!("/v1.0/leads/{id}?reason=again"), &t.auth())
            .await
            .error(404, 20006);
    }
);

both!(
    another_teams_lead_does_not_exist,
    |app: TestApp| async move {
        let a = app.team().await;
        let b = app.team().await;
        let id = app
            .lead(
                &a,
                json!({"firstName": "Secret", "tags": ["mine"], "emails": ["s@example.com"]}),
            )
            .await;
        app.get(&format!("/v1.0/leads/{id}"), &b.auth())
            .await
            .error(404, 20006);
        app.get(&format!("/v1.0/leads/{id}?withTrash=true"), &b.auth())
            .await
            .error(404, 20006);
        app.put(
            &format!("/v1.0/leads/{id}"),
            &b.auth(),
            json!({"firstName": "Stolen"}),
        )
        .await
        .error(404, 20006);
        app.delete(&format!("/v1.0/leads/{id}?reason=x"), &b.auth())
            .await
            .error(404, 20006);
        app.get("/v1.0/leads/999999999", &b.auth())
            .await
            .error(404, 20006);
        for q in [
            "",
            "?anyTags=mine",
            "?email=s@example.com&preciseSearchFlag=true",
        ] {
            let r = app.get(&format!("/v1.0/leads{q}"), &b.auth()).await;
            assert_eq!(r.ok()["_metadata"]["total"], 0, "{q}");
        }
        // b cannot assign a's lead to itself, nor a's user to b's lead
        let mine = app.lead(&b, json!({"firstName": "B"})).await;
        app.put(
            &format!("/v1.0/leads/{mine}"),
            &b.auth(),
            json!({"assignedUserId": a.user_id}),
        )
        .await
        .error(400, 20003);
        let l = app.get(&format!("/v1.0/leads/{id}"), &a.auth()).await;
        assert_eq!(l.ok()["firstName"], "Secret");
    }
);

both!(
    missing_or_bad_credentials_are_401,
    |app: TestApp| async move {
        for auth in [
            "",
            "token nope",
            "Bearer nope",
            "Basic abc",
            "token",
            "Bearer ",
        ] {
            let r = app.get("/v1.0/leads", auth).await;
            r.error(401, 401);
            assert!(r.headers.contains_key("x-ratelimit-limit"), "{auth}");
        }
    }
);

both!(malformed_parameters_are_400, |app: TestApp| async move {
    let t = app.team().await;
    app.get("/v1.0/leads/abc", &t.auth())
        .await
        .error(400, 20012);
    app.get("/v1.0/leads?limit=0", &t.auth())
        .await
        .error(400, 20042);
    app.get("/v1.0/leads?limit=101", &t.auth())
        .await
        .error(400, 20042);
    app.get("/v1.0/leads?limit=ten", &t.auth())
        .await
        .error(400, 20012);
    app.get("/v1.0/leads?offset=-5", &t.auth())
        .await
        .error(400, 20012);
    app.get("/v1.0/leads?sort=Cheapest", &t.auth())
        .await
        .error(400, 20012);
    app.get("/v1.0/leads?contacted=maybe", &t.auth())
        .await
        .error(400, 20012);
    app.get("/v1.0/leads?scrollId=garbage", &t.auth())
        .await
        .error(400, 20012);
    app.get("/v1.0/leads/createTime?leadCreateTime=yesterday", &t.auth())
        .await
        .error(400, 20012);
    app.get("/v1.0/leads/1?withTrash=perhaps", &t.auth())
        .await
        .error(400, 20012);
    app.get("/v1.0/nothing-here", &t.auth())
        .await
        .error(404, 20007);
});

both!(
    rate_limit_per_credential_with_vendor_tier,
    openhouse_server::Settings {
        rate_limit: 5,
        rate_limit_unvendored: 3,
        ..Default::default()
    },
    |app: TestApp| async move {
        let a = app.team().await;
        let b = app.team().await;
        for i in 0..3 {
            let r = app.get("/v1.0/leads", &a.auth()).await;
            r.ok();
            assert_eq!(r.headers["x-ratelimit-limit"], "3");
            assert_eq!(
                r.headers["x-ratelimit-remaining"],
                (2 - i).to_string().as_str()
            );
            let reset: u64 = r.headers["x-ratelimit-reset"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(
                reset
                    >= std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .as_secs()
            );
        }
        let r = app.get("/v1.0/leads", &a.auth()).await;
        assert_eq!(r.status.as_u16(), 429);
        assert_eq!(r.body, json!({"message": "Too Many Requests"}));
        assert_eq!(r.headers["x-ratelimit-remaining"], "0");
        // another credential has its own allowance
        app.get("/v1.0/leads", &b.auth()).await.ok();
        // the team's vendor key selects the higher tier, as a header or a query parameter; the
        // credential keeps its one bucket, so the 3 requests used count against the 5
        let req = Request::builder()
            .uri("/v1.0/leads")
            .header("Authorization", a.auth())
            .header("vendorKey", &a.vendor_key)
            .body(Body::empty())
            .unwrap();
        let r = app.raw(req).await;
        r.ok();
        assert_eq!(r.headers["x-ratelimit-limit"], "5");
        assert_eq!(r.headers["x-ratelimit-remaining"], "1");
        let r = app
            .get(
                &format!("/v1.0/leads?vendorKey={}", b.vendor_key),
                &b.auth(),
            )
            .await;
        r.ok();
        assert_eq!(r.headers["x-ratelimit-limit"], "5");
        assert_eq!(r.headers["x-ratelimit-remaining"], "3");
        // another team's vendor key counts as none: a is back in the lower tier, and over it
        let r = app
            .get(
                &format!("/v1.0/leads?vendorKey={}", b.vendor_key),
                &a.auth(),
            )
            .await;
        assert_eq!(r.status.as_u16(), 429);
        assert_eq!(r.headers["x-ratelimit-limit"], "3");
        // a key that is no vendor key does not raise either
        let r = app.get("/v1.0/leads?vendorKey=made-up", &b.auth()).await;
        assert_eq!(r.headers["x-ratelimit-limit"], "3");
    }
);

both!(healthz_and_openapi_are_public, |app: TestApp| async move {
    let r = app.get("/healthz", "").await;
    assert_eq!(r.ok()["status"], "ok");
    let r = app.get("/openapi.json", "").await;
    assert!(r.ok()["paths"]["/v1.0/leads"].is_object());
    let req = Request::builder().uri("/docs").body(Body::empty()).unwrap();
    let r = app.raw(req).await;
    assert_eq!(r.status.as_u16(), 200);
    assert!(r.body.as_str().unwrap().contains("swagger-ui-bundle.js"));
    let req = Request::builder()
        .uri("/docs/swagger-ui-bundle.js")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.raw(req).await.status.as_u16(), 200);
});

both!(writes_are_journaled, |app: TestApp| async move {
    let t = app.team().await;
    let id = app.lead(&t, json!({"firstName": "A", "tags": ["x"]})).await;
    app.put(
        &format!("/v1.0/leads/{id}"),
        &t.auth(),
        json!({"firstName": "B", "tagsAdd": ["y"], "assignedUserId": t.user_id}),
    )
    .await
    .ok();
    app.delete(&format!("/v1.0/leads/{id}?reason=gone"), &t.auth())
        .await
        .ok();
    let log = app.store.lead_journal(t.team_id, id).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "lead.created",
            "lead.updated",
            "lead.assigned",
            "lead.trashed"
        ]
    );
    let changes = &log[1].1["changes"];
    assert!(
        changes
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "firstName" && c["from"] == "A" && c["to"] == "B")
    );
    assert_eq!(log[1].1["tagsAdded"], json!(["y"]));
    // a rejected write records nothing
    app.put(
        &format!("/v1.0/leads/{id}"),
        &t.auth(),
        json!({"firstName": "C"}),
    )
    .await
    .error(404, 20006);
    assert_eq!(
        app.store.lead_journal(t.team_id, id).await.unwrap().len(),
        4
    );
});

both!(
    concurrent_creates_share_new_tags,
    |app: TestApp| async move {
        let t = app.team().await;
        let app = std::sync::Arc::new(app);
        let mut tasks = Vec::new();
        for i in 0..12 {
            let app = app.clone();
            let t = t.clone();
            tasks.push(tokio::spawn(async move {
                app.lead(
                    &t,
                    json!({"firstName": format!("C{i}"), "tags": ["brand new", "Also New"]}),
                )
                .await
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let r = app
            .get(
                "/v1.0/leads?allTags=brand%20new,also%20new&limit=100",
                &t.auth(),
            )
            .await;
        let leads = r.ok()["leads"].as_array().unwrap().clone();
        assert_eq!(leads.len(), 12);
        let ids: std::collections::HashSet<i64> = leads
            .iter()
            .map(|l| l["tags"][0]["tagId"].as_i64().unwrap())
            .collect();
        assert_eq!(ids.len(), 1, "one tag, shared by every lead");
    }
);
