//! The lead search through the HTTP API: every filter, every sort order, offset paging, and
//! scrolling while leads are being added.

mod common;

use std::collections::HashSet;

use common::*;
use serde_json::{Value, json};

async fn search(app: &TestApp, t: &Team, q: &str) -> Value {
    let r = app.get(&format!("/v1.0/leads{q}"), &t.auth()).await;
    r.ok().clone()
}

async fn found(app: &TestApp, t: &Team, q: &str) -> HashSet<i64> {
    let r = search(app, t, q).await;
    assert_eq!(
        r["_metadata"]["total"].as_u64().unwrap() as usize,
        r["leads"].as_array().unwrap().len(),
        "{q}: total"
    );
    lead_ids(&r).into_iter().collect()
}

fn set(xs: &[i64]) -> HashSet<i64> {
    xs.iter().copied().collect()
}

both!(every_filter, |app: TestApp| async move {
    let t = app.team().await;
    let a = app
        .lead(&t, json!({"firstName": "A", "tags": ["hot", "zillow"], "stage": "New", "source": "Zillow", "language": "en",
            "emails": ["alice@example.com"], "phones": ["+1 347-903-3333"], "segments": ["VIP"], "assignedUserId": t.user_id}))
        .await;
    let b = app
        .lead(&t, json!({"firstName": "B", "tags": ["hot"], "stage": "Active", "source": "Open House", "language": "es",
            "emails": ["bob@work.example.org"], "phones": ["4155551234"], "groups": ["Buyers"]}))
        .await;
    let office = app
        .put("/v1.0/org/office", &t.auth(), json!({"name": "Downtown"}))
        .await
        .ok()["data"]["id"]
        .as_i64()
        .unwrap();
    let c = app.lead(&t, json!({"firstName": "C", "tags": ["cold"], "stage": "New", "segments": ["Buyers"], "ownershipScope": "OFFICE", "ownershipId": office})).await;
    assert_eq!(found(&app, &t, "").await, set(&[a, b, c]));
    assert_eq!(found(&app, &t, "?anyTags=hot").await, set(&[a, b]));
    assert_eq!(
        found(&app, &t, "?anyTags=zillow&anyTags=cold").await,
        set(&[a, c])
    );
    assert_eq!(found(&app, &t, "?anyTags=zillow,cold").await, set(&[a, c]));
    assert_eq!(
        found(&app, &t, "?anyTags=HOT").await,
        set(&[a, b]),
        "tags match ignoring case"
    );
    assert_eq!(found(&app, &t, "?anyTags=nope").await, set(&[]));
    assert_eq!(
        found(&app, &t, "?allTags=hot&allTags=zillow").await,
        set(&[a])
    );
    assert_eq!(found(&app, &t, "?allTags=hot&allTags=nope").await, set(&[]));
    assert_eq!(found(&app, &t, "?stage=New").await, set(&[a, c]));
    assert_eq!(
        found(&app, &t, "?stage=New&stage=Active").await,
        set(&[a, b, c])
    );
    assert_eq!(found(&app, &t, "?source=Zillow").await, set(&[a]));
    assert_eq!(found(&app, &t, "?languages=es").await, set(&[b]));
    assert_eq!(
        found(&app, &t, "?languages=es&languages=en").await,
        set(&[a, b])
    );
    assert_eq!(found(&app, &t, "?segments=Buyers").await, set(&[b, c]));
    assert_eq!(found(&app, &t, "?groups=VIP").await, set(&[a]));
    assert_eq!(
        found(&app, &t, &format!("?assignedUserId={}", t.user_id)).await,
        set(&[a])
    );
    assert_eq!(found(&app, &t, "?assignedUserId=0").await, set(&[b, c]));
    assert_eq!(found(&app, &t, "?assignedUserId=-1").await, set(&[a, b, c]));
    assert_eq!(found(&app, &t, "?contacted=false").await, set(&[a, b, c]));
    assert_eq!(found(&app, &t, "?contacted=true").await, set(&[]));
    assert_eq!(
        found(&app, &t, &format!("?groupIds={office}")).await,
        set(&[c])
    );
    assert_eq!(
        found(
            &app,
            &t,
            &format!("?groupIds={}&querySubGroup=false", office + 1)
        )
        .await,
        set(&[])
    );
    // an office that is not the team's cannot own a lead
    let r = app
        .post(
            "/v1.0/leads",
            &t.auth(),
            json!({"firstName": "D", "ownershipScope": "OFFICE", "ownershipId": office + 1}),
        )
        .await;
    r.error(400, 20012);
    // email and phone: exact with preciseSearchFlag, else contains
    assert_eq!(
        found(&app, &t, "?email=ALICE@example.com&preciseSearchFlag=true").await,
        set(&[a])
    );
    assert_eq!(
        found(&app, &t, "?email=alice@&preciseSearchFlag=true").await,
        set(&[])
    );
    assert_eq!(found(&app, &t, "?email=example").await, set(&[a, b]));
    assert_eq!(
        found(&app, &t, "?email=%25").await,
        set(&[]),
        "LIKE wildcards are literal"
    );
    assert_eq!(
        found(&app, &t, "?phone=3479033333&preciseSearchFlag=true").await,
        set(&[a])
    );
    assert_eq!(
        found(&app, &t, "?phone=(415)%20555-1234&preciseSearchFlag=true").await,
        set(&[b])
    );
    assert_eq!(found(&app, &t, "?phone=555").await, set(&[b]));
    assert_eq!(
        found(&app, &t, "?phone=903&preciseSearchFlag=true").await,
        set(&[])
    );
    // filters combine with AND
    assert_eq!(found(&app, &t, "?anyTags=hot&stage=New").await, set(&[a]));
    assert_eq!(
        found(&app, &t, "?anyTags=hot&stage=New&source=Open%20House").await,
        set(&[])
    );
});

both!(every_sort_order, |app: TestApp| async move {
    let t = app.team().await;
    let mut made = Vec::new();
    for i in 0..4 {
        made.push(app.lead(&t, json!({"firstName": format!("L{i}"), "assignedUserId": if i % 2 == 0 { Some(t.user_id) } else { None }})).await);
    }
    // newest first by default; desc=false reverses
    let r = search(&app, &t, "").await;
    assert_eq!(lead_ids(&r), made.iter().rev().copied().collect::<Vec<_>>());
    let r = search(&app, &t, "?sort=CreateTime&desc=false").await;
    assert_eq!(lead_ids(&r), made);
    let r = search(&app, &t, "?sort=AssignTime").await;
    let got = lead_ids(&r);
    assert_eq!(
        &got[..2],
        &[made[2], made[0]],
        "assigned leads first, latest assignment first"
    );
    for s in [
        "Default",
        "LastContact",
        "LastCall",
        "LastEmail",
        "LastActivity",
        "CreateTime",
        "Inquries",
        "DeleteTime",
        "AssignTime",
        "Score",
        "Activity",
        "Communication",
        "HasDrip",
        "HasAlert",
        "Task",
        "Lender",
        "ActivitySearch",
        "ActivityViews",
        "ActivityFavorites",
        "DripStatus",
        "DripOpenRate",
        "AlertFrequency",
        "AlertOpenRate",
        "SCOREV2",
        "SmartPlanStatus",
    ] {
        for desc in ["true", "false"] {
            let r = search(&app, &t, &format!("?sort={s}&desc={desc}&limit=3")).await;
            assert_eq!(r["_metadata"]["total"], 4, "{s}");
            let page1 = lead_ids(&r);
            assert_eq!(page1.len(), 3, "{s}");
            // ties are broken by id in the same direction, so paging is stable
            let r2 = search(&app, &t, &format!("?sort={s}&desc={desc}&limit=3&offset=3")).await;
            let mut all: Vec<i64> = page1.into_iter().chain(lead_ids(&r2)).collect();
            all.sort();
            let mut want = made.clone();
            want.sort();
            assert_eq!(all, want, "{s} desc={desc}");
        }
    }
});

both!(offset_paging, |app: TestApp| async move {
    let t = app.team().await;
    let mut made = Vec::new();
    for i in 0..7 {
        made.push(app.lead(&t, json!({"firstName": format!("P{i}")})).await);
    }
    made.reverse();
    let r = search(&app, &t, "?limit=3").await;
    assert_eq!(
        r["_metadata"],
        json!({"collection": "leads", "limit": 3, "offset": 0, "total": 7, "scrollId": r["_metadata"]["scrollId"]})
    );
    assert_eq!(lead_ids(&r), made[0..3]);
    let r = search(&app, &t, "?limit=3&offset=3").await;
    assert_eq!(lead_ids(&r), made[3..6]);
    assert_eq!(r["_metadata"]["offset"], 3);
    let r = search(&app, &t, "?limit=3&offset=6").await;
    assert_eq!(lead_ids(&r), made[6..7]);
    let r = search(&app, &t, "?offset=-1").await;
    assert_eq!(r["_metadata"]["limit"], 25);
    assert_eq!(lead_ids(&r).len(), 7);
    let r = search(&app, &t, "?offset=100").await;
    assert_eq!(lead_ids(&r).len(), 0);
    assert_eq!(r["_metadata"]["total"], 7);
});

both!(
    scroll_walks_everything_once_while_leads_are_added,
    |app: TestApp| async move {
        let t = app.team().await;
        let mut before = HashSet::new();
        for i in 0..60 {
            before.insert(
                app.lead(
                    &t,
                    json!({"firstName": format!("S{i}"), "tags": ["scroll"]}),
                )
                .await,
            );
        }
        for (q, desc) in [
            ("?anyTags=scroll&limit=7", true),
            ("?anyTags=scroll&limit=7&desc=false", false),
        ] {
            let mut seen: Vec<i64> = Vec::new();
            let mut added = HashSet::new();
            let mut r = search(&app, &t, q).await;
            let mut pages = 0;
            loop {
                seen.extend(lead_ids(&r));
                pages += 1;
                // other clients keep adding matching leads while we scroll
                let (x, y) = tokio::join!(
                    app.lead(&t, json!({"firstName": "new", "tags": ["scroll"]})),
                    app.lead(&t, json!({"firstName": "new", "tags": ["scroll"]}))
                );
                added.insert(x);
                added.insert(y);
                let Some(sid) = r["_metadata"]["scrollId"].as_str().map(String::from) else {
                    break;
                };
                assert_eq!(
                    r["_metadata"]["offset"].as_u64().unwrap() as usize,
                    seen.len() - lead_ids(&r).len()
                );
                r = search(&app, &t, &format!("?scrollId={sid}")).await;
                assert!(pages < 100, "scroll does not end");
            }
            let unique: HashSet<i64> = seen.iter().copied().collect();
            assert_eq!(unique.len(), seen.len(), "a lead was served twice");
            assert!(
                before.is_subset(&unique),
                "a lead that existed before the scroll was skipped"
            );
            assert!(
                unique
                    .iter()
                    .all(|id| before.contains(id) || added.contains(id) || !desc)
            );
            before.extend(added);
        }
    }
);

both!(scroll_keeps_filters_and_sort, |app: TestApp| async move {
    let t = app.team().await;
    for i in 0..5 {
        app.lead(
            &t,
            json!({"firstName": format!("K{i}"), "stage": if i < 3 { "Keep" } else { "Other" }}),
        )
        .await;
    }
    let r = search(&app, &t, "?stage=Keep&limit=2&desc=false").await;
    let first = lead_ids(&r);
    let sid = r["_metadata"]["scrollId"].as_str().unwrap().to_string();
    let r2 = search(&app, &t, &format!("?scrollId={sid}")).await;
    let second = lead_ids(&r2);
    assert_eq!(second.len(), 1);
    assert!(second[0] > first[1], "ascending order kept");
    assert!(
        r2["_metadata"]["scrollId"].is_null(),
        "no scrollId after the last page"
    );
    assert_eq!(r2["_metadata"]["total"], 3);
    // a scrollId of one team is refused to another
    let other = app.team().await;
    app.get(&format!("/v1.0/leads?scrollId={sid}"), &other.auth())
        .await
        .error(400, 20012);
});

/// The state part of a scroll id, decoded, changed by `edit`, encoded again; the signature kept.
fn edited_scroll_id(sid: &str, edit: impl FnOnce(&mut Value)) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (state, tag) = sid.split_once('.').expect("<state>.<signature>");
    let mut v: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(state).unwrap()).unwrap();
    edit(&mut v);
    format!(
        "{}.{tag}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&v).unwrap())
    )
}

both!(
    scroll_ids_are_signed_and_bound_to_the_caller,
    |app: TestApp| async move {
        let t = app.team().await;
        for i in 0..6 {
            app.lead(&t, json!({"firstName": format!("S{i}")})).await;
        }
        let r = search(&app, &t, "?limit=2").await;
        let sid = r["_metadata"]["scrollId"].as_str().unwrap().to_string();
        assert!(
            sid.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
            "URL-safe: {sid}"
        );
        // the page size edited to a million: refused, not 6 leads (nor a million)
        let big = edited_scroll_id(&sid, |v| v["l"] = json!(1_000_000));
        app.get(&format!("/v1.0/leads?scrollId={big}"), &t.auth())
            .await
            .error(400, 20012);
        // any other change of the state, too
        let later = edited_scroll_id(&sid, |v| v["n"] = json!(0));
        app.get(&format!("/v1.0/leads?scrollId={later}"), &t.auth())
            .await
            .error(400, 20012);
        // a changed character of the signature
        let mut bytes = sid.clone().into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(bytes).unwrap();
        app.get(&format!("/v1.0/leads?scrollId={changed}"), &t.auth())
            .await
            .error(400, 20012);
        // the state alone (the unsigned form of earlier versions)
        let unsigned = sid.split_once('.').unwrap().0;
        app.get(&format!("/v1.0/leads?scrollId={unsigned}"), &t.auth())
            .await
            .error(400, 20012);
        // another user of the same team, even an admin who sees the same leads
        let colleague = app
            .store
            .create_user(
                t.team_id,
                &format!("colleague{}@example.com", t.team_id),
                "Col",
                None,
                openhouse_domain::auth::Role::Admin,
            )
            .await
            .unwrap();
        let key = app
            .store
            .issue_credential(
                t.team_id,
                colleague,
                openhouse_domain::auth::CredentialKind::ApiKey,
            )
            .await
            .unwrap();
        app.get(
            &format!("/v1.0/leads?scrollId={sid}"),
            &format!("token {key}"),
        )
        .await
        .error(400, 20012);
        // the caller's own, untouched, still continues, through the other searches as well
        let r = search(&app, &t, &format!("?scrollId={sid}")).await;
        assert_eq!(lead_ids(&r).len(), 2);
        assert_eq!(r["_metadata"]["offset"], 2);
        let r = app
            .get(
                &format!("/v1.0/leads/createTime?scrollId={sid}&limit=100"),
                &t.auth(),
            )
            .await;
        assert_eq!(lead_ids(r.ok()).len(), 4);
        // the same user through the access token is the same caller
        let r = app
            .get(&format!("/v1.0/leads?scrollId={sid}"), &t.bearer())
            .await;
        assert_eq!(lead_ids(r.ok()).len(), 2);
    }
);

both!(
    create_time_and_update_time_searches,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = app
            .lead(&t, json!({"firstName": "Old", "tags": ["t"]}))
            .await;
        let b = app
            .lead(&t, json!({"firstName": "New", "tags": ["t"]}))
            .await;
        let r = app.get("/v1.0/leads/createTime", &t.auth()).await;
        assert_eq!(lead_ids(r.ok()), [a, b], "oldest first");
        let r = app
            .get(
                "/v1.0/leads/createTime?leadCreateTime=1900-01-01%2000:00:00&anyTags=t&limit=1",
                &t.auth(),
            )
            .await;
        assert_eq!(lead_ids(r.ok()), [a]);
        let sid = r.body["_metadata"]["scrollId"]
            .as_str()
            .unwrap()
            .to_string();
        let r = app
            .get(&format!("/v1.0/leads/createTime?scrollId={sid}"), &t.auth())
            .await;
        assert_eq!(lead_ids(r.ok()), [b]);
        // a minimum in the future (read in UTC-7) finds nothing
        let r = app
            .get(
                "/v1.0/leads/createTime?leadCreateTime=2999-01-01%2000:00:00",
                &t.auth(),
            )
            .await;
        assert_eq!(r.ok()["_metadata"]["total"], 0);
        // editing a lead moves it to the end of the update-time order (shown times have whole
        // seconds: wait for the next one)
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        app.put(
            &format!("/v1.0/leads/{a}"),
            &t.auth(),
            json!({"lastName": "Edited"}),
        )
        .await
        .ok();
        let r = app.get("/v1.0/leads/updateTime", &t.auth()).await;
        assert_eq!(lead_ids(r.ok()), [b, a]);
        let lead_a = app.get(&format!("/v1.0/leads/{a}"), &t.auth()).await.body;
        // shown times are UTC; the parameter reads a plain time in UTC-7, or an explicit offset
        let since = lead_a["lastUpdateTime"].as_str().unwrap().replace(' ', "T") + "Z";
        let r = app
            .get(
                &format!("/v1.0/leads/updateTime?leadUpdateTime={since}"),
                &t.auth(),
            )
            .await;
        assert_eq!(lead_ids(r.ok()), [a]);
        let local = lead_a["lastUpdateTime"]
            .as_str()
            .unwrap()
            .replace(' ', "%20");
        let r = app
            .get(
                &format!("/v1.0/leads/updateTime?leadUpdateTime={local}"),
                &t.auth(),
            )
            .await;
        assert_eq!(
            lead_ids(r.ok()),
            Vec::<i64>::new(),
            "read in UTC-7, a UTC time is seven hours later"
        );
    }
);

both!(totals_follow_every_write, |app: TestApp| async move {
    let t = app.team().await;
    let total = |r: &Value| r["_metadata"]["total"].as_i64().unwrap();
    assert_eq!(total(&search(&app, &t, "?stage=Fresh").await), 0);
    let a = app
        .lead(&t, json!({"firstName": "A", "stage": "Fresh"}))
        .await;
    assert_eq!(total(&search(&app, &t, "?stage=Fresh").await), 1);
    let b = app.lead(&t, json!({"firstName": "B"})).await;
    app.put(
        &format!("/v1.0/leads/{b}"),
        &t.auth(),
        json!({"stage": "Fresh"}),
    )
    .await
    .ok();
    assert_eq!(total(&search(&app, &t, "?stage=Fresh").await), 2);
    app.delete(&format!("/v1.0/leads/{a}?reason=x"), &t.auth())
        .await
        .ok();
    assert_eq!(total(&search(&app, &t, "?stage=Fresh").await), 1);
    assert_eq!(total(&search(&app, &t, "").await), 1);
});

/// Each sort order of `GET /v1.0/leads` and the column it orders by, stated here apart from the
/// server's own mapping: the model [`every_sort_orders_by_its_own_column`] checks against.
const SORT_COLUMNS: [(&str, &str); 23] = [
    ("LastContact", "last_touch"),
    ("LastCall", "last_call"),
    ("LastEmail", "last_email"),
    ("LastActivity", "last_activity"),
    ("CreateTime", "create_time"),
    ("Inquries", "inquiry_count"),
    ("AssignTime", "assign_time"),
    ("Score", "score"),
    ("Activity", "activity_count"),
    ("Communication", "communication_count"),
    ("HasDrip", "has_drip"),
    ("HasAlert", "has_alert"),
    ("Task", "task_count"),
    ("ActivitySearch", "activity_search_count"),
    ("ActivityViews", "activity_view_count"),
    ("ActivityFavorites", "activity_favorite_count"),
    ("DripStatus", "drip_status"),
    ("DripOpenRate", "drip_open_rate"),
    ("AlertFrequency", "alert_frequency"),
    ("AlertOpenRate", "alert_open_rate"),
    ("SCOREV2", "score_v2"),
    ("SmartPlanStatus", "smart_plan_status"),
    ("Lender", "lender_user_id"),
];

both!(
    every_sort_orders_by_its_own_column,
    |app: TestApp| async move {
        use sea_orm::ConnectionTrait;
        let t = app.team().await;
        let mut ids = Vec::new();
        for i in 0..12 {
            ids.push(app.lead(&t, json!({"firstName": format!("S{i}")})).await);
        }
        // every column gets values of its own (a few, so that ties are broken by id), written
        // straight into the database; a server opened afterwards reads them from there
        let db = sea_orm::Database::connect(openhouse_store::normalize_url(app.url()).unwrap())
            .await
            .unwrap();
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let mut model: std::collections::HashMap<&str, Vec<(i64, i64)>> = Default::default();
        for (_, column) in SORT_COLUMNS {
            let mut values = Vec::new();
            for id in &ids {
                let v = match column {
                    // a lender is a member or none
                    "lender_user_id" => [0, t.user_id][next(2) as usize],
                    // times: a few distinct instants
                    c if c.starts_with("last_") || c.ends_with("_time") => {
                        1_700_000_000_000 + next(4) as i64 * 60_000
                    }
                    _ => next(4) as i64,
                };
                db.execute_unprepared(&format!(
                    "UPDATE leads SET {column} = {v} WHERE team_id = {} AND id = {id}",
                    t.team_id
                ))
                .await
                .unwrap();
                values.push((v, *id));
            }
            model.insert(column, values);
        }
        db.close().await.unwrap();
        let again = app.reopen().await;
        for (sort, column) in SORT_COLUMNS {
            for desc in [true, false] {
                let mut want = model[column].clone();
                want.sort();
                if desc {
                    want.reverse();
                }
                let want: Vec<i64> = want.into_iter().map(|(_, id)| id).collect();
                let got = lead_ids(
                    &search(&again, &t, &format!("?sort={sort}&desc={desc}&limit=100")).await,
                );
                assert_eq!(got, want, "sort={sort} desc={desc}");
            }
        }
    }
);
