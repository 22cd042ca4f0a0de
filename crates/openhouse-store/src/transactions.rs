//! Lead transactions: one row each (`lead_transactions`: the lead, the times, the rest as one
//! JSON document), and the team's transaction custom fields. A transaction is as visible as its
//! lead and is addressed through it: a transaction id that is not the lead's is not there.
//!
//! Every change goes through [`Store::put_transaction`], which applies it, stores it only when
//! something changed and records it on the lead's journal in the same write.

use std::sync::Arc;

use openhouse_api::{LeadTransaction, LeadTransactionPropertyAddress, PayType};
use openhouse_domain::auth::Principal;
use openhouse_domain::event::Kind;
use openhouse_domain::lead::{Lead, diff};
use openhouse_domain::transaction::{self, CustomFieldDef, FieldKind, TransactionDoc};
use openhouse_domain::{Error, ErrorKind, error::codes};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::{Map, Value, json};

use crate::entities::{lead, lead_transaction, team, transaction_custom_field};
use crate::journal::{Entry, Write};
use crate::leads::visible;
use crate::render;
use crate::{Store, db_err};

/// A transaction as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Transaction {
    pub id: i64,
    pub lead_id: i64,
    pub doc: TransactionDoc,
    pub create_time: i64,
    pub update_time: i64,
}

impl Transaction {
    /// As the API shows it, on `lead`.
    pub fn show(&self, lead: &Lead) -> LeadTransaction {
        self.doc
            .show(self.id, self.create_time, self.update_time, lead)
    }
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Unchanged => "unchanged",
        }
    }
}

/// One change to a transaction.
pub(crate) struct TransactionChange<'a> {
    /// The fields sent, as JSON (null clears).
    pub sent: &'a Map<String, Value>,
    /// The property address, when it is to be replaced.
    pub address: Option<LeadTransactionPropertyAddress>,
    /// The owner, when named.
    pub owner: Option<i64>,
    /// Where the change came from, recorded with it.
    pub origin: Option<Value>,
}

impl<'a> TransactionChange<'a> {
    pub fn fields(sent: &'a Map<String, Value>) -> Self {
        Self {
            sent,
            address: None,
            owner: None,
            origin: None,
        }
    }
}

pub(crate) fn to_transaction(m: lead_transaction::Model) -> Result<Transaction, Error> {
    let doc: TransactionDoc = serde_json::from_str(&m.doc).map_err(|e| {
        tracing::error!(transaction = m.id, error = %e, "unreadable transaction document");
        Error::internal("internal error")
    })?;
    Ok(Transaction {
        id: m.id,
        lead_id: m.lead_id,
        doc,
        create_time: m.create_time,
        update_time: m.update_time,
    })
}

fn to_field(m: transaction_custom_field::Model) -> CustomFieldDef {
    CustomFieldDef {
        id: m.id,
        name: m.name,
        kind: FieldKind::parse(&m.field_type).unwrap_or(FieldKind::Text),
        params: m.params,
    }
}

fn transaction_not_found() -> Error {
    Error::new(
        ErrorKind::NotFound,
        codes::TRANSACTION_NOT_EXIST,
        "transaction does not exist",
    )
}

impl Store {
    async fn custom_field_defs(
        &self,
        db: &impl ConnectionTrait,
        team_id: i64,
    ) -> Result<Vec<CustomFieldDef>, Error> {
        let rows = transaction_custom_field::Entity::find()
            .filter(transaction_custom_field::Column::TeamId.eq(team_id))
            .order_by_asc(transaction_custom_field::Column::Id)
            .all(db)
            .await
            .map_err(db_err)?;
        Ok(rows.into_iter().map(to_field).collect())
    }

    /// The team's transaction custom fields, oldest first.
    pub async fn transaction_custom_fields(
        &self,
        team_id: i64,
    ) -> Result<Vec<CustomFieldDef>, Error> {
        self.custom_field_defs(&self.db, team_id).await
    }

    /// Adds a custom field to the team's transactions (`openhouse transaction-field add`).
    pub async fn add_transaction_custom_field(
        &self,
        team_id: i64,
        name: &str,
        kind: &str,
        options: &[String],
    ) -> Result<CustomFieldDef, Error> {
        let (name, kind, params) = transaction::new_custom_field(name, kind, options)?;
        team::Entity::find_by_id(team_id)
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or_else(|| Error::not_found("team"))?;
        let now = self.now();
        let mut w = self.write().await?;
        let m = transaction_custom_field::ActiveModel {
            team_id: Set(team_id),
            id: Set(self.next_id()),
            name: Set(name),
            field_type: Set(kind.as_str().to_string()),
            params: Set(params),
            create_time: Set(now),
        }
        .insert(&*w)
        .await
        .map_err(db_err)?;
        let field = to_field(m);
        // made by the command line, as the team's first admin: journaled like any change
        let admin = crate::auth::acting_admin(team_id, self.team_admin(&w, team_id).await?);
        w.record(
            &admin,
            now,
            crate::journal::Entry {
                lead_id: 0,
                action: openhouse_domain::event::Kind::TransactionFieldCreated,
                detail: serde_json::json!({"fieldId": field.id, "name": field.name}),
                resource: crate::render::Resource::TransactionField(Box::new(field.show())),
            },
        )
        .await?;
        w.commit().await?;
        Ok(field)
    }

    /// The transaction `id` of the lead `lead_id` (which the caller has already been found to
    /// see); 404 TRANSACTION_NOT_EXIST otherwise.
    pub(crate) async fn transaction_of_lead(
        &self,
        db: &impl ConnectionTrait,
        who: &Principal,
        lead_id: i64,
        id: i64,
    ) -> Result<Transaction, Error> {
        let m = lead_transaction::Entity::find_by_id((who.team_id, id))
            .filter(lead_transaction::Column::LeadId.eq(lead_id))
            .one(db)
            .await
            .map_err(db_err)?
            .ok_or_else(transaction_not_found)?;
        to_transaction(m)
    }

    /// A lead's transactions, newest first.
    pub async fn lead_transactions(
        &self,
        who: &Principal,
        lead_id: i64,
    ) -> Result<(Arc<Lead>, Vec<Transaction>), Error> {
        let lead = self.get_lead(who, lead_id, false).await?;
        let rows = lead_transaction::Entity::find()
            .filter(lead_transaction::Column::TeamId.eq(who.team_id))
            .filter(lead_transaction::Column::LeadId.eq(lead_id))
            .order_by_desc(lead_transaction::Column::CreateTime)
            .order_by_desc(lead_transaction::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let list = rows
            .into_iter()
            .map(to_transaction)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((lead, list))
    }

    /// One transaction of a lead the caller may see.
    pub async fn lead_transaction(
        &self,
        who: &Principal,
        lead_id: i64,
        id: i64,
    ) -> Result<(Arc<Lead>, Transaction), Error> {
        let lead = self.get_lead(who, lead_id, false).await?;
        let t = self.transaction_of_lead(&self.db, who, lead_id, id).await?;
        Ok((lead, t))
    }

    /// Adds a transaction to a lead: `sent` is the LeadTransaction the caller sent, as JSON.
    pub async fn create_transaction(
        &self,
        who: &Principal,
        lead_id: i64,
        sent: &Map<String, Value>,
    ) -> Result<(Lead, Transaction), Error> {
        let now = self.now();
        let mut w = self.write().await?;
        let lead = self.load_for_write(&w, who, lead_id).await?;
        let (t, _) = self
            .put_transaction(
                &mut w,
                who,
                &lead,
                None,
                &TransactionChange::fields(sent),
                now,
            )
            .await?;
        w.commit().await?;
        Ok((lead, t))
    }

    /// Changes the fields of a lead's transaction that `sent` has (null clears one).
    pub async fn edit_transaction(
        &self,
        who: &Principal,
        lead_id: i64,
        id: i64,
        sent: &Map<String, Value>,
    ) -> Result<(Lead, Transaction), Error> {
        let now = self.now();
        let mut w = self.write().await?;
        let lead = self.load_for_write(&w, who, lead_id).await?;
        let current = self.transaction_of_lead(&*w, who, lead_id, id).await?;
        let (t, _) = self
            .put_transaction(
                &mut w,
                who,
                &lead,
                Some(current),
                &TransactionChange::fields(sent),
                now,
            )
            .await?;
        w.commit().await?;
        Ok((lead, t))
    }

    /// Replaces the property address of the lead's transaction the address names.
    pub async fn set_transaction_address(
        &self,
        who: &Principal,
        lead_id: i64,
        address: &LeadTransactionPropertyAddress,
    ) -> Result<(Lead, Transaction), Error> {
        let id = address
            .transaction_id
            .ok_or_else(|| Error::invalid("transactionId is required"))?;
        let clean = transaction::clean_address(address)?;
        let now = self.now();
        let mut w = self.write().await?;
        let lead = self.load_for_write(&w, who, lead_id).await?;
        let current = self.transaction_of_lead(&*w, who, lead_id, id).await?;
        let none = Map::new();
        let change = TransactionChange {
            address: Some(clean),
            ..TransactionChange::fields(&none)
        };
        let (t, _) = self
            .put_transaction(&mut w, who, &lead, Some(current), &change, now)
            .await?;
        w.commit().await?;
        Ok((lead, t))
    }

    /// A transaction's fields after `change`, checked (custom fields, payees); writes nothing.
    pub(crate) async fn checked_fields(
        &self,
        w: &Write<'_>,
        who: &Principal,
        current: &LeadTransaction,
        change: &TransactionChange<'_>,
    ) -> Result<LeadTransaction, Error> {
        let defs = if change.sent.contains_key("customFields") {
            self.custom_field_defs(&**w, who.team_id).await?
        } else {
            Vec::new()
        };
        let mut fields = transaction::apply(current, change.sent, &defs, || self.next_id())?;
        if change.owner.is_some() {
            fields.assigned_agent = change.owner;
        }
        if change.sent.contains_key("commissions") {
            self.check_payees(w, who, &fields).await?;
        }
        Ok(fields)
    }

    /// Applies a change to the transaction `existing` of `lead` (loaded for write by the
    /// caller, as the write leaves it), or to a new one when None. Stores and records it only
    /// when something changed.
    pub(crate) async fn put_transaction(
        &self,
        w: &mut Write<'_>,
        who: &Principal,
        lead: &Lead,
        existing: Option<Transaction>,
        change: &TransactionChange<'_>,
        now: i64,
    ) -> Result<(Transaction, Outcome), Error> {
        let lead_id = lead.id;
        let current = existing.as_ref().map(|t| t.doc.clone()).unwrap_or_default();
        let fields = self.checked_fields(w, who, &current.fields, change).await?;
        let doc = TransactionDoc {
            fields,
            property_address: change.address.clone().or(current.property_address.clone()),
        };
        let json_doc = serde_json::to_string(&doc).expect("serializable");
        let (t, outcome, detail) = match existing {
            Some(old) if old.doc == doc => return Ok((old, Outcome::Unchanged)),
            Some(old) => {
                let am = lead_transaction::ActiveModel {
                    team_id: sea_orm::ActiveValue::Unchanged(who.team_id),
                    id: sea_orm::ActiveValue::Unchanged(old.id),
                    doc: Set(json_doc),
                    update_time: Set(now),
                    ..Default::default()
                };
                am.update(&**w).await.map_err(db_err)?;
                let detail = json!({
                    "transactionId": old.id,
                    "transactionName": doc.fields.transaction_name,
                    "changes": diff(&old.doc.audit_view(), &doc.audit_view()),
                });
                let t = Transaction {
                    doc,
                    update_time: now,
                    ..old
                };
                (t, Outcome::Updated, detail)
            }
            None => {
                let id = self.next_id();
                lead_transaction::Entity::insert(lead_transaction::ActiveModel {
                    team_id: Set(who.team_id),
                    id: Set(id),
                    lead_id: Set(lead_id),
                    doc: Set(json_doc),
                    create_time: Set(now),
                    update_time: Set(now),
                })
                .exec_without_returning(&**w)
                .await
                .map_err(db_err)?;
                let detail = json!({
                    "transactionId": id,
                    "transactionName": doc.fields.transaction_name,
                    "transactionType": doc.fields.transaction_type,
                    "transactionStatus": doc.fields.transaction_status,
                });
                let t = Transaction {
                    id,
                    lead_id,
                    doc,
                    create_time: now,
                    update_time: now,
                };
                (t, Outcome::Created, detail)
            }
        };
        let mut detail = detail;
        if let Some(o) = &change.origin {
            detail["origin"] = o.clone();
        }
        let action = match outcome {
            Outcome::Created => Kind::TransactionCreated,
            _ => Kind::TransactionUpdated,
        };
        w.record(
            who,
            now,
            Entry {
                lead_id,
                action,
                detail,
                resource: render::transaction(&t, lead).into(),
            },
        )
        .await?;
        Ok((t, outcome))
    }

    /// Every payee of the commissions exists: an AGENT is a user of the team, a TEAM the
    /// caller's team, a LEAD a lead the caller may see. Other pay types name no record.
    async fn check_payees(
        &self,
        w: &Write<'_>,
        who: &Principal,
        t: &LeadTransaction,
    ) -> Result<(), Error> {
        for (at, kind, id) in transaction::payees(t) {
            match kind {
                PayType::Agent => {
                    self.check_user(w, who.team_id, &at, id).await?;
                }
                PayType::Team if id != who.team_id => {
                    return Err(Error::invalid(format!("{at}: {id} is not the team")));
                }
                PayType::Lead => {
                    let n = lead::Entity::find()
                        .filter(visible(who))
                        .filter(lead::Column::Id.eq(id))
                        .filter(lead::Column::DeleteTime.eq(0))
                        .count(&**w)
                        .await
                        .map_err(db_err)?;
                    if n == 0 {
                        return Err(Error::invalid(format!("{at}: lead {id} does not exist")));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}
