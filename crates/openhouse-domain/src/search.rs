//! The lead search: filters, sort orders, paging and the scroll cursor.
//!
//! Scrolling is keyset paging: the cursor carries the query and the (sort value, id) of the last
//! lead served, and the next page starts strictly after it. Leads added while a client scrolls
//! can therefore never shift a page: nothing is skipped and nothing is served twice.
//!
//! A scroll id is signed (HMAC-SHA256 with a server secret) and bound to the team and user it
//! was given to: a client cannot change the query in it (its page size, say), forge one, or use
//! another caller's. What it holds is checked against the same bounds as a fresh query all the
//! same.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use serde::{Deserialize, Serialize};

use crate::{Error, time};

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

/// One condition of a lead search, with the filter's names resolved to what leads are keyed by
/// (tag ids, offices, name keys, phone digits). A search matches the leads that meet every one.
/// This list is the one definition of what each filter matches: the SQL query and the search
/// index both translate it, each with an exhaustive `match`, so a filter cannot be added to one
/// and forgotten in the other (and the index says which ones it cannot answer).
#[derive(Debug, Clone, PartialEq)]
pub enum Criterion {
    /// Carries at least one of these tags.
    AnyTag(Vec<i64>),
    /// Carries this tag (one per tag of `allTags`).
    Tag(i64),
    /// In at least one of these segments (name keys).
    Segment(Vec<String>),
    /// An email equal to (`precise`) or containing the text (lower case).
    Email { text: String, precise: bool },
    /// A phone whose digits equal (`precise`) or contain these digits.
    Phone { digits: String, precise: bool },
    /// Assigned to this agent (0: to nobody).
    AssignedTo(i64),
    /// Contacted or not.
    Contacted(bool),
    /// An OFFICE lead of one of these offices.
    InOffice(Vec<i64>),
    /// In one of these languages.
    Language(Vec<String>),
    /// From this source.
    Source(String),
    /// In one of these stages.
    Stage(Vec<String>),
    /// Created at or after this time (epoch ms).
    CreatedSince(i64),
    /// Changed at or after this time (epoch ms).
    UpdatedSince(i64),
}

/// A position in a sorted result: the sort value and id of the last lead served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub value: i64,
    pub id: i64,
}

impl Position {
    /// How a lead's (sort value, id) compares with the position when the lead belongs to the
    /// pages after it: `Greater` in ascending order, `Less` in descending order. The one rule of
    /// scroll paging: the search index applies it in memory ([`Position::admits`]), the SQL
    /// search as a row-value comparison with this ordering.
    pub fn next_when(desc: bool) -> std::cmp::Ordering {
        if desc {
            std::cmp::Ordering::Less
        } else {
            std::cmp::Ordering::Greater
        }
    }

    /// Whether the lead with (sort value, id) `key` comes after this position (see
    /// [`Position::next_when`]).
    pub fn admits(self, key: (i64, i64), desc: bool) -> bool {
        key.cmp(&(self.value, self.id)) == Self::next_when(desc)
    }
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

/// A page asked for, checked: the one reading of paging parameters every list operation uses,
/// by `offset` and `limit` ([`Paging::by_offset`]) or by page number and size
/// ([`Paging::by_page`]), and the one `_metadata` they answer with ([`Paging::metadata`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub offset: u64,
    pub limit: u64,
}

impl Paging {
    /// `limit`: `default` when absent, else 1 to `max` (LIMIT_NOT_VALID); `offset`: absent and
    /// -1 (the contract's default) mean 0.
    pub fn by_offset(
        limit: Option<i64>,
        offset: Option<i64>,
        default: u32,
        max: u32,
    ) -> Result<Self, Error> {
        Ok(Self {
            limit: check_limit(limit, default, max)? as u64,
            offset: check_offset(offset)?,
        })
    }

    /// A page `number` from 0 (`number_field` names it in the 400), of `size`: `default` when
    /// absent, else 1 to `max` (LIMIT_NOT_VALID).
    pub fn by_page(
        number_field: &str,
        number: Option<i64>,
        size: Option<i64>,
        default: u32,
        max: u32,
    ) -> Result<Self, Error> {
        let limit = check_limit(size, default, max)? as u64;
        let number = match number {
            None => 0,
            Some(n) if (0..=1_000_000).contains(&n) => n as u64,
            Some(_) => return Err(Error::invalid(format!("{number_field} must be 0 or more"))),
        };
        Ok(Self {
            offset: number * limit,
            limit,
        })
    }

    /// The page number (for a page asked by number).
    pub fn number(&self) -> u64 {
        self.offset / self.limit.max(1)
    }

    /// `_metadata` of this page of `collection`, `total` matching in all.
    pub fn metadata(&self, collection: &str, total: u64) -> openhouse_api::MetaData {
        openhouse_api::MetaData {
            collection: collection.to_string(),
            limit: self.limit as i32,
            offset: self.offset as i64,
            total: total as i64,
            scroll_id: None,
        }
    }
}

impl ScrollState {
    /// `<state>.<signature>`, both base64url without padding.
    fn encode(&self, key: &ScrollKey, owner: ScrollOwner) -> String {
        let json = serde_json::to_vec(self).expect("serializable");
        let tag = hmac::sign(&key.0, &signed_bytes(owner, &json));
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&json),
            URL_SAFE_NO_PAD.encode(tag.as_ref())
        )
    }
}

/// The version of the scroll state; ids of another version are refused.
const SCROLL_VERSION: u8 = 2;
/// What the signature covers before the owner and the state, so a MAC made for anything else
/// with the same key can never pass for a scroll id.
const SCROLL_CONTEXT: &[u8] = b"openhouse scroll id v2\0";
/// The longest scroll id accepted: far more than any query a URL can carry.
const SCROLL_ID_MAX: usize = 16 * 1024;

/// The server's key for scroll ids: HMAC-SHA256 over a secret kept in the database (the store's
/// `server_secret("scroll_id_key")`), so every process and restart verifies alike.
#[derive(Clone)]
pub struct ScrollKey(hmac::Key);

impl ScrollKey {
    pub fn new(secret: &[u8]) -> Self {
        Self(hmac::Key::new(hmac::HMAC_SHA256, secret))
    }
}

impl std::fmt::Debug for ScrollKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScrollKey(..)")
    }
}

/// Whom a scroll id was given to: it continues only for the same team and user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScrollOwner {
    pub team_id: i64,
    pub user_id: i64,
}

/// What a scroll id's signature covers: the context, the owner and the state.
fn signed_bytes(owner: ScrollOwner, state: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SCROLL_CONTEXT.len() + 16 + state.len());
    m.extend_from_slice(SCROLL_CONTEXT);
    m.extend_from_slice(&owner.team_id.to_be_bytes());
    m.extend_from_slice(&owner.user_id.to_be_bytes());
    m.extend_from_slice(state);
    m
}

impl LeadQuery {
    /// The scroll ID that continues after `last`, having served `served` leads in all:
    /// `<state>.<signature>`, both base64url without padding (URL-safe as it is).
    pub fn scroll_id(
        &self,
        key: &ScrollKey,
        owner: ScrollOwner,
        last: Position,
        served: u64,
    ) -> String {
        let state = ScrollState {
            v: SCROLL_VERSION,
            f: self.filter.clone(),
            s: self.sort,
            d: self.desc,
            l: self.limit,
            a: last,
            n: served,
        };
        state.encode(key, owner)
    }

    /// The query a scroll ID continues, if it is one this server signed for `owner`; anything
    /// else (garbage, a changed byte, another caller's id) is 400 INVALID_PARAMETER. `limit`,
    /// when given, overrides the page size (the caller checks it).
    pub fn from_scroll_id(
        id: &str,
        key: &ScrollKey,
        owner: ScrollOwner,
        limit: Option<u32>,
    ) -> Result<Self, Error> {
        let bad = || Error::invalid("scrollId is not valid");
        let id = id.trim();
        if id.len() > SCROLL_ID_MAX {
            return Err(bad());
        }
        let (state, tag) = id.split_once('.').ok_or_else(bad)?;
        let json = URL_SAFE_NO_PAD.decode(state).map_err(|_| bad())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| bad())?;
        // compares the whole tag in constant time
        hmac::verify(&key.0, &signed_bytes(owner, &json), &tag).map_err(|_| bad())?;
        let s: ScrollState = serde_json::from_slice(&json).map_err(|_| bad())?;
        if s.v != SCROLL_VERSION {
            return Err(bad());
        }
        // signed by this server, but checked as a fresh query would be all the same
        let limit = match limit {
            Some(l) => l,
            None => {
                check_limit(Some(i64::from(s.l)), LIMIT_DEFAULT, LIMIT_MAX).map_err(|_| bad())?
            }
        };
        if i64::try_from(s.n).is_err() {
            return Err(bad());
        }
        for t in [s.f.created_min, s.f.updated_min].into_iter().flatten() {
            time::check_epoch_ms("scrollId", t).map_err(|_| bad())?;
        }
        Ok(Self {
            filter: s.f,
            sort: s.s,
            desc: s.d,
            limit,
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

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";
    const OWNER: ScrollOwner = ScrollOwner {
        team_id: 7,
        user_id: 70,
    };

    fn query() -> LeadQuery {
        LeadQuery {
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
        }
    }

    fn state(limit: u32, served: u64) -> ScrollState {
        ScrollState {
            v: SCROLL_VERSION,
            f: LeadFilter::default(),
            s: LeadSort::Default,
            d: true,
            l: limit,
            a: Position { value: 5, id: 9 },
            n: served,
        }
    }

    #[test]
    fn scroll_ids_round_trip_and_reject_garbage() {
        let key = ScrollKey::new(KEY);
        let q = query();
        let id = q.scroll_id(&key, OWNER, Position { value: 5, id: 9 }, 10);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
            "URL-safe: {id}"
        );
        let back = LeadQuery::from_scroll_id(&id, &key, OWNER, None).unwrap();
        assert_eq!(back.filter, q.filter);
        assert_eq!(back.sort, q.sort);
        assert_eq!(back.limit, 10);
        assert_eq!(back.after, Some(Position { value: 5, id: 9 }));
        assert_eq!(back.served, 10);
        let again = LeadQuery::from_scroll_id(&id, &key, OWNER, Some(3)).unwrap();
        assert_eq!(again.limit, 3, "a limit sent now overrides the page size");
        for garbage in ["", "!!", "e30", "e30.e30", ".", &id[..id.len() - 1]] {
            let e = LeadQuery::from_scroll_id(garbage, &key, OWNER, None).unwrap_err();
            assert_eq!(e.code, crate::error::codes::INVALID_PARAMETER, "{garbage}");
        }
    }

    #[test]
    fn tampered_scroll_ids_are_refused() {
        let key = ScrollKey::new(KEY);
        let id = query().scroll_id(&key, OWNER, Position { value: 5, id: 9 }, 10);
        let (body, tag) = id.split_once('.').unwrap();
        // a changed byte anywhere
        for i in 0..id.len() {
            if id.as_bytes()[i] == b'.' {
                continue;
            }
            let mut b = id.clone().into_bytes();
            b[i] = if b[i] == b'A' { b'B' } else { b'A' };
            let t = String::from_utf8(b).unwrap();
            assert!(
                LeadQuery::from_scroll_id(&t, &key, OWNER, None).is_err(),
                "byte {i} changed: {t}"
            );
        }
        // the state decoded, its page size raised, encoded again with the old signature
        let mut json: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).unwrap()).unwrap();
        json["l"] = serde_json::json!(1_000_000);
        let forged = format!(
            "{}.{tag}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&json).unwrap())
        );
        assert!(LeadQuery::from_scroll_id(&forged, &key, OWNER, None).is_err());
        // the old unsigned form
        assert!(LeadQuery::from_scroll_id(body, &key, OWNER, None).is_err());
        // signed with another key
        let other_key = ScrollKey::new(b"another server's secret, 32 byte");
        let theirs = query().scroll_id(&other_key, OWNER, Position { value: 5, id: 9 }, 10);
        assert!(LeadQuery::from_scroll_id(&theirs, &key, OWNER, None).is_err());
        // another team's or another user's
        for owner in [
            ScrollOwner {
                team_id: 8,
                ..OWNER
            },
            ScrollOwner {
                user_id: 71,
                ..OWNER
            },
        ] {
            let e = LeadQuery::from_scroll_id(&id, &key, owner, None).unwrap_err();
            assert_eq!(e.code, crate::error::codes::INVALID_PARAMETER);
        }
    }

    #[test]
    fn signed_scroll_states_are_still_bounded() {
        let key = ScrollKey::new(KEY);
        let ok = state(100, 5).encode(&key, OWNER);
        assert_eq!(
            LeadQuery::from_scroll_id(&ok, &key, OWNER, None)
                .unwrap()
                .limit,
            100
        );
        for s in [
            state(0, 5),
            state(101, 5),
            state(1_000_000, 5),
            state(u32::MAX, 5),
            state(10, u64::MAX),
            state(10, i64::MAX as u64 + 1),
            ScrollState {
                v: 1,
                ..state(10, 5)
            },
            ScrollState {
                f: LeadFilter {
                    created_min: Some(i64::MAX),
                    ..Default::default()
                },
                ..state(10, 5)
            },
            ScrollState {
                f: LeadFilter {
                    updated_min: Some(i64::MIN),
                    ..Default::default()
                },
                ..state(10, 5)
            },
        ] {
            let id = s.encode(&key, OWNER);
            assert!(
                LeadQuery::from_scroll_id(&id, &key, OWNER, None).is_err(),
                "{s:?}"
            );
        }
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
