//! What happened: every kind of change the journal records, as one typed set. Each kind gives,
//! from one exhaustive `match` per property, the action string stored in the journal
//! (`system_logs.action`), the webhook lists it is delivered to and its webhook event type, and
//! how a lead's timeline shows it (the system log's `timelineType` and a system note's sentence).
//! A new kind cannot be journaled without deciding all of them.

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
            Kind::TeamRemoved => "team.deleted",
            Kind::CustomFieldCreated => "customField.created",
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
            Kind::LeadCreated | Kind::LeadAssigned | Kind::LeadTrashed | Kind::NotificationSent => {
                &[LEAD_INFO]
            }
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
            | Kind::PondCreated => &[AGENT_INFO],
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
            Kind::UserCreated
            | Kind::UserUpdated
            | Kind::OfficeCreated
            | Kind::OfficeUpdated
            | Kind::CompanyUpdated
            | Kind::TeamCreated
            | Kind::TeamRemoved
            | Kind::CustomFieldCreated
            | Kind::PondCreated => return None,
        })
    }

    /// A one-line description of an entry of this kind, for system notes.
    pub fn describe(self, detail: &Value) -> String {
        match self {
            Kind::LeadCreated => "Lead created".into(),
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
                if parts.is_empty() {
                    "Lead updated".into()
                } else {
                    format!("Lead updated: {}", parts.join("; "))
                }
            }
            Kind::LeadAssigned => match detail["to"].as_i64() {
                Some(to) => format!("Lead assigned to user {to}"),
                None => "Lead unassigned".into(),
            },
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
            | Kind::PondCreated => self.action().to_string(),
        }
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
