//! The people of a team: permission profiles (which decide a user's role), and the checks on
//! what users and offices are given.

use crate::Error;
use crate::auth::Role;

/// The permission profiles every team has. A profile is what `AccountRequest.profileId` and
/// `AccountInfo.roleName` choose; it decides the user's role and so what the user sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    CompanyAdmin,
    StandardUser,
    Assistant,
    Lender,
}

impl Profile {
    pub const ALL: [Profile; 4] = [
        Self::CompanyAdmin,
        Self::StandardUser,
        Self::Assistant,
        Self::Lender,
    ];

    pub fn id(self) -> i64 {
        match self {
            Self::CompanyAdmin => 1,
            Self::StandardUser => 2,
            Self::Assistant => 3,
            Self::Lender => 4,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Self::CompanyAdmin => "Company Admin",
            Self::StandardUser => "Standard User",
            Self::Assistant => "Assistant",
            Self::Lender => "Lender",
        }
    }
    pub fn role(self) -> Role {
        match self {
            Self::CompanyAdmin => Role::Admin,
            Self::StandardUser => Role::Agent,
            Self::Assistant => Role::Assistant,
            Self::Lender => Role::Lender,
        }
    }
    pub fn of_role(role: Role) -> Self {
        match role {
            Role::Admin => Self::CompanyAdmin,
            Role::Agent => Self::StandardUser,
            Role::Assistant => Self::Assistant,
            Role::Lender => Self::Lender,
        }
    }
    pub fn by_id(id: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.id() == id)
    }
    /// By name, ignoring case and spaces: "Company Admin", "company_admin", "Admin", "Agent".
    pub fn by_name(name: &str) -> Option<Self> {
        let key: String = name
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        Self::ALL.into_iter().find(|p| {
            let own: String = p
                .name()
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
                .to_lowercase();
            own == key || p.role().as_str() == key
        })
    }
}

/// A user's numeric role as `UserResponse.role` shows it: the profile id.
pub fn role_code(role: Role) -> i32 {
    Profile::of_role(role).id() as i32
}

/// A role's name as `UserResponse.roleName` shows it.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "Admin",
        Role::Agent => "Agent",
        Role::Assistant => "Assistant",
        Role::Lender => "Lender",
    }
}

/// An email address, trimmed: one `@` with something on each side, no spaces, at most 254
/// characters.
pub fn check_email(field: &str, email: &str) -> Result<String, Error> {
    let e = email.trim();
    let ok = e.len() <= 254
        && !e.chars().any(char::is_whitespace)
        && matches!(e.split_once('@'), Some((local, domain)) if !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
    if ok {
        Ok(e.to_string())
    } else {
        Err(Error::invalid(format!(
            "{field} '{e}' is not an email address"
        )))
    }
}

/// A required name: trimmed, not empty, at most `max` characters.
pub fn check_name(field: &str, name: &str, max: usize) -> Result<String, Error> {
    let n = name.trim();
    if n.is_empty() {
        return Err(Error::invalid(format!("{field} is required")));
    }
    if n.chars().count() > max {
        return Err(Error::too_long(field, max));
    }
    Ok(n.to_string())
}

/// An optional short text: trimmed, empty is none, at most `max` characters.
pub fn check_text(field: &str, v: Option<&str>, max: usize) -> Result<Option<String>, Error> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if s.chars().count() > max => Err(Error::too_long(field, max)),
        Some(s) => Ok(Some(s.to_string())),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_by_id_and_name() {
        for p in Profile::ALL {
            assert_eq!(Profile::by_id(p.id()), Some(p));
            assert_eq!(Profile::by_name(p.name()), Some(p));
            assert_eq!(Profile::of_role(p.role()), p);
        }
        assert_eq!(
            Profile::by_name("company_admin"),
            Some(Profile::CompanyAdmin)
        );
        assert_eq!(Profile::by_name("agent"), Some(Profile::StandardUser));
        assert_eq!(Profile::by_name("Broker of Record"), None);
        assert_eq!(Profile::by_id(9), None);
    }

    #[test]
    fn emails() {
        assert_eq!(check_email("email", " a@b.co ").unwrap(), "a@b.co");
        for bad in ["", "a", "@b", "a@", "a b@c", "a@b@c"] {
            assert!(check_email("email", bad).is_err(), "{bad}");
        }
    }
}
