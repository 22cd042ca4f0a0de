//! The OpenAPI document is generated from the code; `openapi.json` at the repository root is
//! its committed copy (the `contract` wire mode's), `openapi.published.json` the `published`
//! mode's. This test fails when a copy is stale. To refresh them:
//! `OPENHOUSE_BLESS=1 cargo test -p openhouse-server --test openapi`.

use std::path::PathBuf;

#[test]
fn committed_openapi_json_is_current() {
    let doc = openhouse_server::openapi_document();
    let published =
        openhouse_server::wire::published_document(&serde_json::to_value(&doc).unwrap());
    same_as_committed("openapi.json", &doc);
    same_as_committed("openapi.published.json", &published);
}

fn same_as_committed(file: &str, doc: &impl serde::Serialize) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(file);
    let generated = serde_json::to_string_pretty(doc).unwrap() + "\n";
    if std::env::var("OPENHOUSE_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{file} is stale: run `OPENHOUSE_BLESS=1 cargo test -p openhouse-server --test openapi` and commit it"
    );
}

#[test]
fn every_operation_declares_errors_and_security() {
    let doc = serde_json::to_value(openhouse_server::openapi_document()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            for code in ["200", "400", "401", "429"] {
                assert!(
                    responses.contains_key(code),
                    "{method} {path} does not document {code}"
                );
            }
        }
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["securitySchemes"]["token"].is_object());
}
