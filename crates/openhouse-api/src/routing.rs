//! Lead routing (section 5.4), and openhouse's own additions: creating, ordering and deleting
//! rules, the team's routing time zone, and offers (Next Up, Blast Alert) and their claims.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Active hours of a rule: the days and hours, in the team's routing time zone, when it
/// applies. Absent: always.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ActiveHours {
    /// Active day list, between 1 and 7 (1 Monday … 7 Sunday); empty: every day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = json!([1, 2, 3, 4, 5]))]
    pub active_days: Option<Vec<i32>>,
    /// Active hours end, between 0 and 23 (inclusive: the rule applies until hh:59).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 17, minimum = 0, maximum = 23)]
    pub hours_end: Option<i32>,
    /// Active hours start, between 0 and 23; a start after the end wraps past midnight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 9, minimum = 0, maximum = 23)]
    pub hours_start: Option<i32>,
}

/// Where a rule's leads are: each setting is a comma-separated list of accepted values
/// (compared without case). Seller leads are matched by their property, others by
/// `inquiry.locations`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LocationRule {
    /// City setting
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// County setting
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub county: Option<String>,
    /// Location match type: MATCH_EXACTLY(1), EMPTY_OR_MATCH(2)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 1)]
    pub location_match_type: Option<i32>,
    /// State setting
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "NL")]
    pub state: Option<String>,
    /// StreetAddress setting
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// Zipcode setting
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zipcode: Option<String>,
}

/// A member's share of a rule's leads.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MemberWeight {
    /// Member first name, edit don't need this param
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Member last name, edit don't need this param
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Member id
    pub member_id: i64,
    /// Member weight (1-100; default 1). Round Robin gives each member this share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 1, minimum = 1, maximum = 100)]
    pub weight: Option<i32>,
}

/// How a rule hands out the leads it matches.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RoutingStrategy {
    /// The lead pond (Lead Pond only)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
    /// The lead pond's name (answers only)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// The members and their weights (all but Lead Pond); empty: every member routable for
    /// the rule's type, weight 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_weights: Option<Vec<MemberWeight>>,
    /// Strategy type: Next Up(1), Blast Alert(2), Round Robin(3), Lead Pond(4)
    #[schema(example = 3)]
    pub strategy_type: i32,
    /// Minutes an offer waits for a claim (Next Up and Blast Alert): 1-60, or a multiple of 60
    /// up to 1440.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 30)]
    pub touch_minutes: Option<i32>,
}

/// A routing rule.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RoutingRule {
    /// Active hours setting
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_hours: Option<ActiveHours>,
    /// openhouse: the scope the rule routes in: -1 the company, or an office id (a lead
    /// created with that `assignGroupId`, or owned by that office).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = -1)]
    pub assign_group_id: Option<i64>,
    /// Group (segment) match type: MATCH_EXACTLY(1), EMPTY_OR_MATCH(2)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_match_type: Option<i32>,
    /// Lead segment name list
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_names: Option<Vec<String>>,
    /// Rule id
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// lead type: Other(-1), Seller(1), Buyer(2), B&S(3), Renter(5); a comma-separated list
    /// matches any of them
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "2")]
    pub lead_type: Option<String>,
    /// multi lead type: a JSON list of filters on the lead's `leadTypes`, each `one_of` (any
    /// of the ids) or `all` (every id)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "[{\"type\":\"one_of\",\"ids\":\"2,5\"}]")]
    pub lead_type_filters: Option<String>,
    /// Location rule
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_rule: Option<LocationRule>,
    /// Rule name
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phone setting: 'With', 'Without', '' (either)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "With")]
    pub phone: Option<String>,
    /// Price max
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_max: Option<i64>,
    /// Price min
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_min: Option<i64>,
    /// openhouse: the rule's place in the order rules are tried in (1: first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// openhouse: for ASSISTANT_LEAD rules, the role they assign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<i32>,
    /// The routing strategy
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_strategy: Option<RoutingStrategy>,
    /// Rule switch: a rule that is off never matches
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_switch: Option<bool>,
    /// Lead source match type: MATCH_EXACTLY(1), EMPTY_OR_MATCH(2)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_match_type: Option<i32>,
    /// Lead source name (a comma-separated list matches any of them)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    /// Tag match type: MATCH_EXACTLY(1), EMPTY_OR_MATCH(2)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_match_type: Option<i32>,
    /// Lead tag name list
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_names: Option<Vec<String>>,
    /// Update time (epoch milliseconds)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_time: Option<i64>,
}

/// The body of `PUT /v1.0/routing/rule/{type}`: a rule's active hours and strategy.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RoutingRuleRequest {
    /// Active hours setting (absent: unchanged)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_hours: Option<ActiveHours>,
    /// Rule id
    pub id: i64,
    /// The routing strategy (absent: unchanged)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_strategy: Option<RoutingStrategy>,
}

/// The default rule of a routing type: what happens to a lead no rule matches.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SupplementRoutingRule {
    /// The default assignee (DEFAULT_ASSIGNEE)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_agent_name: Option<String>,
    /// The default office (DEFAULT_ASSIGNEE, AGENT_LEAD): its members in turn
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_group_name: Option<String>,
    /// Routing type: AGENT_LEAD(1), LENDER_LEAD(2), ASSISTANT_LEAD(4)
    pub business_type: i32,
    /// Role id
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<i32>,
    /// Strategy type: Next_Up(1), BLAST_ALERT(2), DEFAULT_ASSIGNEE(3); 0: none set (leads no
    /// rule matches stay unassigned)
    pub strategy_type: i32,
    /// Only next up and blast alert are affected
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub touch_minutes: Option<i32>,
    /// Update time (epoch milliseconds; 0: never set)
    pub update_time: i64,
}

/// The body of `PUT /v1.0/routing/rule/supplement/{type}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SupplementRoutingRuleRequest {
    /// Only default assignee are affected
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_agent_id: Option<i64>,
    /// Only default assignee and routing type is AGENT_LEAD are affected
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_group_id: Option<i64>,
    /// Role id, This parameter is required when type == 4
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<i32>,
    /// Strategy type: Next_Up(1), BLAST_ALERT(2), DEFAULT_ASSIGNEE(3)
    #[schema(example = 3)]
    pub strategy_type: i32,
    /// Only next up and blast alert are affected
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub touch_minutes: Option<i32>,
}

/// A member (or pond) leads of a routing type can go to.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AssignMember {
    /// Member id (or pond id)
    pub id: i64,
    /// Member name
    pub name: String,
    /// Member type: Agent(1), Lender(2), Pond(3)
    #[serde(rename = "type")]
    pub member_type: i32,
}

/// A role leads can be routed to (ASSISTANT_LEAD).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AssignRole {
    /// Role id
    pub id: i64,
    /// Role name
    pub name: String,
}

/// openhouse: the body of `PUT /v1.0/routing/rule/order/{type}`: every rule of the type (and
/// role), in the order they are to be tried.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RoutingOrderRequest {
    pub rule_ids: Vec<i64>,
}

/// openhouse: the team's routing settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RoutingSettings {
    /// The IANA time zone active hours are read in (default America/Los_Angeles).
    #[schema(example = "America/New_York")]
    pub time_zone_id: String,
}

/// openhouse: a lead offered to members by Next Up or Blast Alert, waiting for a claim.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RoutingOffer {
    pub lead_id: i64,
    /// Routing type: AGENT_LEAD(1), LENDER_LEAD(2), ASSISTANT_LEAD(4)
    pub business_type: i32,
    /// The rule that made the offer (0: the default rule).
    pub rule_id: i64,
    /// Next Up(1) or Blast Alert(2)
    pub strategy_type: i32,
    /// The members the lead is offered to now.
    pub offered_to: Vec<i64>,
    /// When the offer runs out (epoch milliseconds).
    pub expires_at: i64,
}
