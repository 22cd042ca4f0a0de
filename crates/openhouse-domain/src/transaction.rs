//! Lead transactions: what a transaction may hold and how a change applies to it. A change is
//! the JSON fields a caller sent: a field sent replaces the stored one, `null` clears it, a
//! field left out stays; the result is checked as a whole. Creating a transaction is changing
//! an empty one, so create, edit, lead create/edit and Brokermint share every rule.
//!
//! Types and pipelines are fixed (every team has the same): Purchase, Lease and Other go
//! Pre-contract → Under Contract → Closed / Cancelled; Listing goes Pre-listing → Active →
//! Under Contract → Closed / Cancelled.

use std::collections::HashSet;

use openhouse_api::{
    CalculateType, Commission, Commissions, CustomFieldRequest, CustomFieldResponse,
    LeadTransaction, LeadTransactionPropertyAddress, PayType,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::codes;
use crate::lead::{LIST_MAX, Lead, TEXT_MAX, bounded, opt_bounded};
use crate::{Error, ErrorKind, time};

/// Transaction types, as the API spells them.
pub const TYPES: [&str; 4] = ["Purchase", "Listing", "Lease", "Other"];
/// The pipeline of every type but Listing.
const DEAL_STAGES: [&str; 4] = ["Pre-contract", "Under Contract", "Closed", "Cancelled"];
const LISTING_STAGES: [&str; 5] = [
    "Pre-listing",
    "Active",
    "Under Contract",
    "Closed",
    "Cancelled",
];
/// The most characters of a commission's `desc`.
pub const DESC_MAX: usize = 512;
/// The most characters of a custom field's value.
pub const CUSTOM_VALUE_MAX: usize = 2000;
/// 100% in the hundredths commission percentages are given in.
pub const PERCENT_FULL: i64 = 10_000;

/// The fields of [`LeadTransaction`] a caller writes; the others (`transactionId`, `created`,
/// `updated`, `leadName`, `assignedAgent`) are the server's.
const WRITABLE: [&str; 20] = [
    "agentRevenue",
    "agreementSignedDate",
    "appointmentDate",
    "appraisalDate",
    "closeDate",
    "commissionRate",
    "commissions",
    "contractDate",
    "customFields",
    "escrowDate",
    "expectedCloseDate",
    "expiration",
    "gci",
    "homeInspectionDate",
    "homePrice",
    "offerDate",
    "teamRevenue",
    "transactionName",
    "transactionStatus",
    "transactionType",
];

/// The stages of a type's pipeline, in order; the first is where a transaction starts.
pub fn stages(transaction_type: &str) -> &'static [&'static str] {
    if transaction_type == "Listing" {
        &LISTING_STAGES
    } else {
        &DEAL_STAGES
    }
}

/// A transaction as stored: what the caller wrote (with `assignedAgent` the owner Brokermint
/// named, if any) and its property's address. The id, times and lead name are not in it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TransactionDoc {
    #[serde(flatten)]
    pub fields: LeadTransaction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property_address: Option<LeadTransactionPropertyAddress>,
}

impl TransactionDoc {
    /// The transaction as the API shows it.
    pub fn show(
        &self,
        id: i64,
        create_time: i64,
        update_time: i64,
        lead: &Lead,
    ) -> LeadTransaction {
        LeadTransaction {
            transaction_id: Some(id),
            created: create_time,
            updated: update_time,
            lead_name: Some(lead.full_name()),
            assigned_agent: self.fields.assigned_agent.or(lead.assigned_user_id),
            ..self.fields.clone()
        }
    }

    /// A flat view for field-by-field change logs.
    pub fn audit_view(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }
}

/// The kinds of custom field a team can give its transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Date,
    Text,
    Number,
    Percentage,
    SingleSelect,
    MultiSelect,
    Currency,
    Html,
}

impl FieldKind {
    /// As the API shows it (Lofty's mixed spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Date => "DATE",
            Self::Text => "TEXT",
            Self::Number => "NUMBER",
            Self::Percentage => "PERCENTAGE",
            Self::SingleSelect => "Single-Select",
            Self::MultiSelect => "Multi-Select",
            Self::Currency => "CURRENCY",
            Self::Html => "HTML",
        }
    }

    /// Any case; `-`, `_` and spaces alike (`single_select`, `Single-Select`).
    pub fn parse(s: &str) -> Option<Self> {
        let k: String = s
            .trim()
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .collect::<String>()
            .to_ascii_lowercase();
        Some(match k.as_str() {
            "date" => Self::Date,
            "text" => Self::Text,
            "number" => Self::Number,
            "percentage" => Self::Percentage,
            "singleselect" => Self::SingleSelect,
            "multiselect" => Self::MultiSelect,
            "currency" => Self::Currency,
            "html" => Self::Html,
            _ => return None,
        })
    }

    fn selects(self) -> bool {
        matches!(self, Self::SingleSelect | Self::MultiSelect)
    }
}

/// One option of a select field.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FieldOption {
    pub label: String,
    pub value: String,
}

/// A custom field of the team's transactions.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomFieldDef {
    pub id: i64,
    pub name: String,
    pub kind: FieldKind,
    /// Select fields: the options as JSON (`[{"label", "value"}]`), as the API shows them.
    pub params: Option<String>,
}

impl CustomFieldDef {
    /// As the API shows it.
    pub fn show(&self) -> CustomFieldResponse {
        CustomFieldResponse {
            id: self.id,
            name: self.name.clone(),
            params: self.params.clone(),
            field_type: self.kind.as_str().to_string(),
        }
    }

    fn options(&self) -> Vec<FieldOption> {
        self.params
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default()
    }

    fn offers(&self, v: &str) -> bool {
        self.options().iter().any(|o| o.value == v || o.label == v)
    }
}

/// A new custom field: its cleaned name, kind and params. Select fields need options (each
/// option's label is its value too); other kinds take none.
pub fn new_custom_field(
    name: &str,
    kind: &str,
    options: &[String],
) -> Result<(String, FieldKind, Option<String>), Error> {
    let name = bounded("name", name, TEXT_MAX)?;
    if name.is_empty() {
        return Err(Error::invalid("name is required"));
    }
    let kind = FieldKind::parse(kind).ok_or_else(|| {
        Error::invalid(
            "type must be one of DATE, TEXT, NUMBER, PERCENTAGE, Single-Select, Multi-Select, \
             CURRENCY, HTML",
        )
    })?;
    let mut opts: Vec<FieldOption> = Vec::new();
    for o in options {
        let o = bounded("option", o, TEXT_MAX)?;
        if !o.is_empty() && !opts.iter().any(|x| x.value == o) {
            opts.push(FieldOption {
                label: o.clone(),
                value: o,
            });
        }
    }
    let params = match (kind.selects(), opts.is_empty()) {
        (true, true) => return Err(Error::invalid("a select field needs options")),
        (true, false) => Some(serde_json::to_string(&opts).expect("serializable")),
        (false, true) => None,
        (false, false) => return Err(Error::invalid("only select fields take options")),
    };
    Ok((name, kind, params))
}

/// A transaction name: not blank, no `<` or `>` (200062), at most 255 characters (20043).
pub fn clean_name(name: &str) -> Result<String, Error> {
    let n = name.trim();
    if n.is_empty() {
        return Err(Error::new(
            ErrorKind::BadRequest,
            codes::TRANSACTION_NAME_INVALID,
            "transactionName is blank",
        ));
    }
    if n.contains('<') || n.contains('>') {
        return Err(Error::new(
            ErrorKind::BadRequest,
            codes::TRANSACTION_NAME_INVALID,
            "transactionName contains HTML",
        ));
    }
    bounded("transactionName", n, TEXT_MAX)
}

/// The ids of commission lines, over every stage.
fn commission_ids(c: &Option<Commissions>) -> HashSet<i64> {
    c.iter()
        .flat_map(|c| [&c.pre_split, &c.split, &c.post_split])
        .flatten()
        .flatten()
        .filter_map(|l| l.id)
        .collect()
}

/// Applies what a caller sent (`sent`: JSON fields of [`LeadTransaction`]) to `current`.
/// `fields` are the team's custom fields, needed when `customFields` is sent; `new_id` gives
/// new commission lines their ids. Returns the whole transaction as it is to be stored.
pub fn apply(
    current: &LeadTransaction,
    sent: &Map<String, Value>,
    fields: &[CustomFieldDef],
    mut new_id: impl FnMut() -> i64,
) -> Result<LeadTransaction, Error> {
    let mut m = match serde_json::to_value(current) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for (k, v) in sent {
        if !WRITABLE.contains(&k.as_str()) {
            continue;
        }
        if v.is_null() {
            m.remove(k);
        } else {
            m.insert(k.clone(), v.clone());
        }
    }
    m.entry("transactionName").or_insert(Value::from(""));
    let mut t: LeadTransaction =
        serde_path_to_error::deserialize(Value::Object(m)).map_err(|e| {
            let path = e.path().to_string();
            let msg = e.into_inner().to_string();
            Error::invalid(format!("invalid JSON body at {path}: {msg}"))
        })?;
    let sent_value = |k: &str| sent.get(k).is_some_and(|v| !v.is_null());
    t.transaction_id = None;
    t.created = 0;
    t.updated = 0;
    t.lead_name = None;
    t.assigned_agent = current.assigned_agent;
    t.transaction_name = clean_name(&t.transaction_name)?;

    let kind = match t.transaction_type.as_deref().map(str::trim) {
        None | Some("") => TYPES[0],
        Some(s) => TYPES
            .iter()
            .find(|k| k.eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "transactionType must be one of {}",
                    TYPES.join(", ")
                ))
            })?,
    };
    t.transaction_type = Some(kind.to_string());
    let pipeline = stages(kind);
    let status = match t.transaction_status.as_deref().map(str::trim) {
        None | Some("") => pipeline[0],
        Some(s) => match pipeline.iter().find(|p| p.eq_ignore_ascii_case(s)) {
            Some(p) => p,
            // kept from before, and the type changed under it: the new pipeline's start
            None if !sent_value("transactionStatus") => pipeline[0],
            None => {
                return Err(Error::new(
                    ErrorKind::BadRequest,
                    codes::TRANSACTION_STATUS_INVALID,
                    format!(
                        "transactionStatus of a {kind} transaction must be one of {}",
                        pipeline.join(", ")
                    ),
                ));
            }
        },
    };
    t.transaction_status = Some(status.to_string());

    for (name, v) in [
        ("homePrice", &t.home_price),
        ("commissionRate", &t.commission_rate),
        ("gci", &t.gci),
        ("teamRevenue", &t.team_revenue),
        ("agentRevenue", &t.agent_revenue),
    ] {
        if let Some(n) = v.as_ref().and_then(|n| n.as_f64())
            && n < 0.0
        {
            return Err(Error::invalid(format!("{name} must not be negative")));
        }
    }
    if let Some(r) = t.commission_rate.as_ref().and_then(|n| n.as_f64())
        && r > 100.0
    {
        return Err(Error::invalid(
            "commissionRate is a percentage: at most 100",
        ));
    }
    for (name, v) in [
        ("agreementSignedDate", t.agreement_signed_date),
        ("appointmentDate", t.appointment_date),
        ("appraisalDate", t.appraisal_date),
        ("closeDate", t.close_date),
        ("contractDate", t.contract_date),
        ("escrowDate", t.escrow_date),
        ("expectedCloseDate", t.expected_close_date),
        ("expiration", t.expiration),
        ("homeInspectionDate", t.home_inspection_date),
        ("offerDate", t.offer_date),
    ] {
        if let Some(d) = v {
            time::check_epoch_ms(name, d)?;
            if d < 0 {
                return Err(Error::invalid(format!(
                    "{name} must be epoch milliseconds, not before 1970"
                )));
            }
        }
    }
    if let Some(c) = &mut t.commissions {
        clean_commissions(c, &commission_ids(&current.commissions), &mut new_id)?;
    }
    if sent_value("customFields") {
        t.custom_fields = t
            .custom_fields
            .as_deref()
            .map(|l| clean_custom_fields(l, fields))
            .transpose()?;
    }
    Ok(t)
}

fn clean_commissions(
    c: &mut Commissions,
    existing: &HashSet<i64>,
    new_id: &mut impl FnMut() -> i64,
) -> Result<(), Error> {
    let mut seen = HashSet::new();
    for (stage, list, split) in [
        ("preSplit", &mut c.pre_split, false),
        ("split", &mut c.split, true),
        ("postSplit", &mut c.post_split, false),
    ] {
        let Some(list) = list else { continue };
        if list.len() > LIST_MAX {
            return Err(Error::invalid(format!(
                "commissions.{stage} takes at most {LIST_MAX} lines"
            )));
        }
        let mut percent = 0i64;
        for (i, l) in list.iter_mut().enumerate() {
            let at = format!("commissions.{stage}[{i}]");
            clean_commission(l, &at, split)?;
            if split && l.calculate_type == Some(CalculateType::Percent) {
                // each value is 0..=PERCENT_FULL here and the list is bounded, but the sum is
                // checked anyway: no client value may wrap it
                percent = percent.checked_add(l.value).unwrap_or(i64::MAX);
            }
            l.id = match l.id {
                Some(id) if existing.contains(&id) && seen.insert(id) => Some(id),
                Some(id) => {
                    return Err(Error::invalid(format!(
                        "{at}.id: {id} is not a commission line of this transaction (leave it \
                         out for a new line)"
                    )));
                }
                None => Some(new_id()),
            };
        }
        if percent > PERCENT_FULL {
            return Err(Error::invalid(
                "commissions.split: the percentages add up to more than 100% (10000)",
            ));
        }
    }
    Ok(())
}

fn clean_commission(l: &mut Commission, at: &str, split: bool) -> Result<(), Error> {
    let calc = *l.calculate_type.get_or_insert(CalculateType::Amount);
    if split && l.value < 0 {
        return Err(Error::invalid(format!(
            "{at}.value must not be negative in a split"
        )));
    }
    // unsigned_abs: i64::MIN has no i64 absolute value (abs() would overflow and pass)
    if calc == CalculateType::Percent && l.value.unsigned_abs() > PERCENT_FULL.unsigned_abs() {
        return Err(Error::invalid(format!(
            "{at}.value: a percentage is given in hundredths, at most {PERCENT_FULL} (100%)"
        )));
    }
    for (name, id) in [("payTo", l.pay_to), ("splitPayTo", l.split_pay_to)] {
        if id < 0 {
            return Err(Error::invalid(format!("{at}.{name} must not be negative")));
        }
    }
    let text = |field: &str, v: &Option<String>, max: usize| -> Result<Option<String>, Error> {
        Ok(opt_bounded(&format!("{at}.{field}"), v, max)?.filter(|s| !s.is_empty()))
    };
    l.desc = text("desc", &l.desc, DESC_MAX)?;
    l.pay_to_name = text("payToName", &l.pay_to_name, TEXT_MAX)?;
    l.split_pay_to_name = text("splitPayToName", &l.split_pay_to_name, TEXT_MAX)?;
    Ok(())
}

/// Who the commissions pay: (where, pay type, id) of every payee, for the store to check.
pub fn payees(t: &LeadTransaction) -> Vec<(String, PayType, i64)> {
    let mut out = Vec::new();
    let Some(c) = &t.commissions else { return out };
    for (stage, list) in [
        ("preSplit", &c.pre_split),
        ("split", &c.split),
        ("postSplit", &c.post_split),
    ] {
        for (i, l) in list.iter().flatten().enumerate() {
            out.push((
                format!("commissions.{stage}[{i}].payTo"),
                l.pay_type,
                l.pay_to,
            ));
            out.push((
                format!("commissions.{stage}[{i}].splitPayTo"),
                l.split_pay_type,
                l.split_pay_to,
            ));
        }
    }
    out
}

fn clean_custom_fields(
    list: &[CustomFieldRequest],
    defs: &[CustomFieldDef],
) -> Result<Vec<CustomFieldRequest>, Error> {
    if list.len() > LIST_MAX {
        return Err(Error::invalid(format!(
            "customFields takes at most {LIST_MAX} entries"
        )));
    }
    let mut out: Vec<CustomFieldRequest> = Vec::new();
    let mut seen = HashSet::new();
    for (i, f) in list.iter().enumerate() {
        let at = format!("customFields[{i}]");
        let id =
            f.id.ok_or_else(|| Error::invalid(format!("{at}.id is required")))?;
        let def = defs.iter().find(|d| d.id == id).ok_or_else(|| {
            Error::invalid(format!(
                "{at}.id: {id} is not a transaction custom field of the team"
            ))
        })?;
        if !seen.insert(id) {
            return Err(Error::invalid(format!("{at}.id: {id} is given twice")));
        }
        let Some(v) = f.value.as_deref().filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        if v.chars().count() > CUSTOM_VALUE_MAX {
            return Err(Error::too_long(&format!("{at}.value"), CUSTOM_VALUE_MAX));
        }
        let name = &def.name;
        let ok = match def.kind {
            FieldKind::Text | FieldKind::Html => true,
            FieldKind::Number | FieldKind::Percentage | FieldKind::Currency => {
                v.trim().parse::<f64>().is_ok_and(f64::is_finite)
            }
            FieldKind::Date => time::is_date(v),
            FieldKind::SingleSelect => def.offers(v),
            FieldKind::MultiSelect => serde_json::from_str::<Vec<String>>(v)
                .is_ok_and(|items| items.iter().all(|x| def.offers(x))),
        };
        if !ok {
            let what = match def.kind {
                FieldKind::Date => {
                    "a date (yyyy-MM-dd or epoch milliseconds) in the years 1900-9999".to_string()
                }
                FieldKind::SingleSelect => "one of its options".to_string(),
                FieldKind::MultiSelect => {
                    "a JSON array of its options, like [\"Item1\",\"Item2\"]".to_string()
                }
                _ => "a number".to_string(),
            };
            return Err(Error::invalid(format!(
                "{at}.value: {name} ({}) must be {what}",
                def.kind.as_str()
            )));
        }
        out.push(CustomFieldRequest {
            id: Some(id),
            value: Some(v.to_string()),
        });
    }
    Ok(out)
}

/// The address of a transaction's property: every field at most 255 characters, blanks
/// cleared, and at least one of city, state, zipCode, streetAddress (200057). The transaction
/// id is not part of what is stored.
pub fn clean_address(
    a: &LeadTransactionPropertyAddress,
) -> Result<LeadTransactionPropertyAddress, Error> {
    let f = |name: &str, v: &Option<String>| -> Result<Option<String>, Error> {
        Ok(opt_bounded(name, v, TEXT_MAX)?.filter(|s| !s.is_empty()))
    };
    let out = LeadTransactionPropertyAddress {
        city: f("city", &a.city)?,
        county: f("county", &a.county)?,
        label: f("label", &a.label)?,
        state: f("state", &a.state)?,
        street_address: f("streetAddress", &a.street_address)?,
        transaction_id: None,
        unit: f("unit", &a.unit)?,
        zip_code: f("zipCode", &a.zip_code)?,
    };
    if out.city.is_none()
        && out.state.is_none()
        && out.zip_code.is_none()
        && out.street_address.is_none()
    {
        return Err(Error::new(
            ErrorKind::BadRequest,
            codes::PROPERTY_ADDRESS_EMPTY,
            "the address needs at least one of city, state, zipCode, streetAddress",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sent(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn counter() -> impl FnMut() -> i64 {
        let mut n = 100;
        move || {
            n += 1;
            n
        }
    }

    fn line(value: i64) -> Value {
        json!({"payTo": 1, "payType": "OTHER", "splitPayTo": 0, "splitPayType": "OTHER", "value": value})
    }

    #[test]
    fn create_fills_defaults_and_keeps_amounts_as_sent() {
        let t = apply(
            &LeadTransaction::default(),
            &sent(
                json!({"transactionName": " 1 Main St ", "homePrice": 500000, "gci": 5000.5,
                "transactionId": 9, "created": 5, "leadName": "x", "assignedAgent": 3}),
            ),
            &[],
            counter(),
        )
        .unwrap();
        assert_eq!(t.transaction_name, "1 Main St");
        assert_eq!(t.transaction_type.as_deref(), Some("Purchase"));
        assert_eq!(t.transaction_status.as_deref(), Some("Pre-contract"));
        assert_eq!(serde_json::to_value(&t.home_price).unwrap(), json!(500000));
        assert_eq!(serde_json::to_value(&t.gci).unwrap(), json!(5000.5));
        assert_eq!(
            (t.transaction_id, t.created, t.lead_name, t.assigned_agent),
            (None, 0, None, None)
        );
    }

    #[test]
    fn names_types_and_statuses() {
        let base = LeadTransaction::default();
        for (body, code) in [
            (json!({}), codes::TRANSACTION_NAME_INVALID),
            (
                json!({"transactionName": "  "}),
                codes::TRANSACTION_NAME_INVALID,
            ),
            (
                json!({"transactionName": "<b>x</b>"}),
                codes::TRANSACTION_NAME_INVALID,
            ),
            (
                json!({"transactionName": "x".repeat(256)}),
                codes::PARAMETER_TOO_LONG,
            ),
            (
                json!({"transactionName": "x", "transactionType": "Rent"}),
                codes::INVALID_PARAMETER,
            ),
            (
                json!({"transactionName": "x", "transactionStatus": "Active"}),
                codes::TRANSACTION_STATUS_INVALID,
            ),
            (
                json!({"transactionName": "x", "homePrice": -1}),
                codes::INVALID_PARAMETER,
            ),
            (
                json!({"transactionName": "x", "commissionRate": 101}),
                codes::INVALID_PARAMETER,
            ),
            (
                json!({"transactionName": "x", "closeDate": -5}),
                codes::INVALID_PARAMETER,
            ),
            (
                json!({"transactionName": "x", "closeDate": i64::MAX}),
                codes::INVALID_PARAMETER,
            ),
            (
                json!({"transactionName": "x", "offerDate": i64::MIN}),
                codes::INVALID_PARAMETER,
            ),
            (
                json!({"transactionName": "x", "expiration": time::MAX_MS + 1}),
                codes::INVALID_PARAMETER,
            ),
            (
                json!({"transactionName": "x", "homePrice": "a lot"}),
                codes::INVALID_PARAMETER,
            ),
        ] {
            let e = apply(&base, &sent(body.clone()), &[], counter()).unwrap_err();
            assert_eq!(e.code, code, "{body}: {e}");
        }
        let listing = apply(
            &base,
            &sent(json!({"transactionName": "x", "transactionType": "listing", "transactionStatus": "ACTIVE"})),
            &[],
            counter(),
        )
        .unwrap();
        assert_eq!(listing.transaction_type.as_deref(), Some("Listing"));
        assert_eq!(listing.transaction_status.as_deref(), Some("Active"));
        // the type changes, the status is not sent and does not exist in the new pipeline
        let moved = apply(
            &listing,
            &sent(json!({"transactionType": "Lease"})),
            &[],
            counter(),
        )
        .unwrap();
        assert_eq!(moved.transaction_status.as_deref(), Some("Pre-contract"));
        // a partial change keeps the rest; null clears
        let t = apply(&listing, &sent(json!({"closeDate": 7})), &[], counter()).unwrap();
        assert_eq!((t.transaction_name.as_str(), t.close_date), ("x", Some(7)));
        let t = apply(&t, &sent(json!({"closeDate": null})), &[], counter()).unwrap();
        assert_eq!(t.close_date, None);
    }

    #[test]
    fn commissions() {
        let base = LeadTransaction::default();
        let t = apply(
            &base,
            &sent(json!({"transactionName": "x", "commissions": {"split": [line(6000), line(4000)], "preSplit": [line(-500)]}})),
            &[],
            counter(),
        )
        .unwrap();
        let c = t.commissions.clone().unwrap();
        let split = c.split.unwrap();
        assert_eq!(split[0].id, Some(102), "preSplit comes first");
        assert_eq!(split[0].calculate_type, Some(CalculateType::Amount));
        assert_eq!(c.pre_split.unwrap()[0].value, -500);
        // ids of the transaction's lines are kept; unknown ones are refused
        let again = apply(
            &t,
            &sent(json!({"commissions": {"split": [{"id": 102, "payTo": 1, "payType": "OTHER", "splitPayTo": 0, "splitPayType": "OTHER", "value": 1}]}})),
            &[],
            counter(),
        )
        .unwrap();
        assert_eq!(again.commissions.unwrap().split.unwrap()[0].id, Some(102));
        for c in [
            json!({"split": [{"id": 7, "payTo": 1, "payType": "OTHER", "splitPayTo": 0, "splitPayType": "OTHER", "value": 1}]}),
            json!({"split": [line(-1)]}),
            json!({"split": [{"payTo": 1, "payType": "OTHER", "splitPayTo": 0, "splitPayType": "OTHER", "value": 6000, "calculateType": "PERCENT"},
                             {"payTo": 1, "payType": "OTHER", "splitPayTo": 0, "splitPayType": "OTHER", "value": 5000, "calculateType": "PERCENT"}]}),
            json!({"postSplit": [{"payTo": 1, "payType": "OTHER", "splitPayTo": 0, "splitPayType": "OTHER", "value": -10001, "calculateType": "PERCENT"}]}),
            json!({"split": [{"payTo": 1, "payType": "NOBODY", "splitPayTo": 0, "splitPayType": "OTHER", "value": 1}]}),
            json!({"split": [{"payType": "OTHER", "splitPayTo": 0, "splitPayType": "OTHER", "value": 1}]}),
        ] {
            assert!(
                apply(&t, &sent(json!({"commissions": c})), &[], counter()).is_err(),
                "{c}"
            );
        }
        // a percentage whose absolute value overflows i64 (i64::MIN.abs() would wrap to itself,
        // negative, and pass the check), and the other ends of i64
        let percent = |v: i64| json!({"payTo": 1, "payType": "OTHER", "splitPayTo": 0, "splitPayType": "OTHER", "value": v, "calculateType": "PERCENT"});
        for v in [i64::MIN, i64::MIN + 1, i64::MAX, -10_001, 10_001] {
            for stage in ["preSplit", "postSplit", "split"] {
                let e = apply(
                    &t,
                    &sent(json!({"commissions": {stage: [percent(v)]}})),
                    &[],
                    counter(),
                )
                .unwrap_err();
                assert_eq!(e.code, codes::INVALID_PARAMETER, "{stage} {v}: {e}");
                assert!(
                    e.message.contains(&format!("commissions.{stage}[0].value")),
                    "{e}"
                );
            }
        }
        for v in [-10_000, 10_000] {
            apply(
                &t,
                &sent(json!({"commissions": {"postSplit": [percent(v)]}})),
                &[],
                counter(),
            )
            .unwrap();
        }
        // a split's percentages are summed without overflow
        let many: Vec<Value> = (0..LIST_MAX).map(|_| percent(10_000)).collect();
        assert!(
            apply(
                &t,
                &sent(json!({"commissions": {"split": many}})),
                &[],
                counter()
            )
            .is_err()
        );
        let long = json!({"split": [{"payTo": 1, "payType": "OTHER", "splitPayTo": 0, "splitPayType": "OTHER", "value": 1, "desc": "d".repeat(513)}]});
        assert_eq!(
            apply(&t, &sent(json!({"commissions": long})), &[], counter())
                .unwrap_err()
                .code,
            codes::PARAMETER_TOO_LONG
        );
    }

    #[test]
    fn custom_fields() {
        let (_, kind, params) =
            new_custom_field("Color", "single_select", &["Red".into(), "Blue".into()]).unwrap();
        let defs = vec![
            CustomFieldDef {
                id: 1,
                name: "Color".into(),
                kind,
                params,
            },
            CustomFieldDef {
                id: 2,
                name: "Fee".into(),
                kind: FieldKind::Currency,
                params: None,
            },
            CustomFieldDef {
                id: 3,
                name: "Due".into(),
                kind: FieldKind::Date,
                params: None,
            },
            CustomFieldDef {
                id: 4,
                name: "Tags".into(),
                kind: FieldKind::MultiSelect,
                params: new_custom_field("Tags", "Multi-Select", &["a".into(), "b".into()])
                    .unwrap()
                    .2,
            },
        ];
        let base = LeadTransaction {
            transaction_name: "x".into(),
            ..Default::default()
        };
        let t = apply(
            &base,
            &sent(
                json!({"customFields": [{"id": 1, "value": "Red"}, {"id": 2, "value": "12.50"},
                {"id": 3, "value": "2026-03-01"}, {"id": 4, "value": "[\"a\",\"b\"]"}]}),
            ),
            &defs,
            counter(),
        )
        .unwrap();
        assert_eq!(t.custom_fields.as_ref().unwrap().len(), 4);
        let t = apply(
            &t,
            &sent(json!({"customFields": [{"id": 2, "value": null}, {"id": 1, "value": "Blue"}]})),
            &defs,
            counter(),
        )
        .unwrap();
        assert_eq!(
            serde_json::to_value(&t.custom_fields).unwrap(),
            json!([{"id": 1, "value": "Blue"}])
        );
        for bad in [
            json!([{"id": 9, "value": "x"}]),
            json!([{"value": "x"}]),
            json!([{"id": 1, "value": "Green"}]),
            json!([{"id": 2, "value": "cheap"}]),
            json!([{"id": 3, "value": "tomorrow"}]),
            json!([{"id": 4, "value": "[\"c\"]"}]),
            json!([{"id": 1, "value": "Red"}, {"id": 1, "value": "Blue"}]),
        ] {
            assert!(
                apply(&base, &sent(json!({"customFields": bad})), &defs, counter()).is_err(),
                "{bad}"
            );
        }
        assert!(new_custom_field("A", "single_select", &[]).is_err());
        assert!(new_custom_field("A", "TEXT", &["x".into()]).is_err());
        assert!(new_custom_field("A", "colour", &[]).is_err());
    }

    #[test]
    fn addresses() {
        let a = clean_address(&LeadTransactionPropertyAddress {
            city: Some(" Austin ".into()),
            unit: Some(" ".into()),
            transaction_id: Some(5),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(a.city.as_deref(), Some("Austin"));
        assert_eq!((a.unit, a.transaction_id), (None, None));
        let e = clean_address(&LeadTransactionPropertyAddress {
            label: Some("Home".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.code, codes::PROPERTY_ADDRESS_EMPTY);
    }
}
