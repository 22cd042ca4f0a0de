//! What else hangs on a lead — its website activities, its login links — and the team features:
//! custom fields, the tags in use, lead ponds.

use std::collections::HashSet;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use openhouse_api::{ActivityType, CustomAttribute, LeadActivityReq};
use openhouse_domain::auth::Principal;
use openhouse_domain::custom_fields::{FIELD_TYPES, check_field_value, select_options};
use openhouse_domain::event::Kind;
use openhouse_domain::{Error, time};
use rand::RngCore;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::entities::{custom_field, lead, lead_activity, lead_pond, server_secret, tag, user};
use crate::journal::Entry;
use crate::render;
use crate::{Store, db_err};

/// Activities a page of `GET /v1.0/leads/{leadId}/activities` shows.
pub const ACTIVITY_PAGE: u64 = 100;
pub const URL_MAX: usize = 2048;
pub const TEXT_MAX: usize = 1000;
/// How long a lead's login link works.
pub const LOGIN_TOKEN_TTL_MS: i64 = 24 * 60 * 60 * 1000;

/// An activity of a lead, as reported.
#[derive(Debug, Clone)]
pub struct Activity {
    pub id: i64,
    pub lead_id: i64,
    pub activity: LeadActivityReq,
}

/// A tag in use in the team.
#[derive(Debug, Clone)]
pub struct TagInUse {
    pub id: i64,
    pub name: String,
    pub creator_user_id: Option<i64>,
    pub create_time: i64,
    pub update_time: i64,
}

/// A lead pond.
#[derive(Debug, Clone, PartialEq)]
pub struct Pond {
    pub id: i64,
    pub name: String,
    pub owner_user_id: i64,
    pub agent_ids: Vec<i64>,
}

impl From<lead_pond::Model> for Pond {
    fn from(m: lead_pond::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            owner_user_id: m.owner_user_id,
            agent_ids: serde_json::from_str(&m.agent_ids).unwrap_or_default(),
        }
    }
}

/// What a login token carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LoginClaims {
    /// The lead, as a string (JWT subjects are strings).
    sub: String,
    team: i64,
    /// Expiry, epoch seconds.
    exp: i64,
    /// Expiry, epoch milliseconds (what the API shows).
    exp_ms: i64,
}

fn short(field: &str, v: &str, max: usize, required: bool) -> Result<String, Error> {
    let t = v.trim();
    if required && t.is_empty() {
        return Err(Error::invalid(format!("{field} is required")));
    }
    if t.chars().count() > max {
        return Err(Error::too_long(field, max));
    }
    Ok(t.to_string())
}

fn check_url(field: &str, v: &str) -> Result<String, Error> {
    let u = short(field, v, URL_MAX, true)?;
    if !(u.starts_with("http://") || u.starts_with("https://")) || u.contains(char::is_whitespace) {
        return Err(Error::invalid(format!("{field} must be an http(s) URL")));
    }
    Ok(u)
}

impl Store {
    /// Records an activity of a lead the caller can see: it counts in the lead's Activity sort
    /// orders and moves its last visit, last touch and last activity forward.
    pub async fn add_activity(
        &self,
        who: &Principal,
        lead_id: i64,
        mut a: LeadActivityReq,
    ) -> Result<Activity, Error> {
        if a.kind == ActivityType::Alert {
            return Err(Error::invalid(
                "type Alert is openhouse's own: it records a listing alert, and cannot be posted",
            ));
        }
        time::check_epoch_ms("created", a.created)?;
        if a.created < 0 {
            return Err(Error::invalid("created must be epoch milliseconds"));
        }
        // link and picture may be empty (not given: an activity without a page or picture);
        // given, a link is an http(s) URL
        a.link = if a.link.trim().is_empty() {
            String::new()
        } else {
            check_url("link", &a.link)?
        };
        a.picture = short("picture", &a.picture, URL_MAX, false)?;
        a.text = short("text", &a.text, TEXT_MAX, true)?;
        for (field, v) in [
            ("pageName", &mut a.page_name),
            ("scheduledDate", &mut a.scheduled_date),
        ] {
            if let Some(s) = v.as_deref() {
                let s = short(field, s, TEXT_MAX, false)?;
                *v = (!s.is_empty()).then_some(s);
            }
        }
        let now = self.now();
        let mut w = self.write().await?;
        let l = self.load_for_write(&w, who, lead_id).await?;
        let id = self.next_id();
        lead_activity::Entity::insert(
            lead_activity::Model {
                team_id: who.team_id,
                id,
                lead_id,
                kind: a.kind.as_str().to_string(),
                doc: serde_json::to_string(&a).map_err(|e| Error::internal(e.to_string()))?,
                created: a.created,
                create_time: now,
            }
            .into_active_model(),
        )
        .exec_without_returning(&*w)
        .await
        .map_err(db_err)?;
        let at = a.created;
        let mut up = lead::Entity::update_many()
            .col_expr(
                lead::Column::ActivityCount,
                Expr::col(lead::Column::ActivityCount).add(1),
            )
            .col_expr(
                lead::Column::LastActivity,
                Expr::value(Ord::max(l.stats.last_activity, at)),
            )
            .col_expr(
                lead::Column::LastVisit,
                Expr::value(Ord::max(l.stats.last_visit, at)),
            )
            .col_expr(
                lead::Column::LastTouch,
                Expr::value(Ord::max(l.stats.last_touch, at)),
            );
        let counter = match a.kind {
            ActivityType::Search => Some(lead::Column::ActivitySearchCount),
            ActivityType::Browse => Some(lead::Column::ActivityViewCount),
            ActivityType::Favorite => Some(lead::Column::ActivityFavoriteCount),
            ActivityType::Request | ActivityType::Submission | ActivityType::Alert => None,
        };
        if let Some(c) = counter {
            up = up.col_expr(c, Expr::col(c).add(1));
        }
        up.filter(lead::Column::TeamId.eq(who.team_id))
            .filter(lead::Column::Id.eq(lead_id))
            .exec(&*w)
            .await
            .map_err(db_err)?;
        let detail = json!({"activityId": id, "type": a.kind.as_str(), "text": a.text, "link": a.link, "created": a.created});
        let added = Activity {
            id,
            lead_id,
            activity: a,
        };
        w.record(
            who,
            now,
            Entry {
                lead_id,
                action: Kind::ActivityAdded,
                detail,
                resource: render::activity(&added).into(),
            },
        )
        .await?;
        w.commit().await?;
        Ok(added)
    }

    /// A page of a lead's activities, newest first, [`ACTIVITY_PAGE`] a page.
    pub async fn lead_activities(
        &self,
        who: &Principal,
        lead_id: i64,
        page: u64,
    ) -> Result<Vec<Activity>, Error> {
        self.get_lead(who, lead_id, false).await?;
        let rows = lead_activity::Entity::find()
            .filter(lead_activity::Column::TeamId.eq(who.team_id))
            .filter(lead_activity::Column::LeadId.eq(lead_id))
            .order_by_desc(lead_activity::Column::Created)
            .order_by_desc(lead_activity::Column::Id)
            .offset(page.saturating_mul(ACTIVITY_PAGE))
            .limit(ACTIVITY_PAGE)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        rows.into_iter()
            .map(|m| {
                Ok(Activity {
                    id: m.id,
                    lead_id: m.lead_id,
                    activity: serde_json::from_str(&m.doc)
                        .map_err(|e| Error::internal(e.to_string()))?,
                })
            })
            .collect()
    }

    /// Adds a custom field to the team (admins only); its name is new to the team.
    pub async fn add_custom_field(
        &self,
        who: &Principal,
        a: &CustomAttribute,
    ) -> Result<CustomAttribute, Error> {
        if who.role != openhouse_domain::auth::Role::Admin {
            return Err(Error::forbidden("only an admin may add custom fields"));
        }
        let name = short("attributeName", &a.attribute_name, 64, true)?;
        let kind = a.attribute_type.trim().to_lowercase();
        if !FIELD_TYPES.contains(&kind.as_str()) {
            return Err(Error::invalid(format!(
                "attributeType must be one of {}",
                FIELD_TYPES.join(", ")
            )));
        }
        let params = a
            .params
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(String::from);
        if kind.ends_with("_select") {
            select_options(params.as_deref())?;
        }
        let now = self.now();
        let mut w = self.write().await?;
        let key = name.to_lowercase();
        let taken = custom_field::Entity::find()
            .filter(custom_field::Column::TeamId.eq(who.team_id))
            .filter(custom_field::Column::NameKey.eq(key.clone()))
            .all(&*w)
            .await
            .map_err(db_err)?;
        if !taken.is_empty() {
            return Err(Error::invalid(format!(
                "the custom field '{name}' already exists"
            )));
        }
        let id = self.next_id();
        custom_field::Entity::insert(
            custom_field::Model {
                team_id: who.team_id,
                id,
                name: name.clone(),
                name_key: key,
                kind: kind.clone(),
                params: params.clone(),
                creator_user_id: Some(who.user_id),
                create_time: now,
            }
            .into_active_model(),
        )
        .exec_without_returning(&*w)
        .await
        .map_err(db_err)?;
        let field = CustomAttribute {
            attribute_name: name,
            attribute_type: kind,
            params,
            value: String::new(),
        };
        w.record(
            who,
            now,
            Entry {
                lead_id: 0,
                action: Kind::CustomFieldCreated,
                detail: json!({"customFieldId": id, "name": field.attribute_name, "type": field.attribute_type}),
                resource: field.clone().into(),
            },
        )
        .await?;
        w.commit().await?;
        Ok(field)
    }

    /// The team's custom fields, oldest first.
    pub async fn custom_fields(&self, team_id: i64) -> Result<Vec<CustomAttribute>, Error> {
        let rows = custom_field::Entity::find()
            .filter(custom_field::Column::TeamId.eq(team_id))
            .order_by_asc(custom_field::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|m| CustomAttribute {
                attribute_name: m.name,
                attribute_type: m.kind,
                params: m.params,
                value: String::new(),
            })
            .collect())
    }

    /// Checks a lead's custom attribute values: one named after a field of the team takes the
    /// field's type and options (a select's value must be one of them).
    pub(crate) async fn check_custom_attributes(
        &self,
        db: &impl ConnectionTrait,
        team_id: i64,
        attrs: &mut [CustomAttribute],
    ) -> Result<(), Error> {
        if attrs.is_empty() {
            return Ok(());
        }
        let fields = custom_field::Entity::find()
            .filter(custom_field::Column::TeamId.eq(team_id))
            .all(db)
            .await
            .map_err(db_err)?;
        for a in attrs.iter_mut() {
            let key = a.attribute_name.trim().to_lowercase();
            match fields.iter().find(|f| f.name_key == key) {
                Some(f) => {
                    check_field_value(&f.name, &f.kind, f.params.as_deref(), &a.value)?;
                    a.attribute_name = f.name.clone();
                    a.attribute_type = f.kind.clone();
                    a.params = f.params.clone();
                }
                None => {
                    let kind = a.attribute_type.trim().to_lowercase();
                    check_field_value(&a.attribute_name, &kind, a.params.as_deref(), &a.value)?;
                }
            }
        }
        Ok(())
    }

    /// Every tag on a live lead of the team, by name.
    pub async fn tags_in_use(&self, who: &Principal) -> Result<Vec<TagInUse>, Error> {
        let used = sea_orm::sea_query::Query::select()
            .column("tag_id")
            .from("lead_tags")
            .and_where(Expr::col("team_id").eq(who.team_id))
            .to_owned();
        let rows = tag::Entity::find()
            .filter(tag::Column::TeamId.eq(who.team_id))
            .filter(Expr::col((tag::Entity, tag::Column::Id)).in_subquery(used))
            .order_by_asc(tag::Column::NameKey)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|t| TagInUse {
                id: t.id,
                name: t.name,
                creator_user_id: t.creator_user_id,
                create_time: t.create_time,
                update_time: t.update_time,
            })
            .collect())
    }

    /// Makes a lead pond (admins only), owned by the caller, worked by the given agents.
    pub async fn create_pond(
        &self,
        who: &Principal,
        name: &str,
        agent_ids: &[i64],
    ) -> Result<Pond, Error> {
        if who.role != openhouse_domain::auth::Role::Admin {
            return Err(Error::forbidden("only an admin may make lead ponds"));
        }
        let name = short("pondName", name, 64, true)?;
        let mut agents: Vec<i64> = agent_ids.to_vec();
        agents.sort_unstable();
        agents.dedup();
        let known: HashSet<i64> = user::Entity::find()
            .filter(user::Column::TeamId.eq(who.team_id))
            .filter(user::Column::Id.is_in(agents.clone()))
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|u| u.id)
            .collect();
        if let Some(a) = agents.iter().find(|a| !known.contains(a)) {
            return Err(Error::new(
                openhouse_domain::ErrorKind::BadRequest,
                openhouse_domain::error::codes::USER_NOT_EXIST,
                format!("agentIds: user {a} does not exist"),
            ));
        }
        let now = self.now();
        let id = self.next_id();
        let m = lead_pond::Model {
            team_id: who.team_id,
            id,
            name,
            owner_user_id: who.user_id,
            agent_ids: serde_json::to_string(&agents)
                .map_err(|e| Error::internal(e.to_string()))?,
            create_time: now,
            update_time: now,
        };
        let mut w = self.write().await?;
        lead_pond::Entity::insert(m.clone().into_active_model())
            .exec_without_returning(&*w)
            .await
            .map_err(db_err)?;
        let made = Pond::from(m);
        w.record(
            who,
            now,
            Entry {
                lead_id: 0,
                action: Kind::PondCreated,
                detail: json!({"pondId": id, "agentIds": agents}),
                resource: render::pond(&made).into(),
            },
        )
        .await?;
        w.commit().await?;
        Ok(made)
    }

    /// The ponds the caller may see: all of the team's for an admin; those a member owns or
    /// works otherwise.
    pub async fn ponds(&self, who: &Principal) -> Result<Vec<Pond>, Error> {
        let rows = lead_pond::Entity::find()
            .filter(lead_pond::Column::TeamId.eq(who.team_id))
            .order_by_asc(lead_pond::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(Pond::from)
            .filter(|p| {
                who.role == openhouse_domain::auth::Role::Admin
                    || p.owner_user_id == who.user_id
                    || p.agent_ids.contains(&who.user_id)
            })
            .collect())
    }

    /// Moves leads into a pond (0: out of any), all or none: each must be a lead the caller can
    /// see and change.
    pub async fn move_to_pond(
        &self,
        who: &Principal,
        pond_id: i64,
        lead_ids: &[i64],
    ) -> Result<(), Error> {
        let patch = openhouse_domain::lead::LeadPatch {
            pond_id: Some(pond_id),
            ..Default::default()
        };
        let now = self.now();
        let mut w = self.write().await?;
        for id in lead_ids {
            let before = self.load_for_write(&w, who, *id).await?;
            self.edit_lead_in(&mut w, who, before, &patch, now, None)
                .await?;
        }
        w.commit().await
    }

    /// The names of a team's ponds, by id.
    pub async fn pond_names(
        &self,
        team_id: i64,
        ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, String>, Error> {
        self.pond_names_on(&self.db, team_id, ids).await
    }

    /// The names of a team's ponds, by id, read on `db` (a write, for its journal entry).
    pub(crate) async fn pond_names_on(
        &self,
        db: &impl ConnectionTrait,
        team_id: i64,
        ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, String>, Error> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        Ok(lead_pond::Entity::find()
            .select_only()
            .columns([lead_pond::Column::Id, lead_pond::Column::Name])
            .filter(lead_pond::Column::TeamId.eq(team_id))
            .filter(lead_pond::Column::Id.is_in(ids.iter().copied()))
            .into_tuple::<(i64, String)>()
            .all(db)
            .await
            .map_err(db_err)?
            .into_iter()
            .collect())
    }

    /// One pond the caller may see.
    pub async fn pond(&self, who: &Principal, id: i64) -> Result<Pond, Error> {
        self.ponds(who)
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| Error::not_found("lead pond"))
    }

    /// A login link for a lead the caller can see: the URL with a signed token that names the
    /// lead and the team and stops working after `ttl_ms`.
    pub async fn login_url(
        &self,
        who: &Principal,
        lead_id: i64,
        url: &str,
        ttl_ms: i64,
    ) -> Result<String, Error> {
        let url = check_url("loftyWebsiteURL", url)?;
        self.get_lead(who, lead_id, false).await?;
        let exp_ms = time::now_ms() + ttl_ms;
        let claims = LoginClaims {
            sub: lead_id.to_string(),
            team: who.team_id,
            exp: exp_ms.div_euclid(1000),
            exp_ms,
        };
        let key = self.signing_key().await?;
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&key),
        )
        .map_err(|e| Error::internal(e.to_string()))?;
        let sep = if url.contains('?') { '&' } else { '?' };
        Ok(format!("{url}{sep}loginToken={token}"))
    }

    /// Checks a login token for the caller's team: signed here, for a lead of the team, not
    /// expired. Answers (lead id, expiry in epoch ms).
    pub async fn verify_login_token(
        &self,
        who: &Principal,
        token: &str,
    ) -> Result<(i64, i64), Error> {
        let bad = || Error::invalid("the login token is not valid or has expired");
        let key = self.signing_key().await?;
        let mut v = Validation::new(Algorithm::HS256);
        v.leeway = 0;
        v.validate_exp = true;
        v.set_required_spec_claims(&["exp", "sub"]);
        let data =
            jsonwebtoken::decode::<LoginClaims>(token.trim(), &DecodingKey::from_secret(&key), &v)
                .map_err(|_| bad())?;
        let c = data.claims;
        if c.team != who.team_id || c.exp_ms <= time::now_ms() {
            return Err(bad());
        }
        let lead_id: i64 = c.sub.parse().map_err(|_| bad())?;
        self.get_lead(who, lead_id, false)
            .await
            .map_err(|_| bad())?;
        Ok((lead_id, c.exp_ms))
    }

    /// The server's key for signing login tokens.
    async fn signing_key(&self) -> Result<Vec<u8>, Error> {
        self.server_secret("login_token_key").await
    }

    /// A server secret by name (32 random bytes): made once, kept in `server_secrets` so every
    /// process and restart signs and verifies alike. The login-token key, the scroll-id key and
    /// the sign-in session key are made this way. A secret never changes once made, so each is
    /// read from the database once a process.
    pub async fn server_secret(&self, name: &str) -> Result<Vec<u8>, Error> {
        if let Some(k) = self
            .secrets
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
        {
            return Ok(k.clone());
        }
        let k = self.stored_secret(name).await?;
        self.secrets
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), k.clone());
        Ok(k)
    }

    /// A server secret as the database holds it, made if it is not there yet.
    async fn stored_secret(&self, name: &str) -> Result<Vec<u8>, Error> {
        let name = name.to_string();
        if let Some(k) = server_secret::Entity::find_by_id(name.clone())
            .one(&self.db)
            .await
            .map_err(db_err)?
        {
            return hex::decode(k.value).map_err(|e| Error::internal(e.to_string()));
        }
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        // two processes may race to make it: one insert wins, the other fails on the key and
        // both read the winner's below
        let made = server_secret::Entity::insert(
            server_secret::Model {
                name: name.clone(),
                value: hex::encode(bytes),
                create_time: time::now_ms(),
            }
            .into_active_model(),
        )
        .exec_without_returning(&self.db)
        .await;
        // another process may have won the race: read what is there
        let k = server_secret::Entity::find_by_id(name.clone())
            .one(&self.db)
            .await
            .map_err(db_err)?;
        match (k, made) {
            (Some(k), _) => hex::decode(k.value).map_err(|e| Error::internal(e.to_string())),
            // not made, by anyone: why the insert failed (a storage fault is a 503)
            (None, Err(e)) => Err(db_err(e)),
            (None, Ok(_)) => Err(Error::internal(format!(
                "the server secret {name} is missing"
            ))),
        }
    }
}
