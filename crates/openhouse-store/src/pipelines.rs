//! The team's lead pipeline (`GET /v1.0/teamFeatures/lead-pipelines`, from Lofty's published
//! document): the stages its leads are in. A stage is the free text of a lead's `stage` (the
//! contract has no operation to define stages), so the pipeline is every stage of a lead of the
//! team not in the trash, each with the id derived from its text
//! ([`openhouse_domain::lead::stage_id`]), which is also the leads' `stageId`.

use openhouse_domain::Error;
use openhouse_domain::auth::Principal;
use openhouse_domain::lead::stage_id;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::entities::lead;
use crate::{Store, db_err};

/// A stage of the team's lead pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub id: i64,
    pub name: String,
}

impl Store {
    /// A page of the team's stages by name (any case first, then exact), those whose name
    /// contains `name` in any case when it is not blank, and how many match in all.
    pub async fn lead_pipelines(
        &self,
        who: &Principal,
        name: &str,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Stage>, u64), Error> {
        // through the (team_id, delete_time, stage, id) index alone; a team has few stages
        let names: Vec<Option<String>> = lead::Entity::find()
            .select_only()
            .column(lead::Column::Stage)
            .distinct()
            .filter(lead::Column::TeamId.eq(who.team_id))
            .filter(lead::Column::DeleteTime.eq(0))
            .filter(lead::Column::Stage.is_not_null())
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let needle = name.trim().to_lowercase();
        let mut stages: Vec<String> = names
            .into_iter()
            .flatten()
            .filter(|s| !s.trim().is_empty())
            .filter(|s| needle.is_empty() || s.to_lowercase().contains(&needle))
            .collect();
        stages.sort_by(|a, b| a.to_lowercase().cmp(&b.to_lowercase()).then(a.cmp(b)));
        stages.dedup();
        let total = stages.len() as u64;
        let page = stages
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|s| Stage {
                id: stage_id(&s),
                name: s,
            })
            .collect();
        Ok((page, total))
    }
}
