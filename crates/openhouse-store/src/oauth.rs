//! OAuth 2.0 (RFC 6749) apps and the tokens they are given.
//!
//! - An app (client) belongs to a team: `client_id`, a secret kept only as a hash, the redirect
//!   URIs it registered, the scopes it may ask for, and a vendor key of the team (so the app is
//!   also one of the team's vendors, 5.11.1, and its calls get the vendored rate tier).
//! - A grant is a family: each exchange of a refresh token spends it and makes a new access
//!   token and refresh token of the same family. A spent refresh token presented again means
//!   it leaked: the whole family (its refresh tokens and access tokens) is revoked.
//! - Access tokens are credentials like any other (`Authorization: Bearer`), with the app and
//!   the family they belong to and an expiry; refresh tokens are rows of their own. Only hashes
//!   of either are stored.

use openhouse_domain::Error;
use openhouse_domain::auth::{CredentialKind, Principal};
use openhouse_domain::error::{ErrorKind, codes};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::Serialize;

use crate::auth::{credential_row, hash_secret, new_secret};
use crate::entities::{credential, oauth_app, oauth_code, oauth_refresh_token, user, vendor_key};
use crate::{Store, db_err};

/// How long an access token works.
pub const ACCESS_TTL_MS: i64 = 3_600_000;
/// How long a refresh token can be exchanged.
pub const REFRESH_TTL_MS: i64 = 90 * 86_400_000;
/// How long an authorization code can be exchanged (RFC 6749 4.1.2: short, 10 minutes at most).
pub const CODE_TTL_MS: i64 = 60_000;

/// An app just made, with its secret and vendor key, shown this once.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewApp {
    #[serde(flatten)]
    pub app: AppInfo,
    pub client_secret: String,
    pub vendor_key: String,
}

/// An app as `openhouse app list` shows it: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub app_id: i64,
    pub team_id: i64,
    pub name: String,
    pub client_id: String,
    pub redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
    pub create_time: i64,
}

impl AppInfo {
    pub fn of(m: &oauth_app::Model) -> Self {
        Self {
            app_id: m.id,
            team_id: m.team_id,
            name: m.name.clone(),
            client_id: m.client_id.clone(),
            redirect_uris: serde_json::from_str(&m.redirect_uris).unwrap_or_default(),
            scopes: serde_json::from_str(&m.scopes).unwrap_or_default(),
            create_time: m.create_time,
        }
    }
}

/// An access token and the refresh token that renews it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPair {
    pub access_token: String,
    /// Epoch milliseconds.
    pub access_expire_time: i64,
    pub refresh_token: String,
    /// Epoch milliseconds.
    pub refresh_expire_time: i64,
    pub scope: String,
}

/// Why a token request was refused, as RFC 6749 (5.2) names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The client is unknown or its secret is wrong.
    InvalidClient,
    /// The grant (a code, a refresh token, a customer key) is not valid for this client.
    InvalidGrant(String),
    /// A parameter is missing or malformed.
    InvalidRequest(String),
    /// A spent refresh token or authorization code came back: its whole grant was revoked
    /// (the server forgets any cached copy of its access tokens).
    GrantRevoked,
    /// The storage failed: answered as the API answers storage faults.
    Storage(Error),
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Self {
        Refusal::Storage(e)
    }
}

/// An app's own checks: a name, at least one absolute http(s) redirect URI without a fragment.
fn check_app(name: &str, redirect_uris: &[String]) -> Result<(), Error> {
    if name.trim().is_empty() || name.chars().count() > 255 {
        return Err(Error::invalid("an app's name is 1 to 255 characters"));
    }
    if redirect_uris.is_empty() {
        return Err(Error::invalid("an app registers at least one redirect URI"));
    }
    for u in redirect_uris {
        let ok = url::Url::parse(u)
            .is_ok_and(|p| matches!(p.scheme(), "http" | "https") && p.fragment().is_none());
        if !ok {
            return Err(Error::invalid(format!(
                "a redirect URI is an absolute http(s) URL without a fragment, not '{u}'"
            )));
        }
    }
    Ok(())
}

fn not_found(team_id: i64, client_id: &str) -> Error {
    Error::new(
        ErrorKind::NotFound,
        codes::RESOURCE_NOT_EXIST,
        format!("team {team_id} has no app {client_id}"),
    )
}

impl Store {
    /// `openhouse app create`: registers an app of the team.
    pub async fn create_app(
        &self,
        team_id: i64,
        name: &str,
        redirect_uris: &[String],
        scopes: &[String],
    ) -> Result<NewApp, Error> {
        check_app(name, redirect_uris)?;
        let now = self.now();
        let txn = self.db.begin().await.map_err(db_err)?;
        let admin = user::Entity::find()
            .filter(user::Column::TeamId.eq(team_id))
            .filter(user::Column::Role.eq("admin"))
            .order_by_asc(user::Column::Id)
            .one(&txn)
            .await
            .map_err(db_err)?
            .ok_or_else(|| Error::not_found(&format!("team {team_id}")))?;
        let id = self.next_id();
        let client_id = new_secret("oh_app_");
        let client_secret = new_secret("oh_cs_");
        let vendor_key = new_secret("oh_vk_");
        vendor_key::ActiveModel {
            key_hash: Set(hash_secret(&vendor_key)),
            team_id: Set(team_id),
            name: Set(name.trim().to_string()),
            create_time: Set(now),
            id: Set(id),
            user_id: Set(admin.id),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        let m = oauth_app::ActiveModel {
            team_id: Set(team_id),
            id: Set(id),
            name: Set(name.trim().to_string()),
            client_id: Set(client_id),
            secret_hash: Set(hash_secret(&client_secret)),
            vendor_key_hash: Set(hash_secret(&vendor_key)),
            redirect_uris: Set(serde_json::to_string(redirect_uris).expect("strings")),
            scopes: Set(serde_json::to_string(scopes).expect("strings")),
            create_time: Set(now),
            update_time: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        txn.commit().await.map_err(db_err)?;
        Ok(NewApp {
            app: AppInfo::of(&m),
            client_secret,
            vendor_key,
        })
    }

    /// `openhouse app list`.
    pub async fn apps(&self, team_id: i64) -> Result<Vec<AppInfo>, Error> {
        Ok(oauth_app::Entity::find()
            .filter(oauth_app::Column::TeamId.eq(team_id))
            .order_by_asc(oauth_app::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .iter()
            .map(AppInfo::of)
            .collect())
    }

    async fn app_of_team(&self, team_id: i64, client_id: &str) -> Result<oauth_app::Model, Error> {
        oauth_app::Entity::find()
            .filter(oauth_app::Column::TeamId.eq(team_id))
            .filter(oauth_app::Column::ClientId.eq(client_id))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or_else(|| not_found(team_id, client_id))
    }

    /// `openhouse app rotate-secret`: a new client secret; the old one stops working at once
    /// (tokens already issued keep working).
    pub async fn rotate_app_secret(&self, team_id: i64, client_id: &str) -> Result<String, Error> {
        let app = self.app_of_team(team_id, client_id).await?;
        let secret = new_secret("oh_cs_");
        oauth_app::ActiveModel {
            team_id: Set(app.team_id),
            id: Set(app.id),
            secret_hash: Set(hash_secret(&secret)),
            update_time: Set(self.now()),
            ..Default::default()
        }
        .update(&self.db)
        .await
        .map_err(db_err)?;
        Ok(secret)
    }

    /// `openhouse app delete`: the app, its vendor key and every token it was given.
    pub async fn delete_app(&self, team_id: i64, client_id: &str) -> Result<AppInfo, Error> {
        let app = self.app_of_team(team_id, client_id).await?;
        let txn = self.db.begin().await.map_err(db_err)?;
        credential::Entity::delete_many()
            .filter(credential::Column::TeamId.eq(team_id))
            .filter(credential::Column::AppId.eq(app.id))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        oauth_refresh_token::Entity::delete_many()
            .filter(oauth_refresh_token::Column::TeamId.eq(team_id))
            .filter(oauth_refresh_token::Column::AppId.eq(app.id))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        vendor_key::Entity::delete_by_id(app.vendor_key_hash.clone())
            .exec(&txn)
            .await
            .map_err(db_err)?;
        oauth_app::Entity::delete_by_id((team_id, app.id))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        txn.commit().await.map_err(db_err)?;
        Ok(AppInfo::of(&app))
    }

    /// The app a client id and secret authenticate; `None` for an unknown client or a wrong
    /// secret (the same answer, so neither can be told apart).
    pub async fn oauth_client(
        &self,
        client_id: &str,
        secret: &str,
    ) -> Result<Option<oauth_app::Model>, Error> {
        let app = oauth_app::Entity::find()
            .filter(oauth_app::Column::ClientId.eq(client_id))
            .one(&self.db)
            .await
            .map_err(db_err)?;
        // hashes of 256 random bits: comparing them reveals nothing of the secret
        Ok(app.filter(|a| a.secret_hash == hash_secret(secret)))
    }

    /// A new grant (family) for `user_id` through `app`: an access token and a refresh token.
    async fn grant(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        app: &oauth_app::Model,
        user_id: i64,
        family_id: i64,
        scope: &str,
    ) -> Result<TokenPair, Error> {
        let now = self.now();
        let access = new_secret("oh_at_");
        let refresh = new_secret("oh_rt_");
        let mut row = credential_row(
            &access,
            app.team_id,
            user_id,
            CredentialKind::AccessToken,
            now,
            now + ACCESS_TTL_MS,
            &app.name,
        );
        row.app_id = Set(Some(app.id));
        row.family_id = Set(family_id);
        row.scope = Set(scope.to_string());
        row.insert(db).await.map_err(db_err)?;
        oauth_refresh_token::ActiveModel {
            token_hash: Set(hash_secret(&refresh)),
            team_id: Set(app.team_id),
            user_id: Set(user_id),
            app_id: Set(app.id),
            family_id: Set(family_id),
            scope: Set(scope.to_string()),
            create_time: Set(now),
            expire_time: Set(now + REFRESH_TTL_MS),
            spent_time: Set(0),
        }
        .insert(db)
        .await
        .map_err(db_err)?;
        Ok(TokenPair {
            access_token: access,
            access_expire_time: now + ACCESS_TTL_MS,
            refresh_token: refresh,
            refresh_expire_time: now + REFRESH_TTL_MS,
            scope: scope.to_string(),
        })
    }

    fn app_scope(app: &oauth_app::Model) -> String {
        let scopes: Vec<String> = serde_json::from_str(&app.scopes).unwrap_or_default();
        scopes.join(" ")
    }

    /// `grant_type=client_credentials` with `customer_key`: a token for the user whose API key
    /// that is, through `app`; the user must be a member of the app's team.
    pub async fn token_for_customer_key(
        &self,
        app: &oauth_app::Model,
        customer_key: &str,
    ) -> Result<TokenPair, Refusal> {
        let who = self
            .authenticate(CredentialKind::ApiKey, customer_key)
            .await?
            .filter(|p| p.team_id == app.team_id)
            .ok_or_else(|| {
                Refusal::InvalidGrant("customer_key is no API key of the app's team".into())
            })?;
        let txn = self.db.begin().await.map_err(db_err)?;
        let pair = self
            .grant(
                &txn,
                app,
                who.user_id,
                self.next_id(),
                &Self::app_scope(app),
            )
            .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(pair)
    }

    /// `GET /v1.0/vendor/oauth/token-info/byold`: the caller's API key exchanged for a token
    /// pair through the app whose vendor key the request carries.
    pub async fn token_for_old_key(
        &self,
        who: &Principal,
        vendor_key: Option<&str>,
    ) -> Result<TokenPair, Error> {
        let refused = || {
            Error::new(
                ErrorKind::Forbidden,
                codes::VENDOR_HAS_NO_PERMISSION,
                "VENDOR_HAS_NO_PERMISSION: the request carries no vendorKey of an app of the team",
            )
        };
        if who.kind != CredentialKind::ApiKey {
            return Err(Error::invalid(
                "token-info/byold exchanges an API key (Authorization: token <key>)",
            ));
        }
        let key = vendor_key.filter(|k| !k.is_empty()).ok_or_else(refused)?;
        let app = oauth_app::Entity::find()
            .filter(oauth_app::Column::TeamId.eq(who.team_id))
            .filter(oauth_app::Column::VendorKeyHash.eq(hash_secret(key)))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or_else(refused)?;
        let txn = self.db.begin().await.map_err(db_err)?;
        let pair = self
            .grant(
                &txn,
                &app,
                who.user_id,
                self.next_id(),
                &Self::app_scope(&app),
            )
            .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(pair)
    }

    /// `grant_type=refresh_token`: spends the refresh token and gives a new pair of the same
    /// family. A spent one presented again revokes the family; another client's is refused.
    pub async fn refresh_token(
        &self,
        app: &oauth_app::Model,
        refresh_token: &str,
    ) -> Result<TokenPair, Refusal> {
        let now = self.now();
        let hash = hash_secret(refresh_token);
        let invalid = || Refusal::InvalidGrant("the refresh token is not valid".into());
        let Some(rt) = oauth_refresh_token::Entity::find_by_id(hash.clone())
            .one(&self.db)
            .await
            .map_err(db_err)?
        else {
            return Err(invalid());
        };
        if rt.app_id != app.id || rt.team_id != app.team_id {
            return Err(invalid());
        }
        if rt.spent_time > 0 {
            // used twice: someone else holds a copy; the grant ends for everyone
            self.revoke_family(rt.team_id, rt.family_id).await?;
            return Err(Refusal::GrantRevoked);
        }
        if rt.expire_time <= now {
            return Err(invalid());
        }
        let spend = oauth_refresh_token::Entity::update_many()
            .col_expr(
                oauth_refresh_token::Column::SpentTime,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(oauth_refresh_token::Column::TokenHash.eq(hash))
            .filter(oauth_refresh_token::Column::SpentTime.eq(0));
        self.exchange_once(app, spend, rt.user_id, rt.family_id, &rt.scope)
            .await
    }

    /// Exchanges a single-use grant (a refresh token, an authorization code) for a new pair of
    /// its family, for a member still active: `spend` marks it used only if it was not yet, so
    /// of two exchanges at once one wins, and the other revokes the family (the grant leaked).
    async fn exchange_once<E: EntityTrait>(
        &self,
        app: &oauth_app::Model,
        spend: sea_orm::UpdateMany<E>,
        user_id: i64,
        family_id: i64,
        scope: &str,
    ) -> Result<TokenPair, Refusal> {
        let live = user::Entity::find_by_id((app.team_id, user_id))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .is_some_and(|u| u.status == 1);
        if !live {
            return Err(Refusal::InvalidGrant(
                "the member the grant is for is no longer active".into(),
            ));
        }
        let txn = self.db.begin().await.map_err(db_err)?;
        let spent = spend.exec(&txn).await.map_err(db_err)?;
        if spent.rows_affected != 1 {
            drop(txn);
            self.revoke_family(app.team_id, family_id).await?;
            return Err(Refusal::GrantRevoked);
        }
        let pair = self.grant(&txn, app, user_id, family_id, scope).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(pair)
    }

    /// The app a client id names (for the authorization endpoint, which has no secret).
    pub async fn oauth_app(&self, client_id: &str) -> Result<Option<oauth_app::Model>, Error> {
        oauth_app::Entity::find()
            .filter(oauth_app::Column::ClientId.eq(client_id))
            .one(&self.db)
            .await
            .map_err(db_err)
    }

    /// An authorization code (RFC 6749 4.1.2) for `user_id` through `app`, after the member
    /// approved: single use, for [`CODE_TTL_MS`], bound to the redirect URI the request gave
    /// ("" for none) and to its PKCE S256 challenge.
    pub async fn authorization_code(
        &self,
        app: &oauth_app::Model,
        user_id: i64,
        redirect_uri: &str,
        scope: &str,
        challenge: &str,
    ) -> Result<String, Error> {
        let code = new_secret("oh_ac_");
        let now = self.now();
        oauth_code::ActiveModel {
            code_hash: Set(hash_secret(&code)),
            team_id: Set(app.team_id),
            app_id: Set(app.id),
            user_id: Set(user_id),
            redirect_uri: Set(redirect_uri.to_string()),
            scope: Set(scope.to_string()),
            challenge: Set(challenge.to_string()),
            family_id: Set(self.next_id()),
            create_time: Set(now),
            expire_time: Set(now + CODE_TTL_MS),
            used_time: Set(0),
        }
        .insert(&self.db)
        .await
        .map_err(db_err)?;
        Ok(code)
    }

    /// `grant_type=authorization_code`: exchanges a code `app` was given for a token pair, once.
    /// The redirect URI must be the authorization request's and the verifier must hash to its
    /// challenge; a code presented again revokes what its first exchange gave (RFC 6749 4.1.2).
    pub async fn exchange_code(
        &self,
        app: &oauth_app::Model,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<TokenPair, Refusal> {
        let now = self.now();
        let hash = hash_secret(code);
        let invalid = |why: &str| Refusal::InvalidGrant(why.to_string());
        let Some(c) = oauth_code::Entity::find_by_id(hash.clone())
            .one(&self.db)
            .await
            .map_err(db_err)?
        else {
            return Err(invalid("the authorization code is not valid"));
        };
        if c.app_id != app.id || c.team_id != app.team_id {
            return Err(invalid("the authorization code is not valid"));
        }
        if c.used_time > 0 {
            self.revoke_family(c.team_id, c.family_id).await?;
            return Err(Refusal::GrantRevoked);
        }
        if c.expire_time <= now {
            return Err(invalid("the authorization code has expired"));
        }
        if c.redirect_uri != redirect_uri {
            return Err(invalid(
                "redirect_uri is not the one of the authorization request",
            ));
        }
        if !openhouse_domain::auth::pkce_s256_matches(verifier, &c.challenge) {
            return Err(invalid("code_verifier does not match the code_challenge"));
        }
        let spend = oauth_code::Entity::update_many()
            .col_expr(
                oauth_code::Column::UsedTime,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(oauth_code::Column::CodeHash.eq(hash))
            .filter(oauth_code::Column::UsedTime.eq(0));
        self.exchange_once(app, spend, c.user_id, c.family_id, &c.scope)
            .await
    }

    /// Revokes a grant: its refresh tokens and its access tokens.
    async fn revoke_family(&self, team_id: i64, family_id: i64) -> Result<(), Error> {
        let txn = self.db.begin().await.map_err(db_err)?;
        oauth_refresh_token::Entity::delete_many()
            .filter(oauth_refresh_token::Column::TeamId.eq(team_id))
            .filter(oauth_refresh_token::Column::FamilyId.eq(family_id))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        credential::Entity::delete_many()
            .filter(credential::Column::TeamId.eq(team_id))
            .filter(credential::Column::FamilyId.eq(family_id))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        txn.commit().await.map_err(db_err)
    }

    /// `POST /oauth/revoke` (RFC 7009): revokes a token `app` was given — a refresh token with
    /// its whole grant, an access token alone. Another client's token, or an unknown one,
    /// changes nothing (and is answered the same way).
    pub async fn revoke_oauth_token(
        &self,
        app: &oauth_app::Model,
        token: &str,
    ) -> Result<(), Error> {
        let hash = hash_secret(token);
        if let Some(rt) = oauth_refresh_token::Entity::find_by_id(hash.clone())
            .one(&self.db)
            .await
            .map_err(db_err)?
        {
            if rt.app_id == app.id && rt.team_id == app.team_id {
                self.revoke_family(rt.team_id, rt.family_id).await?;
            }
            return Ok(());
        }
        credential::Entity::delete_many()
            .filter(credential::Column::TokenHash.eq(hash))
            .filter(credential::Column::TeamId.eq(app.team_id))
            .filter(credential::Column::AppId.eq(app.id))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
