//! Who is calling: the identity a credential resolves to. Every store operation takes one, and
//! every read of a lead asks it what the caller may see.

use serde::{Deserialize, Serialize};

/// A user's role in the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Agent,
    Assistant,
    Lender,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Agent => "agent",
            Self::Assistant => "assistant",
            Self::Lender => "lender",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "agent" => Some(Self::Agent),
            "assistant" => Some(Self::Assistant),
            "lender" => Some(Self::Lender),
            _ => None,
        }
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// `Authorization: token <apiKey>`
    ApiKey,
    /// `Authorization: Bearer <accessToken>`
    AccessToken,
}

impl CredentialKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApiKey => "api_key",
            Self::AccessToken => "access_token",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "api_key" => Some(Self::ApiKey),
            "access_token" => Some(Self::AccessToken),
            _ => None,
        }
    }
}

/// The caller of one request: a user in a team, through a credential, maybe on behalf of an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub team_id: i64,
    pub user_id: i64,
    pub role: Role,
    /// The office the user belongs to (0: none). OFFICE leads of this office are visible.
    pub office_id: i64,
    /// The lead ponds the user owns or works: their leads are visible.
    pub pond_ids: Vec<i64>,
    pub kind: CredentialKind,
    /// The OAuth app the credential was issued to, when it was.
    pub app_id: Option<i64>,
    /// A stable key for rate limiting: the credential's hash.
    pub credential_key: String,
    /// When the credential stops working (epoch ms; 0: never). Checked on every request, also
    /// when the credential comes from a cache.
    pub expire_time: i64,
}
