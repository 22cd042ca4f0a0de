//! Bodies shared by every resource: errors and paging metadata.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The body of every error response: a numeric code (Lofty's published code where it has one,
/// otherwise the HTTP status) and a human-readable message.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Lofty's error code (e.g. 20006 LEAD_NOT_EXIST, 20012 INVALID_PARAMETER, 20042 LIMIT_NOT_VALID)
    /// or the HTTP status where Lofty publishes none.
    pub code: i64,
    pub message: String,
}

/// The body of a 429 response, exactly as Lofty sends it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TooManyRequestsBody {
    pub message: String,
}

/// Paging metadata of every list response (`_metadata`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MetaData {
    /// The element of the array
    pub collection: String,
    /// Quantitative limitation of responded elements
    pub limit: i32,
    /// Start index of the responded elements
    pub offset: i64,
    /// The sum of retrieved elements
    pub total: i64,
    /// Scroll ID for the search: pass it back as `scrollId` to retrieve the next batch.
    /// Absent when there is nothing more to read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scroll_id: Option<String>,
}
