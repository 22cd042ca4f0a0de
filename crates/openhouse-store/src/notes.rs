//! Notes on leads, and the lead's system log read back as system notes and log entries. A note
//! is as visible as its lead: a note of a lead the caller cannot see does not exist for them.

use std::sync::Arc;

use openhouse_domain::Error;
use openhouse_domain::auth::Principal;
use openhouse_domain::event::Kind;
use openhouse_domain::lead::Lead;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use crate::entities::{note, system_log};
use crate::journal::{Entry, Write};
use crate::render::{self, Resource};
use crate::{Store, db_err};

/// The most characters a note keeps.
pub const NOTE_MAX: usize = 2000;

#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub id: i64,
    pub lead_id: i64,
    pub content: String,
    pub pinned: bool,
    pub creator_user_id: Option<i64>,
    pub last_editor_user_id: Option<i64>,
    pub create_time: i64,
    pub update_time: i64,
}

/// One entry of a lead's journal.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub id: i64,
    pub lead_id: i64,
    pub actor_user_id: Option<i64>,
    pub action: String,
    pub detail: Value,
    pub create_time: i64,
}

impl From<note::Model> for Note {
    fn from(m: note::Model) -> Self {
        Self {
            id: m.id,
            lead_id: m.lead_id,
            content: m.content,
            pinned: m.pinned,
            creator_user_id: m.creator_user_id,
            last_editor_user_id: m.last_editor_user_id,
            create_time: m.create_time,
            update_time: m.update_time,
        }
    }
}

impl From<system_log::Model> for LogEntry {
    fn from(m: system_log::Model) -> Self {
        let detail = crate::journal::shown_detail(&m);
        Self {
            id: m.id,
            lead_id: m.lead_id,
            actor_user_id: m.actor_user_id,
            action: m.action,
            detail,
            create_time: m.create_time,
        }
    }
}

/// Trimmed, cut to [`NOTE_MAX`] characters; blank is a 400.
fn clean_content(content: &str) -> Result<String, Error> {
    let c: String = content.trim().chars().take(NOTE_MAX).collect();
    if c.trim().is_empty() {
        return Err(Error::invalid("content is required"));
    }
    Ok(c)
}

/// What a journal entry shows of a note: its lead and a short excerpt.
fn note_detail(n: &note::Model) -> Value {
    json!({"noteId": n.id, "content": n.content.chars().take(200).collect::<String>(), "pinned": n.pinned})
}

impl Store {
    /// A note as the API shows it, for the journal entry of a write (names read in the write).
    /// Journals a note just written (by `POST /v1.0/notes`, or with a lead's create or edit).
    pub(crate) async fn journal_new_note(
        &self,
        w: &mut Write<'_>,
        who: &Principal,
        m: note::Model,
        now: i64,
    ) -> Result<(), Error> {
        let lead_id = m.lead_id;
        let detail = note_detail(&m);
        let resource = self.note_resource(w, m).await?;
        w.record(
            who,
            now,
            Entry {
                lead_id,
                action: Kind::NoteCreated,
                detail,
                resource,
            },
        )
        .await
    }

    async fn note_resource(&self, w: &Write<'_>, m: note::Model) -> Result<Resource, Error> {
        let names = self
            .names_in(
                &**w,
                m.team_id,
                [m.creator_user_id, m.last_editor_user_id]
                    .into_iter()
                    .flatten(),
            )
            .await?;
        Ok(render::note(&Note::from(m), &names).into())
    }

    /// Adds a note to a lead the caller may see.
    pub async fn create_note(
        &self,
        who: &Principal,
        lead_id: i64,
        content: &str,
        pinned: bool,
    ) -> Result<i64, Error> {
        let content = clean_content(content)?;
        let now = self.now();
        let mut w = self.write().await?;
        self.load_for_write(&w, who, lead_id).await?;
        let m = note::ActiveModel {
            team_id: Set(who.team_id),
            id: Set(self.next_id()),
            lead_id: Set(lead_id),
            content: Set(content),
            pinned: Set(pinned),
            creator_user_id: Set(Some(who.user_id)),
            last_editor_user_id: Set(Some(who.user_id)),
            create_time: Set(now),
            update_time: Set(now),
        }
        .insert(&*w)
        .await
        .map_err(db_err)?;
        self.journal_new_note(&mut w, who, m.clone(), now).await?;
        // an offered member's first touch claims the lead (lead routing)
        self.claim_in(&mut w, who, lead_id, now).await?;
        w.commit().await?;
        Ok(m.id)
    }

    async fn find_note(&self, who: &Principal, note_id: i64) -> Result<note::Model, Error> {
        Ok(self
            .on_visible_lead::<note::Entity>(who, note_id, "note", |n| n.lead_id)
            .await?
            .0)
    }

    /// A note the caller may see.
    pub async fn note(&self, who: &Principal, note_id: i64) -> Result<Note, Error> {
        Ok(self.find_note(who, note_id).await?.into())
    }

    /// A lead's notes, pinned first, then newest first; and, when asked, its system log entries
    /// (newest first) to show as system notes.
    pub async fn lead_notes(
        &self,
        who: &Principal,
        lead_id: i64,
        with_system: bool,
    ) -> Result<(Vec<Note>, Vec<LogEntry>), Error> {
        self.get_lead(who, lead_id, false).await?;
        let notes = note::Entity::find()
            .filter(note::Column::TeamId.eq(who.team_id))
            .filter(note::Column::LeadId.eq(lead_id))
            .order_by_desc(note::Column::Pinned)
            .order_by_desc(note::Column::CreateTime)
            .order_by_desc(note::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let system = if with_system {
            self.log_entries(who.team_id, lead_id, None, None, 0, 1000)
                .await?
        } else {
            Vec::new()
        };
        Ok((notes.into_iter().map(Note::from).collect(), system))
    }

    /// Changes a note's content and, when given, its pin. `lead_id`, when given, must be the
    /// note's lead.
    pub async fn edit_note(
        &self,
        who: &Principal,
        note_id: i64,
        content: &str,
        pinned: Option<bool>,
        lead_id: Option<i64>,
    ) -> Result<(), Error> {
        let content = clean_content(content)?;
        let now = self.now();
        let current = self.find_note(who, note_id).await?;
        if lead_id.is_some_and(|l| l != current.lead_id) {
            return Err(Error::invalid("leadId is not the lead of this note"));
        }
        let mut w = self.write().await?;
        self.load_for_write(&w, who, current.lead_id).await?;
        let before = note::Entity::find_by_id((who.team_id, note_id))
            .one(&*w)
            .await
            .map_err(db_err)?
            .ok_or_else(|| Error::not_found("note"))?;
        let mut am: note::ActiveModel = before.clone().into();
        am.content = Set(content);
        if let Some(p) = pinned {
            am.pinned = Set(p);
        }
        am.last_editor_user_id = Set(Some(who.user_id));
        am.update_time = Set(now);
        let after = am.update(&*w).await.map_err(db_err)?;
        // the details keep excerpts: whether the whole content changed is said apart
        let detail = json!({"before": note_detail(&before), "after": note_detail(&after),
                            "contentChanged": before.content != after.content});
        let resource = self.note_resource(&w, after.clone()).await?;
        w.record(
            who,
            now,
            Entry {
                lead_id: after.lead_id,
                action: Kind::NoteUpdated,
                detail,
                resource,
            },
        )
        .await?;
        w.commit().await
    }

    /// Deletes a note.
    pub async fn delete_note(&self, who: &Principal, note_id: i64) -> Result<(), Error> {
        let current = self.find_note(who, note_id).await?;
        let now = self.now();
        let mut w = self.write().await?;
        self.load_for_write(&w, who, current.lead_id).await?;
        // read again under the lead's lock: the event keeps the note as it was last
        let last = note::Entity::find_by_id((who.team_id, note_id))
            .one(&*w)
            .await
            .map_err(db_err)?
            .ok_or_else(|| Error::not_found("note"))?;
        note::Entity::delete_by_id((who.team_id, note_id))
            .exec(&*w)
            .await
            .map_err(db_err)?;
        let detail = note_detail(&last);
        let resource = self.note_resource(&w, last).await?;
        w.record(
            who,
            now,
            Entry {
                lead_id: current.lead_id,
                action: Kind::NoteDeleted,
                detail,
                resource,
            },
        )
        .await?;
        w.commit().await
    }

    /// A lead (trashed ones too) and a page of its system log, newest first, within
    /// [start, end] (epoch ms) when given; and whether more entries follow the page.
    pub async fn system_log(
        &self,
        who: &Principal,
        lead_id: i64,
        start: Option<i64>,
        end: Option<i64>,
        page: u64,
        size: u64,
    ) -> Result<(Arc<Lead>, Vec<LogEntry>, bool), Error> {
        let lead = self.get_lead(who, lead_id, true).await?;
        // one more than the page: whether it exists is whether more follow
        let mut entries = self
            .log_entries(
                who.team_id,
                lead_id,
                start,
                end,
                page.saturating_mul(size),
                size + 1,
            )
            .await?;
        let more = entries.len() as u64 > size;
        entries.truncate(size as usize);
        Ok((lead, entries, more))
    }

    async fn log_entries(
        &self,
        team_id: i64,
        lead_id: i64,
        start: Option<i64>,
        end: Option<i64>,
        offset: u64,
        take: u64,
    ) -> Result<Vec<LogEntry>, Error> {
        let mut q = system_log::Entity::find()
            .filter(system_log::Column::TeamId.eq(team_id))
            .filter(system_log::Column::LeadId.eq(lead_id));
        if let Some(s) = start {
            q = q.filter(system_log::Column::CreateTime.gte(s));
        }
        if let Some(e) = end {
            q = q.filter(system_log::Column::CreateTime.lte(e));
        }
        let rows = q
            .order_by_desc(system_log::Column::CreateTime)
            .order_by_desc(system_log::Column::Id)
            .offset(offset)
            .limit(take)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(rows.into_iter().map(LogEntry::from).collect())
    }
}
