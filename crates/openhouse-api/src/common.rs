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

// Values some string fields take, named for the OpenAPI document (the fields stay strings in
// Rust): Lofty's published document lists them, and clients switch on them.

/// Which way a call went.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub enum CallDirectionName {
    Outbound,
    Inbound,
}

/// The final status of a call.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub enum CallStatusName {
    Completed,
    Missed,
    Failed,
    Busy,
    NoAnswer,
    VoiceMail,
}

/// A lead's current opportunity type.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub enum OpportunityName {
    #[serde(rename = "High Interest")]
    HighInterest,
    Sell,
    #[serde(rename = "Back to Site")]
    BackToSite,
    #[serde(rename = "Back on Market")]
    BackOnMarket,
}

/// The type of a transaction.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub enum TransactionTypeName {
    Purchase,
    Listing,
    Lease,
    Other,
}

/// The type of a transaction custom field.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub enum TransactionFieldTypeName {
    #[serde(rename = "DATE")]
    Date,
    #[serde(rename = "TEXT")]
    Text,
    #[serde(rename = "NUMBER")]
    Number,
    #[serde(rename = "PERCENTAGE")]
    Percentage,
    #[serde(rename = "Single-Select")]
    SingleSelect,
    #[serde(rename = "Multi-Select")]
    MultiSelect,
    #[serde(rename = "CURRENCY")]
    Currency,
    #[serde(rename = "HTML")]
    Html,
}
