//! The calendar: tasks and appointments on one timeline, named outside by composite ids
//! (`<id>-task`, `<id>-appointment`), and the rules for their times.

use std::fmt;

use openhouse_api::{AssignedRole, TaskType};

use crate::Error;
use crate::time::{self, Zone};

/// What a calendar entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Task,
    Appointment,
}

impl EntryKind {
    /// As stored, and as the suffix of a composite id: `task`, `appointment`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Task => "task",
            Self::Appointment => "appointment",
        }
    }

    /// The stored spelling, in any case.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Task, Self::Appointment]
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }

    /// The calendar's `type` field (`TASK`, `APPOINTMENT`, in any case).
    pub fn parse_type(s: &str) -> Result<Self, Error> {
        Self::parse(s.trim()).ok_or_else(|| Error::invalid("type must be TASK or APPOINTMENT"))
    }
}

/// A calendar entry's composite id: `12345-task`, `12345-appointment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarId {
    pub kind: EntryKind,
    pub id: i64,
}

impl CalendarId {
    pub fn new(kind: EntryKind, id: i64) -> Self {
        Self { kind, id }
    }

    /// A malformed id is a 400 INVALID_PARAMETER.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let malformed =
            || Error::invalid("calendarId must look like 12345-task or 12345-appointment");
        let (number, suffix) = s.trim().rsplit_once('-').ok_or_else(malformed)?;
        let kind = EntryKind::parse(suffix).ok_or_else(malformed)?;
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        let id: i64 = number.parse().map_err(|_| malformed())?;
        if id <= 0 {
            return Err(malformed());
        }
        Ok(Self { kind, id })
    }
}

impl fmt::Display for CalendarId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.id, self.kind.as_str())
    }
}

/// The calendar's `taskWay` (Call, Email, Text, Other; any case): the task's type.
pub fn parse_task_way(s: &str) -> Result<TaskType, Error> {
    [
        TaskType::Call,
        TaskType::Email,
        TaskType::Text,
        TaskType::Other,
    ]
    .into_iter()
    .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
    .ok_or_else(|| Error::invalid("taskWay must be Call, Email, Text or Other"))
}

/// The calendar's `assignedRole` (Agent, Assistant; any case).
pub fn parse_assigned_role(s: &str) -> Result<AssignedRole, Error> {
    [AssignedRole::Agent, AssignedRole::Assistant]
        .into_iter()
        .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
        .ok_or_else(|| Error::invalid("assignedRole must be Agent or Assistant"))
}

/// An appointment's `assignRoleType`: the numbers Lofty gives roles in lead routing
/// (AGENT_LEAD 1, LENDER_LEAD 2, ASSISTANT_LEAD 4).
pub fn role_type(role: AssignedRole) -> i32 {
    match role {
        AssignedRole::Agent => 1,
        AssignedRole::Assistant => 4,
    }
}

/// A time as the caller gave it: ISO-8601 with an offset, or epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeInput {
    Iso { ms: i64, midnight: bool },
    Ms(i64),
}

impl TimeInput {
    /// The ISO field when it is given and not blank (it is preferred), else the milliseconds
    /// field; `None` when neither is.
    pub fn from_fields(
        iso_field: &str,
        iso: Option<&str>,
        ms_field: &str,
        ms: Option<i64>,
    ) -> Result<Option<Self>, Error> {
        if let Some(v) = iso.filter(|v| !v.trim().is_empty()) {
            let (ms, midnight) = time::parse_iso(iso_field, v)?;
            return Ok(Some(Self::Iso { ms, midnight }));
        }
        match ms {
            Some(ms) if ms < 0 => Err(Error::invalid(format!(
                "{ms_field} must be epoch milliseconds"
            ))),
            Some(ms) => Ok(Some(Self::Ms(time::check_epoch_ms(ms_field, ms)?))),
            None => Ok(None),
        }
    }

    pub fn ms(self) -> i64 {
        match self {
            Self::Iso { ms, .. } | Self::Ms(ms) => ms,
        }
    }

    /// Midnight at the offset it declares; a bare millisecond time is read in the entry's zone.
    pub fn midnight(self, zone: Zone) -> bool {
        match self {
            Self::Iso { midnight, .. } => midnight,
            Self::Ms(ms) => time::is_midnight_in(ms, zone),
        }
    }
}

/// An entry's times: start and end in epoch ms (end 0: none, as for tasks made through
/// `/v1.0/tasks`), and whether it is all day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub start: i64,
    pub end: i64,
    pub all_day: bool,
}

/// The times an entry gets from what the caller sent: on create (`current` None) both times are
/// required; on update, what is not sent stays. Times sent must be later than `now`, the end not
/// before the start. An appointment is all day when its start and end are both midnight (at the
/// offsets they declare; in `zone` for millisecond times and for the one kept); a task never is.
pub fn schedule(
    kind: EntryKind,
    start: Option<TimeInput>,
    end: Option<TimeInput>,
    current: Option<Schedule>,
    zone: Zone,
    now: i64,
) -> Result<Schedule, Error> {
    for (input, field) in [(start, "startAt"), (end, "endAt")] {
        if input.is_some_and(|t| t.ms() <= now) {
            return Err(Error::invalid(format!(
                "{field} must be later than the current time"
            )));
        }
    }
    let Some(current) = current else {
        let (Some(s), Some(e)) = (start, end) else {
            return Err(Error::invalid(if start.is_none() {
                "startAt (or startAtMs) is required"
            } else {
                "endAt (or endAtMs) is required"
            }));
        };
        if e.ms() < s.ms() {
            return Err(Error::invalid("endAt must not be before startAt"));
        }
        let all_day = kind == EntryKind::Appointment && s.midnight(zone) && e.midnight(zone);
        return Ok(Schedule {
            start: s.ms(),
            end: e.ms(),
            all_day,
        });
    };
    let new_start = start.map_or(current.start, TimeInput::ms);
    let new_end = end.map_or(current.end, TimeInput::ms);
    if new_start <= 0 {
        return Err(Error::invalid(
            "the entry has no start time: send startAt (or startAtMs)",
        ));
    }
    if new_end != 0 && new_end < new_start {
        return Err(Error::invalid("endAt must not be before startAt"));
    }
    let all_day = match kind {
        EntryKind::Task => false,
        EntryKind::Appointment if start.is_none() && end.is_none() => current.all_day,
        EntryKind::Appointment => {
            let start_midnight = start.map_or_else(
                || time::is_midnight_in(current.start, zone),
                |s| s.midnight(zone),
            );
            let end_midnight = new_end > 0
                && end.map_or_else(
                    || time::is_midnight_in(current.end, zone),
                    |e| e.midnight(zone),
                );
            start_midnight && end_midnight
        }
    };
    Ok(Schedule {
        start: new_start,
        end: new_end,
        all_day,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn iso(v: &str) -> Option<TimeInput> {
        TimeInput::from_fields("startAt", Some(v), "startAtMs", None).unwrap()
    }

    #[test]
    fn composite_ids() {
        let id = CalendarId::parse("12345-task").unwrap();
        assert_eq!(id, CalendarId::new(EntryKind::Task, 12345));
        assert_eq!(id.to_string(), "12345-task");
        assert_eq!(
            CalendarId::parse("7-APPOINTMENT").unwrap().to_string(),
            "7-appointment"
        );
        for bad in [
            "12345",
            "task",
            "-task",
            "abc-task",
            "12-meeting",
            "0-task",
            "-5-task",
            "+5-task",
            "1 2-task",
            "99999999999999999999-task",
            "",
        ] {
            assert!(CalendarId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn types_and_ways() {
        assert_eq!(EntryKind::parse_type("task").unwrap(), EntryKind::Task);
        assert_eq!(
            EntryKind::parse_type("Appointment").unwrap(),
            EntryKind::Appointment
        );
        assert!(EntryKind::parse_type("MEETING").is_err());
        assert_eq!(parse_task_way("call").unwrap(), TaskType::Call);
        assert!(parse_task_way("Visit").is_err());
        assert_eq!(
            parse_assigned_role("ASSISTANT").unwrap(),
            AssignedRole::Assistant
        );
        assert_eq!(role_type(AssignedRole::Agent), 1);
    }

    #[test]
    fn create_rules() {
        let la = time::parse_zone("z", "America/Los_Angeles").unwrap();
        let ms = |s: &str| iso(s).unwrap().ms();
        let s = schedule(
            EntryKind::Appointment,
            iso("2027-03-01T14:00:00-08:00"),
            iso("2027-03-01T15:00:00-08:00"),
            None,
            la,
            NOW,
        )
        .unwrap();
        assert_eq!(
            s,
            Schedule {
                start: ms("2027-03-01T14:00:00-08:00"),
                end: ms("2027-03-01T15:00:00-08:00"),
                all_day: false
            }
        );
        // midnight at the declared offsets: all day, whatever the zone
        let s = schedule(
            EntryKind::Appointment,
            iso("2027-03-01T00:00:00+08:00"),
            iso("2027-03-02T00:00:00+08:00"),
            None,
            la,
            NOW,
        )
        .unwrap();
        assert!(s.all_day);
        // a task is never all day
        assert!(
            !schedule(
                EntryKind::Task,
                iso("2027-03-01T00:00:00+08:00"),
                iso("2027-03-02T00:00:00+08:00"),
                None,
                la,
                NOW
            )
            .unwrap()
            .all_day
        );
        // milliseconds: midnight in the entry's zone
        let midnight_la = ms("2027-03-01T00:00:00-08:00");
        let s = schedule(
            EntryKind::Appointment,
            Some(TimeInput::Ms(midnight_la)),
            Some(TimeInput::Ms(midnight_la + 86_400_000)),
            None,
            la,
            NOW,
        )
        .unwrap();
        assert!(s.all_day);
        let s = schedule(
            EntryKind::Appointment,
            Some(TimeInput::Ms(midnight_la)),
            Some(TimeInput::Ms(midnight_la + 86_400_000)),
            None,
            Zone::UTC,
            NOW,
        )
        .unwrap();
        assert!(!s.all_day);
        // past, reversed, missing
        assert!(
            schedule(
                EntryKind::Task,
                Some(TimeInput::Ms(NOW - 1)),
                Some(TimeInput::Ms(NOW + 1)),
                None,
                la,
                NOW
            )
            .is_err()
        );
        assert!(
            schedule(
                EntryKind::Task,
                Some(TimeInput::Ms(NOW + 10)),
                Some(TimeInput::Ms(NOW + 5)),
                None,
                la,
                NOW
            )
            .is_err()
        );
        assert!(
            schedule(
                EntryKind::Task,
                Some(TimeInput::Ms(NOW + 10)),
                None,
                None,
                la,
                NOW
            )
            .is_err()
        );
        assert!(
            schedule(
                EntryKind::Task,
                None,
                Some(TimeInput::Ms(NOW + 10)),
                None,
                la,
                NOW
            )
            .is_err()
        );
        assert!(TimeInput::from_fields("startAt", None, "startAtMs", Some(-1)).is_err());
        // the ISO field is preferred; a blank one counts as not sent
        assert_eq!(
            TimeInput::from_fields(
                "startAt",
                Some("2027-03-01T00:00:00Z"),
                "startAtMs",
                Some(5)
            )
            .unwrap()
            .unwrap()
            .ms(),
            ms("2027-03-01T00:00:00Z")
        );
        assert_eq!(
            TimeInput::from_fields("startAt", Some(" "), "startAtMs", Some(5)).unwrap(),
            Some(TimeInput::Ms(5))
        );
    }

    #[test]
    fn update_rules() {
        let utc = Zone::UTC;
        let day = 86_400_000;
        let midnight = 1_900_000_000_000 / day * day;
        let current = Schedule {
            start: midnight,
            end: midnight + day,
            all_day: true,
        };
        // nothing sent about times: unchanged
        assert_eq!(
            schedule(EntryKind::Appointment, None, None, Some(current), utc, NOW).unwrap(),
            current
        );
        // a new end at noon: no longer all day
        let s = schedule(
            EntryKind::Appointment,
            None,
            Some(TimeInput::Ms(midnight + day / 2)),
            Some(current),
            utc,
            NOW,
        )
        .unwrap();
        assert_eq!(
            s,
            Schedule {
                start: midnight,
                end: midnight + day / 2,
                all_day: false
            }
        );
        // a new start after the kept end
        assert!(
            schedule(
                EntryKind::Appointment,
                Some(TimeInput::Ms(midnight + 2 * day)),
                None,
                Some(current),
                utc,
                NOW
            )
            .is_err()
        );
        // a task from /v1.0/tasks without an end keeps none
        let task = Schedule {
            start: NOW - 5,
            end: 0,
            all_day: false,
        };
        assert_eq!(
            schedule(
                EntryKind::Task,
                Some(TimeInput::Ms(NOW + 5)),
                None,
                Some(task),
                utc,
                NOW
            )
            .unwrap(),
            Schedule {
                start: NOW + 5,
                end: 0,
                all_day: false
            }
        );
        // one without a deadline cannot get only an end
        assert!(
            schedule(
                EntryKind::Task,
                None,
                Some(TimeInput::Ms(NOW + 5)),
                Some(Schedule {
                    start: 0,
                    end: 0,
                    all_day: false
                }),
                utc,
                NOW
            )
            .is_err()
        );
        // a past time sent on update is refused even if the kept one is past too
        assert!(
            schedule(
                EntryKind::Task,
                Some(TimeInput::Ms(NOW - 5)),
                None,
                Some(task),
                utc,
                NOW
            )
            .is_err()
        );
    }
}
