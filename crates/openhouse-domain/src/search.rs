//! The lead search: filters, sort orders, paging and the scroll cursor.
//!
//! Scrolling is keyset paging: the cursor carries the query and the (sort value, id) of the last
//! lead served, and the next page starts strictly after it. Leads added while a client scrolls
//! can therefore never shift a page: nothing is skipped and nothing is served twice.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::Error;

/// The sort orders of `GET /v1.0/leads`, spelled as the contract spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeadSort {
    Default,
    LastContact,
    LastCall,
    LastEmail,
    LastActivity,
    CreateTime,
    UpdateTime,
    Inquries,
    DeleteTime,
    AssignTime,
    Score,
    Activity,
    Communication,
    HasDrip,
    HasAlert,
    Task,
    Lender,
    ActivitySearch,
    ActivityViews,
    ActivityFavorites,
    DripStatus,
    DripOpenRate,
    AlertFrequency,
    AlertOpenRate,
    #[serde(rename = "SCOREV2")]
    ScoreV2,
    SmartPlanStatus,
}

impl LeadSort {
    /// Every order a caller may name (UpdateTime is internal to `/v1.0/leads/updateTime`).
    pub const PUBLIC: [LeadSort; 25] = [
        Self::Default,
        Self::LastContact,
        Self::LastCall,
        Self::LastEmail,
        Self::LastActivity,
        Self::CreateTime,
        Self::Inquries,
        Self::DeleteTime,
        Self::AssignTime,
        Self::Score,
        Self::Activity,
        Self::Communication,
        Self::HasDrip,
        Self::HasAlert,
        Self::Task,
        Self::Lender,
        Self::ActivitySearch,
        Self::ActivityViews,
        Self::ActivityFavorites,
        Self::DripStatus,
        Self::DripOpenRate,
        Self::AlertFrequency,
        Self::AlertOpenRate,
        Self::ScoreV2,
        Self::SmartPlanStatus,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Default => "Default",
            Self::LastContact => "LastContact",
            Self::LastCall => "LastCall",
            Self::LastEmail => "LastEmail",
            Self::LastActivity => "LastActivity",
            Self::CreateTime => "CreateTime",
            Self::UpdateTime => "UpdateTime",
            Self::Inquries => "Inquries",
            Self::DeleteTime => "DeleteTime",
            Self::AssignTime => "AssignTime",
            Self::Score => "Score",
            Self::Activity => "Activity",
            Self::Communication => "Communication",
            Self::HasDrip => "HasDrip",
            Self::HasAlert => "HasAlert",
            Self::Task => "Task",
            Self::Lender => "Lender",
            Self::ActivitySearch => "ActivitySearch",
            Self::ActivityViews => "ActivityViews",
            Self::ActivityFavorites => "ActivityFavorites",
            Self::DripStatus => "DripStatus",
            Self::DripOpenRate => "DripOpenRate",
            Self::AlertFrequency => "AlertFrequency",
            Self::AlertOpenRate => "AlertOpenRate",
            Self::ScoreV2 => "SCOREV2",
            Self::SmartPlanStatus => "SmartPlanStatus",
        }
    }

    /// Parses a caller's sort name, ignoring case.
    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::PUBLIC
            .into_iter()
            .find(|o| o.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "sort '{s}' is not one of the documented sort orders"
                ))
            })
    }
}

/// What leads to find. Every filter is combined with AND; list filters match any of their values
/// except `all_tags`, which needs every tag.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LeadFilter {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub all_tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub any_tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_user_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contacted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub precise: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_ids: Vec<i64>,
    pub query_sub_group: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_min: Option<i64>,
}

/// A position in a sorted result: the sort value and id of the last lead served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub value: i64,
    pub id: i64,
}

/// A whole search: filter, order and page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadQuery {
    pub filter: LeadFilter,
    pub sort: LeadSort,
    pub desc: bool,
    pub limit: u32,
    /// Rows to skip (offset paging); 0 when scrolling.
    pub offset: u64,
    /// Start strictly after this position (scroll paging).
    pub after: Option<Position>,
    /// How many leads earlier scroll pages served.
    pub served: u64,
}

/// What a scroll ID holds: the query and where the last page ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ScrollState {
    v: u8,
    f: LeadFilter,
    s: LeadSort,
    d: bool,
    l: u32,
    a: Position,
    n: u64,
}

pub const LIMIT_MIN: u32 = 1;
pub const LIMIT_MAX: u32 = 100;
pub const LIMIT_DEFAULT: u32 = 25;

/// Checks a requested limit against the contract's range: LIMIT_NOT_VALID outside it.
pub fn check_limit(limit: Option<i64>, default: u32, max: u32) -> Result<u32, Error> {
    match limit {
        None => Ok(default),
        Some(l) if l >= LIMIT_MIN as i64 && l <= max as i64 => Ok(l as u32),
        Some(_) => Err(Error::limit_not_valid(LIMIT_MIN as i64, max as i64)),
    }
}

/// Checks a requested offset: absent and -1 (the contract's default) mean 0.
pub fn check_offset(offset: Option<i64>) -> Result<u64, Error> {
    match offset {
        None | Some(-1) => Ok(0),
        Some(o) if (0..=10_000_000).contains(&o) => Ok(o as u64),
        Some(_) => Err(Error::invalid("offset must be between 0 and 10000000")),
    }
}

impl LeadQuery {
    /// The scroll ID that continues after `last`, having served `served` leads in all.
    pub fn scroll_id(&self, last: Position, served: u64) -> String {
        let state = ScrollState {
            v: 1,
            f: self.filter.clone(),
            s: self.sort,
            d: self.desc,
            l: self.limit,
            a: last,
            n: served,
        };
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&state).expect("serializable"))
    }

    /// The query a scroll ID continues. `limit`, when given, overrides the page size.
    pub fn from_scroll_id(id: &str, limit: Option<u32>) -> Result<Self, Error> {
        let bad = || Error::invalid("scrollId is not valid");
        let bytes = URL_SAFE_NO_PAD.decode(id.trim()).map_err(|_| bad())?;
        let s: ScrollState = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if s.v != 1 {
            return Err(bad());
        }
        Ok(Self {
            filter: s.f,
            sort: s.s,
            desc: s.d,
            limit: limit.unwrap_or(s.l),
            offset: 0,
            after: Some(s.a),
            served: s.n,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_names_round_trip() {
        for s in LeadSort::PUBLIC {
            assert_eq!(LeadSort::parse(s.name()).unwrap(), s);
        }
        assert_eq!(LeadSort::parse("scorev2").unwrap(), LeadSort::ScoreV2);
        assert!(LeadSort::parse("Nope").is_err());
    }

    #[test]
    fn scroll_ids_round_trip_and_reject_garbage() {
        let q = LeadQuery {
            filter: LeadFilter {
                any_tags: vec!["hot".into()],
                ..Default::default()
            },
            sort: LeadSort::Score,
            desc: false,
            limit: 10,
            offset: 0,
            after: None,
            served: 0,
        };
        let id = q.scroll_id(Position { value: 5, id: 9 }, 10);
        let back = LeadQuery::from_scroll_id(&id, None).unwrap();
        assert_eq!(back.filter, q.filter);
        assert_eq!(back.after, Some(Position { value: 5, id: 9 }));
        assert_eq!(back.served, 10);
        assert!(LeadQuery::from_scroll_id("!!", None).is_err());
        assert!(LeadQuery::from_scroll_id("e30", None).is_err());
    }

    #[test]
    fn limits() {
        assert_eq!(check_limit(None, 25, 100).unwrap(), 25);
        assert_eq!(
            check_limit(Some(0), 25, 100).unwrap_err().code,
            crate::error::codes::LIMIT_NOT_VALID
        );
        assert!(check_limit(Some(101), 25, 100).is_err());
        assert_eq!(check_offset(Some(-1)).unwrap(), 0);
        assert!(check_offset(Some(-2)).is_err());
    }
}
