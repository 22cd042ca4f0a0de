//! `/openapi.json` (the document of the request's wire mode: the server's, or the one its
//! `X-Openhouse-Wire` header or `wire` query parameter names), `/openapi/contract.json` and
//! `/openapi/published.json` (each mode's), and a docs page at `/docs`, with the Swagger UI
//! assets vendored into the binary: nothing is fetched at build or run time.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::error::ApiError;
use crate::wire::{self, Wire};

/// The OpenAPI document of each wire mode, serialized once.
#[derive(Clone)]
pub struct Documents {
    contract: Arc<Vec<u8>>,
    published: Arc<Vec<u8>>,
}

impl Documents {
    pub fn of(doc: &utoipa::openapi::OpenApi) -> Self {
        let contract = serde_json::to_value(doc).expect("serializable OpenAPI document");
        let published = wire::published_document(&contract);
        Self {
            contract: Arc::new(serde_json::to_vec_pretty(doc).expect("serializable document")),
            published: Arc::new(serde_json::to_vec_pretty(&published).expect("serializable")),
        }
    }

    fn of_mode(&self, mode: Wire) -> Response {
        let doc = match mode {
            Wire::Contract => &self.contract,
            Wire::Published => &self.published,
        };
        ([(CONTENT_TYPE, "application/json")], doc.as_ref().clone()).into_response()
    }
}

#[derive(serde::Deserialize)]
struct WhichDocument {
    wire: Option<String>,
}

const INDEX: &str = include_str!("../assets/docs.html");
const BUNDLE: &[u8] = include_bytes!("../assets/swagger-ui-bundle.js");
const CSS: &[u8] = include_bytes!("../assets/swagger-ui.css");

pub fn routes(docs: Documents) -> Router<AppState> {
    let (this, contract, published) = (docs.clone(), docs.clone(), docs);
    Router::new()
        .route(
            "/openapi.json",
            get(
                move |State(state): State<AppState>,
                      headers: HeaderMap,
                      Query(q): Query<WhichDocument>| async move {
                    let mode = match q.wire {
                        Some(w) => w.parse::<Wire>(),
                        None => wire::mode_of(&headers, state.wire),
                    };
                    match mode {
                        Ok(m) => this.of_mode(m),
                        Err(e) => ApiError(e).into_response(),
                    }
                },
            ),
        )
        .route(
            "/openapi/contract.json",
            get(move || async move { contract.of_mode(Wire::Contract) }),
        )
        .route(
            "/openapi/published.json",
            get(move || async move { published.of_mode(Wire::Published) }),
        )
        .route("/docs", get(|| async { Html(INDEX) }))
        .route("/docs/", get(|| async { Html(INDEX) }))
        .route(
            "/docs/swagger-ui-bundle.js",
            get(|| async {
                (
                    [
                        (CONTENT_TYPE, "application/javascript"),
                        (CACHE_CONTROL, "public, max-age=86400"),
                    ],
                    BUNDLE,
                )
                    .into_response()
            }),
        )
        .route(
            "/docs/swagger-ui.css",
            get(|| async {
                (
                    [
                        (CONTENT_TYPE, "text/css"),
                        (CACHE_CONTROL, "public, max-age=86400"),
                    ],
                    CSS,
                )
                    .into_response()
            }),
        )
}
