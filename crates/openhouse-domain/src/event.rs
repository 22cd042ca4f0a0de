//! What happened: every kind of change the journal records, as one typed set. Each kind gives,
//! from one exhaustive `match` per property, the action string stored in the journal
//! (`system_logs.action`), the webhook lists it is delivered to and its webhook event type, and
//! how a lead's timeline shows it (the system log's `timelineType` and a system note's sentence),
//! and for updates which fields of the resource the event carries changed
//! ([`Kind::changed_fields`]). A new kind cannot be journaled without deciding all of them (nor,
//! in the store, without deciding its resource's shape).

use serde_json::Value;

/// Declares the kinds once: the enum and [`Kind::ALL`] come from the same list.
macro_rules! kinds {
    ($($kind:ident),* $(,)?) => {
        /// One kind of journaled change.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Kind {
            $($kind),*
        }

        impl Kind {
            /// Every kind.
            pub const ALL: &'static [Kind] = &[$(Kind::$kind),*];
        }
    };
}

kinds! {
    LeadCreated,
    LeadUpdated,
    LeadAssigned,
    LeadTrashed,
    NoteCreated,
    NoteUpdated,
    NoteDeleted,
    TaskCreated,
    TaskUpdated,
    TaskFinished,
    TaskUnfinished,
    TaskDeleted,
    AppointmentCreated,
    AppointmentUpdated,
    AppointmentFinished,
    AppointmentUnfinished,
    AppointmentDeleted,
    CommunicationRecorded,
    CommunicationDeleted,
    NotificationSent,
    ActivityAdded,
    ListingAlerted,
    TransactionCreated,
    TransactionUpdated,
    UserCreated,
    UserUpdated,
    OfficeCreated,
    OfficeUpdated,
    CompanyUpdated,
    TeamCreated,
    TeamRemoved,
    CustomFieldCreated,
    PondCreated,
    LeadOffered,
    LeadOfferEnded,
    RoutingChanged,
    TransactionFieldCreated,
}

/// The webhook lists of the contract (`WebhookRequest.listId`).
pub mod list {
    pub const AGENT_INFO: u8 = 1;
    pub const LEAD_INFO: u8 = 2;
    pub const LEAD_ACTIVITY: u8 = 3;
    pub const LISTING_ALERT: u8 = 4;
    pub const TRANSACTION: u8 = 5;
    pub const CALL: u8 = 6;
    pub const EMAIL: u8 = 7;
    pub const TEXT: u8 = 8;
    pub const NOTE: u8 = 9;
    pub const TASK: u8 = 10;
    pub const APPOINTMENT: u8 = 11;
    pub const PIPELINE: u8 = 12;
}

impl Kind {
    /// The action stored in the journal. These strings are in existing databases: never change
    /// one.
    pub fn action(self) -> &'static str {
        match self {
            Kind::LeadCreated => "lead.created",
            Kind::LeadUpdated => "lead.updated",
            Kind::LeadAssigned => "lead.assigned",
            Kind::LeadTrashed => "lead.trashed",
            Kind::NoteCreated => "note.created",
            Kind::NoteUpdated => "note.updated",
            Kind::NoteDeleted => "note.deleted",
            Kind::TaskCreated => "task.created",
            Kind::TaskUpdated => "task.updated",
            Kind::TaskFinished => "task.finished",
            Kind::TaskUnfinished => "task.unfinished",
            Kind::TaskDeleted => "task.deleted",
            Kind::AppointmentCreated => "appointment.created",
            Kind::AppointmentUpdated => "appointment.updated",
            Kind::AppointmentFinished => "appointment.finished",
            Kind::AppointmentUnfinished => "appointment.unfinished",
            Kind::AppointmentDeleted => "appointment.deleted",
            Kind::CommunicationRecorded => "communication.recorded",
            Kind::CommunicationDeleted => "communication.deleted",
            Kind::NotificationSent => "notification.sent",
            Kind::ActivityAdded => "activity.added",
            Kind::ListingAlerted => "listing.alerted",
            Kind::TransactionCreated => "transaction.created",
            Kind::TransactionUpdated => "transaction.updated",
            Kind::UserCreated => "user.created",
            Kind::UserUpdated => "user.updated",
            Kind::OfficeCreated => "office.created",
            Kind::OfficeUpdated => "office.updated",
            Kind::CompanyUpdated => "company.updated",
            Kind::TeamCreated => "team.created",
            Kind::TeamRemoved => "team.removed",
            Kind::CustomFieldCreated => "custom_field.created",
            Kind::PondCreated => "pond.created",
            Kind::LeadOffered => "lead.offered",
            Kind::LeadOfferEnded => "lead.offer_ended",
            Kind::RoutingChanged => "routing.changed",
            Kind::TransactionFieldCreated => "transaction_field.created",
        }
    }

    /// The kind of a stored action; `None` for a string no kind has (not written by this
    /// version).
    pub fn parse(action: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.action() == action)
    }

    /// The webhook event type, as subscribers see it: the action, except where the action's
    /// word is not what the API calls the change.
    pub fn event_type(self) -> &'static str {
        match self {
            // DELETE /v1.0/leads/{leadId} moves the lead to the trash
            Kind::LeadTrashed => "lead.deleted",
            Kind::TaskUnfinished => "task.reopened",
            Kind::AppointmentUnfinished => "appointment.reopened",
            Kind::CommunicationRecorded => "communication.created",
            Kind::ActivityAdded => "activity.created",
            Kind::ListingAlerted => "alert.created",
            Kind::TeamRemoved => "team.deleted",
            Kind::CustomFieldCreated => "customField.created",
            Kind::TransactionFieldCreated => "transactionField.created",
            other => other.action(),
        }
    }

    /// The webhook lists (`listId`) an entry of this kind goes to, given its detail. Most kinds
    /// have one list; two read the detail: a logged communication goes to its channel's list
    /// (6 call, 7 email, 8 text), and a lead update that changes the stage goes to the pipeline
    /// list (12) as well as to lead info (2).
    pub fn lists(self, detail: &Value) -> &'static [u8] {
        use list::*;
        match self {
            // routing assignments and opportunity offers are lead info
            Kind::LeadCreated
            | Kind::LeadAssigned
            | Kind::LeadTrashed
            | Kind::NotificationSent
            | Kind::LeadOffered
            | Kind::LeadOfferEnded => &[LEAD_INFO],
            Kind::LeadUpdated => {
                let stage = detail["changes"]
                    .as_array()
                    .is_some_and(|cs| cs.iter().any(|c| c["field"] == "stage"));
                if stage {
                    &[LEAD_INFO, PIPELINE]
                } else {
                    &[LEAD_INFO]
                }
            }
            Kind::NoteCreated | Kind::NoteUpdated | Kind::NoteDeleted => &[NOTE],
            Kind::TaskCreated
            | Kind::TaskUpdated
            | Kind::TaskFinished
            | Kind::TaskUnfinished
            | Kind::TaskDeleted => &[TASK],
            Kind::AppointmentCreated
            | Kind::AppointmentUpdated
            | Kind::AppointmentFinished
            | Kind::AppointmentUnfinished
            | Kind::AppointmentDeleted => &[APPOINTMENT],
            Kind::CommunicationRecorded | Kind::CommunicationDeleted => {
                match detail["channel"].as_str() {
                    Some("call") => &[CALL],
                    Some("email") => &[EMAIL],
                    // "text", the only other channel
                    _ => &[TEXT],
                }
            }
            Kind::ActivityAdded => &[LEAD_ACTIVITY],
            Kind::ListingAlerted => &[LISTING_ALERT],
            Kind::TransactionCreated | Kind::TransactionUpdated => &[TRANSACTION],
            // people, offices, the company and the team's own settings are agent info
            Kind::UserCreated
            | Kind::UserUpdated
            | Kind::OfficeCreated
            | Kind::OfficeUpdated
            | Kind::CompanyUpdated
            | Kind::TeamCreated
            | Kind::TeamRemoved
            | Kind::CustomFieldCreated
            | Kind::TransactionFieldCreated
            | Kind::PondCreated
            | Kind::RoutingChanged => &[AGENT_INFO],
        }
    }

    /// Whether the change may change who may do what: what a credential resolves to (a
    /// member's role, office or status, the ponds a member works, a team that is gone). After
    /// one commits, resolved credentials are forgotten (`Store::on_access_changed`).
    pub fn changes_access(self) -> bool {
        match self {
            Kind::UserUpdated | Kind::OfficeUpdated | Kind::PondCreated | Kind::TeamRemoved => true,
            // a new member has no credential yet; the rest change data, not access
            Kind::UserCreated
            | Kind::OfficeCreated
            | Kind::CompanyUpdated
            | Kind::TeamCreated
            | Kind::CustomFieldCreated
            | Kind::TransactionFieldCreated
            | Kind::RoutingChanged
            | Kind::LeadCreated
            | Kind::LeadUpdated
            | Kind::LeadAssigned
            | Kind::LeadTrashed
            | Kind::LeadOffered
            | Kind::LeadOfferEnded
            | Kind::NoteCreated
            | Kind::NoteUpdated
            | Kind::NoteDeleted
            | Kind::TaskCreated
            | Kind::TaskUpdated
            | Kind::TaskFinished
            | Kind::TaskUnfinished
            | Kind::TaskDeleted
            | Kind::AppointmentCreated
            | Kind::AppointmentUpdated
            | Kind::AppointmentFinished
            | Kind::AppointmentUnfinished
            | Kind::AppointmentDeleted
            | Kind::CommunicationRecorded
            | Kind::CommunicationDeleted
            | Kind::NotificationSent
            | Kind::ActivityAdded
            | Kind::ListingAlerted
            | Kind::TransactionCreated
            | Kind::TransactionUpdated => false,
        }
    }

    /// (timelineType, timelineTypeDesc) on a lead's system log; `None` for the team's own
    /// changes (journaled with lead id 0, so on no lead's timeline).
    pub fn timeline_type(self) -> Option<(i32, &'static str)> {
        Some(match self {
            Kind::LeadCreated => (1, "LeadCreated"),
            Kind::LeadUpdated => (2, "LeadUpdated"),
            Kind::LeadAssigned => (3, "LeadAssigned"),
            Kind::LeadTrashed => (4, "LeadTrashed"),
            Kind::NoteCreated => (16, "NoteAdded"),
            Kind::NoteUpdated => (17, "NoteEdited"),
            Kind::NoteDeleted => (18, "NoteDeleted"),
            Kind::TaskCreated => (20, "TaskAdded"),
            Kind::TaskUpdated => (21, "TaskEdited"),
            Kind::TaskFinished => (22, "TaskFinished"),
            Kind::TaskDeleted => (23, "TaskDeleted"),
            Kind::AppointmentCreated => (24, "AppointmentAdded"),
            Kind::AppointmentUpdated => (25, "AppointmentEdited"),
            Kind::AppointmentFinished => (26, "AppointmentFinished"),
            Kind::AppointmentDeleted => (27, "AppointmentDeleted"),
            Kind::AppointmentUnfinished => (28, "AppointmentUnfinished"),
            Kind::TaskUnfinished => (29, "TaskUnfinished"),
            Kind::CommunicationRecorded => (30, "CommunicationRecorded"),
            Kind::CommunicationDeleted => (31, "CommunicationDeleted"),
            Kind::NotificationSent => (40, "OpportunityNotification"),
            Kind::ActivityAdded => (41, "ActivityAdded"),
            Kind::TransactionCreated => (50, "TransactionAdded"),
            Kind::TransactionUpdated => (51, "TransactionEdited"),
            Kind::LeadOffered => (42, "LeadOffered"),
            Kind::LeadOfferEnded => (43, "LeadOfferEnded"),
            Kind::ListingAlerted => (44, "ListingAlert"),
            Kind::UserCreated
            | Kind::UserUpdated
            | Kind::OfficeCreated
            | Kind::OfficeUpdated
            | Kind::CompanyUpdated
            | Kind::TeamCreated
            | Kind::TeamRemoved
            | Kind::CustomFieldCreated
            | Kind::TransactionFieldCreated
            | Kind::PondCreated
            | Kind::RoutingChanged => return None,
        })
    }

    /// A one-line description of an entry of this kind, for system notes.
    pub fn describe(self, detail: &Value) -> String {
        match self {
            Kind::LeadCreated => {
                let routed: Vec<String> = detail["routing"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|o| {
                        let what = match o["type"].as_i64() {
                            Some(2) => "lender",
                            Some(4) => "assistant",
                            _ if o["strategy"] == "Lead Pond" => "pond",
                            _ => "agent",
                        };
                        routed_by(o).map(|how| format!("{what} {how}"))
                    })
                    .collect();
                if routed.is_empty() {
                    "Lead created".into()
                } else {
                    format!("Lead created; routed: {}", routed.join("; "))
                }
            }
            Kind::LeadUpdated => {
                let mut parts: Vec<String> = detail["changes"]
                    .as_array()
                    .map(|cs| {
                        cs.iter()
                            .map(|c| {
                                format!(
                                    "{}: {} → {}",
                                    show(&c["field"]),
                                    show(&c["from"]),
                                    show(&c["to"])
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                for (key, verb) in [("tagsAdded", "tags added"), ("tagsRemoved", "tags removed")] {
                    if let Some(tags) = detail[key].as_array().filter(|t| !t.is_empty()) {
                        parts.push(format!(
                            "{verb}: {}",
                            tags.iter().map(show).collect::<Vec<_>>().join(", ")
                        ));
                    }
                }
                if let Some(how) = routed(detail) {
                    parts.push(how);
                }
                if parts.is_empty() {
                    "Lead updated".into()
                } else {
                    format!("Lead updated: {}", parts.join("; "))
                }
            }
            Kind::LeadAssigned => {
                let what = match detail["to"].as_i64() {
                    Some(to) => format!("Lead assigned to user {to}"),
                    None => "Lead unassigned".into(),
                };
                match routed(detail) {
                    Some(how) => format!("{what} {how}"),
                    None => what,
                }
            }
            Kind::LeadOffered => format!(
                "Lead offered to {} {}, until {}",
                users(&detail["offeredTo"]),
                routed(detail).unwrap_or_default(),
                show(&detail["expiresAt"])
            ),
            Kind::LeadOfferEnded => format!(
                "No one claimed the lead offered {}",
                routed(detail).unwrap_or_default()
            ),
            Kind::LeadTrashed => format!("Lead moved to the trash: {}", show(&detail["reason"])),
            Kind::NoteCreated => "Note added".into(),
            Kind::NoteUpdated => "Note edited".into(),
            Kind::NoteDeleted => "Note deleted".into(),
            Kind::TaskCreated => format!("Task added: {}", show(&detail["content"])),
            Kind::TaskUpdated => format!("Task edited: {}", show(&detail["after"]["content"])),
            Kind::TaskFinished => format!("Task finished: {}", show(&detail["after"]["content"])),
            Kind::TaskDeleted => format!("Task deleted: {}", show(&detail["content"])),
            Kind::TaskUnfinished => {
                format!("Task reopened: {}", show(&detail["after"]["content"]))
            }
            Kind::AppointmentCreated => {
                format!("Appointment added: {}", show(&detail["content"]))
            }
            Kind::AppointmentUpdated => {
                format!("Appointment edited: {}", show(&detail["after"]["content"]))
            }
            Kind::AppointmentFinished => format!(
                "Appointment finished: {}",
                show(&detail["after"]["content"])
            ),
            Kind::AppointmentUnfinished => format!(
                "Appointment reopened: {}",
                show(&detail["after"]["content"])
            ),
            Kind::AppointmentDeleted => {
                format!("Appointment deleted: {}", show(&detail["content"]))
            }
            Kind::CommunicationRecorded => format!(
                "{} {} {}",
                if detail["manual"] == true {
                    "Logged"
                } else {
                    "Recorded"
                },
                show(&detail["direction"]),
                show(&detail["channel"])
            ),
            Kind::CommunicationDeleted => {
                format!("Deleted a {} log", show(&detail["channel"]))
            }
            Kind::ActivityAdded => format!(
                "Activity: {} {}",
                show(&detail["type"]),
                show(&detail["text"])
            ),
            Kind::ListingAlerted => format!("Listing alert: {}", show(&detail["text"])),
            Kind::NotificationSent => format!(
                "Opportunity notification {} sent to user {}: {}",
                show(&detail["notificationType"]),
                show(&detail["userId"]),
                show(&detail["message"])
            ),
            Kind::TransactionCreated => format!(
                "Transaction added: {} ({}, {})",
                show(&detail["transactionName"]),
                show(&detail["transactionType"]),
                show(&detail["transactionStatus"])
            ),
            Kind::TransactionUpdated => {
                let fields: Vec<String> = detail["changes"]
                    .as_array()
                    .map(|cs| cs.iter().map(|c| show(&c["field"])).collect())
                    .unwrap_or_default();
                format!(
                    "Transaction edited: {} ({})",
                    show(&detail["transactionName"]),
                    fields.join(", ")
                )
            }
            // the team's own changes are on no lead's timeline; the action names them
            Kind::UserCreated
            | Kind::UserUpdated
            | Kind::OfficeCreated
            | Kind::OfficeUpdated
            | Kind::CompanyUpdated
            | Kind::TeamCreated
            | Kind::TeamRemoved
            | Kind::CustomFieldCreated
            | Kind::TransactionFieldCreated
            | Kind::PondCreated
            | Kind::RoutingChanged => self.action().to_string(),
        }
    }
}

impl Kind {
    /// The fields an update changed, by the names the API shows them under in the resource the
    /// entry carries (camelCase, as in the responses), sorted, each once; empty for kinds that
    /// are not updates (creations, deletions, additions, notifications).
    ///
    /// - lead updates: `detail.changes[].field`, renamed where the stored name is not the
    ///   response's (`inquiry` → `leadInquiry`, `properties` → `leadPropertyList`, `hidden` →
    ///   `hiddenFlag`, `customRoles` → `customRoleList`), with the fields the response derives
    ///   from them (`segments` → also `groups`; `assignedUserId` → also `assignedUser`,
    ///   `assignTime`, and `assignCompletionStatus` when the lead gains or loses its agent;
    ///   `lenderUserId` → also `customRoleList`; `pondId` → also `pondName`; `phones` → also
    ///   `phoneStatuses` when their number changes); `tags` when tags were added or removed;
    ///   what the response does not show (`hideVendorId`, `deleteReason`) is left out.
    /// - lead assignments: the assignment fields, as for `assignedUserId` above.
    /// - transaction, user, office and company updates: `detail.changes[].field` as they are
    ///   (the changes are taken between the API's shapes; a transaction's address is
    ///   `propertyAddress`).
    /// - note, task and appointment updates (finishing and reopening included): the fields
    ///   whose values differ between `detail.before` and `detail.after`, named as the resource
    ///   shows them; the content by `detail.contentChanged` where the entry has it (the states
    ///   keep excerpts of it).
    ///
    /// Bookkeeping every change sets (`lastUpdate`, `lastUpdateTime`, `updated`) is not listed,
    /// nor what follows the clock rather than the change (`overdueFlag`, `overdue`).
    pub fn changed_fields(self, detail: &Value) -> Vec<String> {
        let mut out: Vec<&str> = Vec::new();
        let changes = || detail["changes"].as_array().into_iter().flatten();
        match self {
            Kind::LeadUpdated => {
                for c in changes() {
                    if let Some(f) = c["field"].as_str() {
                        lead_field(f, &c["from"], &c["to"], &mut out);
                    }
                }
                let tags = |k: &str| detail[k].as_array().is_some_and(|t| !t.is_empty());
                if tags("tagsAdded") || tags("tagsRemoved") {
                    out.push("tags");
                }
            }
            Kind::LeadAssigned => {
                lead_field("assignedUserId", &detail["from"], &detail["to"], &mut out);
            }
            Kind::TransactionUpdated
            | Kind::UserUpdated
            | Kind::OfficeUpdated
            | Kind::CompanyUpdated => {
                out.extend(changes().filter_map(|c| c["field"].as_str()));
            }
            Kind::NoteUpdated => states(detail, note_field, &mut out),
            Kind::TaskUpdated | Kind::TaskFinished | Kind::TaskUnfinished => {
                states(detail, task_field, &mut out)
            }
            Kind::AppointmentUpdated | Kind::AppointmentFinished | Kind::AppointmentUnfinished => {
                states(detail, appointment_field, &mut out)
            }
            Kind::LeadCreated
            | Kind::LeadTrashed
            | Kind::NoteCreated
            | Kind::NoteDeleted
            | Kind::TaskCreated
            | Kind::TaskDeleted
            | Kind::AppointmentCreated
            | Kind::AppointmentDeleted
            | Kind::CommunicationRecorded
            | Kind::CommunicationDeleted
            | Kind::NotificationSent
            | Kind::ActivityAdded
            | Kind::ListingAlerted
            | Kind::TransactionCreated
            | Kind::UserCreated
            | Kind::OfficeCreated
            | Kind::TeamCreated
            | Kind::TeamRemoved
            | Kind::CustomFieldCreated
            | Kind::TransactionFieldCreated
            | Kind::PondCreated
            | Kind::LeadOffered
            | Kind::LeadOfferEnded
            | Kind::RoutingChanged => {}
        }
        out.retain(|f| !BOOKKEEPING.contains(f));
        out.sort_unstable();
        out.dedup();
        out.into_iter().map(String::from).collect()
    }
}

/// "by routing rule "R" (Strategy)" for an entry lead routing made (its `origin` says so);
/// `None` for others.
fn routed(detail: &Value) -> Option<String> {
    routed_by(&detail["origin"])
}

/// "by routing rule "R" (Strategy)" for a routing origin.
fn routed_by(origin: &Value) -> Option<String> {
    if origin["by"] != "routing" {
        return None;
    }
    let strategy = origin["strategy"].as_str().unwrap_or("");
    Some(match origin["ruleName"].as_str() {
        Some(rule) => format!("by routing rule \"{rule}\" ({strategy})"),
        None => format!("by the default routing rule ({strategy})"),
    })
}

/// "users 1, 2" from a list of user ids.
fn users(ids: &Value) -> String {
    let ids: Vec<String> = ids
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v.to_string())
        .collect();
    match ids.len() {
        1 => format!("user {}", ids[0]),
        _ => format!("users {}", ids.join(", ")),
    }
}

/// Fields every change sets, or that follow the clock: never listed as changed.
const BOOKKEEPING: [&str; 5] = [
    "lastUpdate",
    "lastUpdateTime",
    "updated",
    "overdueFlag",
    "overdue",
];

/// The response fields a change of a lead's stored field `f` (from → to) changes.
fn lead_field<'a>(f: &'a str, from: &Value, to: &Value, out: &mut Vec<&'a str>) {
    match f {
        "inquiry" => out.push("leadInquiry"),
        "properties" => out.push("leadPropertyList"),
        "hidden" => out.push("hiddenFlag"),
        "customRoles" => out.push("customRoleList"),
        "segments" => out.extend(["segments", "groups"]),
        "assignedUserId" => {
            out.extend(["assignedUserId", "assignedUser", "assignTime"]);
            if from.is_null() != to.is_null() {
                out.push("assignCompletionStatus");
            }
        }
        "lenderUserId" => out.extend(["lenderUserId", "customRoleList"]),
        "pondId" => out.extend(["pondId", "pondName"]),
        "phones" => {
            out.push("phones");
            let n = |v: &Value| v.as_array().map_or(0, Vec::len);
            if n(from) != n(to) {
                out.push("phoneStatuses");
            }
        }
        // kept on the lead, not shown by the API
        "hideVendorId" | "deleteReason" => {}
        other => out.push(other),
    }
}

/// The fields that differ between `detail.before` and `detail.after`, named by `name` (a key of
/// the journal's state → the resource's fields).
fn states(detail: &Value, name: fn(&str) -> &'static [&'static str], out: &mut Vec<&str>) {
    let (Some(before), Some(after)) = (detail["before"].as_object(), detail["after"].as_object())
    else {
        return;
    };
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let changed = match (k.as_str(), detail["contentChanged"].as_bool()) {
            ("content", Some(c)) => c,
            _ => before.get(k) != after.get(k),
        };
        if changed {
            out.extend(name(k));
        }
    }
}

/// A note's journal state → `NoteResponse`.
fn note_field(k: &str) -> &'static [&'static str] {
    match k {
        "content" => &["content"],
        "pinned" => &["isPin"],
        _ => &[],
    }
}

/// A task's journal state → `TaskResponse` (which shows no end: a calendar task's end is not
/// listed).
fn task_field(k: &str) -> &'static [&'static str] {
    match k {
        "content" => &["body", "content"],
        "type" => &["subject", "taskType"],
        "deadline" => &["deadline"],
        "finished" => &["finishFlag", "finishTime"],
        "assignedRole" => &["assignedRole"],
        "leadId" => &["leadId", "leadUserId"],
        _ => &[],
    }
}

/// An appointment's journal state → `Appointment`.
fn appointment_field(k: &str) -> &'static [&'static str] {
    match k {
        "content" => &["descr"],
        "start" => &["deadline"],
        "end" => &["endTime"],
        "allDay" => &["allDay"],
        "address" => &["address"],
        "finished" => &["finishFlag", "finishTime"],
        "leadId" => &["leadId"],
        _ => &[],
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "(empty)".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashSet;

    #[test]
    fn every_kind_round_trips_and_has_a_list_and_an_event_type() {
        let mut actions = HashSet::new();
        let mut types = HashSet::new();
        for &k in Kind::ALL {
            assert_eq!(Kind::parse(k.action()), Some(k), "{k:?}");
            assert!(actions.insert(k.action()), "{k:?}: action used twice");
            assert!(types.insert(k.event_type()), "{k:?}: event type used twice");
            assert!(k.event_type().contains('.'), "{k:?}");
            let lists = k.lists(&json!({}));
            assert!(!lists.is_empty(), "{k:?}");
            assert!(lists.iter().all(|l| (1..=12).contains(l)), "{k:?}");
            // every kind about a lead is on its timeline as itself, never "Other"
            if let Some((code, desc)) = k.timeline_type() {
                assert!(code > 0 && desc != "Other", "{k:?}");
            }
        }
        assert_eq!(Kind::parse("lead.exploded"), None);
        assert_eq!(Kind::parse(""), None);
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn changed_fields_of_lead_updates_use_the_response_names() {
        let d = json!({
            "changes": [
                {"field": "firstName", "from": "A", "to": "B"},
                {"field": "inquiry", "from": null, "to": {"priceMin": 1}},
                {"field": "properties", "from": [], "to": [{"id": 1}]},
                {"field": "hidden", "from": false, "to": true},
                {"field": "customRoles", "from": [], "to": [{"roleId": 4}]},
                {"field": "segments", "from": [], "to": ["VIP"]},
                {"field": "pondId", "from": null, "to": 7},
                {"field": "hideVendorId", "from": null, "to": 3},
                {"field": "city", "from": null, "to": "Paris"},
            ],
            "tagsAdded": [], "tagsRemoved": [],
        });
        assert_eq!(
            Kind::LeadUpdated.changed_fields(&d),
            names(&[
                "city",
                "customRoleList",
                "firstName",
                "groups",
                "hiddenFlag",
                "leadInquiry",
                "leadPropertyList",
                "pondId",
                "pondName",
                "segments",
            ])
        );
        // tags alone
        let d = json!({"changes": [], "tagsAdded": ["hot"], "tagsRemoved": []});
        assert_eq!(Kind::LeadUpdated.changed_fields(&d), names(&["tags"]));
        // an assignment: the agent gained, then changed
        let gained = json!({"changes": [{"field": "assignedUserId", "from": null, "to": 5}],
                            "tagsAdded": [], "tagsRemoved": []});
        assert_eq!(
            Kind::LeadUpdated.changed_fields(&gained),
            names(&[
                "assignCompletionStatus",
                "assignTime",
                "assignedUser",
                "assignedUserId"
            ])
        );
        assert_eq!(
            Kind::LeadAssigned.changed_fields(&json!({"from": 5, "to": 6})),
            names(&["assignTime", "assignedUser", "assignedUserId"])
        );
        assert_eq!(
            Kind::LeadAssigned.changed_fields(&json!({"from": 5, "to": null})),
            names(&[
                "assignCompletionStatus",
                "assignTime",
                "assignedUser",
                "assignedUserId"
            ])
        );
        // the lender is shown in customRoleList too; phones' statuses follow their number
        let d = json!({"changes": [
            {"field": "lenderUserId", "from": null, "to": 9},
            {"field": "phones", "from": ["1"], "to": ["1", "2"]},
        ]});
        assert_eq!(
            Kind::LeadUpdated.changed_fields(&d),
            names(&["customRoleList", "lenderUserId", "phoneStatuses", "phones"])
        );
        let d = json!({"changes": [{"field": "phones", "from": ["1"], "to": ["2"]}]});
        assert_eq!(Kind::LeadUpdated.changed_fields(&d), names(&["phones"]));
    }

    #[test]
    fn changed_fields_of_updates_with_changes_are_the_changes() {
        let d = json!({"transactionId": 1, "changes": [
            {"field": "homePrice", "from": 1, "to": 2},
            {"field": "transactionStatus", "from": "Pre-contract", "to": "Closed"},
        ]});
        assert_eq!(
            Kind::TransactionUpdated.changed_fields(&d),
            names(&["homePrice", "transactionStatus"])
        );
        let d = json!({"userId": 1, "changes": [
            {"field": "firstName", "from": "A", "to": "B"},
            {"field": "firstLetter", "from": "A", "to": "B"},
        ]});
        assert_eq!(
            Kind::UserUpdated.changed_fields(&d),
            names(&["firstLetter", "firstName"])
        );
        let d = json!({"officeId": 1, "changes": [{"field": "name", "from": "A", "to": "B"}]});
        assert_eq!(Kind::OfficeUpdated.changed_fields(&d), names(&["name"]));
        let d = json!({"teamId": 1, "changes": [{"field": "city", "from": null, "to": "X"}]});
        assert_eq!(Kind::CompanyUpdated.changed_fields(&d), names(&["city"]));
        // an entry from before the changes were kept: nothing to tell
        assert!(
            Kind::UserUpdated
                .changed_fields(&json!({"userId": 1}))
                .is_empty()
        );
    }

    #[test]
    fn changed_fields_compare_the_states_of_notes_tasks_and_appointments() {
        let note = |content: &str, pinned: bool| json!({"noteId": 1, "content": content, "pinned": pinned});
        let d = json!({"before": note("a", false), "after": note("b", false)});
        assert_eq!(Kind::NoteUpdated.changed_fields(&d), names(&["content"]));
        let d =
            json!({"before": note("a", false), "after": note("a", true), "contentChanged": false});
        assert_eq!(Kind::NoteUpdated.changed_fields(&d), names(&["isPin"]));
        // the excerpts agree, the whole content does not
        let d =
            json!({"before": note("a", false), "after": note("a", false), "contentChanged": true});
        assert_eq!(Kind::NoteUpdated.changed_fields(&d), names(&["content"]));

        let task = |content: &str, ty: &str, finished: bool, lead: i64| {
            json!({"taskId": 1, "leadId": lead, "type": ty, "content": content, "deadline": 5,
                   "finished": finished, "assignedRole": "Agent"})
        };
        let d = json!({"before": task("a", "Call", false, 1), "after": task("b", "Email", false, 1),
                       "contentChanged": true});
        assert_eq!(
            Kind::TaskUpdated.changed_fields(&d),
            names(&["body", "content", "subject", "taskType"])
        );
        let d = json!({"before": task("a", "Call", false, 1), "after": task("a", "Call", true, 1),
                       "contentChanged": false});
        assert_eq!(
            Kind::TaskFinished.changed_fields(&d),
            names(&["finishFlag", "finishTime"])
        );
        let d = json!({"before": task("a", "Call", true, 1), "after": task("a", "Call", false, 2)});
        assert_eq!(
            Kind::TaskUnfinished.changed_fields(&d),
            names(&["finishFlag", "finishTime", "leadId", "leadUserId"])
        );
        // a task's end is not shown by the task's shape
        let mut ended = task("a", "Call", false, 1);
        ended["end"] = json!(9);
        let d = json!({"before": task("a", "Call", false, 1), "after": ended});
        assert!(Kind::TaskUpdated.changed_fields(&d).is_empty());

        let appt = |start: i64, end: i64, address: Option<&str>| {
            json!({"appointmentId": 1, "leadId": 1, "content": "x", "start": start, "end": end,
                   "allDay": false, "address": address, "finished": false})
        };
        let d = json!({"before": appt(1, 2, None), "after": appt(3, 4, Some("here")),
                       "contentChanged": false});
        assert_eq!(
            Kind::AppointmentUpdated.changed_fields(&d),
            names(&["address", "deadline", "endTime"])
        );
    }

    #[test]
    fn changed_fields_of_other_kinds_are_none() {
        let busy = json!({"changes": [{"field": "x", "from": 1, "to": 2}],
                          "before": {"content": "a"}, "after": {"content": "b"}});
        for &k in Kind::ALL {
            let updates = [
                Kind::LeadUpdated,
                Kind::LeadAssigned,
                Kind::NoteUpdated,
                Kind::TaskUpdated,
                Kind::TaskFinished,
                Kind::TaskUnfinished,
                Kind::AppointmentUpdated,
                Kind::AppointmentFinished,
                Kind::AppointmentUnfinished,
                Kind::TransactionUpdated,
                Kind::UserUpdated,
                Kind::OfficeUpdated,
                Kind::CompanyUpdated,
            ];
            if updates.contains(&k) {
                continue;
            }
            assert!(k.changed_fields(&busy).is_empty(), "{k:?}");
            assert!(k.changed_fields(&json!({})).is_empty(), "{k:?}");
        }
    }

    #[test]
    fn lists_read_the_detail() {
        let stage = json!({"changes": [{"field": "stage", "from": "New", "to": "Active"}]});
        assert_eq!(Kind::LeadUpdated.lists(&stage), &[2, 12]);
        let name = json!({"changes": [{"field": "firstName", "from": "A", "to": "B"}]});
        assert_eq!(Kind::LeadUpdated.lists(&name), &[2]);
        for (channel, list) in [("call", 6), ("email", 7), ("text", 8)] {
            let d = json!({"channel": channel});
            assert_eq!(Kind::CommunicationRecorded.lists(&d), &[list]);
            assert_eq!(Kind::CommunicationDeleted.lists(&d), &[list]);
        }
        assert_eq!(Kind::LeadAssigned.lists(&json!({})), &[2]);
        assert_eq!(Kind::UserUpdated.lists(&json!({})), &[1]);
        assert_eq!(Kind::TransactionCreated.lists(&json!({})), &[5]);
    }
}
