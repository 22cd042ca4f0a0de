//! Members, agent accounts, the organisation and what each role sees, through the HTTP API.

mod common;

use std::collections::HashSet;

use common::*;
use openhouse_domain::auth::CredentialKind;
use serde_json::{Value, json};

/// Adds an office and returns its id.
async fn office(app: &TestApp, t: &Team, name: &str, parent: i64) -> i64 {
    let r = app
        .put(
            "/v1.0/org/office",
            &t.auth(),
            json!({"name": name, "parentId": parent, "city": "Austin"}),
        )
        .await;
    let body = r.ok();
    assert_eq!(body["code"], 0);
    assert_eq!(body["message"], "success");
    body["data"]["id"].as_i64().unwrap()
}

/// Adds an agent account and returns its id and an API key for it.
async fn agent(app: &TestApp, t: &Team, email: &str, office: i64, profile: i64) -> (i64, String) {
    let r = app
        .post("/v1.0/agent", &t.auth(), json!({"emailAddress": email, "firstName": "Agent", "lastName": email, "groupId": office, "profileId": profile}))
        .await;
    let id = r.ok()["agentId"].as_i64().unwrap();
    let key = app
        .store
        .issue_credential(t.team_id, id, CredentialKind::ApiKey)
        .await
        .unwrap();
    (id, format!("token {key}"))
}

fn member_ids(v: &Value) -> Vec<i64> {
    v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["memberUserId"].as_i64().unwrap())
        .collect()
}

both!(me_members_and_users, |app: TestApp| async move {
    let t = app.team().await;
    let other = app.team().await;
    let me = app.get("/v1.0/me", &t.auth()).await;
    let me = me.ok().clone();
    assert_eq!(me["memberUserId"], t.user_id);
    assert_eq!(me["id"], t.user_id);
    assert_eq!(me["teamId"], t.team_id);
    assert_eq!(me["isAdmin"], true);
    assert_eq!(me["role"], 1);
    assert_eq!(me["roleName"], "Admin");
    assert_eq!(me["status"], 1);
    assert_eq!(me["accountStatus"], "Active");
    assert_eq!(me["groupId"], 0);
    let email = me["email"].as_str().unwrap().to_string();
    // by account (any case) and by id
    let r = app
        .get(
            &format!("/v1.0/members/{}", email.to_uppercase()),
            &t.auth(),
        )
        .await;
    assert_eq!(r.ok(), &me);
    let r = app
        .get(&format!("/v1.0/users/{}", t.user_id), &t.auth())
        .await;
    assert_eq!(r.ok(), &me);
    app.get("/v1.0/members/nobody@example.com", &t.auth())
        .await
        .error(404, 20003);
    app.get(&format!("/v1.0/members/{email}"), &other.auth())
        .await
        .error(404, 20003);
    app.get(&format!("/v1.0/users/{}", t.user_id), &other.auth())
        .await
        .error(404, 20003);
    app.get("/v1.0/users/abc", &t.auth())
        .await
        .error(400, 20012);

    // edit: what is sent changes; a real time zone only
    let r = app
        .put(&format!("/v1.0/users/{}", t.user_id), &t.auth(), json!({"firstName": "Rose", "lastName": "Bob", "phoneNumber": "19022342233",
            "timeZoneId": "America/Halifax", "agentInfo": {"licenseId": "L-1", "position": "Broker"}}))
        .await;
    let edited = r.ok().clone();
    assert_eq!(edited["firstName"], "Rose");
    assert_eq!(edited["firstLetter"], "R");
    assert_eq!(edited["lastName"], "Bob");
    assert_eq!(edited["phoneNumber"], "19022342233");
    assert_eq!(edited["timeZoneId"], "America/Halifax");
    assert_eq!(edited["agentInfo"]["licenseId"], "L-1");
    assert_eq!(app.get("/v1.0/me", &t.auth()).await.ok(), &edited);
    let r = app
        .put(
            &format!("/v1.0/users/{}", t.user_id),
            &t.auth(),
            json!({"timeZoneId": "Mars/Olympus_Mons", "firstName": "Nope"}),
        )
        .await;
    r.error(400, 20012);
    let r = app
        .put(
            &format!("/v1.0/users/{}", t.user_id),
            &t.auth(),
            json!({"email": "not an email"}),
        )
        .await;
    r.error(400, 20012);
    assert_eq!(
        app.get("/v1.0/me", &t.auth()).await.ok(),
        &edited,
        "a refused edit changes nothing"
    );
    app.put(
        &format!("/v1.0/users/{}", t.user_id),
        &other.auth(),
        json!({"firstName": "X"}),
    )
    .await
    .error(404, 20003);

    // members: paged by id with a total; a second member's email cannot be taken
    let (a1, a1_auth) = agent(&app, &t, "a1@example.com", 0, 2).await;
    let (a2, _) = agent(&app, &t, "a2@example.com", 0, 3).await;
    let r = app.get("/v1.0/members?limit=2", &t.auth()).await;
    let page = r.ok();
    assert_eq!(page["_metadata"]["total"], 3);
    assert_eq!(page["_metadata"]["limit"], 2);
    assert_eq!(member_ids(page).len(), 2);
    let r = app.get("/v1.0/members?limit=2&offset=2", &t.auth()).await;
    assert_eq!(member_ids(r.ok()).len(), 1);
    let r = app.get("/v1.0/members", &t.auth()).await;
    let all: HashSet<i64> = member_ids(r.ok()).into_iter().collect();
    assert_eq!(all, [t.user_id, a1, a2].into_iter().collect());
    app.get("/v1.0/members?limit=101", &t.auth())
        .await
        .error(400, 20042);
    let r = app
        .put(
            &format!("/v1.0/users/{a1}"),
            &t.auth(),
            json!({"email": "A2@example.com"}),
        )
        .await;
    r.error(400, 20012);
    // an agent edits itself, not others
    app.put(
        &format!("/v1.0/users/{a1}"),
        &a1_auth,
        json!({"lastName": "Self"}),
    )
    .await
    .ok();
    app.put(
        &format!("/v1.0/users/{}", t.user_id),
        &a1_auth,
        json!({"lastName": "Other"}),
    )
    .await
    .error(403, 20017);
    let r = app.get("/v1.0/me", &a1_auth).await;
    assert_eq!(r.ok()["lastName"], "Self");
    assert_eq!(r.ok()["isAdmin"], false);
    assert_eq!(r.ok()["roleName"], "Agent");
    assert_eq!(r.ok()["invitorUserId"], t.user_id);
    // lead counts
    app.lead(&t, json!({"firstName": "L1", "assignedUserId": a1}))
        .await;
    let r = app.get(&format!("/v1.0/users/{a1}"), &t.auth()).await;
    assert_eq!(r.ok()["assignedLeadCount"], 1);
    assert_eq!(r.ok()["newLeadCount"], 1);
});

both!(agent_accounts, |app: TestApp| async move {
    let t = app.team().await;
    let other = app.team().await;
    let north = office(&app, &t, "North", 0).await;
    let r = app
        .post("/v1.0/agent", &t.auth(), json!({"emailAddress": "rose@example.com", "firstName": "Rose", "lastName": "Bob", "groupId": north,
            "profileId": 2, "phone": "5550100", "licenseId": "LIC", "sendingEmailAddress": "rose.example.com", "allowChangeSendingEmailAddress": true}))
        .await;
    let acc = r.ok().clone();
    let id = acc["agentId"].as_i64().unwrap();
    assert_eq!(acc["teamId"], t.team_id);
    assert_eq!(acc["groupId"], north);
    assert_eq!(acc["profileId"], 2);
    assert_eq!(acc["seatType"], 1);
    assert_eq!(acc["emailAddress"], "rose@example.com");
    assert_eq!(acc["phone"], "5550100");
    assert_eq!(acc["allowChangeSendingEmailAddress"], true);
    let m = app.get("/v1.0/members/rose@example.com", &t.auth()).await;
    assert_eq!(m.ok()["groupId"], north);
    assert_eq!(m.ok()["groupName"], "North");
    assert_eq!(m.ok()["agentInfo"]["licenseId"], "LIC");
    // refused: a taken email, an unknown office or profile, missing fields, a non-admin
    let base = json!({"emailAddress": "ROSE@example.com", "firstName": "R", "lastName": "B", "groupId": 0, "profileId": 2});
    app.post("/v1.0/agent", &t.auth(), base.clone())
        .await
        .error(400, 20012);
    let mut b = base.clone();
    b["emailAddress"] = json!("new@example.com");
    b["groupId"] = json!(4242);
    app.post("/v1.0/agent", &t.auth(), b.clone())
        .await
        .error(400, 20012);
    b["groupId"] = json!(0);
    b["profileId"] = json!(99);
    app.post("/v1.0/agent", &t.auth(), b.clone())
        .await
        .error(400, 20012);
    b["profileId"] = json!(2);
    b.as_object_mut().unwrap().remove("firstName");
    app.post("/v1.0/agent", &t.auth(), b.clone())
        .await
        .error(400, 20012);
    let key = app
        .store
        .issue_credential(t.team_id, id, CredentialKind::ApiKey)
        .await
        .unwrap();
    let rose = format!("token {key}");
    b["firstName"] = json!("R");
    app.post("/v1.0/agent", &rose, b.clone())
        .await
        .error(403, 20017);
    let r = app.get("/v1.0/members", &t.auth()).await;
    assert_eq!(
        r.ok()["_metadata"]["total"],
        2,
        "nothing refused was stored"
    );
    // edit: office and profile change; another team's member is not there
    let south = office(&app, &t, "South", 0).await;
    let r = app
        .put(
            "/v1.0/agent",
            &t.auth(),
            json!({"teamMemberUserId": id, "groupId": south, "profileId": 3, "firstName": "Rosa"}),
        )
        .await;
    assert_eq!(r.ok()["groupId"], south);
    assert_eq!(r.ok()["profileId"], 3);
    assert_eq!(r.ok()["firstName"], "Rosa");
    let me = app.get("/v1.0/me", &rose).await;
    assert_eq!(me.ok()["roleName"], "Assistant");
    assert_eq!(me.ok()["groupName"], "South");
    app.put(
        "/v1.0/agent",
        &other.auth(),
        json!({"teamMemberUserId": id, "firstName": "X"}),
    )
    .await
    .error(404, 20003);
    app.put("/v1.0/agent", &t.auth(), json!({"firstName": "X"}))
        .await
        .error(400, 20012);
    // the last admin stays an admin
    app.put(
        "/v1.0/agent",
        &t.auth(),
        json!({"teamMemberUserId": t.user_id, "profileId": 2}),
    )
    .await
    .error(400, 20012);

    // a full profile
    let r = app
        .post("/v1.0/agent/profile/add", &t.auth(), json!({"accountType": 1, "agentPid": "P-9",
            "accountInfo": {"emailAddress": "bob@example.com", "firstName": "Bob", "lastName": "Smith", "roleName": "Standard User",
                            "phoneNumber": "83834748", "phoneCode": "1", "groupId": north},
            "workInfo": {"companyName": "Acme Realty", "licenseId": "L-2", "position": "Agent", "personalIntroduction": "Hi"},
            "socialMedias": {"items": [{"name": "x", "type": "twitter", "value": "@bob"}]},
            "personalPhotos": {"urls": ["https://example.com/bob.png"]}}))
        .await;
    let body = r.ok();
    assert_eq!(body["errorCode"], 0);
    let bob = body["data"].as_i64().unwrap();
    let m = app.get(&format!("/v1.0/users/{bob}"), &t.auth()).await;
    let m = m.ok();
    assert_eq!(m["email"], "bob@example.com");
    assert_eq!(m["groupId"], north);
    assert_eq!(m["roleName"], "Agent");
    assert_eq!(m["phoneNumber"], "83834748");
    assert_eq!(m["agentInfo"]["companyName"], "Acme Realty");
    assert_eq!(m["agentInfo"]["agentPid"], "P-9");
    let dup = json!({"accountType": 1, "accountInfo": {"emailAddress": "bob@example.com", "firstName": "B", "lastName": "S", "roleName": "Standard User"}});
    app.post("/v1.0/agent/profile/add", &t.auth(), dup)
        .await
        .error(400, 20012);
    let bad_role = json!({"accountType": 1, "accountInfo": {"emailAddress": "c@example.com", "firstName": "C", "lastName": "S", "roleName": "Wizard"}});
    app.post("/v1.0/agent/profile/add", &t.auth(), bad_role)
        .await
        .error(400, 20012);
    let bad_type = json!({"accountType": 7, "accountInfo": {"emailAddress": "c@example.com", "firstName": "C", "lastName": "S", "roleName": "Lender"}});
    app.post("/v1.0/agent/profile/add", &t.auth(), bad_type)
        .await
        .error(400, 20012);
});

both!(organisation, |app: TestApp| async move {
    let t = app.team().await;
    let other = app.team().await;
    let profiles = app.get("/v1.0/org/permission/profiles", &t.auth()).await;
    let names: Vec<&str> = profiles
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Company Admin", "Standard User", "Assistant", "Lender"]
    );
    // a tree: west > (coast > pier), east
    let west = office(&app, &t, "West", 0).await;
    let coast = office(&app, &t, "Coast", west).await;
    let pier = office(&app, &t, "Pier", coast).await;
    let east = office(&app, &t, "East", 0).await;
    app.put(
        "/v1.0/org/office",
        &t.auth(),
        json!({"name": "Orphan", "parentId": 4242}),
    )
    .await
    .error(400, 20012);
    app.put("/v1.0/org/office", &t.auth(), json!({"parentId": 0}))
        .await
        .error(400, 20012);
    app.put(
        "/v1.0/org/office",
        &t.auth(),
        json!({"name": "Bad", "email": "nope"}),
    )
    .await
    .error(400, 20012);
    app.put(
        "/v1.0/org/office",
        &other.auth(),
        json!({"name": "Theirs", "parentId": west}),
    )
    .await
    .error(400, 20012);
    // update: what is sent changes; no cycles; unknown: 404
    let r = app
        .post(
            "/v1.0/org/office",
            &t.auth(),
            json!({"id": coast, "name": "Coastline", "zipcode": "94103"}),
        )
        .await;
    let d = &r.ok()["data"];
    assert_eq!(d["name"], "Coastline");
    assert_eq!(d["zipcode"], "94103");
    assert_eq!(d["city"], "Austin", "unchanged fields stay");
    assert_eq!(d["parentId"], west);
    app.post(
        "/v1.0/org/office",
        &t.auth(),
        json!({"id": west, "parentId": pier}),
    )
    .await
    .error(400, 20012);
    app.post(
        "/v1.0/org/office",
        &t.auth(),
        json!({"id": west, "parentId": west}),
    )
    .await
    .error(400, 20012);
    app.post(
        "/v1.0/org/office",
        &t.auth(),
        json!({"id": 4242, "name": "X"}),
    )
    .await
    .error(404, 20007);
    app.post(
        "/v1.0/org/office",
        &other.auth(),
        json!({"id": west, "name": "X"}),
    )
    .await
    .error(404, 20007);
    app.post("/v1.0/org/office", &t.auth(), json!({"name": "X"}))
        .await
        .error(400, 20012);
    // GET /v1.0/org: the admin sees every office; an agent its office and those under it
    let r = app.get("/v1.0/org", &t.auth()).await;
    let org = r.ok();
    assert_eq!(org["orgType"], 1);
    assert!(org.get("multiTeamInfo").is_none());
    let seen: HashSet<i64> = org["enterpriseInfo"]["visibleOrgInfoList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["groupId"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, [west, coast, pier, east].into_iter().collect());
    assert_eq!(org["enterpriseInfo"]["profileName"], "Company Admin");
    let (_, coastal) = agent(&app, &t, "c@example.com", coast, 2).await;
    let r = app.get("/v1.0/org", &coastal).await;
    let org = r.ok();
    assert_eq!(org["enterpriseInfo"]["groupId"], coast);
    assert_eq!(org["enterpriseInfo"]["groupName"], "Coastline");
    assert_eq!(org["enterpriseInfo"]["profileId"], 2);
    let seen: HashSet<i64> = org["enterpriseInfo"]["visibleOrgInfoList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["groupId"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, [coast, pier].into_iter().collect());
    // agents change nothing of the organisation
    app.put("/v1.0/org/office", &coastal, json!({"name": "Mine"}))
        .await
        .error(403, 20017);
    app.post(
        "/v1.0/org/office",
        &coastal,
        json!({"id": coast, "name": "Mine"}),
    )
    .await
    .error(403, 20017);
    app.post("/v1.0/org/company", &coastal, json!({"name": "Mine"}))
        .await
        .error(403, 20017);
    // company
    let r = app.post("/v1.0/org/company", &t.auth(), json!({"name": "Lofty Realty Group", "city": "San Francisco", "email": "ops@example.com"})).await;
    assert_eq!(r.ok()["code"], 0);
    app.post("/v1.0/org/company", &t.auth(), json!({"email": "bad"}))
        .await
        .error(400, 20012);
    app.post(
        "/v1.0/org/company",
        &t.auth(),
        json!({"teamId": other.team_id, "name": "X"}),
    )
    .await
    .error(400, 20012);
    // members by office follow the tree
    let (_, _) = agent(&app, &t, "p@example.com", pier, 2).await;
    let (_, _) = agent(&app, &t, "e@example.com", east, 2).await;
    let r = app
        .get(&format!("/v1.0/members?groupIds={west}"), &t.auth())
        .await;
    assert_eq!(
        r.ok()["_metadata"]["total"],
        2,
        "west has coast and pier under it"
    );
    let r = app
        .get(
            &format!("/v1.0/members?groupIds={pier}&groupIds={east}"),
            &t.auth(),
        )
        .await;
    assert_eq!(r.ok()["_metadata"]["total"], 2);
    // leads by office: querySubGroup takes the offices under them too
    let at_pier = app
        .lead(
            &t,
            json!({"firstName": "Pier", "ownershipScope": "OFFICE", "ownershipId": pier}),
        )
        .await;
    let at_west = app
        .lead(
            &t,
            json!({"firstName": "West", "ownershipScope": "OFFICE", "ownershipId": west}),
        )
        .await;
    let ids = |v: &Value| -> HashSet<i64> {
        v["leads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["leadId"].as_i64().unwrap())
            .collect()
    };
    let r = app
        .get(&format!("/v1.0/leads?groupIds={west}"), &t.auth())
        .await;
    assert_eq!(ids(r.ok()), [at_pier, at_west].into_iter().collect());
    let r = app
        .get(
            &format!("/v1.0/leads?groupIds={west}&querySubGroup=false"),
            &t.auth(),
        )
        .await;
    assert_eq!(ids(r.ok()), [at_west].into_iter().collect());
});

both!(visibility_matrix, |app: TestApp| async move {
    let t = app.team().await;
    let a = office(&app, &t, "A", 0).await;
    let b = office(&app, &t, "B", 0).await;
    let (office_agent, oa) = agent(&app, &t, "oa@example.com", a, 2).await;
    let (_, ob) = agent(&app, &t, "ob@example.com", b, 2).await;
    let (_, assistant) = agent(&app, &t, "as@example.com", 0, 3).await;
    let team_lead = app
        .lead(&t, json!({"firstName": "Team", "ownershipScope": "TEAM"}))
        .await;
    let office_lead = app
        .lead(
            &t,
            json!({"firstName": "Office", "ownershipScope": "OFFICE", "ownershipId": a}),
        )
        .await;
    let personal_lead = app.lead(&t, json!({"firstName": "Personal", "ownershipScope": "PERSONAL", "ownershipId": t.user_id})).await;
    let agents_own = app
        .lead(
            &t,
            json!({"firstName": "Own", "ownershipScope": "PERSONAL", "ownershipId": office_agent}),
        )
        .await;
    for l in [team_lead, office_lead, personal_lead, agents_own] {
        app.post(
            "/v1.0/notes",
            &t.auth(),
            json!({"leadId": l, "content": "hello"}),
        )
        .await
        .ok();
    }
    let all = [team_lead, office_lead, personal_lead, agents_own];
    let cases = [
        (
            "admin",
            t.auth(),
            vec![team_lead, office_lead, personal_lead, agents_own],
        ),
        (
            "office agent",
            oa.clone(),
            vec![team_lead, office_lead, agents_own],
        ),
        ("other-office agent", ob.clone(), vec![team_lead]),
        ("assistant", assistant.clone(), vec![team_lead]),
    ];
    for (who, auth, sees) in cases {
        let want: HashSet<i64> = sees.iter().copied().collect();
        let r = app.get("/v1.0/leads?limit=100", &auth).await;
        let listed: HashSet<i64> = r.ok()["leads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["leadId"].as_i64().unwrap())
            .collect();
        assert_eq!(listed, want, "{who}: list");
        for l in all {
            let visible = want.contains(&l);
            let read = app.get(&format!("/v1.0/leads/{l}"), &auth).await;
            let edit = app
                .put(
                    &format!("/v1.0/leads/{l}"),
                    &auth,
                    json!({"source": format!("edited by {who}")}),
                )
                .await;
            let notes = app.get(&format!("/v1.0/notes?leadId={l}"), &auth).await;
            if visible {
                read.ok();
                edit.ok();
                assert_eq!(
                    notes.ok().as_array().unwrap().len(),
                    1,
                    "{who}: notes of {l}"
                );
            } else {
                read.error(404, 20006);
                edit.error(404, 20006);
                notes.error(404, 20006);
            }
        }
    }
    // moving the other-office agent into office A shows it office A's leads at once
    let ob_id = app.get("/v1.0/me", &ob).await.ok()["memberUserId"]
        .as_i64()
        .unwrap();
    app.put(
        "/v1.0/agent",
        &t.auth(),
        json!({"teamMemberUserId": ob_id, "groupId": a}),
    )
    .await
    .ok();
    app.get(&format!("/v1.0/leads/{office_lead}"), &ob)
        .await
        .ok();
    // nothing leaks to another team
    let other = app.team().await;
    for l in all {
        app.get(&format!("/v1.0/leads/{l}"), &other.auth())
            .await
            .error(404, 20006);
    }
    let r = app.get("/v1.0/members", &other.auth()).await;
    assert_eq!(r.ok()["_metadata"]["total"], 1);
});

both!(broker_teams_and_seats, |app: TestApp| async move {
    let broker = app.team().await;
    let make = |name: &str, email: &str, seats: i64| json!({"teamName": name, "email": email, "firstName": "Ada", "lastName": "Admin", "phone": "5550100", "seatLimit": seats});
    let r = app
        .post(
            "/v1.0/broker/team",
            &broker.auth(),
            make("North Team", "north@example.com", 2),
        )
        .await;
    let north = r.ok().clone();
    let north_auth = format!("token {}", north["apiKey"].as_str().unwrap());
    let r = app
        .post(
            "/v1.0/broker/team",
            &broker.auth(),
            make("South Team", "south@example.com", 5),
        )
        .await;
    let south = r.ok().clone();
    let south_auth = format!("Bearer {}", south["accessToken"].as_str().unwrap());
    assert_ne!(north["teamId"], south["teamId"]);
    // the new admin works at once, in its own team
    let me = app.get("/v1.0/me", &north_auth).await;
    assert_eq!(me.ok()["teamId"], north["teamId"]);
    assert_eq!(me.ok()["email"], "north@example.com");
    assert_eq!(me.ok()["lastName"], "Admin");
    assert_eq!(me.ok()["isAdmin"], true);
    let org = app.get("/v1.0/org", &north_auth).await;
    assert_eq!(org.ok()["orgType"], 2);
    assert_eq!(org.ok()["multiTeamInfo"]["multiTeamId"], broker.team_id);
    let org = app.get("/v1.0/org", &broker.auth()).await;
    assert_eq!(
        org.ok()["orgType"],
        2,
        "a broker with teams is a multi-team account"
    );
    // one broker's teams see nothing of each other
    let lead = app
        .lead(
            &Team {
                api_key: north["apiKey"].as_str().unwrap().into(),
                ..broker.clone()
            },
            json!({"firstName": "Northern"}),
        )
        .await;
    app.get(&format!("/v1.0/leads/{lead}"), &north_auth)
        .await
        .ok();
    app.get(&format!("/v1.0/leads/{lead}"), &south_auth)
        .await
        .error(404, 20006);
    app.get(&format!("/v1.0/leads/{lead}"), &broker.auth())
        .await
        .error(404, 20006);
    let r = app.get("/v1.0/leads", &south_auth).await;
    assert_eq!(r.ok()["_metadata"]["total"], 0);
    let r = app.get("/v1.0/members", &south_auth).await;
    assert_eq!(r.ok()["_metadata"]["total"], 1);
    // seats: the admin holds one of north's two
    let add = |email: &str, kind: i64| json!({"accountType": kind, "accountInfo": {"emailAddress": email, "firstName": "S", "lastName": "T", "roleName": "Standard User"}});
    app.post(
        "/v1.0/agent/profile/add",
        &north_auth,
        add("n1@example.com", 1),
    )
    .await
    .ok();
    app.post(
        "/v1.0/agent/profile/add",
        &north_auth,
        add("n2@example.com", 1),
    )
    .await
    .error(400, 20012);
    let r = app.post("/v1.0/agent", &north_auth, json!({"emailAddress": "n3@example.com", "firstName": "N", "lastName": "3", "groupId": 0, "profileId": 2})).await;
    r.error(400, 20012);
    app.post(
        "/v1.0/agent/profile/add",
        &north_auth,
        add("display@example.com", 2),
    )
    .await
    .ok();
    let r = app.get("/v1.0/members", &north_auth).await;
    assert_eq!(
        r.ok()["_metadata"]["total"],
        3,
        "display-only members need no seat"
    );
    // refused: a team under a broker makes no teams; bad bodies; agents
    app.post(
        "/v1.0/broker/team",
        &north_auth,
        make("Sub", "sub@example.com", 1),
    )
    .await
    .error(403, 20017);
    app.post(
        "/v1.0/broker/team",
        &broker.auth(),
        make("Zero", "zero@example.com", 0),
    )
    .await
    .error(400, 20012);
    app.post(
        "/v1.0/broker/team",
        &broker.auth(),
        make("  ", "blank@example.com", 1),
    )
    .await
    .error(400, 20012);
    app.post(
        "/v1.0/broker/team",
        &broker.auth(),
        make("Bad", "not-an-email", 1),
    )
    .await
    .error(400, 20012);
    app.post(
        "/v1.0/broker/team",
        &broker.auth(),
        json!({"teamName": "Missing"}),
    )
    .await
    .error(400, 20012);
    // removal: only the broker's own teams; the removed team's credentials stop working
    let stranger = app.team().await;
    let north_id = north["teamId"].as_i64().unwrap();
    app.delete(&format!("/v1.0/broker/team/{north_id}"), &stranger.auth())
        .await
        .error(404, 20007);
    app.delete(&format!("/v1.0/broker/team/{north_id}"), &south_auth)
        .await
        .error(404, 20007);
    let r = app
        .delete(&format!("/v1.0/broker/team/{north_id}"), &broker.auth())
        .await;
    assert_eq!(r.ok()["deleted"], true);
    app.get("/v1.0/me", &north_auth).await.error(401, 401);
    app.delete(&format!("/v1.0/broker/team/{north_id}"), &broker.auth())
        .await
        .error(404, 20007);
    app.get("/v1.0/me", &south_auth).await.ok();
});

both!(vendors_and_notifications, |app: TestApp| async move {
    let t = app.team().await;
    let other = app.team().await;
    let r = app.get("/v1.0/vendor/list", &t.auth()).await;
    let list = r.ok().as_array().unwrap().clone();
    assert_eq!(list.len(), 1, "the vendor key made with the team");
    assert_eq!(list[0]["agentUserId"], t.user_id);
    assert!(
        list[0]["companyName"]
            .as_str()
            .unwrap()
            .contains("vendor key")
    );
    assert_eq!(list[0]["roleName"], "Admin");
    let theirs = app.get("/v1.0/vendor/list", &other.auth()).await;
    assert_ne!(theirs.ok()[0]["id"], list[0]["id"]);
    assert_eq!(theirs.ok()[0]["agentUserId"], other.user_id);

    let (agent_id, _) = agent(&app, &t, "n@example.com", 0, 2).await;
    let lead = app
        .lead(
            &t,
            json!({"firstName": "Buyer", "assignedUserId": agent_id}),
        )
        .await;
    let lonely = app.lead(&t, json!({"firstName": "Nobody's"})).await;
    let r = app
        .post("/v1.0/agent/send-notification", &t.auth(), json!({"leadId": lead, "notificationType": 48, "message": "Viewed 12 Elm St three times",
            "description": "San Francisco, CA 94102", "link": "https://example.com/12-elm"}))
        .await;
    assert_eq!(r.ok()["data"], true);
    assert_eq!(r.ok()["status"]["code"], 0);
    // what was sent is in the lead's log
    let logs = app
        .get(&format!("/v1.0/systemLogs?leadId={lead}"), &t.auth())
        .await;
    let sent: Vec<Value> = logs
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["timelineTypeDesc"] == "OpportunityNotification")
        .cloned()
        .collect();
    assert_eq!(sent.len(), 1, "{}", logs.body);
    let text = sent[0].to_string();
    assert!(text.contains("Viewed 12 Elm St three times"), "{text}");
    assert!(text.contains(&agent_id.to_string()), "{text}");
    // no agent: nothing to notify
    let r = app
        .post(
            "/v1.0/agent/send-notification",
            &t.auth(),
            json!({"leadId": lonely, "notificationType": 50}),
        )
        .await;
    assert_eq!(r.ok()["data"], false);
    // refused: an unknown type, a lead not there or another team's
    app.post(
        "/v1.0/agent/send-notification",
        &t.auth(),
        json!({"leadId": lead, "notificationType": 49}),
    )
    .await
    .error(400, 20012);
    app.post(
        "/v1.0/agent/send-notification",
        &t.auth(),
        json!({"leadId": lead}),
    )
    .await
    .error(400, 20012);
    app.post(
        "/v1.0/agent/send-notification",
        &t.auth(),
        json!({"leadId": 4242, "notificationType": 48}),
    )
    .await
    .error(404, 20006);
    app.post(
        "/v1.0/agent/send-notification",
        &other.auth(),
        json!({"leadId": lead, "notificationType": 48}),
    )
    .await
    .error(404, 20006);
    let logs = app
        .get(&format!("/v1.0/systemLogs?leadId={lead}"), &t.auth())
        .await;
    let count = logs
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["timelineTypeDesc"] == "OpportunityNotification")
        .count();
    assert_eq!(count, 1, "refused notifications are not stored");
});

both!(
    a_role_changed_by_any_write_holds_from_the_next_request,
    |app: TestApp| async move {
        use openhouse_domain::people::Profile;
        use openhouse_store::people::UserChange;
        let t = app.team().await;
        let (a1, a1_auth) = agent(&app, &t, "promoted@example.com", 0, 2).await;
        // the agent's credential is resolved and cached as an agent's
        assert_eq!(app.get("/v1.0/me", &a1_auth).await.ok()["isAdmin"], false);
        app.put(
            &format!("/v1.0/users/{}", t.user_id),
            &a1_auth,
            json!({"lastName": "Other"}),
        )
        .await
        .error(403, 20017);
        // promoted by a write of the store itself, not through a handler
        let admin = app
            .store
            .authenticate(CredentialKind::ApiKey, &t.api_key)
            .await
            .unwrap()
            .unwrap();
        app.store
            .update_user(
                &admin,
                a1,
                UserChange {
                    profile: Some(Profile::CompanyAdmin),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        // the very next request (well within the 30 s a credential stays cached) is an admin's
        assert_eq!(app.get("/v1.0/me", &a1_auth).await.ok()["isAdmin"], true);
        app.put(
            &format!("/v1.0/users/{}", t.user_id),
            &a1_auth,
            json!({"lastName": "Other"}),
        )
        .await
        .ok();
    }
);
