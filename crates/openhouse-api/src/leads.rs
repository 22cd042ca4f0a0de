//! Leads (section 5.5 of the contract): requests, responses and their nested records.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{MetaData, OpportunityName, TransactionTypeName};

/// `Yes` or `No`, as the contract spells them.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum YesNo {
    Yes,
    No,
}

/// Buying or selling time frame.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum TimeFrame {
    #[serde(rename = "1-3")]
    OneToThree,
    #[serde(rename = "3-6")]
    ThreeToSix,
    #[serde(rename = "6-12")]
    SixToTwelve,
    #[serde(rename = "12+")]
    TwelvePlus,
    #[serde(rename = "Just Looking")]
    JustLooking,
    #[serde(rename = "Refinancing")]
    Refinancing,
}

/// Who may see a lead: the whole team, one office, or one agent.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "UPPERCASE")]
pub enum OwnershipScope {
    Team,
    Office,
    #[default]
    Personal,
}

impl OwnershipScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Team => "TEAM",
            Self::Office => "OFFICE",
            Self::Personal => "PERSONAL",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "TEAM" => Some(Self::Team),
            "OFFICE" => Some(Self::Office),
            "PERSONAL" => Some(Self::Personal),
            _ => None,
        }
    }
}

/// A lead's language, by the abbreviations the contract lists.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum Language {
    #[serde(rename = "en")]
    En,
    #[serde(rename = "fr")]
    Fr,
    #[serde(rename = "de")]
    De,
    #[serde(rename = "es")]
    Es,
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "zh-TW")]
    ZhTw,
    #[serde(rename = "ja")]
    Ja,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
            Self::De => "de",
            Self::Es => "es",
            Self::ZhCn => "zh-CN",
            Self::ZhTw => "zh-TW",
            Self::Ja => "ja",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }
}

/// The descriptive fields a lead shares between LeadRequest, EditLeadRequest and LeadResponse,
/// under the same names in all three. Absent fields are left as they are on edit.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LeadProfile {
    /// The birthday of the lead (pattern: MMM d, yyyy)
    #[schema(
        example = "Jun 5, 2001",
        pattern = r"^\s*[A-Za-z]{3} \d{1,2}, \d{4}\s*$"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
    /// Buy a house, Yes or No.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buy_house: Option<YesNo>,
    /// buying time frame, 1-3, 3-6, 6-12, 12+, Just Looking, Refinancing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buying_time_frame: Option<TimeFrame>,
    /// false: can call to the lead
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cannot_call: Option<bool>,
    /// false: can email to the lead
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cannot_email: Option<bool>,
    /// false: can send message to the lead
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cannot_text: Option<bool>,
    /// The city associated with the lead
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// first time home buyer, Yes or No.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fthb: Option<YesNo>,
    /// House to Sell, Yes or No.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub house_to_sell: Option<YesNo>,
    /// A list of family members associated with the lead; up to 4.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_family_member_list: Option<Vec<LeadFamilyMember>>,
    /// Type of lead, expressed by ID: Other (-1), Seller (1), Buyer (2), Buyer & Seller (3), Renter (5)
    #[schema(example = -1)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_type: Option<i32>,
    /// Types of lead, expressed by ID: Other (-1), Seller (1), Buyer (2), Renter (5), Investor (6),
    /// Agent (7), Homeowner (8), Landlord (9)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_types: Option<Vec<i32>>,
    /// Mortgage, Yes or No.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mortgage: Option<YesNo>,
    /// Pre-qual, Yes or No.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_qual: Option<YesNo>,
    /// The referee of the lead
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referred_by: Option<String>,
    /// selling time frame, 1-3, 3-6, 6-12, 12+, Just Looking, Refinancing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selling_time_frame: Option<TimeFrame>,
    /// The state associated with the lead
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The streetAddress associated with the lead
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// Unsubscription the email
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsubscription: Option<bool>,
    /// With buyer Agent, Yes or No.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with_buyer_agent: Option<YesNo>,
    /// With listing agent, Yes or No.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with_listing_agent: Option<YesNo>,
    /// ZipCode
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip_code: Option<String>,
}

/// A family member of a lead.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LeadFamilyMember {
    /// The birthday of the family member (pattern: MMM d, yyyy)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<String>>,
    /// The first name of the family member
    pub first_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Phone numbers (no more than 20 characters each)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phones: Option<Vec<String>>,
    /// The relationship of this family member to the primary lead, e.g. Husband
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relationship: Option<String>,
}

/// A custom field value of a lead.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CustomAttribute {
    /// The name of this custom field
    pub attribute_name: String,
    /// The type of the field: number, text, date, single_select, multi_select, percentage, currency
    pub attribute_type: String,
    /// Options for select, such as {"option":["item1","item2"]}
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<String>,
    /// The content of the field for the lead; for multi-select a JSON array in a string (left
    /// out, `""` or `null`: empty)
    #[serde(default)]
    pub value: String,
}

/// A custom role assigned on a lead.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CustomRole {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<i64>,
    pub role: String,
    pub role_id: i32,
}

/// An area a lead is interested in.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub county: Option<String>,
    /// Description of location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip_code: Option<String>,
}

/// What a lead is looking for (LeadInquiryReq / LeadInquiryRes). `id`, `leadUserId`,
/// `createTime`, `updateTime` and `defaultValue` are set by the server.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LeadInquiry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bathrooms_max: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bathrooms_min: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bedrooms_max: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bedrooms_min: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_value: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_user_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locations: Option<Vec<Location>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modify_by_agent: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_max: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_min: Option<i64>,
    /// Single Family Home, Multi-Family, Condo, Townhouse, Mobile Home, Manufactured Home,
    /// Vacant Land, Commercial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property_type: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
}

/// A property of a lead (LeadPropertyReq / LeadPropertyRes). At least one of `city`, `state`,
/// `zipCode`, `streetAddress` must be non-blank.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LeadProperty {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_listing_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bathrooms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bedrooms: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub county: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floors: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_list: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_user_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listing_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listing_status: Option<String>,
    /// The lot size (acreage).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lot_size: Option<f64>,
    /// True for a mailing address, false for a property address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_address: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parking_space: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picture_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_max: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_listing_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub square_feet: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip_code: Option<String>,
}

/// How a commission amount is given.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum CalculateType {
    Amount,
    Percent,
}

/// Who a commission is paid to.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PayType {
    Agent,
    Brokerage,
    Lead,
    Other,
    Team,
    VendorPartner,
}

/// One commission line of a transaction.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Commission {
    /// AMOUNT (the default) or PERCENT
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calculate_type: Option<CalculateType>,
    /// no more than 512 chars
    #[schema(max_length = 512)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
    /// Given by the server; send it back to keep the line when editing
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// agentId (AGENT: a user of the team), teamId (TEAM: the caller's team) or leadId (LEAD: a
    /// lead of the team)
    pub pay_to: i64,
    /// no more than 255 chars
    #[schema(max_length = 255)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay_to_name: Option<String>,
    pub pay_type: PayType,
    /// agentId, teamId or leadId, as payTo
    pub split_pay_to: i64,
    /// no more than 255 chars
    #[schema(max_length = 255)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split_pay_to_name: Option<String>,
    pub split_pay_type: PayType,
    /// Pay amount in cents, or percentage in hundredths (5023 = 50.23%), by calculateType. In
    /// preSplit and postSplit a value below 0 deducts, otherwise it adds; split values are not
    /// negative and split percentages add up to at most 100%.
    pub value: i64,
}

/// Commissions of a transaction, by stage of the split.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Commissions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_split: Option<Vec<Commission>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_split: Option<Vec<Commission>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split: Option<Vec<Commission>>,
}

/// A value of a transaction custom field.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldRequest {
    /// Custom field id
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// Custom field value; for multi_select: ["Item1","Item2"]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A transaction of a lead. In requests, `transactionId`, `created`, `updated`, `leadName` and
/// `assignedAgent` are ignored: the server sets them. Amounts come back exactly as they were
/// sent (`5000` stays `5000`, `5000.0` stays `5000.0`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LeadTransaction {
    /// The agent revenue of transaction
    #[schema(value_type = Option<f64>, minimum = 0, example = 4000.0)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_revenue: Option<serde_json::Number>,
    /// Epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement_signed_date: Option<i64>,
    /// Epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appointment_date: Option<i64>,
    /// Epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appraisal_date: Option<i64>,
    /// The agent the transaction is assigned to: the lead's assigned agent, unless Brokermint
    /// named one (not supported on update).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_agent: Option<i64>,
    /// The closed date of transaction (epoch milliseconds)
    #[schema(example = 1508580010000_i64)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_date: Option<i64>,
    /// The commission rate of transaction, in percent (0–100)
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 100, example = 3.0)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commission_rate: Option<serde_json::Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commissions: Option<Commissions>,
    /// Epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract_date: Option<i64>,
    /// created time in milliseconds
    #[schema(required = true, example = 1518078026000_i64)]
    #[serde(default)]
    pub created: i64,
    /// Custom field values: the list sent replaces the transaction's (ids from
    /// GET /v1.0/transaction/customfields; a null or blank value clears the field).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Vec<CustomFieldRequest>>,
    /// Epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escrow_date: Option<i64>,
    /// The expected close date of transaction (epoch milliseconds)
    #[schema(example = 1508580010000_i64)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_close_date: Option<i64>,
    /// Epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration: Option<i64>,
    /// The GCI of transaction
    #[schema(value_type = Option<f64>, minimum = 0, example = 5000.0)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gci: Option<serde_json::Number>,
    /// Epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_inspection_date: Option<i64>,
    /// The home price of transaction
    #[schema(value_type = Option<f64>, minimum = 0, example = 1000000.0)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_price: Option<serde_json::Number>,
    /// Lead's name (not supported on update)
    #[schema(example = "Bob")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_name: Option<String>,
    /// Epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer_date: Option<i64>,
    /// The team revenue of transaction
    #[schema(value_type = Option<f64>, minimum = 0, example = 1000.0)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_revenue: Option<serde_json::Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<i64>,
    /// Property address / transaction name: not blank, no '<' or '>', at most 255 characters
    #[schema(example = "123 Main St")]
    pub transaction_name: String,
    /// A stage of the pipeline of the transaction's type, any case (default: its first stage).
    /// Purchase, Lease and Other: Pre-contract, Under Contract, Closed, Cancelled; Listing:
    /// Pre-listing, Active, Under Contract, Closed, Cancelled.
    #[schema(example = "Pre-contract")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_status: Option<String>,
    /// Purchase (default), Listing, Lease or Other
    #[schema(example = "Purchase", value_type = Option<TransactionTypeName>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_type: Option<String>,
    /// updated time in milliseconds (not supported on update)
    #[schema(required = true, example = 1518078026000_i64)]
    #[serde(default)]
    pub updated: i64,
}

/// The body of `POST /v1.0/leads`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeadRequest {
    /// Routing rule scope: -1 for the company rule, an office id for that office's rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assign_group_id: Option<i64>,
    /// Id of the agent assigned to this contact; when given, routing is skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_user_id: Option<i64>,
    /// Note content: added to the lead as a note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// User customized fields
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_attribute_list: Option<Vec<CustomAttribute>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<String>>,
    /// The first/given name of the lead; only the first 30 characters are kept.
    #[schema(example = "Bob", min_length = 1, pattern = r"\S")]
    pub first_name: String,
    /// The groups the lead is in (deprecated alias of segments); 30 characters each.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inquiry: Option<LeadInquiry>,
    /// Pin the note given in `content`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_pin: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// The last/family name of the lead; only the first 30 characters are kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Send a new lead alert email (not supported on update).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_alert: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_transaction: Option<LeadTransaction>,
    /// Deprecated: routing applies whenever assignedUserId is absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_routing: Option<bool>,
    /// Office id (OFFICE) or agent id (PERSONAL) owning the lead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ownership_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ownership_scope: Option<OwnershipScope>,
    /// Phone numbers; only the first 20 characters of each are kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phones: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property: Option<LeadProperty>,
    /// Segments; 30 characters each.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The pipeline stage, at most 20 characters.
    #[schema(max_length = 20)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// Tags; 64 characters each.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Tags added to the existing ones; 64 characters each.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags_add: Option<Vec<String>>,
    /// Send a welcome email (not supported on update).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub welcome_email: Option<bool>,
    #[serde(flatten)]
    pub profile: LeadProfile,
}

/// The body of `PUT /v1.0/leads/{leadId}`: only the fields given change.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EditLeadRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_user_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_attribute_list: Option<Vec<CustomAttribute>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inquiry: Option<LeadInquiry>,
    /// Hide the lead or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_hidden: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_transaction: Option<LeadTransaction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ownership_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ownership_scope: Option<OwnershipScope>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phones: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property: Option<LeadProperty>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// Replaces all tags of the lead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Adds tags, keeping the existing ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags_add: Option<Vec<String>>,
    #[serde(flatten)]
    pub profile: LeadProfile,
}

/// A tag on a lead.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserLeadTagVo {
    pub create_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator_user_id: Option<i64>,
    pub lead_id: i64,
    pub tag_id: i64,
    pub tag_name: String,
    pub update_time: String,
    /// 0: visible to the team
    pub visible_type: i32,
}

/// A lead as the API shows it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LeadResponse {
    /// Whether the whole assignment process is complete
    pub assign_completion_status: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assign_time: Option<String>,
    /// The name of the user the lead is assigned to
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_user_id: Option<i64>,
    pub create_time: String,
    pub custom_attributes: Vec<CustomAttribute>,
    pub custom_role_list: Vec<CustomRole>,
    pub emails: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facebook: Option<String>,
    pub first_name: String,
    /// Deprecated alias of segments.
    pub groups: Vec<String>,
    pub hidden_flag: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_touch: Option<String>,
    pub last_update_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_visit: Option<String>,
    pub lead_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_inquiry: Option<LeadInquiry>,
    pub lead_property_list: Vec<LeadProperty>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_source: Option<i32>,
    pub lead_user_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lender_user_id: Option<i64>,
    /// The lead's current opportunity type (openhouse does not score leads: never set)
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<OpportunityName>)]
    pub opportunity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ownership_id: Option<i64>,
    pub ownership_scope: OwnershipScope,
    /// Status of each phone: invalid (1), valid (2), talked (3), DNC number (4), DNC contact (5)
    pub phone_statuses: Vec<i32>,
    pub phones: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pond_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pond_name: Option<String>,
    pub score: i32,
    pub segments: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage_id: Option<i64>,
    pub tags: Vec<UserLeadTagVo>,
    pub team_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub twitter: Option<String>,
    #[serde(flatten)]
    pub profile: LeadProfile,
}

/// A page of leads.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LeadListResponse {
    #[serde(rename = "_metadata")]
    pub metadata: MetaData,
    pub leads: Vec<LeadResponse>,
}

/// The id of a created or edited lead.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeadIdResponse {
    #[schema(example = 651095960136641_i64)]
    pub lead_id: i64,
}

/// The answer to `DELETE /v1.0/leads/{leadId}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeadTrashResponse {
    pub deleted: bool,
    /// The trashed lead's id, as a string.
    pub lead_id: String,
}
