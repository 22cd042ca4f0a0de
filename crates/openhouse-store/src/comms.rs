//! Communications with a lead: calls, emails and texts, whether logged by hand (`/v1.0/logType`)
//! or recorded otherwise. Each one touches the lead: last touch, contacted, the LastCall /
//! LastEmail / LastContact and Communication sort orders.

use openhouse_api::{CallingOutcome, Direction};
use openhouse_domain::auth::{Principal, Role};
use openhouse_domain::event::Kind;
use openhouse_domain::{Error, search};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;

use crate::entities::{communication, lead};
use crate::journal::Entry;
use crate::leads::visible;
use crate::render;
use crate::{Store, db_err};

pub const CONTENT_MAX: usize = 5000;
pub const PHONE_MAX: usize = 20;

/// The channels.
pub const CALL: &str = "call";
pub const EMAIL: &str = "email";
pub const TEXT: &str = "text";

#[derive(Debug, Clone, PartialEq)]
pub struct Communication {
    pub id: i64,
    pub lead_id: i64,
    pub channel: String,
    pub manual: bool,
    pub direction: Direction,
    pub content: String,
    pub outcome: Option<CallingOutcome>,
    pub lead_phone: Option<String>,
    pub email_subject: Option<String>,
    pub from_email: Option<String>,
    pub to_email: Option<String>,
    pub pinned: bool,
    pub agent_user_id: Option<i64>,
    pub create_time: i64,
    /// Where a call's recording can be downloaded (none: not recorded).
    pub recording_url: Option<String>,
}

/// A communication to record.
#[derive(Debug, Clone)]
pub struct NewCommunication {
    pub lead_id: i64,
    pub channel: &'static str,
    pub manual: bool,
    pub direction: Direction,
    pub content: String,
    pub outcome: Option<CallingOutcome>,
    pub lead_phone: Option<String>,
    pub email_subject: Option<String>,
    pub from_email: Option<String>,
    pub to_email: Option<String>,
    pub pinned: bool,
    /// A call's recording: an http(s) URL (calls only).
    pub recording_url: Option<String>,
}

/// The longest recording URL kept.
pub const RECORDING_URL_MAX: usize = 2000;

/// The longest window `agent_communications` searches in one request: 24 hours.
pub const WINDOW_MAX_MS: i64 = 24 * 60 * 60 * 1000;

/// A search of the communications of an agent (or of the whole team) in a time window.
#[derive(Debug, Clone, Copy)]
pub struct AgentWindow {
    /// One channel, or all of them.
    pub channel: Option<&'static str>,
    /// Epoch ms, both inclusive; at most [`WINDOW_MAX_MS`] apart.
    pub start: i64,
    pub end: i64,
    /// The whole team's communications (admins only) instead of the caller's own.
    pub team_view: bool,
    pub offset: u64,
    pub limit: u64,
}

/// Which page of a lead's communications: by offset, or after an id (`current_id` > 0).
#[derive(Debug, Clone, Copy)]
pub struct CommPage {
    pub offset: u64,
    pub limit: u64,
    pub after_id: Option<i64>,
}

impl CommPage {
    /// The page a request asks for: `limit` 1 to 1000 (default 10), `offset` (default 0), and
    /// `current_id` above 0 to continue after that id instead.
    pub fn check(
        limit: Option<i64>,
        offset: Option<i64>,
        current_id: Option<i64>,
    ) -> Result<Self, Error> {
        let limit = search::check_limit(limit, 10, 1000)? as u64;
        let offset = search::check_offset(offset)?;
        if current_id.is_some_and(|c| c < 0) {
            return Err(Error::invalid("currentId must be 0 or more"));
        }
        Ok(Self {
            offset,
            limit,
            after_id: current_id.filter(|c| *c > 0),
        })
    }
}

impl From<communication::Model> for Communication {
    fn from(m: communication::Model) -> Self {
        Self {
            id: m.id,
            lead_id: m.lead_id,
            channel: m.channel,
            manual: m.manual,
            direction: Direction::parse(&m.direction).unwrap_or_default(),
            content: m.content,
            outcome: m.outcome.as_deref().and_then(CallingOutcome::parse),
            lead_phone: m.lead_phone,
            email_subject: m.email_subject,
            from_email: m.from_email,
            to_email: m.to_email,
            pinned: m.pinned,
            agent_user_id: m.agent_user_id,
            create_time: m.create_time,
            recording_url: m.recording_url,
        }
    }
}

fn short(field: &str, v: &Option<String>, max: usize) -> Result<Option<String>, Error> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if s.chars().count() > max => Err(Error::too_long(field, max)),
        Some(s) => Ok(Some(s.to_string())),
        None => Ok(None),
    }
}

impl NewCommunication {
    /// Checks and cleans: content required (cut to 5000 characters), a call needs the number
    /// called (at most 20 characters); email fields only for emails, the outcome only for calls.
    fn clean(mut self) -> Result<Self, Error> {
        let content: String = self.content.trim().chars().take(CONTENT_MAX).collect();
        if content.trim().is_empty() {
            return Err(Error::invalid("content is required"));
        }
        self.content = content;
        self.lead_phone = short("leadPhoneNumber", &self.lead_phone, PHONE_MAX)?;
        if self.channel == CALL && self.lead_phone.is_none() {
            return Err(Error::invalid("leadPhoneNumber is required to log a call"));
        }
        self.recording_url = short("recordingUrl", &self.recording_url, RECORDING_URL_MAX)?;
        if let Some(u) = &self.recording_url {
            if self.channel != CALL {
                return Err(Error::invalid("recordingUrl is only for a call"));
            }
            let lower = u.to_ascii_lowercase();
            if !(lower.starts_with("https://") || lower.starts_with("http://"))
                || u.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(Error::invalid("recordingUrl must be an http(s) URL"));
            }
        }
        if self.channel != CALL {
            self.outcome = None;
        }
        if self.channel == EMAIL {
            self.email_subject = short("emailSubject", &self.email_subject, 1000)?;
            self.from_email = short("fromEmail", &self.from_email, 254)?;
            self.to_email = short("toEmail", &self.to_email, 254)?;
        } else {
            self.email_subject = None;
            self.from_email = None;
            self.to_email = None;
        }
        Ok(self)
    }
}

impl Store {
    /// Records a communication with a lead the caller may see, and touches the lead.
    pub async fn record_communication(
        &self,
        who: &Principal,
        new: NewCommunication,
    ) -> Result<Communication, Error> {
        let c = new.clean()?;
        let now = self.now();
        let mut w = self.write().await?;
        self.load_for_write(&w, who, c.lead_id).await?;
        let m = communication::ActiveModel {
            team_id: Set(who.team_id),
            id: Set(self.next_id()),
            lead_id: Set(c.lead_id),
            channel: Set(c.channel.to_string()),
            manual: Set(c.manual),
            direction: Set(c.direction.as_str().to_string()),
            content: Set(c.content),
            outcome: Set(c.outcome.map(|o| o.as_str().to_string())),
            lead_phone: Set(c.lead_phone),
            email_subject: Set(c.email_subject),
            from_email: Set(c.from_email),
            to_email: Set(c.to_email),
            pinned: Set(c.pinned),
            agent_user_id: Set(Some(who.user_id)),
            create_time: Set(now),
            recording_url: Set(c.recording_url),
        }
        .insert(&*w)
        .await
        .map_err(db_err)?;
        let mut touch = lead::Entity::update_many()
            .col_expr(lead::Column::LastTouch, Expr::value(now))
            .col_expr(lead::Column::Contacted, Expr::value(true))
            .col_expr(
                lead::Column::CommunicationCount,
                Expr::col(lead::Column::CommunicationCount).add(1),
            );
        match c.channel {
            CALL => touch = touch.col_expr(lead::Column::LastCall, Expr::value(now)),
            EMAIL => touch = touch.col_expr(lead::Column::LastEmail, Expr::value(now)),
            _ => {}
        }
        touch
            .filter(lead::Column::TeamId.eq(who.team_id))
            .filter(lead::Column::Id.eq(c.lead_id))
            .exec(&*w)
            .await
            .map_err(db_err)?;
        let detail = json!({"communicationId": m.id, "channel": m.channel, "manual": m.manual, "direction": m.direction,
                            "outcome": m.outcome, "content": m.content.chars().take(200).collect::<String>()});
        let recorded = Communication::from(m);
        w.record(
            who,
            now,
            Entry {
                lead_id: c.lead_id,
                action: Kind::CommunicationRecorded,
                detail,
                resource: render::communication_resource(&recorded),
            },
        )
        .await?;
        // an offered member's first touch claims the lead (lead routing)
        self.claim_in(&mut w, who, c.lead_id, now).await?;
        w.commit().await?;
        Ok(recorded)
    }

    async fn find_communication(
        &self,
        who: &Principal,
        id: i64,
        manual_only: bool,
    ) -> Result<communication::Model, Error> {
        let (m, _) = self
            .on_visible_lead::<communication::Entity>(who, id, "log", |c| c.lead_id)
            .await?;
        if manual_only && !m.manual {
            return Err(Error::not_found("log"));
        }
        Ok(m)
    }

    /// One communication the caller may see (only manual logs when `manual_only`).
    pub async fn communication(
        &self,
        who: &Principal,
        id: i64,
        manual_only: bool,
    ) -> Result<Communication, Error> {
        Ok(self.find_communication(who, id, manual_only).await?.into())
    }

    /// One call the caller may see, logged or not.
    pub async fn call(&self, who: &Principal, id: i64) -> Result<Communication, Error> {
        let (m, _) = self
            .on_visible_lead::<communication::Entity>(who, id, "call", |c| c.lead_id)
            .await?;
        if m.channel != CALL {
            return Err(Error::not_found("call"));
        }
        Ok(m.into())
    }

    /// A page of a lead's calls, newest first, and how many there are.
    pub async fn lead_calls(
        &self,
        who: &Principal,
        lead_id: i64,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Communication>, u64), Error> {
        self.get_lead(who, lead_id, false).await?;
        let q = communication::Entity::find()
            .filter(communication::Column::TeamId.eq(who.team_id))
            .filter(communication::Column::LeadId.eq(lead_id))
            .filter(communication::Column::Channel.eq(CALL));
        let total = q.clone().count(&self.db).await.map_err(db_err)?;
        let rows = q
            .order_by_desc(communication::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok((rows.into_iter().map(Communication::from).collect(), total))
    }

    /// The communications in a time window, oldest first: the caller's own, or the whole
    /// team's for an admin (`team_view`). Only those of leads the caller can see and that are
    /// not in the trash. One more than `limit` is asked for, so the caller can tell whether more
    /// follow.
    pub async fn agent_communications(
        &self,
        who: &Principal,
        w: AgentWindow,
    ) -> Result<Vec<Communication>, Error> {
        if w.start < 0 || w.end < 0 {
            return Err(Error::invalid(
                "startTime and endTime are epoch milliseconds",
            ));
        }
        if w.end < w.start {
            return Err(Error::invalid("endTime must not be before startTime"));
        }
        if w.end - w.start > WINDOW_MAX_MS {
            return Err(Error::invalid(
                "the window from startTime to endTime is at most 24 hours",
            ));
        }
        if w.team_view && who.role != Role::Admin {
            return Err(Error::forbidden(
                "teamView needs access to all of the team's leads",
            ));
        }
        // the lead is visible and live: a correlated EXISTS on the lead's primary key, so the
        // time window (an index range) drives the query
        let lead_live = Query::select()
            .expr(Expr::value(1))
            .from(lead::Entity)
            .cond_where(visible(who))
            .and_where(
                Expr::col((lead::Entity, lead::Column::Id))
                    .equals((communication::Entity, communication::Column::LeadId)),
            )
            .and_where(Expr::col((lead::Entity, lead::Column::DeleteTime)).eq(0))
            .to_owned();
        let mut q = communication::Entity::find()
            .filter(communication::Column::TeamId.eq(who.team_id))
            .filter(communication::Column::CreateTime.between(w.start, w.end))
            .filter(Expr::exists(lead_live));
        if let Some(ch) = w.channel {
            q = q.filter(communication::Column::Channel.eq(ch));
        }
        if !w.team_view {
            q = q.filter(communication::Column::AgentUserId.eq(who.user_id));
        }
        let rows = q
            .order_by_asc(communication::Column::CreateTime)
            .order_by_asc(communication::Column::Id)
            .offset(w.offset)
            .limit(w.limit + 1)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Communication::from).collect())
    }

    /// A lead's communications on one channel, oldest first: a page by offset, or the ones after
    /// an id.
    pub async fn lead_communications(
        &self,
        who: &Principal,
        lead_id: i64,
        channel: &str,
        manual_only: bool,
        page: CommPage,
    ) -> Result<Vec<Communication>, Error> {
        self.get_lead(who, lead_id, false).await?;
        let mut q = communication::Entity::find()
            .filter(communication::Column::TeamId.eq(who.team_id))
            .filter(communication::Column::LeadId.eq(lead_id))
            .filter(communication::Column::Channel.eq(channel));
        if manual_only {
            q = q.filter(communication::Column::Manual.eq(true));
        }
        // ids grow with time: id order is the order things happened in, and "after an id" is a
        // stable cursor (nothing skipped or repeated while entries are added)
        let q = match page.after_id {
            Some(after) => q.filter(communication::Column::Id.gt(after)),
            None => q.offset(page.offset),
        };
        let q = q.order_by_asc(communication::Column::Id);
        let rows = q.limit(page.limit).all(&self.db).await.map_err(db_err)?;
        Ok(rows.into_iter().map(Communication::from).collect())
    }

    /// Deletes a communication (only a manual log when `manual_only`).
    pub async fn delete_communication(
        &self,
        who: &Principal,
        id: i64,
        manual_only: bool,
    ) -> Result<(), Error> {
        let current = self.find_communication(who, id, manual_only).await?;
        let now = self.now();
        let mut w = self.write().await?;
        self.load_for_write(&w, who, current.lead_id).await?;
        // read again under the lead's lock: the event keeps the entry as it was last
        let last = communication::Entity::find_by_id((who.team_id, id))
            .one(&*w)
            .await
            .map_err(db_err)?
            .ok_or_else(|| Error::not_found("log"))?;
        communication::Entity::delete_by_id((who.team_id, id))
            .exec(&*w)
            .await
            .map_err(db_err)?;
        let detail = json!({"communicationId": id, "channel": last.channel, "manual": last.manual});
        w.record(
            who,
            now,
            Entry {
                lead_id: current.lead_id,
                action: Kind::CommunicationDeleted,
                detail,
                resource: render::communication_resource(&Communication::from(last)),
            },
        )
        .await?;
        w.commit().await
    }
}
