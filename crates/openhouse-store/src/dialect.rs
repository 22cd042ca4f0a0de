//! Where SQLite's and PostgreSQL's SQL itself behaves differently. (What the store does
//! differently per backend is listed in docs/DESIGN.md.)
//!
//! - LIKE: SQLite's is case-insensitive for ASCII, PostgreSQL's is not. Callers only match
//!   columns stored lower-cased (lead emails, listing street, building and property-type keys,
//!   feed lists) or digits only (phones) against lower-cased patterns, or a fixed lower-case
//!   literal (the alerts' `"inquiry"` check of a lead's document), so both behave the same; the
//!   escape character is given explicitly.

use sea_orm::sea_query::LikeExpr;

/// `%value%` with LIKE's wildcards in `value` escaped.
pub fn contains(value: &str) -> LikeExpr {
    let escaped = value
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}
