//! The one error type of openhouse. Every failure a caller can cause has a kind (which decides
//! the HTTP status at the edge) and a numeric code: Lofty's published code where it has one
//! (20006 LEAD_NOT_EXIST, 20012 INVALID_PARAMETER, ...), otherwise the HTTP status.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    TooManyRequests,
    Internal,
    /// The storage cannot take or serve the request right now (full, I/O error, read-only,
    /// locked beyond the wait, unreachable): 503 with `Retry-After`. Nothing was changed.
    Unavailable,
}

impl ErrorKind {
    /// A failure of the server or its storage rather than of the request: a write that meets
    /// one stops and rolls back whole.
    pub fn is_server_side(self) -> bool {
        matches!(self, Self::Internal | Self::Unavailable)
    }
}

/// Lofty's published error codes used by openhouse.
pub mod codes {
    pub const LEAD_NOT_EXIST: i64 = 20006;
    pub const RESOURCE_NOT_EXIST: i64 = 20007;
    pub const INVALID_PARAMETER: i64 = 20012;
    pub const PERMISSION_DENIED: i64 = 20017;
    pub const USER_NOT_EXIST: i64 = 20003;
    pub const LIMIT_NOT_VALID: i64 = 20042;
    pub const PARAMETER_TOO_LONG: i64 = 20043;
    pub const PROPERTY_ADDRESS_EMPTY: i64 = 200057;
    pub const LEAD_PROPERTY_NOT_EXIST: i64 = 200108;
    pub const TRANSACTION_NOT_EXIST: i64 = 200060;
    /// TRANSACTION_NAME_BLANK and TRANSACTION_NAME_HTML share it.
    pub const TRANSACTION_NAME_INVALID: i64 = 200062;
    pub const TRANSACTION_STATUS_INVALID: i64 = 200125;
    /// An app (vendor) calls what its scopes or its registration do not allow.
    pub const VENDOR_HAS_NO_PERMISSION: i64 = 200100;
    // openhouse's own, for 503s: which storage condition refused the request
    /// The disk (or the database's size limit) is full.
    pub const STORAGE_FULL: i64 = 50301;
    /// The disk answered with an I/O error.
    pub const STORAGE_IO_ERROR: i64 = 50302;
    /// The database cannot be written (read-only file or database, immutable file).
    pub const STORAGE_READ_ONLY: i64 = 50303;
    /// Another program held the database locked past the wait.
    pub const STORAGE_BUSY: i64 = 50304;
    /// The database cannot be reached (PostgreSQL down or restarting, the pool exhausted).
    pub const STORAGE_UNREACHABLE: i64 = 50305;
    /// The SQLite file was moved or removed under the running server.
    pub const STORAGE_FILE_GONE: i64 = 50306;
    /// The team's routing configuration changed while a new lead was routed by the copy this
    /// process kept (PostgreSQL): the create is run again with the new one, so callers never
    /// see it.
    pub const ROUTING_CHANGED: i64 = 50307;
    /// More request writes are waiting for the database than the server lets wait
    /// (`--max-waiting-writes`): refused at once rather than queued without bound.
    pub const OVERLOADED: i64 = 50308;
    /// The server's SMTP server or SMS gateway could not take a message (unreachable, timed
    /// out, a transient refusal, a misconfigured credential): nothing was sent or recorded.
    pub const MESSAGING_UNAVAILABLE: i64 = 50309;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub code: i64,
    pub message: String,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, code: i64, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
        }
    }
    /// 400 INVALID_PARAMETER.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, codes::INVALID_PARAMETER, message)
    }
    /// 400 PARAMETER_TOO_LONG.
    pub fn too_long(field: &str, max: usize) -> Self {
        Self::new(
            ErrorKind::BadRequest,
            codes::PARAMETER_TOO_LONG,
            format!("{field} is longer than {max} characters"),
        )
    }
    /// 400 LIMIT_NOT_VALID.
    pub fn limit_not_valid(min: i64, max: i64) -> Self {
        Self::new(
            ErrorKind::BadRequest,
            codes::LIMIT_NOT_VALID,
            format!("limit must be between {min} and {max}"),
        )
    }
    /// 404 LEAD_NOT_EXIST: also what another team's lead looks like.
    pub fn lead_not_found() -> Self {
        Self::new(
            ErrorKind::NotFound,
            codes::LEAD_NOT_EXIST,
            "lead does not exist",
        )
    }
    /// 404 for any other record.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            codes::RESOURCE_NOT_EXIST,
            format!("{what} does not exist"),
        )
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthorized, 401, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, codes::PERMISSION_DENIED, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, 409, message)
    }
    /// 503: the storage refused; `code` names the condition (see [`codes`]).
    pub fn unavailable(code: i64, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, code, message)
    }
    /// An unexpected failure: logged at the edge, shown to the caller without details.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, 500, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for Error {}
