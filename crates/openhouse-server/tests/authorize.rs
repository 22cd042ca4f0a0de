//! The OAuth 2.0 authorization code flow through HTTP, on SQLite and PostgreSQL: the sign-in
//! and consent pages (driven as a browser would, with its cookies), the code exchanged with
//! PKCE, and everything that must be refused — a reused code (which revokes what it gave), a
//! wrong redirect URI, a wrong verifier, an expired code, another client's code, forged forms
//! (CSRF), repeated failed sign-ins (throttled per account and per address) — plus
//! invitations with which members created through the API set their password.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request};
use base64::Engine as _;
use common::*;
use openhouse_domain::auth::pkce_s256;
use openhouse_store::oauth::NewApp;
use serde_json::json;

const REDIRECT: &str = "https://sync.example.com/callback";
const PASSWORD: &str = "correct horse battery staple";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-and-more";

/// A browser: its cookies and its address.
struct Browser<'a> {
    app: &'a TestApp,
    cookies: HashMap<String, String>,
    addr: SocketAddr,
}

struct Page {
    status: u16,
    headers: axum::http::HeaderMap,
    html: String,
}

impl Page {
    /// The value of the form field `name` (the first one).
    fn field(&self, name: &str) -> String {
        let at = self
            .html
            .find(&format!("name=\"{name}\" value=\""))
            .unwrap_or_else(|| panic!("no field {name} in {}", self.html));
        let rest = &self.html[at + name.len() + 15..];
        rest[..rest.find('"').unwrap()].to_string()
    }
    fn location(&self) -> url::Url {
        url::Url::parse(self.headers["location"].to_str().unwrap()).unwrap()
    }
    fn query(&self) -> HashMap<String, String> {
        self.location().query_pairs().into_owned().collect()
    }
}

fn unique_addr() -> SocketAddr {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(1);
    let n = N.fetch_add(1, Ordering::Relaxed) + std::process::id() * 64;
    SocketAddr::from(([10, (n >> 16) as u8, (n >> 8) as u8, n as u8], 40000))
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: HashMap::new(),
            addr: unique_addr(),
        }
    }

    async fn send(&mut self, method: Method, uri: &str, form: Option<String>) -> Page {
        let mut b = Request::builder().method(method).uri(uri);
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            b = b.header("Cookie", c.join("; "));
        }
        let body = match form {
            Some(f) => {
                b = b.header("Content-Type", "application/x-www-form-urlencoded");
                Body::from(f)
            }
            None => Body::empty(),
        };
        let mut req = b.body(body).unwrap();
        req.extensions_mut().insert(ConnectInfo(self.addr));
        let r = self.app.raw(req).await;
        assert_ne!(r.status.as_u16(), 500, "a 500 is a bug: {}", r.body);
        for v in r.headers.get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (kv, _) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            self.cookies.insert(k.to_string(), val.to_string());
        }
        Page {
            status: r.status.as_u16(),
            headers: r.headers,
            html: r.body.as_str().map(str::to_string).unwrap_or_default(),
        }
    }

    async fn get(&mut self, uri: &str) -> Page {
        self.send(Method::GET, uri, None).await
    }

    async fn post(&mut self, uri: &str, pairs: &[(&str, &str)]) -> Page {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.send(Method::POST, uri, Some(form)).await
    }

    /// Posts an invitation's form: the password, twice.
    async fn choose(&mut self, link: &str, csrf: &str, password: &str, again: &str) -> Page {
        self.post(
            link,
            &[
                ("csrf", csrf),
                ("password", password),
                ("password_again", again),
            ],
        )
        .await
    }

    /// Posts the form of `page` (its hidden fields) with `extra` fields.
    async fn submit(&mut self, page: &Page, extra: &[(&str, &str)]) -> Page {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut rest = page.html.as_str();
        while let Some(at) = rest.find("type=\"hidden\" name=\"") {
            rest = &rest[at + 20..];
            let name = &rest[..rest.find('"').unwrap()];
            let v = &rest[rest.find("value=\"").unwrap() + 7..];
            let value = html_unescape(&v[..v.find('"').unwrap()]);
            if !extra.iter().any(|(k, _)| *k == name) {
                pairs.push((name.to_string(), value));
            }
        }
        for (k, v) in extra {
            pairs.push((k.to_string(), v.to_string()));
        }
        let refs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.post("/oauth/authorize", &refs).await
    }
}

fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn registered(app: &TestApp, t: &Team, name: &str) -> NewApp {
    app.store
        .create_app(
            t.team_id,
            name,
            &[
                REDIRECT.to_string(),
                "https://sync.example.com/other".to_string(),
            ],
            &["leads".to_string(), "members:read".to_string()],
        )
        .await
        .unwrap()
}

fn authorize_uri(a: &NewApp, state: &str, extra: &str) -> String {
    let mut u = url::Url::parse("http://x/oauth/authorize").unwrap();
    u.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &a.app.client_id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("state", state)
        .append_pair("code_challenge", &pkce_s256(VERIFIER))
        .append_pair("code_challenge_method", "S256");
    format!("/oauth/authorize?{}{extra}", u.query().unwrap())
}

fn basic(a: &NewApp) -> String {
    let raw = format!("{}:{}", a.app.client_id, a.client_secret);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

async fn token(app: &TestApp, a: &NewApp, pairs: &[(&str, &str)]) -> Reply {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let req = Request::builder()
        .method(Method::POST)
        .uri("/oauth/token")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Authorization", basic(a))
        .body(Body::from(body))
        .unwrap();
    app.raw(req).await
}

async fn exchange(app: &TestApp, a: &NewApp, code: &str, redirect: &str, verifier: &str) -> Reply {
    token(
        app,
        a,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
        ],
    )
    .await
}

/// Signs in as the team's admin and approves: the code the redirect carries.
async fn approved_code(app: &TestApp, t: &Team, a: &NewApp) -> String {
    let mut b = Browser::new(app);
    let p = b.get(&authorize_uri(a, "s", "")).await;
    assert_eq!(p.status, 200, "{}", p.html);
    let email = admin_email(app, t).await;
    let consent = b
        .submit(&p, &[("email", &email), ("password", PASSWORD)])
        .await;
    assert_eq!(consent.status, 200, "{}", consent.html);
    let done = b.submit(&consent, &[("action", "approve")]).await;
    assert_eq!(done.status, 303, "{}", done.html);
    done.query()["code"].clone()
}

async fn admin_email(app: &TestApp, t: &Team) -> String {
    app.get("/v1.0/me", &t.auth()).await.ok()["email"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn with_password(app: &TestApp) -> Team {
    let t = app.team().await;
    app.store
        .set_password(t.team_id, t.user_id, PASSWORD)
        .await
        .unwrap();
    t
}

both!(
    the_code_flow_signs_in_asks_consent_and_gives_tokens_once,
    |app: TestApp| async move {
        let t = with_password(&app).await;
        let a = registered(&app, &t, "Sync").await;
        let email = admin_email(&app, &t).await;
        let mut b = Browser::new(&app);

        let sign_in = b.get(&authorize_uri(&a, "xyz", "")).await;
        assert_eq!(sign_in.status, 200, "{}", sign_in.html);
        assert!(sign_in.html.contains("Sign in"));
        assert!(sign_in.html.contains("Sync"));
        let csp = sign_in.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!sign_in.html.contains("<script"));
        assert_eq!(sign_in.headers["x-frame-options"], "DENY");
        assert_eq!(sign_in.headers["cache-control"], "no-store");
        assert!(b.cookies.contains_key("oh_csrf"));
        assert_eq!(sign_in.field("csrf"), b.cookies["oh_csrf"]);

        // a wrong password: the page again, with the error, and no session
        let wrong = b
            .submit(
                &sign_in,
                &[("email", &email), ("password", "not the password")],
            )
            .await;
        assert_eq!(wrong.status, 401);
        assert!(wrong.html.contains("do not match"));
        assert!(!b.cookies.contains_key("oh_session"));

        let consent = b
            .submit(&wrong, &[("email", &email), ("password", PASSWORD)])
            .await;
        assert_eq!(consent.status, 200, "{}", consent.html);
        assert!(consent.html.contains("Allow access?"));
        assert!(consent.html.contains("Read and change leads"));
        assert!(consent.html.contains("Read members"));
        assert!(b.cookies.contains_key("oh_session"));
        let set = consent.headers["set-cookie"].to_str().unwrap().to_string();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Lax"),
            "{set}"
        );

        let done = b.submit(&consent, &[("action", "approve")]).await;
        assert_eq!(done.status, 303, "{}", done.html);
        assert!(done.location().as_str().starts_with(REDIRECT));
        let q = done.query();
        assert_eq!(q["state"], "xyz");
        let code = q["code"].clone();

        let r = exchange(&app, &a, &code, REDIRECT, VERIFIER).await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.body);
        assert_eq!(r.body["token_type"], "Bearer");
        assert_eq!(r.body["scope"], "leads members:read");
        assert!(r.body["expires_in"].as_i64().unwrap() > 0);
        let access = format!("Bearer {}", r.body["access_token"].as_str().unwrap());
        let refresh = r.body["refresh_token"].as_str().unwrap().to_string();
        assert_eq!(app.get("/v1.0/leads", &access).await.status, 200);
        // acting as the member who approved
        assert_eq!(app.get("/v1.0/me", &access).await.ok()["email"], email);
        // within its scopes only: members may be read, not changed
        app.put(
            &format!("/v1.0/users/{}", t.user_id),
            &access,
            json!({"firstName": "X"}),
        )
        .await
        .error(403, 200100);

        // the session stays open: the next request goes straight to consent
        let again = b.get(&authorize_uri(&a, "second", "")).await;
        assert_eq!(again.status, 200);
        assert!(again.html.contains("Allow access?"));

        // the code again: refused, and what it gave is revoked
        let reused = exchange(&app, &a, &code, REDIRECT, VERIFIER).await;
        assert_eq!(reused.status.as_u16(), 400, "{}", reused.body);
        assert_eq!(reused.body["error"], "invalid_grant");
        assert_eq!(app.get("/v1.0/leads", &access).await.status, 401);
        let r = token(
            &app,
            &a,
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
        assert_eq!(r.body["error"], "invalid_grant");
    }
);

both!(
    codes_are_bound_to_client_redirect_verifier_and_time,
    |app: TestApp| async move {
        let t = with_password(&app).await;
        let a = registered(&app, &t, "Sync").await;
        let other = registered(&app, &t, "Other").await;

        let code = approved_code(&app, &t, &a).await;
        let r = exchange(&app, &a, &code, "https://sync.example.com/other", VERIFIER).await;
        assert_eq!(r.body["error"], "invalid_grant", "{}", r.body);
        let wrong_verifier = "x".repeat(43);
        let r = exchange(&app, &a, &code, REDIRECT, &wrong_verifier).await;
        assert_eq!(r.body["error"], "invalid_grant", "{}", r.body);
        let r = exchange(&app, &a, &code, REDIRECT, "").await;
        assert_eq!(r.body["error"], "invalid_grant", "{}", r.body);
        // another client cannot exchange it
        let r = exchange(&app, &other, &code, REDIRECT, VERIFIER).await;
        assert_eq!(r.body["error"], "invalid_grant", "{}", r.body);
        // none of these spent it
        let r = exchange(&app, &a, &code, REDIRECT, VERIFIER).await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.body);

        // a code is short-lived
        let code = approved_code(&app, &t, &a).await;
        app.store.clock().advance(61_000);
        let r = exchange(&app, &a, &code, REDIRECT, VERIFIER).await;
        assert_eq!(r.body["error"], "invalid_grant", "{}", r.body);
        assert!(
            r.body["error_description"]
                .as_str()
                .unwrap()
                .contains("expired")
        );
        app.store.clock().advance(-61_000);

        // a code made for a request without redirect_uri is exchanged without one
        let a1 = app
            .store
            .create_app(
                t.team_id,
                "Single",
                &[REDIRECT.to_string()],
                &["*".to_string()],
            )
            .await
            .unwrap();
        let mut b = Browser::new(&app);
        let uri = authorize_uri(&a1, "s", "").replace(
            &format!(
                "&redirect_uri={}",
                url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
            ),
            "",
        );
        assert!(!uri.contains("redirect_uri"));
        let p = b.get(&uri).await;
        let email = admin_email(&app, &t).await;
        let c = b
            .submit(&p, &[("email", &email), ("password", PASSWORD)])
            .await;
        let done = b.submit(&c, &[("action", "approve")]).await;
        assert!(done.location().as_str().starts_with(REDIRECT));
        let code = done.query()["code"].clone();
        let r = exchange(&app, &a1, &code, REDIRECT, VERIFIER).await;
        assert_eq!(r.body["error"], "invalid_grant", "{}", r.body);
        let r = token(
            &app,
            &a1,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.body);
        assert_eq!(r.body["scope"], "*");
    }
);

both!(
    bad_authorization_requests_get_an_error_page_or_an_error_redirect,
    |app: TestApp| async move {
        let t = with_password(&app).await;
        let a = registered(&app, &t, "Sync").await;
        let mut b = Browser::new(&app);

        // a client or redirect URI that is not right: a page, never a redirect
        let p = b
            .get(&authorize_uri(&a, "s", "").replace("callback", "evil"))
            .await;
        assert_eq!(p.status, 400);
        assert!(!p.headers.contains_key("location"));
        let p = b
            .get(&authorize_uri(&a, "s", "").replace(&a.app.client_id, "oh_app_nobody"))
            .await;
        assert_eq!(p.status, 400);
        assert!(!p.headers.contains_key("location"));
        // several registered and none named
        let p = b
            .get(&format!(
                "/oauth/authorize?response_type=code&client_id={}",
                a.app.client_id
            ))
            .await;
        assert_eq!(p.status, 400);

        // the rest go back to the app, with the state
        let p = b
            .get(&authorize_uri(&a, "s1", "").replace("response_type=code", "response_type=token"))
            .await;
        assert_eq!(p.status, 303);
        assert_eq!(p.query()["error"], "unsupported_response_type");
        assert_eq!(p.query()["state"], "s1");
        let p = b
            .get(&authorize_uri(&a, "s2", "").replace("S256", "plain"))
            .await;
        assert_eq!(p.query()["error"], "invalid_request");
        let no_pkce = authorize_uri(&a, "s3", "");
        let no_pkce = &no_pkce[..no_pkce.find("&code_challenge=").unwrap()];
        let p = b.get(no_pkce).await;
        assert_eq!(p.query()["error"], "invalid_request");
        assert_eq!(p.query()["state"], "s3");
        let p = b
            .get(&authorize_uri(&a, "s4", "&scope=leads+webhooks"))
            .await;
        assert_eq!(p.query()["error"], "invalid_scope");

        // a narrower scope than the app's is granted as asked
        let p = b
            .get(&authorize_uri(&a, "s5", "&scope=members%3Aread"))
            .await;
        let email = admin_email(&app, &t).await;
        let c = b
            .submit(&p, &[("email", &email), ("password", PASSWORD)])
            .await;
        assert!(c.html.contains("Read members"));
        assert!(!c.html.contains("Read and change leads"));
        let done = b.submit(&c, &[("action", "approve")]).await;
        let r = exchange(&app, &a, &done.query()["code"], REDIRECT, VERIFIER).await;
        assert_eq!(r.body["scope"], "members:read");
        let access = format!("Bearer {}", r.body["access_token"].as_str().unwrap());
        app.get("/v1.0/leads", &access).await.error(403, 200100);

        // denied: access_denied, with the state, and no code
        let p = b.get(&authorize_uri(&a, "s6", "")).await;
        let done = b.submit(&p, &[("action", "deny")]).await;
        assert_eq!(done.status, 303);
        assert_eq!(done.query()["error"], "access_denied");
        assert_eq!(done.query()["state"], "s6");
        assert!(!done.query().contains_key("code"));
    }
);

both!(
    forms_from_elsewhere_are_refused_and_everything_is_escaped,
    |app: TestApp| async move {
        let t = with_password(&app).await;
        let a = registered(&app, &t, "<script>alert('app')</script>").await;
        let email = admin_email(&app, &t).await;
        let mut b = Browser::new(&app);
        let state = "\"><script>alert(1)</script>";
        let p = b.get(&authorize_uri(&a, state, "")).await;
        assert_eq!(p.status, 200);
        assert!(!p.html.contains("<script>"), "{}", p.html);
        assert!(p.html.contains("&lt;script&gt;alert('app')"));
        assert_eq!(html_unescape(&p.field("state")), state);

        // sign-in without the CSRF cookie (another site's form): refused
        let mut other = Browser::new(&app);
        let r = other
            .submit(&p, &[("email", &email), ("password", PASSWORD)])
            .await;
        assert_eq!(r.status, 403);
        assert!(!other.cookies.contains_key("oh_session"));

        let consent = b
            .submit(&p, &[("email", &email), ("password", PASSWORD)])
            .await;
        assert_eq!(consent.status, 200);
        assert!(!consent.html.contains("<script>"));
        // an approval whose CSRF token is not this session's: refused, no code
        let forged = b
            .submit(&consent, &[("action", "approve"), ("csrf", "0000")])
            .await;
        assert_eq!(forged.status, 403);
        assert!(!forged.headers.contains_key("location"));
        // an approval without the session: back to sign in
        let mut stranger = Browser::new(&app);
        let r = stranger.submit(&consent, &[("action", "approve")]).await;
        assert_eq!(r.status, 401);
        assert!(r.html.contains("Sign in"));

        // a member of another team cannot sign in through this team's app
        let t2 = with_password(&app).await;
        let email2 = admin_email(&app, &t2).await;
        let mut c = Browser::new(&app);
        let p = c.get(&authorize_uri(&a, "s", "")).await;
        let r = c
            .submit(&p, &[("email", &email2), ("password", PASSWORD)])
            .await;
        assert_eq!(r.status, 401);

        // a new password ends the sessions signed in with the old one
        app.store
            .set_password(t.team_id, t.user_id, "another password entirely")
            .await
            .unwrap();
        let r = b.submit(&consent, &[("action", "approve")]).await;
        assert_eq!(r.status, 401);
    }
);

both!(
    repeated_failed_sign_ins_are_throttled_per_account_and_per_address,
    |app: TestApp| async move {
        let t = with_password(&app).await;
        let a = registered(&app, &t, "Sync").await;
        let email = admin_email(&app, &t).await;
        let mut b = Browser::new(&app);
        let p = b.get(&authorize_uri(&a, "s", "")).await;
        for _ in 0..5 {
            let r = b
                .submit(&p, &[("email", &email), ("password", "wrong guess")])
                .await;
            assert_eq!(r.status, 401);
        }
        // the account is locked, even for the right password and from another address
        let r = b
            .submit(&p, &[("email", &email), ("password", PASSWORD)])
            .await;
        assert_eq!(r.status, 429, "{}", r.html);
        assert!(r.html.contains("Too many failed sign-ins"));
        let secs: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=900).contains(&secs), "{secs}");
        let mut elsewhere = Browser::new(&app);
        let p2 = elsewhere.get(&authorize_uri(&a, "s", "")).await;
        let r = elsewhere
            .submit(&p2, &[("email", &email), ("password", PASSWORD)])
            .await;
        assert_eq!(r.status, 429);
        // until the lock ends
        app.store.clock().advance(15 * 60_000 + 1_000);
        let r = elsewhere
            .submit(&p2, &[("email", &email), ("password", PASSWORD)])
            .await;
        assert_eq!(r.status, 200, "{}", r.html);

        // one address trying many accounts is locked after 20 failures
        let mut sprayer = Browser::new(&app);
        let p = sprayer.get(&authorize_uri(&a, "s", "")).await;
        for i in 0..20 {
            let r = sprayer
                .submit(
                    &p,
                    &[
                        ("email", &format!("guess{i}@example.com")),
                        ("password", "123456789"),
                    ],
                )
                .await;
            assert_eq!(r.status, 401, "attempt {i}");
        }
        let r = sprayer
            .submit(&p, &[("email", &email), ("password", PASSWORD)])
            .await;
        assert_eq!(r.status, 429);
        // the account itself is not locked for others
        let mut owner = Browser::new(&app);
        let p = owner.get(&authorize_uri(&a, "s", "")).await;
        let r = owner
            .submit(&p, &[("email", &email), ("password", PASSWORD)])
            .await;
        assert_eq!(r.status, 200);
    }
);

both!(
    a_member_created_through_the_api_sets_a_password_with_a_single_use_invitation,
    |app: TestApp| async move {
        let t = app.team().await;
        let a = registered(&app, &t, "Sync").await;
        let email = format!("invited{}@example.com", app.store.next_id());
        let r = app
            .post(
                "/v1.0/agent",
                &t.auth(),
                json!({"emailAddress": email, "firstName": "Ivy", "lastName": "Invited", "groupId": 0, "profileId": 2}),
            )
            .await;
        let user_id = r.ok()["agentId"].as_i64().unwrap();
        let (token, _) = app
            .store
            .invite(t.team_id, user_id, 3_600_000)
            .await
            .unwrap();
        let link = format!("/oauth/invitation/{token}");
        let mut b = Browser::new(&app);
        let p = b.get(&link).await;
        assert_eq!(p.status, 200, "{}", p.html);
        assert!(p.html.contains(&email));
        let csrf = p.field("csrf");
        // the two passwords differ: nothing set, the invitation still works
        let r = b
            .choose(&link, &csrf, "first password", "second password")
            .await;
        assert_eq!(r.status, 400);
        let r = b.choose(&link, &csrf, "short", "short").await;
        assert_eq!(r.status, 400);
        // without the form's cookie: refused
        let mut other = Browser::new(&app);
        let r = other
            .choose(&link, &csrf, "ivy's password", "ivy's password")
            .await;
        assert_eq!(r.status, 403);
        let r = b
            .choose(&link, &csrf, "ivy's password", "ivy's password")
            .await;
        assert_eq!(r.status, 200, "{}", r.html);
        assert!(r.html.contains("Your password is set"));
        // single use
        assert_eq!(b.get(&link).await.status, 404);
        let r = b
            .choose(&link, &csrf, "someone else's", "someone else's")
            .await;
        assert_eq!(r.status, 404);

        // and Ivy signs in with it
        let mut ivy = Browser::new(&app);
        let p = ivy.get(&authorize_uri(&a, "s", "")).await;
        let c = ivy
            .submit(&p, &[("email", &email), ("password", "ivy's password")])
            .await;
        assert_eq!(c.status, 200, "{}", c.html);
        assert!(c.html.contains("Ivy Invited"));

        // invitations expire
        let (token, _) = app.store.invite(t.team_id, user_id, 60_000).await.unwrap();
        app.store.clock().advance(61_000);
        assert_eq!(
            b.get(&format!("/oauth/invitation/{token}")).await.status,
            404
        );
        app.store.clock().advance(-61_000);
    }
);

both!(
    the_metadata_names_the_code_flow,
    |app: TestApp| async move {
        let r = app.get("/.well-known/oauth-authorization-server", "").await;
        let m = r.ok();
        assert_eq!(
            m["authorization_endpoint"],
            "http://localhost/oauth/authorize"
        );
        assert_eq!(m["response_types_supported"], json!(["code"]));
        assert_eq!(m["code_challenge_methods_supported"], json!(["S256"]));
        assert!(
            m["grant_types_supported"]
                .as_array()
                .unwrap()
                .contains(&json!("authorization_code"))
        );
    }
);
