//! Lead routing (5.4): a team's rules and default rules, and what they do to a new lead.
//!
//! - A lead created with `leadRouting: true` and no `assignedUserId` is routed in the write that
//!   creates it, for each business type that has rules or a default rule: the agent, the lender
//!   and the assistant. The first rule by priority that matches ([`routing::Matcher`]) decides;
//!   when none does, the default rule. No one ever sees the lead half-routed.
//! - Round Robin and Next Up keep their rotation in the rule's row (`position`), advanced with
//!   one `UPDATE … RETURNING`: on PostgreSQL in a transaction of its own, so concurrent creates
//!   on any number of processes take consecutive positions without waiting for each other's
//!   commits; on SQLite in the write, counted in memory across a batch of creates (see
//!   [`Store::turn_rotation`]). Every check of a create comes before its position is taken.
//! - The configuration (rules, default rules, zone, routable members) is kept per team and
//!   version; a change of a rule, a setting or a member bumps the version. On PostgreSQL a
//!   create routes by the process's copy and its rotation `UPDATE` checks the version in the
//!   same statement; a create that finds it moved runs again with the new configuration.
//! - Next Up and Blast Alert make an offer (`routing_offers`) and a durable job (`jobs`, kind
//!   [`OFFER_JOB`]) due when it runs out. A claim — taking the lead, or the offered member's
//!   first touch (a note or a logged call, email or text) — closes the offer in one conditional
//!   `UPDATE`: of two claims at once exactly one changes the row. A job that fires advances Next
//!   Up to the next member, or ends the offer and hands the lead to the default rule; the offer's
//!   step, checked in the same write, makes a job that fires twice (a crash before it was
//!   recorded) change nothing the second time.
//! - Every decision is journaled on the lead (rule, strategy, who), so it is in the system log
//!   and goes to webhooks (lead info) like any change.

use std::collections::HashMap;

use openhouse_api::{
    AssignMember, AssignRole, CustomRole, MemberWeight, OwnershipScope, RoutingOffer, RoutingRule,
    RoutingRuleRequest, RoutingSettings, SupplementRoutingRule, SupplementRoutingRuleRequest,
};
use openhouse_domain::Error;
use openhouse_domain::auth::{Principal, Role};
use openhouse_domain::event::Kind;
use openhouse_domain::lead::{Lead, LeadPatch, ROLE_ASSISTANT};
use openhouse_domain::routing::{self, BusinessType, LeadFacts, LocalTime, Matcher, Strategy};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use serde_json::{Value, json};

use crate::entities::{
    job, lead_pond, office, routing_default, routing_offer, routing_rule, routing_setting, user,
};
use crate::jobs::{self, NewJob, Outcome};
use crate::journal::{Entry, Write};
use crate::{Store, db_err};

/// The job kind of an offer running out.
pub const OFFER_JOB: &str = "routing.offer";
/// The time zone active hours are read in when a team has set none.
pub const DEFAULT_TIME_ZONE: &str = "America/Los_Angeles";

const OPEN: i32 = 0;
const CLAIMED: i32 = 1;
const RAN_OUT: i32 = 2;
const WITHDRAWN: i32 = 3;

/// Routing configuration is for admins (Lofty: MANAGE_LEAD_DISTRIBUTION).
fn admin_only(who: &Principal) -> Result<(), Error> {
    if who.role == Role::Admin {
        Ok(())
    } else {
        Err(Error::forbidden(
            "PERMISSION_DENIED: lead routing is configured by company admins",
        ))
    }
}

fn rule_of(m: &routing_rule::Model) -> RoutingRule {
    let mut r: RoutingRule = serde_json::from_str(&m.doc).unwrap_or_default();
    r.id = Some(m.id);
    r.priority = Some(m.priority);
    r.update_time = Some(m.update_time);
    r.role_id = (m.role_id > 0).then_some(m.role_id);
    r
}

fn stored_doc(r: &RoutingRule) -> String {
    let mut r = r.clone();
    r.id = None;
    r.priority = None;
    r.update_time = None;
    r.role_id = None;
    if let Some(s) = r.routing_strategy.as_mut() {
        s.group_name = None;
        for w in s.member_weights.iter_mut().flatten() {
            w.first_name = None;
            w.last_name = None;
        }
    }
    serde_json::to_string(&r).expect("serializable")
}

/// A member leads of a type can go to.
#[derive(Debug, Clone)]
pub(crate) struct Routable {
    id: i64,
    first_name: String,
    last_name: Option<String>,
    email: String,
    office_id: i64,
}

fn role_takes(t: BusinessType, role: &str) -> bool {
    match t {
        BusinessType::Agent => role == "admin" || role == "agent",
        BusinessType::Lender => role == "lender",
        BusinessType::Assistant => role == "assistant",
    }
}

/// Why a lead went where it went: recorded as the change's `origin`.
fn origin(t: BusinessType, rule: Option<&RoutingRule>, s: Strategy) -> Value {
    let mut o = json!({"by": "routing", "type": t.code(), "strategy": s.name()});
    if let Some(r) = rule {
        o["ruleId"] = json!(r.id);
        o["ruleName"] = json!(r.name);
    }
    o
}

/// What routing does to a lead of one business type.
enum Outcome2 {
    Assign(i64),
    Pond(i64),
    Offer {
        rule_id: i64,
        strategy: Strategy,
        touch_minutes: i32,
        candidates: Vec<i64>,
    },
}

impl Store {
    async fn routable(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        team_id: i64,
        t: BusinessType,
    ) -> Result<Vec<Routable>, Error> {
        Ok(user::Entity::find()
            .filter(user::Column::TeamId.eq(team_id))
            .filter(user::Column::Status.eq(1))
            .order_by_asc(user::Column::Id)
            .all(db)
            .await
            .map_err(db_err)?
            .into_iter()
            .filter(|u| role_takes(t, &u.role))
            .map(|u| Routable {
                id: u.id,
                first_name: u.first_name,
                last_name: u.last_name,
                email: u.email,
                office_id: u.office_id,
            })
            .collect())
    }

    /// The ids of the members leads of a type can go to.
    async fn member_ids(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        team_id: i64,
        t: BusinessType,
    ) -> Result<Vec<i64>, Error> {
        Ok(self
            .routable(db, team_id, t)
            .await?
            .iter()
            .map(|u| u.id)
            .collect())
    }

    async fn pond_ids(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        team_id: i64,
    ) -> Result<Vec<(i64, String)>, Error> {
        Ok(lead_pond::Entity::find()
            .filter(lead_pond::Column::TeamId.eq(team_id))
            .order_by_asc(lead_pond::Column::Id)
            .all(db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect())
    }

    async fn office_ids(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        team_id: i64,
    ) -> Result<Vec<(i64, String)>, Error> {
        Ok(office::Entity::find()
            .filter(office::Column::TeamId.eq(team_id))
            .all(db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect())
    }

    /// A rule as the API shows it: with its members' and pond's names.
    fn show_rule(
        &self,
        m: &routing_rule::Model,
        members: &HashMap<i64, Routable>,
        ponds: &[(i64, String)],
    ) -> RoutingRule {
        let mut r = rule_of(m);
        if let Some(s) = r.routing_strategy.as_mut() {
            if let Some(g) = s.group_id {
                s.group_name = ponds.iter().find(|p| p.0 == g).map(|p| p.1.clone());
            }
            for w in s.member_weights.iter_mut().flatten() {
                if let Some(u) = members.get(&w.member_id) {
                    w.first_name = Some(u.first_name.clone());
                    w.last_name = u.last_name.clone();
                }
            }
        }
        r
    }

    async fn rule_models(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        team_id: i64,
        t: BusinessType,
        role: i32,
    ) -> Result<Vec<routing_rule::Model>, Error> {
        routing_rule::Entity::find()
            .filter(routing_rule::Column::TeamId.eq(team_id))
            .filter(routing_rule::Column::BusinessType.eq(t.code()))
            .filter(routing_rule::Column::RoleId.eq(role))
            .order_by_asc(routing_rule::Column::Priority)
            .order_by_asc(routing_rule::Column::Id)
            .all(db)
            .await
            .map_err(db_err)
    }

    /// A member of the team was added or changed (its role, office, status or name): the
    /// routing configuration, which holds the routable members, is read again. Called by the
    /// journal for each such change, so no path that changes a member can forget it.
    pub(crate) async fn members_changed(&self, w: &Write<'_>, team_id: i64) -> Result<(), Error> {
        routing_setting::Entity::update_many()
            .col_expr(
                routing_setting::Column::Version,
                Expr::col(routing_setting::Column::Version).add(1),
            )
            .filter(routing_setting::Column::TeamId.eq(team_id))
            .exec(&**w)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Marks a change of a team's routing configuration (its settings row is made, with the
    /// default zone, when it has none): every process reads the configuration again.
    async fn bump_version(&self, w: &Write<'_>, team_id: i64, now: i64) -> Result<(), Error> {
        let r = routing_setting::Entity::update_many()
            .col_expr(
                routing_setting::Column::Version,
                Expr::col(routing_setting::Column::Version).add(1),
            )
            .col_expr(routing_setting::Column::UpdateTime, Expr::value(now))
            .filter(routing_setting::Column::TeamId.eq(team_id))
            .exec(&**w)
            .await
            .map_err(db_err)?;
        if r.rows_affected == 0 {
            routing_setting::Entity::insert(routing_setting::ActiveModel {
                team_id: Set(team_id),
                time_zone: Set(DEFAULT_TIME_ZONE.to_string()),
                version: Set(1),
                update_time: Set(now),
            })
            .exec_without_returning(&**w)
            .await
            .map_err(db_err)?;
        }
        Ok(())
    }

    /// The team's routing configuration as of this write: from the process's cache when its
    /// version is current (one read of the settings row), else read and kept. `None`: the team
    /// has never configured routing.
    async fn config(
        &self,
        w: &Write<'_>,
        team_id: i64,
    ) -> Result<Option<std::sync::Arc<Config>>, Error> {
        if let Some(c) = w.routing_memo.lock().expect("memo").config.get(&team_id) {
            return Ok(c.clone());
        }
        // PostgreSQL: the process's copy, not read again: the rotation the lead takes checks
        // its version in the same statement (see turn_rotation), or `verify_config` does
        if self.rotation_db().is_some()
            && let Some(c) = self.routing.0.lock().expect("routing cache").get(&team_id)
        {
            let mut memo = w.routing_memo.lock().expect("memo");
            memo.config.insert(team_id, Some(c.clone()));
            memo.unverified.insert(team_id, c.version);
            return Ok(Some(c.clone()));
        }
        let c = self.config_read(w, team_id).await?;
        w.routing_memo
            .lock()
            .expect("memo")
            .config
            .insert(team_id, c.clone());
        Ok(c)
    }

    async fn config_read(
        &self,
        w: &Write<'_>,
        team_id: i64,
    ) -> Result<Option<std::sync::Arc<Config>>, Error> {
        let Some(settings) = routing_setting::Entity::find_by_id(team_id)
            .one(&**w)
            .await
            .map_err(db_err)?
        else {
            return Ok(None);
        };
        let cache = &self.routing;
        if let Some(c) = cache.0.lock().expect("routing cache").get(&team_id)
            && c.version == settings.version
        {
            return Ok(Some(c.clone()));
        }
        let rules = routing_rule::Entity::find()
            .filter(routing_rule::Column::TeamId.eq(team_id))
            .order_by_asc(routing_rule::Column::Priority)
            .order_by_asc(routing_rule::Column::Id)
            .all(&**w)
            .await
            .map_err(db_err)?
            .iter()
            .map(|m| {
                let rule = rule_of(m);
                let matcher = Matcher::of(&rule);
                (m.business_type, m.role_id, (rule, matcher))
            })
            .collect();
        let defaults = routing_default::Entity::find()
            .filter(routing_default::Column::TeamId.eq(team_id))
            .all(&**w)
            .await
            .map_err(db_err)?
            .iter()
            .map(|d| (d.business_type, d.role_id))
            .collect();
        let mut members = Vec::new();
        for t in BusinessType::ALL {
            members.push((t.code(), self.routable(&**w, team_id, t).await?));
        }
        let c = std::sync::Arc::new(Config {
            version: settings.version,
            zone: settings.time_zone,
            rules,
            defaults,
            members,
        });
        cache
            .0
            .lock()
            .expect("routing cache")
            .insert(team_id, c.clone());
        Ok(Some(c))
    }

    /// `GET /v1.0/routing/rule/list/{type}`: the rules of a type, in the order they are tried.
    pub async fn routing_rules(
        &self,
        who: &Principal,
        t: BusinessType,
        role: i32,
    ) -> Result<Vec<RoutingRule>, Error> {
        admin_only(who)?;
        let models = self.rule_models(&self.db, who.team_id, t, role).await?;
        let members: HashMap<i64, Routable> = self
            .routable(&self.db, who.team_id, t)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let ponds = self.pond_ids(&self.db, who.team_id).await?;
        Ok(models
            .iter()
            .map(|m| self.show_rule(m, &members, &ponds))
            .collect())
    }

    /// openhouse: adds a rule at the end of its type's order (or at `priority`, moving the
    /// others down).
    pub async fn add_routing_rule(
        &self,
        who: &Principal,
        t: BusinessType,
        role: i32,
        given: &RoutingRule,
    ) -> Result<RoutingRule, Error> {
        admin_only(who)?;
        let now = self.now();
        let mut w = self.write().await?;
        let members = self.member_ids(&*w, who.team_id, t).await?;
        let ponds = ids(self.pond_ids(&*w, who.team_id).await?);
        let rule = routing::check_rule(given, t, &members, &ponds)?;
        let group = rule.assign_group_id.unwrap_or(-1);
        if group != -1
            && !self
                .office_ids(&*w, who.team_id)
                .await?
                .iter()
                .any(|o| o.0 == group)
        {
            return Err(Error::invalid(format!(
                "INVAID_GROUP_ID: assignGroupId is -1 (the company) or an office of the team, not {group}"
            )));
        }
        let mut order = self.rule_models(&*w, who.team_id, t, role).await?;
        let id = self.next_id();
        let at = given
            .priority
            .map(|p| (std::cmp::max(p, 1) as usize - 1).min(order.len()))
            .unwrap_or(order.len());
        let m = routing_rule::Model {
            team_id: who.team_id,
            id,
            business_type: t.code(),
            role_id: role,
            priority: 0,
            doc: stored_doc(&rule),
            position: 0,
            create_time: now,
            update_time: now,
        };
        routing_rule::Entity::insert(routing_rule::ActiveModel::from(m.clone()))
            .exec_without_returning(&*w)
            .await
            .map_err(db_err)?;
        order.insert(at, m);
        let ids: Vec<i64> = order.iter().map(|m| m.id).collect();
        self.renumber(&w, who.team_id, &ids).await?;
        let shown = self.rule_view(&w, who.team_id, t, id).await?;
        self.record_routing(&mut w, who, now, json!({"rule": shown, "change": "added"}))
            .await?;
        w.commit().await?;
        Ok(shown)
    }

    async fn renumber(&self, w: &Write<'_>, team_id: i64, ids: &[i64]) -> Result<(), Error> {
        for (i, id) in ids.iter().enumerate() {
            routing_rule::Entity::update_many()
                .col_expr(routing_rule::Column::Priority, Expr::value(i as i32 + 1))
                .filter(routing_rule::Column::TeamId.eq(team_id))
                .filter(routing_rule::Column::Id.eq(*id))
                .exec(&**w)
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }

    async fn rule_view(
        &self,
        w: &Write<'_>,
        team_id: i64,
        t: BusinessType,
        id: i64,
    ) -> Result<RoutingRule, Error> {
        let m = routing_rule::Entity::find_by_id((team_id, id))
            .one(&**w)
            .await
            .map_err(db_err)?
            .ok_or_else(|| Error::not_found("routing rule"))?;
        let members = self
            .routable(&**w, team_id, t)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let ponds = self.pond_ids(&**w, team_id).await?;
        Ok(self.show_rule(&m, &members, &ponds))
    }

    async fn record_routing(
        &self,
        w: &mut Write<'_>,
        who: &Principal,
        now: i64,
        detail: Value,
    ) -> Result<(), Error> {
        self.bump_version(w, who.team_id, now).await?;
        let resource = crate::render::Resource::Routing(Box::new(detail.clone()));
        // a team-level entry: lead id 0
        w.record(
            who,
            now,
            Entry {
                lead_id: 0,
                action: Kind::RoutingChanged,
                detail,
                resource,
            },
        )
        .await
    }

    /// `PUT /v1.0/routing/rule/{type}`: a rule's active hours and strategy.
    pub async fn edit_routing_rule(
        &self,
        who: &Principal,
        t: BusinessType,
        req: &RoutingRuleRequest,
    ) -> Result<(), Error> {
        admin_only(who)?;
        let now = self.now();
        let mut w = self.write().await?;
        let m = routing_rule::Entity::find_by_id((who.team_id, req.id))
            .lock_exclusive()
            .one(&*w)
            .await
            .map_err(db_err)?
            .filter(|m| m.business_type == t.code())
            .ok_or_else(|| {
                Error::invalid(format!(
                    "INVAID_ID: the team has no {} routing rule {}",
                    t.name(),
                    req.id
                ))
            })?;
        let members = self.member_ids(&*w, who.team_id, t).await?;
        let ponds = ids(self.pond_ids(&*w, who.team_id).await?);
        let rule = routing::edit_rule(
            &rule_of(&m),
            req.active_hours.as_ref(),
            req.routing_strategy.as_ref(),
            t,
            &members,
            &ponds,
        )?;
        routing_rule::Entity::update_many()
            .col_expr(routing_rule::Column::Doc, Expr::value(stored_doc(&rule)))
            .col_expr(routing_rule::Column::UpdateTime, Expr::value(now))
            .filter(routing_rule::Column::TeamId.eq(who.team_id))
            .filter(routing_rule::Column::Id.eq(req.id))
            .exec(&*w)
            .await
            .map_err(db_err)?;
        let shown = self.rule_view(&w, who.team_id, t, req.id).await?;
        self.record_routing(&mut w, who, now, json!({"rule": shown, "change": "edited"}))
            .await?;
        w.commit().await
    }

    /// openhouse: removes a rule (its open offers stay, and end as they would have).
    pub async fn remove_routing_rule(
        &self,
        who: &Principal,
        t: BusinessType,
        id: i64,
    ) -> Result<(), Error> {
        admin_only(who)?;
        let now = self.now();
        let mut w = self.write().await?;
        let m = routing_rule::Entity::find_by_id((who.team_id, id))
            .one(&*w)
            .await
            .map_err(db_err)?
            .filter(|m| m.business_type == t.code())
            .ok_or_else(|| Error::not_found("routing rule"))?;
        routing_rule::Entity::delete_many()
            .filter(routing_rule::Column::TeamId.eq(who.team_id))
            .filter(routing_rule::Column::Id.eq(id))
            .exec(&*w)
            .await
            .map_err(db_err)?;
        let rest: Vec<i64> = self
            .rule_models(&*w, who.team_id, t, m.role_id)
            .await?
            .iter()
            .map(|m| m.id)
            .collect();
        self.renumber(&w, who.team_id, &rest).await?;
        let mut gone = rule_of(&m);
        gone.priority = None;
        self.record_routing(&mut w, who, now, json!({"rule": gone, "change": "removed"}))
            .await?;
        w.commit().await
    }

    /// openhouse: puts a type's rules in a new order; every rule of the type (and role) once.
    pub async fn order_routing_rules(
        &self,
        who: &Principal,
        t: BusinessType,
        role: i32,
        ids: &[i64],
    ) -> Result<Vec<RoutingRule>, Error> {
        admin_only(who)?;
        let now = self.now();
        let mut w = self.write().await?;
        let mut have: Vec<i64> = self
            .rule_models(&*w, who.team_id, t, role)
            .await?
            .iter()
            .map(|m| m.id)
            .collect();
        let mut given = ids.to_vec();
        have.sort_unstable();
        given.sort_unstable();
        if have != given {
            return Err(Error::invalid(
                "ruleIds must name every rule of the type exactly once",
            ));
        }
        self.renumber(&w, who.team_id, ids).await?;
        self.record_routing(&mut w, who, now, json!({"order": ids, "type": t.code()}))
            .await?;
        w.commit().await?;
        self.routing_rules(who, t, role).await
    }

    /// `GET /v1.0/routing/rule/supplement/{type}`.
    pub async fn routing_default(
        &self,
        who: &Principal,
        t: BusinessType,
        role: i32,
    ) -> Result<SupplementRoutingRule, Error> {
        admin_only(who)?;
        let m = routing_default::Entity::find_by_id((who.team_id, t.code(), role))
            .one(&self.db)
            .await
            .map_err(db_err)?;
        let mut out = SupplementRoutingRule {
            business_type: t.code(),
            role_id: (role > 0).then_some(role),
            ..Default::default()
        };
        let Some(m) = m else { return Ok(out) };
        out.strategy_type = m.strategy_type;
        out.update_time = m.update_time;
        out.touch_minutes = (m.touch_minutes > 0).then_some(m.touch_minutes);
        if m.agent_id > 0 {
            out.assignee_agent_id = Some(m.agent_id.to_string());
            let names = self.names_in(&self.db, who.team_id, [m.agent_id]).await?;
            out.assignee_agent_name = names.get(&m.agent_id).cloned();
        }
        if m.group_id > 0 {
            out.assignee_group_id = Some(m.group_id.to_string());
            out.assignee_group_name = self
                .office_ids(&self.db, who.team_id)
                .await?
                .into_iter()
                .find(|o| o.0 == m.group_id)
                .map(|o| o.1);
        }
        Ok(out)
    }

    /// `PUT /v1.0/routing/rule/supplement/{type}`.
    pub async fn set_routing_default(
        &self,
        who: &Principal,
        t: BusinessType,
        req: &SupplementRoutingRuleRequest,
    ) -> Result<(), Error> {
        admin_only(who)?;
        let role = t.role(req.role_id)?;
        let now = self.now();
        let mut w = self.write().await?;
        let members = self.member_ids(&*w, who.team_id, t).await?;
        let offices = ids(self.office_ids(&*w, who.team_id).await?);
        let (_, touch, agent, group) = routing::check_supplement(req, t, &members, &offices)?;
        let existing = routing_default::Entity::find_by_id((who.team_id, t.code(), role))
            .one(&*w)
            .await
            .map_err(db_err)?;
        let m = routing_default::Model {
            team_id: who.team_id,
            business_type: t.code(),
            role_id: role,
            strategy_type: req.strategy_type,
            touch_minutes: touch,
            agent_id: agent,
            group_id: group,
            position: existing.as_ref().map_or(0, |e| e.position),
            update_time: now,
        };
        let am = routing_default::ActiveModel::from(m);
        if existing.is_some() {
            am.reset_all().update(&*w).await.map_err(db_err)?;
        } else {
            routing_default::Entity::insert(am)
                .exec_without_returning(&*w)
                .await
                .map_err(db_err)?;
        }
        self.record_routing(
            &mut w,
            who,
            now,
            json!({"default": {"businessType": t.code(), "roleId": role, "strategyType": req.strategy_type,
                "touchMinutes": touch, "assigneeAgentId": agent, "assigneeGroupId": group}}),
        )
        .await?;
        w.commit().await
    }

    /// `GET /v1.0/routing/member/list/{type}`: the members leads of the type can go to (and,
    /// for agent leads, the team's ponds).
    pub async fn routing_members(
        &self,
        who: &Principal,
        t: BusinessType,
        _role: i32,
    ) -> Result<Vec<AssignMember>, Error> {
        admin_only(who)?;
        let mut out: Vec<AssignMember> = self
            .routable(&self.db, who.team_id, t)
            .await?
            .into_iter()
            .map(|u| AssignMember {
                id: u.id,
                name: match &u.last_name {
                    Some(l) if !l.is_empty() => format!("{} {l}", u.first_name),
                    _ => u.first_name.clone(),
                },
                member_type: if t == BusinessType::Lender { 2 } else { 1 },
            })
            .collect();
        if t == BusinessType::Agent {
            out.extend(self.pond_ids(&self.db, who.team_id).await?.into_iter().map(
                |(id, name)| AssignMember {
                    id,
                    name,
                    member_type: 3,
                },
            ));
        }
        Ok(out)
    }

    /// `GET /v1.0/routing/role/list`: the roles ASSISTANT_LEAD rules assign.
    pub async fn routing_roles(&self, who: &Principal) -> Result<Vec<AssignRole>, Error> {
        admin_only(who)?;
        Ok(vec![AssignRole {
            id: ROLE_ASSISTANT as i64,
            name: "Assistant".into(),
        }])
    }

    /// openhouse: the team's routing settings.
    pub async fn routing_settings(&self, who: &Principal) -> Result<RoutingSettings, Error> {
        admin_only(who)?;
        Ok(RoutingSettings {
            time_zone_id: self.routing_zone(&self.db, who.team_id).await?,
        })
    }

    async fn routing_zone(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        team_id: i64,
    ) -> Result<String, Error> {
        Ok(routing_setting::Entity::find_by_id(team_id)
            .one(db)
            .await
            .map_err(db_err)?
            .map_or_else(|| DEFAULT_TIME_ZONE.to_string(), |s| s.time_zone))
    }

    /// openhouse: sets the team's routing time zone.
    pub async fn set_routing_settings(
        &self,
        who: &Principal,
        s: &RoutingSettings,
    ) -> Result<RoutingSettings, Error> {
        admin_only(who)?;
        let zone = routing::check_time_zone(&s.time_zone_id)?;
        let now = self.now();
        let mut w = self.write().await?;
        // the record bumps the version (making the settings row when there is none)
        self.record_routing(&mut w, who, now, json!({"settings": {"timeZoneId": zone}}))
            .await?;
        routing_setting::Entity::update_many()
            .col_expr(routing_setting::Column::TimeZone, Expr::value(zone.clone()))
            .filter(routing_setting::Column::TeamId.eq(who.team_id))
            .exec(&*w)
            .await
            .map_err(db_err)?;
        w.commit().await?;
        Ok(RoutingSettings { time_zone_id: zone })
    }

    /// Advances a rotation and returns the position it was at.
    ///
    /// On PostgreSQL the position is taken outside the create's transaction, by one statement
    /// committed without waiting for its log flush: the row is locked for the length of that
    /// statement, not for the whole create and its commit, so routed creates through one rule
    /// do not run one at a time; and the creates of a process that ask at once share one
    /// statement ([`PositionTaker`]). A position is still durable whenever the create
    /// that took it is: the create commits after it and waits for the log up to its own commit,
    /// which holds the position's. Every check of a create comes before routing, so only a
    /// storage fault or a crash between the two can leave a position unused.
    ///
    /// On SQLite writes take turns, so a write (a batch of creates) reads a rotation's position
    /// once with its first `UPDATE`, counts on in memory, and writes where it ended before it
    /// commits ([`Store::flush_rotations`]); a savepoint rolled back takes its counts back.
    async fn turn_rotation(&self, w: &Write<'_>, r: Rotation) -> Result<u64, Error> {
        let now_at = if self.rotation_db().is_some() {
            // the version of a configuration taken from the process's copy is checked by the
            // same statement
            let team_id = r.team_id();
            let unverified = w
                .routing_memo
                .lock()
                .expect("memo")
                .unverified
                .get(&team_id)
                .copied();
            let p = match self.take_positions(r, unverified).await? {
                Some(p) => p,
                None => return Err(routing_changed(team_id)),
            };
            w.routing_memo
                .lock()
                .expect("memo")
                .unverified
                .remove(&team_id);
            p
        } else {
            let known = w
                .routing_memo
                .lock()
                .expect("memo")
                .positions
                .get(&r)
                .copied();
            match known {
                Some((p, _)) => {
                    w.routing_memo
                        .lock()
                        .expect("memo")
                        .positions
                        .insert(r, (p + 1, true));
                    p + 1
                }
                None => {
                    let p = r
                        .advance(&**w, 1, None)
                        .await?
                        .ok_or_else(|| Error::internal("a rotation's row is missing"))?;
                    w.routing_memo
                        .lock()
                        .expect("memo")
                        .positions
                        .insert(r, (p, false));
                    p
                }
            }
        };
        Ok(std::cmp::max(now_at - 1, 0) as u64)
    }

    /// Writes the positions a write counted in memory (see [`Store::turn_rotation`]); the
    /// write calls it before it commits.
    pub(crate) async fn flush_rotations(&self, w: &Write<'_>) -> Result<(), Error> {
        let behind: Vec<(Rotation, i64)> = w
            .routing_memo
            .lock()
            .expect("memo")
            .positions
            .iter()
            .filter(|(_, (_, behind))| *behind)
            .map(|(r, (p, _))| (*r, *p))
            .collect();
        for (r, p) in behind {
            w.execute(&r.set(Expr::value(p), None))
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }

    /// PostgreSQL: takes the next position of `r` (checking the team's configuration is at
    /// `version` when one is given), through the process's [`PositionTaker`]. `None`: the
    /// version moved, or the rotation is gone.
    async fn take_positions(
        &self,
        r: Rotation,
        version: Option<i64>,
    ) -> Result<Option<i64>, Error> {
        let lost = || Error::internal("a rotation position was lost");
        let taker = self.positions().ok_or_else(lost)?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        taker.0.send((r, version, reply)).map_err(|_| lost())?;
        answer.await.unwrap_or_else(|_| Err(lost()))
    }

    /// What a rule's strategy does with a lead.
    async fn apply_strategy(
        &self,
        w: &Write<'_>,
        team_id: i64,
        t: BusinessType,
        role: i32,
        rule: &RoutingRule,
        members: &[Routable],
    ) -> Result<Option<Outcome2>, Error> {
        let rule_id = rule.id.unwrap_or(0);
        let Some(s) = &rule.routing_strategy else {
            return Ok(None);
        };
        let strategy = Strategy::of_rule(s.strategy_type, t)?;
        if strategy == Strategy::LeadPond {
            return Ok(s.group_id.map(Outcome2::Pond));
        }
        // the weighted members still routable, in the rule's order; none listed: everyone
        let weights: Vec<(i64, i64)> = match s.member_weights.as_deref() {
            Some(ws) if !ws.is_empty() => ws
                .iter()
                .filter(|w: &&MemberWeight| members.iter().any(|m| m.id == w.member_id))
                .map(|w| (w.member_id, w.weight.unwrap_or(1) as i64))
                .collect(),
            _ => members.iter().map(|m| (m.id, 1)).collect(),
        };
        if weights.is_empty() {
            return Ok(None);
        }
        let n = self
            .turn_rotation(w, Rotation::of(team_id, rule_id, t, role))
            .await?;
        Ok(match strategy {
            Strategy::RoundRobin => routing::round_robin(&weights, n).map(Outcome2::Assign),
            _ => {
                let mut candidates: Vec<i64> = weights.iter().map(|w| w.0).collect();
                if strategy == Strategy::NextUp {
                    let k = candidates.len();
                    candidates.rotate_left((n % k as u64) as usize);
                }
                Some(Outcome2::Offer {
                    rule_id,
                    strategy,
                    touch_minutes: std::cmp::max(s.touch_minutes.unwrap_or(0), 1),
                    candidates,
                })
            }
        })
    }

    /// What the default rule of a type does with a lead; `None` when it has none, or nobody
    /// it names can take the lead.
    async fn apply_default(
        &self,
        w: &Write<'_>,
        team_id: i64,
        t: BusinessType,
        role: i32,
        members: &[Routable],
    ) -> Result<Option<(Strategy, Outcome2)>, Error> {
        let Some(d) = routing_default::Entity::find_by_id((team_id, t.code(), role))
            .one(&**w)
            .await
            .map_err(db_err)?
        else {
            return Ok(None);
        };
        let strategy = Strategy::of_supplement(d.strategy_type, t)?;
        let outcome = match strategy {
            Strategy::DefaultAssignee if d.agent_id > 0 => members
                .iter()
                .any(|m| m.id == d.agent_id)
                .then_some(Outcome2::Assign(d.agent_id)),
            Strategy::DefaultAssignee => {
                let office: Vec<(i64, i64)> = members
                    .iter()
                    .filter(|m| m.office_id == d.group_id)
                    .map(|m| (m.id, 1))
                    .collect();
                if office.is_empty() {
                    None
                } else {
                    let n = self
                        .turn_rotation(w, Rotation::of(team_id, 0, t, role))
                        .await?;
                    routing::round_robin(&office, n).map(Outcome2::Assign)
                }
            }
            _ => {
                let mut candidates: Vec<i64> = members.iter().map(|m| m.id).collect();
                if candidates.is_empty() {
                    None
                } else {
                    let n = self
                        .turn_rotation(w, Rotation::of(team_id, 0, t, role))
                        .await?;
                    if strategy == Strategy::NextUp {
                        let k = candidates.len();
                        candidates.rotate_left((n % k as u64) as usize);
                    }
                    Some(Outcome2::Offer {
                        rule_id: 0,
                        strategy,
                        touch_minutes: std::cmp::max(d.touch_minutes, 1),
                        candidates,
                    })
                }
            }
        };
        Ok(outcome.map(|o| (strategy, o)))
    }

    /// Checks a new lead's `assignGroupId` (an office of the team, or -1): before the create's
    /// first write, as every check of a create is (see `group_commit`).
    pub(crate) async fn check_routing_scope(
        &self,
        w: &Write<'_>,
        team_id: i64,
        scope: i64,
    ) -> Result<(), Error> {
        if scope > 0
            && !self
                .office_ids(&**w, team_id)
                .await?
                .iter()
                .any(|o| o.0 == scope)
        {
            return Err(Error::invalid(format!(
                "assignGroupId is -1 (the company) or an office of the team, not {scope}"
            )));
        }
        Ok(())
    }

    /// Routes a new lead, before it is written: sets its agent, lender, assistant or pond and
    /// answers what was decided, for [`Store::journal_routing`] to record once it is written.
    /// `scope`: -1 the company's rules, an office id that office's, 0 by the lead's ownership.
    pub(crate) async fn route_new_lead(
        &self,
        w: &Write<'_>,
        l: &mut Lead,
        scope: i64,
        now: i64,
        names: &mut crate::render::Names,
    ) -> Result<Vec<(BusinessType, Value, Option<Vec<i64>>)>, Error> {
        let team_id = l.team_id;
        let scope = match scope {
            0 => match (l.ownership_scope, l.ownership_id) {
                (Some(OwnershipScope::Office), Some(o)) => o,
                _ => -1,
            },
            s => s,
        };
        let Some(config) = self.config(w, team_id).await? else {
            return Ok(Vec::new());
        };
        let at = LocalTime::at(now, &config.zone);
        let facts = LeadFacts::of(l);
        let mut decisions = Vec::new();
        for t in BusinessType::ALL {
            let role = routed_role(t);
            let already = match t {
                BusinessType::Agent => l.assigned_user_id.is_some() || l.pond_id > 0,
                BusinessType::Lender => l.lender_user_id.is_some(),
                BusinessType::Assistant => l.assistant_user_id().is_some(),
            };
            let rules: Vec<&(RoutingRule, Matcher)> = config
                .rules
                .iter()
                .filter(|(bt, r, _)| *bt == t.code() && *r == role)
                .map(|(_, _, rule)| rule)
                .collect();
            let has_default = config.defaults.contains(&(t.code(), role));
            if already || (rules.is_empty() && !has_default) {
                continue;
            }
            let in_scope: Vec<&(RoutingRule, Matcher)> = {
                let own: Vec<&(RoutingRule, Matcher)> = rules
                    .iter()
                    .copied()
                    .filter(|(r, _)| r.assign_group_id.unwrap_or(-1) == scope)
                    .collect();
                // an office without rules of its own routes by the company's
                if own.is_empty() && scope != -1 {
                    rules
                        .iter()
                        .copied()
                        .filter(|(r, _)| r.assign_group_id.unwrap_or(-1) == -1)
                        .collect()
                } else {
                    own
                }
            };
            let members: &[Routable] = config
                .members
                .iter()
                .find(|(code, _)| *code == t.code())
                .map_or(&[], |(_, m)| m.as_slice());
            let mut decided = None;
            if let Some((rule, _)) = in_scope.into_iter().find(|(_, m)| m.matches(&facts, at))
                && let Some(o) = self
                    .apply_strategy(w, team_id, t, role, rule, members)
                    .await?
            {
                let s = rule
                    .routing_strategy
                    .as_ref()
                    .and_then(|s| Strategy::of_rule(s.strategy_type, t).ok())
                    .unwrap_or(Strategy::RoundRobin);
                decided = Some((origin(t, Some(rule), s), o));
            }
            if decided.is_none()
                && let Some((s, o)) = self.apply_default(w, team_id, t, role, members).await?
            {
                decided = Some((origin(t, None, s), o));
            }
            let Some((origin, outcome)) = decided else {
                continue;
            };
            if let Outcome2::Assign(user) = &outcome
                && let Some(m) = members.iter().find(|m| m.id == *user)
            {
                // the name the lead shows, without reading it again
                names.insert(
                    m.id,
                    crate::auth::display_name(&m.first_name, m.last_name.as_deref()),
                );
            }
            let emails: HashMap<i64, String> =
                members.iter().map(|m| (m.id, m.email.clone())).collect();
            let offered = self.decide(w, l, t, &outcome, &emails, now).await?;
            decisions.push((t, origin, offered));
        }
        self.verify_config(w, team_id).await?;
        Ok(decisions)
    }

    /// Checks the version of a configuration routing took from the process's copy when no
    /// rotation did (see [`Store::config`]).
    async fn verify_config(&self, w: &Write<'_>, team_id: i64) -> Result<(), Error> {
        let Some(v) = w
            .routing_memo
            .lock()
            .expect("memo")
            .unverified
            .remove(&team_id)
        else {
            return Ok(());
        };
        let current = routing_setting::Entity::find_by_id(team_id)
            .one(&**w)
            .await
            .map_err(db_err)?
            .map(|s| s.version);
        if current != Some(v) {
            return Err(routing_changed(team_id));
        }
        Ok(())
    }

    /// After `ROUTING_CHANGED`: forgets the process's copy of the team's
    /// configuration, so that the create, run again, reads it.
    pub(crate) fn forget_routing(&self, team_id: i64) {
        self.routing
            .0
            .lock()
            .expect("routing cache")
            .remove(&team_id);
    }

    /// Applies an outcome to a lead in memory (an assignment, a pond) or writes its offer;
    /// answers whom an offer went to.
    async fn decide(
        &self,
        w: &Write<'_>,
        l: &mut Lead,
        t: BusinessType,
        outcome: &Outcome2,
        emails: &HashMap<i64, String>,
        now: i64,
    ) -> Result<Option<Vec<i64>>, Error> {
        match outcome {
            Outcome2::Assign(user) => {
                let patch = assignment(t, *user, emails);
                l.apply(&patch, now, || self.next_id());
                Ok(None)
            }
            Outcome2::Pond(p) => {
                l.pond_id = *p;
                Ok(None)
            }
            Outcome2::Offer {
                rule_id,
                strategy,
                touch_minutes,
                candidates,
            } => {
                let offered = self
                    .make_offer(
                        w,
                        l,
                        t,
                        *rule_id,
                        *strategy,
                        *touch_minutes,
                        candidates,
                        now,
                    )
                    .await?;
                Ok(Some(offered))
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn make_offer(
        &self,
        w: &Write<'_>,
        l: &Lead,
        t: BusinessType,
        rule_id: i64,
        strategy: Strategy,
        touch_minutes: i32,
        candidates: &[i64],
        now: i64,
    ) -> Result<Vec<i64>, Error> {
        let id = self.next_id();
        let expires_at = now + touch_minutes as i64 * 60_000;
        routing_offer::Entity::insert(routing_offer::ActiveModel {
            team_id: Set(l.team_id),
            id: Set(id),
            lead_id: Set(l.id),
            business_type: Set(t.code()),
            role_id: Set(routed_role(t)),
            rule_id: Set(rule_id),
            strategy_type: Set(if strategy == Strategy::NextUp { 1 } else { 2 }),
            touch_minutes: Set(touch_minutes),
            candidates: Set(json!(candidates).to_string()),
            step: Set(0),
            state: Set(OPEN),
            claimed_by: Set(0),
            expires_at: Set(expires_at),
            create_time: Set(now),
            update_time: Set(now),
        })
        .exec_without_returning(&**w)
        .await
        .map_err(db_err)?;
        self.offer_job(w, l.team_id, id, 0, expires_at, now).await?;
        Ok(offered_to(strategy, candidates, 0))
    }

    async fn offer_job(
        &self,
        w: &Write<'_>,
        team_id: i64,
        offer: i64,
        step: i32,
        at: i64,
        now: i64,
    ) -> Result<(), Error> {
        jobs::enqueue(
            w,
            now,
            vec![NewJob {
                team_id,
                kind: OFFER_JOB,
                subject_id: offer,
                order_key: String::new(),
                event_id: 0,
                payload: json!({"step": step}),
                run_at: at,
                deadline: 0,
            }],
        )
        .await
    }

    /// Journals the offers [`Store::route_new_lead`] made, once the lead is written (its
    /// other decisions are in the lead's `lead.created` entry).
    pub(crate) async fn journal_routing(
        &self,
        w: &mut Write<'_>,
        who: &Principal,
        l: &Lead,
        resource: &crate::render::Resource,
        offers: Vec<(BusinessType, Value, Option<Vec<i64>>)>,
        now: i64,
    ) -> Result<(), Error> {
        for (t, origin, offered) in offers {
            let expires = routing_offer::Entity::find()
                .filter(routing_offer::Column::TeamId.eq(l.team_id))
                .filter(routing_offer::Column::LeadId.eq(l.id))
                .filter(routing_offer::Column::BusinessType.eq(t.code()))
                .filter(routing_offer::Column::State.eq(OPEN))
                .one(&**w)
                .await
                .map_err(db_err)?
                .map_or(0, |o| o.expires_at);
            w.record(
                who,
                now,
                Entry {
                    lead_id: l.id,
                    action: Kind::LeadOffered,
                    detail: json!({"offeredTo": offered.unwrap_or_default(), "expiresAt": expires, "origin": origin}),
                    resource: resource.clone(),
                },
            )
            .await?;
        }
        Ok(())
    }

    /// openhouse: the open offers made to the caller (admins: the team's).
    pub async fn routing_offers(&self, who: &Principal) -> Result<Vec<RoutingOffer>, Error> {
        let open = routing_offer::Entity::find()
            .filter(routing_offer::Column::TeamId.eq(who.team_id))
            .filter(routing_offer::Column::State.eq(OPEN))
            .order_by_asc(routing_offer::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(open
            .into_iter()
            .filter_map(|o| {
                let to = current(&o);
                let mine = who.role == Role::Admin || to.contains(&who.user_id);
                mine.then_some(RoutingOffer {
                    lead_id: o.lead_id,
                    business_type: o.business_type,
                    rule_id: o.rule_id,
                    strategy_type: o.strategy_type,
                    offered_to: to,
                    expires_at: o.expires_at,
                })
            })
            .collect())
    }

    /// openhouse: the caller takes a lead offered to them. 409 when it is not (any more).
    pub async fn claim_lead(&self, who: &Principal, lead_id: i64) -> Result<(), Error> {
        let now = self.now();
        let mut w = self.write().await?;
        if !self.claim_in(&mut w, who, lead_id, now).await? {
            return Err(Error::conflict(
                "the lead is not offered to you: it was claimed, the offer ran out, or there was none",
            ));
        }
        w.commit().await
    }

    /// Claims, within a write, what is offered to `who` on a lead; whether anything was.
    /// A touch (a note, a logged call, email or text) calls this too.
    pub(crate) async fn claim_in(
        &self,
        w: &mut Write<'_>,
        who: &Principal,
        lead_id: i64,
        now: i64,
    ) -> Result<bool, Error> {
        let offers = routing_offer::Entity::find()
            .filter(routing_offer::Column::TeamId.eq(who.team_id))
            .filter(routing_offer::Column::LeadId.eq(lead_id))
            .filter(routing_offer::Column::State.eq(OPEN))
            .all(&**w)
            .await
            .map_err(db_err)?;
        let mut claimed = false;
        for o in offers
            .into_iter()
            .filter(|o| current(o).contains(&who.user_id))
        {
            // of two claims at once, one changes the row
            let r = routing_offer::Entity::update_many()
                .col_expr(routing_offer::Column::State, Expr::value(CLAIMED))
                .col_expr(routing_offer::Column::ClaimedBy, Expr::value(who.user_id))
                .col_expr(routing_offer::Column::UpdateTime, Expr::value(now))
                .filter(routing_offer::Column::TeamId.eq(o.team_id))
                .filter(routing_offer::Column::Id.eq(o.id))
                .filter(routing_offer::Column::State.eq(OPEN))
                .filter(routing_offer::Column::Step.eq(o.step))
                .exec(&**w)
                .await
                .map_err(db_err)?;
            if r.rows_affected != 1 {
                continue;
            }
            self.drop_offer_jobs(w, o.team_id, o.id).await?;
            let t = BusinessType::parse(o.business_type)?;
            let strategy = offer_strategy(&o);
            let rule = self.offer_rule(w, &o).await?;
            let mut how = origin(t, rule.as_ref(), strategy);
            how["claim"] = json!(true);
            let emails = self.emails(w, who.team_id).await?;
            self.assign_existing(
                w,
                who,
                lead_id,
                assignment(t, who.user_id, &emails),
                how,
                now,
            )
            .await?;
            claimed = true;
        }
        Ok(claimed)
    }

    async fn emails(&self, w: &Write<'_>, team_id: i64) -> Result<HashMap<i64, String>, Error> {
        Ok(user::Entity::find()
            .filter(user::Column::TeamId.eq(team_id))
            .all(&**w)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|u| (u.id, u.email))
            .collect())
    }

    async fn offer_rule(
        &self,
        w: &Write<'_>,
        o: &routing_offer::Model,
    ) -> Result<Option<RoutingRule>, Error> {
        if o.rule_id == 0 {
            return Ok(None);
        }
        Ok(routing_rule::Entity::find_by_id((o.team_id, o.rule_id))
            .one(&**w)
            .await
            .map_err(db_err)?
            .map(|m| rule_of(&m)))
    }

    async fn drop_offer_jobs(&self, w: &Write<'_>, team_id: i64, offer: i64) -> Result<(), Error> {
        job::Entity::delete_many()
            .filter(job::Column::TeamId.eq(team_id))
            .filter(job::Column::SubjectId.eq(offer))
            .filter(job::Column::Kind.eq(OFFER_JOB))
            .filter(job::Column::State.eq(jobs::PENDING))
            .exec(&**w)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Changes a written lead's routed role (or pond) as routing decided, journaled with
    /// `origin`. The lead is read as the team sees it, whoever `who` is (a claim by an agent who
    /// cannot see the lead yet).
    async fn assign_existing(
        &self,
        w: &mut Write<'_>,
        who: &Principal,
        lead_id: i64,
        patch: LeadPatch,
        origin: Value,
        now: i64,
    ) -> Result<(), Error> {
        let team = crate::auth::acting_admin(who.team_id, who.user_id);
        let before = self.load_for_write(w, &team, lead_id).await?;
        self.edit_lead_in(w, who, before, &patch, now, Some(origin))
            .await
    }

    /// Runs the offers that ran out by `now`: up to `max` jobs, claimed for `owner`. Returns
    /// how many ran.
    pub async fn run_offer_jobs(&self, owner: i32, now: i64, max: u64) -> Result<usize, Error> {
        let due = self.claim_jobs(OFFER_JOB, max, owner, 60_000, now).await?;
        let n = due.len();
        let mut done = Vec::with_capacity(n);
        for j in due {
            let step = j.payload["step"].as_i64().unwrap_or(0) as i32;
            let ran = self.offer_ran_out(j.team_id, j.subject_id, step, now).await;
            let outcome = Outcome::of_write(&ran, now, now + 5_000, String::new());
            done.push((j, outcome));
        }
        self.finish_jobs(owner, now, done).await?;
        Ok(n)
    }

    /// An offer's time ran out at `step`: Next Up offers the lead to the next member; an offer
    /// with no one left ends, and the lead goes to the default rule (an offer of the default
    /// rule just ends). Nothing happens when the offer is past that step (a job that fires a
    /// second time) or closed.
    async fn offer_ran_out(
        &self,
        team_id: i64,
        offer: i64,
        step: i32,
        now: i64,
    ) -> Result<(), Error> {
        let mut w = self.background_write().await?;
        let Some(o) = routing_offer::Entity::find_by_id((team_id, offer))
            .lock_exclusive()
            .one(&*w)
            .await
            .map_err(db_err)?
            .filter(|o| o.state == OPEN && o.step == step)
        else {
            return Ok(());
        };
        let t = BusinessType::parse(o.business_type)?;
        let system = self.team_admin(&w, team_id).await?;
        let team = crate::auth::acting_admin(team_id, system);
        let lead = match self.load_for_write(&w, &team, o.lead_id).await {
            Ok(l) => l,
            Err(_) => {
                // trashed meanwhile
                self.close_offer(&w, &o, WITHDRAWN, now).await?;
                return w.commit().await;
            }
        };
        let taken = match t {
            BusinessType::Agent => lead.assigned_user_id.is_some(),
            BusinessType::Lender => lead.lender_user_id.is_some(),
            BusinessType::Assistant => lead.assistant_user_id().is_some(),
        };
        if taken {
            // assigned by hand meanwhile
            self.close_offer(&w, &o, WITHDRAWN, now).await?;
            return w.commit().await;
        }
        let strategy = offer_strategy(&o);
        let rule = self.offer_rule(&w, &o).await?;
        let how = origin(t, rule.as_ref(), strategy);
        let candidates: Vec<i64> = serde_json::from_str(&o.candidates).unwrap_or_default();
        let resource = self.lead_resource(&w, &lead, &Default::default()).await?;
        if strategy == Strategy::NextUp && (o.step as usize + 1) < candidates.len() {
            let next = o.step + 1;
            let expires_at = now + o.touch_minutes as i64 * 60_000;
            routing_offer::Entity::update_many()
                .col_expr(routing_offer::Column::Step, Expr::value(next))
                .col_expr(routing_offer::Column::ExpiresAt, Expr::value(expires_at))
                .col_expr(routing_offer::Column::UpdateTime, Expr::value(now))
                .filter(routing_offer::Column::TeamId.eq(team_id))
                .filter(routing_offer::Column::Id.eq(offer))
                .exec(&*w)
                .await
                .map_err(db_err)?;
            self.offer_job(&w, team_id, offer, next, expires_at, now)
                .await?;
            let to = offered_to(strategy, &candidates, next);
            w.record(
                &team,
                now,
                Entry {
                    lead_id: o.lead_id,
                    action: Kind::LeadOffered,
                    detail: json!({"offeredTo": to, "expiresAt": expires_at, "origin": how}),
                    resource,
                },
            )
            .await?;
            return w.commit().await;
        }
        self.close_offer(&w, &o, RAN_OUT, now).await?;
        w.record(
            &team,
            now,
            Entry {
                lead_id: o.lead_id,
                action: Kind::LeadOfferEnded,
                detail: json!({"offeredTo": offered_to(strategy, &candidates, o.step), "origin": how}),
                resource,
            },
        )
        .await?;
        if o.rule_id != 0 {
            let members = self.routable(&*w, team_id, t).await?;
            if let Some((s, outcome)) = self
                .apply_default(&w, team_id, t, o.role_id, &members)
                .await?
            {
                let how = origin(t, None, s);
                match outcome {
                    Outcome2::Assign(user) => {
                        let emails: HashMap<i64, String> =
                            members.iter().map(|m| (m.id, m.email.clone())).collect();
                        self.assign_existing(
                            &mut w,
                            &team,
                            o.lead_id,
                            assignment(t, user, &emails),
                            how,
                            now,
                        )
                        .await?;
                    }
                    Outcome2::Pond(_) => {}
                    Outcome2::Offer {
                        rule_id,
                        strategy,
                        touch_minutes,
                        candidates,
                    } => {
                        let to = self
                            .make_offer(
                                &w,
                                &lead,
                                t,
                                rule_id,
                                strategy,
                                touch_minutes,
                                &candidates,
                                now,
                            )
                            .await?;
                        let resource = self.lead_resource(&w, &lead, &Default::default()).await?;
                        w.record(
                            &team,
                            now,
                            Entry {
                                lead_id: o.lead_id,
                                action: Kind::LeadOffered,
                                detail: json!({"offeredTo": to,
                                    "expiresAt": now + touch_minutes as i64 * 60_000, "origin": how}),
                                resource,
                            },
                        )
                        .await?;
                    }
                }
            }
        }
        w.commit().await
    }

    async fn close_offer(
        &self,
        w: &Write<'_>,
        o: &routing_offer::Model,
        state: i32,
        now: i64,
    ) -> Result<(), Error> {
        routing_offer::Entity::update_many()
            .col_expr(routing_offer::Column::State, Expr::value(state))
            .col_expr(routing_offer::Column::UpdateTime, Expr::value(now))
            .filter(routing_offer::Column::TeamId.eq(o.team_id))
            .filter(routing_offer::Column::Id.eq(o.id))
            .exec(&**w)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// The team's first admin: whom changes made by routing itself are journaled as.
    pub(crate) async fn team_admin(&self, w: &Write<'_>, team_id: i64) -> Result<i64, Error> {
        Ok(user::Entity::find()
            .filter(user::Column::TeamId.eq(team_id))
            .filter(user::Column::Role.eq("admin"))
            .order_by_asc(user::Column::Id)
            .one(&**w)
            .await
            .map_err(db_err)?
            .map_or(0, |u| u.id))
    }

    /// Whether an offer job may be due (a read, to spare idle polls a write).
    pub async fn has_due_offers(&self, now: i64) -> Result<bool, Error> {
        self.has_due_jobs(OFFER_JOB, now).await
    }

    /// openhouse CLI: a team's rules, default rules and settings as one JSON document.
    pub async fn export_routing(&self, team_id: i64) -> Result<Value, Error> {
        let txn = self.db.begin().await.map_err(db_err)?;
        let rules: Vec<Value> = routing_rule::Entity::find()
            .filter(routing_rule::Column::TeamId.eq(team_id))
            .order_by_asc(routing_rule::Column::BusinessType)
            .order_by_asc(routing_rule::Column::RoleId)
            .order_by_asc(routing_rule::Column::Priority)
            .all(&txn)
            .await
            .map_err(db_err)?
            .iter()
            .map(|m| {
                let mut r = rule_of(m);
                r.id = None;
                r.update_time = None;
                json!({"type": m.business_type, "rule": r})
            })
            .collect();
        let defaults: Vec<Value> = routing_default::Entity::find()
            .filter(routing_default::Column::TeamId.eq(team_id))
            .all(&txn)
            .await
            .map_err(db_err)?
            .iter()
            .map(|d| {
                json!({"type": d.business_type, "default": SupplementRoutingRuleRequest {
                    assignee_agent_id: (d.agent_id > 0).then_some(d.agent_id),
                    assignee_group_id: (d.group_id > 0).then_some(d.group_id),
                    role_id: (d.role_id > 0).then_some(d.role_id),
                    strategy_type: d.strategy_type,
                    touch_minutes: (d.touch_minutes > 0).then_some(d.touch_minutes),
                }})
            })
            .collect();
        let zone = self.routing_zone(&txn, team_id).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(json!({"timeZoneId": zone, "rules": rules, "defaults": defaults}))
    }

    /// openhouse CLI: replaces a team's rules, default rules and settings with those of an
    /// export, as its first admin, in one write: every rule is checked as the API checks it,
    /// and nothing changes unless all are accepted.
    pub async fn import_routing(&self, team_id: i64, doc: &Value) -> Result<usize, Error> {
        let now = self.now();
        let mut w = self.write().await?;
        let admin = self.team_admin(&w, team_id).await?;
        if admin == 0 {
            return Err(Error::not_found("team"));
        }
        let who = crate::auth::acting_admin(team_id, admin);
        let zone =
            routing::check_time_zone(doc["timeZoneId"].as_str().unwrap_or(DEFAULT_TIME_ZONE))?;
        routing_rule::Entity::delete_many()
            .filter(routing_rule::Column::TeamId.eq(team_id))
            .exec(&*w)
            .await
            .map_err(db_err)?;
        routing_default::Entity::delete_many()
            .filter(routing_default::Column::TeamId.eq(team_id))
            .exec(&*w)
            .await
            .map_err(db_err)?;
        // the record bumps the version (making the settings row when there is none)
        self.record_routing(
            &mut w,
            &who,
            now,
            json!({"imported": doc["rules"].as_array().map_or(0, Vec::len)}),
        )
        .await?;
        routing_setting::Entity::update_many()
            .col_expr(routing_setting::Column::TimeZone, Expr::value(zone))
            .filter(routing_setting::Column::TeamId.eq(team_id))
            .exec(&*w)
            .await
            .map_err(db_err)?;
        let ponds = ids(self.pond_ids(&*w, team_id).await?);
        let offices = ids(self.office_ids(&*w, team_id).await?);
        let mut count = 0;
        let mut priority: HashMap<(i32, i32), i32> = HashMap::new();
        for item in doc["rules"].as_array().into_iter().flatten() {
            let t = BusinessType::parse(item["type"].as_i64().unwrap_or(0) as i32)?;
            let given: RoutingRule = serde_json::from_value(item["rule"].clone())
                .map_err(|e| Error::invalid(format!("rule {count}: {e}")))?;
            let role = t.role(
                given
                    .role_id
                    .or((t == BusinessType::Assistant).then_some(ROLE_ASSISTANT)),
            )?;
            let members = self.member_ids(&*w, team_id, t).await?;
            let rule = routing::check_rule(&given, t, &members, &ponds)?;
            let group = rule.assign_group_id.unwrap_or(-1);
            if group != -1 && !offices.contains(&group) {
                return Err(Error::invalid(format!(
                    "rule {count}: the team has no office {group}"
                )));
            }
            let p = priority.entry((t.code(), role)).or_insert(0);
            *p += 1;
            routing_rule::Entity::insert(routing_rule::ActiveModel::from(routing_rule::Model {
                team_id,
                id: self.next_id(),
                business_type: t.code(),
                role_id: role,
                priority: *p,
                doc: stored_doc(&rule),
                position: 0,
                create_time: now,
                update_time: now,
            }))
            .exec_without_returning(&*w)
            .await
            .map_err(db_err)?;
            count += 1;
        }
        for item in doc["defaults"].as_array().into_iter().flatten() {
            let t = BusinessType::parse(item["type"].as_i64().unwrap_or(0) as i32)?;
            let req: SupplementRoutingRuleRequest = serde_json::from_value(item["default"].clone())
                .map_err(|e| Error::invalid(format!("default rule: {e}")))?;
            let role = t.role(req.role_id)?;
            let members = self.member_ids(&*w, team_id, t).await?;
            let (_, touch, agent, group) = routing::check_supplement(&req, t, &members, &offices)?;
            routing_default::Entity::insert(routing_default::ActiveModel::from(
                routing_default::Model {
                    team_id,
                    business_type: t.code(),
                    role_id: role,
                    strategy_type: req.strategy_type,
                    touch_minutes: touch,
                    agent_id: agent,
                    group_id: group,
                    position: 0,
                    update_time: now,
                },
            ))
            .exec_without_returning(&*w)
            .await
            .map_err(db_err)?;
        }
        w.commit().await?;
        Ok(count)
    }
}

/// The ids of (id, name) pairs.
fn ids(named: Vec<(i64, String)>) -> Vec<i64> {
    named.into_iter().map(|p| p.0).collect()
}

/// A team's routing configuration as a process keeps it: read once per version.
pub(crate) struct Config {
    version: i64,
    zone: String,
    /// (business type, role id, rule), in priority order.
    rules: Vec<(i32, i32, (RoutingRule, Matcher))>,
    /// The (business type, role id) pairs that have a default rule.
    defaults: Vec<(i32, i32)>,
    /// The members leads of each business type can go to (a change of a member is a new
    /// version: see [`Store::members_changed`]).
    members: Vec<(i32, Vec<Routable>)>,
}

/// What routing read and counted within one write (see `Write::routing_memo`).
#[derive(Default)]
pub(crate) struct Memo {
    config: HashMap<i64, Option<std::sync::Arc<Config>>>,
    /// SQLite: each rotation this write advanced, at its position now, and whether its row
    /// still holds an older one.
    positions: HashMap<Rotation, (i64, bool)>,
    /// PostgreSQL: the teams whose configuration this write took from the process's copy
    /// without reading its version yet, with that version.
    unverified: HashMap<i64, i64>,
}

impl Memo {
    /// Where the rotations stand, to go back to with a savepoint.
    pub(crate) fn mark(&self) -> HashMap<Rotation, (i64, bool)> {
        self.positions.clone()
    }

    pub(crate) fn back_to(&mut self, mark: HashMap<Rotation, (i64, bool)>) {
        self.positions = mark;
    }
}

/// A rotation: a rule's, or the default rule's of a business type and role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Rotation {
    Rule { team_id: i64, rule_id: i64 },
    Default { team_id: i64, t: i32, role: i32 },
}

impl Rotation {
    /// A rule's rotation (`rule_id` > 0), else the default rule's of `t` and `role`.
    fn of(team_id: i64, rule_id: i64, t: BusinessType, role: i32) -> Self {
        if rule_id > 0 {
            Self::Rule { team_id, rule_id }
        } else {
            Self::Default {
                team_id,
                t: t.code(),
                role,
            }
        }
    }

    /// `UPDATE … SET position = value [WHERE position = only_at] RETURNING position`.
    fn set(
        self,
        value: sea_orm::sea_query::SimpleExpr,
        only_at: Option<i64>,
    ) -> sea_orm::sea_query::UpdateStatement {
        use sea_orm::sea_query::Query;
        match self {
            Self::Rule { team_id, rule_id } => Query::update()
                .table(routing_rule::Entity)
                .value(routing_rule::Column::Position, value)
                .and_where(routing_rule::Column::TeamId.eq(team_id))
                .and_where(routing_rule::Column::Id.eq(rule_id))
                .and_where_option(only_at.map(|p| routing_rule::Column::Position.eq(p)))
                .returning_col(routing_rule::Column::Position)
                .to_owned(),
            Self::Default { team_id, t, role } => Query::update()
                .table(routing_default::Entity)
                .value(routing_default::Column::Position, value)
                .and_where(routing_default::Column::TeamId.eq(team_id))
                .and_where(routing_default::Column::BusinessType.eq(t))
                .and_where(routing_default::Column::RoleId.eq(role))
                .and_where_option(only_at.map(|p| routing_default::Column::Position.eq(p)))
                .returning_col(routing_default::Column::Position)
                .to_owned(),
        }
    }

    fn team_id(self) -> i64 {
        match self {
            Self::Rule { team_id, .. } | Self::Default { team_id, .. } => team_id,
        }
    }

    /// Advances the rotation by `k` in `db`, only while the team's routing configuration is at
    /// `version` when one is given; answers its new position, `None` when the row is gone or
    /// the version moved. One statement: the position comes back from the update itself.
    async fn advance(
        self,
        db: &impl ConnectionTrait,
        k: i64,
        version: Option<i64>,
    ) -> Result<Option<i64>, Error> {
        use sea_orm::sea_query::{Query, SimpleExpr};
        let mut stmt = match self {
            Self::Rule { .. } => self.set(Expr::col(routing_rule::Column::Position).add(k), None),
            Self::Default { .. } => {
                self.set(Expr::col(routing_default::Column::Position).add(k), None)
            }
        };
        if let Some(v) = version {
            let current = Query::select()
                .column(routing_setting::Column::Version)
                .from(routing_setting::Entity)
                .and_where(routing_setting::Column::TeamId.eq(self.team_id()))
                .to_owned();
            let current = SimpleExpr::SubQuery(None, Box::new(current.into()));
            stmt.and_where(Expr::expr(current).eq(v));
        }
        match db.query_one(&stmt).await.map_err(db_err)? {
            Some(row) => Ok(Some(row.try_get("", "position").map_err(db_err)?)),
            None => Ok(None),
        }
    }
}

/// PostgreSQL: the one task of a process that takes rotation positions. It takes every
/// request waiting when it looks (a few turns of the runtime after the first came), `k` of one
/// rotation by one `UPDATE … SET position = position + k`, and answers each with its own
/// position in the order they came: the creates of a process that ask at once share one
/// statement, and no request waits for a lock to be handed over. It ends when the store (every
/// clone of it) is gone.
pub(crate) struct PositionTaker(tokio::sync::mpsc::UnboundedSender<Ask>);

type AskKey = (Rotation, Option<i64>);
type Ask = (
    Rotation,
    Option<i64>,
    tokio::sync::oneshot::Sender<Result<Option<i64>, Error>>,
);

impl PositionTaker {
    /// Starts the task on the current runtime (the API's, when the server connects).
    pub(crate) fn start(db: sea_orm::DatabaseConnection) -> Self {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Ask>();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                // the creates asking beside the first share its statement
                let asked = crate::gather::gathered(&mut rx, first).await;
                // by rotation and version, each in the order asked
                let mut groups: Vec<(AskKey, Vec<Ask>)> = Vec::new();
                for a in asked {
                    match groups.iter_mut().find(|(k, _)| *k == (a.0, a.1)) {
                        Some((_, g)) => g.push(a),
                        None => groups.push(((a.0, a.1), vec![a])),
                    }
                }
                for ((r, version), asks) in groups {
                    let k = asks.len() as i64;
                    let taken = r.advance(&db, k, version).await;
                    for (i, (_, _, reply)) in asks.into_iter().enumerate() {
                        let _ = reply.send(match &taken {
                            Ok(Some(p)) => Ok(Some(p - k + 1 + i as i64)),
                            Ok(None) => Ok(None),
                            Err(e) => Err(e.clone()),
                        });
                    }
                }
            }
        });
        Self(tx)
    }
}

/// Each team's [`Config`], by team.
#[derive(Default)]
pub(crate) struct ConfigCache(std::sync::Mutex<HashMap<i64, std::sync::Arc<Config>>>);

fn routing_changed(team_id: i64) -> Error {
    Error::unavailable(
        openhouse_domain::error::codes::ROUTING_CHANGED,
        format!("the routing configuration of team {team_id} changed; try again"),
    )
}

/// Whom an offer is made to at a step: everyone (Blast Alert) or the step's member (Next Up).
fn offered_to(s: Strategy, candidates: &[i64], step: i32) -> Vec<i64> {
    match s {
        Strategy::NextUp => candidates
            .get(std::cmp::max(step, 0) as usize)
            .map(|c| vec![*c])
            .unwrap_or_default(),
        _ => candidates.to_vec(),
    }
}

/// The role routing fills for a type on a new lead: the assistant role for ASSISTANT_LEAD, none
/// (-1) for the others.
fn routed_role(t: BusinessType) -> i32 {
    if t == BusinessType::Assistant {
        ROLE_ASSISTANT
    } else {
        -1
    }
}

/// An offer's strategy: Next Up (1) or Blast Alert (2).
fn offer_strategy(o: &routing_offer::Model) -> Strategy {
    if o.strategy_type == 1 {
        Strategy::NextUp
    } else {
        Strategy::BlastAlert
    }
}

fn current(o: &routing_offer::Model) -> Vec<i64> {
    let candidates: Vec<i64> = serde_json::from_str(&o.candidates).unwrap_or_default();
    let s = offer_strategy(o);
    offered_to(s, &candidates, o.step)
}

/// The change that gives a lead's routed role to `user`.
fn assignment(t: BusinessType, user: i64, emails: &HashMap<i64, String>) -> LeadPatch {
    let mut p = LeadPatch::default();
    match t {
        BusinessType::Agent => p.assigned_user_id = Some(user),
        BusinessType::Lender => p.lender_user_id = Some(user),
        BusinessType::Assistant => {
            p.custom_roles = Some(vec![CustomRole {
                assignee: emails.get(&user).cloned(),
                assignee_id: Some(user),
                role: "Assistant".into(),
                role_id: ROLE_ASSISTANT,
            }])
        }
    }
    p
}
