//! The one place every write records what it did: a system-log entry for the lead's history and
//! an outbox event for webhooks, in the same transaction as the change itself, so neither can be
//! lost or recorded for a change that was rolled back.

use openhouse_domain::Error;
use openhouse_domain::auth::Principal;
use openhouse_domain::id::IdGenerator;
use sea_orm::{ActiveModelTrait, DatabaseTransaction, Set};
use serde_json::Value;

use crate::db_err;
use crate::entities::{outbox_event, system_log};

/// One recorded change.
pub struct Entry<'a> {
    /// The lead it concerns (0 for changes outside any lead).
    pub lead_id: i64,
    /// `lead.created`, `lead.updated`, `lead.trashed`, `lead.tag_added`, ...
    pub action: &'a str,
    /// What changed, as shown in the system log and sent in the event.
    pub detail: Value,
}

pub(crate) async fn record(
    txn: &DatabaseTransaction,
    ids: &IdGenerator,
    who: &Principal,
    now: i64,
    entry: Entry<'_>,
) -> Result<(), Error> {
    let detail = entry.detail.to_string();
    system_log::ActiveModel {
        team_id: Set(who.team_id),
        id: Set(ids.next_id()),
        lead_id: Set(entry.lead_id),
        actor_user_id: Set(Some(who.user_id)),
        action: Set(entry.action.to_string()),
        detail: Set(detail.clone()),
        create_time: Set(now),
    }
    .insert(txn)
    .await
    .map_err(db_err)?;
    let payload = serde_json::json!({
        "event": entry.action,
        "teamId": who.team_id,
        "leadId": entry.lead_id,
        "actorUserId": who.user_id,
        "time": now,
        "detail": entry.detail,
    });
    outbox_event::ActiveModel {
        team_id: Set(who.team_id),
        id: Set(ids.next_id()),
        topic: Set(entry.action.to_string()),
        payload: Set(payload.to_string()),
        create_time: Set(now),
        dispatch_time: Set(0),
    }
    .insert(txn)
    .await
    .map_err(db_err)?;
    Ok(())
}

impl crate::Store {
    /// A lead's journal, oldest first: (action, detail).
    pub async fn lead_journal(&self, team_id: i64, lead_id: i64) -> Result<Vec<(String, Value)>, Error> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let rows = system_log::Entity::find()
            .filter(system_log::Column::TeamId.eq(team_id))
            .filter(system_log::Column::LeadId.eq(lead_id))
            .order_by_asc(system_log::Column::CreateTime)
            .order_by_asc(system_log::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(rows.into_iter().map(|r| (r.action, serde_json::from_str(&r.detail).unwrap_or(Value::Null))).collect())
    }
}
