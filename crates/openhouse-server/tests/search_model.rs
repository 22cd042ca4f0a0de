//! The lead search against a model: leads with varied tags, stages, sources, segments,
//! assignees and owners are created, edited, trashed and called; then every filter, alone and
//! combined, must give the model's matches, in the default order (newest first), through
//! offset pages and scroll pages, for the admin and for an agent. On SQLite the search index
//! answers these, on PostgreSQL SQL does; on SQLite the same checks run again on a server
//! reopened over the same file, whose index is built from the database.

mod common;

use common::*;
use openhouse_domain::auth::{CredentialKind, Role};
use serde_json::json;

#[derive(Debug, Clone)]
struct Model {
    id: i64,
    tags: Vec<&'static str>,
    stage: &'static str,
    source: &'static str,
    segment: Option<&'static str>,
    language: &'static str,
    assigned: i64,
    team_scope: bool,
    contacted: bool,
    trashed: bool,
}

const TAGS: [&str; 4] = ["hot", "cold", "zillow", "vip"];
const STAGES: [&str; 3] = ["New", "Active", "Closed"];
const SOURCES: [&str; 2] = ["Zillow", "Open House"];

/// A small deterministic generator, so a failure can be replayed.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// Every lead a query finds, newest first, by scrolling 7 at a time; and the total it states.
async fn scroll_all(app: &TestApp, auth: &str, q: &str) -> (Vec<i64>, u64) {
    let first = app
        .get(&format!("/v1.0/leads?limit=7{q}"), auth)
        .await
        .ok()
        .clone();
    let total = first["_metadata"]["total"].as_u64().unwrap();
    let mut all = lead_ids(&first);
    let mut scroll = first["_metadata"]["scrollId"].as_str().map(String::from);
    while let Some(s) = scroll {
        let r = app
            .get(&format!("/v1.0/leads?scrollId={s}"), auth)
            .await
            .ok()
            .clone();
        all.extend(lead_ids(&r));
        scroll = r["_metadata"]["scrollId"].as_str().map(String::from);
        assert!(all.len() <= 200, "{q}: the scroll does not end");
    }
    (all, total)
}

async fn check(app: &TestApp, auth: &str, q: &str, expected: Vec<i64>) {
    let (all, total) = scroll_all(app, auth, q).await;
    assert_eq!(all, expected, "{q}: scroll pages");
    assert_eq!(total as usize, expected.len(), "{q}: total");
    let r = app
        .get(&format!("/v1.0/leads?limit=4&offset=3{q}"), auth)
        .await
        .ok()
        .clone();
    let want: Vec<i64> = expected.iter().skip(3).take(4).copied().collect();
    assert_eq!(lead_ids(&r), want, "{q}: offset page");
    let r = app
        .get(
            &format!("/v1.0/leads?limit=5&sort=CreateTime&desc=false{q}"),
            auth,
        )
        .await
        .ok()
        .clone();
    let want: Vec<i64> = expected.iter().rev().take(5).copied().collect();
    assert_eq!(lead_ids(&r), want, "{q}: oldest first");
}

/// The queries checked, each with what it asks of a lead.
/// A query string and the model's rule for the leads it matches.
type Query = (String, Box<dyn Fn(&Model) -> bool>);

fn queries(admin: i64, agent: i64) -> Vec<Query> {
    let mut v: Vec<Query> = vec![
        (String::new(), Box::new(|_| true)),
        ("&stage=Active".into(), Box::new(|m| m.stage == "Active")),
        (
            "&stage=New&stage=Closed".into(),
            Box::new(|m| m.stage != "Active"),
        ),
        ("&source=Zillow".into(), Box::new(|m| m.source == "Zillow")),
        ("&languages=es".into(), Box::new(|m| m.language == "es")),
        (
            "&segments=Buyers".into(),
            Box::new(|m| m.segment == Some("Buyers")),
        ),
        ("&assignedUserId=0".into(), Box::new(|m| m.assigned == 0)),
        (
            format!("&assignedUserId={agent}"),
            Box::new(move |m| m.assigned == agent),
        ),
        (
            format!("&assignedUserId={admin}&stage=New"),
            Box::new(move |m| m.assigned == admin && m.stage == "New"),
        ),
        ("&contacted=true".into(), Box::new(|m| m.contacted)),
        ("&contacted=false".into(), Box::new(|m| !m.contacted)),
    ];
    for t in TAGS {
        v.push((
            format!("&anyTags={t}&stage=New"),
            Box::new(move |m| m.tags.contains(&t) && m.stage == "New"),
        ));
    }
    v.push((
        "&anyTags=hot,vip".into(),
        Box::new(|m| m.tags.contains(&"hot") || m.tags.contains(&"vip")),
    ));
    v.push((
        "&allTags=hot&allTags=zillow".into(),
        Box::new(|m| m.tags.contains(&"hot") && m.tags.contains(&"zillow")),
    ));
    v
}

async fn check_all(app: &TestApp, admin: (&str, i64), agent: (&str, i64), model: &[Model]) {
    for (q, want) in queries(admin.1, agent.1) {
        let newest_first = |sees: &dyn Fn(&Model) -> bool| -> Vec<i64> {
            model
                .iter()
                .rev()
                .filter(|m| !m.trashed && sees(m) && want(m))
                .map(|m| m.id)
                .collect()
        };
        check(app, admin.0, &q, newest_first(&|_| true)).await;
        let agent_id = agent.1;
        // an agent sees team-wide leads and those assigned to them
        check(
            app,
            agent.0,
            &q,
            newest_first(&|m| m.team_scope || m.assigned == agent_id),
        )
        .await;
    }
}

both!(search_matches_the_model, |app: TestApp| async move {
    let t = app.team().await;
    let agent = app
        .store
        .create_user(t.team_id, "agent@example.com", "Ann", None, Role::Agent)
        .await
        .unwrap();
    let agent_key = format!(
        "token {}",
        app.store
            .issue_credential(t.team_id, agent, CredentialKind::ApiKey)
            .await
            .unwrap()
    );
    let mut rng = Lcg(7);
    let mut model = Vec::new();
    for i in 0..48 {
        let mut tags: Vec<&str> = Vec::new();
        for _ in 0..rng.next(3) {
            let t = TAGS[rng.next(TAGS.len())];
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        let assigned = [0, t.user_id, agent][rng.next(3)];
        let m = Model {
            id: 0,
            tags,
            stage: STAGES[rng.next(3)],
            source: SOURCES[rng.next(2)],
            segment: [None, Some("Buyers"), Some("Sellers")][rng.next(3)],
            language: ["en", "es"][rng.next(2)],
            assigned,
            team_scope: rng.next(3) == 0,
            contacted: false,
            trashed: false,
        };
        let mut body = json!({"firstName": format!("Lead {i}"), "tags": m.tags, "stage": m.stage,
            "source": m.source, "language": m.language});
        if let Some(s) = m.segment {
            body["segments"] = json!([s]);
        }
        if assigned != 0 {
            body["assignedUserId"] = json!(assigned);
        }
        if m.team_scope {
            body["ownershipScope"] = json!("TEAM");
        }
        let id = app.lead(&t, body).await;
        model.push(Model { id, ..m });
    }
    // edits: a new stage, a tag added, tags replaced; some trashed; some called
    for i in (0..48).step_by(5) {
        let m = &mut model[i];
        m.stage = "Closed";
        if !m.tags.contains(&"vip") {
            m.tags.push("vip");
        }
        app.put(
            &format!("/v1.0/leads/{}", m.id),
            &t.auth(),
            json!({"stage": "Closed", "tagsAdd": ["vip"]}),
        )
        .await
        .ok();
    }
    for i in (2..48).step_by(9) {
        let m = &mut model[i];
        m.tags = vec!["cold"];
        m.assigned = agent;
        app.put(
            &format!("/v1.0/leads/{}", m.id),
            &t.auth(),
            json!({"tags": ["cold"], "assignedUserId": agent}),
        )
        .await
        .ok();
    }
    for i in (3..48).step_by(7) {
        model[i].trashed = true;
        let r = app
            .delete(
                &format!("/v1.0/leads/{}?reason=gone", model[i].id),
                &t.auth(),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.body);
    }
    for i in (1..48).step_by(4) {
        if model[i].trashed {
            continue;
        }
        model[i].contacted = true;
        app.post(
            "/v1.0/logType",
            &t.auth(),
            json!({"leadId": model[i].id, "logType": "logCall",
            "content": "Talked", "leadPhoneNumber": "5865865860", "callingOutcome": "Talked"}),
        )
        .await
        .ok();
    }
    let admin = (t.auth(), t.user_id);
    check_all(&app, (&admin.0, admin.1), (&agent_key, agent), &model).await;
    if app.backend == Backend::Sqlite {
        let again = app.reopen().await;
        check_all(&again, (&admin.0, admin.1), (&agent_key, agent), &model).await;
    }
});
