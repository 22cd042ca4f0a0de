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
    /// The scopes of the app the credential was issued to; `None` for a credential of no app
    /// (it may call every operation its user may).
    pub scopes: Option<Vec<String>>,
}

/// The scope name of an OpenAPI tag: lower case, runs of other characters as one `-`, and
/// openhouse's own operations under the scope of their family (`Tasks & Appointments` →
/// `tasks-appointments`, `LeadRouting (openhouse)` → `leadrouting`).
pub fn scope_of_tag(tag: &str) -> String {
    // "(openhouse)" marks openhouse's own operations, "(published)" those of Lofty's later
    // published document: both share the scope of the family they extend
    let tag = tag
        .trim()
        .trim_end_matches("(openhouse)")
        .trim_end_matches("(published)");
    tag.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod scope_tests {
    use super::*;

    #[test]
    fn scopes_by_tag_and_reads() {
        assert_eq!(scope_of_tag("Tasks & Appointments"), "tasks-appointments");
        assert_eq!(scope_of_tag("LeadRouting (openhouse)"), "leadrouting");
        assert_eq!(scope_of_tag("Calls (published)"), "calls");
        assert_eq!(scope_of_tag("Messaging (published)"), "messaging");
        let s = vec!["leads:read".to_string(), "notes".to_string()];
        assert!(scopes_allow(&s, "Leads", true));
        assert!(!scopes_allow(&s, "Leads", false));
        assert!(scopes_allow(&s, "Notes", false));
        assert!(!scopes_allow(&s, "Tasks & Appointments", true));
        assert!(scopes_allow(
            &["*".to_string()],
            "Webhooks (openhouse)",
            false
        ));
        assert!(!scopes_allow(&[], "Leads", true));
    }
}

/// Whether an app with `scopes` may call an operation of `tag`: `*` allows everything, a tag's
/// scope (`leads`) every operation of it, `leads:read` only its reads (GET).
pub fn scopes_allow(scopes: &[String], tag: &str, read: bool) -> bool {
    let name = scope_of_tag(tag);
    scopes
        .iter()
        .any(|s| s == "*" || *s == name || (read && s.strip_suffix(":read") == Some(name.as_str())))
}

/// Whether `s` is a PKCE code verifier (RFC 7636 4.1): 43 to 128 unreserved characters.
pub fn pkce_verifier_ok(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// The S256 challenge of a verifier: BASE64URL(SHA256(verifier)) without padding.
pub fn pkce_s256(verifier: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// Whether `s` can be an S256 challenge: 43 base64url characters (a SHA-256, unpadded).
pub fn pkce_challenge_ok(s: &str) -> bool {
    s.len() == 43
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `verifier` is a verifier whose S256 challenge is `challenge` (RFC 7636 4.6).
pub fn pkce_s256_matches(verifier: &str, challenge: &str) -> bool {
    pkce_verifier_ok(verifier) && pkce_s256(verifier) == challenge
}

#[cfg(test)]
mod pkce_tests {
    use super::*;

    #[test]
    fn rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(pkce_verifier_ok(verifier));
        assert_eq!(
            pkce_s256(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(pkce_s256_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_s256_matches("short", &pkce_s256("short")));
        assert!(pkce_challenge_ok(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_challenge_ok(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSstw-c="
        ));
    }
}
