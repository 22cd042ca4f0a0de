//! Listings through HTTP, on SQLite and PostgreSQL: imported listings searched by
//! `GET /v1.0/listing` with each of its filters, active and sold apart, paging that walks
//! thousands of listings without gaps or repeats while more are imported, upserts by MLS
//! number, import errors, and teams that cannot see each other's listings.

mod common;

use std::collections::HashSet;

use common::*;
use openhouse_api::ListingItem;
use openhouse_domain::auth::CredentialKind;
use serde_json::{Value, json};

fn listing(mls: &str) -> ListingItem {
    ListingItem {
        mls_listing_id: mls.to_string(),
        ..Default::default()
    }
}

async fn office(app: &TestApp, t: &Team, name: &str) -> i64 {
    let r = app
        .put(
            "/v1.0/org/office",
            &t.auth(),
            json!({"name": name, "parentId": 0, "city": "Austin"}),
        )
        .await;
    r.ok()["data"]["id"].as_i64().unwrap()
}

async fn agent(app: &TestApp, t: &Team, office: i64) -> (i64, String) {
    let email = format!("agent{}@example.com", app.store.next_id());
    let r = app
        .post("/v1.0/agent", &t.auth(), json!({"emailAddress": email, "firstName": "Agent", "lastName": "L", "groupId": office, "profileId": 2}))
        .await;
    let id = r.ok()["agentId"].as_i64().unwrap();
    let key = app
        .store
        .issue_credential(t.team_id, id, CredentialKind::ApiKey)
        .await
        .unwrap();
    (id, format!("token {key}"))
}

fn mls_of(hub: &Value) -> Vec<String> {
    let mut v: Vec<String> = hub["listing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["mlsListingId"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

async fn search(app: &TestApp, auth: &str, query: &str) -> Value {
    app.get(&format!("/v1.0/listing?{query}"), auth)
        .await
        .ok()
        .clone()
}

both!(
    listings_are_found_by_agent_office_id_mls_building_and_street,
    |app: TestApp| async move {
        let t = app.team().await;
        let west = office(&app, &t, "West").await;
        let east = office(&app, &t, "East").await;
        let (west_a, west_a_auth) = agent(&app, &t, west).await;
        let (west_b, _) = agent(&app, &t, west).await;
        let (east_a, _) = agent(&app, &t, east).await;
        let me = t.user_id.to_string();
        let rows = vec![
            ListingItem {
                agent_id: Some(me.clone()),
                listing_street_name: Some("1 Harbor Way".into()),
                building_name: Some("The Harbor Tower".into()),
                price: Some("750000".into()),
                ..listing("ML-1")
            },
            ListingItem {
                agent_id: Some(me.clone()),
                listing_status: Some("Sold".into()),
                sold_price: Some("700000".into()),
                sold_date: Some("2026-05-01".into()),
                listing_street_name: Some("2 Harbor Way".into()),
                ..listing("ML-2")
            },
            ListingItem {
                agent_id: Some(west_a.to_string()),
                listing_street_name: Some("3 Elm St".into()),
                ..listing("ML-3")
            },
            ListingItem {
                agent_id: Some(east_a.to_string()),
                co_agent_id: Some(west_b.to_string()),
                listing_street_name: Some("4 Oak St".into()),
                building_name: Some("Oak Lofts".into()),
                ..listing("ML-4")
            },
            ListingItem {
                agent_id: Some(east_a.to_string()),
                listing_status: Some("Withdrawn".into()),
                ..listing("ML-5")
            },
        ];
        let rows = rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i as u64 + 1, r))
            .collect();
        let report = app.store.import_listings(t.team_id, rows).await.unwrap();
        assert_eq!((report.inserted, report.errors.len()), (5, 0), "{report:?}");

        // which listings must be said
        app.get("/v1.0/listing", &t.auth()).await.error(400, 20012);
        app.get("/v1.0/listing?street=harbor", &t.auth())
            .await
            .error(400, 20012);
        app.get("/v1.0/listing?agentListings=true&limit=0", &t.auth())
            .await
            .error(400, 20042);
        app.get("/v1.0/listing?agentListings=true&limit=1001", &t.auth())
            .await
            .error(400, 20042);
        app.get("/v1.0/listing?listingId=1&soldListingId=2", &t.auth())
            .await
            .error(400, 20012);
        app.get("/v1.0/listing?listingId=abc", &t.auth())
            .await
            .error(400, 20012);

        // the caller's own: active and sold apart
        let r = search(&app, &t.auth(), "agentListings=true").await;
        assert_eq!(mls_of(&r["listIng"]), ["ML-1"]);
        assert_eq!(mls_of(&r["soldListing"]), ["ML-2"]);
        let m = &r["get_listingMetadata"];
        assert_eq!(
            (
                m["total"].as_i64(),
                m["activeTotal"].as_i64(),
                m["soldTotal"].as_i64()
            ),
            (Some(2), Some(1), Some(1))
        );
        assert_eq!(m["limit"], 25);
        assert!(m.get("nextPageKey").is_none());
        let one = &r["listIng"]["listing"][0];
        assert_eq!(one["price"], "750000");
        assert_eq!(one["listingStatus"], "Active");
        assert!(one["listingId"].as_str().unwrap().parse::<i64>().is_ok());
        assert_eq!(r["soldListing"]["listing"][0]["soldDate"], "2026-05-01");

        // an agent's listings include those they co-list; an office's, every member's
        let r = search(
            &app,
            &t.auth(),
            &format!("agentListings=true&userId={west_b}"),
        )
        .await;
        assert_eq!(mls_of(&r["listIng"]), ["ML-4"]);
        let r = search(&app, &west_a_auth, "officeListings=true").await;
        assert_eq!(mls_of(&r["listIng"]), ["ML-3", "ML-4"]);
        let r = search(
            &app,
            &t.auth(),
            &format!("officeListings=true&userId={east_a}"),
        )
        .await;
        assert_eq!(
            mls_of(&r["listIng"]),
            ["ML-4"],
            "a withdrawn listing is neither active nor sold"
        );
        // another member's listings need an admin; an unknown member is 404
        app.get(
            &format!("/v1.0/listing?agentListings=true&userId={}", t.user_id),
            &west_a_auth,
        )
        .await
        .error(403, 20017);
        app.get(
            "/v1.0/listing?agentListings=true&userId=999999999",
            &t.auth(),
        )
        .await
        .error(404, 20003);

        // by id, by MLS number (any case), by building and street
        let id = one["listingId"].as_str().unwrap().to_string();
        let sold_id = r_sold_id(&app, &t).await;
        let r = search(&app, &t.auth(), &format!("listingId={id}")).await;
        assert_eq!(mls_of(&r["listIng"]), ["ML-1"]);
        assert!(mls_of(&r["soldListing"]).is_empty());
        let r = search(&app, &t.auth(), &format!("soldListingId={sold_id}")).await;
        assert!(mls_of(&r["listIng"]).is_empty());
        assert_eq!(mls_of(&r["soldListing"]), ["ML-2"]);
        let r = search(&app, &t.auth(), &format!("listingId={sold_id}")).await;
        assert!(mls_of(&r["listIng"]).is_empty() && mls_of(&r["soldListing"]).is_empty());
        let r = search(&app, &t.auth(), "mlsListingIds=ml-3,%20ML-4,ML-404").await;
        assert_eq!(mls_of(&r["listIng"]), ["ML-3", "ML-4"]);
        let r = search(&app, &t.auth(), "buildingName=harbor%20TOWER").await;
        assert_eq!(mls_of(&r["listIng"]), ["ML-1"]);
        let r = search(&app, &t.auth(), "buildingAddress=harbor%20way").await;
        assert_eq!(mls_of(&r["listIng"]), ["ML-1"]);
        assert_eq!(mls_of(&r["soldListing"]), ["ML-2"]);
        let r = search(&app, &t.auth(), "mlsListingIds=ML-3,ML-4&street=oak").await;
        assert_eq!(mls_of(&r["listIng"]), ["ML-4"]);
        // LIKE's wildcards are plain characters
        let r = search(&app, &t.auth(), "buildingName=%25").await;
        assert!(mls_of(&r["listIng"]).is_empty());

        // a listing that changes agents moves with them
        let moved = vec![(
            1,
            ListingItem {
                agent_id: Some(west_b.to_string()),
                listing_street_name: Some("3 Elm St".into()),
                ..listing("ML-3")
            },
        )];
        assert_eq!(
            app.store
                .import_listings(t.team_id, moved)
                .await
                .unwrap()
                .updated,
            1
        );
        let r = search(
            &app,
            &t.auth(),
            &format!("agentListings=true&userId={west_a}"),
        )
        .await;
        assert!(mls_of(&r["listIng"]).is_empty());
        let r = search(
            &app,
            &t.auth(),
            &format!("agentListings=true&userId={west_b}"),
        )
        .await;
        assert_eq!(mls_of(&r["listIng"]), ["ML-3", "ML-4"]);

        let r = search(&app, &t.auth(), "agentListings=true&showCondition=true").await;
        assert_eq!(r["get_listingMetadata"]["condition"]["agentListings"], true);
        assert_eq!(r["get_listingMetadata"]["condition"]["userId"], t.user_id);

        // another team sees none of it, even by MLS number or id
        let other = app.team().await;
        let r = search(
            &app,
            &other.auth(),
            &format!("mlsListingIds=ML-1&listingId={id}"),
        )
        .await;
        assert!(mls_of(&r["listIng"]).is_empty());
        let r = search(&app, &other.auth(), "buildingAddress=harbor").await;
        assert_eq!(r["get_listingMetadata"]["total"], 0);
        app.get(
            &format!("/v1.0/listing?agentListings=true&userId={}", t.user_id),
            &other.auth(),
        )
        .await
        .error(404, 20003);
    }
);

async fn r_sold_id(app: &TestApp, t: &Team) -> String {
    let r = search(app, &t.auth(), "agentListings=true").await;
    r["soldListing"]["listing"][0]["listingId"]
        .as_str()
        .unwrap()
        .to_string()
}

both!(
    pages_walk_every_listing_once_while_more_are_imported,
    |app: TestApp| async move {
        let t = app.team().await;
        let me = t.user_id.to_string();
        let batch = |from: usize, to: usize| -> Vec<(u64, ListingItem)> {
            (from..to)
                .map(|i| {
                    (
                        i as u64,
                        ListingItem {
                            agent_id: Some(me.clone()),
                            listing_status: Some(if i % 5 == 0 { "Sold" } else { "Active" }.into()),
                            ..listing(&format!("P-{i:05}"))
                        },
                    )
                })
                .collect()
        };
        let r = app
            .store
            .import_listings(t.team_id, batch(0, 2500))
            .await
            .unwrap();
        assert_eq!(r.inserted, 2500);

        let mut seen: Vec<String> = Vec::new();
        let mut key: Option<String> = None;
        let mut pages = 0;
        loop {
            let q = match &key {
                Some(k) => format!("agentListings=true&limit=400&nextPageKey={k}"),
                None => "agentListings=true&limit=400".to_string(),
            };
            let r = search(&app, &t.auth(), &q).await;
            seen.extend(mls_of(&r["listIng"]));
            pages += 1;
            if pages == 1 {
                assert_eq!(r["get_listingMetadata"]["activeTotal"], 2000);
                // listings imported mid-walk, and an update of one already seen
                app.store
                    .import_listings(t.team_id, batch(2500, 2600))
                    .await
                    .unwrap();
                let mut changed = batch(1, 2);
                changed[0].1.price = Some("1".into());
                let u = app.store.import_listings(t.team_id, changed).await.unwrap();
                assert_eq!(u.updated, 1);
            }
            match r["get_listingMetadata"]["nextPageKey"].as_str() {
                Some(k) => key = Some(k.to_string()),
                None => break,
            }
        }
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "no listing twice");
        for i in (0..2600).filter(|i| i % 5 != 0) {
            assert!(
                unique.contains(&format!("P-{i:05}")),
                "P-{i:05} was skipped"
            );
        }
        assert_eq!(seen.len(), 2080);

        // sold listings page on their own key
        let r = search(&app, &t.auth(), "agentListings=true&limit=500").await;
        let k = r["get_listingMetadata"]["soldNextPageKey"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(r["soldListing"]["listing"].as_array().unwrap().len(), 500);
        assert_eq!(r["get_listingMetadata"]["soldTotal"], 520);
        let r2 = search(
            &app,
            &t.auth(),
            &format!("agentListings=true&limit=500&soldNextPageKey={k}"),
        )
        .await;
        assert_eq!(r2["soldListing"]["listing"].as_array().unwrap().len(), 20);
        assert!(r2["get_listingMetadata"].get("soldNextPageKey").is_none());
        app.get(
            "/v1.0/listing?agentListings=true&nextPageKey=nonsense",
            &t.auth(),
        )
        .await
        .error(400, 20012);
    }
);

both!(
    imports_upsert_by_mls_number_and_report_bad_rows_by_line,
    |app: TestApp| async move {
        let t = app.team().await;
        let other = app.team().await;
        let me = t.user_id.to_string();
        let rows = vec![
            (
                2,
                ListingItem {
                    price: Some("100".into()),
                    agent_id: Some(me.clone()),
                    ..listing("U-1")
                },
            ),
            (
                3,
                ListingItem {
                    price: Some("a lot".into()),
                    ..listing("U-2")
                },
            ),
            (4, listing("")),
            (
                5,
                ListingItem {
                    agent_id: Some(other.user_id.to_string()),
                    ..listing("U-3")
                },
            ),
            (
                6,
                ListingItem {
                    price: Some("200".into()),
                    agent_id: Some(me.clone()),
                    ..listing("u-1")
                },
            ),
            (
                7,
                ListingItem {
                    agent_id: Some(me.clone()),
                    ..listing("U-4")
                },
            ),
        ];
        let r = app.store.import_listings(t.team_id, rows).await.unwrap();
        assert_eq!((r.inserted, r.updated), (2, 1), "{r:?}");
        let lines: Vec<u64> = r.errors.iter().map(|e| e.0).collect();
        assert_eq!(lines, [3, 4, 5], "{r:?}");
        assert!(r.errors[0].1.contains("price"));
        assert!(
            r.errors[2].1.contains("no member"),
            "another team's member is not an agent here"
        );

        // the later row of an MLS number won
        let s = search(&app, &t.auth(), "mlsListingIds=U-1").await;
        let first = s["listIng"]["listing"][0].clone();
        assert_eq!(first["price"], "200");
        assert_eq!(
            first["mlsListingId"], "u-1",
            "as the row that won spelled it"
        );
        // the same again changes nothing; a change keeps the listing's id
        let again = vec![(
            1,
            ListingItem {
                price: Some("200".into()),
                agent_id: Some(me.clone()),
                ..listing("u-1")
            },
        )];
        assert_eq!(
            app.store
                .import_listings(t.team_id, again)
                .await
                .unwrap()
                .unchanged,
            1
        );
        let sold = vec![(
            1,
            ListingItem {
                listing_status: Some("Closed".into()),
                agent_id: Some(me.clone()),
                ..listing("U-1")
            },
        )];
        assert_eq!(
            app.store
                .import_listings(t.team_id, sold)
                .await
                .unwrap()
                .updated,
            1
        );
        let s = search(&app, &t.auth(), "mlsListingIds=U-1").await;
        assert!(s["listIng"]["listing"].as_array().unwrap().is_empty());
        assert_eq!(
            s["soldListing"]["listing"][0]["listingId"],
            first["listingId"]
        );

        // the same MLS number in another team is another listing
        let r = app
            .store
            .import_listings(other.team_id, vec![(1, listing("U-1"))])
            .await
            .unwrap();
        assert_eq!(r.inserted, 1);
        let s = search(&app, &other.auth(), "mlsListingIds=U-1").await;
        assert_ne!(s["listIng"]["listing"][0]["listingId"], first["listingId"]);
        assert!(s["listIng"]["listing"][0].get("price").is_none());
    }
);

async fn feed(app: &TestApp, t: &Team, kind: &str) -> (u16, String, String) {
    let r = app
        .get(
            &format!("/v1.0/getPublishedListings?type={kind}"),
            &t.auth(),
        )
        .await;
    let ct = r
        .headers
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = match &r.body {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    (r.status.as_u16(), ct, body)
}

/// The `mlsListingId`s of a feed, parsing it back (which fails on any malformed XML).
fn feed_mls(xml: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    assert_eq!(doc.root_element().tag_name().name(), "listings");
    doc.root_element()
        .children()
        .filter(|n| n.has_tag_name("listing"))
        .map(|n| n.attribute("mlsListingId").unwrap().to_string())
        .collect()
}

both!(
    published_feeds_are_well_formed_escaped_xml_of_the_listings_on_the_market,
    |app: TestApp| async move {
        let t = app.team().await;
        let feeds = |f: &[&str]| Some(f.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let tricky = "<b>Tom & Jerry's \"loft\"</b>\u{1} ]]> done";
        let rows = vec![
            ListingItem {
                published_feeds: feeds(&["LuxVT", "AllOnMarket"]),
                details_describe: Some(tricky.into()),
                listing_street_name: Some("1 <Main> & Co".into()),
                picture_list: Some(vec!["https://img.example.com/a.jpg?x=1&y=2".into()]),
                price: Some("2500000".into()),
                beds: Some(4.0),
                ..listing("F-1")
            },
            ListingItem {
                published_feeds: feeds(&["AptCom"]),
                purchase_type: Some("For Rent".into()),
                ..listing("F-2")
            },
            ListingItem {
                published_feeds: feeds(&["LuxVT"]),
                listing_status: Some("Sold".into()),
                ..listing("F-3")
            },
            ListingItem {
                published_feeds: feeds(&["LuxVT"]),
                listing_status: Some("Withdrawn".into()),
                ..listing("F-4")
            },
            listing("F-5"),
        ];
        let rows = rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i as u64, r))
            .collect();
        app.store.import_listings(t.team_id, rows).await.unwrap();

        let (status, ct, xml) = feed(&app, &t, "LuxVT").await;
        assert_eq!(status, 200, "{xml}");
        assert!(ct.starts_with("application/xml"), "{ct}");
        assert_eq!(
            feed_mls(&xml),
            ["F-1"],
            "sold and withdrawn listings are off the feed"
        );
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let l = doc
            .descendants()
            .find(|n| n.has_tag_name("listing"))
            .unwrap();
        let text = |name: &str| {
            l.descendants()
                .find(|n| n.has_tag_name(name))
                .and_then(|n| n.text())
                .unwrap_or_default()
                .to_string()
        };
        // what went in comes back, less the control character XML cannot carry
        assert_eq!(text("description"), tricky.replace('\u{1}', ""));
        assert_eq!(text("street"), "1 <Main> & Co");
        assert_eq!(text("photo"), "https://img.example.com/a.jpg?x=1&y=2");
        assert_eq!(text("price"), "2500000");
        assert_eq!(text("beds"), "4");
        assert_eq!(feed_mls(&feed(&app, &t, "AptCom").await.2), ["F-2"]);
        assert_eq!(feed_mls(&feed(&app, &t, "allonmarket").await.2), ["F-1"]);

        // an unknown or missing type is a 400
        let r = app
            .get("/v1.0/getPublishedListings?type=Zillow", &t.auth())
            .await;
        r.error(400, 20012);
        app.get("/v1.0/getPublishedListings", &t.auth())
            .await
            .error(400, 20012);

        // another team's feed holds none of these
        let other = app.team().await;
        let (status, _, xml) = feed(&app, &other, "LuxVT").await;
        assert_eq!(status, 200);
        assert!(feed_mls(&xml).is_empty());

        // a feed longer than a page is whole
        let many: Vec<(u64, ListingItem)> = (0..1234)
            .map(|i| {
                (
                    i,
                    ListingItem {
                        published_feeds: feeds(&["AptCom"]),
                        ..listing(&format!("M-{i:04}"))
                    },
                )
            })
            .collect();
        app.store.import_listings(t.team_id, many).await.unwrap();
        let mls = feed_mls(&feed(&app, &t, "AptCom").await.2);
        assert_eq!(mls.len(), 1235);
        assert_eq!(mls.iter().collect::<HashSet<_>>().len(), 1235);
    }
);

both!(
    the_v2_search_filters_sorts_and_pages_the_same_listings,
    |app: TestApp| async move {
        let t = app.team().await;
        let me = t.user_id.to_string();
        let now = app.store.now();
        let l = |mls: &str, city: &str, price: &str, beds: f64, kind: &str| ListingItem {
            listing_city: Some(city.into()),
            price: Some(price.into()),
            beds: Some(beds),
            property_types: Some(vec![kind.into()]),
            purchase_type: Some("For Sale".into()),
            mls_list_date_l: Some(now - 86_400_000),
            ..listing(mls)
        };
        let rows = vec![
            l("V-1", "Seattle", "400000", 2.0, "Condo"),
            l("V-2", "Seattle", "900000", 4.0, "Single Family Home"),
            l("V-3", "Tacoma", "300000", 3.0, "Condo"),
            ListingItem {
                agent_id: Some(me.clone()),
                ..l("V-4", "seattle", "650000", 3.0, "Townhouse")
            },
            ListingItem {
                listing_status: Some("Sold".into()),
                ..l("V-5", "Seattle", "500000", 3.0, "Condo")
            },
            ListingItem {
                mls_list_date_l: Some(now - 90 * 86_400_000),
                ..l("V-6", "Seattle", "100000", 1.0, "Condo")
            },
        ];
        let rows = rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i as u64, r))
            .collect();
        app.store.import_listings(t.team_id, rows).await.unwrap();
        let search = |body: Value| {
            let app = &app;
            let auth = t.auth();
            async move { app.post("/v2.0/listings/search", &auth, body).await }
        };
        let mls = |r: &Value| -> Vec<String> {
            r["listing"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["mlsListingId"].as_str().unwrap().to_string())
                .collect()
        };

        let r = search(json!({"filterConditions": {"location": {"city": ["Seattle"]}}, "sortFields": ["PRICE_DESC"]})).await;
        assert_eq!(mls(r.ok()), ["V-2", "V-4", "V-1", "V-6"]);
        assert_eq!(r.ok()["metadata"]["totalCount"], 4);
        let r = search(json!({"filterConditions": {"price": "300000,650000", "beds": "3,"}, "sortFields": ["PRICE_ASC"]})).await;
        assert_eq!(mls(r.ok()), ["V-3", "V-4"]);
        let r = search(json!({"filterConditions": {"propertyType": ["condo"], "daysOnSite": ",30"}, "sortFields": ["PRICE_ASC"]})).await;
        assert_eq!(mls(r.ok()), ["V-3", "V-1"]);
        let r = search(json!({"searchScope": "my"})).await;
        assert_eq!(mls(r.ok()), ["V-4"]);
        let r = search(json!({"soldFlag": true})).await;
        assert_eq!(mls(r.ok()), ["V-5"]);
        // pages, and only the fields asked for
        let r = search(json!({"pageSize": 2, "pageNum": 2, "sortFields": ["PRICE_DESC"], "returnFields": ["price"]})).await;
        let page = r.ok();
        assert_eq!(page["metadata"]["totalCount"], 5);
        assert_eq!(page["metadata"]["totalPage"], 3);
        assert_eq!(page["metadata"]["hasMore"], true);
        assert_eq!(page["listing"][0]["price"], "400000");
        assert!(page["listing"][0].get("mlsListingId").is_none());
        assert!(page["listing"][0]["listingId"].is_string());

        // what is not understood is a 400
        search(json!({"filterConditions": {"colour": "red"}}))
            .await
            .error(400, 20012);
        search(json!({"filterConditions": {"price": "cheap"}}))
            .await
            .error(400, 20012);
        search(json!({"sortFields": ["NEWEST"]}))
            .await
            .error(400, 20012);
        search(json!({"searchScope": "world"}))
            .await
            .error(400, 20012);
        search(json!({"pageSize": 101})).await.error(400, 20042);
        // another team finds none of them
        let other = app.team().await;
        let r = app
            .post("/v2.0/listings/search", &other.auth(), json!({}))
            .await;
        assert_eq!(r.ok()["metadata"]["totalCount"], 0);
    }
);

async fn activities(app: &TestApp, t: &Team, lead: i64) -> Vec<Value> {
    app.get(&format!("/v1.0/leads/{lead}/activities"), &t.auth())
        .await
        .ok()
        .as_array()
        .unwrap()
        .clone()
}

fn alert_texts(acts: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = acts
        .iter()
        .filter(|a| a["type"] == "Alert")
        .map(|a| a["text"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

isolated!(
    listing_alerts_go_to_the_leads_whose_inquiry_matches,
    |app: TestApp| async move {
        use openhouse_server::jobs::{self, Work};
        let t = app.team().await;
        let other = app.team().await;
        let austin = json!({"locations": [{"city": "Austin", "stateCode": "TX"}],
            "priceMax": 500000, "bedroomsMin": 3});
        let a = app
            .lead(&t, json!({"firstName": "Austin", "inquiry": austin}))
            .await;
        let b = app
            .lead(
                &t,
                json!({"firstName": "Condo", "inquiry": {"propertyType": ["Condo"]}}),
            )
            .await;
        let c = app.lead(&t, json!({"firstName": "NoInquiry"})).await;
        let d = app
            .lead(&t, json!({"firstName": "Trashed", "inquiry": austin}))
            .await;
        app.delete(&format!("/v1.0/leads/{d}?reason=gone"), &t.auth())
            .await
            .ok();
        let o = app
            .lead(&other, json!({"firstName": "Other", "inquiry": austin}))
            .await;
        let item =
            |mls: &str, city: &str, price: &str, beds: f64, kind: &str, status: &str| ListingItem {
                listing_street_name: Some(format!("{mls} Oak St")),
                listing_city: Some(city.into()),
                listing_state: Some("TX".into()),
                listing_zipcode: Some(vec!["78701".into()]),
                price: Some(price.into()),
                beds: Some(beds),
                property_type_primary: Some(kind.into()),
                listing_status: Some(status.into()),
                picture_list: Some(vec![format!("https://photos.example/{mls}.jpg")]),
                ..listing(mls)
            };
        let rows = vec![
            (
                2,
                item(
                    "L1",
                    "Austin",
                    "450000",
                    3.0,
                    "Single Family Home",
                    "Active",
                ),
            ),
            (3, item("L2", "Dallas", "300000", 2.0, "Condo", "Active")),
            // too dear for the Austin lead
            (
                4,
                item(
                    "L3",
                    "Austin",
                    "900000",
                    4.0,
                    "Single Family Home",
                    "Active",
                ),
            ),
            // sold: history, not news
            (
                5,
                item("L4", "Austin", "400000", 3.0, "Single Family Home", "Sold"),
            ),
        ];
        app.store.import_listings(t.team_id, rows).await.unwrap();
        // the other team imports the same kind of listing: only its own lead hears of it
        app.store
            .import_listings(
                other.team_id,
                vec![(2, item("O1", "Austin", "350000", 3.0, "Condo", "Active"))],
            )
            .await
            .unwrap();
        assert!(
            activities(&app, &t, a).await.is_empty(),
            "alerts are sent by the job, not the import"
        );
        assert_eq!(app.store.pending_jobs("listing_alerts").await.unwrap(), 2);
        assert_eq!(jobs::tick(&app.store, Work::Alerts).await, 2);
        assert_eq!(
            jobs::tick(&app.store, Work::Alerts).await,
            0,
            "each job runs once"
        );

        let acts = activities(&app, &t, a).await;
        assert_eq!(
            alert_texts(&acts),
            ["New listing: L1 Oak St, Austin, TX 78701 $450,000"]
        );
        let alert = &acts[0];
        let l1 =
            search(&app, &t.auth(), "mlsListingIds=L1").await["listIng"]["listing"][0]["listingId"]
                .clone();
        assert_eq!(alert["listing"]["listingId"], l1, "{alert}");
        assert_eq!(alert["listing"]["price"], 450000);
        assert_eq!(alert["listing"]["city"], "Austin");
        assert_eq!(alert["picture"], "https://photos.example/L1.jpg");
        assert!(alert["id"].as_i64().is_some());
        assert_eq!(
            alert_texts(&activities(&app, &t, b).await),
            ["New listing: L2 Oak St, Dallas, TX 78701 $300,000"]
        );
        assert!(activities(&app, &t, c).await.is_empty());
        assert_eq!(
            alert_texts(&activities(&app, &other, o).await),
            ["New listing: O1 Oak St, Austin, TX 78701 $350,000"]
        );
        // the trashed lead is not alerted (and its activities are not readable in the trash)
        app.get(&format!("/v1.0/leads/{d}/activities"), &t.auth())
            .await
            .error(404, 20006);

        // unchanged rows alert nobody; a price and a status change do
        let rows = vec![
            (
                2,
                item(
                    "L1",
                    "Austin",
                    "400000",
                    3.0,
                    "Single Family Home",
                    "Active",
                ),
            ),
            (3, item("L2", "Dallas", "300000", 2.0, "Condo", "Pending")),
            (
                4,
                item(
                    "L3",
                    "Austin",
                    "900000",
                    4.0,
                    "Single Family Home",
                    "Active",
                ),
            ),
        ];
        app.store
            .import_listings(t.team_id, rows.clone())
            .await
            .unwrap();
        app.store.import_listings(t.team_id, rows).await.unwrap();
        assert_eq!(
            app.store.pending_jobs("listing_alerts").await.unwrap(),
            1,
            "the second import changed nothing"
        );
        jobs::tick(&app.store, Work::Alerts).await;
        assert_eq!(
            alert_texts(&activities(&app, &t, a).await),
            [
                "New listing: L1 Oak St, Austin, TX 78701 $450,000",
                "Price changed: L1 Oak St, Austin, TX 78701 $450,000 → $400,000",
            ]
        );
        assert_eq!(
            alert_texts(&activities(&app, &t, b).await),
            [
                "New listing: L2 Oak St, Dallas, TX 78701 $300,000",
                "Status changed: L2 Oak St, Dallas, TX 78701 Active → Pending",
            ]
        );

        // the lead sort orders that count alerts: A and B have them, C none
        for sort in ["HasAlert", "AlertFrequency"] {
            let page = app
                .get(
                    &format!("/v1.0/leads?sort={sort}&desc=true&limit=3"),
                    &t.auth(),
                )
                .await
                .ok()
                .clone();
            let ids = lead_ids(&page);
            assert_eq!(ids.len(), 3, "{sort}");
            assert!(
                ids[..2].contains(&a) && ids[..2].contains(&b),
                "{sort}: {ids:?}"
            );
            assert_eq!(ids[2], c, "{sort}");
        }

        // an alert is openhouse's to record: posting one is a 400 that stores nothing
        app.post(
            &format!("/v1.0/leads/{c}/activity"),
            &t.auth(),
            json!({"created": 1700000000000i64, "link": "https://example.com", "picture": "",
                "text": "x", "type": "Alert"}),
        )
        .await
        .error(400, 20012);
        assert!(activities(&app, &t, c).await.is_empty());
    }
);

isolated!(
    a_lead_gets_at_most_25_alerts_a_day,
    |app: TestApp| async move {
        use openhouse_server::jobs::{self, Work};
        let t = app.team().await;
        let broad = app
            .lead(
                &t,
                json!({"firstName": "Broad", "inquiry": {"locations": [{"city": "Austin"}]}}),
            )
            .await;
        let narrow = app
            .lead(&t, json!({"firstName": "Narrow", "inquiry": {"locations": [{"city": "Austin"}], "bedroomsMin": 5}}))
            .await;
        let austin = |mls: String, beds: f64| ListingItem {
            listing_city: Some("Austin".into()),
            beds: Some(beds),
            ..listing(&mls)
        };
        // two batches (two jobs) of 20: 40 listings for the broad lead, 2 for the narrow one
        for batch in 0..2 {
            let rows = (0..20)
                .map(|i| {
                    let beds = if i == 7 { 5.0 } else { 2.0 };
                    (i + 2, austin(format!("B{batch}-{i}"), beds))
                })
                .collect();
            app.store.import_listings(t.team_id, rows).await.unwrap();
        }
        jobs::tick(&app.store, Work::Alerts).await;
        let count = |v: Vec<Value>| v.iter().filter(|a| a["type"] == "Alert").count();
        assert_eq!(count(activities(&app, &t, broad).await), 25, "the first 25");
        assert_eq!(count(activities(&app, &t, narrow).await), 2);
        // the day's budget is spent: a new listing alerts only the narrow lead
        app.store
            .import_listings(t.team_id, vec![(2, austin("C-1".into(), 6.0))])
            .await
            .unwrap();
        jobs::tick(&app.store, Work::Alerts).await;
        assert_eq!(count(activities(&app, &t, broad).await), 25);
        assert_eq!(count(activities(&app, &t, narrow).await), 3);
        // a day later it is told again
        app.store.clock().advance(24 * 3600 * 1000 + 1);
        app.store
            .import_listings(t.team_id, vec![(2, austin("C-2".into(), 2.0))])
            .await
            .unwrap();
        jobs::tick(&app.store, Work::Alerts).await;
        assert_eq!(count(activities(&app, &t, broad).await), 26);
        let page = app
            .get(
                "/v1.0/leads?sort=AlertFrequency&desc=true&limit=1",
                &t.auth(),
            )
            .await
            .ok()
            .clone();
        assert_eq!(lead_ids(&page), [broad]);
    }
);
