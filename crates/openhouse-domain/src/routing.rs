//! Lead routing's rules: what a rule, a default (supplement) rule and an edit may hold, which
//! leads a rule matches, and how Round Robin shares leads out. No I/O: the store keeps rules,
//! positions and offers, and calls these.
//!
//! Decisions where neither the contract nor Lofty's published document says (README, "Lead
//! routing"):
//! - `leadType` is a comma-separated list of lead type ids; a lead matches when its `leadType`
//!   or one of its `leadTypes` is in it. `leadTypeFilters` is a JSON list of `{"type":
//!   "one_of"|"all", "ids": "1,2"}` filters on the lead's types, all of which must hold.
//! - Location, source settings are comma-separated lists of accepted values, compared without
//!   case. MATCH_EXACTLY(1, the default): the lead must have a matching value; EMPTY_OR_MATCH(2):
//!   a lead with no value matches too. Tags and segments match when the lead has any of them.
//! - Seller leads (lead type 1, or 1 among `leadTypes`) are matched by their properties' places
//!   and prices, the others by `inquiry`; Buyer & Seller (3) by both.
//! - A price range matches a lead whose price (or price range) overlaps it; a lead with no price
//!   does not match a rule that sets one.
//! - Active days 1 (Monday) to 7 (Sunday); hours inclusive (9-17 is 09:00 to 17:59); a start
//!   after the end wraps past midnight; read in the team's routing time zone.

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;
use openhouse_api::{
    ActiveHours, LocationRule, MemberWeight, RoutingRule, RoutingStrategy,
    SupplementRoutingRuleRequest,
};
use serde::Deserialize;

use crate::Error;
use crate::lead::{Lead, ROLE_ASSISTANT};

/// The routing business types (the `{type}` of the 5.4 paths).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BusinessType {
    Agent,
    Lender,
    Assistant,
}

impl BusinessType {
    pub const ALL: [BusinessType; 3] = [Self::Agent, Self::Lender, Self::Assistant];

    pub fn code(self) -> i32 {
        match self {
            Self::Agent => 1,
            Self::Lender => 2,
            Self::Assistant => 4,
        }
    }

    /// The type of a path's `{type}`; 400 BUSINESS_TYPE_ERROR for any other number.
    pub fn parse(code: i32) -> Result<Self, Error> {
        match code {
            1 => Ok(Self::Agent),
            2 => Ok(Self::Lender),
            4 => Ok(Self::Assistant),
            _ => Err(Error::invalid(format!(
                "BUSINESS_TYPE_ERROR: type is AGENT_LEAD(1), LENDER_LEAD(2) or ASSISTANT_LEAD(4), not {code}"
            ))),
        }
    }

    /// The role id rules of this type are kept under: the assistant role for ASSISTANT_LEAD
    /// (`roleId`, required; the only assign role a team has), -1 for the others.
    pub fn role(self, role_id: Option<i32>) -> Result<i32, Error> {
        match self {
            Self::Assistant => match role_id {
                Some(ROLE_ASSISTANT) => Ok(ROLE_ASSISTANT),
                Some(r) => Err(Error::invalid(format!(
                    "INVAID_ROLE_ID: no assign role has id {r} (see GET /v1.0/routing/role/list)"
                ))),
                None => Err(Error::invalid(
                    "INVAID_ROLE_ID: roleId is required when type is ASSISTANT_LEAD(4)",
                )),
            },
            _ => Ok(-1),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Lender => "lender",
            Self::Assistant => "assistant",
        }
    }
}

/// A rule's strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    NextUp,
    BlastAlert,
    RoundRobin,
    LeadPond,
    /// The default rule's DEFAULT_ASSIGNEE.
    DefaultAssignee,
}

impl Strategy {
    /// A rule's `strategyType`.
    pub fn of_rule(code: i32, t: BusinessType) -> Result<Self, Error> {
        let s = match code {
            1 => Self::NextUp,
            2 => Self::BlastAlert,
            3 => Self::RoundRobin,
            4 => Self::LeadPond,
            _ => {
                return Err(Error::invalid(format!(
                    "STRATEGY_TYPE_ERROR: strategyType is Next Up(1), Blast Alert(2), Round Robin(3) or Lead Pond(4), not {code}"
                )));
            }
        };
        let allowed = match t {
            BusinessType::Agent => true,
            BusinessType::Lender => s != Self::LeadPond,
            BusinessType::Assistant => s == Self::RoundRobin,
        };
        if !allowed {
            return Err(not_match(s, t));
        }
        Ok(s)
    }

    /// A default rule's `strategyType`.
    pub fn of_supplement(code: i32, t: BusinessType) -> Result<Self, Error> {
        let s = match code {
            1 => Self::NextUp,
            2 => Self::BlastAlert,
            3 => Self::DefaultAssignee,
            _ => {
                return Err(Error::invalid(format!(
                    "STRATEGY_TYPE_ERROR: strategyType is Next_Up(1), BLAST_ALERT(2) or DEFAULT_ASSIGNEE(3), not {code}"
                )));
            }
        };
        if t == BusinessType::Assistant && s != Self::DefaultAssignee {
            return Err(not_match(s, t));
        }
        Ok(s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::NextUp => "Next Up",
            Self::BlastAlert => "Blast Alert",
            Self::RoundRobin => "Round Robin",
            Self::LeadPond => "Lead Pond",
            Self::DefaultAssignee => "Default Assignee",
        }
    }

    /// Whether the strategy offers the lead and waits for a claim.
    pub fn offers(self) -> bool {
        matches!(self, Self::NextUp | Self::BlastAlert)
    }
}

fn not_match(s: Strategy, t: BusinessType) -> Error {
    Error::invalid(format!(
        "STRATEGY_TYPE_NOT_MATCH: {} is not a strategy for {} leads",
        s.name(),
        t.name()
    ))
}

/// `touchMinutes`: 1-60, or a multiple of 60 up to 1440 (a day).
pub fn check_touch_minutes(m: Option<i32>) -> Result<i32, Error> {
    let m = m.unwrap_or(0);
    if (1..=60).contains(&m) || (m > 60 && m <= 1440 && m % 60 == 0) {
        Ok(m)
    } else {
        Err(Error::invalid(format!(
            "INVAID_TOUCHMINUTES: touchMinutes is 1 to 60, or a multiple of 60 up to 1440, not {m}"
        )))
    }
}

fn check_hours(h: &ActiveHours) -> Result<ActiveHours, Error> {
    let mut days = h.active_days.clone().unwrap_or_default();
    if let Some(d) = days.iter().find(|d| !(1..=7).contains(*d)) {
        return Err(Error::invalid(format!(
            "INVAID_ACTIVE_DAY: active days are 1 (Monday) to 7 (Sunday), not {d}"
        )));
    }
    days.sort_unstable();
    days.dedup();
    for v in [h.hours_start, h.hours_end].into_iter().flatten() {
        if !(0..=23).contains(&v) {
            return Err(Error::invalid(format!(
                "INVAID_ACTIVE_HOURS: hours are 0 to 23, not {v}"
            )));
        }
    }
    Ok(ActiveHours {
        active_days: Some(days),
        hours_start: Some(h.hours_start.unwrap_or(0)),
        hours_end: Some(h.hours_end.unwrap_or(23)),
    })
}

fn check_match_type(field: &str, m: Option<i32>) -> Result<Option<i32>, Error> {
    match m {
        None | Some(1) | Some(2) => Ok(m),
        Some(v) => Err(Error::invalid(format!(
            "{field} is MATCH_EXACTLY(1) or EMPTY_OR_MATCH(2), not {v}"
        ))),
    }
}

/// A lead type filter of `leadTypeFilters`.
#[derive(Debug, Clone, Deserialize)]
struct TypeFilter {
    #[serde(rename = "type")]
    kind: String,
    ids: String,
}

fn parse_ids(field: &str, s: &str) -> Result<Vec<i32>, Error> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<i32>()
                .ok()
                .filter(|t| crate::lead::LEAD_TYPES_MULTI.contains(t))
                .ok_or_else(|| Error::invalid(format!("{field}: {p:?} is not a lead type id")))
        })
        .collect()
}

fn parse_filters(s: &str) -> Result<Vec<(bool, Vec<i32>)>, Error> {
    if s.trim().is_empty() {
        return Ok(Vec::new());
    }
    let fs: Vec<TypeFilter> = serde_json::from_str(s).map_err(|_| {
        Error::invalid(
            "leadTypeFilters is a JSON list of {\"type\": \"one_of\"|\"all\", \"ids\": \"1,2\"}",
        )
    })?;
    fs.into_iter()
        .map(|f| {
            let all = match f.kind.as_str() {
                "all" => true,
                "one_of" => false,
                other => {
                    return Err(Error::invalid(format!(
                        "leadTypeFilters: type is one_of or all, not {other:?}"
                    )));
                }
            };
            Ok((all, parse_ids("leadTypeFilters", &f.ids)?))
        })
        .collect()
}

fn clean_list(v: &Option<Vec<String>>) -> Option<Vec<String>> {
    v.as_ref().map(|l| {
        let mut out: Vec<String> = Vec::new();
        for s in l.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(s)) {
                out.push(s.to_string());
            }
        }
        out
    })
}

fn clean_text(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// A new rule as given (`POST /v1.0/routing/rule/{type}`), cleaned and checked; `members`
/// are the team's members routable for the type, `ponds` its pond ids. `id`, `updateTime` and
/// `priority` are left for the store.
pub fn check_rule(
    r: &RoutingRule,
    t: BusinessType,
    members: &[i64],
    ponds: &[i64],
) -> Result<RoutingRule, Error> {
    let name = clean_text(&r.name).unwrap_or_else(|| "Rule".to_string());
    if name.chars().count() > 100 {
        return Err(Error::too_long("name", 100));
    }
    if let Some(lt) = &r.lead_type {
        parse_ids("leadType", lt)?;
    }
    if let Some(f) = &r.lead_type_filters {
        parse_filters(f)?;
    }
    let location = match &r.location_rule {
        Some(l) => Some(LocationRule {
            city: clean_text(&l.city),
            county: clean_text(&l.county),
            state: clean_text(&l.state),
            street_address: clean_text(&l.street_address),
            zipcode: clean_text(&l.zipcode),
            location_match_type: check_match_type(
                "locationRule.locationMatchType",
                l.location_match_type,
            )?,
        }),
        None => None,
    };
    if let (Some(lo), Some(hi)) = (r.price_min, r.price_max)
        && lo > hi
    {
        return Err(Error::invalid("priceMin is above priceMax"));
    }
    let phone = match clean_text(&r.phone).as_deref() {
        None => None,
        Some(p) if p.eq_ignore_ascii_case("with") => Some("With".to_string()),
        Some(p) if p.eq_ignore_ascii_case("without") => Some("Without".to_string()),
        Some(p) => {
            return Err(Error::invalid(format!(
                "phone is 'With', 'Without' or '', not {p:?}"
            )));
        }
    };
    let hours = r.active_hours.as_ref().map(check_hours).transpose()?;
    let strategy = check_strategy(
        r.routing_strategy
            .as_ref()
            .ok_or_else(|| Error::invalid("STRATEGY_TYPE_ERROR: routingStrategy is required"))?,
        t,
        members,
        ponds,
    )?;
    Ok(RoutingRule {
        active_hours: hours,
        assign_group_id: Some(r.assign_group_id.unwrap_or(-1)),
        group_match_type: check_match_type("groupMatchType", r.group_match_type)?,
        group_names: clean_list(&r.group_names),
        id: None,
        lead_type: clean_text(&r.lead_type),
        lead_type_filters: clean_text(&r.lead_type_filters),
        location_rule: location,
        name: Some(name),
        phone,
        price_max: r.price_max,
        price_min: r.price_min,
        priority: None,
        role_id: None,
        routing_strategy: Some(strategy),
        rule_switch: Some(r.rule_switch.unwrap_or(true)),
        source_match_type: check_match_type("sourceMatchType", r.source_match_type)?,
        source_name: clean_text(&r.source_name),
        tag_match_type: check_match_type("tagMatchType", r.tag_match_type)?,
        tag_names: clean_list(&r.tag_names),
        update_time: None,
    })
}

/// A rule's strategy, checked against the type and the team.
pub fn check_strategy(
    s: &RoutingStrategy,
    t: BusinessType,
    members: &[i64],
    ponds: &[i64],
) -> Result<RoutingStrategy, Error> {
    let kind = Strategy::of_rule(s.strategy_type, t)?;
    let mut out = RoutingStrategy {
        strategy_type: s.strategy_type,
        ..Default::default()
    };
    if kind == Strategy::LeadPond {
        let pond = s.group_id.unwrap_or(0);
        if !ponds.contains(&pond) {
            return Err(Error::invalid(format!(
                "INVAID_GROUP_ID: the team has no lead pond {pond}"
            )));
        }
        out.group_id = Some(pond);
        return Ok(out);
    }
    if kind.offers() {
        out.touch_minutes = Some(check_touch_minutes(s.touch_minutes)?);
    }
    let mut weights: Vec<MemberWeight> = Vec::new();
    for w in s.member_weights.iter().flatten() {
        if !members.contains(&w.member_id) {
            return Err(Error::invalid(format!(
                "INVAID_MEMBER_WEIGHT: member {} cannot take {} leads",
                w.member_id,
                t.name()
            )));
        }
        let weight = w.weight.unwrap_or(1);
        if !(1..=100).contains(&weight) {
            return Err(Error::invalid(format!(
                "INVAID_MEMBER_WEIGHT: a weight is 1 to 100, not {weight}"
            )));
        }
        if weights.iter().any(|o| o.member_id == w.member_id) {
            return Err(Error::invalid(format!(
                "INVAID_MEMBER_WEIGHT: member {} is listed twice",
                w.member_id
            )));
        }
        weights.push(MemberWeight {
            member_id: w.member_id,
            weight: Some(weight),
            first_name: None,
            last_name: None,
        });
    }
    out.member_weights = Some(weights);
    Ok(out)
}

/// A default rule as given, checked: (strategy, touch minutes, agent, office).
pub fn check_supplement(
    r: &SupplementRoutingRuleRequest,
    t: BusinessType,
    members: &[i64],
    offices: &[i64],
) -> Result<(Strategy, i32, i64, i64), Error> {
    let s = Strategy::of_supplement(r.strategy_type, t)?;
    if s != Strategy::DefaultAssignee {
        return Ok((s, check_touch_minutes(r.touch_minutes)?, 0, 0));
    }
    let agent = r.assignee_agent_id.filter(|a| *a > 0);
    let group = r.assignee_group_id.filter(|g| *g > 0);
    match (agent, group) {
        (Some(a), None) => {
            if !members.contains(&a) {
                return Err(Error::invalid(format!(
                    "INVAID_ID: member {a} cannot take {} leads",
                    t.name()
                )));
            }
            Ok((s, 0, a, 0))
        }
        (None, Some(g)) if t == BusinessType::Agent => {
            if !offices.contains(&g) {
                return Err(Error::invalid(format!(
                    "INVAID_ID: the team has no office {g}"
                )));
            }
            Ok((s, 0, 0, g))
        }
        (None, Some(_)) => Err(Error::invalid(
            "INVAID_ID: assigneeGroupId is for AGENT_LEAD only; give assigneeAgentId",
        )),
        _ => Err(Error::invalid(
            "INVAID_ID: DEFAULT_ASSIGNEE takes exactly one of assigneeAgentId and assigneeGroupId",
        )),
    }
}

/// An edit of a rule (`PUT /v1.0/routing/rule/{type}`): its active hours and strategy.
pub fn edit_rule(
    rule: &RoutingRule,
    hours: Option<&ActiveHours>,
    strategy: Option<&RoutingStrategy>,
    t: BusinessType,
    members: &[i64],
    ponds: &[i64],
) -> Result<RoutingRule, Error> {
    let mut out = rule.clone();
    if let Some(h) = hours {
        out.active_hours = Some(check_hours(h)?);
    }
    if let Some(s) = strategy {
        out.routing_strategy = Some(check_strategy(s, t, members, ponds)?);
    }
    Ok(out)
}

/// What a rule looks at in a lead, gathered once per lead.
#[derive(Debug, Clone, Default)]
pub struct LeadFacts {
    types: Vec<i32>,
    /// (city, county, state, street, zip) of each place the lead is matched by.
    places: Vec<[String; 5]>,
    /// (min, max) price ranges; a single price is (p, p).
    prices: Vec<(i64, i64)>,
    source: Option<String>,
    tags: Vec<String>,
    segments: Vec<String>,
    has_phone: bool,
}

impl LeadFacts {
    pub fn of(l: &Lead) -> Self {
        let p = &l.doc.profile;
        let mut types: Vec<i32> = p.lead_types.clone().unwrap_or_default();
        if let Some(t) = p.lead_type {
            types.push(t);
        }
        let seller = types.contains(&1) || types.contains(&3);
        let buyer = types.iter().any(|t| *t != 1) || types.is_empty();
        let low = |s: &Option<String>| s.as_deref().unwrap_or("").trim().to_lowercase();
        let mut places = Vec::new();
        let mut prices = Vec::new();
        if seller {
            for pr in &l.doc.properties {
                places.push([
                    low(&pr.city),
                    low(&pr.county),
                    low(&pr.state),
                    low(&pr.street_address),
                    low(&pr.zip_code),
                ]);
                if let Some(v) = pr.price {
                    prices.push((v, v));
                } else if pr.price_min.is_some() || pr.price_max.is_some() {
                    prices.push((pr.price_min.unwrap_or(0), pr.price_max.unwrap_or(i64::MAX)));
                }
            }
        }
        if buyer && let Some(i) = &l.doc.inquiry {
            for loc in i.locations.iter().flatten() {
                places.push([
                    low(&loc.city),
                    low(&loc.county),
                    low(&loc.state_code),
                    low(&loc.street_address),
                    low(&loc.zip_code),
                ]);
            }
            if i.price_min.is_some() || i.price_max.is_some() {
                prices.push((i.price_min.unwrap_or(0), i.price_max.unwrap_or(i64::MAX)));
            }
        }
        Self {
            types,
            places,
            prices,
            source: l
                .source
                .as_deref()
                .map(|s| s.trim().to_lowercase())
                .filter(|s| !s.is_empty()),
            tags: l.doc.tags.iter().map(|t| t.name.to_lowercase()).collect(),
            segments: l.doc.segments.iter().map(|s| s.to_lowercase()).collect(),
            has_phone: !l.doc.phones.is_empty(),
        }
    }
}

fn accepted(setting: &Option<String>) -> Vec<String> {
    setting
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Whether a criterion holds: `has` the lead has a value, `hit` one of them is accepted.
fn criterion(match_type: Option<i32>, has: bool, hit: bool) -> bool {
    hit || (match_type == Some(2) && !has)
}

/// A local time as routing reads it: ISO weekday (1 Monday) and hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub weekday: i32,
    pub hour: i32,
}

impl LocalTime {
    /// `now_ms` in the zone `tz` (an IANA name; UTC when unknown).
    pub fn at(now_ms: i64, tz: &str) -> Self {
        let utc = DateTime::<Utc>::from_timestamp_millis(now_ms).unwrap_or_default();
        let zone: Tz = tz.parse().unwrap_or(Tz::UTC);
        let local = utc.with_timezone(&zone);
        Self {
            weekday: local.weekday().number_from_monday() as i32,
            hour: local.hour() as i32,
        }
    }
}

/// Whether `tz` names a time zone.
pub fn check_time_zone(tz: &str) -> Result<String, Error> {
    tz.trim()
        .parse::<Tz>()
        .map(|z| z.name().to_string())
        .map_err(|_| Error::invalid(format!("timeZoneId {tz:?} is not an IANA time zone")))
}

/// Whether active hours cover a local time.
pub fn active_at(h: Option<&ActiveHours>, at: LocalTime) -> bool {
    let Some(h) = h else { return true };
    let start = h.hours_start.unwrap_or(0);
    let end = h.hours_end.unwrap_or(23);
    let days = h.active_days.as_deref().unwrap_or(&[]);
    let in_window = if start <= end {
        (start..=end).contains(&at.hour)
    } else {
        at.hour >= start || at.hour <= end
    };
    if !in_window {
        return false;
    }
    if days.is_empty() {
        return true;
    }
    // in the part of a wrapped window after midnight, the day is the one the window began on
    let day = if start > end && at.hour <= end {
        (at.weekday + 5) % 7 + 1
    } else {
        at.weekday
    };
    days.contains(&day)
}

/// Whether a rule takes a lead at a local time.
pub fn matches(r: &RoutingRule, f: &LeadFacts, at: LocalTime) -> bool {
    Matcher::of(r).matches(f, at)
}

/// A rule read once for matching ([`matches`]): its lists split and lowercased, so a process
/// that keeps its rules matches each new lead without parsing them again.
#[derive(Debug, Clone)]
pub struct Matcher {
    off: bool,
    hours: Option<ActiveHours>,
    types: Vec<i32>,
    type_filters: Vec<(bool, Vec<i32>)>,
    /// city, county, state, street, zip code: the accepted values of each.
    location: [Vec<String>; 5],
    location_match: Option<i32>,
    price: Option<(i64, i64)>,
    sources: Vec<String>,
    source_match: Option<i32>,
    tags: Vec<String>,
    tag_match: Option<i32>,
    segments: Vec<String>,
    segment_match: Option<i32>,
    phone: Option<bool>,
}

impl Matcher {
    pub fn of(r: &RoutingRule) -> Self {
        let names = |n: &Option<Vec<String>>| -> Vec<String> {
            n.iter()
                .flatten()
                .map(|s| s.trim().to_lowercase())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let loc = r.location_rule.as_ref();
        let part = |f: fn(&LocationRule) -> &Option<String>| {
            loc.map(|l| accepted(f(l))).unwrap_or_default()
        };
        Self {
            off: r.rule_switch == Some(false),
            hours: r.active_hours.clone(),
            types: r
                .lead_type
                .as_deref()
                .map(|lt| parse_ids("leadType", lt).unwrap_or_default())
                .unwrap_or_default(),
            type_filters: r
                .lead_type_filters
                .as_deref()
                .map(|fs| parse_filters(fs).unwrap_or_default())
                .unwrap_or_default(),
            location: [
                part(|l| &l.city),
                part(|l| &l.county),
                part(|l| &l.state),
                part(|l| &l.street_address),
                part(|l| &l.zipcode),
            ],
            location_match: loc.and_then(|l| l.location_match_type),
            price: (r.price_min.is_some() || r.price_max.is_some())
                .then(|| (r.price_min.unwrap_or(0), r.price_max.unwrap_or(i64::MAX))),
            sources: accepted(&r.source_name),
            source_match: r.source_match_type,
            tags: names(&r.tag_names),
            tag_match: r.tag_match_type,
            segments: names(&r.group_names),
            segment_match: r.group_match_type,
            phone: match r.phone.as_deref() {
                Some("With") => Some(true),
                Some("Without") => Some(false),
                _ => None,
            },
        }
    }

    /// Whether a lead with facts `f`, coming in at `at`, matches the rule.
    pub fn matches(&self, f: &LeadFacts, at: LocalTime) -> bool {
        if self.off || !active_at(self.hours.as_ref(), at) {
            return false;
        }
        if !self.types.is_empty() && !self.types.iter().any(|t| f.types.contains(t)) {
            return false;
        }
        for (all, ids) in &self.type_filters {
            let ok = if *all {
                ids.iter().all(|t| f.types.contains(t))
            } else {
                ids.iter().any(|t| f.types.contains(t))
            };
            if !ok {
                return false;
            }
        }
        let fields = &self.location;
        if fields.iter().any(|a| !a.is_empty()) {
            // a place "has" a value when it names any of the parts the rule sets
            let relevant: Vec<&[String; 5]> = f
                .places
                .iter()
                .filter(|p| (0..5).any(|i| !fields[i].is_empty() && !p[i].is_empty()))
                .collect();
            let hit = relevant
                .iter()
                .any(|p| (0..5).all(|i| fields[i].is_empty() || fields[i].contains(&p[i])));
            if !criterion(self.location_match, !relevant.is_empty(), hit) {
                return false;
            }
        }
        if let Some((lo, hi)) = self.price
            && !f.prices.iter().any(|(a, b)| *a <= hi && *b >= lo)
        {
            return false;
        }
        if !self.sources.is_empty() {
            let hit = f.source.as_ref().is_some_and(|s| self.sources.contains(s));
            if !criterion(self.source_match, f.source.is_some(), hit) {
                return false;
            }
        }
        for (want, match_type, have) in [
            (&self.tags, self.tag_match, &f.tags),
            (&self.segments, self.segment_match, &f.segments),
        ] {
            if want.is_empty() {
                continue;
            }
            let hit = have.iter().any(|h| want.contains(h));
            if !criterion(match_type, !have.is_empty(), hit) {
                return false;
            }
        }
        match self.phone {
            Some(with) => f.has_phone == with,
            None => true,
        }
    }
}

/// The member the `n`th lead (from 0) of a Round Robin goes to: smooth weighted round robin,
/// so over any run of leads each member's count stays within one of its exact share, and
/// members with equal weights alternate. `weights` are (member, weight ≥ 1), in a fixed order.
pub fn round_robin(weights: &[(i64, i64)], n: u64) -> Option<i64> {
    if weights.is_empty() {
        return None;
    }
    let total: i64 = weights.iter().map(|w| w.1.max(1)).sum();
    // the sequence repeats every `total` leads: walk to n's place in one cycle
    let steps = n % total as u64;
    let mut current = vec![0i64; weights.len()];
    let mut pick = 0;
    for _ in 0..=steps {
        for (c, w) in current.iter_mut().zip(weights) {
            *c += w.1.max(1);
        }
        pick = (0..current.len())
            .max_by_key(|i| (current[*i], std::cmp::Reverse(*i)))
            .unwrap_or(0);
        current[pick] -= total;
    }
    Some(weights[pick].0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openhouse_api::{LeadInquiry, LeadProperty, Location};

    fn at(weekday: i32, hour: i32) -> LocalTime {
        LocalTime { weekday, hour }
    }

    fn buyer_in(city: &str) -> Lead {
        let mut l = Lead::default();
        l.doc.profile.lead_type = Some(2);
        l.doc.inquiry = Some(LeadInquiry {
            locations: Some(vec![Location {
                city: Some(city.into()),
                state_code: Some("TX".into()),
                ..Default::default()
            }]),
            price_min: Some(300_000),
            price_max: Some(400_000),
            ..Default::default()
        });
        l
    }

    fn rule() -> RoutingRule {
        RoutingRule {
            routing_strategy: Some(RoutingStrategy {
                strategy_type: 3,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn location_matches_inquiry_for_buyers_and_property_for_sellers() {
        let mut r = rule();
        r.location_rule = Some(LocationRule {
            city: Some("Austin, Dallas".into()),
            ..Default::default()
        });
        assert!(matches(&r, &LeadFacts::of(&buyer_in("austin")), at(1, 10)));
        assert!(!matches(
            &r,
            &LeadFacts::of(&buyer_in("Houston")),
            at(1, 10)
        ));
        let mut seller = Lead::default();
        seller.doc.profile.lead_type = Some(1);
        seller.doc.properties.push(LeadProperty {
            city: Some("Dallas".into()),
            ..Default::default()
        });
        // a seller's inquiry is not where it is
        seller.doc.inquiry = buyer_in("Houston").doc.inquiry;
        assert!(matches(&r, &LeadFacts::of(&seller), at(1, 10)));
        // no place at all: only EMPTY_OR_MATCH takes it
        let nowhere = Lead::default();
        assert!(!matches(&r, &LeadFacts::of(&nowhere), at(1, 10)));
        r.location_rule.as_mut().unwrap().location_match_type = Some(2);
        assert!(matches(&r, &LeadFacts::of(&nowhere), at(1, 10)));
        assert!(!matches(
            &r,
            &LeadFacts::of(&buyer_in("Houston")),
            at(1, 10)
        ));
    }

    #[test]
    fn price_ranges_overlap() {
        let mut r = rule();
        r.price_min = Some(350_000);
        assert!(matches(&r, &LeadFacts::of(&buyer_in("Austin")), at(1, 0)));
        r.price_min = Some(450_000);
        assert!(!matches(&r, &LeadFacts::of(&buyer_in("Austin")), at(1, 0)));
        assert!(!matches(&r, &LeadFacts::of(&Lead::default()), at(1, 0)));
    }

    #[test]
    fn types_sources_tags_segments_phone() {
        let mut l = buyer_in("Austin");
        l.source = Some("Zillow".into());
        l.doc.phones.push("555".into());
        l.doc.segments.push("VIP".into());
        let f = LeadFacts::of(&l);
        let mut r = rule();
        r.lead_type = Some("1,2".into());
        assert!(matches(&r, &f, at(1, 0)));
        r.lead_type = Some("5".into());
        assert!(!matches(&r, &f, at(1, 0)));
        r.lead_type = None;
        r.lead_type_filters = Some(r#"[{"type":"all","ids":"2,5"}]"#.into());
        assert!(!matches(&r, &f, at(1, 0)));
        r.lead_type_filters = Some(r#"[{"type":"one_of","ids":"2,5"}]"#.into());
        assert!(matches(&r, &f, at(1, 0)));
        r.source_name = Some("zillow".into());
        assert!(matches(&r, &f, at(1, 0)));
        r.source_name = Some("Realtor".into());
        assert!(!matches(&r, &f, at(1, 0)));
        r.source_name = None;
        r.tag_names = Some(vec!["Hot".into()]);
        assert!(!matches(&r, &f, at(1, 0)));
        r.tag_match_type = Some(2);
        assert!(
            matches(&r, &f, at(1, 0)),
            "no tags: EMPTY_OR_MATCH takes it"
        );
        r.tag_names = None;
        r.group_names = Some(vec!["vip".into()]);
        assert!(matches(&r, &f, at(1, 0)));
        r.phone = Some("Without".into());
        assert!(!matches(&r, &f, at(1, 0)));
        r.phone = Some("With".into());
        assert!(matches(&r, &f, at(1, 0)));
        r.rule_switch = Some(false);
        assert!(!matches(&r, &f, at(1, 0)));
    }

    #[test]
    fn active_hours_wrap_past_midnight_on_the_starting_day() {
        let h = ActiveHours {
            active_days: Some(vec![5]),
            hours_start: Some(22),
            hours_end: Some(2),
        };
        assert!(active_at(Some(&h), at(5, 23)));
        assert!(
            active_at(Some(&h), at(6, 1)),
            "Saturday 01:00 is Friday's night"
        );
        assert!(
            !active_at(Some(&h), at(5, 1)),
            "Friday 01:00 is Thursday's night"
        );
        assert!(!active_at(Some(&h), at(6, 22)));
        let day = ActiveHours {
            active_days: Some(vec![1, 2, 3, 4, 5]),
            hours_start: Some(9),
            hours_end: Some(17),
        };
        assert!(active_at(Some(&day), at(1, 17)));
        assert!(!active_at(Some(&day), at(1, 18)));
        assert!(!active_at(Some(&day), at(7, 10)));
        // Sunday after Monday: 7 wraps to 1
        let sun = ActiveHours {
            active_days: Some(vec![7]),
            hours_start: Some(20),
            hours_end: Some(3),
        };
        assert!(active_at(Some(&sun), at(1, 2)));
    }

    #[test]
    fn local_time_is_read_in_the_zone() {
        // 2026-12-04 (a Friday) 03:30 UTC is Thursday 19:30 in Los Angeles
        let ms = 1_796_355_000_000;
        assert_eq!(LocalTime::at(ms, "UTC"), at(5, 3));
        assert_eq!(LocalTime::at(ms, "America/Los_Angeles"), at(4, 19));
    }

    #[test]
    fn round_robin_keeps_each_share_within_one() {
        let w = [(10, 3), (20, 1), (30, 2)];
        let mut counts = [0i64; 3];
        for n in 0..1000u64 {
            let m = round_robin(&w, n).unwrap();
            let i = w.iter().position(|x| x.0 == m).unwrap();
            counts[i] += 1;
            for (j, c) in counts.iter().enumerate() {
                let exact = (n + 1) as f64 * w[j].1 as f64 / 6.0;
                assert!((*c as f64 - exact).abs() <= 1.0, "lead {n}: {counts:?}");
            }
        }
        assert_eq!(round_robin(&[(7, 1), (8, 1)], 0), Some(7));
        assert_eq!(round_robin(&[(7, 1), (8, 1)], 1), Some(8));
        assert_eq!(round_robin(&[], 1), None);
    }

    #[test]
    fn checks_name_the_published_codes() {
        let e = check_touch_minutes(Some(90)).unwrap_err();
        assert!(e.message.starts_with("INVAID_TOUCHMINUTES"));
        assert_eq!(check_touch_minutes(Some(120)).unwrap(), 120);
        assert!(BusinessType::parse(3).is_err());
        assert!(BusinessType::Assistant.role(None).is_err());
        assert_eq!(BusinessType::Assistant.role(Some(4)).unwrap(), 4);
        assert!(Strategy::of_rule(4, BusinessType::Lender).is_err());
        assert!(Strategy::of_rule(1, BusinessType::Assistant).is_err());
        assert!(Strategy::of_supplement(1, BusinessType::Assistant).is_err());
        let e = check_strategy(
            &RoutingStrategy {
                strategy_type: 3,
                member_weights: Some(vec![MemberWeight {
                    member_id: 99,
                    ..Default::default()
                }]),
                ..Default::default()
            },
            BusinessType::Agent,
            &[1, 2],
            &[],
        )
        .unwrap_err();
        assert!(e.message.starts_with("INVAID_MEMBER_WEIGHT"));
    }
}
