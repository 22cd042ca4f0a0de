//! The few places where SQLite and PostgreSQL differ, kept in one module.
//!
//! - LIKE: SQLite's is case-insensitive for ASCII, PostgreSQL's is not. Callers only match
//!   keys that are stored lower-cased (emails) or digits only (phones) against lower-cased
//!   patterns, so both behave the same; the escape character is given explicitly.

use sea_orm::sea_query::LikeExpr;

/// `%value%` with LIKE's wildcards in `value` escaped.
pub fn contains(value: &str) -> LikeExpr {
    let escaped = value
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}
