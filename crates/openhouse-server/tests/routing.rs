//! Lead routing through the API (5.4 and openhouse's additions), on SQLite and PostgreSQL: the
//! rules' operations, each match criterion, each strategy, offers and their timeouts (the
//! store's clock is moved, nothing sleeps), claims, and durability across a restart.

mod common;

use common::{Backend, Team, TestApp};
use openhouse_domain::auth::{CredentialKind, Role};
use openhouse_server::jobs::{self, Work};
use serde_json::{Value, json};

async fn member(app: &TestApp, t: &Team, email: &str, role: Role) -> (i64, String) {
    let s = &app.store;
    let id = s
        .create_user(t.team_id, email, "Member", Some(email), role)
        .await
        .unwrap();
    let key = s
        .issue_credential(t.team_id, id, CredentialKind::ApiKey)
        .await
        .unwrap();
    (id, format!("token {key}"))
}

async fn agents(app: &TestApp, t: &Team, n: usize) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    for i in 0..n {
        let email = format!("agent{i}.{}@example.com", t.team_id);
        out.push(member(app, t, &email, Role::Agent).await);
    }
    out
}

async fn add_rule(app: &TestApp, t: &Team, kind: i32, rule: Value) -> Value {
    app.post(&format!("/v1.0/routing/rule/{kind}"), &t.auth(), rule)
        .await
        .ok()
        .clone()
}

fn round_robin(members: &[(i64, i64)]) -> Value {
    json!({"strategyType": 3, "memberWeights": members.iter()
        .map(|(m, w)| json!({"memberId": m, "weight": w})).collect::<Vec<_>>()})
}

async fn routed(app: &TestApp, t: &Team, body: Value) -> Value {
    let mut body = body;
    body["leadRouting"] = json!(true);
    let id = app.lead(t, body).await;
    app.get(&format!("/v1.0/leads/{id}"), &t.auth())
        .await
        .ok()
        .clone()
}

/// A system log entry's `content`: the change's detail, as JSON.
fn content(l: &Value) -> Value {
    serde_json::from_str(l["content"].as_str().unwrap_or("null")).unwrap_or(Value::Null)
}

/// Like `both!`, but on PostgreSQL in a database of the test's own: tests that run the routing
/// worker, which takes due offers of every team.
macro_rules! isolated {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) = TestApp::start_isolated(Backend::Sqlite, common::roomy()).await {
                    ($body)(app).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = TestApp::start_isolated(Backend::Postgres, common::roomy()).await
                {
                    ($body)(app).await;
                }
            }
        }
    };
}

fn agent_of(lead: &Value) -> Option<i64> {
    lead["assignedUserId"].as_i64()
}

async fn system_log(app: &TestApp, t: &Team, lead: i64) -> Vec<Value> {
    app.get(&format!("/v1.0/systemLogs?leadId={lead}"), &t.auth())
        .await
        .ok()
        .as_array()
        .unwrap()
        .clone()
}

both!(
    rules_are_added_listed_edited_ordered_and_deleted,
    |app: TestApp| async move {
        let t = app.team().await;
        let other = app.team().await;
        let a = agents(&app, &t, 2).await;
        let (_, agent_auth) = &a[0];
        let r1 = add_rule(
            &app,
            &t,
            1,
            json!({"name": "Zillow buyers", "sourceName": "Zillow", "leadType": "2",
                   "routingStrategy": round_robin(&[(a[0].0, 2), (a[1].0, 1)])}),
        )
        .await;
        let id1 = r1["id"].as_i64().unwrap();
        assert_eq!(r1["priority"], 1);
        assert_eq!(r1["ruleSwitch"], true);
        assert_eq!(r1["assignGroupId"], -1);
        assert_eq!(
            r1["routingStrategy"]["memberWeights"][0]["firstName"],
            "Member"
        );
        let r2 = add_rule(
            &app,
            &t,
            1,
            json!({"name": "First", "priority": 1, "routingStrategy": {"strategyType": 1, "touchMinutes": 30}}),
        )
        .await;
        let id2 = r2["id"].as_i64().unwrap();
        let list = app
            .get_in("published", "/v1.0/routing/rule/list/1", &t.auth())
            .await;
        let ids: Vec<i64> = list
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![id2, id1]);
        // the contract's answer is one RoutingRule: the first by priority
        let first = app.get("/v1.0/routing/rule/list/1", &t.auth()).await;
        assert_eq!(first.ok()["id"], id2, "{}", first.body);
        assert_eq!(first.ok(), &list.ok()[0]);

        // the contract's edit: active hours and strategy only
        app.put(
            "/v1.0/routing/rule/1",
            &t.auth(),
            json!({"id": id1, "activeHours": {"activeDays": [5, 1, 1], "hoursStart": 9, "hoursEnd": 17}}),
        )
        .await
        .ok();
        let list = app
            .get_in("published", "/v1.0/routing/rule/list/1", &t.auth())
            .await
            .ok()
            .clone();
        let edited = list
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id1)
            .unwrap();
        assert_eq!(edited["activeHours"]["activeDays"], json!([1, 5]));
        assert_eq!(edited["sourceName"], "Zillow", "what is not edited stays");
        assert_eq!(
            edited["routingStrategy"]["strategyType"], 3,
            "no strategy sent: it stays"
        );

        // refusals name the published codes and change nothing
        for (body, what) in [
            (
                json!({"id": id1, "activeHours": {"activeDays": [8]}}),
                "INVAID_ACTIVE_DAY",
            ),
            (
                json!({"id": id1, "activeHours": {"hoursStart": 24}}),
                "INVAID_ACTIVE_HOURS",
            ),
            (
                json!({"id": id1, "routingStrategy": {"strategyType": 1, "touchMinutes": 90}}),
                "INVAID_TOUCHMINUTES",
            ),
            (
                json!({"id": id1, "routingStrategy": {"strategyType": 9}}),
                "STRATEGY_TYPE_ERROR",
            ),
            (
                json!({"id": id1, "routingStrategy": {"strategyType": 4, "groupId": 1}}),
                "INVAID_GROUP_ID",
            ),
            (
                json!({"id": id1, "routingStrategy": {"strategyType": 3, "memberWeights": [{"memberId": 1, "weight": 1}]}}),
                "INVAID_MEMBER_WEIGHT",
            ),
            (json!({"id": 12345}), "INVAID_ID"),
        ] {
            let r = app.put("/v1.0/routing/rule/1", &t.auth(), body).await;
            r.error(400, 20012);
            assert!(
                r.body["message"].as_str().unwrap().starts_with(what),
                "{}",
                r.body
            );
        }
        let after = app
            .get_in("published", "/v1.0/routing/rule/list/1", &t.auth())
            .await
            .ok()
            .clone();
        assert_eq!(after, list, "refused edits changed nothing");
        // a lender rule cannot be a Lead Pond, nor edited through the agent type
        app.put(
            "/v1.0/routing/rule/2",
            &t.auth(),
            json!({"id": id1, "activeHours": {}}),
        )
        .await
        .error(400, 20012);
        app.post(
            "/v1.0/routing/rule/2",
            &t.auth(),
            json!({"routingStrategy": {"strategyType": 4, "groupId": 1}}),
        )
        .await
        .error(400, 20012);
        app.get("/v1.0/routing/rule/list/3", &t.auth())
            .await
            .error(400, 20012);
        app.get("/v1.0/routing/rule/list/4", &t.auth())
            .await
            .error(400, 20012);
        // no assistant rule: the contract's 404, the published []
        app.get("/v1.0/routing/rule/list/4?roleId=4", &t.auth())
            .await
            .error(404, 20007);
        assert_eq!(
            app.get_in("published", "/v1.0/routing/rule/list/4?roleId=4", &t.auth())
                .await
                .ok(),
            &json!([])
        );
        // admins only; another team sees none of it
        app.get("/v1.0/routing/rule/list/1", agent_auth)
            .await
            .error(403, 20017);
        app.put(
            "/v1.0/routing/rule/1",
            agent_auth,
            json!({"id": id1, "activeHours": {}}),
        )
        .await
        .error(403, 20017);
        assert_eq!(
            app.get_in("published", "/v1.0/routing/rule/list/1", &other.auth())
                .await
                .ok(),
            &json!([])
        );
        app.get("/v1.0/routing/rule/list/1", &other.auth())
            .await
            .error(404, 20007);
        app.put(
            "/v1.0/routing/rule/1",
            &other.auth(),
            json!({"id": id1, "activeHours": {}}),
        )
        .await
        .error(400, 20012);
        app.delete(&format!("/v1.0/routing/rule/1/{id1}"), &other.auth())
            .await
            .error(404, 20007);

        // order, then delete
        let ordered = app
            .put(
                "/v1.0/routing/rule-order/1",
                &t.auth(),
                json!({"ruleIds": [id1, id2]}),
            )
            .await;
        assert_eq!(ordered.ok()[0]["id"], id1);
        assert_eq!(ordered.ok()[1]["priority"], 2);
        app.put(
            "/v1.0/routing/rule-order/1",
            &t.auth(),
            json!({"ruleIds": [id1]}),
        )
        .await
        .error(400, 20012);
        app.delete(&format!("/v1.0/routing/rule/1/{id1}"), &t.auth())
            .await
            .ok();
        let list = app
            .get_in("published", "/v1.0/routing/rule/list/1", &t.auth())
            .await;
        assert_eq!(list.ok().as_array().unwrap().len(), 1);
        assert_eq!(list.ok()[0]["priority"], 1);

        // members and roles
        let members = app
            .get_in("published", "/v1.0/routing/member/list/1", &t.auth())
            .await
            .ok()
            .clone();
        let ids: Vec<i64> = members
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_i64().unwrap())
            .collect();
        assert!(ids.contains(&a[0].0) && ids.contains(&t.user_id));
        assert_eq!(
            app.get("/v1.0/routing/member/list/1", &t.auth()).await.ok(),
            &members[0],
            "the contract's answer: the first member"
        );
        assert_eq!(
            app.get("/v1.0/routing/role/list", &t.auth()).await.ok(),
            &json!({"id": 4, "name": "Assistant"})
        );
        assert_eq!(
            app.get_in("published", "/v1.0/routing/role/list", &t.auth())
                .await
                .ok(),
            &json!([{"id": 4, "name": "Assistant"}])
        );
        let (lender, _) = member(&app, &t, "lender@example.com", Role::Lender).await;
        let lenders = app
            .get_in("published", "/v1.0/routing/member/list/2", &t.auth())
            .await
            .ok()
            .clone();
        assert_eq!(
            lenders,
            json!([{"id": lender, "name": "Member lender@example.com", "type": 2}])
        );
    }
);

both!(
    supplement_rule_is_set_and_shown,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = agents(&app, &t, 1).await;
        let r = app.get("/v1.0/routing/rule/supplement/1", &t.auth()).await;
        assert_eq!(r.ok()["strategyType"], 0);
        app.put(
            "/v1.0/routing/rule/supplement/1",
            &t.auth(),
            json!({"strategyType": 3, "assigneeAgentId": a[0].0}),
        )
        .await
        .ok();
        let r = app.get("/v1.0/routing/rule/supplement/1", &t.auth()).await;
        assert_eq!(r.ok()["assigneeAgentId"], a[0].0.to_string());
        assert_eq!(r.ok()["businessType"], 1);
        assert!(r.ok()["updateTime"].as_i64().unwrap() > 0);
        for body in [
            json!({"strategyType": 3}),
            json!({"strategyType": 3, "assigneeAgentId": 99}),
            json!({"strategyType": 1, "touchMinutes": 0}),
            json!({"strategyType": 7}),
        ] {
            app.put("/v1.0/routing/rule/supplement/1", &t.auth(), body)
                .await
                .error(400, 20012);
        }
        app.put(
            "/v1.0/routing/rule/supplement/4",
            &t.auth(),
            json!({"strategyType": 1, "touchMinutes": 5, "roleId": 4}),
        )
        .await
        .error(400, 20012);
        app.put(
            "/v1.0/routing/rule/supplement/4",
            &t.auth(),
            json!({"strategyType": 3, "assigneeAgentId": a[0].0}),
        )
        .await
        .error(400, 20012);
        // a new lead no rule matches goes to the default assignee
        let lead = routed(&app, &t, json!({"firstName": "Nobody"})).await;
        assert_eq!(agent_of(&lead), Some(a[0].0));
        assert_eq!(lead["assignCompletionStatus"], true);
        let log = system_log(&app, &t, lead["leadId"].as_i64().unwrap()).await;
        assert!(
            log.iter().any(|l| l["timelineTypeDesc"] == "LeadCreated"
                && content(l)["routing"][0]["strategy"] == "Default Assignee"),
            "{log:?}"
        );
    }
);

both!(
    routing_runs_only_when_asked_and_never_past_an_agent_given,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = agents(&app, &t, 2).await;
        add_rule(
            &app,
            &t,
            1,
            json!({"routingStrategy": round_robin(&[(a[0].0, 1)])}),
        )
        .await;
        let id = app.lead(&t, json!({"firstName": "Plain"})).await;
        let lead = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await;
        assert_eq!(agent_of(lead.ok()), None);
        assert_eq!(lead.ok()["assignCompletionStatus"], false);
        let lead = routed(
            &app,
            &t,
            json!({"firstName": "Given", "assignedUserId": a[1].0}),
        )
        .await;
        assert_eq!(agent_of(&lead), Some(a[1].0));
        let lead = routed(&app, &t, json!({"firstName": "Routed"})).await;
        assert_eq!(agent_of(&lead), Some(a[0].0));
        app.post(
            "/v1.0/leads",
            &t.auth(),
            json!({"firstName": "X", "leadRouting": true, "assignGroupId": 424242}),
        )
        .await
        .error(400, 20012);
    }
);

both!(
    each_criterion_alone_and_combined,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = agents(&app, &t, 2).await;
        let (hit, miss) = (a[0].0, a[1].0);
        // the default rule takes what the rule under test does not
        app.put(
            "/v1.0/routing/rule/supplement/1",
            &t.auth(),
            json!({"strategyType": 3, "assigneeAgentId": miss}),
        )
        .await
        .ok();
        let cases: Vec<(Value, Value, Value)> = vec![
            (
                json!({"leadType": "2,5"}),
                json!({"leadType": 2}),
                json!({"leadType": 1}),
            ),
            (
                json!({"leadTypeFilters": "[{\"type\":\"all\",\"ids\":\"2,6\"}]"}),
                json!({"leadTypes": [2, 6]}),
                json!({"leadTypes": [2]}),
            ),
            (
                json!({"locationRule": {"city": "Austin", "state": "TX"}}),
                json!({"leadType": 2, "inquiry": {"locations": [{"city": "austin", "stateCode": "TX"}]}}),
                json!({"leadType": 2, "inquiry": {"locations": [{"city": "Dallas", "stateCode": "TX"}]}}),
            ),
            (
                json!({"locationRule": {"zipcode": "78701"}}),
                json!({"leadType": 1, "property": {"zipCode": "78701"}}),
                json!({"leadType": 1, "property": {"zipCode": "78702"},
                       "inquiry": {"locations": [{"zipCode": "78701"}]}}),
            ),
            (
                json!({"priceMin": 300000, "priceMax": 500000}),
                json!({"leadType": 2, "inquiry": {"priceMin": 450000, "priceMax": 900000}}),
                json!({"leadType": 2, "inquiry": {"priceMin": 600000}}),
            ),
            (
                json!({"sourceName": "Zillow, Realtor"}),
                json!({"source": "realtor"}),
                json!({"source": "Facebook"}),
            ),
            (
                json!({"sourceName": "Zillow", "sourceMatchType": 2}),
                json!({}),
                json!({"source": "Facebook"}),
            ),
            (
                json!({"tagNames": ["Hot"]}),
                json!({"tags": ["Cold", "hot"]}),
                json!({"tags": ["Cold"]}),
            ),
            (
                json!({"groupNames": ["VIP"]}),
                json!({"segments": ["VIP"]}),
                json!({}),
            ),
            (
                json!({"phone": "With"}),
                json!({"phones": ["5125550100"]}),
                json!({}),
            ),
            (
                json!({"phone": "Without"}),
                json!({}),
                json!({"phones": ["5125550100"]}),
            ),
            (json!({"ruleSwitch": false}), json!(null), json!({})),
            // combined: every criterion must hold
            (
                json!({"sourceName": "Zillow", "tagNames": ["Hot"], "leadType": "2"}),
                json!({"source": "Zillow", "tags": ["Hot"], "leadType": 2}),
                json!({"source": "Zillow", "tags": ["Hot"], "leadType": 1}),
            ),
        ];
        for (criteria, matching, other) in cases {
            let mut rule = criteria.clone();
            rule["routingStrategy"] = round_robin(&[(hit, 1)]);
            let id = add_rule(&app, &t, 1, rule).await["id"].as_i64().unwrap();
            if !matching.is_null() {
                let mut body = matching.clone();
                body["firstName"] = json!("Match");
                let lead = routed(&app, &t, body).await;
                assert_eq!(
                    agent_of(&lead),
                    Some(hit),
                    "{criteria} should take {matching}"
                );
            }
            let mut body = other.clone();
            body["firstName"] = json!("Other");
            let lead = routed(&app, &t, body).await;
            assert_eq!(
                agent_of(&lead),
                Some(miss),
                "{criteria} should not take {other}"
            );
            app.delete(&format!("/v1.0/routing/rule/1/{id}"), &t.auth())
                .await
                .ok();
        }
    }
);

both!(
    round_robin_shares_1000_leads_by_weight,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = agents(&app, &t, 3).await;
        let weights = [(a[0].0, 3), (a[1].0, 2), (a[2].0, 1)];
        add_rule(
            &app,
            &t,
            1,
            json!({"routingStrategy": round_robin(&weights)}),
        )
        .await;
        let mut counts = std::collections::HashMap::new();
        for i in 0..1000 {
            let id = app
                .lead(
                    &t,
                    json!({"firstName": format!("RR {i}"), "leadRouting": true}),
                )
                .await;
            let lead = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await;
            *counts.entry(agent_of(lead.ok()).unwrap()).or_insert(0i64) += 1;
        }
        for (m, w) in weights {
            let exact = 1000.0 * w as f64 / 6.0;
            let got = counts[&m] as f64;
            assert!(
                (got - exact).abs() <= 1.0,
                "member {m}: {got} of exact {exact}"
            );
        }
    }
);

both!(
    lead_pond_lender_and_assistant_routing,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = agents(&app, &t, 1).await;
        let (lender, _) = member(&app, &t, "l@example.com", Role::Lender).await;
        let (assistant, _) = member(&app, &t, "as@example.com", Role::Assistant).await;
        let pond = app
            .post(
                "/v1.0/team-features/lead-pond",
                &t.auth(),
                json!({"pondName": "Sellers", "agentIds": [a[0].0]}),
            )
            .await
            .ok()["id"]
            .as_i64()
            .unwrap();
        add_rule(
            &app,
            &t,
            1,
            json!({"leadType": "1", "routingStrategy": {"strategyType": 4, "groupId": pond}}),
        )
        .await;
        add_rule(
            &app,
            &t,
            2,
            json!({"routingStrategy": round_robin(&[(lender, 1)])}),
        )
        .await;
        add_rule(
            &app,
            &t,
            4,
            json!({"roleId": 4, "routingStrategy": round_robin(&[(assistant, 1)])}),
        )
        .await;
        let lead = routed(&app, &t, json!({"firstName": "Seller", "leadType": 1})).await;
        assert_eq!(lead["pondId"], pond);
        assert_eq!(lead["pondName"], "Sellers");
        assert_eq!(agent_of(&lead), None);
        let roles = lead["customRoleList"].as_array().unwrap();
        assert!(roles.iter().any(|r| r["assigneeId"] == lender), "{roles:?}");
        assert!(
            roles
                .iter()
                .any(|r| r["assigneeId"] == assistant && r["roleId"] == 4),
            "{roles:?}"
        );
        // the pond's agent sees it; the routing is in the system log
        let log = system_log(&app, &t, lead["leadId"].as_i64().unwrap()).await;
        let created = log
            .iter()
            .find(|l| l["timelineTypeDesc"] == "LeadCreated")
            .map(content)
            .unwrap();
        let routed = created["routing"].as_array().unwrap();
        assert_eq!(routed.len(), 3, "{log:?}");
        assert!(routed.iter().all(|o| o["by"] == "routing"));
        assert!(routed.iter().any(|o| o["strategy"] == "Lead Pond"));
        // and the lead's system notes say it in words
        let notes = app
            .get(
                &format!(
                    "/v1.0/notes?leadId={}&includeSystemNote=true",
                    lead["leadId"]
                ),
                &t.auth(),
            )
            .await
            .ok()
            .to_string();
        assert!(notes.contains("by routing rule"), "{notes}");
    }
);

isolated!(
    next_up_offers_in_turn_then_the_default_rule,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = agents(&app, &t, 3).await;
        app.put(
            "/v1.0/routing/rule/supplement/1",
            &t.auth(),
            json!({"strategyType": 3, "assigneeAgentId": a[2].0}),
        )
        .await
        .ok();
        add_rule(
            &app,
            &t,
            1,
            json!({"name": "Next", "routingStrategy": {"strategyType": 1, "touchMinutes": 30,
            "memberWeights": [{"memberId": a[0].0}, {"memberId": a[1].0}]}}),
        )
        .await;
        let lead = routed(&app, &t, json!({"firstName": "Offered"})).await;
        let id = lead["leadId"].as_i64().unwrap();
        assert_eq!(agent_of(&lead), None);
        assert_eq!(lead["assignCompletionStatus"], false);
        let offers = app.get("/v1.0/routing/offers", &a[0].1).await;
        assert_eq!(offers.ok()[0]["offeredTo"], json!([a[0].0]));
        assert_eq!(
            app.get("/v1.0/routing/offers", &a[1].1).await.ok(),
            &json!([])
        );
        // not yet due: nothing happens
        assert_eq!(jobs::tick(&app.store, Work::Offers).await, 0);
        // 30 minutes later: the next member
        app.store.clock().advance(30 * 60_000 + 1);
        assert_eq!(jobs::tick(&app.store, Work::Offers).await, 1);
        assert_eq!(
            app.get("/v1.0/routing/offers", &a[0].1).await.ok(),
            &json!([])
        );
        assert_eq!(
            app.get("/v1.0/routing/offers", &a[1].1).await.ok()[0]["leadId"],
            id
        );
        app.post(
            &format!("/v1.0/routing/offers/{id}/claim"),
            &a[0].1,
            json!({}),
        )
        .await
        .error(409, 409);
        // and after them both, the default rule
        app.store.clock().advance(30 * 60_000 + 1);
        assert_eq!(jobs::tick(&app.store, Work::Offers).await, 1);
        let lead = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await;
        assert_eq!(agent_of(lead.ok()), Some(a[2].0));
        assert_eq!(lead.ok()["assignCompletionStatus"], true);
        let kinds: Vec<String> = system_log(&app, &t, id)
            .await
            .iter()
            .map(|l| l["timelineTypeDesc"].as_str().unwrap().to_string())
            .collect();
        for k in ["LeadOffered", "LeadOfferEnded", "LeadAssigned"] {
            assert!(kinds.iter().any(|x| x == k), "{kinds:?}");
        }
        // a job that fires again changes nothing
        app.store.clock().advance(60 * 60_000);
        assert_eq!(jobs::tick(&app.store, Work::Offers).await, 0);
    }
);

isolated!(next_up_rotates_the_first_offer, |app: TestApp| async move {
    let t = app.team().await;
    let a = agents(&app, &t, 2).await;
    add_rule(
        &app,
        &t,
        1,
        json!({"routingStrategy": {"strategyType": 1, "touchMinutes": 5,
            "memberWeights": [{"memberId": a[0].0}, {"memberId": a[1].0}]}}),
    )
    .await;
    routed(&app, &t, json!({"firstName": "One"})).await;
    routed(&app, &t, json!({"firstName": "Two"})).await;
    assert_eq!(
        app.get("/v1.0/routing/offers", &a[0].1)
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.get("/v1.0/routing/offers", &a[1].1)
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        1
    );
});

isolated!(
    blast_alert_exactly_one_of_two_claims_wins,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = agents(&app, &t, 2).await;
        add_rule(
            &app,
            &t,
            1,
            json!({"routingStrategy": {"strategyType": 2, "touchMinutes": 10}}),
        )
        .await;
        for round in 0..5 {
            let lead = routed(&app, &t, json!({"firstName": format!("Blast {round}")})).await;
            let id = lead["leadId"].as_i64().unwrap();
            let offered = app.get("/v1.0/routing/offers", &a[1].1).await;
            assert!(
                offered
                    .ok()
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|o| o["leadId"] == id)
            );
            let uri = format!("/v1.0/routing/offers/{id}/claim");
            let (r0, r1) = tokio::join!(
                app.post(&uri, &a[0].1, json!({})),
                app.post(&uri, &a[1].1, json!({}))
            );
            let wins: Vec<usize> = [&r0, &r1]
                .iter()
                .enumerate()
                .filter(|(_, r)| r.status == 200)
                .map(|(i, _)| i)
                .collect();
            assert_eq!(
                wins.len(),
                1,
                "{} {} / {} {}",
                r0.status,
                r0.body,
                r1.status,
                r1.body
            );
            let loser = if wins[0] == 0 { &r1 } else { &r0 };
            loser.error(409, 409);
            let lead = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await;
            assert_eq!(agent_of(lead.ok()), Some(a[wins[0]].0));
            // the claim's job is gone: time passing changes nothing
            app.store.clock().advance(11 * 60_000);
            jobs::tick(&app.store, Work::Offers).await;
            let again = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await;
            assert_eq!(agent_of(again.ok()), Some(a[wins[0]].0));
        }
    }
);

isolated!(
    a_touch_by_the_offered_member_claims,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = agents(&app, &t, 2).await;
        add_rule(
            &app,
            &t,
            1,
            json!({"routingStrategy": {"strategyType": 2, "touchMinutes": 10}}),
        )
        .await;
        // team-wide leads: the offered members can see them, and touch them
        let lead = routed(
            &app,
            &t,
            json!({"firstName": "Touch", "ownershipScope": "TEAM"}),
        )
        .await;
        let id = lead["leadId"].as_i64().unwrap();
        app.post(
            "/v1.0/notes",
            &a[1].1,
            json!({"leadId": id, "content": "called back"}),
        )
        .await
        .ok();
        let lead = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await;
        assert_eq!(agent_of(lead.ok()), Some(a[1].0));
        assert_eq!(
            app.get("/v1.0/routing/offers", &a[0].1).await.ok(),
            &json!([])
        );
        // a logged call claims the next one
        let lead = routed(
            &app,
            &t,
            json!({"firstName": "Call", "ownershipScope": "TEAM"}),
        )
        .await;
        let id = lead["leadId"].as_i64().unwrap();
        app.post(
        "/v1.0/logType",
        &a[0].1,
        json!({"leadId": id, "logType": "logCall", "leadPhoneNumber": "5125550100", "content": "hi"}),
    )
    .await
    .ok();
        let lead = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await;
        assert_eq!(agent_of(lead.ok()), Some(a[0].0));
    }
);

both!(
    active_hours_cross_midnight_in_the_team_zone,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = agents(&app, &t, 2).await;
        app.put(
            "/v1.0/routing/settings",
            &t.auth(),
            json!({"timeZoneId": "America/New_York"}),
        )
        .await
        .ok();
        app.put(
            "/v1.0/routing/settings",
            &t.auth(),
            json!({"timeZoneId": "Mars/Olympus"}),
        )
        .await
        .error(400, 20012);
        app.put(
            "/v1.0/routing/rule/supplement/1",
            &t.auth(),
            json!({"strategyType": 3, "assigneeAgentId": a[1].0}),
        )
        .await
        .ok();
        // Friday nights, 22:00 to 01:59 New York time
        add_rule(
            &app,
            &t,
            1,
            json!({"activeHours": {"activeDays": [5], "hoursStart": 22, "hoursEnd": 1},
                   "routingStrategy": round_robin(&[(a[0].0, 1)])}),
        )
        .await;
        // 2026-12-05 05:30 UTC is Saturday 00:30 in New York: Friday's night
        let sat_0030_ny = 1_796_448_600_000;
        for (at, who) in [
            (sat_0030_ny, a[0].0),
            // Saturday 02:30 New York: over
            (sat_0030_ny + 2 * 3_600_000, a[1].0),
            // Friday 23:30 New York (Saturday 04:30 UTC)
            (sat_0030_ny - 3_600_000, a[0].0),
            // Friday 00:30 New York is Thursday's night
            (sat_0030_ny - 24 * 3_600_000, a[1].0),
        ] {
            app.store.clock().set(at);
            let lead = routed(&app, &t, json!({"firstName": "Night"})).await;
            assert_eq!(agent_of(&lead), Some(who), "at {at}");
        }
    }
);

isolated!(
    an_offer_pending_at_a_restart_runs_once,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = agents(&app, &t, 2).await;
        add_rule(
            &app,
            &t,
            1,
            json!({"routingStrategy": {"strategyType": 1, "touchMinutes": 15,
            "memberWeights": [{"memberId": a[0].0}, {"memberId": a[1].0}]}}),
        )
        .await;
        let lead = routed(&app, &t, json!({"firstName": "Restart"})).await;
        let id = lead["leadId"].as_i64().unwrap();
        // the server stops; another comes up on the same database, 15 minutes later
        let again = app.reopen().await;
        again.store.clock().advance(15 * 60_000 + 1);
        assert_eq!(jobs::tick(&again.store, Work::Offers).await, 1);
        assert_eq!(jobs::tick(&again.store, Work::Offers).await, 0);
        let offers = again.get("/v1.0/routing/offers", &a[1].1).await;
        assert_eq!(offers.ok()[0]["leadId"], id);
        // the first server's clock catches up: the offer has moved on, nothing runs twice
        app.store.clock().advance(15 * 60_000 + 1);
        assert_eq!(jobs::tick(&app.store, Work::Offers).await, 0);
        again
            .post(
                &format!("/v1.0/routing/offers/{id}/claim"),
                &a[1].1,
                json!({}),
            )
            .await
            .ok();
    }
);

/// Round Robin from two stores (two pools, as two server processes) on one database at once:
/// every lead takes the next position, none is skipped or doubled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_robin_from_two_processes_on_postgres() {
    let Some(app) = TestApp::start_isolated(Backend::Postgres, common::roomy()).await else {
        return;
    };
    let second = app.reopen().await;
    let t = app.team().await;
    let a = agents(&app, &t, 2).await;
    add_rule(
        &app,
        &t,
        1,
        json!({"routingStrategy": round_robin(&[(a[0].0, 1), (a[1].0, 1)])}),
    )
    .await;
    let (x, y) = tokio::join!(create_many(&app, &t, 100), create_many(&second, &t, 100));
    let mut counts = std::collections::HashMap::new();
    for id in x.into_iter().chain(y) {
        let lead = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await;
        *counts.entry(agent_of(lead.ok()).unwrap()).or_insert(0) += 1;
    }
    assert_eq!(counts[&a[0].0], 100);
    assert_eq!(counts[&a[1].0], 100);
}

async fn create_many(app: &TestApp, t: &Team, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(
            app.lead(
                t,
                json!({"firstName": format!("P {i}"), "leadRouting": true}),
            )
            .await,
        );
    }
    ids
}

both!(
    rules_route_in_their_scope_and_offices_without_rules_use_the_companys,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = agents(&app, &t, 2).await;
        let office = |name: &'static str| {
            let app = &app;
            let auth = t.auth();
            async move {
                app.put("/v1.0/org/office", &auth, json!({"name": name}))
                    .await
                    .ok()["data"]["id"]
                    .as_i64()
                    .unwrap()
            }
        };
        let (north, south) = (office("North").await, office("South").await);
        add_rule(
            &app,
            &t,
            1,
            json!({"assignGroupId": north, "routingStrategy": round_robin(&[(a[0].0, 1)])}),
        )
        .await;
        add_rule(
            &app,
            &t,
            1,
            json!({"routingStrategy": round_robin(&[(a[1].0, 1)])}),
        )
        .await;
        app.post(
            "/v1.0/routing/rule/1",
            &t.auth(),
            json!({"assignGroupId": 424242, "routingStrategy": {"strategyType": 3}}),
        )
        .await
        .error(400, 20012);
        for (body, who) in [
            (json!({"assignGroupId": north}), a[0].0),
            (
                json!({"ownershipScope": "OFFICE", "ownershipId": north}),
                a[0].0,
            ),
            (json!({"assignGroupId": south}), a[1].0),
            (json!({"assignGroupId": -1}), a[1].0),
            (json!({}), a[1].0),
        ] {
            let mut b = body.clone();
            b["firstName"] = json!("Scoped");
            let lead = routed(&app, &t, b).await;
            assert_eq!(agent_of(&lead), Some(who), "{body}");
        }
    }
);

both!(
    concurrent_routed_creates_share_exactly_and_a_refused_one_changes_nothing,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = agents(&app, &t, 2).await;
        add_rule(
            &app,
            &t,
            1,
            json!({"routingStrategy": round_robin(&[(a[0].0, 1), (a[1].0, 1)])}),
        )
        .await;
        // on SQLite these run many to a transaction (group commit), refused ones among them
        let calls = (0..72).map(|i| {
            let app = &app;
            let auth = t.auth();
            async move {
                let mut body = json!({"firstName": format!("C {i}"), "leadRouting": true,
                    "tags": [format!("batch{i}")]});
                if i % 9 == 0 {
                    body["assignGroupId"] = json!(999_999);
                }
                if i % 9 == 4 {
                    // refused after the lead was routed: its position is not lost
                    body["leadTransaction"] =
                        json!({"transactionName": " ", "created": 1, "updated": 1});
                }
                (i, app.post("/v1.0/leads", &auth, body).await)
            }
        });
        let replies = futures_util::future::join_all(calls).await;
        let mut counts = std::collections::HashMap::new();
        for (i, r) in replies {
            if i % 9 == 0 {
                r.error(400, 20012);
                continue;
            }
            if i % 9 == 4 {
                r.error(400, 200062);
                continue;
            }
            let id = r.ok()["leadId"].as_i64().unwrap();
            let lead = app.get(&format!("/v1.0/leads/{id}"), &t.auth()).await;
            *counts.entry(agent_of(lead.ok()).unwrap()).or_insert(0) += 1;
        }
        assert_eq!(counts[&a[0].0], 28);
        assert_eq!(counts[&a[1].0], 28);
        // the refused creates left nothing, not even their tags
        let tags = app.get("/v1.0/teamFeatures/listTag", &t.auth()).await;
        let text = tags.ok().to_string();
        assert!(
            !text.contains("\"batch0\"") && !text.contains("\"batch9\""),
            "{text}"
        );
        assert!(text.contains("\"batch1\""), "{text}");
    }
);

both!(
    a_change_made_by_another_process_routes_the_next_lead,
    |app: TestApp| async move {
        // two stores on one database: each keeps its own copy of the team's configuration
        let other = app.reopen().await;
        let t = app.team().await;
        let a = agents(&app, &t, 2).await;
        let rule = add_rule(
            &app,
            &t,
            1,
            json!({"routingStrategy": round_robin(&[(a[0].0, 1)])}),
        )
        .await;
        let id = rule["id"].as_i64().unwrap();
        assert_eq!(
            agent_of(&routed(&app, &t, json!({"firstName": "Next"})).await),
            Some(a[0].0)
        );
        // the other process gives the rule to the second agent: the first routes by it at once
        other
            .put(
                "/v1.0/routing/rule/1",
                &t.auth(),
                json!({"id": id, "routingStrategy": round_robin(&[(a[1].0, 1)])}),
            )
            .await
            .ok();
        for _ in 0..3 {
            assert_eq!(
                agent_of(&routed(&app, &t, json!({"firstName": "Next"})).await),
                Some(a[1].0)
            );
        }
        // a rule for everyone: a member the other process adds is routed to as well
        other
            .put(
                "/v1.0/routing/rule/1",
                &t.auth(),
                json!({"id": id, "routingStrategy": {"strategyType": 3}}),
            )
            .await
            .ok();
        let _ = routed(&app, &t, json!({"firstName": "Next"})).await;
        let added = other
            .post(
                "/v1.0/agent",
                &t.auth(),
                json!({"emailAddress": format!("late.{}@example.com", t.team_id),
                    "firstName": "Late", "lastName": "Agent", "groupId": 0, "profileId": 2}),
            )
            .await;
        let late = added.ok()["agentId"].as_i64().unwrap();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..4 {
            seen.insert(agent_of(&routed(&app, &t, json!({"firstName": "Next"})).await).unwrap());
        }
        assert!(seen.contains(&late), "{seen:?} without {late}");
    }
);
