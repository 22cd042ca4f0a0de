//! What the journal's actions are called on a lead's timeline: the system log's
//! `timelineType` code and name, and the sentence a system note shows.

use serde_json::Value;

/// (timelineType, timelineTypeDesc) of a journal action.
pub fn timeline_type(action: &str) -> (i32, &'static str) {
    match action {
        "lead.created" => (1, "LeadCreated"),
        "lead.updated" => (2, "LeadUpdated"),
        "lead.assigned" => (3, "LeadAssigned"),
        "lead.trashed" => (4, "LeadTrashed"),
        "note.created" => (16, "NoteAdded"),
        "note.updated" => (17, "NoteEdited"),
        "note.deleted" => (18, "NoteDeleted"),
        "task.created" => (20, "TaskAdded"),
        "task.updated" => (21, "TaskEdited"),
        "task.finished" => (22, "TaskFinished"),
        "task.deleted" => (23, "TaskDeleted"),
        "appointment.created" => (24, "AppointmentAdded"),
        "appointment.updated" => (25, "AppointmentEdited"),
        "appointment.finished" => (26, "AppointmentFinished"),
        "appointment.deleted" => (27, "AppointmentDeleted"),
        "appointment.unfinished" => (28, "AppointmentUnfinished"),
        "task.unfinished" => (29, "TaskUnfinished"),
        "communication.recorded" => (30, "CommunicationRecorded"),
        "communication.deleted" => (31, "CommunicationDeleted"),
        "notification.sent" => (40, "OpportunityNotification"),
        "activity.added" => (41, "ActivityAdded"),
        "transaction.created" => (50, "TransactionAdded"),
        "transaction.updated" => (51, "TransactionEdited"),
        _ => (0, "Other"),
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "(empty)".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A one-line description of a journal entry, for system notes.
pub fn describe(action: &str, detail: &Value) -> String {
    match action {
        "lead.created" => "Lead created".into(),
        "lead.updated" => {
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
        "lead.assigned" => match detail["to"].as_i64() {
            Some(to) => format!("Lead assigned to user {to}"),
            None => "Lead unassigned".into(),
        },
        "lead.trashed" => format!("Lead moved to the trash: {}", show(&detail["reason"])),
        "note.created" => "Note added".into(),
        "note.updated" => "Note edited".into(),
        "note.deleted" => "Note deleted".into(),
        "task.created" => format!("Task added: {}", show(&detail["content"])),
        "task.updated" => format!("Task edited: {}", show(&detail["after"]["content"])),
        "task.finished" => format!("Task finished: {}", show(&detail["after"]["content"])),
        "task.deleted" => format!("Task deleted: {}", show(&detail["content"])),
        "task.unfinished" => format!("Task reopened: {}", show(&detail["after"]["content"])),
        "appointment.created" => format!("Appointment added: {}", show(&detail["content"])),
        "appointment.updated" => {
            format!("Appointment edited: {}", show(&detail["after"]["content"]))
        }
        "appointment.finished" => format!(
            "Appointment finished: {}",
            show(&detail["after"]["content"])
        ),
        "appointment.unfinished" => format!(
            "Appointment reopened: {}",
            show(&detail["after"]["content"])
        ),
        "appointment.deleted" => format!("Appointment deleted: {}", show(&detail["content"])),
        "communication.recorded" => format!(
            "{} {} {}",
            if detail["manual"] == true {
                "Logged"
            } else {
                "Recorded"
            },
            show(&detail["direction"]),
            show(&detail["channel"])
        ),
        "communication.deleted" => format!("Deleted a {} log", show(&detail["channel"])),
        "activity.added" => format!(
            "Activity: {} {}",
            show(&detail["type"]),
            show(&detail["text"])
        ),
        "notification.sent" => format!(
            "Opportunity notification {} sent to user {}: {}",
            show(&detail["notificationType"]),
            show(&detail["userId"]),
            show(&detail["message"])
        ),
        "transaction.created" => format!(
            "Transaction added: {} ({}, {})",
            show(&detail["transactionName"]),
            show(&detail["transactionType"]),
            show(&detail["transactionStatus"])
        ),
        "transaction.updated" => {
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
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn descriptions() {
        let d = json!({"changes": [{"field": "stage", "from": "New", "to": "Active"}], "tagsAdded": ["hot"], "tagsRemoved": []});
        assert_eq!(
            describe("lead.updated", &d),
            "Lead updated: stage: New → Active; tags added: hot"
        );
        assert_eq!(
            describe("lead.trashed", &json!({"reason": "dup"})),
            "Lead moved to the trash: dup"
        );
        assert_eq!(timeline_type("note.updated"), (17, "NoteEdited"));
        assert_eq!(
            timeline_type("appointment.created"),
            (24, "AppointmentAdded")
        );
        assert_eq!(
            describe(
                "appointment.finished",
                &json!({"after": {"content": "Showing"}})
            ),
            "Appointment finished: Showing"
        );
        assert_eq!(
            describe(
                "transaction.updated",
                &json!({"transactionName": "1 Main St", "changes": [{"field": "closeDate", "from": null, "to": 1}]})
            ),
            "Transaction edited: 1 Main St (closeDate)"
        );
    }
}
