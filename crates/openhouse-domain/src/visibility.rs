//! Who sees a lead: the one definition.
//!
//! A caller sees a lead of their own team when one of their [`Grant`]s holds for it, and never a
//! lead of another team. The store derives from [`grants`] each form it needs — the SQL
//! condition of every lead query, the check of a lead in memory, the search index's bitmaps —
//! each by an exhaustive `match` on [`Grant`], so a new way of seeing a lead cannot be added to
//! one form and forgotten in another; a differential test checks the forms agree.

use openhouse_api::OwnershipScope;

use crate::auth::{Principal, Role};
use crate::lead::Lead;

/// One reason a caller sees a lead of their team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// Every lead of the team (admins).
    WholeTeam,
    /// Leads shared with the whole team (ownership scope TEAM).
    TeamScope,
    /// Leads assigned to this user as their agent.
    Agent(i64),
    /// Leads whose lender is this user.
    Lender(i64),
    /// Leads whose assistant (custom role 4) is this user.
    Assistant(i64),
    /// PERSONAL leads this user owns.
    Personal(i64),
    /// OFFICE leads of this office.
    Office(i64),
    /// Leads sitting in this pond (the caller owns or works it).
    Pond(i64),
}

/// The grants of `who` within their team: admins see the whole team; others see team-wide
/// leads, leads assigned to them (as agent, lender or assistant), leads they own personally, the
/// OFFICE leads of their office and the leads of the ponds they work.
pub fn grants(who: &Principal) -> Vec<Grant> {
    if who.role == Role::Admin {
        return vec![Grant::WholeTeam];
    }
    let u = who.user_id;
    let mut g = vec![
        Grant::TeamScope,
        Grant::Agent(u),
        Grant::Lender(u),
        Grant::Assistant(u),
        Grant::Personal(u),
    ];
    if who.office_id > 0 {
        g.push(Grant::Office(who.office_id));
    }
    g.extend(
        who.pond_ids
            .iter()
            .filter(|p| **p > 0)
            .map(|p| Grant::Pond(*p)),
    );
    g
}

impl Grant {
    /// Whether this grant holds for a lead of the caller's team.
    pub fn holds(self, l: &Lead) -> bool {
        match self {
            Grant::WholeTeam => true,
            Grant::TeamScope => l.ownership_scope == Some(OwnershipScope::Team),
            Grant::Agent(u) => l.assigned_user_id == Some(u),
            Grant::Lender(u) => l.lender_user_id == Some(u),
            Grant::Assistant(u) => l.assistant_user_id() == Some(u),
            Grant::Personal(u) => {
                l.ownership_scope == Some(OwnershipScope::Personal) && l.ownership_id == Some(u)
            }
            Grant::Office(o) => {
                l.ownership_scope == Some(OwnershipScope::Office) && l.ownership_id == Some(o)
            }
            Grant::Pond(p) => l.pond_id == p,
        }
    }
}

/// Whether `who` sees the lead `l` (trashed or not: the trash is a filter of its own).
pub fn sees(who: &Principal, l: &Lead) -> bool {
    l.team_id == who.team_id && grants(who).into_iter().any(|g| g.holds(l))
}
