//! Storage faults: which database errors mean "the storage cannot take this now" (a 503 the
//! client retries) rather than a bug (a 500), and the one record of the condition the storage is
//! in, so each condition is logged once when it begins and once when it clears, and `/readyz`
//! can say what is wrong.
//!
//! Every database error of the store passes [`crate::db_err`], which asks [`classify`]; a write
//! that commits clears the condition ([`cleared`]).

use std::ops::Deref;
use std::sync::Mutex;

use openhouse_domain::Error;
use openhouse_domain::error::codes;
use openhouse_domain::time;
use sea_orm::{DbErr, RuntimeErr};

/// A condition of the storage that refuses requests until it clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Full,
    IoError,
    ReadOnly,
    Busy,
    Unreachable,
    FileGone,
}

impl Condition {
    pub fn code(self) -> i64 {
        match self {
            Self::Full => codes::STORAGE_FULL,
            Self::IoError => codes::STORAGE_IO_ERROR,
            Self::ReadOnly => codes::STORAGE_READ_ONLY,
            Self::Busy => codes::STORAGE_BUSY,
            Self::Unreachable => codes::STORAGE_UNREACHABLE,
            Self::FileGone => codes::STORAGE_FILE_GONE,
        }
    }

    /// What the client is told (and the log says).
    pub fn message(self) -> &'static str {
        match self {
            Self::Full => "the database's storage is full: nothing was changed; retry later",
            Self::IoError => {
                "the database's storage failed to read or write: nothing was changed; retry later"
            }
            Self::ReadOnly => "the database cannot be written: nothing was changed; retry later",
            Self::Busy => {
                "the database is locked by another program: nothing was changed; retry later"
            }
            Self::Unreachable => "the database cannot be reached: nothing was changed; retry later",
            Self::FileGone => {
                "the database file was moved or removed under the server: nothing was changed"
            }
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::IoError => "io_error",
            Self::ReadOnly => "read_only",
            Self::Busy => "busy",
            Self::Unreachable => "unreachable",
            Self::FileGone => "file_gone",
        }
    }

    pub fn error(self) -> Error {
        Error::unavailable(self.code(), self.message())
    }
}

/// The storage condition in force: the last one met, and when, until a write commits.
#[derive(Debug, Clone, Copy)]
pub struct Fault {
    pub condition: Condition,
    /// When it was first met (epoch ms).
    pub since: i64,
    /// When it was last met (epoch ms).
    pub last: i64,
}

static FAULT: Mutex<Option<Fault>> = Mutex::new(None);

/// The condition the storage is in, if a request met one and no write has committed since.
pub fn fault() -> Option<Fault> {
    *FAULT.lock().unwrap_or_else(|e| e.into_inner())
}

/// Notes that a request met `condition`; logs it when it is new.
pub(crate) fn met(condition: Condition, detail: &dyn std::fmt::Display) {
    let now = time::now_ms();
    let mut f = FAULT.lock().unwrap_or_else(|e| e.into_inner());
    match f.as_mut() {
        Some(cur) if cur.condition == condition => cur.last = now,
        _ => {
            tracing::error!(
                condition = condition.name(),
                error = %detail,
                "storage fault: {}; requests that need it answer 503 until it clears",
                condition.message()
            );
            *f = Some(Fault {
                condition,
                since: now,
                last: now,
            });
        }
    }
}

/// Notes that a write committed: any condition in force has cleared.
pub(crate) fn cleared() {
    let mut f = FAULT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(cur) = f.take() {
        tracing::warn!(
            condition = cur.condition.name(),
            lasted_ms = time::now_ms() - cur.since,
            "storage recovered: writes commit again"
        );
    }
}

/// SQLite's primary result codes that are conditions of the storage, not of the request.
fn sqlite_condition(code: i64) -> Option<Condition> {
    match code & 0xff {
        13 => Some(Condition::Full),                   // SQLITE_FULL
        10 | 14 | 11 | 26 => Some(Condition::IoError), // IOERR, CANTOPEN, CORRUPT, NOTADB
        8 => Some(Condition::ReadOnly),                // SQLITE_READONLY
        5 | 6 => Some(Condition::Busy),                // SQLITE_BUSY, SQLITE_LOCKED
        15 => Some(Condition::Busy),                   // SQLITE_PROTOCOL (WAL lock race)
        _ => None,
    }
}

/// PostgreSQL SQLSTATEs that are conditions of the server, not of the request.
fn postgres_condition(state: &str) -> Option<Condition> {
    match state {
        "53100" => Some(Condition::Full),     // disk_full
        "25006" => Some(Condition::ReadOnly), // read_only_sql_transaction (a standby)
        "40001" | "40P01" | "55P03" | "57014" => Some(Condition::Busy),
        s if s.starts_with("53") || s.starts_with("58") => Some(Condition::IoError),
        s if s.starts_with("08") || s.starts_with("57P") => Some(Condition::Unreachable),
        _ => None,
    }
}

/// [`crate::db_err`] for the in-process SQLite reads.
pub(crate) fn rusqlite_err(e: rusqlite::Error) -> Error {
    if let rusqlite::Error::SqliteFailure(f, _) = &e
        && let Some(c) = sqlite_condition(i64::from(f.extended_code))
    {
        met(c, &e);
        return c.error();
    }
    tracing::error!(error = %e, "database error");
    Error::internal("internal error")
}

/// Whether a database error is a condition of the storage (and which).
pub fn classify(e: &DbErr) -> Option<Condition> {
    let sqlx = match e {
        DbErr::ConnectionAcquire(_) => return Some(Condition::Unreachable),
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e.deref(),
        DbErr::Conn(_) => return Some(Condition::Unreachable),
        _ => return None,
    };
    use sea_orm::sqlx::Error as X;
    match sqlx {
        X::Database(d) => {
            let code = d.code()?;
            if let Ok(n) = code.parse::<i64>() {
                sqlite_condition(n)
            } else {
                postgres_condition(&code)
            }
        }
        X::Io(_) | X::Tls(_) | X::PoolTimedOut | X::PoolClosed | X::WorkerCrashed => {
            Some(Condition::Unreachable)
        }
        X::Protocol(_) => Some(Condition::Unreachable),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_codes() {
        assert_eq!(sqlite_condition(13), Some(Condition::Full));
        assert_eq!(sqlite_condition(778), Some(Condition::IoError)); // SQLITE_IOERR_WRITE
        assert_eq!(sqlite_condition(1032), Some(Condition::ReadOnly)); // READONLY_DBMOVED
        assert_eq!(sqlite_condition(517), Some(Condition::Busy)); // BUSY_SNAPSHOT
        assert_eq!(sqlite_condition(2067), None); // CONSTRAINT_UNIQUE: a bug or a request's
        assert_eq!(sqlite_condition(1), None);
    }

    #[test]
    fn postgres_states() {
        assert_eq!(postgres_condition("53100"), Some(Condition::Full));
        assert_eq!(postgres_condition("57P01"), Some(Condition::Unreachable));
        assert_eq!(postgres_condition("08006"), Some(Condition::Unreachable));
        assert_eq!(postgres_condition("40P01"), Some(Condition::Busy));
        assert_eq!(postgres_condition("23505"), None);
    }
}
