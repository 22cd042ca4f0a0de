//! `/healthz` and `/readyz`, outside the API and its gate.
//!
//! - `/healthz` says the process is alive and answering: 200 whenever it can answer at all. It
//!   does not touch the database, so an orchestrator does not restart a server that is only
//!   waiting for its storage.
//! - `/readyz` says whether it can serve: migrations done, the lead search index built, a real
//!   write commits (this node's beat in `server_nodes`), and no storage fault met in the last
//!   30 seconds. 503 with `{"code", "message", "checks"}` when not, naming what is wrong.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use openhouse_domain::error::codes;
use serde_json::json;

use crate::AppState;
use crate::error::RETRY_AFTER_SECONDS;

pub async fn healthz() -> Response {
    (StatusCode::OK, Json(json!({"status": "ok"}))).into_response()
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    let r = state.store.readiness().await;
    let checks = json!({
        "migrated": r.migrated,
        "searchIndexBuilt": r.index_ready,
        "writable": r.writable.is_ok(),
        "storageFault": r.fault.map(|f| f.condition.name()),
    });
    if r.ready() {
        return (
            StatusCode::OK,
            Json(json!({"status": "ready", "checks": checks})),
        )
            .into_response();
    }
    let (code, message) = if let Err(e) = &r.writable {
        (e.code, e.message.clone())
    } else if let Some(f) = r.fault {
        (f.condition.code(), f.condition.message().to_string())
    } else if !r.migrated {
        (
            codes::STORAGE_UNREACHABLE,
            "the database schema is not up to date".to_string(),
        )
    } else {
        (
            codes::STORAGE_UNREACHABLE,
            "the lead search index is being built".to_string(),
        )
    };
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, RETRY_AFTER_SECONDS)],
        Json(json!({"code": code, "message": message, "status": "unavailable", "checks": checks})),
    )
        .into_response()
}
