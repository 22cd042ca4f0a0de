//! What Brokermint's callbacks mean for openhouse: a contact is a change to a lead, an incoming
//! transaction a change to a transaction. Brokermint sends blanks for what it does not know, so
//! a blank field counts as not sent; and a contact's email and phone are added to the lead's,
//! never replacing them. The same call twice makes the same change, which the second time
//! changes nothing.

use openhouse_api::{
    BrokermintTime, Contacts, EditLeadRequest, IncomingTransaction, LeadTransactionPropertyAddress,
    OwnershipScope,
};
use serde_json::{Map, Value};

use crate::lead::{Lead, LeadPatch, TEXT_MAX, bounded, phone_key};
use crate::transaction::TYPES;
use crate::{Error, time};

/// The longest external id kept.
pub const EXTERNAL_ID_MAX: usize = 255;

fn given(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(String::from)
}

/// Brokermint's id of a contact, cleaned; None when blank.
pub fn external_id(c: &Contacts) -> Result<Option<String>, Error> {
    given(&c.external_id)
        .map(|e| bounded("externalId", &e, EXTERNAL_ID_MAX))
        .transpose()
}

/// The contact's email, as the lead search keys it (lower case); None when blank.
pub fn email_key(c: &Contacts) -> Option<String> {
    given(&c.email).map(|e| e.to_lowercase())
}

/// A Brokermint contact type as a lead type of the contract (`leadTypes`).
pub fn lead_type(contact_type: &str) -> i32 {
    match contact_type.trim().to_ascii_lowercase().as_str() {
        "seller" => 1,
        "buyer" => 2,
        "renter" | "tenant" => 5,
        "investor" => 6,
        "agent" => 7,
        "homeowner" => 8,
        "landlord" => 9,
        _ => -1,
    }
}

/// The change a contact makes to `before` (None: the lead it creates, assigned to and, unless
/// `bmPrivate` is false, owned by `caller`).
pub fn contact_patch(c: &Contacts, before: Option<&Lead>, caller: i64) -> Result<LeadPatch, Error> {
    let mut e = EditLeadRequest {
        first_name: given(&c.first_name),
        last_name: given(&c.last_name),
        source: given(&c.lead_source),
        ..Default::default()
    };
    if before.is_none() && e.first_name.is_none() {
        return Err(Error::invalid(
            "firstName is required to create a lead from a contact",
        ));
    }
    if let Some(email) = given(&c.email) {
        let mut emails = before.map(|l| l.doc.emails.clone()).unwrap_or_default();
        if !emails.iter().any(|x| x.eq_ignore_ascii_case(&email)) {
            emails.push(email);
            e.emails = Some(emails);
        }
    }
    if let Some(phone) = given(&c.phone) {
        let mut phones = before.map(|l| l.doc.phones.clone()).unwrap_or_default();
        let key = phone_key(&phone);
        if !phones
            .iter()
            .any(|p| p == &phone || (!key.is_empty() && phone_key(p) == key))
        {
            phones.push(phone);
            e.phones = Some(phones);
        }
    }
    e.profile.street_address = given(&c.address);
    e.profile.city = given(&c.city);
    e.profile.state = given(&c.state);
    e.profile.zip_code = given(&c.zip);
    if let Some(t) = given(&c.contact_type) {
        let t = lead_type(&t);
        let mut types = before
            .and_then(|l| l.doc.profile.lead_types.clone())
            .unwrap_or_default();
        if !types.contains(&t) {
            types.push(t);
            e.profile.lead_types = Some(types);
        }
    }
    if before.is_none() {
        e.assigned_user_id = Some(caller);
        if c.bm_private == Some(false) {
            e.ownership_scope = Some(OwnershipScope::Team);
        } else {
            e.ownership_scope = Some(OwnershipScope::Personal);
            e.ownership_id = Some(caller);
        }
    }
    LeadPatch::from_edit(&e)
}

/// Epoch milliseconds of a time Brokermint sent.
pub fn instant(field: &str, t: &BrokermintTime) -> Result<i64, Error> {
    let ms = match t {
        BrokermintTime::Millis(ms) => *ms,
        BrokermintTime::Text(s) => time::parse_instant(field, s)?,
        BrokermintTime::Object(o) => match (o.time, o.year, o.month, o.date) {
            (Some(ms), ..) => ms,
            (None, Some(y), Some(m), Some(d)) => time::from_java_parts(
                field,
                y,
                m,
                d,
                o.hours.unwrap_or(0),
                o.minutes.unwrap_or(0),
                o.seconds.unwrap_or(0),
                o.nanos.unwrap_or(0),
                o.timezone_offset.unwrap_or(0),
            )?,
            _ => {
                return Err(Error::invalid(format!(
                    "{field} needs time, or year, month and date"
                )));
            }
        },
    };
    time::check_epoch_ms(field, ms)?;
    if ms < 0 {
        return Err(Error::invalid(format!("{field} must not be before 1970")));
    }
    Ok(ms)
}

/// What an incoming transaction changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncomingChange {
    /// Brokermint's id: the key of the upsert.
    pub id: i64,
    /// The transaction's fields, as a caller of the transaction API would send them.
    pub sent: Map<String, Value>,
    /// Parts of the property address to overwrite (street, city, state, zip).
    pub address: LeadTransactionPropertyAddress,
    /// The owner, when named.
    pub agent_id: Option<i64>,
    /// The name a new transaction gets: the street address, else `Brokermint <id>`.
    pub name: String,
}

impl IncomingChange {
    /// The property address after the change, from the one before.
    pub fn address_over(
        &self,
        before: Option<&LeadTransactionPropertyAddress>,
    ) -> Option<LeadTransactionPropertyAddress> {
        let a = &self.address;
        if a.street_address.is_none()
            && a.city.is_none()
            && a.state.is_none()
            && a.zip_code.is_none()
        {
            return before.cloned();
        }
        let mut out = before.cloned().unwrap_or_default();
        for (to, from) in [
            (&mut out.street_address, &a.street_address),
            (&mut out.city, &a.city),
            (&mut out.state, &a.state),
            (&mut out.zip_code, &a.zip_code),
        ] {
            if from.is_some() {
                to.clone_from(from);
            }
        }
        Some(out)
    }
}

/// Reads an incoming transaction: `id` is required; `status` only means something when it is
/// Closed or Cancelled and `transactionType` when it is a type openhouse knows (any case),
/// otherwise they are ignored, as Lofty does.
pub fn incoming(t: &IncomingTransaction) -> Result<IncomingChange, Error> {
    let id = t.id.ok_or_else(|| Error::invalid("id is required"))?;
    let mut sent = Map::new();
    if let Some(k) = given(&t.transaction_type)
        .and_then(|k| TYPES.iter().find(|x| x.eq_ignore_ascii_case(&k)).copied())
    {
        sent.insert("transactionType".into(), Value::from(k));
    }
    if let Some(s) = given(&t.status).and_then(|s| {
        ["Closed", "Cancelled"]
            .into_iter()
            .find(|x| x.eq_ignore_ascii_case(&s))
    }) {
        sent.insert("transactionStatus".into(), Value::from(s));
    }
    if let Some(p) = &t.price {
        sent.insert("homePrice".into(), Value::Number(p.clone()));
    }
    for (field, key, v) in [
        ("closedAt", "closeDate", &t.closed_at),
        ("closingDate", "expectedCloseDate", &t.closing_date),
        ("expirationDate", "expiration", &t.expiration_date),
        ("acceptanceDate", "contractDate", &t.acceptance_date),
    ] {
        if let Some(v) = v {
            sent.insert(key.into(), Value::from(instant(field, v)?));
        }
    }
    let part = |field: &str, v: &Option<String>| {
        given(v).map(|s| bounded(field, &s, TEXT_MAX)).transpose()
    };
    let address = LeadTransactionPropertyAddress {
        street_address: part("address", &t.address)?,
        city: part("city", &t.city)?,
        state: part("state", &t.state)?,
        zip_code: part("zip", &t.zip)?,
        ..Default::default()
    };
    let name = address
        .street_address
        .clone()
        .unwrap_or_else(|| format!("Brokermint {id}"));
    Ok(IncomingChange {
        id,
        sent,
        address,
        agent_id: t.agent_id,
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use openhouse_api::Timestamp;
    use serde_json::json;

    #[test]
    fn contacts_add_to_a_lead() {
        let c = Contacts {
            first_name: Some("Ann".into()),
            last_name: Some(" ".into()),
            email: Some("ann@example.com".into()),
            phone: Some("+1 (347) 903-3333".into()),
            contact_type: Some("buyer".into()),
            bm_private: Some(false),
            ..Default::default()
        };
        let p = contact_patch(&c, None, 7).unwrap();
        assert_eq!(p.assigned_user_id, Some(7));
        assert_eq!(p.ownership, Some((OwnershipScope::Team, None)));
        assert_eq!(p.last_name, None, "blank is not sent");
        let mut lead = Lead {
            id: 1,
            ..Default::default()
        };
        lead.apply(&p, 1, || 2);
        assert_eq!(lead.doc.profile.lead_types, Some(vec![2]));
        // the same contact again changes nothing
        let again = contact_patch(&c, Some(&lead), 7).unwrap();
        assert_eq!((&again.emails, &again.phones), (&None, &None));
        assert_eq!(again.profile.lead_types, None);
        let mut after = lead.clone();
        after.apply(&again, 2, || 3);
        assert!(crate::lead::diff(&lead.audit_view(), &after.audit_view()).is_empty());
        // a new email is added to the old ones
        let other = Contacts {
            email: Some("ann@work.com".into()),
            phone: Some("3479033333".into()),
            ..Default::default()
        };
        let p = contact_patch(&other, Some(&lead), 7).unwrap();
        assert_eq!(
            p.emails,
            Some(vec!["ann@example.com".into(), "ann@work.com".into()])
        );
        assert_eq!(p.phones, None, "the same number, written differently");
        assert!(
            contact_patch(&other, None, 7).is_err(),
            "a new lead needs a name"
        );
    }

    #[test]
    fn incoming_transactions() {
        let t: IncomingTransaction = serde_json::from_value(json!({
            "id": 5, "status": "closed", "transactionType": "Rental", "price": 300000,
            "closedAt": "2026-03-01T00:00:00Z", "closingDate": 1772323200000_i64,
            "expirationDate": {"year": 126, "month": 2, "date": 1},
            "address": "1 Main St", "zip": "78701", "representing": "Buyer"
        }))
        .unwrap();
        let c = incoming(&t).unwrap();
        assert_eq!(
            Value::Object(c.sent.clone()),
            json!({"transactionStatus": "Closed", "homePrice": 300000, "closeDate": 1772323200000_i64,
                "expectedCloseDate": 1772323200000_i64, "expiration": 1772323200000_i64})
        );
        assert_eq!(c.name, "1 Main St");
        let before = LeadTransactionPropertyAddress {
            city: Some("Austin".into()),
            zip_code: Some("1".into()),
            ..Default::default()
        };
        let after = c.address_over(Some(&before)).unwrap();
        assert_eq!(after.city.as_deref(), Some("Austin"));
        assert_eq!(after.zip_code.as_deref(), Some("78701"));
        assert!(incoming(&IncomingTransaction::default()).is_err());
        let bad = BrokermintTime::Object(Timestamp {
            year: Some(126),
            ..Default::default()
        });
        assert!(instant("t", &bad).is_err());
    }
}
