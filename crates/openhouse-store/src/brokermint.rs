//! Brokermint's callbacks as upserts. `brokermint_links` remembers what Brokermint's ids are in
//! openhouse: a contact's `externalId` is a lead, a Brokermint transaction `id` a transaction.
//! Each callback runs in one write with the team row locked, so two deliveries of the same
//! callback cannot both create; a callback that changes nothing writes nothing.

use openhouse_api::{Contacts, IncomingTransaction};
use openhouse_domain::auth::Principal;
use openhouse_domain::brokermint;
use openhouse_domain::lead::{Lead, diff};
use openhouse_domain::{Error, ErrorKind, error::codes};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use crate::entities::{brokermint_link, lead, lead_transaction, team};
use crate::journal::Write;
use crate::leads::visible;
use crate::transactions::{Outcome, Transaction, TransactionChange, to_transaction};
use crate::{Store, db_err};

const CONTACT: &str = "contact";
const TRANSACTION: &str = "transaction";

/// The leads whose id is a target of the team's links of `kind`.
fn linked(team_id: i64, kind: &str) -> sea_orm::sea_query::SimpleExpr {
    Expr::col((lead::Entity, lead::Column::Id)).in_subquery(
        Query::select()
            .column(brokermint_link::Column::TargetId)
            .from(brokermint_link::Entity)
            .cond_where(
                Condition::all()
                    .add(brokermint_link::Column::TeamId.eq(team_id))
                    .add(brokermint_link::Column::Kind.eq(kind)),
            )
            .to_owned(),
    )
}

impl Store {
    /// Begins a Brokermint write: the team row locked for its duration.
    async fn brokermint_write(&self, who: &Principal) -> Result<Write<'_>, Error> {
        let w = self.write().await?;
        team::Entity::find_by_id(who.team_id)
            .lock_exclusive()
            .one(&*w)
            .await
            .map_err(db_err)?;
        Ok(w)
    }

    async fn link(
        &self,
        w: &Write<'_>,
        team_id: i64,
        kind: &str,
        external_id: &str,
    ) -> Result<Option<brokermint_link::Model>, Error> {
        brokermint_link::Entity::find_by_id((team_id, kind.to_string(), external_id.to_string()))
            .one(&**w)
            .await
            .map_err(db_err)
    }

    /// Points a link at `target_id`: makes it, or (`exists`) moves it.
    #[allow(clippy::too_many_arguments)]
    async fn put_link(
        &self,
        w: &Write<'_>,
        team_id: i64,
        kind: &str,
        external_id: &str,
        exists: bool,
        target_id: i64,
        now: i64,
    ) -> Result<(), Error> {
        if exists {
            brokermint_link::Entity::update_many()
                .col_expr(brokermint_link::Column::TargetId, Expr::value(target_id))
                .col_expr(brokermint_link::Column::UpdateTime, Expr::value(now))
                .filter(brokermint_link::Column::TeamId.eq(team_id))
                .filter(brokermint_link::Column::Kind.eq(kind))
                .filter(brokermint_link::Column::ExternalId.eq(external_id))
                .exec(&**w)
                .await
                .map_err(db_err)?;
        } else {
            brokermint_link::Entity::insert(brokermint_link::ActiveModel {
                team_id: Set(team_id),
                kind: Set(kind.to_string()),
                external_id: Set(external_id.to_string()),
                target_id: Set(target_id),
                create_time: Set(now),
                update_time: Set(now),
            })
            .exec_without_returning(&**w)
            .await
            .map_err(db_err)?;
        }
        Ok(())
    }

    /// The lead a contact link points at, loaded for write; None when it is in the trash (a
    /// new lead takes the link over). One the caller cannot see is a 404.
    async fn linked_lead(
        &self,
        w: &Write<'_>,
        who: &Principal,
        id: i64,
    ) -> Result<Option<Lead>, Error> {
        match self.load_for_write(w, who, id).await {
            Ok(l) => Ok(Some(l)),
            Err(e) if e.code == codes::LEAD_NOT_EXIST => {
                let row = lead::Entity::find_by_id((who.team_id, id))
                    .one(&**w)
                    .await
                    .map_err(db_err)?;
                match row {
                    Some(r) if r.delete_time == 0 => Err(e),
                    _ => Ok(None),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The most recently changed lead the caller may see with this email (lower case),
    /// loaded for write.
    async fn lead_by_email(
        &self,
        w: &Write<'_>,
        who: &Principal,
        email_key: &str,
    ) -> Result<Option<Lead>, Error> {
        let with_email = Expr::col((lead::Entity, lead::Column::Id)).in_subquery(
            Query::select()
                .column("lead_id")
                .from("lead_emails")
                .cond_where(
                    Condition::all()
                        .add(Expr::col("team_id").eq(who.team_id))
                        .add(Expr::col("email_key").eq(email_key)),
                )
                .to_owned(),
        );
        let found = lead::Entity::find()
            .select_only()
            .column(lead::Column::Id)
            .filter(visible(who))
            .filter(lead::Column::DeleteTime.eq(0))
            .filter(with_email)
            .order_by_desc(lead::Column::UpdateTime)
            .order_by_desc(lead::Column::Id)
            .into_tuple::<i64>()
            .one(&**w)
            .await
            .map_err(db_err)?;
        match found {
            Some(id) => Ok(Some(self.load_for_write(w, who, id).await?)),
            None => Ok(None),
        }
    }

    /// `PUT /v1.0/brokermint/lead`: the lead linked to the contact's `externalId`, else the
    /// lead with its email, is changed; else a lead is created (and linked).
    pub async fn brokermint_contact(
        &self,
        who: &Principal,
        c: &Contacts,
    ) -> Result<(i64, Outcome), Error> {
        let ext = brokermint::external_id(c)?;
        let now = self.now();
        let mut w = self.brokermint_write(who).await?;
        let link = match &ext {
            Some(e) => self.link(&w, who.team_id, CONTACT, e).await?,
            None => None,
        };
        let mut found = match &link {
            Some(l) => self.linked_lead(&w, who, l.target_id).await?,
            None => None,
        };
        if found.is_none()
            && let Some(e) = brokermint::email_key(c)
        {
            found = self.lead_by_email(&w, who, &e).await?;
        }
        let origin = json!({"source": "brokermint", "externalId": ext});
        let (id, outcome) = match found {
            Some(before) => {
                let id = before.id;
                let patch = brokermint::contact_patch(c, Some(&before), who.user_id)?;
                let mut after = before.clone();
                after.apply(&patch, now, || self.next_id());
                let relink = ext.is_some() && link.as_ref().map(|l| l.target_id) != Some(id);
                if !relink && diff(&before.audit_view(), &after.audit_view()).is_empty() {
                    return Ok((id, Outcome::Unchanged));
                }
                self.edit_lead_in(&mut w, who, before, &patch, now, Some(origin))
                    .await?;
                (id, Outcome::Updated)
            }
            None => {
                let patch = brokermint::contact_patch(c, None, who.user_id)?;
                let id = self
                    .create_lead_in(&mut w, who, &patch, now, Some(origin))
                    .await?;
                (id, Outcome::Created)
            }
        };
        if let Some(e) = &ext
            && link.as_ref().map(|l| l.target_id) != Some(id)
        {
            self.put_link(&w, who.team_id, CONTACT, e, link.is_some(), id, now)
                .await?;
        }
        w.commit().await?;
        Ok((id, outcome))
    }

    /// `PUT /v1.0/brokermint/transaction`: the transaction an earlier call made for this
    /// Brokermint id, else the transaction with this id, is changed; else one is created on the
    /// agent's lead from Brokermint (and linked).
    pub async fn brokermint_transaction(
        &self,
        who: &Principal,
        t: &IncomingTransaction,
    ) -> Result<(Lead, Transaction, Outcome), Error> {
        let change = brokermint::incoming(t)?;
        let key = change.id.to_string();
        let now = self.now();
        let mut w = self.brokermint_write(who).await?;
        if let Some(a) = change.agent_id {
            self.check_user(&w, who.team_id, "agentId", a).await?;
        }
        let link = self.link(&w, who.team_id, TRANSACTION, &key).await?;
        let mut row = None;
        for id in link.iter().map(|l| l.target_id).chain([change.id]) {
            row = lead_transaction::Entity::find_by_id((who.team_id, id))
                .one(&*w)
                .await
                .map_err(db_err)?;
            if row.is_some() {
                break;
            }
        }
        let origin = json!({"source": "brokermint", "brokermintId": change.id});
        let (lead, existing, sent) = match row {
            Some(r) => {
                let t = to_transaction(r)?;
                (
                    self.load_for_write(&w, who, t.lead_id).await?,
                    Some(t),
                    change.sent.clone(),
                )
            }
            None => {
                let agent = change.agent_id.unwrap_or(who.user_id);
                let lead_id = lead::Entity::find()
                    .select_only()
                    .column(lead::Column::Id)
                    .filter(visible(who))
                    .filter(lead::Column::AssignedUserId.eq(agent))
                    .filter(lead::Column::DeleteTime.eq(0))
                    .filter(linked(who.team_id, CONTACT))
                    .order_by_desc(lead::Column::UpdateTime)
                    .order_by_desc(lead::Column::Id)
                    .into_tuple::<i64>()
                    .one(&*w)
                    .await
                    .map_err(db_err)?
                    .ok_or_else(|| {
                        Error::new(
                            ErrorKind::NotFound,
                            codes::LEAD_NOT_EXIST,
                            format!(
                                "no lead from Brokermint is assigned to user {agent}: the \
                                 transaction needs one (send the contact first)"
                            ),
                        )
                    })?;
                let mut sent = change.sent.clone();
                sent.insert("transactionName".into(), change.name.clone().into());
                (self.load_for_write(&w, who, lead_id).await?, None, sent)
            }
        };
        let tc = TransactionChange {
            sent: &sent,
            address: change.address_over(
                existing
                    .as_ref()
                    .and_then(|t| t.doc.property_address.as_ref()),
            ),
            owner: change.agent_id,
            origin: Some(origin),
        };
        let (t, outcome) = self
            .put_transaction(&mut w, who, &lead, existing, &tc, now)
            .await?;
        if outcome == Outcome::Unchanged {
            return Ok((lead, t, outcome));
        }
        if link.as_ref().map(|l| l.target_id) != Some(t.id) && t.id != change.id {
            self.put_link(
                &w,
                who.team_id,
                TRANSACTION,
                &key,
                link.is_some(),
                t.id,
                now,
            )
            .await?;
        }
        w.commit().await?;
        Ok((lead, t, outcome))
    }
}
