//! The OAuth 2.0 authorization endpoint (RFC 6749 4.1, with PKCE S256 as RFC 7636 and OAuth
//! 2.1 require) and the pages people see: sign in, consent, and accepting an invitation.
//!
//! `GET /oauth/authorize` checks the request; a request whose client or redirect URI is not
//! right is answered with an error page (never a redirect, RFC 6749 4.1.2.1), any other error is
//! sent back to the redirect URI. Then a member of the app's team signs in (unless a session of
//! theirs is open) and sees what the app asks for: approving redirects with `code` and `state`,
//! denying with `error=access_denied`. `POST /oauth/authorize` carries each step's form.
//!
//! Pages are server-rendered HTML (no JavaScript), escaped by construction (maud), and answered
//! with `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'`, `X-Frame-Options:
//! DENY` and `Cache-Control: no-store`. Forms carry CSRF protection: before sign-in a
//! double-submit token (a `SameSite=Strict` cookie that the form repeats), after it a token
//! derived from the session cookie. Failed sign-ins are throttled per account and per address
//! by the store (`openhouse_store::signin`).

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{DOCTYPE, Markup, html};
use openhouse_domain::auth::pkce_challenge_ok;
use openhouse_store::entities::oauth_app;
use openhouse_store::signin::{Account, SESSION_TTL_MS, SignIn};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;

const CSRF_COOKIE: &str = "oh_csrf";
const SESSION_COOKIE: &str = "oh_session";
/// The largest form the pages accept.
const FORM_LIMIT: usize = 16 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth/authorize", get(authorize_page).post(authorize_form))
        .route(
            "/oauth/invitation/{token}",
            get(invitation_page).post(invitation_form),
        )
}

/// The parameters of an authorization request (RFC 6749 4.1.1, RFC 7636 4.3), from the query
/// or repeated as hidden fields of each step's form.
#[derive(Debug, Default, Clone, Deserialize)]
struct Params {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

/// A form of the pages: the request's parameters and the step's own fields.
#[derive(Debug, Default, Deserialize)]
struct StepForm {
    #[serde(flatten)]
    params: Params,
    action: Option<String>,
    csrf: Option<String>,
    email: Option<String>,
    password: Option<String>,
    password_again: Option<String>,
}

/// An authorization request that passed every check.
struct Checked {
    app: oauth_app::Model,
    /// Where to send the answer.
    redirect: String,
    scope: String,
    challenge: String,
    params: Params,
}

/// A page, with the headers every page carries.
fn page(status: StatusCode, title: &str, body: Markup) -> Response {
    let doc = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · openhouse" }
                style { (maud::PreEscaped(STYLE)) }
            }
            body {
                main {
                    p.brand { "openhouse" }
                    h1 { (title) }
                    (body)
                }
            }
        }
    };
    let mut r = (status, doc.into_string()).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}\
main{max-width:26rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;\
box-shadow:0 1px 4px rgba(0,0,0,.1)}.brand{color:#666;margin:0}h1{font-size:1.4rem}\
label{display:block;margin:.8rem 0 .2rem}input[type=email],input[type=password]{width:100%;\
box-sizing:border-box;padding:.5rem;font-size:1rem}button{margin:1.2rem .5rem 0 0;\
padding:.55rem 1.2rem;font-size:1rem}.error{color:#b00020}ul{padding-left:1.2rem}";

fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    page(status, title, html! { p.error { (message) } })
}

fn cookie_of(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// Whether the client reached the server over HTTPS (directly or through a proxy that says so):
/// cookies are then `Secure`.
fn https(headers: &HeaderMap) -> bool {
    headers
        .get("X-Forwarded-Proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn set_cookie(r: &mut Response, headers: &HeaderMap, name: &str, value: &str, extra: &str) {
    let secure = if https(headers) { "; Secure" } else { "" };
    let c = format!("{name}={value}; Path=/oauth; HttpOnly{extra}{secure}");
    if let Ok(v) = HeaderValue::from_str(&c) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn same(a: &str, b: &str) -> bool {
    // compared as hashes: the time taken says nothing of how much of a guess was right
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

/// The CSRF token of the consent form: bound to the session cookie, which only the browser that
/// signed in holds (HttpOnly) and another site cannot read.
fn consent_csrf(session: &str) -> String {
    hex::encode(Sha256::digest(
        format!("openhouse consent\0{session}").as_bytes(),
    ))
}

/// Whether a form posted before sign-in repeats the browser's CSRF cookie (another site can
/// neither read the cookie nor, `SameSite=Strict`, have it sent).
fn double_submitted(headers: &HeaderMap, csrf: &str) -> bool {
    cookie_of(headers, CSRF_COOKIE).is_some_and(|k| same(&k, csrf))
}

/// The double-submit token of a form shown before sign-in: the browser's CSRF cookie if it
/// holds one (so several open tabs keep working), else a new one (set with the page).
fn form_csrf(headers: &HeaderMap) -> String {
    cookie_of(headers, CSRF_COOKIE)
        .filter(|v| v.len() == 48 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(|| {
            use rand::RngCore;
            let mut b = [0u8; 24];
            rand::rng().fill_bytes(&mut b);
            hex::encode(b)
        })
}

/// The redirect URI with `pairs` added to its query.
fn redirect_with(uri: &str, pairs: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(uri) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Cannot continue",
            "The app's redirect URI is not valid.",
        );
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
    }
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(url.as_str()) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// An error sent back to the app (RFC 6749 4.1.2.1), with the request's state.
fn redirect_error(redirect: &str, state: Option<&str>, error: &str, description: &str) -> Response {
    let mut pairs = vec![("error", error), ("error_description", description)];
    if let Some(s) = state {
        pairs.push(("state", s));
    }
    redirect_with(redirect, &pairs)
}

/// Checks an authorization request: an error page for a bad client or redirect URI, a redirect
/// with the error for anything else.
async fn check(state: &AppState, p: Params) -> Result<Checked, Response> {
    let bad = |m: &str| {
        error_page(
            StatusCode::BAD_REQUEST,
            "This link does not work",
            &format!("{m} Ask the app's developer to check how it connects to openhouse."),
        )
    };
    let Some(client_id) = p.client_id.clone().filter(|c| !c.is_empty()) else {
        return Err(bad("The request names no app (client_id)."));
    };
    let app = match state.store.oauth_app(&client_id).await {
        Ok(Some(a)) => a,
        Ok(None) => return Err(bad("The app it names is not registered.")),
        Err(e) => return Err(ApiError(e).into_response()),
    };
    let info = openhouse_store::oauth::AppInfo::of(&app);
    let redirect = match p.redirect_uri.as_deref() {
        Some(u) if info.redirect_uris.iter().any(|r| r == u) => u.to_string(),
        Some(_) => return Err(bad("Its redirect_uri is not one the app registered.")),
        None if info.redirect_uris.len() == 1 => info.redirect_uris[0].clone(),
        None => {
            return Err(bad(
                "It gives no redirect_uri, and the app registered several.",
            ));
        }
    };
    let st = p.state.as_deref();
    if p.response_type.as_deref() != Some("code") {
        return Err(redirect_error(
            &redirect,
            st,
            "unsupported_response_type",
            "response_type is code",
        ));
    }
    let challenge = p.code_challenge.clone().unwrap_or_default();
    if p.code_challenge_method.as_deref() != Some("S256") || !pkce_challenge_ok(&challenge) {
        return Err(redirect_error(
            &redirect,
            st,
            "invalid_request",
            "PKCE is required: code_challenge (43 base64url characters) with code_challenge_method=S256",
        ));
    }
    let scope = match p.scope.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => info.scopes.join(" "),
        Some(asked) => {
            let mut granted: Vec<&str> = Vec::new();
            for s in asked.split(' ').filter(|s| !s.is_empty()) {
                if !info.scopes.iter().any(|a| a == s) {
                    return Err(redirect_error(
                        &redirect,
                        st,
                        "invalid_scope",
                        &format!("the app may not ask for the scope {s}"),
                    ));
                }
                if !granted.contains(&s) {
                    granted.push(s);
                }
            }
            granted.join(" ")
        }
    };
    Ok(Checked {
        app,
        redirect,
        scope,
        challenge,
        params: p,
    })
}

/// The request's parameters as hidden fields, so each step's form carries them on.
fn hidden(p: &Params) -> Markup {
    let fields = [
        ("response_type", &p.response_type),
        ("client_id", &p.client_id),
        ("redirect_uri", &p.redirect_uri),
        ("scope", &p.scope),
        ("state", &p.state),
        ("code_challenge", &p.code_challenge),
        ("code_challenge_method", &p.code_challenge_method),
    ];
    html! {
        @for (name, value) in fields {
            @if let Some(v) = value {
                input type="hidden" name=(name) value=(v);
            }
        }
    }
}

fn sign_in_page(
    c: &Checked,
    headers: &HeaderMap,
    status: StatusCode,
    message: Option<&str>,
    email: &str,
) -> Response {
    let csrf = form_csrf(headers);
    let body = html! {
        p { "Sign in to let " strong { (c.app.name) } " use openhouse for you." }
        @if let Some(m) = message {
            p.error role="alert" { (m) }
        }
        form method="post" action="/oauth/authorize" {
            (hidden(&c.params))
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="action" value="sign_in";
            label for="email" { "Email" }
            input #email type="email" name="email" value=(email) autocomplete="username" required autofocus;
            label for="password" { "Password" }
            input #password type="password" name="password" autocomplete="current-password" required;
            button #sign-in type="submit" { "Sign in" }
        }
    };
    let mut r = page(status, "Sign in", body);
    set_cookie(&mut r, headers, CSRF_COOKIE, &csrf, "; SameSite=Strict");
    r
}

/// What a scope lets an app do, in words.
fn scope_words(scope: &str) -> String {
    if scope == "*" {
        return "Read and change everything the API offers".to_string();
    }
    match scope.strip_suffix(":read") {
        Some(area) => format!("Read {}", area.replace('-', " ")),
        None => format!("Read and change {}", scope.replace('-', " ")),
    }
}

fn consent_page(c: &Checked, who: &Account, session: &str) -> Response {
    let body = html! {
        p { strong { (c.app.name) } " asks to use openhouse as you, " (who.name) " (" (who.email) ")." }
        p { "It will be able to:" }
        ul {
            @for s in c.scope.split(' ').filter(|s| !s.is_empty()) {
                li { (scope_words(s)) }
            }
        }
        p { "You will be sent back to " code { (c.redirect) } "." }
        form method="post" action="/oauth/authorize" {
            (hidden(&c.params))
            input type="hidden" name="csrf" value=(consent_csrf(session));
            button #approve type="submit" name="action" value="approve" { "Allow" }
            button #deny type="submit" name="action" value="deny" { "Deny" }
        }
    };
    page(StatusCode::OK, "Allow access?", body)
}

/// The member a request's session cookie signs in, if it is of the app's team.
async fn session_of(
    state: &AppState,
    headers: &HeaderMap,
    team_id: i64,
) -> Result<Option<(Account, String)>, Response> {
    let Some(token) = cookie_of(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    match state.store.session(&token).await {
        Ok(Some(a)) if a.team_id == team_id => Ok(Some((a, token))),
        Ok(_) => Ok(None),
        Err(e) => Err(ApiError(e).into_response()),
    }
}

/// `GET /oauth/authorize`.
async fn authorize_page(State(state): State<AppState>, req: Request) -> Response {
    let headers = req.headers().clone();
    let params: Params = match serde_html_form::from_str(req.uri().query().unwrap_or("")) {
        Ok(p) => p,
        Err(_) => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "This link does not work",
                "Its query is not a valid form.",
            );
        }
    };
    let c = match check(&state, params).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match session_of(&state, &headers, c.app.team_id).await {
        Ok(Some((who, token))) => consent_page(&c, &who, &token),
        Ok(None) => sign_in_page(&c, &headers, StatusCode::OK, None, ""),
        Err(r) => r,
    }
}

fn peer(req: &Request) -> String {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string())
}

async fn form_of<T: for<'de> Deserialize<'de> + Default>(req: Request) -> Result<T, Response> {
    let bytes: Bytes = axum::body::to_bytes(req.into_body(), FORM_LIMIT)
        .await
        .map_err(|_| {
            error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Cannot continue",
                "The form is too large.",
            )
        })?;
    serde_html_form::from_bytes(&bytes).map_err(|_| {
        error_page(
            StatusCode::BAD_REQUEST,
            "Cannot continue",
            "The form is not valid.",
        )
    })
}

/// `POST /oauth/authorize`: the sign-in form, or the consent form's answer.
async fn authorize_form(State(state): State<AppState>, req: Request) -> Response {
    let headers = req.headers().clone();
    let address = peer(&req);
    let form: StepForm = match form_of(req).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let c = match check(&state, form.params.clone()).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let csrf = form.csrf.unwrap_or_default();
    match form.action.as_deref() {
        Some("sign_in") => {
            let email = form.email.unwrap_or_default();
            let fresh = double_submitted(&headers, &csrf);
            if !fresh {
                return sign_in_page(
                    &c,
                    &headers,
                    StatusCode::FORBIDDEN,
                    Some("This form expired. Please sign in again."),
                    &email,
                );
            }
            let password = form.password.unwrap_or_default();
            match state
                .store
                .sign_in(c.app.team_id, &email, &password, &address)
                .await
            {
                Ok(SignIn::Account(who)) => match state.store.session_token(&who).await {
                    Ok(token) => {
                        let mut r = consent_page(&c, &who, &token);
                        let age = format!("; SameSite=Lax; Max-Age={}", SESSION_TTL_MS / 1000);
                        set_cookie(&mut r, &headers, SESSION_COOKIE, &token, &age);
                        r
                    }
                    Err(e) => ApiError(e).into_response(),
                },
                Ok(SignIn::Wrong) => sign_in_page(
                    &c,
                    &headers,
                    StatusCode::UNAUTHORIZED,
                    Some("That email and password do not match a member of this team."),
                    &email,
                ),
                Ok(SignIn::Throttled { retry_after_ms }) => {
                    let secs = (retry_after_ms + 999) / 1000;
                    let minutes = (secs + 59) / 60;
                    let mut r = sign_in_page(
                        &c,
                        &headers,
                        StatusCode::TOO_MANY_REQUESTS,
                        Some(&format!(
                            "Too many failed sign-ins. Try again in {minutes} minute{}.",
                            if minutes == 1 { "" } else { "s" }
                        )),
                        &email,
                    );
                    r.headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
                    r
                }
                Err(e) => ApiError(e).into_response(),
            }
        }
        Some(answer @ ("approve" | "deny")) => {
            let (who, token) = match session_of(&state, &headers, c.app.team_id).await {
                Ok(Some(s)) => s,
                Ok(None) => {
                    return sign_in_page(
                        &c,
                        &headers,
                        StatusCode::UNAUTHORIZED,
                        Some("Your sign-in has ended. Please sign in again."),
                        "",
                    );
                }
                Err(r) => return r,
            };
            if !same(&consent_csrf(&token), &csrf) {
                return error_page(
                    StatusCode::FORBIDDEN,
                    "Cannot continue",
                    "This form did not come from this page. Go back to the app and start again.",
                );
            }
            let st = c.params.state.as_deref();
            if answer == "deny" {
                return redirect_error(
                    &c.redirect,
                    st,
                    "access_denied",
                    "the member denied the request",
                );
            }
            let given = c.params.redirect_uri.as_deref().unwrap_or("");
            match state
                .store
                .authorization_code(&c.app, who.user_id, given, &c.scope, &c.challenge)
                .await
            {
                Ok(code) => {
                    let mut pairs = vec![("code", code.as_str())];
                    if let Some(s) = st {
                        pairs.push(("state", s));
                    }
                    redirect_with(&c.redirect, &pairs)
                }
                Err(e) => ApiError(e).into_response(),
            }
        }
        _ => error_page(
            StatusCode::BAD_REQUEST,
            "Cannot continue",
            "The form is not one of these pages'.",
        ),
    }
}

fn invitation_gone() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "This invitation does not work",
        "It was already used or has expired. Ask your team's admin for a new one.",
    )
}

fn invitation_form_page(
    headers: &HeaderMap,
    who: &Account,
    status: StatusCode,
    message: Option<&str>,
) -> Response {
    let csrf = form_csrf(headers);
    let body = html! {
        p { "Welcome, " (who.name) ". Choose the password you will sign in with as " strong { (who.email) } "." }
        @if let Some(m) = message {
            p.error role="alert" { (m) }
        }
        form method="post" {
            input type="hidden" name="csrf" value=(csrf);
            label for="password" { "Password" }
            input #password type="password" name="password" autocomplete="new-password" minlength="8" required;
            label for="password_again" { "The same password again" }
            input #password_again type="password" name="password_again" autocomplete="new-password" minlength="8" required;
            button #set-password type="submit" { "Set password" }
        }
    };
    let mut r = page(status, "Set your password", body);
    set_cookie(&mut r, headers, CSRF_COOKIE, &csrf, "; SameSite=Strict");
    r
}

/// `GET /oauth/invitation/{token}`.
async fn invitation_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    match state.store.invitation(&token).await {
        Ok(Some(who)) => invitation_form_page(&headers, &who, StatusCode::OK, None),
        Ok(None) => invitation_gone(),
        Err(e) => ApiError(e).into_response(),
    }
}

/// `POST /oauth/invitation/{token}`: sets the password and spends the invitation.
async fn invitation_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    req: Request,
) -> Response {
    let headers = req.headers().clone();
    let form: StepForm = match form_of(req).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let who = match state.store.invitation(&token).await {
        Ok(Some(w)) => w,
        Ok(None) => return invitation_gone(),
        Err(e) => return ApiError(e).into_response(),
    };
    let csrf = form.csrf.unwrap_or_default();
    if !double_submitted(&headers, &csrf) {
        return invitation_form_page(
            &headers,
            &who,
            StatusCode::FORBIDDEN,
            Some("This form expired. Please enter your password again."),
        );
    }
    let password = form.password.unwrap_or_default();
    if form.password_again.as_deref() != Some(password.as_str()) {
        return invitation_form_page(
            &headers,
            &who,
            StatusCode::BAD_REQUEST,
            Some("The two passwords differ."),
        );
    }
    match state.store.accept_invitation(&token, &password).await {
        Ok(who) => page(
            StatusCode::OK,
            "Your password is set",
            html! { p { "You can now sign in as " strong { (who.email) } " when an app asks." } },
        ),
        Err(e) if e.kind == openhouse_domain::error::ErrorKind::BadRequest => {
            invitation_form_page(&headers, &who, StatusCode::BAD_REQUEST, Some(&e.message))
        }
        Err(e) => ApiError(e).into_response(),
    }
}
