//! The tags of agents (`POST /v1.0/agent/{agentId}/tag/add`, from Lofty's published document).
//! An agent's tags are tags of the team: the same set, ids and names as leads' tags (the
//! published `AccountInfo.tagIds` names them by id), so a name already on a lead is "defined
//! on the team" and one new to the team is made only when the caller asks for it
//! (`autoCreate`). They show in the member's `tagIds`.

use std::collections::HashMap;

use openhouse_domain::Error;
use openhouse_domain::auth::Principal;
use openhouse_domain::event::Kind;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use crate::entities::{agent_tag, tag, user};
use crate::journal::Entry;
use crate::leads::name_key;
use crate::people::{forbidden_unless_admin, user_not_found};
use crate::render;
use crate::{Store, db_err};

/// The most tag names one call adds (the published document's figure).
pub const AGENT_TAGS_MAX: usize = 20;
/// The longest tag name, as for leads' tags.
pub const TAG_NAME_MAX: usize = 64;

/// Checks and cleans the names of one call: 1 to 20, each 1 to 64 characters once trimmed;
/// the same name twice (in any case) counts once.
pub fn clean_tag_names(names: &[String]) -> Result<Vec<String>, Error> {
    if names.is_empty() {
        return Err(Error::invalid("tagNames must not be empty"));
    }
    if names.len() > AGENT_TAGS_MAX {
        return Err(Error::invalid(format!(
            "tagNames takes at most {AGENT_TAGS_MAX} names"
        )));
    }
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for n in names {
        let t = n.trim();
        if t.is_empty() {
            return Err(Error::invalid("a tag name must not be blank"));
        }
        if t.chars().count() > TAG_NAME_MAX {
            return Err(Error::too_long("tagNames", TAG_NAME_MAX));
        }
        if !out.iter().any(|o| name_key(o) == name_key(t)) {
            out.push(t.to_string());
        }
    }
    Ok(out)
}

impl Store {
    /// Adds tags to an agent of the caller's team (admins only): the team's tags of these names,
    /// made first when `auto_create` (else a name new to the team is a 400 and nothing changes).
    /// Tags the agent has already stay as they are. Answers the agent's tag ids.
    pub async fn add_agent_tags(
        &self,
        who: &Principal,
        agent_id: i64,
        names: &[String],
        auto_create: bool,
    ) -> Result<Vec<i64>, Error> {
        forbidden_unless_admin(who)?;
        if agent_id <= 0 {
            return Err(Error::invalid("agentId must be 1 or more"));
        }
        let names = clean_tag_names(names)?;
        let now = self.now();
        let mut w = self.write().await?;
        let agent = user::Entity::find_by_id((who.team_id, agent_id))
            .one(&*w)
            .await
            .map_err(db_err)?
            .ok_or_else(user_not_found)?;
        let tags: Vec<(i64, String)> = if auto_create {
            self.resolve_tags(&w, who, &names, now).await?
        } else {
            let keys: Vec<String> = names.iter().map(|n| name_key(n)).collect();
            let found: HashMap<String, i64> = tag::Entity::find()
                .filter(tag::Column::TeamId.eq(who.team_id))
                .filter(tag::Column::NameKey.is_in(keys.clone()))
                .all(&*w)
                .await
                .map_err(db_err)?
                .into_iter()
                .map(|t| (t.name_key, t.id))
                .collect();
            let unknown: Vec<&str> = names
                .iter()
                .zip(&keys)
                .filter(|(_, k)| !found.contains_key(*k))
                .map(|(n, _)| n.as_str())
                .collect();
            if !unknown.is_empty() {
                return Err(Error::invalid(format!(
                    "not tags of the team: {}; send \"autoCreate\": true to create them",
                    unknown.join(", ")
                )));
            }
            names
                .iter()
                .zip(&keys)
                .map(|(n, k)| (found[k], n.clone()))
                .collect()
        };
        let before = self
            .members_on(&*w, who.team_id, vec![agent.clone()])
            .await?
            .remove(0);
        agent_tag::Entity::insert_many(tags.iter().map(|(id, _)| agent_tag::ActiveModel {
            team_id: Set(who.team_id),
            user_id: Set(agent_id),
            tag_id: Set(*id),
            create_time: Set(now),
        }))
        .on_conflict(
            OnConflict::columns([
                agent_tag::Column::TeamId,
                agent_tag::Column::UserId,
                agent_tag::Column::TagId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&*w)
        .await
        .map_err(db_err)?;
        let after = self
            .members_on(&*w, who.team_id, vec![agent])
            .await?
            .remove(0);
        if after.tag_ids != before.tag_ids {
            // journaled as any change of a member is, so webhooks see it
            let shown = render::user(&after);
            let changes = render::changes(&render::user(&before), &shown);
            w.record(
                who,
                now,
                Entry {
                    lead_id: 0,
                    action: Kind::UserUpdated,
                    detail: json!({"userId": agent_id, "changes": changes}),
                    resource: shown.into(),
                },
            )
            .await?;
        }
        w.commit().await?;
        self.cache.forget_user(who.team_id, agent_id);
        Ok(after.tag_ids)
    }

    /// The tag ids of each of these users of a team, oldest first.
    pub(crate) async fn agent_tag_ids(
        &self,
        db: &impl ConnectionTrait,
        team_id: i64,
        user_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<i64>>, Error> {
        let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
        if user_ids.is_empty() {
            return Ok(out);
        }
        let rows = agent_tag::Entity::find()
            .filter(agent_tag::Column::TeamId.eq(team_id))
            .filter(agent_tag::Column::UserId.is_in(user_ids.iter().copied()))
            .order_by_asc(agent_tag::Column::CreateTime)
            .order_by_asc(agent_tag::Column::TagId)
            .all(db)
            .await
            .map_err(db_err)?;
        for r in rows {
            out.entry(r.user_id).or_default().push(r.tag_id);
        }
        Ok(out)
    }
}
