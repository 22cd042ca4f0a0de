//! Who sees a lead and what a search matches, checked differentially: for random principals,
//! leads and filters, the search through the in-memory index (SQLite), the search in SQL alone,
//! and reads by id all show exactly the leads a plain restatement of the rules says — before and
//! after a restart.

mod common;

use std::collections::BTreeSet;

use common::*;
use openhouse_domain::auth::{CredentialKind, Principal, Role};
use openhouse_domain::search::{LeadFilter, LeadQuery, LeadSort};
use openhouse_store::Store;
use sea_orm::ConnectionTrait;
use serde_json::json;

/// A search: its name, its filter, and which leads it matches by the plain rule.
type Case = (String, LeadFilter, Box<dyn Fn(&Facts) -> bool>);

/// A lead's visibility facts, as the test set them.
#[derive(Debug, Clone)]
struct Facts {
    id: i64,
    scope: &'static str,
    owner: i64,
    assigned: i64,
    lender: i64,
    assistant: i64,
    pond: i64,
    trashed: bool,
    stage: &'static str,
    source: &'static str,
    tags: Vec<&'static str>,
    contacted: bool,
    created: i64,
}

/// The rule, restated plainly (README: admins see the whole team; others see TEAM leads, leads
/// assigned to them as agent, lender or assistant, their PERSONAL leads, their office's OFFICE
/// leads and the leads of their ponds).
fn model_sees(who: &Principal, f: &Facts) -> bool {
    if who.role == Role::Admin {
        return true;
    }
    let u = who.user_id;
    f.scope == "TEAM"
        || f.assigned == u
        || f.lender == u
        || f.assistant == u
        || (f.scope == "PERSONAL" && f.owner == u)
        || (f.scope == "OFFICE" && who.office_id > 0 && f.owner == who.office_id)
        || (f.pond > 0 && who.pond_ids.contains(&f.pond))
}

fn principal(
    team_id: i64,
    user_id: i64,
    role: Role,
    office_id: i64,
    pond_ids: Vec<i64>,
) -> Principal {
    Principal {
        team_id,
        user_id,
        role,
        office_id,
        pond_ids,
        kind: CredentialKind::ApiKey,
        app_id: None,
        credential_key: String::new(),
        expire_time: 0,
        scopes: None,
    }
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// Every lead id a search shows, all pages.
async fn searched(
    store: &Store,
    who: &Principal,
    filter: &LeadFilter,
    sort: LeadSort,
) -> (BTreeSet<i64>, u64) {
    let mut ids = BTreeSet::new();
    let mut offset = 0;
    loop {
        let page = store
            .search_leads(
                who,
                &LeadQuery {
                    filter: filter.clone(),
                    sort,
                    desc: true,
                    limit: 7,
                    offset,
                    after: None,
                    served: 0,
                },
            )
            .await
            .unwrap();
        let n = page.leads.len();
        ids.extend(page.leads.iter().map(|l| l.id));
        if n < 7 {
            return (ids, page.total);
        }
        offset += 7;
    }
}

async fn check(
    store: &Store,
    leads: &[Facts],
    principals: &[Principal],
    members: &[i64],
    when: &str,
) {
    let sql = store.sql_only();
    for who in principals {
        let since = 1_700_000_000_000_i64 + 20 * 60_000;
        let cases: Vec<Case> = vec![
            (
                "source Zillow".into(),
                LeadFilter {
                    source: Some("Zillow".into()),
                    ..Default::default()
                },
                Box::new(|f: &Facts| f.source == "Zillow"),
            ),
            (
                "any tag a or b".into(),
                LeadFilter {
                    any_tags: vec!["a".into(), "b".into()],
                    ..Default::default()
                },
                Box::new(|f: &Facts| f.tags.contains(&"a") || f.tags.contains(&"b")),
            ),
            (
                "tags a and b".into(),
                LeadFilter {
                    all_tags: vec!["a".into(), "b".into()],
                    ..Default::default()
                },
                Box::new(|f: &Facts| f.tags.contains(&"a") && f.tags.contains(&"b")),
            ),
            (
                "contacted".into(),
                LeadFilter {
                    contacted: Some(true),
                    ..Default::default()
                },
                Box::new(|f: &Facts| f.contacted),
            ),
            (
                "not contacted, stage Hot, tag c".into(),
                LeadFilter {
                    contacted: Some(false),
                    stages: vec!["Hot".into()],
                    any_tags: vec!["c".into()],
                    ..Default::default()
                },
                Box::new(|f: &Facts| !f.contacted && f.stage == "Hot" && f.tags.contains(&"c")),
            ),
            (
                "created since".into(),
                LeadFilter {
                    created_min: Some(since),
                    ..Default::default()
                },
                Box::new(move |f: &Facts| f.created >= since),
            ),
            (
                "an email (SQL alone)".into(),
                LeadFilter {
                    email: Some("@HOT.example".into()),
                    ..Default::default()
                },
                Box::new(|f: &Facts| f.stage == "Hot"),
            ),
            (
                "no filter".into(),
                LeadFilter::default(),
                Box::new(|_: &Facts| true),
            ),
            (
                "stage Hot".into(),
                LeadFilter {
                    stages: vec!["Hot".into()],
                    ..Default::default()
                },
                Box::new(|f: &Facts| f.stage == "Hot"),
            ),
            (
                format!("assigned to {}", members[0]),
                LeadFilter {
                    assigned_user_id: Some(members[0]),
                    ..Default::default()
                },
                Box::new({
                    let m = members[0];
                    move |f: &Facts| f.assigned == m
                }),
            ),
        ];
        for (name, filter, keep) in &cases {
            let want: BTreeSet<i64> = leads
                .iter()
                .filter(|f| !f.trashed && keep(f) && model_sees(who, f))
                .map(|f| f.id)
                .collect();
            for sort in [LeadSort::Default, LeadSort::UpdateTime] {
                let (fast, fast_total) = searched(store, who, filter, sort).await;
                let (slow, slow_total) = searched(&sql, who, filter, sort).await;
                let ctx = format!(
                    "{when}: {:?} user {} office {} ponds {:?}, {name}, {sort:?}",
                    who.role, who.user_id, who.office_id, who.pond_ids
                );
                assert_eq!(fast, want, "search: {ctx}");
                assert_eq!(slow, want, "search in SQL: {ctx}");
                assert_eq!(fast_total, want.len() as u64, "total: {ctx}");
                assert_eq!(slow_total, want.len() as u64, "total in SQL: {ctx}");
            }
        }
        for f in leads {
            let got = store.get_lead(who, f.id, true).await.is_ok();
            assert_eq!(
                got,
                model_sees(who, f),
                "{when}: read by id of {f:?} by {:?} user {} office {} ponds {:?}",
                who.role,
                who.user_id,
                who.office_id,
                who.pond_ids
            );
        }
    }
}

both!(
    search_index_sql_and_reads_agree_on_who_sees_a_lead,
    |app: TestApp| async move {
        let t = app.team().await;
        let mut members = Vec::new();
        for i in 0..4 {
            let email = format!("v{i}.{}@example.com", t.team_id);
            let id = app
                .store
                .create_user(t.team_id, &email, "Member", Some(&email), Role::Agent)
                .await
                .unwrap();
            members.push((id, email));
        }
        let ids: Vec<i64> = members.iter().map(|m| m.0).collect();
        let (offices, ponds) = ([901_i64, 902], [801_i64, 802]);
        let mut rng = Rng(11);
        let mut leads = Vec::new();
        for i in 0..48 {
            let tags: Vec<&'static str> = ["a", "b", "c"]
                .into_iter()
                .filter(|_| rng.below(2) == 0)
                .collect();
            let source = rng.pick(&["Zillow", "Web"]);
            let stage = rng.pick(&["Hot", "New"]);
            let id = app
                .lead(
                    &t,
                    json!({"firstName": format!("V{i}"), "tags": tags, "source": source,
                           "emails": [format!("v{i}@{stage}.example.com")]}),
                )
                .await;
            let scope = rng.pick(&["TEAM", "OFFICE", "PERSONAL", "PERSONAL"]);
            let owner = match scope {
                "OFFICE" => rng.pick(&offices),
                "PERSONAL" => rng.pick(&[ids[0], ids[1], ids[2], ids[3], t.user_id]),
                _ => 0,
            };
            let assistant = if rng.below(4) == 0 { rng.pick(&ids) } else { 0 };
            if assistant > 0 {
                let email = &members.iter().find(|m| m.0 == assistant).unwrap().1;
                app.post(
                    &format!("/v1.0/leads/{id}/assignment"),
                    &t.auth(),
                    json!([{"role": "Assistant", "assiginee": email}]),
                )
                .await
                .ok();
            }
            leads.push(Facts {
                id,
                scope,
                owner,
                assigned: if rng.below(3) == 0 { rng.pick(&ids) } else { 0 },
                lender: if rng.below(5) == 0 { rng.pick(&ids) } else { 0 },
                assistant,
                pond: if rng.below(4) == 0 {
                    rng.pick(&ponds)
                } else {
                    0
                },
                trashed: rng.below(8) == 0,
                stage,
                source,
                tags,
                contacted: rng.below(3) == 0,
                // create times out of id order: the index's unordered path too
                created: 1_700_000_000_000 + rng.below(40) as i64 * 60_000,
            });
        }
        // the facts written straight into the database (scopes, offices and ponds need no records
        // for who sees a lead); servers opened afterwards read them from there
        let db = sea_orm::Database::connect(openhouse_store::normalize_url(app.url()).unwrap())
            .await
            .unwrap();
        for f in &leads {
            db.execute_unprepared(&format!(
            "UPDATE leads SET ownership_scope = '{}', ownership_id = {}, assigned_user_id = {}, \
             lender_user_id = {}, pond_id = {}, delete_time = {}, stage = '{}', \
             contacted = {}, create_time = {} WHERE team_id = {} AND id = {}",
            f.scope,
            f.owner,
            f.assigned,
            f.lender,
            f.pond,
            if f.trashed { 1_700_000_000_000_i64 } else { 0 },
            f.stage,
            f.contacted,
            f.created,
            t.team_id,
            f.id
        ))
        .await
        .unwrap();
        }
        db.close().await.unwrap();
        let mut principals = vec![principal(t.team_id, t.user_id, Role::Admin, 0, vec![])];
        for (i, m) in ids.iter().enumerate() {
            for office in [0, offices[i % 2]] {
                for pond_ids in [vec![], vec![ponds[i % 2]], ponds.to_vec()] {
                    principals.push(principal(t.team_id, *m, Role::Agent, office, pond_ids));
                }
            }
        }
        // a member of no lead at all, and someone of another team
        principals.push(principal(t.team_id, 424_242, Role::Lender, 0, vec![]));
        let other = app.team().await;
        let stranger = principal(other.team_id, other.user_id, Role::Admin, 0, vec![]);

        let first = app.reopen().await;
        check(&first.store, &leads, &principals, &ids, "after opening").await;
        for f in &leads {
            assert!(first.store.get_lead(&stranger, f.id, true).await.is_err());
        }
        assert!(
            searched(
                &first.store,
                &stranger,
                &LeadFilter::default(),
                LeadSort::Default
            )
            .await
            .0
            .is_disjoint(&leads.iter().map(|f| f.id).collect()),
            "another team's leads are not there"
        );

        // changes made through the server keep every form in step: some leads move to the team
        for f in leads.iter_mut().filter(|f| f.id % 3 == 0 && !f.trashed) {
            first
                .put(
                    &format!("/v1.0/leads/{}", f.id),
                    &t.auth(),
                    json!({"ownershipScope": "TEAM"}),
                )
                .await
                .ok();
            f.scope = "TEAM";
            f.owner = 0;
        }
        check(&first.store, &leads, &principals, &ids, "after edits").await;
        let second = first.reopen().await;
        check(&second.store, &leads, &principals, &ids, "after a restart").await;
    }
);
