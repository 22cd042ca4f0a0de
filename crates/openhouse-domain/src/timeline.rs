//! What the journal's actions are called on a lead's timeline: the system log's
//! `timelineType` code and name, and the sentence a system note shows, as stored actions are
//! read back. Both come from [`Kind`](crate::event::Kind).

use serde_json::Value;

use crate::event::Kind;

/// (timelineType, timelineTypeDesc) of a journal action; (0, "Other") only for an action no
/// [`Kind`] has, or a team-level one (on no lead's timeline).
pub fn timeline_type(action: &str) -> (i32, &'static str) {
    Kind::parse(action)
        .and_then(Kind::timeline_type)
        .unwrap_or((0, "Other"))
}

/// A one-line description of a journal entry, for system notes; an action no [`Kind`] has is
/// shown as itself.
pub fn describe(action: &str, detail: &Value) -> String {
    match Kind::parse(action) {
        Some(k) => k.describe(detail),
        None => action.to_string(),
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
