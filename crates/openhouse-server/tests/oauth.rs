//! OAuth 2.0 through HTTP, on SQLite and PostgreSQL: an app's tokens for a member's API key
//! (`client_credentials` + `customer_key`), refresh-token rotation and the revocation of a
//! whole grant when a spent refresh token comes back, another client's tokens, expiry, RFC 7009
//! revocation, the RFC 8414 metadata, `token-info/byold` (5.11.2), and an app deleted with its
//! tokens.

mod common;

use axum::body::Body;
use axum::http::{Method, Request};
use base64::Engine as _;
use common::*;
use openhouse_store::oauth::NewApp;
use serde_json::Value;

async fn app_of(app: &TestApp, t: &Team) -> NewApp {
    app.store
        .create_app(
            t.team_id,
            "Sync",
            &["https://sync.example.com/callback".to_string()],
            &["leads".to_string()],
        )
        .await
        .unwrap()
}

fn basic(a: &NewApp) -> String {
    let raw = format!("{}:{}", a.app.client_id, a.client_secret);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// A form POST to an OAuth endpoint, with an Authorization header when given.
async fn form(app: &TestApp, path: &str, auth: Option<&str>, body: &str) -> Reply {
    let mut b = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("Content-Type", "application/x-www-form-urlencoded");
    if let Some(a) = auth {
        b = b.header("Authorization", a);
    }
    app.raw(b.body(Body::from(body.to_string())).unwrap()).await
}

fn bearer(r: &Reply) -> String {
    format!("Bearer {}", r.body["access_token"].as_str().unwrap())
}

async fn works(app: &TestApp, auth: &str) -> u16 {
    app.get("/v1.0/leads", auth).await.status.as_u16()
}

both!(
    a_members_api_key_gets_tokens_that_refresh_and_a_reused_refresh_token_ends_the_grant,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = app_of(&app, &t).await;
        let body = format!("grant_type=client_credentials&customer_key={}", t.api_key);
        let r = form(&app, "/oauth/token", Some(&basic(&a)), &body).await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.body);
        assert_eq!(r.body["token_type"], "Bearer");
        assert_eq!(r.body["expires_in"], 3600);
        assert_eq!(r.body["scope"], "leads");
        assert_eq!(r.headers["cache-control"], "no-store");
        let first = bearer(&r);
        assert_eq!(works(&app, &first).await, 200);
        // the token acts as the member the key is of
        let lead = app
            .lead(&t, serde_json::json!({"firstName": "Via app"}))
            .await;
        assert_eq!(
            app.get(&format!("/v1.0/leads/{lead}"), &first).await.status,
            200
        );

        // the client in the form works as well as HTTP Basic; refresh rotates
        let refresh = r.body["refresh_token"].as_str().unwrap().to_string();
        let body = format!(
            "grant_type=refresh_token&refresh_token={refresh}&client_id={}&client_secret={}",
            a.app.client_id, a.client_secret
        );
        let r2 = form(&app, "/oauth/token", None, &body).await;
        assert_eq!(r2.status.as_u16(), 200, "{}", r2.body);
        let second = bearer(&r2);
        assert_ne!(second, first);
        assert_ne!(r2.body["refresh_token"].as_str().unwrap(), refresh);
        assert_eq!(works(&app, &second).await, 200);

        // the spent refresh token again: refused, and the whole grant is revoked
        let r3 = form(&app, "/oauth/token", None, &body).await;
        assert_eq!(r3.status.as_u16(), 400);
        assert_eq!(r3.body["error"], "invalid_grant");
        assert_eq!(works(&app, &second).await, 401);
        assert_eq!(works(&app, &first).await, 401);
        let newest = r2.body["refresh_token"].as_str().unwrap();
        let r4 = form(
            &app,
            "/oauth/token",
            Some(&basic(&a)),
            &format!("grant_type=refresh_token&refresh_token={newest}"),
        )
        .await;
        assert_eq!(r4.body["error"], "invalid_grant");
        // the member's API key itself is untouched
        assert_eq!(works(&app, &t.auth()).await, 200);
    }
);

both!(
    clients_grants_and_tokens_are_checked,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = app_of(&app, &t).await;
        let other_team = app.team().await;
        let b = app_of(&app, &other_team).await;
        let grant = format!("grant_type=client_credentials&customer_key={}", t.api_key);

        // a wrong secret, an unknown client, no client at all
        let wrong = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{}:nope", a.app.client_id))
        );
        let r = form(&app, "/oauth/token", Some(&wrong), &grant).await;
        assert_eq!(r.status.as_u16(), 401);
        assert_eq!(r.body["error"], "invalid_client");
        assert!(r.headers.contains_key("www-authenticate"));
        let r = form(&app, "/oauth/token", None, &grant).await;
        assert_eq!(r.body["error"], "invalid_client");
        // grants it does not know, or without what they need; a body that is no form
        let r = form(
            &app,
            "/oauth/token",
            Some(&basic(&a)),
            "grant_type=password",
        )
        .await;
        assert_eq!(r.body["error"], "unsupported_grant_type");
        let r = form(&app, "/oauth/token", Some(&basic(&a)), "").await;
        assert_eq!(r.body["error"], "invalid_request");
        let r = form(
            &app,
            "/oauth/token",
            Some(&basic(&a)),
            "grant_type=client_credentials",
        )
        .await;
        assert_eq!(r.body["error"], "invalid_request");
        // another team's member's key is no grant for this app
        let foreign = format!(
            "grant_type=client_credentials&customer_key={}",
            other_team.api_key
        );
        let r = form(&app, "/oauth/token", Some(&basic(&a)), &foreign).await;
        assert_eq!(r.body["error"], "invalid_grant");

        // another client's refresh token: refused, and its grant goes on
        let mine = form(&app, "/oauth/token", Some(&basic(&b)), &foreign).await;
        assert_eq!(mine.status.as_u16(), 200, "{}", mine.body);
        let refresh = mine.body["refresh_token"].as_str().unwrap();
        let r = form(
            &app,
            "/oauth/token",
            Some(&basic(&a)),
            &format!("grant_type=refresh_token&refresh_token={refresh}"),
        )
        .await;
        assert_eq!(r.body["error"], "invalid_grant");
        assert_eq!(works(&app, &bearer(&mine)).await, 200);

        // a tampered token is no token
        let mut tampered = bearer(&mine);
        let last = tampered.pop();
        tampered.push(if last == Some('0') { '1' } else { '0' });
        assert_eq!(works(&app, &tampered).await, 401);

        // an access token ends after its hour; a refresh token after 90 days
        let r = form(&app, "/oauth/token", Some(&basic(&a)), &grant).await;
        let token = bearer(&r);
        let refresh = r.body["refresh_token"].as_str().unwrap().to_string();
        assert_eq!(works(&app, &token).await, 200);
        app.store.clock().advance(3_600_001);
        assert_eq!(works(&app, &token).await, 401);
        let again = form(
            &app,
            "/oauth/token",
            Some(&basic(&a)),
            &format!("grant_type=refresh_token&refresh_token={refresh}"),
        )
        .await;
        assert_eq!(again.status.as_u16(), 200, "{}", again.body);
        let later = again.body["refresh_token"].as_str().unwrap();
        app.store.clock().advance(91 * 86_400_000);
        let r = form(
            &app,
            "/oauth/token",
            Some(&basic(&a)),
            &format!("grant_type=refresh_token&refresh_token={later}"),
        )
        .await;
        assert_eq!(r.body["error"], "invalid_grant");
    }
);

both!(
    revocation_metadata_byold_and_deleting_an_app,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = app_of(&app, &t).await;
        let grant = format!("grant_type=client_credentials&customer_key={}", t.api_key);

        // RFC 7009: revoking the refresh token ends the grant, its access token too
        let r = form(&app, "/oauth/token", Some(&basic(&a)), &grant).await;
        let token = bearer(&r);
        assert_eq!(works(&app, &token).await, 200);
        let refresh = r.body["refresh_token"].as_str().unwrap();
        let rv = form(
            &app,
            "/oauth/revoke",
            Some(&basic(&a)),
            &format!("token={refresh}"),
        )
        .await;
        assert_eq!(rv.status.as_u16(), 200);
        assert_eq!(works(&app, &token).await, 401);
        // an access token alone; an unknown token is answered the same
        let r = form(&app, "/oauth/token", Some(&basic(&a)), &grant).await;
        let access = r.body["access_token"].as_str().unwrap();
        assert_eq!(works(&app, &bearer(&r)).await, 200);
        let rv = form(
            &app,
            "/oauth/revoke",
            Some(&basic(&a)),
            &format!("token={access}"),
        )
        .await;
        assert_eq!(rv.status.as_u16(), 200);
        assert_eq!(works(&app, &bearer(&r)).await, 401);
        let rv = form(
            &app,
            "/oauth/revoke",
            Some(&basic(&a)),
            "token=oh_rt_unknown",
        )
        .await;
        assert_eq!(rv.status.as_u16(), 200);

        // RFC 8414
        let m = app.get("/.well-known/oauth-authorization-server", "").await;
        let m = m.ok();
        let issuer = m["issuer"].as_str().unwrap();
        assert_eq!(m["token_endpoint"], format!("{issuer}/oauth/token"));
        assert!(
            m["grant_types_supported"]
                .as_array()
                .unwrap()
                .contains(&Value::from("refresh_token"))
        );

        // 5.11.2: the API key, with the app's vendor key, becomes the app's tokens
        let path = "/v1.0/vendor/oauth/token-info/byold";
        let r = app
            .get(&format!("{path}?vendorKey={}", a.vendor_key), &t.auth())
            .await;
        let info = r.ok();
        let token = format!("Bearer {}", info["token"].as_str().unwrap());
        assert_eq!(works(&app, &token).await, 200);
        let expires = info["tokenExpireTime"]["time"].as_i64().unwrap();
        assert!(expires > app.store.now());
        assert!(info["refreshTokenExpireTime"]["time"].as_i64().unwrap() > expires);
        assert!(info["refreshToken"].as_str().unwrap().starts_with("oh_rt_"));
        // without the app's vendor key (the team's own is no app's), or through a token
        app.get(path, &t.auth()).await.error(403, 200100);
        app.get(&format!("{path}?vendorKey={}", t.vendor_key), &t.auth())
            .await
            .error(403, 200100);
        app.get(&format!("{path}?vendorKey={}", a.vendor_key), &t.bearer())
            .await
            .error(400, 20012);
        // another team's app's vendor key is not this team's
        let other = app.team().await;
        app.get(&format!("{path}?vendorKey={}", a.vendor_key), &other.auth())
            .await
            .error(403, 200100);

        // the app is one of the team's vendors; deleting it ends its tokens
        let vendors = app.get("/v1.0/vendor/list", &t.auth()).await;
        assert!(
            vendors.ok().to_string().contains("Sync"),
            "{}",
            vendors.body
        );
        app.store
            .delete_app(t.team_id, &a.app.client_id)
            .await
            .unwrap();
        let fresh = TestApp::with_store(app.store.clone(), app.backend, app.url());
        assert_eq!(works(&fresh, &token).await, 401);
        let r = form(&app, "/oauth/token", Some(&basic(&a)), &grant).await;
        assert_eq!(r.body["error"], "invalid_client");
    }
);

both!(
    an_apps_scopes_decide_what_its_tokens_may_call,
    |app: TestApp| async move {
        let t = app.team().await;
        let reader = app
            .store
            .create_app(
                t.team_id,
                "Reader",
                &["https://r.example.com/cb".to_string()],
                &["leads:read".to_string(), "notes".to_string()],
            )
            .await
            .unwrap();
        let grant = format!("grant_type=client_credentials&customer_key={}", t.api_key);
        let r = form(&app, "/oauth/token", Some(&basic(&reader)), &grant).await;
        assert_eq!(r.body["scope"], "leads:read notes");
        let token = bearer(&r);
        let lead = app
            .lead(&t, serde_json::json!({"firstName": "Scoped"}))
            .await;
        // reads of leads, anything of notes
        assert_eq!(works(&app, &token).await, 200);
        assert_eq!(
            app.get(&format!("/v1.0/leads/{lead}"), &token).await.status,
            200
        );
        app.post(
            "/v1.0/notes",
            &token,
            serde_json::json!({"leadId": lead, "content": "from the app"}),
        )
        .await
        .ok();
        // no writes of leads, nothing of tasks or webhooks
        app.post(
            "/v1.0/leads",
            &token,
            serde_json::json!({"firstName": "No"}),
        )
        .await
        .error(403, 200100);
        app.get("/v1.0/tasks", &token).await.error(403, 200100);
        app.get("/v1.0/webhooks", &token).await.error(403, 200100);
        // the member's own API key is not an app's: it may do all the member may
        app.post(
            "/v1.0/leads",
            &t.auth(),
            serde_json::json!({"firstName": "Yes"}),
        )
        .await
        .ok();
        // the metadata lists the scopes there are
        let m = app.get("/.well-known/oauth-authorization-server", "").await;
        let scopes = m.ok()["scopes_supported"].to_string();
        assert!(
            scopes.contains("\"leads:read\"") && scopes.contains("\"*\""),
            "{scopes}"
        );
    }
);

both!(
    an_apps_tokens_share_the_apps_limit,
    openhouse_server::Settings {
        rate_limit: 5,
        rate_limit_unvendored: 2,
        ..Default::default()
    },
    |app: TestApp| async move {
        let t = app.team().await;
        let a = app_of(&app, &t).await;
        let second = app
            .store
            .create_user(
                t.team_id,
                &format!("second.{}@example.com", t.team_id),
                "Second",
                None,
                openhouse_domain::auth::Role::Agent,
            )
            .await
            .unwrap();
        let key = app
            .store
            .issue_credential(
                t.team_id,
                second,
                openhouse_domain::auth::CredentialKind::ApiKey,
            )
            .await
            .unwrap();
        let mut tokens = Vec::new();
        for k in [t.api_key.clone(), key] {
            let r = form(
                &app,
                "/oauth/token",
                Some(&basic(&a)),
                &format!("grant_type=client_credentials&customer_key={k}"),
            )
            .await;
            tokens.push(bearer(&r));
        }
        // two members' tokens of one app: 5 requests in all (the higher tier, without a
        // vendorKey), not 5 each and not the 2 of the lower tier
        let mut admitted = 0;
        for i in 0..10 {
            let r = app.get("/v1.0/leads", &tokens[i % 2]).await;
            match r.status.as_u16() {
                200 => admitted += 1,
                429 => {}
                s => panic!("status {s}"),
            }
            assert_eq!(r.headers["x-ratelimit-limit"], "5");
        }
        assert_eq!(admitted, 5);
        // the members' own API keys keep buckets of their own
        assert_eq!(works(&app, &t.auth()).await, 200);
    }
);
