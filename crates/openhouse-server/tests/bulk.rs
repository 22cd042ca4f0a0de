//! `openhouse import leads` and `openhouse export leads` as a user runs them (the built binary),
//! on SQLite and PostgreSQL: bad rows reported by line while the rest import, JSON files,
//! duplicates skipped or merged, an export imported into another team, and a server started
//! afterwards serving the imported leads through its search.

mod common;

use std::process::{Command, Output};

use common::{Backend, Team, TestApp, lead_ids};
use serde_json::{Value, json};

/// Each test runs the binary with a node id of its own: on PostgreSQL, the import claims its
/// node id, and the tests of this file run at once.
fn openhouse(app: &TestApp, node: u16, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_openhouse"))
        .args(args)
        .args(["--database-url", app.url(), "--node-id", &node.to_string()])
        .output()
        .unwrap()
}

/// `openhouse import leads FILE --team-id TEAM`, then `extra`.
fn import_leads(
    app: &TestApp,
    node: u16,
    file: &std::path::Path,
    team: i64,
    extra: &[&str],
) -> Output {
    let team = team.to_string();
    let mut args = vec![
        "import",
        "leads",
        file.to_str().unwrap(),
        "--team-id",
        &team,
    ];
    args.extend_from_slice(extra);
    openhouse(app, node, &args)
}

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "stdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A server started after the import: its search index is built from the database.
async fn restarted(app: &TestApp) -> TestApp {
    app.reopen().await
}

async fn search(app: &TestApp, t: &Team, q: &str) -> Value {
    app.get(&format!("/v1.0/leads?{q}"), &t.auth())
        .await
        .ok()
        .clone()
}

both!(csv_with_bad_rows, |app: TestApp| async move {
    let node = if app.backend == Backend::Sqlite {
        0
    } else {
        11
    };
    let t = app.team().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("leads.csv");
    // other headers, mapped; a column left out; bad rows of several kinds
    std::fs::write(
        &file,
        "First Name,lastName,E-mail,phones,tags,stage,source,leadType,Notes\n\
         Ann,Lee,ann@bulk.test,555-0101,vip|buyer,New,Zillow,2,call her\n\
         ,Nameless,nameless@bulk.test,,,,,,\n\
         Bob,Ray,bob@bulk.test|bob.ray@bulk.test,,hot,Contacted,Referral,,\n\
         Carl,,not-an-email,,,,,,\n\
         Dee,,dee@bulk.test,,,ThisStageIsFarTooLongForIt,,,\n\
         \"Eve, Jr\",\"Multi\nLine\",eve@bulk.test,,vip,,,x,\n\
         Fay,,fay@bulk.test,,vip,,,7,\n\
         Gus,Ho,gus@bulk.test,,buyer,,,,\n",
    )
    .unwrap();
    let out = import_leads(
        &app,
        node,
        &file,
        t.team_id,
        &[
            "--map",
            "First Name=firstName",
            "--map",
            "E-mail=emails",
            "--map",
            "Notes=",
        ],
    );
    assert!(!out.status.success(), "a refused row makes the exit 1");
    let report = stdout_json(&out);
    assert_eq!(
        report,
        json!({"created": 3, "merged": 0, "skipped": 0, "refused": 5})
    );
    let err = stderr(&out);
    for (line, why) in [
        (3, "firstName"),
        (5, "not-an-email"),
        (6, "stage"),
        // the quoted name spans two lines: the row starts on line 7, the next one on 9
        (7, "leadType"),
        (9, "leadType 7"),
    ] {
        assert!(
            err.lines()
                .any(|l| l.starts_with(&format!("line {line}: ")) && l.contains(why)),
            "line {line} ({why}) not reported:\n{err}"
        );
    }
    let app = restarted(&app).await;
    let vip = search(&app, &t, "anyTags=vip").await;
    assert_eq!(vip["_metadata"]["total"], 1, "{vip}");
    let ann = &vip["leads"][0];
    assert_eq!(ann["firstName"], "Ann");
    assert_eq!(ann["emails"], json!(["ann@bulk.test"]));
    let tags: Vec<&str> = ann["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().or(t["tagName"].as_str()).unwrap())
        .collect();
    assert_eq!(tags, ["vip", "buyer"]);
    let buyers = search(&app, &t, "anyTags=buyer&limit=10").await;
    assert_eq!(buyers["_metadata"]["total"], 2);
    let contacted = search(&app, &t, "stage=Contacted").await;
    assert_eq!(lead_ids(&contacted).len(), 1);
    assert_eq!(
        contacted["leads"][0]["emails"],
        json!(["bob@bulk.test", "bob.ray@bulk.test"])
    );
    // a lead imported is a lead created: in its system log like one made through the API
    let id = ann["leadId"].as_i64().unwrap();
    let log = app
        .get(&format!("/v1.0/systemLogs?leadId={id}"), &t.auth())
        .await;
    let log = log.ok().as_array().unwrap().clone();
    let created = log
        .iter()
        .find(|e| e["timelineTypeDesc"] == "LeadCreated")
        .expect("a creation entry");
    let content: Value = serde_json::from_str(created["content"].as_str().unwrap()).unwrap();
    assert_eq!(content["origin"]["by"], "import", "{content}");
    assert_eq!(content["leadId"], id, "{content}");
    assert_eq!(content["emails"], ann["emails"], "{content}");
    // a file whose header names an unknown column is refused whole
    std::fs::write(&file, "firstName,colour\nAnn,red\n").unwrap();
    let out = import_leads(&app, node, &file, t.team_id, &[]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("colour"), "{}", stderr(&out));
    // an unknown team is an error
    std::fs::write(&file, "firstName\nAnn\n").unwrap();
    let out = openhouse(
        &app,
        node,
        &["import", "leads", file.to_str().unwrap(), "--team-id", "1"],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("team 1"), "{}", stderr(&out));
});

both!(json_and_duplicates, |app: TestApp| async move {
    let node = if app.backend == Backend::Sqlite {
        0
    } else {
        12
    };
    let t = app.team().await;
    let existing = app
        .lead(
            &t,
            json!({"firstName": "Old", "lastName": "Name", "emails": ["old@bulk.test"],
                   "tags": ["kept"], "stage": "New"}),
        )
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("leads.json");
    let rows = json!([
        {"firstName": "New", "emails": ["OLD@bulk.test", "second@bulk.test"], "tags": ["added"],
         "stage": "Active", "phones": ["555-0199"]},
        {"firstName": "Fresh", "emails": ["fresh@bulk.test"], "tags": ["json"],
         "inquiry": {"priceMin": 100000, "priceMax": 300000}},
        {"firstName": "Again", "emails": ["fresh@bulk.test"]},
        {"lastName": "no first name"}
    ]);
    let text = serde_json::to_string_pretty(&rows).unwrap();
    std::fs::write(&file, &text).unwrap();
    // the refused object starts on the line before its only field
    let bad_line = text
        .lines()
        .position(|l| l.contains("no first name"))
        .unwrap();
    let team = t.team_id.to_string();
    let args = [
        "import",
        "leads",
        file.to_str().unwrap(),
        "--team-id",
        &team,
    ];
    let out = openhouse(&app, node, &args);
    let report = stdout_json(&out);
    // skip (the default): the lead with that email, and the file's own later row, stay as
    // they are
    assert_eq!(
        report,
        json!({"created": 1, "merged": 0, "skipped": 2, "refused": 1})
    );
    assert!(
        stderr(&out).contains(&format!("line {bad_line}: missing field `firstName`")),
        "{}",
        stderr(&out)
    );
    let app = restarted(&app).await;
    let old = app.get(&format!("/v1.0/leads/{existing}"), &t.auth()).await;
    assert_eq!(old.ok()["firstName"], "Old");
    assert_eq!(old.body["emails"], json!(["old@bulk.test"]));
    let fresh = search(&app, &t, "anyTags=json").await;
    assert_eq!(fresh["_metadata"]["total"], 1);
    assert_eq!(fresh["leads"][0]["firstName"], "Fresh");

    // merge: the row's fields replace, its emails, phones and tags are added
    let mut margs = args.to_vec();
    margs.extend(["--duplicates", "merge"]);
    let out = openhouse(&app, node, &margs);
    assert_eq!(
        stdout_json(&out),
        json!({"created": 0, "merged": 3, "skipped": 0, "refused": 1})
    );
    let app = restarted(&app).await;
    let old = app.get(&format!("/v1.0/leads/{existing}"), &t.auth()).await;
    let old = old.ok();
    assert_eq!(old["firstName"], "New");
    assert_eq!(
        old["lastName"], "Name",
        "a field the row does not give stays"
    );
    assert_eq!(old["stage"], "Active");
    assert_eq!(old["emails"], json!(["old@bulk.test", "second@bulk.test"]));
    assert_eq!(old["phones"], json!(["555-0199"]));
    let added = search(&app, &t, "anyTags=added").await;
    assert_eq!(lead_ids(&added), [existing]);
    let kept = search(&app, &t, "anyTags=kept").await;
    assert_eq!(lead_ids(&kept), [existing]);
    // both rows with fresh@ went to the one lead: the last one's name
    let fresh_id = lead_ids(&fresh)[0];
    let f = app.get(&format!("/v1.0/leads/{fresh_id}"), &t.auth()).await;
    assert_eq!(f.ok()["firstName"], "Again");
    let all = search(&app, &t, "limit=100").await;
    assert_eq!(all["_metadata"]["total"], 2);
    // the email found by merge is searchable under the new address
    let second = search(&app, &t, "email=second@bulk.test").await;
    assert_eq!(lead_ids(&second), [existing]);
});

both!(export_round_trip, |app: TestApp| async move {
    let node = if app.backend == Backend::Sqlite {
        0
    } else {
        13
    };
    let (a, b, other) = (app.team().await, app.team().await, app.team().await);
    let mut made = Vec::new();
    for i in 0..30 {
        made.push(
            app.lead(
                &a,
                json!({"firstName": format!("Lead{i}"), "lastName": "Tripp",
                       "emails": [format!("l{i}@trip.test"), format!("l{i}.b@trip.test")],
                       "phones": ["(555) 010-0000"], "tags": ["trip", format!("t{}", i % 3)],
                       "segments": ["Seg"], "stage": "Nurture", "source": "Zillow",
                       "leadTypes": [1, 2], "birthday": "Jun 5, 2001", "city": "Austin, TX",
                       "inquiry": {"priceMin": 1000, "locations": [{"city": "Austin"}]},
                       "property": {"city": "Austin", "streetAddress": "1 Main St, Apt \"2\""},
                       "cannotCall": true}),
            )
            .await,
        );
    }
    // trashed: not exported; another team's: never exported
    let trashed = made.pop().unwrap();
    app.delete(&format!("/v1.0/leads/{trashed}?reason=x"), &a.auth())
        .await
        .ok();
    app.lead(
        &other,
        json!({"firstName": "Secret", "emails": ["secret@other.test"]}),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    for format in ["csv", "json"] {
        let file = dir.path().join(format!("a.{format}"));
        let out = openhouse(
            &app,
            node,
            &[
                "export",
                "leads",
                "--team-id",
                &a.team_id.to_string(),
                "--format",
                format,
                "--out",
                file.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains("Secret") && !text.contains("other.test"));
        assert!(
            !text.contains(&format!("Lead{}", made.len())),
            "trashed lead exported"
        );
        let rows = text.lines().count() - usize::from(format == "csv");
        assert_eq!(rows, made.len(), "{text}");
    }
    // CSV into team b; b's export is the same file
    let file = dir.path().join("a.csv");
    let out = import_leads(&app, node, &file, b.team_id, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout_json(&out)["created"], made.len());
    let again = openhouse(
        &app,
        node,
        &["export", "leads", "--team-id", &b.team_id.to_string()],
    );
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        std::fs::read_to_string(&file).unwrap()
    );
    // and the JSON export into a third team
    let c = app.team().await;
    let out = import_leads(&app, node, &dir.path().join("a.json"), c.team_id, &[]);
    assert_eq!(stdout_json(&out)["created"], made.len());
    let c_out = openhouse(
        &app,
        node,
        &["export", "leads", "--team-id", &c.team_id.to_string()],
    );
    assert_eq!(
        String::from_utf8_lossy(&c_out.stdout),
        std::fs::read_to_string(&file).unwrap()
    );
    // the leads as the API shows them match, field by field, but for ids, times and owner
    let app = restarted(&app).await;
    let first_a = app
        .get(&format!("/v1.0/leads/{}", made[0]), &a.auth())
        .await;
    let page = search(&app, &b, "anyTags=t0&limit=100").await;
    assert_eq!(page["_metadata"]["total"], 10);
    let in_b = page["leads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["firstName"] == "Lead0")
        .unwrap()
        .clone();
    for k in [
        "lastName",
        "emails",
        "phones",
        "segments",
        "stage",
        "source",
        "leadTypes",
        "birthday",
        "city",
        "cannotCall",
    ] {
        assert_eq!(first_a.ok()[k], in_b[k], "{k}");
    }
    assert_eq!(
        first_a.body["property"][0]["streetAddress"],
        in_b["property"][0]["streetAddress"]
    );
    assert_eq!(
        first_a.body["inquiry"]["priceMin"],
        in_b["inquiry"]["priceMin"]
    );
    // an unknown team is an error, not an empty file
    let out = openhouse(&app, node, &["export", "leads", "--team-id", "1"]);
    assert!(!out.status.success());
});

#[tokio::test]
async fn sqlite_import_waits_for_the_server_to_stop() {
    let app = TestApp::start(Backend::Sqlite, common::roomy())
        .await
        .unwrap();
    let t = app.team().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("l.csv");
    std::fs::write(&file, "firstName\nAnn\n").unwrap();
    let serving = app.store.claim_serving().await.unwrap();
    let args = [
        "import",
        "leads",
        file.to_str().unwrap(),
        "--team-id",
        &t.team_id.to_string(),
    ];
    let out = openhouse(&app, 0, &args);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("serving"), "{}", stderr(&out));
    drop(serving);
    let out = openhouse(&app, 0, &args);
    assert!(out.status.success(), "{}", stderr(&out));
}

both!(indexes_set_aside_come_back, |app: TestApp| async move {
    let node = if app.backend == Backend::Sqlite {
        0
    } else {
        14
    };
    let sqlite = app.backend == Backend::Sqlite;
    let t = app.team().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("leads.csv");
    let mut text = String::from("firstName,emails,tags,stage\n");
    for i in 0..300 {
        let tag = if i % 3 == 0 { "vip" } else { "cold" };
        text.push_str(&format!("Lead{i},lead{i}@aside.test,{tag},New\n"));
    }
    std::fs::write(&file, text).unwrap();
    let out = import_leads(&app, node, &file, t.team_id, &["--defer-indexes", "always"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout_json(&out)["created"], 300);
    // `auto`: from 50,000 rows, and no fewer than the database holds leads; SQLite only
    assert_eq!(app.store.indexes_aside_pay(50_000).await.unwrap(), sqlite);
    assert!(!app.store.indexes_aside_pay(49_999).await.unwrap());
    // built again at the end: nothing is left set aside, and setting them aside again finds
    // every one (SQLite; PostgreSQL keeps its indexes)
    assert_eq!(app.store.restore_indexes().await.unwrap(), 0);
    let n = app.store.set_indexes_aside().await.unwrap();
    assert_eq!(n > 0, sqlite, "{n}");
    // as an import that died with them set aside leaves it: the next start builds them (a
    // definition is forgotten only in the transaction that built its index)
    let app = restarted(&app).await;
    assert_eq!(app.store.restore_indexes().await.unwrap(), 0);
    // and the leads are found by what the indexes serve
    let page = search(&app, &t, "anyTags=vip&stage=New&limit=100").await;
    assert_eq!(page["_metadata"]["total"], 100, "{page}");
    let sorted = search(&app, &t, "sortBy=createTime&limit=5").await;
    assert_eq!(lead_ids(&sorted).len(), 5);
});
