//! `/openapi.json` and a docs page at `/docs`, with the Swagger UI assets vendored into the
//! binary: nothing is fetched at build or run time.

use std::sync::Arc;

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{Html, IntoResponse};
use axum::routing::get;

use crate::AppState;

const INDEX: &str = include_str!("../assets/docs.html");
const BUNDLE: &[u8] = include_bytes!("../assets/swagger-ui-bundle.js");
const CSS: &[u8] = include_bytes!("../assets/swagger-ui.css");

pub fn routes(doc: Arc<Vec<u8>>) -> Router<AppState> {
    Router::new()
        .route(
            "/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { ([(CONTENT_TYPE, "application/json")], doc.as_ref().clone()) }
            }),
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
