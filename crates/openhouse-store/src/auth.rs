//! Teams, users and the credentials that identify them. Secrets are random 256-bit strings and
//! only their SHA-256 is stored: a leaked database holds no usable key.

use std::sync::Arc;

use openhouse_domain::auth::{CredentialKind, Principal, Role};
use openhouse_domain::people::Profile;
use openhouse_domain::{Error, ErrorKind, error::codes};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use sha2::{Digest, Sha256};

use crate::entities::{credential, team, user, vendor_key};
use crate::render::Names;
use crate::{Store, db_err};

/// What `team create` hands out, once.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTeam {
    pub team_id: i64,
    pub user_id: i64,
    pub api_key: String,
    pub access_token: String,
    pub vendor_key: String,
}

/// What a new team is.
#[derive(Debug, Clone, Default)]
pub struct TeamSpec {
    pub name: String,
    pub admin_email: String,
    pub admin_first_name: Option<String>,
    pub admin_last_name: Option<String>,
    pub admin_phone: Option<String>,
    /// The broker team it is created under (0: none).
    pub parent_team_id: i64,
    /// 0: no limit.
    pub seat_limit: i32,
    /// Who created it (0: the command line).
    pub invitor_user_id: i64,
}

/// A user of a team, as other records show them.
#[derive(Debug, Clone, PartialEq)]
pub struct UserInfo {
    pub id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: Option<String>,
    pub role: Role,
}

impl UserInfo {
    pub fn display_name(&self) -> String {
        display_name(&self.first_name, self.last_name.as_deref())
    }
}

/// How a user's name is shown on the records they made or are assigned.
pub(crate) fn display_name(first: &str, last: Option<&str>) -> String {
    match last {
        Some(l) if !l.is_empty() => format!("{first} {l}"),
        _ => first.to_string(),
    }
}

/// How many hexadecimal digits of a credential's hash name it (`keyId`): 48 bits, unique in a
/// team in practice, and nothing about the secret (the hash of 256 random bits).
const KEY_ID_LEN: usize = 12;

/// A credential as `openhouse key list` shows it: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyInfo {
    pub key_id: String,
    pub team_id: i64,
    pub user_id: i64,
    /// `api_key` or `access_token`.
    pub kind: String,
    pub name: String,
    pub create_time: i64,
    /// 0: never.
    pub expire_time: i64,
}

impl KeyInfo {
    fn of(m: &credential::Model) -> Self {
        Self {
            key_id: m.token_hash.chars().take(KEY_ID_LEN).collect(),
            team_id: m.team_id,
            user_id: m.user_id,
            kind: m.kind.clone(),
            name: m.name.clone(),
            create_time: m.create_time,
            expire_time: m.expire_time,
        }
    }
}

/// A key just made (`openhouse key create`), with its secret, shown this once.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewKey {
    #[serde(flatten)]
    pub info: KeyInfo,
    pub api_key: String,
}

pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A credential's row, kept as the hash of its secret: the one place its columns are set. An
/// OAuth access token sets its app, grant and scopes on top.
pub(crate) fn credential_row(
    secret: &str,
    team_id: i64,
    user_id: i64,
    kind: CredentialKind,
    now: i64,
    expire_time: i64,
    name: &str,
) -> credential::ActiveModel {
    credential::ActiveModel {
        token_hash: Set(hash_secret(secret)),
        team_id: Set(team_id),
        user_id: Set(user_id),
        kind: Set(kind.as_str().to_string()),
        app_id: Set(None),
        create_time: Set(now),
        expire_time: Set(expire_time),
        name: Set(name.to_string()),
        family_id: Set(0),
        scope: Set(String::new()),
    }
}

pub(crate) fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

impl Store {
    /// Creates a team with its admin, an API key, an access token and a vendor key.
    pub async fn create_team(&self, name: &str, admin_email: &str) -> Result<NewTeam, Error> {
        self.create_team_with(&TeamSpec {
            name: name.to_string(),
            admin_email: admin_email.to_string(),
            ..Default::default()
        })
        .await
    }

    /// Creates a team as `spec` says, with its admin, an API key, an access token and a vendor
    /// key.
    pub async fn create_team_with(&self, spec: &TeamSpec) -> Result<NewTeam, Error> {
        let name = spec.name.trim();
        let email = spec.admin_email.trim();
        if name.is_empty() {
            return Err(Error::invalid("the team name is empty"));
        }
        if !email.contains('@') || email.chars().any(char::is_whitespace) {
            return Err(Error::invalid(format!("'{email}' is not an email address")));
        }
        let now = self.now();
        let team_id = self.next_id();
        let user_id = self.next_id();
        let out = NewTeam {
            team_id,
            user_id,
            api_key: new_secret("oh_key_"),
            access_token: new_secret("oh_at_"),
            vendor_key: new_secret("oh_vk_"),
        };
        let mut w = self.write().await?;
        team::ActiveModel {
            id: Set(team_id),
            name: Set(name.to_string()),
            create_time: Set(now),
            parent_team_id: Set(spec.parent_team_id),
            seat_limit: Set(spec.seat_limit),
            company: Set("{}".to_string()),
            delete_time: Set(0),
        }
        .insert(&*w)
        .await
        .map_err(db_err)?;
        let first = spec
            .admin_first_name
            .clone()
            .unwrap_or_else(|| email.split('@').next().unwrap_or("admin").to_string());
        user::ActiveModel {
            team_id: Set(team_id),
            id: Set(user_id),
            email: Set(email.to_string()),
            email_key: Set(email.to_lowercase()),
            first_name: Set(first),
            last_name: Set(spec.admin_last_name.clone()),
            role: Set(Role::Admin.as_str().to_string()),
            create_time: Set(now),
            update_time: Set(now),
            office_id: Set(0),
            profile_id: Set(Profile::CompanyAdmin.id()),
            phone: Set(spec.admin_phone.clone()),
            time_zone: Set(None),
            status: Set(1),
            invitor_user_id: Set(spec.invitor_user_id),
            seat_type: Set(1),
            doc: Set("{}".to_string()),
        }
        .insert(&*w)
        .await
        .map_err(db_err)?;
        for (secret, kind) in [
            (&out.api_key, CredentialKind::ApiKey),
            (&out.access_token, CredentialKind::AccessToken),
        ] {
            credential_row(secret, team_id, user_id, kind, now, 0, "made with the team")
                .insert(&*w)
                .await
                .map_err(db_err)?;
        }
        vendor_key::ActiveModel {
            key_hash: Set(hash_secret(&out.vendor_key)),
            team_id: Set(team_id),
            name: Set(format!("{name} vendor key")),
            create_time: Set(now),
            id: Set(self.next_id()),
            user_id: Set(user_id),
        }
        .insert(&*w)
        .await
        .map_err(db_err)?;
        // journaled in the team it was made in: the broker's for a team under a broker, its
        // own otherwise (the command line)
        let by = acting_admin(
            if spec.parent_team_id != 0 {
                spec.parent_team_id
            } else {
                team_id
            },
            if spec.invitor_user_id != 0 {
                spec.invitor_user_id
            } else {
                user_id
            },
        );
        w.record(
            &by,
            now,
            crate::journal::Entry {
                lead_id: 0,
                action: openhouse_domain::event::Kind::TeamCreated,
                detail: serde_json::json!({"teamId": team_id, "seatLimit": spec.seat_limit}),
                // the answer to the create, without its credentials
                resource: openhouse_api::BrokerTeamCreated {
                    team_id,
                    user_id,
                    api_key: String::new(),
                    access_token: String::new(),
                    vendor_key: String::new(),
                }
                .into(),
            },
        )
        .await?;
        w.commit().await?;
        Ok(out)
    }

    /// Adds a user to a team.
    pub async fn create_user(
        &self,
        team_id: i64,
        email: &str,
        first_name: &str,
        last_name: Option<&str>,
        role: Role,
    ) -> Result<i64, Error> {
        let email = email.trim();
        if !email.contains('@') || email.chars().any(char::is_whitespace) {
            return Err(Error::invalid(format!("'{email}' is not an email address")));
        }
        let key = email.to_lowercase();
        let mut w = self.write().await?;
        let taken = user::Entity::find()
            .filter(user::Column::TeamId.eq(team_id))
            .filter(user::Column::EmailKey.eq(key.clone()))
            .one(&*w)
            .await
            .map_err(db_err)?;
        if taken.is_some() {
            return Err(Error::invalid(format!(
                "a user with the email {email} already exists"
            )));
        }
        let now = self.now();
        let id = self.next_id();
        let u = user::Model {
            team_id,
            id,
            email: email.to_string(),
            email_key: key,
            first_name: first_name.trim().to_string(),
            last_name: last_name.map(|s| s.trim().to_string()),
            role: role.as_str().to_string(),
            create_time: now,
            update_time: now,
            office_id: 0,
            profile_id: Profile::of_role(role).id(),
            phone: None,
            time_zone: None,
            status: 1,
            invitor_user_id: 0,
            seat_type: 1,
            doc: "{}".to_string(),
        };
        user::Entity::insert(sea_orm::IntoActiveModel::into_active_model(u.clone()))
            .exec_without_returning(&*w)
            .await
            .map_err(db_err)?;
        // journaled as made by the team's first admin (the command line acts for the team)
        let admin = user::Entity::find()
            .filter(user::Column::TeamId.eq(team_id))
            .filter(user::Column::Role.eq(Role::Admin.as_str()))
            .order_by_asc(user::Column::CreateTime)
            .one(&*w)
            .await
            .map_err(db_err)?
            .map_or(id, |a| a.id);
        let added = self.members_on(&*w, team_id, vec![u]).await?.remove(0);
        let by = acting_admin(team_id, admin);
        w.record(
            &by,
            now,
            crate::journal::Entry {
                lead_id: 0,
                action: openhouse_domain::event::Kind::UserCreated,
                detail: serde_json::json!({"userId": id, "email": email, "profileId": Profile::of_role(role).id()}),
                resource: crate::render::user(&added).into(),
            },
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// A credential of a kind for a user (an API key or a non-expiring access token).
    pub async fn issue_credential(
        &self,
        team_id: i64,
        user_id: i64,
        kind: CredentialKind,
    ) -> Result<String, Error> {
        let secret = new_secret(match kind {
            CredentialKind::ApiKey => "oh_key_",
            CredentialKind::AccessToken => "oh_at_",
        });
        credential_row(&secret, team_id, user_id, kind, self.now(), 0, "")
            .insert(&self.db)
            .await
            .map_err(db_err)?;
        Ok(secret)
    }

    /// `openhouse key create`: a new API key for a member of the team (`Authorization: token
    /// <key>`), named, expiring at `expire_time` (epoch ms; 0 never). Only its hash is kept: the
    /// key is in the answer this once.
    pub async fn create_api_key(
        &self,
        team_id: i64,
        user_id: i64,
        name: &str,
        expire_time: i64,
    ) -> Result<NewKey, Error> {
        let name = name.trim();
        if name.chars().count() > 255 {
            return Err(Error::invalid("a key's name is at most 255 characters"));
        }
        let now = self.now();
        if expire_time != 0 && expire_time <= now {
            return Err(Error::invalid("a key's expiry is in the future"));
        }
        let found = user::Entity::find_by_id((team_id, user_id))
            .one(&self.db)
            .await
            .map_err(db_err)?;
        if found.is_none_or(|u| u.status != 1) {
            return Err(Error::new(
                ErrorKind::BadRequest,
                codes::USER_NOT_EXIST,
                format!("user {user_id} is no active member of team {team_id}"),
            ));
        }
        let secret = new_secret("oh_key_");
        let m = credential_row(
            &secret,
            team_id,
            user_id,
            CredentialKind::ApiKey,
            now,
            expire_time,
            name,
        )
        .insert(&self.db)
        .await
        .map_err(db_err)?;
        Ok(NewKey {
            info: KeyInfo::of(&m),
            api_key: secret,
        })
    }

    /// `openhouse key list`: the team's API keys and access tokens (of one member, when
    /// given), oldest first; never their secrets.
    pub async fn api_keys(
        &self,
        team_id: i64,
        user_id: Option<i64>,
    ) -> Result<Vec<KeyInfo>, Error> {
        let mut q = credential::Entity::find().filter(credential::Column::TeamId.eq(team_id));
        if let Some(u) = user_id {
            q = q.filter(credential::Column::UserId.eq(u));
        }
        Ok(q.order_by_asc(credential::Column::CreateTime)
            .order_by_asc(credential::Column::TokenHash)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .iter()
            .map(KeyInfo::of)
            .collect())
    }

    /// `openhouse key revoke`: removes the team's credential `key_id` names (as `key list`
    /// shows it). A server that checked the credential in the last 30 seconds may still
    /// admit it that long (its credential cache).
    pub async fn revoke_key(&self, team_id: i64, key_id: &str) -> Result<KeyInfo, Error> {
        let key_id = key_id.trim().to_ascii_lowercase();
        if key_id.len() != KEY_ID_LEN || !key_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::invalid(format!(
                "a key id is the {KEY_ID_LEN} hexadecimal digits `key list` shows, not '{key_id}'"
            )));
        }
        let found = credential::Entity::find()
            .filter(credential::Column::TeamId.eq(team_id))
            .filter(credential::Column::TokenHash.starts_with(&key_id))
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let [m] = found.as_slice() else {
            return Err(Error::new(
                ErrorKind::NotFound,
                codes::RESOURCE_NOT_EXIST,
                format!("team {team_id} has no key {key_id}"),
            ));
        };
        credential::Entity::delete_by_id(m.token_hash.clone())
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(KeyInfo::of(m))
    }

    /// How many teams exist: 0 on a fresh database.
    pub async fn team_count(&self) -> Result<u64, Error> {
        team::Entity::find().count(&self.db).await.map_err(db_err)
    }

    /// The caller a presented secret identifies, if it is a live credential of that kind.
    pub async fn authenticate(
        &self,
        kind: CredentialKind,
        secret: &str,
    ) -> Result<Option<Principal>, Error> {
        let key = hash_secret(secret);
        let Some(cred) = credential::Entity::find_by_id(key.clone())
            .one(&self.db)
            .await
            .map_err(db_err)?
        else {
            return Ok(None);
        };
        if CredentialKind::parse(&cred.kind) != Some(kind) {
            return Ok(None);
        }
        if cred.expire_time > 0 && cred.expire_time <= self.now() {
            return Ok(None);
        }
        let Some(u) = user::Entity::find_by_id((cred.team_id, cred.user_id))
            .one(&self.db)
            .await
            .map_err(db_err)?
        else {
            return Ok(None);
        };
        if u.status != 1 {
            return Ok(None);
        }
        // a team a broker removed takes its credentials with it
        let live = team::Entity::find_by_id(cred.team_id)
            .one(&self.db)
            .await
            .map_err(db_err)?
            .is_some_and(|t| t.delete_time == 0);
        if !live {
            return Ok(None);
        }
        let ponds = crate::entities::lead_pond::Entity::find()
            .filter(crate::entities::lead_pond::Column::TeamId.eq(cred.team_id))
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let mut p = principal_of(&u, &ponds, kind, cred.app_id, key, cred.expire_time);
        if let Some(app_id) = cred.app_id {
            // an app's credential may do what the app's scopes allow; an app gone takes it along
            let Some(app) = crate::entities::oauth_app::Entity::find_by_id((cred.team_id, app_id))
                .one(&self.db)
                .await
                .map_err(db_err)?
            else {
                return Ok(None);
            };
            let app_scopes: Vec<String> = serde_json::from_str(&app.scopes).unwrap_or_default();
            // a token approved for fewer scopes keeps to them, within what the app has now
            p.scopes = Some(if cred.scope.is_empty() {
                app_scopes
            } else {
                cred.scope
                    .split(' ')
                    .filter(|s| app_scopes.iter().any(|a| a == s))
                    .map(str::to_string)
                    .collect()
            });
        }
        Ok(Some(p))
    }

    /// Whether a vendor key is one openhouse issued.
    pub async fn vendor_key_valid(&self, key: &str) -> Result<bool, Error> {
        Ok(self.vendor_key_team(key).await?.is_some())
    }

    /// The team that connected a vendor key (the only team whose credentials it raises to the
    /// higher rate tier), if openhouse issued it.
    pub async fn vendor_key_team(&self, key: &str) -> Result<Option<i64>, Error> {
        Ok(vendor_key::Entity::find_by_id(hash_secret(key))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(|k| k.team_id))
    }

    /// Users of a team by id (those that exist), from the cache where it has them.
    pub async fn users(&self, team_id: i64, ids: &[i64]) -> Result<Vec<Arc<UserInfo>>, Error> {
        let mut found = Vec::with_capacity(ids.len());
        let mut missing = Vec::new();
        for id in ids {
            match self.cache.user(team_id, *id) {
                Some(u) => found.push(u),
                None => missing.push(*id),
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let rows = user::Entity::find()
            .filter(user::Column::TeamId.eq(team_id))
            .filter(user::Column::Id.is_in(missing.iter().copied()))
            .limit(missing.len() as u64)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        for u in rows {
            let info = Arc::new(UserInfo {
                id: u.id,
                email: u.email,
                first_name: u.first_name,
                last_name: u.last_name,
                role: Role::parse(&u.role).unwrap_or(Role::Agent),
            });
            self.cache.keep_user(team_id, info.clone());
            found.push(info);
        }
        Ok(found)
    }

    /// Display names of users of a team by id (those that exist; 0 and below are none), for a
    /// write's journal entry: from the user cache where it has them, the rest in one query on
    /// `db` (the write itself). What the write reads is not kept in the cache: it may be the
    /// write's own change, which could still roll back.
    pub(crate) async fn names_in(
        &self,
        db: &impl ConnectionTrait,
        team_id: i64,
        ids: impl IntoIterator<Item = i64>,
    ) -> Result<Names, Error> {
        let mut names = Names::new();
        let mut missing = Vec::new();
        for id in ids.into_iter().filter(|id| *id > 0) {
            if names.contains_key(&id) || missing.contains(&id) {
                continue;
            }
            match self.cache.user(team_id, id) {
                Some(u) => {
                    names.insert(id, u.display_name());
                }
                None => missing.push(id),
            }
        }
        if missing.is_empty() {
            return Ok(names);
        }
        let rows = user::Entity::find()
            .select_only()
            .columns([
                user::Column::Id,
                user::Column::FirstName,
                user::Column::LastName,
            ])
            .filter(user::Column::TeamId.eq(team_id))
            .filter(user::Column::Id.is_in(missing))
            .into_tuple::<(i64, String, Option<String>)>()
            .all(db)
            .await
            .map_err(db_err)?;
        for (id, first, last) in rows {
            names.insert(id, display_name(&first, last.as_deref()));
        }
        Ok(names)
    }
}

/// The principal a change made outside any credential (the command line, a broker making a
/// team) is journaled as: an admin of the team.
pub(crate) fn acting_admin(team_id: i64, user_id: i64) -> Principal {
    Principal {
        team_id,
        user_id,
        role: Role::Admin,
        office_id: 0,
        pond_ids: Vec::new(),
        kind: CredentialKind::ApiKey,
        app_id: None,
        credential_key: String::new(),
        expire_time: 0,
        scopes: None,
    }
}

/// A user as a principal: their role, office and the ponds they own or work (of the team's
/// `ponds`). The one place that decides what a user's principal is, for credentials and for
/// webhook subscribers alike.
pub(crate) fn principal_of(
    u: &crate::entities::user::Model,
    ponds: &[crate::entities::lead_pond::Model],
    kind: CredentialKind,
    app_id: Option<i64>,
    credential_key: String,
    expire_time: i64,
) -> Principal {
    let pond_ids = ponds
        .iter()
        .filter(|p| {
            p.owner_user_id == u.id
                || serde_json::from_str::<Vec<i64>>(&p.agent_ids).is_ok_and(|a| a.contains(&u.id))
        })
        .map(|p| p.id)
        .collect();
    Principal {
        team_id: u.team_id,
        user_id: u.id,
        role: Role::parse(&u.role).unwrap_or(Role::Agent),
        office_id: u.office_id,
        pond_ids,
        kind,
        app_id,
        credential_key,
        expire_time,
        scopes: None,
    }
}
