//! People sign in: members' passwords, the invitations that let a member set one, the throttle on
//! failed sign-ins, and the short session a browser holds while it authorizes an app.
//!
//! - Passwords are kept only as Argon2id hashes (the `argon2` crate's defaults, OWASP's
//!   recommended parameters), in `user_passwords`, apart from the profile rows the API renders.
//!   Hashing runs on the blocking pool: it is meant to be slow.
//! - An invitation is a single-use, expiring link token (only its hash stored) that lets the
//!   member it names set a password: how members created through the API get one.
//! - Failed sign-ins are counted in the database, per account (team and email, whether or not
//!   the account exists, so the answer tells nothing of it) and per address: 5 failures of an
//!   account or 20 of an address within 15 minutes lock further attempts for 15 minutes. Kept in
//!   the database rather than in the rate limiter so every process and restart sees the same
//!   count, and so the store's clock (which tests move) decides when a lock ends.
//! - A sign-in session is an HS256 JWT (signed with a server secret, like login tokens) naming
//!   the member and a fingerprint of their password hash: it lasts 30 minutes, and setting a new
//!   password ends every session signed in with the old one.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use openhouse_domain::Error;
use openhouse_domain::error::ErrorKind;
use rand::RngCore;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::{display_name, hash_secret, new_secret};
use crate::entities::{invitation, sign_in_failure, user, user_password};
use crate::{Store, db_err};

/// How long a sign-in session lasts.
pub const SESSION_TTL_MS: i64 = 30 * 60_000;
/// How long an invitation works unless the inviter says otherwise.
pub const INVITATION_TTL_MS: i64 = 7 * 86_400_000;
/// Failed sign-ins of one account within [`FAILURE_WINDOW_MS`] that lock it.
pub const ACCOUNT_FAILURES: i32 = 5;
/// Failed sign-ins from one address within [`FAILURE_WINDOW_MS`] that lock it.
pub const ADDRESS_FAILURES: i32 = 20;
pub const FAILURE_WINDOW_MS: i64 = 15 * 60_000;
/// How long a lock lasts.
pub const LOCK_MS: i64 = 15 * 60_000;
/// The shortest and longest password accepted, in characters.
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 1024;

/// A member who can sign in, as the pages name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub team_id: i64,
    pub user_id: i64,
    pub email: String,
    pub name: String,
}

impl Account {
    fn of(u: &user::Model) -> Self {
        Self {
            team_id: u.team_id,
            user_id: u.id,
            email: u.email.clone(),
            name: display_name(&u.first_name, u.last_name.as_deref()),
        }
    }
}

/// What a sign-in attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    Account(Account),
    /// Unknown email, no password set, or a wrong password: the same answer for each.
    Wrong,
    /// Too many failures of the account or the address: no attempt is made until the lock ends.
    Throttled {
        retry_after_ms: i64,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct SessionClaims {
    sub: String,
    team: i64,
    /// A fingerprint of the password hash signed in with.
    pwv: String,
    exp: i64,
    exp_ms: i64,
}

fn check_password(password: &str) -> Result<(), Error> {
    let n = password.chars().count();
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&n) {
        return Err(Error::invalid(format!(
            "a password is {PASSWORD_MIN} to {PASSWORD_MAX} characters"
        )));
    }
    Ok(())
}

/// An Argon2id PHC string for `password`, on the blocking pool.
async fn hash_password(password: String) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| Error::internal(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::internal(e.to_string()))
    })
    .await
    .map_err(|e| Error::internal(e.to_string()))?
}

/// Whether `password` matches the PHC string `stored`, on the blocking pool.
async fn verify_password(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// A hash no password matches, verified against when the account has none, so an unknown
/// account takes as long to refuse as a wrong password.
fn decoy_hash() -> String {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY
        .get_or_init(|| {
            let salt = SaltString::encode_b64(b"openhouse-decoy!").expect("16 bytes");
            Argon2::default()
                .hash_password(new_secret("decoy_").as_bytes(), &salt)
                .expect("argon2 with default parameters")
                .to_string()
        })
        .clone()
}

fn fingerprint(password_hash: &str) -> String {
    hex::encode(&Sha256::digest(password_hash.as_bytes())[..12])
}

fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Store {
    /// The active member of `team_id` with this email.
    pub async fn signable_by_email(
        &self,
        team_id: i64,
        email: &str,
    ) -> Result<Option<user::Model>, Error> {
        user::Entity::find()
            .filter(user::Column::TeamId.eq(team_id))
            .filter(user::Column::EmailKey.eq(email_key(email)))
            .filter(user::Column::Status.eq(1))
            .order_by_asc(user::Column::Id)
            .one(&self.db)
            .await
            .map_err(db_err)
    }

    async fn active_member(&self, team_id: i64, user_id: i64) -> Result<user::Model, Error> {
        user::Entity::find_by_id((team_id, user_id))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .filter(|u| u.status == 1)
            .ok_or_else(|| Error::not_found(&format!("user {user_id} of team {team_id}")))
    }

    /// `openhouse user set-password`: sets (or replaces) a member's password; every session
    /// signed in with the old one ends.
    pub async fn set_password(
        &self,
        team_id: i64,
        user_id: i64,
        password: &str,
    ) -> Result<(), Error> {
        check_password(password)?;
        self.active_member(team_id, user_id).await?;
        let hash = hash_password(password.to_string()).await?;
        self.store_password(&self.db, team_id, user_id, hash).await
    }

    async fn store_password(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        team_id: i64,
        user_id: i64,
        hash: String,
    ) -> Result<(), Error> {
        user_password::Entity::insert(user_password::ActiveModel {
            team_id: Set(team_id),
            user_id: Set(user_id),
            password_hash: Set(hash),
            update_time: Set(self.now()),
        })
        .on_conflict(
            OnConflict::columns([user_password::Column::TeamId, user_password::Column::UserId])
                .update_columns([
                    user_password::Column::PasswordHash,
                    user_password::Column::UpdateTime,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    /// `openhouse user invite`: a single-use token that lets the member set a password until
    /// `now + ttl_ms`. Answers the token and its expiry.
    pub async fn invite(
        &self,
        team_id: i64,
        user_id: i64,
        ttl_ms: i64,
    ) -> Result<(String, i64), Error> {
        if ttl_ms <= 0 {
            return Err(Error::invalid("an invitation lasts a positive time"));
        }
        self.active_member(team_id, user_id).await?;
        let token = new_secret("oh_inv_");
        let now = self.now();
        let expire_time = now.saturating_add(ttl_ms);
        invitation::ActiveModel {
            token_hash: Set(hash_secret(&token)),
            team_id: Set(team_id),
            user_id: Set(user_id),
            create_time: Set(now),
            expire_time: Set(expire_time),
            used_time: Set(0),
        }
        .insert(&self.db)
        .await
        .map_err(db_err)?;
        Ok((token, expire_time))
    }

    /// The member an invitation names, while it is unused and unexpired.
    pub async fn invitation(&self, token: &str) -> Result<Option<Account>, Error> {
        let Some(inv) = invitation::Entity::find_by_id(hash_secret(token))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .filter(|i| i.used_time == 0 && i.expire_time > self.now())
        else {
            return Ok(None);
        };
        match self.active_member(inv.team_id, inv.user_id).await {
            Ok(u) => Ok(Some(Account::of(&u))),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Accepts an invitation: sets the member's password and spends the token, together.
    pub async fn accept_invitation(&self, token: &str, password: &str) -> Result<Account, Error> {
        check_password(password)?;
        let gone = || Error::invalid("this invitation was already used or has expired");
        let member = self.invitation(token).await?.ok_or_else(gone)?;
        let hash = hash_password(password.to_string()).await?;
        let now = self.now();
        let txn = self.db.begin().await.map_err(db_err)?;
        // spent in one conditional update: of two acceptances at once, one wins
        let spent = invitation::Entity::update_many()
            .col_expr(invitation::Column::UsedTime, Expr::value(now))
            .filter(invitation::Column::TokenHash.eq(hash_secret(token)))
            .filter(invitation::Column::UsedTime.eq(0))
            .filter(invitation::Column::ExpireTime.gt(now))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        if spent.rows_affected != 1 {
            return Err(gone());
        }
        self.store_password(&txn, member.team_id, member.user_id, hash)
            .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(member)
    }

    /// A sign-in attempt of `email` in `team_id` from `address`: the member, a wrong answer
    /// (counted against the account and the address), or a lock still in force.
    pub async fn sign_in(
        &self,
        team_id: i64,
        email: &str,
        password: &str,
        address: &str,
    ) -> Result<SignIn, Error> {
        let now = self.now();
        let account = format!("account:{team_id}:{}", email_key(email));
        let address = format!("address:{address}");
        let locked_until = sign_in_failure::Entity::find()
            .filter(sign_in_failure::Column::Key.is_in([account.clone(), address.clone()]))
            .all(&self.db)
            .await
            .map_err(db_err)?
            .iter()
            .map(|f| f.locked_until)
            .max()
            .unwrap_or(0);
        if locked_until > now {
            return Ok(SignIn::Throttled {
                retry_after_ms: locked_until - now,
            });
        }
        let user = if password.chars().count() <= PASSWORD_MAX {
            self.signable_by_email(team_id, email).await?
        } else {
            None
        };
        let stored = match &user {
            Some(u) => user_password::Entity::find_by_id((u.team_id, u.id))
                .one(&self.db)
                .await
                .map_err(db_err)?
                .map(|p| p.password_hash),
            None => None,
        };
        let matched = match stored {
            Some(h) => verify_password(password.to_string(), h).await,
            None => {
                verify_password(password.to_string(), decoy_hash()).await;
                false
            }
        };
        match user {
            Some(u) if matched => {
                sign_in_failure::Entity::delete_by_id(account)
                    .exec(&self.db)
                    .await
                    .map_err(db_err)?;
                Ok(SignIn::Account(Account::of(&u)))
            }
            _ => {
                self.count_failure(&account, ACCOUNT_FAILURES).await?;
                self.count_failure(&address, ADDRESS_FAILURES).await?;
                Ok(SignIn::Wrong)
            }
        }
    }

    /// Counts a failed sign-in against `key`; the `limit`th within the window locks it.
    async fn count_failure(&self, key: &str, limit: i32) -> Result<(), Error> {
        let now = self.now();
        let stale = now - FAILURE_WINDOW_MS;
        let txn = self.db.begin().await.map_err(db_err)?;
        sign_in_failure::Entity::insert(sign_in_failure::ActiveModel {
            key: Set(key.to_string()),
            failures: Set(0),
            first_time: Set(now),
            locked_until: Set(0),
        })
        .on_conflict(
            OnConflict::column(sign_in_failure::Column::Key)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await
        .map_err(db_err)?;
        // one statement, so concurrent failures all count (the row is locked for each)
        sign_in_failure::Entity::update_many()
            .col_expr(
                sign_in_failure::Column::Failures,
                Expr::case(
                    Expr::col(sign_in_failure::Column::FirstTime).lte(stale),
                    Expr::value(1),
                )
                .finally(Expr::col(sign_in_failure::Column::Failures).add(1))
                .into(),
            )
            .col_expr(
                sign_in_failure::Column::FirstTime,
                Expr::case(
                    Expr::col(sign_in_failure::Column::FirstTime).lte(stale),
                    Expr::value(now),
                )
                .finally(Expr::col(sign_in_failure::Column::FirstTime))
                .into(),
            )
            .filter(sign_in_failure::Column::Key.eq(key))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        sign_in_failure::Entity::update_many()
            .col_expr(
                sign_in_failure::Column::LockedUntil,
                Expr::value(now + LOCK_MS),
            )
            .col_expr(sign_in_failure::Column::Failures, Expr::value(0))
            .col_expr(sign_in_failure::Column::FirstTime, Expr::value(now))
            .filter(sign_in_failure::Column::Key.eq(key))
            .filter(sign_in_failure::Column::Failures.gte(limit))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        txn.commit().await.map_err(db_err)
    }

    async fn password_fingerprint(&self, team_id: i64, user_id: i64) -> Result<String, Error> {
        Ok(user_password::Entity::find_by_id((team_id, user_id))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(|p| fingerprint(&p.password_hash))
            .unwrap_or_default())
    }

    /// A session token for a member just signed in.
    pub async fn session_token(&self, m: &Account) -> Result<String, Error> {
        let exp_ms = self.now() + SESSION_TTL_MS;
        let claims = SessionClaims {
            sub: m.user_id.to_string(),
            team: m.team_id,
            pwv: self.password_fingerprint(m.team_id, m.user_id).await?,
            exp: exp_ms.div_euclid(1000),
            exp_ms,
        };
        let key = self.server_secret("sign_in_session_key").await?;
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&key),
        )
        .map_err(|e| Error::internal(e.to_string()))
    }

    /// The member a session token is of, while it lasts, the member is active and their
    /// password is the one they signed in with.
    pub async fn session(&self, token: &str) -> Result<Option<Account>, Error> {
        let key = self.server_secret("sign_in_session_key").await?;
        let mut v = Validation::new(Algorithm::HS256);
        v.leeway = 0;
        // expiry is checked against the store's clock below
        v.validate_exp = false;
        v.set_required_spec_claims(&["sub"]);
        let Ok(data) = jsonwebtoken::decode::<SessionClaims>(
            token.trim(),
            &DecodingKey::from_secret(&key),
            &v,
        ) else {
            return Ok(None);
        };
        let c = data.claims;
        let Ok(user_id) = c.sub.parse::<i64>() else {
            return Ok(None);
        };
        if c.exp_ms <= self.now() {
            return Ok(None);
        }
        let Some(u) = user::Entity::find_by_id((c.team, user_id))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .filter(|u| u.status == 1)
        else {
            return Ok(None);
        };
        if c.pwv.is_empty() || self.password_fingerprint(c.team, user_id).await? != c.pwv {
            return Ok(None);
        }
        Ok(Some(Account::of(&u)))
    }
}
