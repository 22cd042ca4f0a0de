//! The API's response shapes, built from what the store holds: one definition of each, used both
//! by the handlers that answer GETs and by the write paths that journal a change with the
//! resource as it then stood ([`Resource`], kept with the journal entry for the webhook event).
//! A response and an event's resource cannot drift apart, since the same function makes both.
//!
//! The functions here do no I/O: what a shape shows besides the record itself (user names, pond
//! names, the lead a task hangs on, the time that decides "overdue") is passed in. Handlers look
//! it up outside any write; the journal's call sites inside their write.

use std::collections::HashMap;

use openhouse_api::{
    AccountResponse, Appointment, BrokerTeamCreated, BrokerTeamRemoved, CallHistory, CallResponse,
    CallingOutcome, CommunicationResponse, CompanyOpenVo, CustomAttribute, CustomRole, Direction,
    EmailResponse, LeadActivityRes, LeadPond, LeadProperty, LeadResponse, LeadTransaction, LogType,
    LogTypeResponse, NoteResponse, OfficeOpenVo, OpportunityNotificationRequest, TaskResponse,
    TextResponse, UserLeadTagVo, UserResponse,
};
use openhouse_domain::auth::Role;
use openhouse_domain::event::Kind;
use openhouse_domain::lead::{Lead, ROLE_LENDER};
use openhouse_domain::people::{role_code, role_name};
use openhouse_domain::{calendar, time, timeline};
use serde::Serialize;

use crate::comms::{CALL, Communication, TEXT};
use crate::features::{Activity, Pond};
use crate::notes::{LogEntry, Note};
use crate::people::{Member, Office};
use crate::tasks::Task;
use crate::transactions::Transaction;

/// Display names by id (users, or ponds).
pub type Names = HashMap<i64, String>;

/// A resource as the API shows it, kept with a journal entry: what the webhook event of the
/// entry carries. Serialized as the shape itself (no tag), so the stored JSON is exactly what the
/// API answers for it. [`Resource::fits`] says which shape each kind of change carries.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Resource {
    /// `GET /v1.0/leads/{leadId}` (`withTrash=true` for a trashed lead).
    Lead(Box<LeadResponse>),
    /// `GET /v1.0/notes/{noteId}`.
    Note(Box<NoteResponse>),
    /// `GET /v1.0/tasks/{taskId}` (tasks made through the calendar too).
    Task(Box<TaskResponse>),
    /// An appointment as `GET /v1.0/appts` shows one.
    Appointment(Box<Appointment>),
    /// A manual log: `GET /v1.0/logType/{logTypeId}`.
    Log(Box<LogTypeResponse>),
    /// A call recorded otherwise: `GET /v1.0/calls/{callId}`.
    Call(Box<CallResponse>),
    /// An email recorded otherwise, as `GET /v1.0/communication/email` lists it.
    Email(Box<EmailResponse>),
    /// A text recorded otherwise, as `GET /v1.0/communication/text` lists it.
    Text(Box<TextResponse>),
    /// An activity, as `GET /v1.0/leads/{leadId}/activities` lists it.
    Activity(Box<LeadActivityRes>),
    /// `GET /v1.0/leads/{leadId}/transaction/{transactionId}`.
    Transaction(Box<LeadTransaction>),
    /// `GET /v1.0/users/{userId}`.
    User(Box<UserResponse>),
    /// The office as `PUT`/`POST /v1.0/org/office` answer it in `data`.
    Office(Box<OfficeOpenVo>),
    /// The company record as stored by `POST /v1.0/org/company`, with its `teamId`.
    Company(Box<CompanyOpenVo>),
    /// A team made under a broker account, as `POST /v1.0/broker/team` answers it, without
    /// the credentials (their fields are empty: an event never carries a secret).
    TeamCreated(Box<BrokerTeamCreated>),
    /// As `DELETE /v1.0/broker/team/{id}` answers.
    TeamRemoved(BrokerTeamRemoved),
    /// A lead custom field, as `POST /v1.0/teamFeatures/custom-field` answers and
    /// `GET /v1.0/teamFeatures/listCustomField` lists it.
    CustomField(Box<CustomAttribute>),
    /// `GET /v1.0/team-features/lead-pond/{id}`.
    Pond(Box<LeadPond>),
    /// The notification as sent (`POST /v1.0/agent/send-notification`), with what was kept.
    Notification(Box<OpportunityNotificationRequest>),
    /// A routing rule as `GET /v1.0/routing/rule/list/{type}` lists it, a default rule as
    /// `GET /v1.0/routing/rule/supplement/{type}` shows it, or the routing settings (with
    /// `deleted: true` for a removed rule).
    Routing(Box<serde_json::Value>),
    /// A transaction custom field, as `GET /v1.0/transaction/customfields` lists it.
    TransactionField(Box<openhouse_api::CustomFieldResponse>),
}

macro_rules! into_resource {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        $(impl From<$ty> for Resource {
            fn from(v: $ty) -> Self {
                Resource::$variant(Box::new(v))
            }
        })*
    };
}

into_resource! {
    Lead(LeadResponse),
    Note(NoteResponse),
    Task(TaskResponse),
    Appointment(Appointment),
    Log(LogTypeResponse),
    Call(CallResponse),
    Email(EmailResponse),
    Text(TextResponse),
    Activity(LeadActivityRes),
    Transaction(LeadTransaction),
    User(UserResponse),
    Office(OfficeOpenVo),
    Company(CompanyOpenVo),
    TeamCreated(BrokerTeamCreated),
    CustomField(CustomAttribute),
    Pond(LeadPond),
    Notification(OpportunityNotificationRequest),
}

impl From<BrokerTeamRemoved> for Resource {
    fn from(v: BrokerTeamRemoved) -> Self {
        Resource::TeamRemoved(v)
    }
}

impl Resource {
    /// Whether this is the shape entries of `kind` carry: one `match` over every kind, so a new
    /// kind cannot be journaled without deciding its resource. [`crate::journal::Write::record`]
    /// checks it (in debug builds).
    pub fn fits(&self, kind: Kind) -> bool {
        use Resource as R;
        match kind {
            Kind::LeadCreated
            | Kind::LeadUpdated
            | Kind::LeadAssigned
            | Kind::LeadTrashed
            | Kind::LeadOffered
            | Kind::LeadOfferEnded => matches!(self, R::Lead(_)),
            Kind::NoteCreated | Kind::NoteUpdated | Kind::NoteDeleted => matches!(self, R::Note(_)),
            Kind::TaskCreated
            | Kind::TaskUpdated
            | Kind::TaskFinished
            | Kind::TaskUnfinished
            | Kind::TaskDeleted => matches!(self, R::Task(_)),
            Kind::AppointmentCreated
            | Kind::AppointmentUpdated
            | Kind::AppointmentFinished
            | Kind::AppointmentUnfinished
            | Kind::AppointmentDeleted => matches!(self, R::Appointment(_)),
            Kind::CommunicationRecorded | Kind::CommunicationDeleted => {
                matches!(self, R::Log(_) | R::Call(_) | R::Email(_) | R::Text(_))
            }
            Kind::NotificationSent => matches!(self, R::Notification(_)),
            Kind::ActivityAdded | Kind::ListingAlerted => matches!(self, R::Activity(_)),
            Kind::TransactionCreated | Kind::TransactionUpdated => {
                matches!(self, R::Transaction(_))
            }
            Kind::UserCreated | Kind::UserUpdated => matches!(self, R::User(_)),
            Kind::OfficeCreated | Kind::OfficeUpdated => matches!(self, R::Office(_)),
            Kind::CompanyUpdated => matches!(self, R::Company(_)),
            Kind::TeamCreated => matches!(self, R::TeamCreated(_)),
            Kind::TeamRemoved => matches!(self, R::TeamRemoved(_)),
            Kind::CustomFieldCreated => matches!(self, R::CustomField(_)),
            Kind::PondCreated => matches!(self, R::Pond(_)),
            Kind::RoutingChanged => matches!(self, R::Routing(_)),
            Kind::TransactionFieldCreated => matches!(self, R::TransactionField(_)),
        }
    }

    /// The JSON kept in `system_logs.resource`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("serializable")
    }
}

// ---------------------------------------------------------------------------------------------
// Leads

/// The lead's roles besides its agent: the lender, then the custom roles (Assistant, ...).
fn custom_roles(l: &Lead, names: &Names) -> Vec<CustomRole> {
    let lender = l.lender_user_id.map(|id| CustomRole {
        assignee: names.get(&id).cloned(),
        assignee_id: Some(id),
        role: "Lender".into(),
        role_id: ROLE_LENDER,
    });
    lender
        .into_iter()
        .chain(l.doc.custom_roles.iter().cloned())
        .collect()
}

/// A lead as the API shows it; `names` has its agent's and lender's names, `ponds` its pond's.
pub fn lead(l: &Lead, names: &Names, ponds: &Names) -> LeadResponse {
    let d = l.doc.clone();
    LeadResponse {
        assign_completion_status: l.assigned_user_id.is_some(),
        assign_time: time::format_opt_ms(l.assign_time),
        assigned_user: l.assigned_user_id.and_then(|id| names.get(&id).cloned()),
        assigned_user_id: l.assigned_user_id,
        create_time: time::format_ms(l.create_time),
        custom_attributes: d.custom_attributes,
        custom_role_list: custom_roles(l, names),
        emails: d.emails,
        facebook: None,
        first_name: l.first_name.clone(),
        groups: d.segments.clone(),
        hidden_flag: d.hidden,
        language: l.language,
        last_name: l.last_name.clone(),
        last_touch: time::format_opt_ms(l.stats.last_touch),
        last_update_time: time::format_ms(l.update_time),
        last_visit: time::format_opt_ms(l.stats.last_visit),
        lead_id: l.id,
        lead_inquiry: d.inquiry,
        lead_property_list: d
            .properties
            .into_iter()
            .map(|p| LeadProperty {
                lead_user_id: Some(l.id),
                ..p
            })
            .collect(),
        lead_source: None,
        lead_user_id: l.id,
        lender_user_id: l.lender_user_id,
        opportunity: None,
        ownership_id: l.ownership_id,
        ownership_scope: l.ownership_scope.unwrap_or_default(),
        phone_statuses: d.phones.iter().map(|_| 2).collect(),
        phones: d.phones,
        pond_id: (l.pond_id > 0).then_some(l.pond_id),
        pond_name: ponds.get(&l.pond_id).cloned(),
        score: l.stats.score.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
        segments: d.segments,
        source: l.source.clone(),
        stage: l.stage.clone(),
        // the id `GET /v1.0/teamFeatures/lead-pipelines` gives the stage
        stage_id: l
            .stage
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(openhouse_domain::lead::stage_id),
        tags: d
            .tags
            .into_iter()
            .map(|t| UserLeadTagVo {
                create_time: time::format_ms(t.create_time),
                creator_user_id: t.creator_user_id,
                lead_id: l.id,
                tag_id: t.id,
                tag_name: t.name,
                update_time: time::format_ms(t.create_time),
                visible_type: 0,
            })
            .collect(),
        team_id: l.team_id,
        twitter: None,
        profile: d.profile,
    }
}

/// An activity of a lead as the API lists it.
pub fn activity(a: &Activity) -> LeadActivityRes {
    let r = a.activity.clone();
    LeadActivityRes {
        created: r.created,
        id: a.id,
        link: r.link,
        listing: r.listing,
        page_name: r.page_name,
        picture: r.picture,
        scheduled_date: r.scheduled_date,
        text: r.text,
        kind: r.kind,
    }
}

/// A transaction of `lead` as the API shows it.
pub fn transaction(t: &Transaction, lead: &Lead) -> LeadTransaction {
    t.show(lead)
}

// ---------------------------------------------------------------------------------------------
// Notes

/// A note; `names` has its creator's and last editor's names.
pub fn note(n: &Note, names: &Names) -> NoteResponse {
    NoteResponse {
        content: n.content.clone(),
        create_time: time::format_ms(n.create_time),
        creator_id: n.creator_user_id,
        creator_name: n.creator_user_id.and_then(|u| names.get(&u).cloned()),
        delete_flag: false,
        id: n.id,
        is_pin: n.pinned,
        last_editor_id: n.last_editor_user_id,
        last_editor_name: n.last_editor_user_id.and_then(|u| names.get(&u).cloned()),
        last_update: time::format_ms(n.update_time),
        lead_id: n.lead_id,
        note_id: Some(n.id),
        system_note: false,
    }
}

/// A system log entry shown as a note; `names` has its actor's name.
pub fn system_note(e: &LogEntry, names: &Names) -> NoteResponse {
    NoteResponse {
        content: timeline::describe(&e.action, &e.detail),
        create_time: time::format_ms(e.create_time),
        creator_id: e.actor_user_id,
        creator_name: e.actor_user_id.and_then(|u| names.get(&u).cloned()),
        delete_flag: false,
        id: e.id,
        is_pin: false,
        last_editor_id: None,
        last_editor_name: None,
        last_update: time::format_ms(e.create_time),
        lead_id: e.lead_id,
        note_id: None,
        system_note: true,
    }
}

// ---------------------------------------------------------------------------------------------
// Tasks and appointments

/// A task on `lead`, overdue or not at `now`; `names` has its assignee's name.
pub fn task(t: &Task, lead: &Lead, names: &Names, now: i64) -> TaskResponse {
    TaskResponse {
        assigned_role: t.assigned_role,
        assigned_user: t.assigned_user_id.and_then(|u| names.get(&u).cloned()),
        assigned_user_id: t.assigned_user_id,
        body: t.content.clone(),
        content: t.content.clone(),
        create_time: time::format_ms(t.create_time),
        creator_id: t.creator_user_id,
        deadline: time::format_opt_ms(t.deadline),
        delete_flag: false,
        finish_flag: t.finished,
        finish_time: t.finished.then(|| time::format_ms(t.finish_time)),
        id: t.id,
        last_update: time::format_ms(t.update_time),
        lead_email: lead.doc.emails.first().cloned(),
        lead_first_name: lead.first_name.clone(),
        lead_id: lead.id,
        lead_last_name: lead.last_name.clone(),
        lead_name: lead.full_name(),
        lead_phone: lead.doc.phones.first().cloned(),
        lead_user_id: lead.id,
        overdue_flag: t.overdue(now),
        pipeline_id: None,
        query_id: None,
        query_info: None,
        reminder_type: None,
        subject: t.task_type.as_str().to_string(),
        team_id: lead.team_id,
        task_type: t.task_type,
    }
}

/// An appointment, overdue or not at `now`.
pub fn appointment(t: &Task, now: i64) -> Appointment {
    Appointment {
        id: t.id,
        descr: t.content.clone(),
        address: t.address.clone(),
        create_time: time::format_ms(t.create_time),
        last_update: time::format_ms(t.update_time),
        deadline: t.deadline,
        end_time: t.end_time,
        all_day: t.all_day,
        finish_flag: t.finished,
        delete_flag: false,
        overdue: t.overdue(now),
        finish_time: t.finished.then_some(t.finish_time),
        lead_id: t.lead_id,
        assign_to_uid: t.assigned_user_id,
        assign_role_type: calendar::role_type(t.assigned_role),
        creator_id: t.creator_user_id,
    }
}

// ---------------------------------------------------------------------------------------------
// Communications

fn direction(d: Direction) -> String {
    match d {
        Direction::Outbound => "Outbound",
        Direction::Inbound => "Inbound",
    }
    .to_string()
}

/// The final status of a call, as far as its outcome tells.
fn call_status(c: &Communication) -> Option<String> {
    let s = match c.outcome? {
        CallingOutcome::Talked => "Completed",
        CallingOutcome::VoiceMessage => "VoiceMail",
        CallingOutcome::NoAnswer => "NoAnswer",
        CallingOutcome::BadNumber => "Failed",
        CallingOutcome::DncNumber | CallingOutcome::DncContact => return None,
    };
    Some(s.to_string())
}

fn text_outcome(c: &Communication) -> &'static str {
    match c.direction {
        Direction::Outbound => "Delivered",
        Direction::Inbound => "Received",
    }
}

fn manual_or_auto(c: &Communication) -> String {
    if c.manual { "Manual" } else { "Auto" }.to_string()
}

/// A communication as an event carries it: a manual log as `/v1.0/logType` shows it, anything
/// else in its channel's shape.
pub fn communication_resource(c: &Communication) -> Resource {
    if c.manual {
        return log(c).into();
    }
    match c.channel.as_str() {
        CALL => call(c).into(),
        TEXT => text(c).into(),
        _ => email(c).into(),
    }
}

/// A manual log of a call, email or text.
pub fn log(c: &Communication) -> LogTypeResponse {
    LogTypeResponse {
        agent_id: c.agent_user_id,
        calling_outcome: c.outcome,
        content: c.content.clone(),
        create_time: time::format_ms(c.create_time),
        email_subject: c.email_subject.clone(),
        from_email: c.from_email.clone(),
        id: c.id,
        is_pin: c.pinned,
        lead_id: c.lead_id,
        lead_phone_number: c.lead_phone.clone(),
        log_type: LogType::from_channel(&c.channel).unwrap_or(LogType::LogCall),
        outbound_or_inbound: c.direction,
        to_email: c.to_email.clone(),
    }
}

/// A call.
pub fn call(c: &Communication) -> CallResponse {
    let at = time::format_ms(c.create_time);
    CallResponse {
        agent_id: c.agent_user_id,
        calling_outcome: c.outcome,
        create_time: at.clone(),
        dialer_call_record_id: None,
        direction: direction(c.direction),
        duration: None,
        elapsed_time: None,
        end_time: at.clone(),
        id: c.id,
        is_machine_answered: None,
        lead_id: c.lead_id,
        lead_phone_number: c.lead_phone.clone(),
        note: Some(c.content.clone()),
        price: None,
        rate_score: None,
        recording_switch: c.recording_url.is_some(),
        show_user_number: None,
        start_time: at.clone(),
        status: call_status(c),
        update_time: at,
        user_id: c.agent_user_id,
        user_phone_number: None,
    }
}

/// A call in the call history (v2).
pub fn call_history(c: &Communication) -> CallHistory {
    CallHistory {
        agent_id: c.agent_user_id,
        create_time: time::format_ms(c.create_time),
        direction: c.direction.as_str().to_string(),
        id: c.id,
        lead_id: c.lead_id,
        lead_phone_number: c.lead_phone.clone(),
    }
}

/// An email.
pub fn email(c: &Communication) -> EmailResponse {
    EmailResponse {
        agent_id: c.agent_user_id,
        direction: direction(c.direction),
        email_event_time: time::format_ms(c.create_time),
        email_subject: c.email_subject.clone(),
        email_type: manual_or_auto(c),
        event_type: match c.direction {
            Direction::Outbound => "Sent",
            Direction::Inbound => "Received",
        }
        .to_string(),
        from_pond: false,
        id: c.id,
        lead_id: c.lead_id,
    }
}

/// A text.
pub fn text(c: &Communication) -> TextResponse {
    TextResponse {
        agent_id: c.agent_user_id,
        direction: direction(c.direction),
        id: c.id,
        lead_id: c.lead_id,
        text_content: c.content.clone(),
        text_outcome: text_outcome(c).to_string(),
        text_time: time::format_ms(c.create_time),
        text_type: manual_or_auto(c),
    }
}

/// Any communication, as the agent's communication search shows it.
pub fn communication(c: &Communication) -> CommunicationResponse {
    let (event_type, status) = match c.channel.as_str() {
        CALL => ("Call", call_status(c)),
        TEXT => ("Text", Some(text_outcome(c).to_string())),
        _ => match c.direction {
            Direction::Outbound => ("Sent Email", None),
            Direction::Inbound => ("Received Email", None),
        },
    };
    CommunicationResponse {
        agent_id: c.agent_user_id,
        call_duration: None,
        call_outcome: c.outcome,
        communication_time: time::format_ms(c.create_time),
        communication_type: if c.manual { "LOGGED" } else { "AUTO" }.to_string(),
        direction: direction(c.direction),
        event_type: event_type.to_string(),
        from_pond: false,
        id: c.id,
        lead_id: c.lead_id,
        status,
    }
}

// ---------------------------------------------------------------------------------------------
// People and the team

/// A member of the team.
pub fn user(m: &Member) -> UserResponse {
    let u = &m.user;
    UserResponse {
        account_status: if u.status == 1 { "Active" } else { "Inactive" }.to_string(),
        agent_info: m.doc.agent_info.clone(),
        assigned_lead_count: m.assigned_leads as i32,
        email: u.email.clone(),
        first_letter: u
            .first_name
            .chars()
            .next()
            .map(|c| c.to_uppercase().to_string())
            .unwrap_or_default(),
        first_name: u.first_name.clone(),
        group_id: u.office_id,
        group_name: m.office_name.clone(),
        id: u.id,
        invitor_user_id: (u.invitor_user_id > 0).then_some(u.invitor_user_id),
        is_admin: m.role == Role::Admin,
        last_name: u.last_name.clone(),
        member_user_id: u.id,
        new_lead_count: m.new_leads as i32,
        phone_number: u.phone.clone(),
        role: role_code(m.role),
        role_name: role_name(m.role).to_string(),
        status: u.status,
        tag_ids: m.tag_ids.clone(),
        team_id: u.team_id,
        time_zone_id: u.time_zone.clone(),
        virtual_number: String::new(),
    }
}

/// A member's agent account.
pub fn account(m: &Member) -> AccountResponse {
    let u = &m.user;
    AccountResponse {
        agent_id: u.id,
        allow_change_sending_email_address: m.doc.allow_change_sending_email_address,
        email_address: u.email.clone(),
        first_name: u.first_name.clone(),
        group_id: u.office_id,
        last_name: u.last_name.clone(),
        phone: u.phone.clone(),
        profile_id: u.profile_id,
        seat_type: u.seat_type,
        sending_email_address: m.doc.sending_email_address.clone(),
        team_id: u.team_id,
    }
}

/// An office.
pub fn office(o: &Office) -> OfficeOpenVo {
    o.details.clone()
}

/// A lead pond.
pub fn pond(p: &Pond) -> LeadPond {
    LeadPond {
        agent_ids: p.agent_ids.clone(),
        id: p.id,
        pond_name: p.name.clone(),
        pond_owner_id: p.owner_user_id,
    }
}

/// The top-level fields that differ between two states of a shape, as `[{field, from, to}]`
/// (the `changes` of a journal entry's detail): for records whose writes know both states as
/// the API shows them.
pub(crate) fn changes<T: Serialize>(before: &T, after: &T) -> serde_json::Value {
    let map = |v: &T| match serde_json::to_value(v) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    serde_json::json!(openhouse_domain::lead::diff(&map(before), &map(after)))
}
