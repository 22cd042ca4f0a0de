//! What else hangs on a lead — activities, inquiries, properties, assignment, login links — and
//! the team features (custom fields, tags, ponds), through the HTTP API.

mod common;

use common::*;
use openhouse_domain::auth::CredentialKind;
use serde_json::{Value, json};

fn activity(kind: &str, created: i64, text: &str) -> Value {
    json!({"type": kind, "created": created, "link": "https://example.com/p/1", "picture": "https://example.com/1.jpg", "text": text})
}

fn lead_ids(v: &Value) -> Vec<i64> {
    v["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["leadId"].as_i64().unwrap())
        .collect()
}

async fn agent(app: &TestApp, t: &Team, email: &str) -> (i64, String) {
    let r = app.post("/v1.0/agent", &t.auth(), json!({"emailAddress": email, "firstName": "Agent", "lastName": "X", "groupId": 0, "profileId": 2})).await;
    let id = r.ok()["agentId"].as_i64().unwrap();
    let key = app
        .store
        .issue_credential(t.team_id, id, CredentialKind::ApiKey)
        .await
        .unwrap();
    (id, format!("token {key}"))
}

both!(activities, |app: TestApp| async move {
    let t = app.team().await;
    let other = app.team().await;
    let busy = app.lead(&t, json!({"firstName": "Busy"})).await;
    let quiet = app.lead(&t, json!({"firstName": "Quiet"})).await;
    let base = 1_700_000_000_000_i64;
    let mut listing = activity("Favorite", base + 2000, "Saved 12 Elm");
    listing["listing"] =
        json!({"streetAddress": "12 Elm St", "city": "Austin", "price": 450000, "bedrooms": 3});
    listing["pageName"] = json!("Listing page");
    let saved = app
        .post(&format!("/v1.0/leads/{busy}/activity"), &t.auth(), listing)
        .await;
    let saved = saved.ok().clone();
    assert_eq!(saved["type"], "Favorite");
    assert_eq!(saved["listing"]["streetAddress"], "12 Elm St");
    app.post(
        &format!("/v1.0/leads/{busy}/activity"),
        &t.auth(),
        activity("Search", base, "3 bed Austin"),
    )
    .await
    .ok();
    app.post(
        &format!("/v1.0/leads/{busy}/activity"),
        &t.auth(),
        activity("Browse", base + 1000, "Viewed 12 Elm"),
    )
    .await
    .ok();
    let r = app
        .get(&format!("/v1.0/leads/{busy}/activities"), &t.auth())
        .await;
    let list = r.ok().as_array().unwrap().clone();
    let texts: Vec<&str> = list.iter().map(|a| a["text"].as_str().unwrap()).collect();
    assert_eq!(
        texts,
        ["Saved 12 Elm", "Viewed 12 Elm", "3 bed Austin"],
        "newest first"
    );
    assert_eq!(list[0], saved, "what is stored comes back");
    // the lead: last visit, and the Activity orders
    let l = app.get(&format!("/v1.0/leads/{busy}"), &t.auth()).await;
    assert!(l.ok()["lastVisit"].is_string());
    for sort in [
        "Activity",
        "ActivitySearch",
        "ActivityViews",
        "ActivityFavorites",
    ] {
        let r = app
            .get(&format!("/v1.0/leads?sort={sort}&desc=true"), &t.auth())
            .await;
        assert_eq!(lead_ids(r.ok()), [busy, quiet], "{sort}");
    }
    let logs = app
        .get(&format!("/v1.0/systemLogs?leadId={busy}"), &t.auth())
        .await;
    assert_eq!(
        logs.ok()
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["timelineTypeDesc"] == "ActivityAdded")
            .count(),
        3
    );
    // 100 a page
    for i in 0..100 {
        app.post(
            &format!("/v1.0/leads/{quiet}/activity"),
            &t.auth(),
            activity("Browse", base + i, &format!("v{i}")),
        )
        .await
        .ok();
    }
    let p0 = app
        .get(
            &format!("/v1.0/leads/{quiet}/activities?curPage=0"),
            &t.auth(),
        )
        .await;
    assert_eq!(p0.ok().as_array().unwrap().len(), 100);
    assert_eq!(p0.ok()[0]["text"], "v99");
    let p1 = app
        .get(
            &format!("/v1.0/leads/{quiet}/activities?curPage=1"),
            &t.auth(),
        )
        .await;
    assert_eq!(p1.ok().as_array().unwrap().len(), 0);
    app.post(
        &format!("/v1.0/leads/{quiet}/activity"),
        &t.auth(),
        activity("Browse", base - 1, "oldest"),
    )
    .await
    .ok();
    let p1 = app
        .get(
            &format!("/v1.0/leads/{quiet}/activities?curPage=1"),
            &t.auth(),
        )
        .await;
    assert_eq!(p1.ok()[0]["text"], "oldest");
    // refused, nothing stored
    for bad in [
        activity("Teleport", base, "x"),
        activity("Search", -1, "x"),
        // (no link is an activity without a page: tests/tolerant.rs)
        json!({"type": "Search", "created": base, "link": "https://example.com", "picture": "p"}),
        json!({"type": "Search", "created": base, "link": "not a url", "picture": "p", "text": "x"}),
        json!({"type": "Search", "created": base, "link": "https://example.com", "picture": "p", "text": "  "}),
    ] {
        let r = app
            .post(
                &format!("/v1.0/leads/{busy}/activity"),
                &t.auth(),
                bad.clone(),
            )
            .await;
        assert_eq!(r.status.as_u16(), 400, "{bad}: {}", r.body);
    }
    let r = app
        .get(&format!("/v1.0/leads/{busy}/activities"), &t.auth())
        .await;
    assert_eq!(r.ok().as_array().unwrap().len(), 3);
    app.get(
        &format!("/v1.0/leads/{busy}/activities?curPage=-1"),
        &t.auth(),
    )
    .await
    .error(400, 20012);
    app.get(&format!("/v1.0/leads/{busy}/activities"), &other.auth())
        .await
        .error(404, 20006);
    app.post(
        &format!("/v1.0/leads/{busy}/activity"),
        &other.auth(),
        activity("Search", base, "x"),
    )
    .await
    .error(404, 20006);
});

both!(
    inquiries_properties_and_assignment,
    |app: TestApp| async move {
        let t = app.team().await;
        let other = app.team().await;
        let lead = app.lead(&t, json!({"firstName": "Ann", "emails": ["Ann@Example.com"], "phones": ["4155550100"]})).await;
        let r = app
        .post(&format!("/v1.0/leads/{lead}/inquiry"), &t.auth(), json!({"priceMin": 300000, "priceMax": 500000, "bedroomsMin": 2,
            "propertyType": ["Condo"], "locations": [{"city": "Austin", "stateCode": "TX", "zipCode": "78701"}]}))
        .await;
        let inq = r.ok()["leadInquiry"].clone();
        assert_eq!(inq["priceMax"], 500000);
        assert_eq!(inq["locations"][0]["city"], "Austin");
        app.post(
            &format!("/v1.0/leads/{lead}/inquiry"),
            &t.auth(),
            json!({"priceMin": 9, "priceMax": 1}),
        )
        .await
        .error(400, 20012);
        let l = app.get(&format!("/v1.0/leads/{lead}"), &t.auth()).await;
        assert_eq!(
            l.ok()["leadInquiry"],
            inq,
            "a refused inquiry changes nothing"
        );
        let r = app
            .post(
                &format!("/v1.0/leads/{lead}/property"),
                &t.auth(),
                json!({"streetAddress": "1 Main St", "city": "Austin", "bedrooms": 3}),
            )
            .await;
        let props = r.ok()["leadPropertyList"].as_array().unwrap().clone();
        assert_eq!(props.len(), 1);
        let pid = props[0]["id"].as_i64().unwrap();
        let r = app
            .post(
                &format!("/v1.0/leads/{lead}/property"),
                &t.auth(),
                json!({"id": pid, "city": "Austin", "bedrooms": 4}),
            )
            .await;
        assert_eq!(r.ok()["leadPropertyList"][0]["bedrooms"], 4);
        assert_eq!(r.ok()["leadPropertyList"][0]["streetAddress"], "1 Main St");
        app.post(
            &format!("/v1.0/leads/{lead}/property"),
            &t.auth(),
            json!({"id": 4242, "city": "Austin", "bedrooms": 4}),
        )
        .await
        .error(404, 200108);
        app.post(
            &format!("/v1.0/leads/{lead}/inquiry"),
            &other.auth(),
            json!({"priceMin": 1}),
        )
        .await
        .error(404, 20006);

        // assignment by account
        let (agent_id, agent_auth) = agent(&app, &t, "agent@example.com").await;
        let (lender_id, _) = agent(&app, &t, "lender@example.com").await;
        let (assistant_id, assistant_auth) = agent(&app, &t, "assistant@example.com").await;
        app.get(&format!("/v1.0/leads/{lead}"), &assistant_auth)
            .await
            .error(404, 20006);
        let r = app
        .post(&format!("/v1.0/leads/{lead}/assignment"), &t.auth(), json!([{"role": "Agent", "assiginee": "AGENT@example.com"},
            {"role": "Lender", "assiginee": "lender@example.com"}, {"role": "Assistant", "assiginee": "assistant@example.com"}]))
        .await;
        let l = r.ok().clone();
        assert_eq!(l["assignedUserId"], agent_id);
        assert_eq!(l["assignedUser"], "Agent X");
        assert!(l["assignTime"].is_string());
        assert_eq!(l["lenderUserId"], lender_id);
        let roles: Vec<(String, i64)> = l["customRoleList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["role"].as_str().unwrap().to_string(),
                    r["assigneeId"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            roles,
            [
                ("Lender".to_string(), lender_id),
                ("Assistant".to_string(), assistant_id)
            ]
        );
        app.get(&format!("/v1.0/leads/{lead}"), &agent_auth)
            .await
            .ok();
        // the assistant on the lead sees it too
        app.get(&format!("/v1.0/leads/{lead}"), &assistant_auth)
            .await
            .ok();
        let r = app.get("/v1.0/leads", &assistant_auth).await;
        assert_eq!(lead_ids(r.ok()), [lead]);
        // refused: unknown account or role, nothing changes
        app.post(
            &format!("/v1.0/leads/{lead}/assignment"),
            &t.auth(),
            json!([{"role": "Lender", "assiginee": "nobody@example.com"}]),
        )
        .await
        .error(400, 20003);
        app.post(&format!("/v1.0/leads/{lead}/assignment"), &t.auth(), json!([{"role": "Agent", "assiginee": "lender@example.com"}, {"role": "Chef", "assiginee": "agent@example.com"}])).await.error(400, 20012);
        app.post(
            &format!("/v1.0/leads/{lead}/assignment"),
            &t.auth(),
            json!([]),
        )
        .await
        .error(400, 20012);
        app.post(
            &format!("/v1.0/leads/{lead}/assignment"),
            &other.auth(),
            json!([{"role": "Agent", "assiginee": "agent@example.com"}]),
        )
        .await
        .error(404, 20006);
        let l = app.get(&format!("/v1.0/leads/{lead}"), &t.auth()).await;
        assert_eq!(l.ok()["assignedUserId"], agent_id);
        assert_eq!(l.ok()["lenderUserId"], lender_id);
        // the assignees of a lead found by its details
        let r = app
            .post(
                "/v1.0/leads/assignee",
                &t.auth(),
                json!({"email": "ann@example.com", "firstName": "Ann"}),
            )
            .await;
        let found = r.ok().as_array().unwrap().clone();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0]["leadId"], lead);
        let roles: Vec<(&str, i64, i64)> = found[0]["customRoleAssignees"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["role"].as_str().unwrap(),
                    r["roleId"].as_i64().unwrap(),
                    r["assigneeId"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            roles,
            [
                ("Agent", 1, agent_id),
                ("Lender", 2, lender_id),
                ("Assistant", 4, assistant_id)
            ]
        );
        assert_eq!(
            found[0]["customRoleAssignees"][0]["assignee"],
            "agent@example.com"
        );
        assert_eq!(
            found[0]["customRoleAssignees"][0]["permissionProfileName"],
            "Standard User"
        );
        let r = app
            .post(
                "/v1.0/leads/assignee",
                &t.auth(),
                json!({"email": "other@example.com", "firstName": "Ann", "phone": "415-555-0100"}),
            )
            .await;
        assert_eq!(
            r.ok().as_array().unwrap().len(),
            1,
            "by phone when no lead has the email"
        );
        let r = app
            .post(
                "/v1.0/leads/assignee",
                &other.auth(),
                json!({"email": "ann@example.com", "firstName": "Ann"}),
            )
            .await;
        assert_eq!(
            r.ok().as_array().unwrap().len(),
            0,
            "another team finds nothing"
        );
        app.post(
            "/v1.0/leads/assignee",
            &t.auth(),
            json!({"email": "nope", "firstName": "Ann"}),
        )
        .await
        .error(400, 20012);
        app.post(
            "/v1.0/leads/assignee",
            &t.auth(),
            json!({"firstName": "Ann"}),
        )
        .await
        .error(400, 20012);
        // an empty account takes the role away
        let r = app
            .post(
                &format!("/v1.0/leads/{lead}/assignment"),
                &t.auth(),
                json!([{"role": "Lender"}, {"role": "Assistant", "assiginee": ""}]),
            )
            .await;
        assert!(r.ok().get("lenderUserId").is_none());
        assert_eq!(r.ok()["customRoleList"].as_array().unwrap().len(), 0);
    }
);

both!(login_links, |app: TestApp| async move {
    let t = app.team().await;
    let other = app.team().await;
    let lead = app.lead(&t, json!({"firstName": "Ann"})).await;
    let r = app.post("/v1.0/leads/specified-url", &t.auth(), json!({"leadId": lead, "loftyWebsiteURL": "https://www.example-realty.com/listing/1?x=1"})).await;
    let url = r.ok().as_str().unwrap().to_string();
    assert!(
        url.starts_with("https://www.example-realty.com/listing/1?x=1&loginToken="),
        "{url}"
    );
    let token = url.split("loginToken=").nth(1).unwrap().to_string();
    let r = app
        .get(
            &format!("/v1.0/leads/specified-url/verify?loginToken={token}"),
            &t.auth(),
        )
        .await;
    assert_eq!(r.ok()["leadId"], lead);
    assert_eq!(r.ok()["teamId"], t.team_id);
    assert!(r.ok()["expireTime"].as_i64().unwrap() > 0);
    // forged: another signature, another claim, another team
    let mut forged = token.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    app.get(
        &format!("/v1.0/leads/specified-url/verify?loginToken={forged}"),
        &t.auth(),
    )
    .await
    .error(400, 20012);
    let parts: Vec<&str> = token.split('.').collect();
    let tampered = format!("{}.{}x.{}", parts[0], parts[1], parts[2]);
    app.get(
        &format!("/v1.0/leads/specified-url/verify?loginToken={tampered}"),
        &t.auth(),
    )
    .await
    .error(400, 20012);
    app.get(
        &format!("/v1.0/leads/specified-url/verify?loginToken={token}"),
        &other.auth(),
    )
    .await
    .error(400, 20012);
    app.get(
        "/v1.0/leads/specified-url/verify?loginToken=garbage",
        &t.auth(),
    )
    .await
    .error(400, 20012);
    // expired
    let who = app
        .store
        .authenticate(CredentialKind::ApiKey, &t.api_key)
        .await
        .unwrap()
        .unwrap();
    let old = app
        .store
        .login_url(&who, lead, "https://example.com/", -1000)
        .await
        .unwrap();
    let old_token = old.split("loginToken=").nth(1).unwrap();
    app.get(
        &format!("/v1.0/leads/specified-url/verify?loginToken={old_token}"),
        &t.auth(),
    )
    .await
    .error(400, 20012);
    // refused
    app.post(
        "/v1.0/leads/specified-url",
        &t.auth(),
        json!({"leadId": lead, "loftyWebsiteURL": "javascript:alert(1)"}),
    )
    .await
    .error(400, 20012);
    app.post(
        "/v1.0/leads/specified-url",
        &other.auth(),
        json!({"leadId": lead, "loftyWebsiteURL": "https://example.com"}),
    )
    .await
    .error(404, 20006);
    // a trashed lead's links stop working
    app.delete(&format!("/v1.0/leads/{lead}?reason=gone"), &t.auth())
        .await
        .ok();
    app.get(
        &format!("/v1.0/leads/specified-url/verify?loginToken={token}"),
        &t.auth(),
    )
    .await
    .error(400, 20012);
});

both!(custom_fields_and_tags, |app: TestApp| async move {
    let t = app.team().await;
    let other = app.team().await;
    let select = json!({"attributeName": "Timeline", "attributeType": "single_select", "params": "{\"option\":[\"Now\",\"Later\"]}", "value": ""});
    let r = app
        .post("/v1.0/teamFeatures/custom-field", &t.auth(), select)
        .await;
    assert_eq!(r.ok()["attributeType"], "single_select");
    app.post(
        "/v1.0/teamFeatures/custom-field",
        &t.auth(),
        json!({"attributeName": "Budget", "attributeType": "currency", "value": ""}),
    )
    .await
    .ok();
    app.post("/v1.0/teamFeatures/custom-field", &t.auth(), json!({"attributeName": "Areas", "attributeType": "multi_select", "params": "{\"option\":[\"North\",\"South\"]}", "value": ""})).await.ok();
    for bad in [
        json!({"attributeName": "timeline", "attributeType": "text", "value": ""}),
        json!({"attributeName": "Pick", "attributeType": "single_select", "value": ""}),
        json!({"attributeName": "Pick", "attributeType": "single_select", "params": "{\"option\":[]}", "value": ""}),
        json!({"attributeName": "Odd", "attributeType": "color", "value": ""}),
        json!({"attributeName": " ", "attributeType": "text", "value": ""}),
    ] {
        let r = app
            .post("/v1.0/teamFeatures/custom-field", &t.auth(), bad.clone())
            .await;
        assert_eq!(r.status.as_u16(), 400, "{bad}: {}", r.body);
    }
    let (_, agent_auth) = agent(&app, &t, "a@example.com").await;
    app.post(
        "/v1.0/teamFeatures/custom-field",
        &agent_auth,
        json!({"attributeName": "Mine", "attributeType": "text", "value": ""}),
    )
    .await
    .error(403, 20017);
    let r = app
        .get("/v1.0/teamFeatures/listCustomField", &t.auth())
        .await;
    let names: Vec<&str> = r
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["attributeName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Timeline", "Budget", "Areas"]);
    let r = app
        .get("/v1.0/teamFeatures/listCustomField", &other.auth())
        .await;
    assert_eq!(r.ok().as_array().unwrap().len(), 0);
    // leads carry values, checked against the fields
    let attr = |name: &str, value: &str| json!({"attributeName": name, "attributeType": "text", "value": value});
    let lead = app.lead(&t, json!({"firstName": "Ann", "tags": ["hot"], "customAttributeList": [attr("timeline", "Now"), attr("Budget", "500000"), attr("Areas", "[\"North\"]")]})).await;
    let l = app.get(&format!("/v1.0/leads/{lead}"), &t.auth()).await;
    let attrs = l.ok()["customAttributes"].as_array().unwrap().clone();
    let timeline = attrs
        .iter()
        .find(|a| a["attributeName"] == "Timeline")
        .unwrap();
    assert_eq!(timeline["value"], "Now");
    assert_eq!(timeline["attributeType"], "single_select");
    for (name, value) in [
        ("Timeline", "Someday"),
        ("Budget", "lots"),
        ("Areas", "[\"East\"]"),
        ("Areas", "North"),
    ] {
        let r = app
            .put(
                &format!("/v1.0/leads/{lead}"),
                &t.auth(),
                json!({"customAttributeList": [attr(name, value)]}),
            )
            .await;
        assert_eq!(r.status.as_u16(), 400, "{name}={value}: {}", r.body);
    }
    let r = app
        .post(
            "/v1.0/leads",
            &t.auth(),
            json!({"firstName": "Bad", "customAttributeList": [attr("Timeline", "Never")]}),
        )
        .await;
    r.error(400, 20012);
    let l = app.get(&format!("/v1.0/leads/{lead}"), &t.auth()).await;
    assert_eq!(
        l.ok()["customAttributes"].as_array().unwrap().len(),
        3,
        "refused values change nothing"
    );
    // tags in use
    app.lead(&t, json!({"firstName": "Bo", "tags": ["Hot", "zillow"]}))
        .await;
    app.lead(&other, json!({"firstName": "Cy", "tags": ["theirs"]}))
        .await;
    let r = app.get("/v1.0/teamFeatures/listTag", &t.auth()).await;
    let tags: Vec<&str> = r
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tagName"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["hot", "zillow"]);
    assert_eq!(r.ok()[0]["creatorUserId"], t.user_id);
    assert!(r.ok()[0]["createTime"].is_string());
});

both!(lead_ponds, |app: TestApp| async move {
    let t = app.team().await;
    let other = app.team().await;
    let (inside, inside_auth) = agent(&app, &t, "in@example.com").await;
    let (_, outside_auth) = agent(&app, &t, "out@example.com").await;
    let r = app
        .post(
            "/v1.0/team-features/lead-pond",
            &t.auth(),
            json!({"pondName": "Cold leads", "agentIds": [inside]}),
        )
        .await;
    let pond = r.ok().clone();
    let pid = pond["id"].as_i64().unwrap();
    assert_eq!(pond["pondOwnerId"], t.user_id);
    assert_eq!(pond["agentIds"], json!([inside]));
    app.post(
        "/v1.0/team-features/lead-pond",
        &t.auth(),
        json!({"pondName": "Bad", "agentIds": [4242]}),
    )
    .await
    .error(400, 20003);
    app.post(
        "/v1.0/team-features/lead-pond",
        &t.auth(),
        json!({"pondName": " ", "agentIds": []}),
    )
    .await
    .error(400, 20012);
    app.post(
        "/v1.0/team-features/lead-pond",
        &inside_auth,
        json!({"pondName": "Mine", "agentIds": []}),
    )
    .await
    .error(403, 20017);
    let r = app.get("/v1.0/team-features/lead-ponds", &t.auth()).await;
    assert_eq!(r.ok().as_array().unwrap().len(), 1);
    let r = app
        .get(
            &format!("/v1.0/team-features/lead-pond/{pid}"),
            &inside_auth,
        )
        .await;
    assert_eq!(r.ok(), &pond);
    let r = app
        .get("/v1.0/team-features/lead-ponds", &outside_auth)
        .await;
    assert_eq!(r.ok().as_array().unwrap().len(), 0);
    app.get(
        &format!("/v1.0/team-features/lead-pond/{pid}"),
        &outside_auth,
    )
    .await
    .error(404, 20007);
    app.get(
        &format!("/v1.0/team-features/lead-pond/{pid}"),
        &other.auth(),
    )
    .await
    .error(404, 20007);
    // leads sit in the pond
    let lead = app.lead(&t, json!({"firstName": "Cold"})).await;
    app.get(&format!("/v1.0/leads/{lead}"), &inside_auth)
        .await
        .error(404, 20006);
    app.post(
        &format!("/v1.0/team-features/lead-pond/{pid}/leads"),
        &t.auth(),
        json!({"leadIds": [lead]}),
    )
    .await
    .ok();
    let l = app.get(&format!("/v1.0/leads/{lead}"), &t.auth()).await;
    assert_eq!(l.ok()["pondId"], pid);
    assert_eq!(l.ok()["pondName"], "Cold leads");
    // the pond's agents see its leads, others do not
    app.get(&format!("/v1.0/leads/{lead}"), &inside_auth)
        .await
        .ok();
    let r = app.get("/v1.0/leads", &inside_auth).await;
    assert_eq!(lead_ids(r.ok()), [lead]);
    app.get(&format!("/v1.0/leads/{lead}"), &outside_auth)
        .await
        .error(404, 20006);
    app.post(
        &format!("/v1.0/team-features/lead-pond/{pid}/leads"),
        &other.auth(),
        json!({"leadIds": [lead]}),
    )
    .await
    .error(404, 20007);
    app.post(
        "/v1.0/team-features/lead-pond/0/leads",
        &t.auth(),
        json!({"leadIds": [lead]}),
    )
    .await
    .ok();
    let l = app.get(&format!("/v1.0/leads/{lead}"), &t.auth()).await;
    assert!(l.ok().get("pondId").is_none());
    app.get(&format!("/v1.0/leads/{lead}"), &inside_auth)
        .await
        .error(404, 20006);
    // all or none: one lead that is not there moves none
    app.post(
        &format!("/v1.0/team-features/lead-pond/{pid}/leads"),
        &t.auth(),
        json!({"leadIds": [lead, 4242]}),
    )
    .await
    .error(404, 20006);
    let l = app.get(&format!("/v1.0/leads/{lead}"), &t.auth()).await;
    assert!(l.ok().get("pondId").is_none());
});
