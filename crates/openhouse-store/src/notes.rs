//! Notes on leads. Created today with a lead (`content` of LeadRequest); their own API comes
//! with the notes issue.

use openhouse_domain::Error;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::entities::note;
use crate::{Store, db_err};

impl Store {
    /// A lead's notes, oldest first: (content, pinned).
    pub async fn lead_notes(&self, team_id: i64, lead_id: i64) -> Result<Vec<(String, bool)>, Error> {
        let rows = note::Entity::find()
            .filter(note::Column::TeamId.eq(team_id))
            .filter(note::Column::LeadId.eq(lead_id))
            .order_by_asc(note::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(rows.into_iter().map(|n| (n.content, n.pinned)).collect())
    }
}
