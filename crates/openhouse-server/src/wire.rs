//! Wire modes: the shapes responses take on the wire.
//!
//! `contract` (the default) answers as the v1.0 contract writes. `published` answers as Lofty's
//! later published OpenAPI document writes where the two disagree: lists wrapped in an object
//! (`{"notes": […]}`), a lead's appointments as a list, system logs as a page with `hasMore`,
//! `date-time` strings, numeric ids, acknowledgements instead of the stored resource. The mode is
//! chosen per server (`--wire`, `OPENHOUSE_WIRE`) and per request (the `X-Openhouse-Wire`
//! header).
//!
//! Every difference is one row of [`RESHAPES`]: an operation and the [`Step`]s that turn its
//! contract body into the published one. The same rows reshape the answers (the [`reshape`]
//! layer, after the handler) and the OpenAPI document of the published mode
//! ([`published_document`]), so what the document says and what the server sends cannot drift
//! apart. `scripts/wire_shapes.py` finds the operations whose shapes differ between two documents:
//! run on the served published document and Lofty's, it lists none but the published document's
//! own defects it names.

use std::str::FromStr;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use openhouse_domain::error::codes;
use openhouse_domain::{Error, time};
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;

/// The request header that chooses the wire mode of one request: `contract` or `published`.
pub const WIRE_HEADER: HeaderName = HeaderName::from_static("x-openhouse-wire");

/// How responses are shaped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Wire {
    /// As the Lofty Open API v1.0 contract writes.
    #[default]
    Contract,
    /// As Lofty's published OpenAPI document writes, where it differs from the contract.
    Published,
}

impl Wire {
    pub fn as_str(self) -> &'static str {
        match self {
            Wire::Contract => "contract",
            Wire::Published => "published",
        }
    }
}

impl FromStr for Wire {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "contract" => Ok(Wire::Contract),
            "published" => Ok(Wire::Published),
            _ => Err(Error::invalid(format!(
                "{WIRE_HEADER} must be contract or published, not {s:?}"
            ))),
        }
    }
}

/// One change a published answer makes to the contract's.
#[derive(Debug)]
pub enum Step {
    /// The body goes under a key: `[…]` → `{"notes": […]}`.
    Wrap(&'static str),
    /// One object becomes a list: the handler's [`Items`] when it gave them, else `[body]`; a 404
    /// with this code (nothing to list) becomes `[]`.
    List { none: i64 },
    /// A page: `[…]` → `{items: […], more: 0|1}`, from the handler's [`HasMore`].
    Page {
        items: &'static str,
        more: &'static str,
    },
    /// Times at these places, shown `yyyy-MM-dd HH:mm:ss` (UTC) or as epoch milliseconds,
    /// become RFC 3339 `date-time`s.
    Times(&'static [&'static str]),
    /// The members at these places are left out (fields the published document keeps write-only).
    Omit(&'static [&'static str]),
    /// Numbers at these places (ids) become strings.
    Strings(&'static [&'static str]),
    /// JSON documents carried as text at these places become the documents.
    Documents(&'static [&'static str]),
    /// Ids shown as strings at these places become numbers (`""` becomes null).
    Numbers(&'static [&'static str]),
    /// The body becomes an acknowledgement.
    Ack(Ack),
}

/// What an operation acknowledges a write with in the published document.
#[derive(Debug)]
pub enum Ack {
    /// `{"<name>": <the path parameter>}`, e.g. `{"leadId": 1}`.
    PathId(&'static str),
    /// `{"code": 0, "message": "success"}`.
    Envelope,
    /// The JSON string `"success"`.
    Success,
}

/// An operation whose published answer differs from the contract's, and how.
#[derive(Debug)]
pub struct Reshape {
    pub method: Method,
    pub path: &'static str,
    pub steps: &'static [Step],
}

macro_rules! reshape {
    ($method:ident $path:literal => $($step:expr),+ $(,)?) => {
        Reshape { method: Method::$method, path: $path, steps: &[$($step),+] }
    };
}

/// Every operation whose answer the published document shapes differently from the contract
/// (found with `scripts/wire_shapes.py`).
pub static RESHAPES: &[Reshape] = &[
    reshape!(GET "/v1.0/appts" =>
        Step::List { none: codes::RESOURCE_NOT_EXIST },
        Step::Times(&["[].createTime", "[].lastUpdate"]),
    ),
    reshape!(GET "/v1.0/routing/member/list/{type}" => Step::List { none: codes::RESOURCE_NOT_EXIST }),
    reshape!(GET "/v1.0/routing/role/list" => Step::List { none: codes::RESOURCE_NOT_EXIST }),
    reshape!(GET "/v1.0/routing/rule/list/{type}" => Step::List { none: codes::RESOURCE_NOT_EXIST }),
    reshape!(GET "/v1.0/notes" => Step::Wrap("notes")),
    reshape!(GET "/v1.0/notes/{noteId}" => Step::Wrap("note")),
    reshape!(GET "/v1.0/tasks" => Step::Wrap("taskList")),
    reshape!(GET "/v1.0/tasks/{taskId}" => Step::Wrap("task")),
    reshape!(GET "/v1.0/logType" => Step::Wrap("logType")),
    reshape!(GET "/v1.0/logType/{logTypeId}" => Step::Wrap("logType")),
    reshape!(GET "/v1.0/calls/{callId}" => Step::Wrap("calls")),
    reshape!(GET "/v1.0/communication/call" => Step::Wrap("calls")),
    reshape!(GET "/v1.0/communication/call/v2" => Step::Wrap("calls")),
    reshape!(GET "/v1.0/communication/email" => Step::Wrap("emails")),
    reshape!(GET "/v1.0/communication/text" => Step::Wrap("texts")),
    reshape!(GET "/v1.0/systemLogs" =>
        Step::Strings(&["[].id"]),
        Step::Times(&["[].timelineTime", "[].createTime", "[].updateTime"]),
        Step::Documents(&["[].content"]),
        Step::Page { items: "timeLines", more: "hasMore" },
    ),
    reshape!(GET "/v1.0/leads" =>
        Step::Times(&["leads[].leadInquiry.createTime", "leads[].leadInquiry.updateTime"]),
        Step::Omit(&["leads[].leadPropertyList[].priceMin", "leads[].leadPropertyList[].priceMax"]),
    ),
    reshape!(GET "/v1.0/leads/{leadId}" =>
        Step::Times(&["leadInquiry.createTime", "leadInquiry.updateTime"]),
        Step::Omit(&["leadPropertyList[].priceMin", "leadPropertyList[].priceMax"]),
    ),
    reshape!(GET "/v1.0/leads/{leadId}/activities" =>
        Step::Omit(&["[].listing.priceMin", "[].listing.priceMax"]),
    ),
    reshape!(GET "/v1.0/teamFeatures/listTag" => Step::Times(&["[].createTime", "[].updateTime"])),
    reshape!(GET "/v1.0/routing/rule/supplement/{type}" => Step::Numbers(&[
        "assigneeAgentId",
        "assigneeGroupId",
    ])),
    reshape!(POST "/v1.0/leads/{leadId}/activity" => Step::Ack(Ack::PathId("leadId"))),
    reshape!(POST "/v1.0/leads/{leadId}/transaction/property/address" => Step::Ack(Ack::Envelope)),
    reshape!(POST "/v1.0/teamFeatures/custom-field" => Step::Ack(Ack::Success)),
];

fn reshape_of(method: &Method, path: &str) -> Option<&'static Reshape> {
    RESHAPES
        .iter()
        .find(|r| r.method == *method && r.path == path)
}

/// A response extension: whether more entries follow the page (for [`Step::Page`]).
#[derive(Debug, Clone, Copy)]
pub struct HasMore(pub bool);

/// A response extension: every item of a list the contract answers with one of (for
/// [`Step::List`]).
#[derive(Debug, Clone)]
pub struct Items(pub Vec<Value>);

impl Items {
    /// Every item of a list, as the published mode shows it.
    pub fn of<T: serde::Serialize>(list: &[T]) -> Result<Self, Error> {
        list.iter()
            .map(serde_json::to_value)
            .collect::<Result<Vec<_>, _>>()
            .map(Items)
            .map_err(|e| Error::internal(format!("a list could not be shown: {e}")))
    }
}

/// The mode of one request: its header, else the server's.
pub fn mode_of(headers: &axum::http::HeaderMap, default: Wire) -> Result<Wire, Error> {
    match headers.get(&WIRE_HEADER) {
        None => Ok(default),
        Some(v) => v
            .to_str()
            .map_err(|_| Error::invalid(format!("{WIRE_HEADER} must be contract or published")))?
            .parse(),
    }
}

/// The layer that reshapes the answers of the operations in [`RESHAPES`] when the request's
/// mode is `published`. Every other answer passes untouched.
pub async fn reshape(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mode = match mode_of(req.headers(), state.wire) {
        Ok(m) => m,
        Err(e) => return ApiError(e).into_response(),
    };
    let found = match (mode, req.extensions().get::<MatchedPath>()) {
        (Wire::Published, Some(p)) => reshape_of(req.method(), p.as_str()),
        _ => None,
    };
    let Some(found) = found else {
        return next.run(req).await;
    };
    let template = found.path;
    let path = req.uri().path().to_string();
    let response = next.run(req).await;
    let status = response.status();
    let listing_nothing = found
        .steps
        .iter()
        .find_map(|s| match s {
            Step::List { none } => Some(*none),
            _ => None,
        })
        .filter(|_| status == StatusCode::NOT_FOUND);
    if !status.is_success() && listing_nothing.is_none() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError(Error::internal("a response to reshape could not be read"))
                .into_response();
        }
    };
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if let Some(code) = listing_nothing {
        if value.get("code").and_then(Value::as_i64) != Some(code) {
            return Response::from_parts(parts, Body::from(bytes));
        }
        parts.status = StatusCode::OK;
        value = json!([]);
    } else {
        for step in found.steps {
            value = apply(step, value, &parts.extensions, template, &path);
        }
    }
    let out = Bytes::from(serde_json::to_vec(&value).unwrap_or_default());
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(out))
}

fn apply(
    step: &Step,
    value: Value,
    extensions: &axum::http::Extensions,
    template: &str,
    path: &str,
) -> Value {
    match step {
        Step::Wrap(key) => json!({ *key: value }),
        Step::List { .. } => match extensions.get::<Items>() {
            Some(Items(items)) => Value::Array(items.clone()),
            None => json!([value]),
        },
        Step::Page { items, more } => {
            let more_follow = extensions.get::<HasMore>().is_some_and(|m| m.0);
            json!({ *items: value, *more: i32::from(more_follow) })
        }
        Step::Times(places) => {
            let mut value = value;
            for place in *places {
                each_at(&mut value, &parse_place(place), &mut |v| {
                    let t = match v {
                        Value::String(s) => time::shown_to_rfc3339(s),
                        Value::Number(n) => n.as_i64().and_then(time::rfc3339_ms),
                        _ => None,
                    };
                    if let Some(t) = t {
                        *v = Value::String(t);
                    }
                });
            }
            value
        }
        Step::Omit(places) => {
            let mut value = value;
            for place in *places {
                let place = parse_place(place);
                if let Some((Seg::Key(name), parent)) = place.split_last() {
                    each_at(&mut value, parent, &mut |v| {
                        if let Some(members) = v.as_object_mut() {
                            members.remove(*name);
                        }
                    });
                }
            }
            value
        }
        Step::Strings(places) => {
            let mut value = value;
            for place in *places {
                each_at(&mut value, &parse_place(place), &mut |v| {
                    if v.is_number() {
                        *v = Value::String(v.to_string());
                    }
                });
            }
            value
        }
        Step::Documents(places) => {
            let mut value = value;
            for place in *places {
                each_at(&mut value, &parse_place(place), &mut |v| {
                    if let Some(doc) = v.as_str().and_then(|s| serde_json::from_str(s).ok()) {
                        *v = doc;
                    }
                });
            }
            value
        }
        Step::Numbers(places) => {
            let mut value = value;
            for place in *places {
                each_at(&mut value, &parse_place(place), &mut |v| {
                    if let Some(s) = v.as_str() {
                        *v = match s.trim().parse::<i64>() {
                            Ok(n) => json!(n),
                            Err(_) if s.trim().is_empty() => Value::Null,
                            Err(_) => return,
                        };
                    }
                });
            }
            value
        }
        Step::Ack(Ack::PathId(name)) => {
            let id = path_param(template, path, name)
                .and_then(|s| s.parse::<i64>().ok())
                .map_or(Value::Null, |n| json!(n));
            json!({ *name: id })
        }
        Step::Ack(Ack::Envelope) => json!({"code": 0, "message": "success"}),
        Step::Ack(Ack::Success) => json!("success"),
    }
}

/// The value of `{name}` in a path matched by `template`.
fn path_param<'a>(template: &str, path: &'a str, name: &str) -> Option<&'a str> {
    let wanted = format!("{{{name}}}");
    template
        .split('/')
        .zip(path.split('/'))
        .find(|(t, _)| *t == wanted)
        .map(|(_, p)| p)
}

/// A place in a body: `leads[].leadInquiry.createTime` (`[]`: every item of a list).
#[derive(Debug, PartialEq)]
enum Seg<'a> {
    Key(&'a str),
    Each,
}

fn parse_place(place: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    for part in place.split('.') {
        let (key, each) = match part.strip_suffix("[]") {
            Some(k) => (k, true),
            None => (part, false),
        };
        if !key.is_empty() {
            out.push(Seg::Key(key));
        }
        if each {
            out.push(Seg::Each);
        }
    }
    out
}

fn each_at(v: &mut Value, place: &[Seg], f: &mut dyn FnMut(&mut Value)) {
    match place.split_first() {
        None => f(v),
        Some((Seg::Key(k), rest)) => {
            if let Some(inner) = v.get_mut(*k) {
                each_at(inner, rest, f);
            }
        }
        Some((Seg::Each, rest)) => {
            if let Some(items) = v.as_array_mut() {
                for item in items {
                    each_at(item, rest, f);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The published mode's OpenAPI document

/// The OpenAPI document of the published mode: the contract mode's, with the answer of every
/// operation in [`RESHAPES`] reshaped by the same steps.
pub fn published_document(contract: &Value) -> Value {
    let mut doc = contract.clone();
    let components = contract
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or(Value::Null);
    for r in RESHAPES {
        let method = r.method.as_str().to_ascii_lowercase();
        let Some(op) = doc
            .get_mut("paths")
            .and_then(|p| p.get_mut(r.path))
            .and_then(|p| p.get_mut(&method))
        else {
            continue;
        };
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            continue;
        };
        if r.steps.iter().any(|s| matches!(s, Step::List { .. })) {
            // nothing to list is an empty list, not a 404
            if let Some(d) = responses
                .get_mut("404")
                .and_then(|r| r.get_mut("description"))
            {
                *d = json!(
                    "The lead does not exist or is not visible to the caller (20006 LEAD_NOT_EXIST); a lead with nothing to list answers []"
                );
            }
        }
        let Some(schema) = responses
            .get_mut("200")
            .and_then(|r| r.pointer_mut("/content/application~1json/schema"))
        else {
            continue;
        };
        let mut s = schema.take();
        for step in r.steps {
            s = schema_step(step, s, &components);
        }
        *schema = s;
    }
    if let Some(info) = doc.get_mut("info") {
        info["description"] = json!(format!(
            "{} This document describes the `published` wire mode: answers shaped as Lofty's \
             published OpenAPI document shapes them where it differs from the v1.0 contract.",
            info["description"].as_str().unwrap_or("")
        ));
    }
    doc
}

fn schema_step(step: &Step, s: Value, components: &Value) -> Value {
    match step {
        Step::Wrap(key) => json!({"type": "object", "required": [key], "properties": { *key: s }}),
        Step::List { .. } => json!({"type": "array", "items": s}),
        Step::Page { items, more } => json!({
            "type": "object",
            "required": [items, more],
            "properties": {
                *items: s,
                *more: {"type": "integer", "format": "int32", "enum": [0, 1],
                        "description": "1 when more entries follow this page, else 0"},
            }
        }),
        Step::Times(places) => {
            let mut s = s;
            for place in *places {
                schema_at(&mut s, &parse_place(place), components, &mut |leaf| {
                    leaf["type"] = json!("string");
                    leaf["format"] = json!("date-time");
                });
            }
            s
        }
        Step::Omit(places) => {
            let mut s = s;
            for place in *places {
                let place = parse_place(place);
                if let Some((Seg::Key(name), parent)) = place.split_last() {
                    schema_at(&mut s, parent, components, &mut |leaf| {
                        if let Some(p) = leaf.get_mut("properties").and_then(Value::as_object_mut) {
                            p.remove(*name);
                        }
                        if let Some(r) = leaf.get_mut("required").and_then(Value::as_array_mut) {
                            r.retain(|x| x.as_str() != Some(*name));
                        }
                    });
                }
            }
            s
        }
        Step::Strings(places) => {
            let mut s = s;
            for place in *places {
                schema_at(&mut s, &parse_place(place), components, &mut |leaf| {
                    *leaf = retyped(leaf, "string");
                });
            }
            s
        }
        Step::Documents(places) => {
            let mut s = s;
            for place in *places {
                schema_at(&mut s, &parse_place(place), components, &mut |leaf| {
                    *leaf = retyped(leaf, "object");
                });
            }
            s
        }
        Step::Numbers(places) => {
            let mut s = s;
            for place in *places {
                schema_at(&mut s, &parse_place(place), components, &mut |leaf| {
                    leaf["type"] = json!(["integer", "null"]);
                    leaf["format"] = json!("int64");
                });
            }
            s
        }
        Step::Ack(Ack::PathId(name)) => json!({
            "type": "object",
            "required": [name],
            "properties": { *name: {"type": "integer", "format": "int64"} }
        }),
        Step::Ack(Ack::Envelope) => json!({
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "integer", "format": "int32", "description": "0: success"},
                "message": {"type": "string"}
            }
        }),
        Step::Ack(Ack::Success) => json!({"type": "string", "enum": ["success"]}),
    }
}

/// A schema of another type, with the description of `old`.
fn retyped(old: &Value, kind: &str) -> Value {
    let mut s = json!({ "type": kind });
    if let Some(d) = old.get("description") {
        s["description"] = d.clone();
    }
    s
}

/// Calls `f` on the schema at `place`, copying referenced components inline on the way so the
/// change stays with this operation.
fn schema_at(s: &mut Value, place: &[Seg], components: &Value, f: &mut dyn FnMut(&mut Value)) {
    if let Some(name) = s
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        *s = components.get(name).cloned().unwrap_or(Value::Null);
    }
    // an optional value: one of null and the value
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(alts) = s.get_mut(key).and_then(Value::as_array_mut) {
            for alt in alts {
                if alt.get("type") != Some(&json!("null")) {
                    schema_at(alt, place, components, f);
                }
            }
            return;
        }
    }
    match place.split_first() {
        None => f(s),
        Some((Seg::Key(k), rest)) => {
            if let Some(inner) = s.get_mut("properties").and_then(|p| p.get_mut(*k)) {
                schema_at(inner, rest, components, f);
            }
        }
        Some((Seg::Each, rest)) => {
            if let Some(inner) = s.get_mut("items") {
                schema_at(inner, rest, components, f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_and_path_parameters() {
        assert_eq!(
            parse_place("leads[].leadInquiry.createTime"),
            vec![
                Seg::Key("leads"),
                Seg::Each,
                Seg::Key("leadInquiry"),
                Seg::Key("createTime")
            ]
        );
        assert_eq!(
            parse_place("[].createTime"),
            vec![Seg::Each, Seg::Key("createTime")]
        );
        assert_eq!(
            path_param(
                "/v1.0/leads/{leadId}/activity",
                "/v1.0/leads/42/activity",
                "leadId"
            ),
            Some("42")
        );
    }

    #[test]
    fn every_reshaped_operation_is_served() {
        let doc = serde_json::to_value(crate::openapi_document()).unwrap();
        for r in RESHAPES {
            let method = r.method.as_str().to_ascii_lowercase();
            assert!(
                doc.pointer(&format!(
                    "/paths/{}/{method}/responses/200",
                    r.path.replace('/', "~1")
                ))
                .is_some(),
                "{} {} is not an operation with a 200 answer",
                r.method,
                r.path
            );
        }
    }
}
