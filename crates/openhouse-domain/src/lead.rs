//! The lead aggregate: its state, the rules that clean and validate what callers send, and how
//! a change is applied. Creating a lead is applying a patch to an empty lead, so create and
//! edit share every rule.
//!
//! Truncation rules of the contract: first and last names, segments and groups keep their first
//! 30 characters, tags 64, phones 20. Values the contract bounds without promising truncation
//! (stage: 20 characters) are rejected with PARAMETER_TOO_LONG instead.

use openhouse_api::{
    CustomAttribute, CustomRole, EditLeadRequest, Language, LeadFamilyMember, LeadInquiry,
    LeadProfile, LeadProperty, LeadRequest, LeadTransaction, OwnershipScope,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::codes;
use crate::{Error, ErrorKind, time};

pub const NAME_MAX: usize = 30;
pub const TAG_MAX: usize = 64;
pub const PHONE_MAX: usize = 20;
pub const SEGMENT_MAX: usize = 30;
pub const STAGE_MAX: usize = 20;
pub const TEXT_MAX: usize = 255;
pub const EMAIL_MAX: usize = 254;
pub const NOTE_MAX: usize = 10_000;
pub const FAMILY_MAX: usize = 4;
pub const LIST_MAX: usize = 100;
/// Role ids on a lead, as Lofty numbers them in lead routing.
pub const ROLE_AGENT: i32 = 1;
pub const ROLE_LENDER: i32 = 2;
pub const ROLE_ASSISTANT: i32 = 4;
pub const LEAD_TYPES: [i32; 5] = [-1, 1, 2, 3, 5];
pub const LEAD_TYPES_MULTI: [i32; 9] = [-1, 1, 2, 3, 5, 6, 7, 8, 9];

/// A tag as it sits on a lead.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LeadTag {
    pub id: i64,
    pub name: String,
    pub creator_user_id: Option<i64>,
    pub create_time: i64,
}

/// The descriptive part of a lead, stored as one JSON document; everything that is filtered or
/// sorted on lives in columns of its own (see [`Lead`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct LeadDoc {
    #[serde(flatten)]
    pub profile: LeadProfile,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub segments: Vec<String>,
    pub tags: Vec<LeadTag>,
    pub custom_attributes: Vec<CustomAttribute>,
    /// Team members in custom roles on the lead (Assistant, Lender, ...), shown in
    /// `customRoleList`.
    pub custom_roles: Vec<CustomRole>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inquiry: Option<LeadInquiry>,
    pub properties: Vec<LeadProperty>,
    pub hidden: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hide_vendor_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_reason: Option<String>,
}

/// Activity figures kept on the lead for the sort orders of the search. 0 means never / none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadStats {
    pub last_touch: i64,
    pub last_visit: i64,
    pub last_call: i64,
    pub last_email: i64,
    pub last_activity: i64,
    pub contacted: bool,
    pub score: i64,
}

/// A lead as openhouse holds it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lead {
    pub team_id: i64,
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub source: Option<String>,
    pub stage: Option<String>,
    pub language: Option<Language>,
    pub assigned_user_id: Option<i64>,
    pub lender_user_id: Option<i64>,
    pub ownership_scope: Option<OwnershipScope>,
    pub ownership_id: Option<i64>,
    pub create_time: i64,
    pub update_time: i64,
    pub assign_time: i64,
    pub delete_time: i64,
    /// The lead pond it sits in (0: none).
    pub pond_id: i64,
    pub stats: LeadStats,
    pub doc: LeadDoc,
}

/// Tags to put on a lead: replace them all, or add to them (both: replace with the union).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TagChange {
    pub replace: Option<Vec<String>>,
    pub add: Vec<String>,
}

/// A validated, cleaned change to a lead. `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct LeadPatch {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub emails: Option<Vec<String>>,
    pub phones: Option<Vec<String>>,
    pub segments: Option<Vec<String>>,
    pub tags: TagChange,
    pub source: Option<String>,
    pub stage: Option<String>,
    pub language: Option<Language>,
    pub assigned_user_id: Option<i64>,
    /// The lender (0: none).
    pub lender_user_id: Option<i64>,
    /// Custom role assignees to set, by role name (an assignee id 0 removes the role).
    pub custom_roles: Option<Vec<CustomRole>>,
    /// The lead pond (0: out of any pond).
    pub pond_id: Option<i64>,
    pub ownership: Option<(OwnershipScope, Option<i64>)>,
    pub custom_attributes: Option<Vec<CustomAttribute>>,
    pub inquiry: Option<LeadInquiry>,
    pub property: Option<LeadProperty>,
    pub hidden: Option<bool>,
    pub hide_vendor_id: Option<i64>,
    pub profile: LeadProfile,
    /// A note to add with the change: (content, pinned).
    pub note: Option<(String, bool)>,
    pub transaction: Option<LeadTransaction>,
    /// A new lead to route (`leadRouting: true` without `assignedUserId`): the rules' scope,
    /// -1 the company's, an office id that office's, 0 by the lead's ownership.
    pub routing: Option<i64>,
}

fn truncate(s: &str, max: usize) -> String {
    s.trim()
        .chars()
        .take(max)
        .collect::<String>()
        .trim_end()
        .to_string()
}

pub(crate) fn bounded(field: &str, s: &str, max: usize) -> Result<String, Error> {
    let t = s.trim();
    if t.chars().count() > max {
        return Err(Error::too_long(field, max));
    }
    Ok(t.to_string())
}

pub(crate) fn opt_bounded(
    field: &str,
    s: &Option<String>,
    max: usize,
) -> Result<Option<String>, Error> {
    s.as_deref().map(|v| bounded(field, v, max)).transpose()
}

/// Cleans a list of names: trimmed, cut to `max` characters, blanks dropped, duplicates (ignoring
/// case) dropped, order kept.
pub fn clean_names(field: &str, items: &[String], max: usize) -> Result<Vec<String>, Error> {
    if items.len() > LIST_MAX {
        return Err(Error::invalid(format!(
            "{field} takes at most {LIST_MAX} entries"
        )));
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let t = truncate(item, max);
        if !t.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(&t)) {
            out.push(t);
        }
    }
    Ok(out)
}

/// Phones keep their first 20 characters; blanks and duplicates are dropped.
pub fn clean_phones(field: &str, items: &[String]) -> Result<Vec<String>, Error> {
    clean_names(field, items, PHONE_MAX)
}

/// The id of a lead pipeline stage (`GET /v1.0/teamFeatures/lead-pipelines`, a lead's
/// `stageId`): a stage is the free text of leads' `stage`, so its id is derived from the text
/// (FNV-1a, 53 bits so that JavaScript clients read it exactly) and is the same on every
/// server and database, without a table of stages to keep in step with the leads.
pub fn stage_id(stage: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in stage.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    ((h & ((1 << 53) - 1)) as i64).max(1)
}

/// Digits of a phone number, for matching `+1 (347) 903-3333` with `3479033333`: the North
/// American country code 1 in front of ten digits is dropped.
pub fn phone_key(phone: &str) -> String {
    let digits: String = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    match digits.strip_prefix('1') {
        Some(rest) if rest.len() == 10 => rest.to_string(),
        _ => digits,
    }
}

/// Emails must look like one (something@something, no spaces); compared ignoring case.
pub fn clean_emails(field: &str, items: &[String]) -> Result<Vec<String>, Error> {
    if items.len() > LIST_MAX {
        return Err(Error::invalid(format!(
            "{field} takes at most {LIST_MAX} entries"
        )));
    }
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let e = item.trim();
        if e.is_empty() {
            continue;
        }
        if e.chars().count() > EMAIL_MAX {
            return Err(Error::too_long(field, EMAIL_MAX));
        }
        let valid = match e.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && !e.chars().any(char::is_whitespace)
            }
            None => false,
        };
        if !valid {
            return Err(Error::invalid(format!(
                "{field}: '{e}' is not an email address"
            )));
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(e)) {
            out.push(e.to_string());
        }
    }
    Ok(out)
}

fn clean_profile(p: &LeadProfile) -> Result<LeadProfile, Error> {
    let mut p = p.clone();
    if let Some(b) = &p.birthday {
        p.birthday = if b.trim().is_empty() {
            None
        } else {
            Some(time::parse_birthday("birthday", b)?)
        };
    }
    p.city = opt_bounded("city", &p.city, TEXT_MAX)?;
    p.state = opt_bounded("state", &p.state, TEXT_MAX)?;
    p.street_address = opt_bounded("streetAddress", &p.street_address, TEXT_MAX)?;
    p.zip_code = opt_bounded("zipCode", &p.zip_code, TEXT_MAX)?;
    p.referred_by = opt_bounded("referredBy", &p.referred_by, TEXT_MAX)?;
    if let Some(t) = p.lead_type
        && !LEAD_TYPES.contains(&t)
    {
        return Err(Error::invalid(format!(
            "leadType {t} is not one of {LEAD_TYPES:?}"
        )));
    }
    if let Some(types) = &p.lead_types {
        let mut out = Vec::new();
        for t in types {
            if !LEAD_TYPES_MULTI.contains(t) {
                return Err(Error::invalid(format!(
                    "leadTypes: {t} is not one of {LEAD_TYPES_MULTI:?}"
                )));
            }
            if !out.contains(t) {
                out.push(*t);
            }
        }
        p.lead_types = Some(out);
    }
    if let Some(members) = &p.lead_family_member_list {
        if members.len() > FAMILY_MAX {
            return Err(Error::invalid(format!(
                "leadFamilyMemberList takes at most {FAMILY_MAX} members"
            )));
        }
        let mut out = Vec::new();
        for m in members {
            let first = truncate(&m.first_name, NAME_MAX);
            if first.is_empty() {
                return Err(Error::invalid(
                    "leadFamilyMemberList: firstName is required",
                ));
            }
            out.push(LeadFamilyMember {
                first_name: first,
                last_name: m
                    .last_name
                    .as_deref()
                    .map(|s| truncate(s, NAME_MAX))
                    .filter(|s| !s.is_empty()),
                birthday: match &m.birthday {
                    Some(b) if !b.trim().is_empty() => {
                        Some(time::parse_birthday("leadFamilyMemberList.birthday", b)?)
                    }
                    _ => None,
                },
                emails: m
                    .emails
                    .as_ref()
                    .map(|e| clean_emails("leadFamilyMemberList.emails", e))
                    .transpose()?,
                phones: m
                    .phones
                    .as_ref()
                    .map(|e| clean_phones("leadFamilyMemberList.phones", e))
                    .transpose()?,
                relationship: opt_bounded(
                    "leadFamilyMemberList.relationship",
                    &m.relationship,
                    TEXT_MAX,
                )?,
            });
        }
        p.lead_family_member_list = Some(out);
    }
    Ok(p)
}

/// A property must name a place: at least one of city, state, zipCode, streetAddress.
pub fn clean_property(p: &LeadProperty) -> Result<LeadProperty, Error> {
    let blank = |s: &Option<String>| s.as_deref().is_none_or(|v| v.trim().is_empty());
    if blank(&p.city) && blank(&p.state) && blank(&p.zip_code) && blank(&p.street_address) {
        return Err(Error::new(
            ErrorKind::BadRequest,
            codes::PROPERTY_ADDRESS_EMPTY,
            "property needs at least one of city, state, zipCode, streetAddress",
        ));
    }
    let mut p = p.clone();
    p.city = opt_bounded("property.city", &p.city, TEXT_MAX)?;
    p.state = opt_bounded("property.state", &p.state, TEXT_MAX)?;
    p.zip_code = opt_bounded("property.zipCode", &p.zip_code, TEXT_MAX)?;
    p.street_address = opt_bounded("property.streetAddress", &p.street_address, TEXT_MAX)?;
    p.county = opt_bounded("property.county", &p.county, TEXT_MAX)?;
    for (name, v) in [("bathrooms", p.bathrooms), ("lotSize", p.lot_size)] {
        if let Some(v) = v
            && (!v.is_finite() || v < 0.0)
        {
            return Err(Error::invalid(format!(
                "property.{name} must be a non-negative number"
            )));
        }
    }
    Ok(p)
}

fn clean_inquiry(i: &LeadInquiry) -> Result<LeadInquiry, Error> {
    if let (Some(lo), Some(hi)) = (i.price_min, i.price_max)
        && lo > hi
    {
        return Err(Error::invalid("inquiry.priceMin is above inquiry.priceMax"));
    }
    if let (Some(lo), Some(hi)) = (i.bedrooms_min, i.bedrooms_max)
        && lo > hi
    {
        return Err(Error::invalid(
            "inquiry.bedroomsMin is above inquiry.bedroomsMax",
        ));
    }
    let mut i = i.clone();
    if let Some(locs) = &i.locations
        && locs.len() > LIST_MAX
    {
        return Err(Error::invalid(format!(
            "inquiry.locations takes at most {LIST_MAX} entries"
        )));
    }
    // Server-owned fields are never taken from the caller.
    i.id = None;
    i.lead_user_id = None;
    i.create_time = None;
    i.update_time = None;
    i.default_value = None;
    Ok(i)
}

fn clean_custom_attributes(list: &[CustomAttribute]) -> Result<Vec<CustomAttribute>, Error> {
    if list.len() > LIST_MAX {
        return Err(Error::invalid(format!(
            "customAttributeList takes at most {LIST_MAX} entries"
        )));
    }
    let mut out: Vec<CustomAttribute> = Vec::new();
    for a in list {
        let name = bounded(
            "customAttributeList.attributeName",
            &a.attribute_name,
            TEXT_MAX,
        )?;
        if name.is_empty() {
            return Err(Error::invalid(
                "customAttributeList: attributeName is required",
            ));
        }
        let mut a = a.clone();
        a.attribute_name = name;
        out.retain(|o| o.attribute_name != a.attribute_name);
        out.push(a);
    }
    Ok(out)
}

/// The transaction's name is checked with the lead; the rest when it is stored, where the
/// team's custom fields and users are known.
fn clean_transaction(t: &LeadTransaction) -> Result<LeadTransaction, Error> {
    let mut t = t.clone();
    t.transaction_name = crate::transaction::clean_name(&t.transaction_name)?;
    Ok(t)
}

fn ownership(
    scope: Option<OwnershipScope>,
    id: Option<i64>,
) -> Result<Option<(OwnershipScope, Option<i64>)>, Error> {
    match (scope, id) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(Error::invalid("ownershipId needs ownershipScope")),
        (Some(OwnershipScope::Team), _) => Ok(Some((OwnershipScope::Team, None))),
        (Some(s), Some(id)) if id > 0 => Ok(Some((s, Some(id)))),
        (Some(s), _) => Err(Error::invalid(format!(
            "ownershipScope {} needs a positive ownershipId",
            s.as_str()
        ))),
    }
}

fn clean_note(
    content: &Option<String>,
    pinned: Option<bool>,
) -> Result<Option<(String, bool)>, Error> {
    match content.as_deref().map(str::trim) {
        Some(c) if !c.is_empty() => Ok(Some((
            bounded("content", c, NOTE_MAX)?,
            pinned.unwrap_or(false),
        ))),
        _ => Ok(None),
    }
}

fn clean_first_name(s: &str) -> Result<String, Error> {
    let f = truncate(s, NAME_MAX);
    if f.is_empty() {
        return Err(Error::invalid("firstName is required"));
    }
    Ok(f)
}

fn clean_segments(
    segments: &Option<Vec<String>>,
    groups: &Option<Vec<String>>,
) -> Result<Option<Vec<String>>, Error> {
    if segments.is_none() && groups.is_none() {
        return Ok(None);
    }
    let all: Vec<String> = segments
        .iter()
        .chain(groups.iter())
        .flatten()
        .cloned()
        .collect();
    Ok(Some(clean_names("segments", &all, SEGMENT_MAX)?))
}

fn clean_stage(stage: &Option<String>) -> Result<Option<String>, Error> {
    opt_bounded("stage", stage, STAGE_MAX)
}

impl LeadPatch {
    /// The patch that creates a lead from `POST /v1.0/leads`: the edit of an empty lead, with
    /// the first name required and what only creation takes (a note, the hidden vendor).
    pub fn from_create(r: &LeadRequest, hide_vendor_id: Option<i64>) -> Result<Self, Error> {
        let edit = EditLeadRequest {
            assigned_user_id: r.assigned_user_id,
            custom_attribute_list: r.custom_attribute_list.clone(),
            emails: r.emails.clone(),
            first_name: Some(r.first_name.clone()),
            groups: r.groups.clone(),
            inquiry: r.inquiry.clone(),
            is_hidden: None,
            language: r.language,
            last_name: r.last_name.clone(),
            lead_transaction: r.lead_transaction.clone(),
            ownership_id: r.ownership_id,
            ownership_scope: r.ownership_scope,
            phones: r.phones.clone(),
            property: r.property.clone(),
            segments: r.segments.clone(),
            source: r.source.clone(),
            stage: r.stage.clone(),
            tags: r.tags.clone(),
            tags_add: r.tags_add.clone(),
            profile: r.profile.clone(),
        };
        // the contract: routing runs only when leadRouting is true, and never past an agent
        // given by assignedUserId
        let routing = match (r.lead_routing, r.assigned_user_id) {
            (Some(true), None) => match r.assign_group_id {
                None => Some(0),
                Some(g) if g == -1 || g > 0 => Some(g),
                Some(g) => {
                    return Err(Error::invalid(format!(
                        "assignGroupId is -1 (the company's rules) or an office id, not {g}"
                    )));
                }
            },
            _ => None,
        };
        Ok(Self {
            hide_vendor_id,
            note: clean_note(&r.content, r.is_pin)?,
            routing,
            ..Self::from_edit(&edit)?
        })
    }

    /// The patch of `PUT /v1.0/leads/{leadId}`.
    pub fn from_edit(r: &EditLeadRequest) -> Result<Self, Error> {
        Ok(Self {
            lender_user_id: None,
            custom_roles: None,
            pond_id: None,
            first_name: r.first_name.as_deref().map(clean_first_name).transpose()?,
            last_name: r.last_name.as_deref().map(|s| truncate(s, NAME_MAX)),
            emails: r
                .emails
                .as_ref()
                .map(|e| clean_emails("emails", e))
                .transpose()?,
            phones: r
                .phones
                .as_ref()
                .map(|p| clean_phones("phones", p))
                .transpose()?,
            segments: clean_segments(&r.segments, &r.groups)?,
            tags: TagChange {
                replace: r
                    .tags
                    .as_ref()
                    .map(|t| clean_names("tags", t, TAG_MAX))
                    .transpose()?,
                add: r
                    .tags_add
                    .as_ref()
                    .map(|t| clean_names("tagsAdd", t, TAG_MAX))
                    .transpose()?
                    .unwrap_or_default(),
            },
            source: opt_bounded("source", &r.source, TEXT_MAX)?,
            stage: clean_stage(&r.stage)?,
            language: r.language,
            assigned_user_id: r.assigned_user_id,
            ownership: ownership(r.ownership_scope, r.ownership_id)?,
            custom_attributes: r
                .custom_attribute_list
                .as_deref()
                .map(clean_custom_attributes)
                .transpose()?,
            inquiry: r.inquiry.as_ref().map(clean_inquiry).transpose()?,
            property: r.property.as_ref().map(clean_property).transpose()?,
            hidden: r.is_hidden,
            hide_vendor_id: None,
            profile: clean_profile(&r.profile)?,
            note: None,
            routing: None,
            transaction: r
                .lead_transaction
                .as_ref()
                .map(clean_transaction)
                .transpose()?,
        })
    }
}

/// Overlays the fields `patch` sets on `base` (a JSON object overlay: absent or null keeps).
fn overlay<T: Serialize + serde::de::DeserializeOwned>(base: &T, patch: &T) -> T {
    let mut b = serde_json::to_value(base).expect("serializable");
    if let (Value::Object(bm), Value::Object(pm)) =
        (&mut b, serde_json::to_value(patch).expect("serializable"))
    {
        for (k, v) in pm {
            if !v.is_null() {
                bm.insert(k, v);
            }
        }
    }
    serde_json::from_value(b).expect("overlay of the same type")
}

impl Lead {
    /// Applies everything of `patch` but tags, notes and transactions, which need storage (tag
    /// ids, their own records). Returns whether the assignee changed. `new_id` gives ids to new
    /// properties and inquiries.
    pub fn apply(&mut self, patch: &LeadPatch, now: i64, mut new_id: impl FnMut() -> i64) -> bool {
        if let Some(f) = &patch.first_name {
            self.first_name = f.clone();
        }
        if let Some(l) = &patch.last_name {
            self.last_name = (!l.is_empty()).then(|| l.clone());
        }
        if let Some(e) = &patch.emails {
            self.doc.emails = e.clone();
        }
        if let Some(p) = &patch.phones {
            self.doc.phones = p.clone();
        }
        if let Some(s) = &patch.segments {
            self.doc.segments = s.clone();
        }
        if let Some(s) = &patch.source {
            self.source = (!s.is_empty()).then(|| s.clone());
        }
        if let Some(s) = &patch.stage {
            self.stage = (!s.is_empty()).then(|| s.clone());
        }
        if let Some(l) = patch.language {
            self.language = Some(l);
        }
        if let Some((scope, id)) = patch.ownership {
            self.ownership_scope = Some(scope);
            self.ownership_id = id;
        }
        if let Some(c) = &patch.custom_attributes {
            let mut attrs = self.doc.custom_attributes.clone();
            for a in c {
                attrs.retain(|o| o.attribute_name != a.attribute_name);
                attrs.push(a.clone());
            }
            self.doc.custom_attributes = attrs;
        }
        if let Some(i) = &patch.inquiry {
            let mut merged = match &self.doc.inquiry {
                Some(old) => overlay(old, i),
                None => LeadInquiry {
                    id: Some(new_id()),
                    create_time: Some(time::format_ms(now)),
                    ..i.clone()
                },
            };
            merged.lead_user_id = Some(self.id);
            merged.update_time = Some(time::format_ms(now));
            self.doc.inquiry = Some(merged);
        }
        if let Some(p) = &patch.property {
            self.put_property(p, new_id());
        }
        if let Some(h) = patch.hidden {
            self.doc.hidden = h;
        }
        if patch.hide_vendor_id.is_some() {
            self.doc.hide_vendor_id = patch.hide_vendor_id;
        }
        self.doc.profile = overlay(&self.doc.profile, &patch.profile);
        if let Some(l) = patch.lender_user_id {
            self.lender_user_id = (l > 0).then_some(l);
        }
        if let Some(roles) = &patch.custom_roles {
            for r in roles {
                self.doc.custom_roles.retain(|o| o.role_id != r.role_id);
                if r.assignee_id.is_some_and(|a| a > 0) {
                    self.doc.custom_roles.push(r.clone());
                }
            }
            self.doc.custom_roles.sort_by_key(|r| r.role_id);
        }
        if let Some(p) = patch.pond_id {
            self.pond_id = p.max(0);
        }
        let mut reassigned = false;
        if let Some(a) = patch.assigned_user_id {
            let a = (a > 0).then_some(a);
            if a != self.assigned_user_id {
                self.assigned_user_id = a;
                self.assign_time = if a.is_some() { now } else { 0 };
                reassigned = true;
            }
        }
        self.update_time = now;
        reassigned
    }

    /// The member in the Assistant role (custom role 4), if any.
    pub fn assistant_user_id(&self) -> Option<i64> {
        self.doc
            .custom_roles
            .iter()
            .find(|r| r.role_id == ROLE_ASSISTANT)
            .and_then(|r| r.assignee_id)
            .filter(|a| *a > 0)
    }

    /// Adds a property or merges it into the one with the same address (or the same id).
    pub fn put_property(&mut self, p: &LeadProperty, fresh_id: i64) {
        let same_address = |o: &LeadProperty| {
            let k = |s: &Option<String>| s.as_deref().unwrap_or("").trim().to_lowercase();
            k(&o.street_address) == k(&p.street_address)
                && k(&o.city) == k(&p.city)
                && k(&o.state) == k(&p.state)
                && k(&o.zip_code) == k(&p.zip_code)
        };
        let pos = match p.id.filter(|id| *id > 0) {
            Some(id) => self.doc.properties.iter().position(|o| o.id == Some(id)),
            None => self.doc.properties.iter().position(same_address),
        };
        match pos {
            Some(i) => {
                let mut merged = overlay(&self.doc.properties[i], p);
                merged.id = self.doc.properties[i].id;
                merged.lead_user_id = Some(self.id);
                self.doc.properties[i] = merged;
            }
            None => {
                let mut np = p.clone();
                np.id = Some(fresh_id);
                np.lead_user_id = Some(self.id);
                self.doc.properties.push(np);
            }
        }
    }

    /// First and last name, as the API shows a lead's name.
    pub fn full_name(&self) -> String {
        match &self.last_name {
            Some(l) if !l.is_empty() => format!("{} {}", self.first_name, l),
            _ => self.first_name.clone(),
        }
    }

    /// A flat view of what a caller can see of the lead, for field-by-field change logs.
    pub fn audit_view(&self) -> Map<String, Value> {
        let mut m = match serde_json::to_value(&self.doc) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        m.remove("tags");
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_string(), v);
        };
        put("firstName", Value::from(self.first_name.clone()));
        put("lastName", Value::from(self.last_name.clone()));
        put("source", Value::from(self.source.clone()));
        put("stage", Value::from(self.stage.clone()));
        put("language", Value::from(self.language.map(|l| l.as_str())));
        put("assignedUserId", Value::from(self.assigned_user_id));
        put("lenderUserId", Value::from(self.lender_user_id));
        put(
            "pondId",
            Value::from((self.pond_id > 0).then_some(self.pond_id)),
        );
        put(
            "ownershipScope",
            Value::from(self.ownership_scope.map(|s| s.as_str())),
        );
        put("ownershipId", Value::from(self.ownership_id));
        m
    }
}

/// One field that changed: its name, and its values before and after.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub from: Value,
    pub to: Value,
}

/// The fields whose values differ between two views.
pub fn diff(before: &Map<String, Value>, after: &Map<String, Value>) -> Vec<FieldChange> {
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let from = before.get(k).cloned().unwrap_or(Value::Null);
            let to = after.get(k).cloned().unwrap_or(Value::Null);
            (from != to).then(|| FieldChange {
                field: k.clone(),
                from,
                to,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(first: &str) -> LeadRequest {
        LeadRequest {
            first_name: first.into(),
            ..Default::default()
        }
    }

    #[test]
    fn truncates_as_the_contract_says() {
        let mut r = req(&"a".repeat(40));
        r.last_name = Some("b".repeat(31));
        r.tags = Some(vec!["t".repeat(70), "x".into(), "X".into(), " ".into()]);
        r.phones = Some(vec!["1".repeat(25)]);
        r.segments = Some(vec!["s".repeat(35)]);
        let p = LeadPatch::from_create(&r, None).unwrap();
        assert_eq!(p.first_name.unwrap().len(), 30);
        assert_eq!(p.last_name.unwrap().len(), 30);
        let tags = p.tags.replace.unwrap();
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[0].len(), 64);
        assert_eq!(p.phones.unwrap()[0].len(), 20);
        assert_eq!(p.segments.unwrap()[0].len(), 30);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(LeadPatch::from_create(&req("  "), None).is_err());
        let mut r = req("a");
        r.emails = Some(vec!["not-an-email".into()]);
        assert_eq!(
            LeadPatch::from_create(&r, None).unwrap_err().code,
            codes::INVALID_PARAMETER
        );
        let mut r = req("a");
        r.stage = Some("s".repeat(21));
        assert_eq!(
            LeadPatch::from_create(&r, None).unwrap_err().code,
            codes::PARAMETER_TOO_LONG
        );
        let mut r = req("a");
        r.property = Some(LeadProperty {
            city: Some(" ".into()),
            ..Default::default()
        });
        assert_eq!(
            LeadPatch::from_create(&r, None).unwrap_err().code,
            codes::PROPERTY_ADDRESS_EMPTY
        );
        let mut r = req("a");
        r.profile.lead_type = Some(4);
        assert!(LeadPatch::from_create(&r, None).is_err());
        let mut r = req("a");
        r.ownership_scope = Some(OwnershipScope::Office);
        assert!(LeadPatch::from_create(&r, None).is_err());
        let mut r = req("a");
        r.profile.birthday = Some("2001-06-05".into());
        assert!(LeadPatch::from_create(&r, None).is_err());
    }

    #[test]
    fn edit_keeps_what_is_not_sent() {
        let mut lead = Lead {
            id: 7,
            first_name: "Bob".into(),
            ..Default::default()
        };
        let mut r = req("Bob");
        r.profile.city = Some("Austin".into());
        r.profile.buy_house = Some(openhouse_api::YesNo::Yes);
        let mut n = 0;
        lead.apply(&LeadPatch::from_create(&r, None).unwrap(), 1, || {
            n += 1;
            n
        });
        let e = EditLeadRequest {
            profile: LeadProfile {
                city: Some("Dallas".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        lead.apply(&LeadPatch::from_edit(&e).unwrap(), 2, || 99);
        assert_eq!(lead.doc.profile.city.as_deref(), Some("Dallas"));
        assert_eq!(lead.doc.profile.buy_house, Some(openhouse_api::YesNo::Yes));
        assert_eq!(lead.first_name, "Bob");
    }

    #[test]
    fn properties_merge_by_address() {
        let mut lead = Lead {
            id: 1,
            ..Default::default()
        };
        let p = LeadProperty {
            city: Some("Austin".into()),
            bedrooms: Some(2),
            ..Default::default()
        };
        lead.put_property(&p, 10);
        lead.put_property(
            &LeadProperty {
                bedrooms: Some(3),
                ..p.clone()
            },
            11,
        );
        assert_eq!(lead.doc.properties.len(), 1);
        assert_eq!(lead.doc.properties[0].bedrooms, Some(3));
        assert_eq!(lead.doc.properties[0].id, Some(10));
        lead.put_property(
            &LeadProperty {
                city: Some("Dallas".into()),
                ..Default::default()
            },
            12,
        );
        assert_eq!(lead.doc.properties.len(), 2);
    }

    #[test]
    fn stage_ids_are_stable_and_positive() {
        assert_eq!(stage_id("Active"), stage_id("Active"));
        assert_ne!(stage_id("Active"), stage_id("active"));
        assert!(stage_id("") > 0 && stage_id("Closed") < (1 << 53));
    }

    #[test]
    fn phone_keys() {
        assert_eq!(phone_key("+1 (347) 903-3333"), "3479033333");
        assert_eq!(phone_key("347.903.3333"), "3479033333");
        assert_eq!(phone_key("+44 20 7946 0958"), "442079460958");
    }

    #[test]
    fn diff_lists_changed_fields() {
        let a = Lead {
            first_name: "A".into(),
            ..Default::default()
        };
        let b = Lead {
            first_name: "B".into(),
            ..Default::default()
        };
        let d = diff(&a.audit_view(), &b.audit_view());
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].field, "firstName");
    }
}
