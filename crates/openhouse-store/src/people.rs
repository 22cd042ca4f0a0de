//! The people of a team and its structure: members, agent accounts (with seats), offices nested
//! by `parent_id`, the company record. Every change goes through the journal (lead id 0: a
//! team-level entry), like the changes to leads.

use std::collections::{HashMap, HashSet};

use openhouse_api::{
    AgentInfo, BrokerTeamRemoved, CompanyOpenVo, OfficeOpenVo, OpportunityNotificationRequest,
    PersonalPhotos, SocialMedias, WorkInfo,
};
use openhouse_domain::auth::{Principal, Role};
use openhouse_domain::event::Kind;
use openhouse_domain::people::{Profile, check_email, check_name, check_text};
use openhouse_domain::{Error, ErrorKind, error::codes, time};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::entities::{lead, office, team, user};
use crate::journal::Entry;
use crate::render;
use crate::{Store, db_err};

pub const NAME_MAX: usize = 64;
pub const TEXT_MAX: usize = 255;
pub const LONG_TEXT_MAX: usize = 5000;

/// The parts of a user's profile that are shown back but never searched, kept as one JSON
/// document.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct UserDoc {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_info: Option<AgentInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_portrait: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personal_website: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_introduction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sending_email_address: Option<String>,
    pub allow_change_sending_email_address: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub social_medias: Option<SocialMedias>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personal_photos: Option<PersonalPhotos>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_info: Option<WorkInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_country: Option<String>,
}

/// A member of a team, with what is shown about them.
#[derive(Debug, Clone)]
pub struct Member {
    pub user: user::Model,
    pub role: Role,
    pub doc: UserDoc,
    pub office_name: Option<String>,
    /// Live leads assigned to the member.
    pub assigned_leads: i64,
    /// Of those, the ones not contacted yet.
    pub new_leads: i64,
    /// The member's tags (ids of the team's tags), oldest first.
    pub tag_ids: Vec<i64>,
}

/// An office of a team.
#[derive(Debug, Clone, PartialEq)]
pub struct Office {
    pub id: i64,
    pub parent_id: i64,
    pub name: String,
    pub allow_manage_sub: bool,
    /// Address and contact details.
    pub details: OfficeOpenVo,
}

impl From<office::Model> for Office {
    fn from(m: office::Model) -> Self {
        let mut details: OfficeOpenVo = serde_json::from_str(&m.doc).unwrap_or_default();
        details.id = Some(m.id);
        details.parent_id = Some(m.parent_id);
        details.name = Some(m.name.clone());
        details.allow_manage_sub = Some(m.allow_manage_sub);
        Self {
            id: m.id,
            parent_id: m.parent_id,
            name: m.name,
            allow_manage_sub: m.allow_manage_sub,
            details,
        }
    }
}

/// A change to a user: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub time_zone: Option<String>,
    pub head_portrait: Option<String>,
    pub agent_info: Option<AgentInfo>,
    /// Admins only: the office (0: none) and the permission profile.
    pub office_id: Option<i64>,
    pub profile: Option<Profile>,
    pub address: Option<String>,
    pub personal_website: Option<String>,
    pub self_introduction: Option<String>,
    pub sending_email_address: Option<String>,
    pub allow_change_sending_email_address: Option<bool>,
    pub social_medias: Option<SocialMedias>,
    pub personal_photos: Option<PersonalPhotos>,
    pub work_info: Option<WorkInfo>,
    pub phone_code: Option<String>,
    pub phone_country: Option<String>,
}

/// A new agent account.
#[derive(Debug, Clone)]
pub struct NewAgent {
    pub email: String,
    pub first_name: String,
    pub last_name: Option<String>,
    pub office_id: i64,
    pub profile: Profile,
    /// 1: takes a seat; 2: display only.
    pub seat_type: i32,
    /// Everything else, applied as an edit of the new user.
    pub rest: UserChange,
}

#[derive(Debug, FromQueryResult)]
struct LeadCounts {
    assigned_user_id: i64,
    assigned: i64,
    fresh: i64,
}

pub(crate) fn forbidden_unless_admin(who: &Principal) -> Result<(), Error> {
    if who.role == Role::Admin {
        Ok(())
    } else {
        Err(Error::forbidden("only an admin of the team may do this"))
    }
}

pub fn user_not_found() -> Error {
    Error::new(
        ErrorKind::NotFound,
        codes::USER_NOT_EXIST,
        "user does not exist",
    )
}

fn office_not_found() -> Error {
    Error::not_found("office")
}

/// The offices at and under `roots`.
pub fn office_subtree(offices: &[Office], roots: &[i64]) -> HashSet<i64> {
    let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
    for o in offices {
        children.entry(o.parent_id).or_default().push(o.id);
    }
    let mut out = HashSet::new();
    let mut todo: Vec<i64> = roots
        .iter()
        .copied()
        .filter(|r| offices.iter().any(|o| o.id == *r))
        .collect();
    while let Some(id) = todo.pop() {
        if out.insert(id) {
            todo.extend(children.get(&id).into_iter().flatten().copied());
        }
    }
    out
}

/// The address and contact fields offices and the company share, as (JSON name, sent value,
/// kept value, longest length).
macro_rules! contact_fields {
    ($src:expr, $dst:expr) => {
        [
            ("city", &$src.city, &mut $dst.city, TEXT_MAX),
            ("email", &$src.email, &mut $dst.email, 254),
            ("phone", &$src.phone, &mut $dst.phone, 20),
            ("phoneCode", &$src.phone_code, &mut $dst.phone_code, 8),
            (
                "phoneCountry",
                &$src.phone_country,
                &mut $dst.phone_country,
                8,
            ),
            ("state", &$src.state, &mut $dst.state, TEXT_MAX),
            (
                "streetAddress",
                &$src.street_address,
                &mut $dst.street_address,
                TEXT_MAX,
            ),
            ("zipcode", &$src.zipcode, &mut $dst.zipcode, 20),
        ]
    };
}

/// Sets what was sent (checked and trimmed; empty clears), leaves the rest; the email, when
/// there is one, must be an address.
fn merge_contact<const N: usize>(
    fields: [(&str, &Option<String>, &mut Option<String>, usize); N],
) -> Result<(), Error> {
    for (field, src, dst, max) in fields {
        if let Some(s) = src {
            *dst = check_text(field, Some(s), max)?;
        }
        if field == "email"
            && let Some(e) = dst.as_deref()
        {
            check_email("email", e)?;
        }
    }
    Ok(())
}

impl UserChange {
    /// Checks every field and trims it; lengths as the contract's neighbours keep them.
    fn check(&mut self) -> Result<(), Error> {
        if let Some(e) = &self.email {
            self.email = Some(check_email("email", e)?);
        }
        if let Some(n) = &self.first_name {
            self.first_name = Some(check_name("firstName", n, NAME_MAX)?);
        }
        if let Some(n) = &self.last_name {
            self.last_name = Some(check_text("lastName", Some(n), NAME_MAX)?.unwrap_or_default());
        }
        if let Some(z) = &self.time_zone {
            self.time_zone = Some(time::parse_zone("timeZoneId", z)?.name().to_string());
        }
        if let Some(p) = &self.phone {
            self.phone = Some(check_text("phoneNumber", Some(p), 20)?.unwrap_or_default());
        }
        for (field, v, max) in [
            ("headPortrait", &mut self.head_portrait, 2048),
            ("address", &mut self.address, TEXT_MAX),
            ("personalWebsite", &mut self.personal_website, TEXT_MAX),
            (
                "selfIntroduction",
                &mut self.self_introduction,
                LONG_TEXT_MAX,
            ),
            (
                "sendingEmailAddress",
                &mut self.sending_email_address,
                TEXT_MAX,
            ),
            ("phoneCode", &mut self.phone_code, 8),
            ("phoneCountry", &mut self.phone_country, 8),
        ] {
            if let Some(s) = v.as_deref() {
                *v = Some(check_text(field, Some(s), max)?.unwrap_or_default());
            }
        }
        Ok(())
    }

    fn apply(&self, u: &mut user::Model, doc: &mut UserDoc) {
        let some = |s: &String| (!s.is_empty()).then(|| s.clone());
        if let Some(e) = &self.email {
            u.email = e.clone();
            u.email_key = e.to_lowercase();
        }
        if let Some(n) = &self.first_name {
            u.first_name = n.clone();
        }
        if let Some(n) = &self.last_name {
            u.last_name = some(n);
        }
        if let Some(p) = &self.phone {
            u.phone = some(p);
        }
        if let Some(z) = &self.time_zone {
            u.time_zone = Some(z.clone());
        }
        if let Some(o) = self.office_id {
            u.office_id = o;
        }
        if let Some(p) = self.profile {
            u.profile_id = p.id();
            u.role = p.role().as_str().to_string();
        }
        if let Some(a) = &self.agent_info {
            doc.agent_info = Some(a.clone());
        }
        for (src, dst) in [
            (&self.head_portrait, &mut doc.head_portrait),
            (&self.address, &mut doc.address),
            (&self.personal_website, &mut doc.personal_website),
            (&self.self_introduction, &mut doc.self_introduction),
            (&self.sending_email_address, &mut doc.sending_email_address),
            (&self.phone_code, &mut doc.phone_code),
            (&self.phone_country, &mut doc.phone_country),
        ] {
            if let Some(s) = src {
                *dst = some(s);
            }
        }
        if let Some(b) = self.allow_change_sending_email_address {
            doc.allow_change_sending_email_address = b;
        }
        if let Some(s) = &self.social_medias {
            doc.social_medias = Some(s.clone());
        }
        if let Some(p) = &self.personal_photos {
            doc.personal_photos = Some(p.clone());
        }
        if let Some(w) = &self.work_info {
            doc.work_info = Some(w.clone());
        }
    }
}

impl Store {
    /// The offices of a team.
    pub async fn offices(&self, team_id: i64) -> Result<Vec<Office>, Error> {
        self.offices_on(&self.db, team_id).await
    }

    async fn offices_on(
        &self,
        db: &impl ConnectionTrait,
        team_id: i64,
    ) -> Result<Vec<Office>, Error> {
        let rows = office::Entity::find()
            .filter(office::Column::TeamId.eq(team_id))
            .order_by_asc(office::Column::Id)
            .all(db)
            .await
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Office::from).collect())
    }

    /// Office names and lead counts for users of one team.
    async fn members_of(&self, team_id: i64, rows: Vec<user::Model>) -> Result<Vec<Member>, Error> {
        self.members_on(&self.db, team_id, rows).await
    }

    /// [`Store::members_of`], read on `db` (a write, for its journal entry).
    pub(crate) async fn members_on(
        &self,
        db: &impl ConnectionTrait,
        team_id: i64,
        rows: Vec<user::Model>,
    ) -> Result<Vec<Member>, Error> {
        let offices: HashMap<i64, String> = self
            .offices_on(db, team_id)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let ids: Vec<i64> = rows.iter().map(|u| u.id).collect();
        let mut tags = self.agent_tag_ids(db, team_id, &ids).await?;
        let counts: HashMap<i64, LeadCounts> = if ids.is_empty() {
            HashMap::new()
        } else {
            lead::Entity::find()
                .select_only()
                .column(lead::Column::AssignedUserId)
                .column_as(Expr::col(lead::Column::Id).count(), "assigned")
                .column_as(
                    Expr::cust("COALESCE(SUM(CASE WHEN contacted THEN 0 ELSE 1 END), 0)"),
                    "fresh",
                )
                .filter(lead::Column::TeamId.eq(team_id))
                .filter(lead::Column::DeleteTime.eq(0))
                .filter(lead::Column::AssignedUserId.is_in(ids))
                .group_by(lead::Column::AssignedUserId)
                .into_model::<LeadCounts>()
                .all(db)
                .await
                .map_err(db_err)?
                .into_iter()
                .map(|c| (c.assigned_user_id, c))
                .collect()
        };
        Ok(rows
            .into_iter()
            .map(|u| {
                let c = counts.get(&u.id);
                Member {
                    role: Role::parse(&u.role).unwrap_or(Role::Agent),
                    doc: serde_json::from_str(&u.doc).unwrap_or_default(),
                    office_name: offices.get(&u.office_id).cloned(),
                    assigned_leads: c.map_or(0, |c| c.assigned),
                    new_leads: c.map_or(0, |c| c.fresh),
                    tag_ids: tags.remove(&u.id).unwrap_or_default(),
                    user: u,
                }
            })
            .collect())
    }

    async fn one_member(
        &self,
        who: &Principal,
        q: sea_orm::Select<user::Entity>,
    ) -> Result<Member, Error> {
        let u = q
            .filter(user::Column::TeamId.eq(who.team_id))
            .all(&self.db)
            .await
            .map_err(db_err)?
            .pop()
            .ok_or_else(user_not_found)?;
        Ok(self.members_of(who.team_id, vec![u]).await?.remove(0))
    }

    /// A member of the caller's team by user id.
    pub async fn member(&self, who: &Principal, user_id: i64) -> Result<Member, Error> {
        self.one_member(
            who,
            user::Entity::find().filter(user::Column::Id.eq(user_id)),
        )
        .await
    }

    /// A member of the caller's team by email (any case).
    pub async fn member_by_email(&self, who: &Principal, email: &str) -> Result<Member, Error> {
        self.one_member(
            who,
            user::Entity::find().filter(user::Column::EmailKey.eq(email.trim().to_lowercase())),
        )
        .await
    }

    /// A page of the team's members, by id, and how many there are; with `office_ids`, only the
    /// members of those offices and the offices under them.
    pub async fn members(
        &self,
        who: &Principal,
        office_ids: &[i64],
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Member>, u64), Error> {
        let mut q = user::Entity::find().filter(user::Column::TeamId.eq(who.team_id));
        if !office_ids.is_empty() {
            let offices = self.offices(who.team_id).await?;
            let tree = office_subtree(&offices, office_ids);
            q = q.filter(user::Column::OfficeId.is_in(tree));
        }
        let total = q.clone().count(&self.db).await.map_err(db_err)?;
        let rows = q
            .order_by_asc(user::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok((self.members_of(who.team_id, rows).await?, total))
    }

    /// Checks an office id of the caller's team (0: none).
    async fn check_office(&self, team_id: i64, office_id: i64) -> Result<(), Error> {
        if office_id == 0 {
            return Ok(());
        }
        let found = office::Entity::find_by_id((team_id, office_id))
            .all(&self.db)
            .await
            .map_err(db_err)?;
        if found.is_empty() {
            Err(Error::invalid(format!(
                "groupId {office_id} is not an office of the team"
            )))
        } else {
            Ok(())
        }
    }

    async fn email_taken(
        &self,
        db: &impl ConnectionTrait,
        team_id: i64,
        email: &str,
        except: i64,
    ) -> Result<bool, Error> {
        let n = user::Entity::find()
            .filter(user::Column::TeamId.eq(team_id))
            .filter(user::Column::EmailKey.eq(email.to_lowercase()))
            .filter(user::Column::Id.ne(except))
            .count(db)
            .await
            .map_err(db_err)?;
        Ok(n > 0)
    }

    /// Changes a user: themselves, or anyone of the team for an admin. Office and profile are
    /// for admins only.
    pub async fn update_user(
        &self,
        who: &Principal,
        user_id: i64,
        mut change: UserChange,
    ) -> Result<Member, Error> {
        let current = self.member(who, user_id).await?;
        if who.role != Role::Admin && who.user_id != user_id {
            return Err(Error::forbidden("only an admin may change another user"));
        }
        if (change.office_id.is_some() || change.profile.is_some()) && who.role != Role::Admin {
            return Err(Error::forbidden(
                "only an admin may change an office or a permission profile",
            ));
        }
        change.check()?;
        if let Some(o) = change.office_id {
            self.check_office(who.team_id, o).await?;
        }
        if let Some(e) = &change.email
            && self.email_taken(&self.db, who.team_id, e, user_id).await?
        {
            return Err(Error::invalid(format!(
                "a user with the email {e} already exists"
            )));
        }
        if change.profile.is_some_and(|p| p.role() != Role::Admin) && current.role == Role::Admin {
            self.keep_an_admin(who.team_id, user_id).await?;
        }
        let mut u = current.user.clone();
        let mut doc = current.doc.clone();
        change.apply(&mut u, &mut doc);
        let now = self.now();
        u.update_time = now;
        u.doc = serde_json::to_string(&doc).map_err(|e| Error::internal(e.to_string()))?;
        let mut w = self.write().await?;
        let mut am = u.clone().into_active_model();
        for c in [
            user::Column::Email,
            user::Column::EmailKey,
            user::Column::FirstName,
            user::Column::LastName,
            user::Column::Role,
            user::Column::UpdateTime,
            user::Column::OfficeId,
            user::Column::ProfileId,
            user::Column::Phone,
            user::Column::TimeZone,
            user::Column::Doc,
        ] {
            am.reset(c);
        }
        am.update(&*w).await.map_err(db_err)?;
        let after = self.members_on(&*w, who.team_id, vec![u]).await?.remove(0);
        // what changed, as the API shows the user (the lead counts are the write's on both sides)
        let before = Member {
            assigned_leads: after.assigned_leads,
            new_leads: after.new_leads,
            ..current
        };
        let shown = render::user(&after);
        let changes = render::changes(&render::user(&before), &shown);
        w.record(
            who,
            now,
            Entry {
                lead_id: 0,
                action: Kind::UserUpdated,
                detail: json!({"userId": user_id, "changes": changes}),
                resource: shown.into(),
            },
        )
        .await?;
        w.commit().await?;
        self.cache.forget_user(who.team_id, user_id);
        Ok(after)
    }

    /// A team keeps at least one admin.
    async fn keep_an_admin(&self, team_id: i64, leaving: i64) -> Result<(), Error> {
        let others = user::Entity::find()
            .filter(user::Column::TeamId.eq(team_id))
            .filter(user::Column::Role.eq(Role::Admin.as_str()))
            .filter(user::Column::Id.ne(leaving))
            .count(&self.db)
            .await
            .map_err(db_err)?;
        if others == 0 {
            Err(Error::invalid(
                "the team's last admin cannot stop being an admin",
            ))
        } else {
            Ok(())
        }
    }

    /// How many seats the team uses and has (0: no limit). Inside a write, the team row is
    /// locked: two adds cannot both take the last seat.
    pub(crate) async fn seats(
        &self,
        db: &impl ConnectionTrait,
        team_id: i64,
    ) -> Result<(u64, i32), Error> {
        let t = team::Entity::find_by_id(team_id)
            .lock_exclusive()
            .one(db)
            .await
            .map_err(db_err)?
            .ok_or_else(|| Error::not_found("team"))?;
        let used = user::Entity::find()
            .filter(user::Column::TeamId.eq(team_id))
            .filter(user::Column::SeatType.eq(1))
            .filter(user::Column::Status.eq(1))
            .count(db)
            .await
            .map_err(db_err)?;
        Ok((used, t.seat_limit))
    }

    /// Adds an agent account to the caller's team (admins only). The email must be new to the
    /// team; the office must be the team's; a user with a seat needs a free one.
    pub async fn add_agent(&self, who: &Principal, mut a: NewAgent) -> Result<Member, Error> {
        forbidden_unless_admin(who)?;
        a.email = check_email("emailAddress", &a.email)?;
        a.first_name = check_name("firstName", &a.first_name, NAME_MAX)?;
        a.last_name = check_text("lastName", a.last_name.as_deref(), NAME_MAX)?;
        a.rest.check()?;
        if !(1..=2).contains(&a.seat_type) {
            return Err(Error::invalid(
                "accountType is 1 (user) or 2 (display only)",
            ));
        }
        self.check_office(who.team_id, a.office_id).await?;
        let now = self.now();
        let id = self.next_id();
        let mut w = self.write().await?;
        // checked inside the write, the team row locked: two adds cannot both take the last
        // seat or the same email
        let (used, limit) = self.seats(&*w, who.team_id).await?;
        if self.email_taken(&*w, who.team_id, &a.email, 0).await? {
            return Err(Error::invalid(format!(
                "a user with the email {} already exists",
                a.email
            )));
        }
        if a.seat_type == 1 && limit > 0 && used >= limit as u64 {
            return Err(Error::invalid(format!(
                "the team has no free seat (limit {limit})"
            )));
        }
        let mut u = user::Model {
            team_id: who.team_id,
            id,
            email: a.email.clone(),
            email_key: a.email.to_lowercase(),
            first_name: a.first_name.clone(),
            last_name: a.last_name.clone(),
            role: a.profile.role().as_str().to_string(),
            create_time: now,
            update_time: now,
            office_id: a.office_id,
            profile_id: a.profile.id(),
            phone: None,
            time_zone: None,
            status: 1,
            invitor_user_id: who.user_id,
            seat_type: a.seat_type,
            doc: String::new(),
        };
        let mut doc = UserDoc::default();
        a.rest.apply(&mut u, &mut doc);
        u.doc = serde_json::to_string(&doc).map_err(|e| Error::internal(e.to_string()))?;
        user::Entity::insert(u.clone().into_active_model())
            .exec_without_returning(&*w)
            .await
            .map_err(db_err)?;
        let added = self.members_on(&*w, who.team_id, vec![u]).await?.remove(0);
        w.record(
            who,
            now,
            Entry {
                lead_id: 0,
                action: Kind::UserCreated,
                detail: json!({"userId": id, "email": a.email, "profileId": a.profile.id()}),
                resource: render::user(&added).into(),
            },
        )
        .await?;
        w.commit().await?;
        Ok(added)
    }

    /// Adds an office (admins only) under the team or under one of its offices.
    pub async fn add_office(&self, who: &Principal, v: &OfficeOpenVo) -> Result<Office, Error> {
        forbidden_unless_admin(who)?;
        let name = check_name("name", v.name.as_deref().unwrap_or(""), NAME_MAX)?;
        let parent = Ord::max(v.parent_id.unwrap_or(0), 0);
        let offices = self.offices(who.team_id).await?;
        if parent != 0 && !offices.iter().any(|o| o.id == parent) {
            return Err(Error::invalid(format!(
                "parentId {parent} is not an office of the team"
            )));
        }
        let details = check_office_details(v)?;
        let now = self.now();
        let id = self.next_id();
        let m = office::Model {
            team_id: who.team_id,
            id,
            parent_id: parent,
            name,
            allow_manage_sub: v.allow_manage_sub.unwrap_or(false),
            doc: details,
            create_time: now,
            update_time: now,
        };
        let mut w = self.write().await?;
        office::Entity::insert(m.clone().into_active_model())
            .exec_without_returning(&*w)
            .await
            .map_err(db_err)?;
        let made = Office::from(m);
        w.record(
            who,
            now,
            Entry {
                lead_id: 0,
                action: Kind::OfficeCreated,
                detail: json!({"officeId": id, "parentId": parent}),
                resource: render::office(&made).into(),
            },
        )
        .await?;
        w.commit().await?;
        Ok(made)
    }

    /// Updates an office (admins only): what is sent changes. Moving it under itself or under
    /// one of its own offices is refused.
    pub async fn update_office(&self, who: &Principal, v: &OfficeOpenVo) -> Result<Office, Error> {
        forbidden_unless_admin(who)?;
        let id =
            v.id.ok_or_else(|| Error::invalid("id is required to update an office"))?;
        let offices = self.offices(who.team_id).await?;
        let current = offices
            .iter()
            .find(|o| o.id == id)
            .ok_or_else(office_not_found)?;
        let mut m = office::Entity::find_by_id((who.team_id, id))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or_else(office_not_found)?;
        if let Some(n) = &v.name {
            m.name = check_name("name", n, NAME_MAX)?;
        }
        if let Some(p) = v.parent_id {
            let p = Ord::max(p, 0);
            if p != 0 && !offices.iter().any(|o| o.id == p) {
                return Err(Error::invalid(format!(
                    "parentId {p} is not an office of the team"
                )));
            }
            if office_subtree(&offices, &[id]).contains(&p) {
                return Err(Error::invalid("an office cannot be moved under itself"));
            }
            m.parent_id = p;
        }
        if let Some(b) = v.allow_manage_sub {
            m.allow_manage_sub = b;
        }
        let mut merged = current.details.clone();
        merge_contact(contact_fields!(v, merged))?;
        if v.website_owner_id.is_some() {
            merged.website_owner_id = v.website_owner_id;
        }
        if let Some(owner) = merged.website_owner_id.filter(|o| *o > 0) {
            self.member(who, owner)
                .await
                .map_err(|_| Error::invalid("websiteOwnerId is not a member of the team"))?;
        }
        m.doc = check_office_details(&merged)?;
        let now = self.now();
        m.update_time = now;
        let mut w = self.write().await?;
        m.clone()
            .into_active_model()
            .reset_all()
            .update(&*w)
            .await
            .map_err(db_err)?;
        let after = Office::from(m);
        let shown = render::office(&after);
        let changes = render::changes(&render::office(current), &shown);
        w.record(
            who,
            now,
            Entry {
                lead_id: 0,
                action: Kind::OfficeUpdated,
                detail: json!({"officeId": id, "changes": changes}),
                resource: shown.into(),
            },
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// The broker account a team is part of, as (team id, name): the broker team above it, or
    /// the team itself when it has teams under it.
    pub async fn broker_of(&self, team_id: i64) -> Result<Option<(i64, String)>, Error> {
        let t = team::Entity::find_by_id(team_id)
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or_else(|| Error::not_found("team"))?;
        if t.parent_team_id > 0 {
            let p = team::Entity::find_by_id(t.parent_team_id)
                .one(&self.db)
                .await
                .map_err(db_err)?;
            return Ok(p.map(|p| (p.id, p.name)));
        }
        let children = team::Entity::find()
            .filter(team::Column::ParentTeamId.eq(team_id))
            .filter(team::Column::DeleteTime.eq(0))
            .count(&self.db)
            .await
            .map_err(db_err)?;
        Ok((children > 0).then_some((t.id, t.name)))
    }

    /// The team's company record.
    pub async fn company(&self, team_id: i64) -> Result<(team::Model, CompanyOpenVo), Error> {
        let t = team::Entity::find_by_id(team_id)
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or_else(|| Error::not_found("team"))?;
        let c = serde_json::from_str(&t.company).unwrap_or_default();
        Ok((t, c))
    }

    /// Updates the team's company record (admins only): what is sent changes.
    pub async fn update_company(
        &self,
        who: &Principal,
        v: &CompanyOpenVo,
    ) -> Result<CompanyOpenVo, Error> {
        forbidden_unless_admin(who)?;
        if v.team_id.is_some_and(|t| t != who.team_id && t != 0) {
            return Err(Error::invalid("teamId must be the caller's team"));
        }
        let (t, mut c) = self.company(who.team_id).await?;
        let before = CompanyOpenVo {
            team_id: Some(t.id),
            ..c.clone()
        };
        merge_contact(contact_fields!(v, c))?;
        for (field, src, dst, max) in [
            ("header", &v.header, &mut c.header, 2048),
            ("name", &v.name, &mut c.name, TEXT_MAX),
        ] {
            if let Some(s) = src {
                *dst = check_text(field, Some(s), max)?;
            }
        }
        c.team_id = None;
        let now = self.now();
        let mut w = self.write().await?;
        team::Entity::update_many()
            .col_expr(
                team::Column::Company,
                Expr::value(serde_json::to_string(&c).map_err(|e| Error::internal(e.to_string()))?),
            )
            .filter(team::Column::Id.eq(t.id))
            .exec(&*w)
            .await
            .map_err(db_err)?;
        // the record as kept, with the team it is the company of
        let shown = CompanyOpenVo {
            team_id: Some(t.id),
            ..c.clone()
        };
        w.record(
            who,
            now,
            Entry {
                lead_id: 0,
                action: Kind::CompanyUpdated,
                detail: json!({"teamId": t.id, "changes": render::changes(&before, &shown)}),
                resource: shown.into(),
            },
        )
        .await?;
        w.commit().await?;
        Ok(c)
    }
}

/// The contact details of an office, checked, as the JSON kept with it.
fn check_office_details(v: &OfficeOpenVo) -> Result<String, Error> {
    let mut d = OfficeOpenVo::default();
    merge_contact(contact_fields!(v, d))?;
    d.website_owner_id = v.website_owner_id.filter(|o| *o > 0);
    serde_json::to_string(&d).map_err(|e| Error::internal(e.to_string()))
}

/// A team a broker made under its account.
#[derive(Debug, Clone)]
pub struct ChildTeam {
    pub name: String,
    pub admin_email: String,
    pub admin_first_name: String,
    pub admin_last_name: String,
    pub admin_phone: String,
    pub seat_limit: i32,
}

/// An app connected to a team through a vendor key.
#[derive(Debug, Clone)]
pub struct Vendor {
    pub id: i64,
    pub name: String,
    /// The member who connected it, when known.
    pub user: Option<Member>,
}

/// The `notificationType` codes of the contract and of the published document, with what each
/// means.
pub const NOTIFICATION_TYPES: [(i32, &str); 24] = [
    (48, "Viewed a listing 3 times"),
    (50, "Searched"),
    (52, "Saved a listing"),
    (46, "Requested to sell a house"),
    (47, "Requested home evaluation"),
    (65, "Left a message"),
    (66, "Requested a showing"),
    (27, "Saved a search"),
    (89, "Used mortgage calculator multiple times"),
    (165, "Re-inquired on text code"),
    (166, "Back to site - viewed a listing"),
    (162, "Requested CMA"),
    (164, "Requested financing options"),
    (167, "Submitted a form"),
    (168, "Viewed CMA"),
    // listed by Lofty's published document only
    (9, "Saved a listing"),
    (10, "Searched"),
    (11, "Viewed a listing"),
    (136, "Favorited"),
    (137, "Searched"),
    (138, "Browsed"),
    (139, "Showing request"),
    (140, "Saved search"),
    (141, "House evaluation"),
];

/// An opportunity notification for the agent of a lead.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub lead_id: i64,
    pub notification_type: i32,
    pub message: Option<String>,
    pub description: Option<String>,
    pub link: Option<String>,
}

impl Store {
    /// Creates a team under the caller's team, which becomes a broker account (admins of a team
    /// that is not itself under a broker only). The new team gets its admin and a seat limit.
    pub async fn create_child_team(
        &self,
        who: &Principal,
        c: &ChildTeam,
    ) -> Result<crate::auth::NewTeam, Error> {
        forbidden_unless_admin(who)?;
        let (me, _) = self.company(who.team_id).await?;
        if me.parent_team_id > 0 {
            return Err(Error::forbidden(
                "a team under a broker cannot have teams of its own",
            ));
        }
        let name = check_name("teamName", &c.name, TEXT_MAX)?;
        let email = check_email("email", &c.admin_email)?;
        let first = check_name("firstName", &c.admin_first_name, NAME_MAX)?;
        let last = check_name("lastName", &c.admin_last_name, NAME_MAX)?;
        let phone = check_name("phone", &c.admin_phone, 20)?;
        if c.seat_limit < 1 {
            return Err(Error::invalid("seatLimit must be 1 or more"));
        }
        let team = self
            .create_team_with(&crate::auth::TeamSpec {
                name,
                admin_email: email,
                admin_first_name: Some(first),
                admin_last_name: Some(last),
                admin_phone: Some(phone),
                parent_team_id: who.team_id,
                seat_limit: c.seat_limit,
                invitor_user_id: who.user_id,
            })
            .await?;
        // (journaled by create_team_with, in the same write)
        Ok(team)
    }

    /// Removes a team from the caller's broker account: its credentials stop working and its
    /// data is no longer served. Only the caller's own teams; any other id is not there.
    pub async fn remove_child_team(&self, who: &Principal, team_id: i64) -> Result<(), Error> {
        forbidden_unless_admin(who)?;
        let now = self.now();
        let mut w = self.write().await?;
        let gone = team::Entity::update_many()
            .col_expr(team::Column::DeleteTime, Expr::value(now))
            .filter(team::Column::Id.eq(team_id))
            .filter(team::Column::ParentTeamId.eq(who.team_id))
            .filter(team::Column::DeleteTime.eq(0))
            .exec(&*w)
            .await
            .map_err(db_err)?;
        if gone.rows_affected == 0 {
            return Err(Error::not_found("team"));
        }
        w.record(
            who,
            now,
            Entry {
                lead_id: 0,
                action: Kind::TeamRemoved,
                detail: json!({"teamId": team_id}),
                resource: BrokerTeamRemoved {
                    deleted: true,
                    team_id,
                }
                .into(),
            },
        )
        .await?;
        w.commit().await
    }

    /// The apps connected to the caller's team (its vendor keys).
    pub async fn vendors(&self, who: &Principal) -> Result<Vec<Vendor>, Error> {
        let keys = crate::entities::vendor_key::Entity::find()
            .filter(crate::entities::vendor_key::Column::TeamId.eq(who.team_id))
            .order_by_asc(crate::entities::vendor_key::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            let user = match k.user_id {
                0 => None,
                id => self.member(who, id).await.ok(),
            };
            out.push(Vendor {
                id: k.id,
                name: k.name,
                user,
            });
        }
        Ok(out)
    }

    /// Stores an opportunity notification for the agent of a lead the caller can see, and notes
    /// it in the lead's log. Answers whether there was an agent to notify.
    pub async fn notify_agent(&self, who: &Principal, n: &NewNotification) -> Result<bool, Error> {
        if !NOTIFICATION_TYPES
            .iter()
            .any(|(code, _)| *code == n.notification_type)
        {
            return Err(Error::invalid(format!(
                "notificationType {} is not one of the contract's codes",
                n.notification_type
            )));
        }
        let message = check_text("message", n.message.as_deref(), 1000)?;
        let description = check_text("description", n.description.as_deref(), 1000)?;
        let link = check_text("link", n.link.as_deref(), 2048)?;
        let now = self.now();
        let mut w = self.write().await?;
        let lead = self.load_for_write(&w, who, n.lead_id).await?;
        let Some(agent) = lead.assigned_user_id.filter(|a| *a > 0) else {
            return Ok(false);
        };
        let id = self.next_id();
        let doc = json!({"message": message, "description": description, "link": link});
        crate::entities::notification::Entity::insert(
            crate::entities::notification::Model {
                team_id: who.team_id,
                id,
                user_id: agent,
                lead_id: n.lead_id,
                notification_type: n.notification_type,
                doc: doc.to_string(),
                create_time: now,
                read_time: 0,
            }
            .into_active_model(),
        )
        .exec_without_returning(&*w)
        .await
        .map_err(db_err)?;
        w.record(
            who,
            now,
            Entry {
                lead_id: n.lead_id,
                action: Kind::NotificationSent,
                detail: json!({"notificationId": id, "userId": agent, "notificationType": n.notification_type,
                               "message": message, "description": description, "link": link}),
                resource: OpportunityNotificationRequest {
                    lead_id: n.lead_id,
                    notification_type: n.notification_type,
                    message,
                    description,
                    link,
                }
                .into(),
            },
        )
        .await?;
        w.commit().await?;
        Ok(true)
    }
}
