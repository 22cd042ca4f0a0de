//! Lead transactions beyond the transaction itself (section 5.5.17 – 5.5.23): the property
//! address, the team's transaction custom fields; and the Brokermint callbacks (5.5.1, 5.5.2).
//! `LeadTransaction`, `Commissions` and `CustomFieldRequest` live in [`crate::leads`], since
//! lead create and edit carry them too.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::TransactionFieldTypeName;

/// The address of a transaction's property. Setting it replaces the whole address: fields
/// left out are cleared.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LeadTransactionPropertyAddress {
    /// The city
    #[schema(example = "Los Angeles", max_length = 255)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// The county
    #[schema(example = "Los Angeles", max_length = 255)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub county: Option<String>,
    /// The label
    #[schema(example = "Investment", max_length = 255)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The state
    #[schema(example = "CA", max_length = 255)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The street address
    #[schema(example = "100 W 1st St", max_length = 255)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// The transaction whose property this is: required when setting the address.
    #[schema(example = 10001_i64)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<i64>,
    /// The unit
    #[schema(example = "1", max_length = 255)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The zip code
    #[schema(example = "90012", max_length = 255)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip_code: Option<String>,
}

/// A custom field that transactions of the team can carry.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldResponse {
    /// Custom field id
    pub id: i64,
    /// Custom field name
    pub name: String,
    /// For Single-Select and Multi-Select: the options, a JSON array of `{"label", "value"}`
    #[schema(example = r#"[{"label":"Option A","value":"1"},{"label":"Option B","value":"2"}]"#)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<String>,
    /// Custom field type: DATE, TEXT, NUMBER, PERCENTAGE, Single-Select, Multi-Select, CURRENCY
    /// or HTML
    #[serde(rename = "type")]
    #[schema(value_type = TransactionFieldTypeName)]
    pub field_type: String,
}

/// A contact pushed by Brokermint. A blank field counts as not sent.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Contacts {
    /// Street address: the lead's streetAddress
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Private in Brokermint: a new lead is PERSONAL (the caller's) when true or absent, TEAM
    /// when false
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bm_private: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Buyer, Seller, Renter/Tenant, Investor, Agent, Homeowner, Landlord (any case; others are
    /// Other): added to the lead's leadTypes
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_type: Option<String>,
    /// Added to the lead's emails; finds the lead when no lead has the externalId yet
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Brokermint's id of the contact: the key of the upsert
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Required to create a lead
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The lead's source
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_source: Option<String>,
    /// Added to the lead's phones
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The lead's zipCode
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
}

/// A `java.util.Date` as Jackson describes it: `time` (epoch milliseconds) when given, else
/// `year` (since 1900), `month` (0–11), `date` (day of the month), `hours`, `minutes`,
/// `seconds`, `nanos` on a wall clock `timezoneOffset` minutes behind UTC.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Timestamp {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<i32>,
    /// Day of the week (ignored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nanos: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone_offset: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
}

/// A time Brokermint sends: epoch milliseconds, an ISO-8601 date-time (with an offset; without
/// one it is UTC) or a date, or a Timestamp object.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(untagged)]
pub enum BrokermintTime {
    Millis(i64),
    Text(String),
    Object(Timestamp),
}

/// A transaction pushed by Brokermint. Fields absent (or blank) leave the transaction's as
/// they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IncomingTransaction {
    /// The offer acceptance date: the transaction's contractDate
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acceptance_date: Option<BrokermintTime>,
    /// Street address of the property: the property address's streetAddress (and the name of
    /// a new transaction)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The user of the team who owns the transaction: its assignedAgent. A new transaction goes
    /// on this agent's (default: the caller's) most recently changed lead that came from
    /// Brokermint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<i64>,
    /// Ignored: the agent's name is the user's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// The actual close date: closeDate
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<BrokermintTime>,
    /// The scheduled closing date: expectedCloseDate
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closing_date: Option<BrokermintTime>,
    /// expiration
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<BrokermintTime>,
    /// The key of the upsert: a transaction earlier calls made for this Brokermint id, else the
    /// openhouse transaction with this id, else a new one. Required.
    #[schema(required = true, example = 10001_i64)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// homePrice
    #[schema(value_type = Option<f64>, minimum = 0)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<serde_json::Number>,
    /// Ignored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub representing: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Closed or Cancelled (any case) move the transaction to that stage; other values are
    /// ignored
    #[schema(example = "Closed")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Purchase, Listing, Lease or Other; other values are ignored
    #[schema(example = "Purchase")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_type: Option<String>,
    /// The property address's zipCode
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
}

/// What a Brokermint callback did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BrokermintResponse {
    /// 0: applied
    pub code: i32,
    /// created, updated or unchanged
    #[schema(example = "created")]
    pub message: String,
    /// The lead the contact is, or the transaction is on
    pub lead_id: i64,
    /// The transaction (transaction callbacks only)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<i64>,
}
