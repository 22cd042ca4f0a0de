//! The `openhouse` binary as a user runs it: team create, transaction fields, migrate, serve,
//! and its errors.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn openhouse() -> Command {
    Command::new(env!("CARGO_BIN_EXE_openhouse"))
}

#[test]
fn team_create_prints_credentials_that_work() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let out = openhouse()
        .args([
            "team",
            "create",
            "--name",
            "Acme Realty",
            "--admin-email",
            "boss@acme.test",
            "--json",
            "--database-url",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for k in ["teamId", "userId"] {
        assert!(v[k].as_i64().unwrap() > 0, "{k}");
    }
    for k in ["apiKey", "accessToken", "vendorKey"] {
        assert!(v[k].as_str().unwrap().len() > 40, "{k}");
    }
    // the credentials identify the admin of that team
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = openhouse_store::Store::connect(db.to_str().unwrap(), 0)
            .await
            .unwrap();
        let p = store
            .authenticate(
                openhouse_domain::auth::CredentialKind::ApiKey,
                v["apiKey"].as_str().unwrap(),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.team_id, v["teamId"].as_i64().unwrap());
        assert_eq!(p.user_id, v["userId"].as_i64().unwrap());
        let p = store
            .authenticate(
                openhouse_domain::auth::CredentialKind::AccessToken,
                v["accessToken"].as_str().unwrap(),
            )
            .await
            .unwrap();
        assert!(p.is_some());
        assert!(
            store
                .vendor_key_valid(v["vendorKey"].as_str().unwrap())
                .await
                .unwrap()
        );
    });
}

#[test]
fn team_transaction_field_adds_a_custom_field() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let out = openhouse()
        .args([
            "team",
            "create",
            "--name",
            "A",
            "--admin-email",
            "a@a.test",
            "--json",
        ])
        .arg("--database-url")
        .arg(&db)
        .output()
        .unwrap();
    let team: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let team_id = team["teamId"].to_string();
    let out = openhouse()
        .args(["team", "transaction-field", "--team-id", &team_id])
        .args(["--name", "Side", "--type", "single_select"])
        .args(["--option", "Buyer", "--option", "Seller", "--database-url"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let f: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(f["id"].as_i64().unwrap() > 0);
    assert_eq!(f["type"], "Single-Select");
    assert_eq!(
        f["params"],
        r#"[{"label":"Buyer","value":"Buyer"},{"label":"Seller","value":"Seller"}]"#
    );
    // journaled like any change: the team's entries end with it, as the API lists it
    let rt = tokio::runtime::Runtime::new().unwrap();
    let journal = rt.block_on(async {
        let store = openhouse_store::Store::connect(db.to_str().unwrap(), 0)
            .await
            .unwrap();
        store
            .journal(team["teamId"].as_i64().unwrap(), 0)
            .await
            .unwrap()
    });
    let last = journal.last().unwrap();
    assert_eq!(last.action, "transaction_field.created");
    assert_eq!(last.resource.as_ref().unwrap(), &f);
    for bad in [
        vec!["--team-id", &team_id, "--name", "X", "--type", "COLOR"],
        vec!["--team-id", "1", "--name", "X", "--type", "TEXT"],
    ] {
        let out = openhouse()
            .args(["team", "transaction-field"])
            .args(bad)
            .arg("--database-url")
            .arg(&db)
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).trim().lines().count(),
            1
        );
    }
}

#[test]
fn migrate_and_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let out = openhouse()
        .args(["migrate", "--database-url"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = openhouse()
        .args(["migrate", "--database-url", "mysql://nowhere/db"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unsupported database URL"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let out = openhouse()
        .args(["migrate", "--database-url"])
        .arg(dir.path().join("no/such/dir/x.db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open database"));
    let out = openhouse()
        .args([
            "team",
            "create",
            "--name",
            "X",
            "--admin-email",
            "not-an-email",
            "--database-url",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an email"));
}

#[test]
fn serve_prints_a_first_run_key_and_reports_a_busy_port() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // the port is taken: a one-line error
    let out = openhouse()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot listen on"), "{err}");
    drop(listener);
    // a free port: the first start prints the admin's API key, and the server answers with it
    let mut child = openhouse()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
        ])
        .arg(&db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // read the output on a thread, so a server that prints nothing fails the test instead of
    // hanging it
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(k) = line.trim().strip_prefix("API key:") {
                let _ = tx.send(k.trim().to_string());
            }
        }
    });
    let key = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(k) => k,
        Err(_) => {
            let _ = child.kill();
            panic!("no first-run API key printed");
        }
    };
    let mut ok = false;
    for _ in 0..50 {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            write!(s, "GET /v1.0/leads HTTP/1.1\r\nHost: x\r\nAuthorization: token {key}\r\nConnection: close\r\n\r\n").unwrap();
            let mut resp = String::new();
            s.read_to_string(&mut resp).unwrap();
            ok = resp.starts_with("HTTP/1.1 200") && resp.contains("\"collection\":\"leads\"");
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // graceful shutdown on SIGTERM
    terminate(child.id());
    let status = child.wait().unwrap();
    assert!(ok, "the server did not answer with the printed key");
    assert!(
        status.success(),
        "the server did not stop cleanly on SIGTERM: {status:?}"
    );
    // a second start on the same database prints no new key (it then stops: the port is taken)
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let out = openhouse()
        .args([
            "serve",
            "--listen",
            &busy.local_addr().unwrap().to_string(),
            "--database-url",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("API key"));
}

fn terminate(pid: u32) {
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
}

fn team(db: &std::path::Path, name: &str, email: &str) -> serde_json::Value {
    let out = openhouse()
        .args([
            "team",
            "create",
            "--name",
            name,
            "--admin-email",
            email,
            "--json",
            "--database-url",
        ])
        .arg(db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `team routing-import` into `team`, the document on standard input.
fn routing_import(
    db: &std::path::Path,
    team: &serde_json::Value,
    doc: &[u8],
) -> std::process::Output {
    let mut child = openhouse()
        .args([
            "team",
            "routing-import",
            "--team-id",
            &team["teamId"].to_string(),
        ])
        .args(["--file", "-", "--database-url"])
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), doc).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn routing_export_and_import_carry_a_teams_rules() {
    use openhouse_domain::auth::CredentialKind;
    use openhouse_domain::routing::BusinessType;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("routing.db");
    let a = team(&db, "A", "a@acme.test");
    let b = team(&db, "B", "b@acme.test");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let principal = |store: &openhouse_store::Store, key: &str| {
        let store = store.clone();
        let key = key.to_string();
        rt.block_on(async move {
            store
                .authenticate(CredentialKind::ApiKey, &key)
                .await
                .unwrap()
                .unwrap()
        })
    };
    let store = rt
        .block_on(openhouse_store::Store::connect(db.to_str().unwrap(), 0))
        .unwrap();
    let pa = principal(&store, a["apiKey"].as_str().unwrap());
    let pb = principal(&store, b["apiKey"].as_str().unwrap());
    let rule: openhouse_api::RoutingRule = serde_json::from_value(serde_json::json!({
        "name": "Zillow", "sourceName": "Zillow", "tagNames": ["Hot"],
        "activeHours": {"activeDays": [1, 2], "hoursStart": 8, "hoursEnd": 18},
        "routingStrategy": {"strategyType": 2, "touchMinutes": 15}}))
    .unwrap();
    rt.block_on(store.add_routing_rule(&pa, BusinessType::Agent, -1, &rule))
        .unwrap();
    let out = openhouse()
        .args([
            "team",
            "routing-export",
            "--team-id",
            &a["teamId"].to_string(),
            "--database-url",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["rules"][0]["rule"]["sourceName"], "Zillow");
    // into team B, from standard input
    let done = routing_import(&db, &b, &out.stdout);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let strip = |rules: Vec<openhouse_api::RoutingRule>| -> Vec<openhouse_api::RoutingRule> {
        rules
            .into_iter()
            .map(|mut r| {
                r.id = None;
                r.update_time = None;
                r
            })
            .collect()
    };
    let ra = rt
        .block_on(store.routing_rules(&pa, BusinessType::Agent, -1))
        .unwrap();
    let rb = rt
        .block_on(store.routing_rules(&pb, BusinessType::Agent, -1))
        .unwrap();
    assert_eq!(strip(ra), strip(rb));
    // a document naming a member team B does not have is refused whole
    let bad = serde_json::json!({"rules": [
        {"type": 1, "rule": {"routingStrategy": {"strategyType": 1}}},
        {"type": 1, "rule": {"routingStrategy": {"strategyType": 3, "memberWeights": [{"memberId": 42}]}}}]});
    let done = routing_import(&db, &b, bad.to_string().as_bytes());
    assert!(!done.status.success());
    let rb = rt
        .block_on(store.routing_rules(&pb, BusinessType::Agent, -1))
        .unwrap();
    assert_eq!(rb.len(), 1, "nothing changed");
}

/// Runs `openhouse <args> --database-url <db>`: (success, stdout, stderr).
fn run_on(db: &str, args: &[&str]) -> (bool, String, String) {
    let out = openhouse()
        .args(args)
        .args(["--database-url", db])
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// `key create`, `key list`, `key revoke`: a key made is shown once, listed without its secret
/// (with its name and expiry), works until it is revoked, and is gone after.
#[test]
fn keys_are_made_listed_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("keys.db");
    let db = db.to_str().unwrap();
    let run = |args: &[&str]| run_on(db, args);
    let (ok, team, err) = run(&[
        "team",
        "create",
        "--name",
        "Keys",
        "--admin-email",
        "keys@acme.test",
        "--json",
    ]);
    assert!(ok, "{err}");
    let team: serde_json::Value = serde_json::from_str(&team).unwrap();
    let (team_id, user_id) = (team["teamId"].to_string(), team["userId"].to_string());
    let (ok, made, err) = run(&[
        "key",
        "create",
        "--team-id",
        &team_id,
        "--user-id",
        &user_id,
        "--name",
        "CRM sync",
        "--expires-in-days",
        "30",
        "--json",
    ]);
    assert!(ok, "{err}");
    let made: serde_json::Value = serde_json::from_str(&made).unwrap();
    let key = made["apiKey"].as_str().unwrap().to_string();
    let key_id = made["keyId"].as_str().unwrap().to_string();
    assert!(made["expireTime"].as_i64().unwrap() > made["createTime"].as_i64().unwrap());

    let (ok, listed, err) = run(&["key", "list", "--team-id", &team_id]);
    assert!(ok, "{err}");
    let rows: Vec<serde_json::Value> = listed
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // the team's own API key and access token, and the new key; no secret anywhere
    assert_eq!(rows.len(), 3, "{listed}");
    assert!(
        !listed.contains("oh_key_") && !listed.contains("oh_at_"),
        "{listed}"
    );
    let row = rows.iter().find(|r| r["keyId"] == key_id.as_str()).unwrap();
    assert_eq!(row["name"], "CRM sync");
    assert_eq!(row["kind"], "api_key");

    let rt = tokio::runtime::Runtime::new().unwrap();
    let works = |k: &str| {
        rt.block_on(async {
            let store = openhouse_store::Store::connect(db, 0).await.unwrap();
            let p = store
                .authenticate(openhouse_domain::auth::CredentialKind::ApiKey, k)
                .await
                .unwrap();
            store.close().await;
            p.is_some()
        })
    };
    assert!(works(&key));
    let (ok, _, err) = run(&["key", "revoke", "--team-id", &team_id, "--key-id", &key_id]);
    assert!(ok, "{err}");
    assert!(!works(&key));
    assert!(works(team["apiKey"].as_str().unwrap()));
    // revoked once, it is not there to revoke again; another team's id is not this team's
    let (ok, _, err) = run(&["key", "revoke", "--team-id", &team_id, "--key-id", &key_id]);
    assert!(!ok && err.contains("no key"), "{err}");
    let (ok, _, err) = run(&["key", "revoke", "--team-id", &team_id, "--key-id", "xyz"]);
    assert!(!ok && err.contains("key id"), "{err}");
}

/// `app create`, `app list`, `app rotate-secret`, `app delete`.
#[test]
fn apps_are_registered_listed_rotated_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("apps.db");
    let db = db.to_str().unwrap();
    let run = |args: &[&str]| run_on(db, args);
    let (ok, team, err) = run(&[
        "team",
        "create",
        "--name",
        "Apps",
        "--admin-email",
        "apps@acme.test",
        "--json",
    ]);
    assert!(ok, "{err}");
    let team: serde_json::Value = serde_json::from_str(&team).unwrap();
    let team_id = team["teamId"].to_string();
    let (ok, made, err) = run(&[
        "app",
        "create",
        "--team-id",
        &team_id,
        "--name",
        "Sync",
        "--redirect-uri",
        "https://sync.example.com/cb",
        "--scope",
        "leads",
        "--json",
    ]);
    assert!(ok, "{err}");
    let made: serde_json::Value = serde_json::from_str(&made).unwrap();
    let client_id = made["clientId"].as_str().unwrap().to_string();
    let secret = made["clientSecret"].as_str().unwrap().to_string();
    assert!(made["vendorKey"].as_str().unwrap().starts_with("oh_vk_"));
    assert_eq!(made["redirectUris"][0], "https://sync.example.com/cb");
    // a redirect URI that is no absolute http(s) URL is refused
    let (ok, _, err) = run(&[
        "app",
        "create",
        "--team-id",
        &team_id,
        "--name",
        "Bad",
        "--redirect-uri",
        "sync/cb",
        "--scope",
        "*",
    ]);
    assert!(!ok && err.contains("redirect URI"), "{err}");
    // a scope that names no part of the API is refused
    let (ok, _, err) = run(&[
        "app",
        "create",
        "--team-id",
        &team_id,
        "--name",
        "Bad",
        "--redirect-uri",
        "https://sync.example.com/cb",
        "--scope",
        "everything",
    ]);
    assert!(!ok && err.contains("no scope"), "{err}");

    let (ok, listed, err) = run(&["app", "list", "--team-id", &team_id]);
    assert!(ok, "{err}");
    assert_eq!(listed.lines().count(), 1, "{listed}");
    assert!(
        listed.contains(&client_id) && !listed.contains(&secret),
        "{listed}"
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    let authenticates = |secret: &str| {
        rt.block_on(async {
            let store = openhouse_store::Store::connect(db, 0).await.unwrap();
            let found = store.oauth_client(&client_id, secret).await.unwrap();
            store.close().await;
            found.is_some()
        })
    };
    assert!(authenticates(&secret));
    let (ok, rotated, err) = run(&[
        "app",
        "rotate-secret",
        "--team-id",
        &team_id,
        "--client-id",
        &client_id,
    ]);
    assert!(ok, "{err}");
    let rotated: serde_json::Value = serde_json::from_str(&rotated).unwrap();
    let new_secret = rotated["clientSecret"].as_str().unwrap();
    assert!(!authenticates(&secret));
    assert!(authenticates(new_secret));

    let (ok, _, err) = run(&[
        "app",
        "delete",
        "--team-id",
        &team_id,
        "--client-id",
        &client_id,
    ]);
    assert!(ok, "{err}");
    let (_, listed, _) = run(&["app", "list", "--team-id", &team_id]);
    assert!(listed.trim().is_empty(), "{listed}");
    assert!(!authenticates(new_secret));

    // without --scope an app may call everything
    let (ok, made, err) = run(&[
        "app",
        "create",
        "--team-id",
        &team_id,
        "--name",
        "Everything",
        "--redirect-uri",
        "https://sync.example.com/cb",
        "--json",
    ]);
    assert!(ok, "{err}");
    let made: serde_json::Value = serde_json::from_str(&made).unwrap();
    assert_eq!(made["scopes"], serde_json::json!(["*"]));
}

/// `user set-password` (the password from standard input) and `user invite` (a link that
/// works once): what they set is what the store signs in with.
#[test]
fn user_passwords_and_invitations_are_set_from_the_command_line() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("users.db");
    let db = db.to_str().unwrap();
    let (ok, team, err) = run_on(
        db,
        &[
            "team",
            "create",
            "--name",
            "Users",
            "--admin-email",
            "Admin@Users.test",
            "--json",
        ],
    );
    assert!(ok, "{err}");
    let team: serde_json::Value = serde_json::from_str(&team).unwrap();
    let team_id = team["teamId"].as_i64().unwrap();
    let set_password = |who: &[&str], stdin: &str| {
        let mut child = openhouse()
            .args(["user", "set-password", "--team-id", &team_id.to_string()])
            .args(who)
            .args(["--database-url", db])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    // too short, an unknown member, and neither id nor email: refused
    let (ok, err) = set_password(&["--email", "admin@users.test"], "short\n");
    assert!(!ok && err.contains("8 to 1024"), "{err}");
    let (ok, err) = set_password(&["--email", "nobody@users.test"], "long enough password\n");
    assert!(!ok && err.contains("no active member"), "{err}");
    let (ok, _) = set_password(&[], "long enough password\n");
    assert!(!ok);
    // the email in any case
    let (ok, err) = set_password(&["--email", "admin@users.test"], "long enough password\n");
    assert!(ok, "{err}");

    let (ok, out, err) = run_on(
        db,
        &[
            "user",
            "invite",
            "--team-id",
            &team_id.to_string(),
            "--user-id",
            &team["userId"].to_string(),
            "--base-url",
            "https://crm.example.com/",
            "--json",
        ],
    );
    assert!(ok, "{err}");
    let inv: serde_json::Value = serde_json::from_str(&out).unwrap();
    let link = inv["link"].as_str().unwrap();
    let token = link
        .strip_prefix("https://crm.example.com/oauth/invitation/")
        .unwrap_or_else(|| panic!("{link}"));

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = openhouse_store::Store::connect(db, 1).await.unwrap();
        let user_id = team["userId"].as_i64().unwrap();
        let signed = store
            .sign_in(team_id, "ADMIN@users.test", "long enough password", "127.0.0.1")
            .await
            .unwrap();
        assert!(
            matches!(signed, openhouse_store::signin::SignIn::Account(ref a) if a.user_id == user_id),
            "{signed:?}"
        );
        assert!(store.invitation(token).await.unwrap().is_some());
        store
            .accept_invitation(token, "a newer password")
            .await
            .unwrap();
        assert!(store.invitation(token).await.unwrap().is_none());
        let signed = store
            .sign_in(team_id, "admin@users.test", "a newer password", "127.0.0.1")
            .await
            .unwrap();
        assert!(matches!(signed, openhouse_store::signin::SignIn::Account(_)));
        store.close().await;
    });
}

/// `listings import`: CSV and JSON, upserting by MLS number; a bad row is reported with its
/// line and the rest are imported.
#[test]
fn listings_import_reports_bad_rows_by_line_and_imports_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("listings.db");
    let db = db.to_str().unwrap();
    let (ok, team, err) = run_on(
        db,
        &[
            "team",
            "create",
            "--name",
            "Listings",
            "--admin-email",
            "l@acme.test",
            "--json",
        ],
    );
    assert!(ok, "{err}");
    let team: serde_json::Value = serde_json::from_str(&team).unwrap();
    let team_id = team["teamId"].to_string();
    let csv = dir.path().join("listings.csv");
    std::fs::write(
        &csv,
        format!(
            "mlsListingId,price,beds,listingCity,propertyTypes,agentId\n\
             A-1,500000,3,\"Austin, TX\",Condo|Townhouse,{}\n\
             A-2,not a price,2,Austin,,\n\
             A-3,250000,1,Austin,,\n",
            team["userId"]
        ),
    )
    .unwrap();
    let (ok, out, err) = run_on(
        db,
        &[
            "listings",
            "import",
            csv.to_str().unwrap(),
            "--team-id",
            &team_id,
        ],
    );
    assert!(!ok, "a refused row makes the command fail");
    assert!(err.contains("line 3: price"), "{err}");
    let report: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(report["inserted"], 2);
    assert_eq!(report["refused"], 1);

    // JSON: the fixed row, and A-1 again unchanged
    let json = dir.path().join("fix.json");
    std::fs::write(
        &json,
        format!(
            "[\n {{\"mlsListingId\": \"A-2\", \"price\": \"400000\"}},\n {{\"mlsListingId\": \"A-1\", \"price\": \"500000\", \"beds\": 3, \"listingCity\": \"Austin, TX\", \"propertyTypes\": [\"Condo\", \"Townhouse\"], \"agentId\": \"{}\"}}\n]",
            team["userId"]
        ),
    )
    .unwrap();
    let (ok, out, err) = run_on(
        db,
        &[
            "listings",
            "import",
            json.to_str().unwrap(),
            "--team-id",
            &team_id,
        ],
    );
    assert!(ok, "{err}");
    let report: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        (report["inserted"].as_i64(), report["unchanged"].as_i64()),
        (Some(1), Some(1)),
        "{report}"
    );

    // a file whose format cannot be told, and an unknown column
    let txt = dir.path().join("listings.txt");
    std::fs::write(&txt, "x").unwrap();
    let (ok, _, err) = run_on(
        db,
        &[
            "listings",
            "import",
            txt.to_str().unwrap(),
            "--team-id",
            &team_id,
        ],
    );
    assert!(!ok && err.contains("--format"), "{err}");
    std::fs::write(&csv, "mlsListingId,colour\nB-1,red\n").unwrap();
    let (ok, _, err) = run_on(
        db,
        &[
            "listings",
            "import",
            csv.to_str().unwrap(),
            "--team-id",
            &team_id,
        ],
    );
    assert!(!ok && err.contains("colour"), "{err}");
}

/// `openhouse` with none of the environment's own options (a test's environment may carry some).
fn openhouse_clean_env() -> Command {
    let mut c = openhouse();
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("OPENHOUSE_") {
            c.env_remove(k);
        }
    }
    c
}

/// `--config FILE` and `OPENHOUSE_CONFIG`: the file sets an option, its environment variable
/// overrides the file, a flag overrides both; a key that names no option is refused, naming it.
#[test]
fn a_config_file_sets_options_under_the_environment_and_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let config = path("openhouse.toml");
    std::fs::write(
        &config,
        format!(
            "# the options of every command\ndatabase-url = {:?}\nlisten = \"127.0.0.1:1\"\nsqlite_sync = \"normal\"\n",
            path("from-file.db").display().to_string()
        ),
    )
    .unwrap();
    let migrate = |c: &mut Command| {
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // the file (a key of `serve` only, `listen`, is no error for `migrate`)
    migrate(
        openhouse_clean_env()
            .args(["migrate", "--config"])
            .arg(&config),
    );
    assert!(path("from-file.db").exists());
    // the file named by the environment, the option's variable over it
    migrate(
        openhouse_clean_env()
            .arg("migrate")
            .env("OPENHOUSE_CONFIG", &config)
            .env("OPENHOUSE_DATABASE_URL", path("from-env.db")),
    );
    assert!(path("from-env.db").exists());
    // the flag over both
    migrate(
        openhouse_clean_env()
            .env("OPENHOUSE_DATABASE_URL", path("from-env-2.db"))
            .args(["migrate", "--config"])
            .arg(&config)
            .arg("--database-url")
            .arg(path("from-flag.db")),
    );
    assert!(path("from-flag.db").exists());
    assert!(!path("from-env-2.db").exists());

    let refused = |text: &str, args: &[&str]| -> String {
        let bad = path("bad.toml");
        std::fs::write(&bad, text).unwrap();
        let out = openhouse_clean_env()
            .args(args)
            .arg("--config")
            .arg(&bad)
            .arg("--database-url")
            .arg(path("never.db"))
            .output()
            .unwrap();
        assert!(!out.status.success(), "{text} was taken");
        assert!(!path("never.db").exists(), "{text}");
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    // a typo is refused, naming the key, before anything runs
    let err = refused("rate-limt = 5\n", &["migrate"]);
    assert!(err.contains("unknown key 'rate-limt'"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    // an option of the command line alone
    let err = refused("team-id = 5\n", &["migrate"]);
    assert!(err.contains("'team-id'"), "{err}");
    // a value is checked as the same value on the command line is
    let err = refused("rate-limit = 0\n", &["serve"]);
    assert!(err.contains("rate-limit"), "{err}");
    let err = refused("sqlite-sync = \"sometimes\"\n", &["migrate"]);
    assert!(err.contains("sometimes"), "{err}");
    // not TOML
    let err = refused("database-url = \n", &["migrate"]);
    assert!(err.contains("line 1"), "{err}");
    // a file that is not there
    let out = openhouse_clean_env()
        .args(["migrate", "--config"])
        .arg(path("missing.toml"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the configuration file"));
}

/// A port of 127.0.0.1 that nothing listens on.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Sends `GET <path>` to 127.0.0.1:<port> (with `Authorization` when given); the answer.
fn http_get(port: u16, path: &str, auth: Option<&str>) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let auth = auth.map_or(String::new(), |a| format!("Authorization: {a}\r\n"));
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    resp
}

/// `--metrics-listen` (here from a configuration file) serves `/metrics` on its own listener,
/// with the token of `--metrics-token` (here from the environment); the main listener does not
/// serve it.
#[test]
fn serve_exposes_metrics_on_their_own_listener() {
    let dir = tempfile::tempdir().unwrap();
    let (port, metrics_port) = (free_port(), free_port());
    let config = dir.path().join("openhouse.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\nmetrics-listen = \"127.0.0.1:{metrics_port}\"\ndatabase-url = {:?}\n",
            dir.path().join("m.db").display().to_string()
        ),
    )
    .unwrap();
    let mut child = openhouse_clean_env()
        .env("OPENHOUSE_METRICS_TOKEN", "tok")
        .args(["serve", "--config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(k) = line.trim().strip_prefix("API key:") {
                let _ = tx.send(k.trim().to_string());
            }
        }
    });
    let Ok(key) = rx.recv_timeout(Duration::from_secs(60)) else {
        let _ = child.kill();
        panic!("no first-run API key printed");
    };
    let mut answers = None;
    for _ in 0..50 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            && std::net::TcpStream::connect(("127.0.0.1", metrics_port)).is_ok()
        {
            let auth = format!("token {key}");
            let leads = http_get(port, "/v1.0/leads", Some(&auth));
            let main = http_get(port, "/metrics", Some("Bearer tok"));
            let refused = http_get(metrics_port, "/metrics", None);
            let metrics = http_get(metrics_port, "/metrics", Some("Bearer tok"));
            answers = Some((leads, main, refused, metrics));
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    terminate(child.id());
    let status = child.wait().unwrap();
    let (leads, main, refused, metrics) = answers.expect("the server listened");
    assert!(leads.starts_with("HTTP/1.1 200"), "{leads}");
    assert!(main.starts_with("HTTP/1.1 404"), "{main}");
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    assert!(
        metrics.contains(
            r#"openhouse_http_requests_total{method="GET",route="/v1.0/leads",status="200"} 1"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("openhouse_search_index_build_seconds_count 1"),
        "{metrics}"
    );
    assert!(status.success(), "{status:?}");
}
