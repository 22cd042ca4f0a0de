//! Realistic, reproducible lead data: names, emails, a phone, 1-3 tags out of 50, one of 8
//! stages and one of 10 sources. The same index always yields the same lead.

use openhouse_api::{LeadProfile, LeadRequest};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, index};
use rand::{Rng, SeedableRng};

#[rustfmt::skip]
const FIRST: &[&str] = &[
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "William",
    "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Karen", "Daniel", "Lisa",
    "Matthew", "Nancy", "Anthony", "Sandra", "Mark", "Ashley", "Wei", "Emily", "Andrew", "Priya", "Joshua", "Olivia",
    "Kevin", "Amanda", "Brian", "Sofia", "Luis", "Hannah",
];
#[rustfmt::skip]
const LAST: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
    "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
    "Allen", "King", "Wright", "Scott", "Nguyen", "Chen", "Patel", "Kim",
];
#[rustfmt::skip]
const DOMAINS: &[&str] = &["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "example.com"];
#[rustfmt::skip]
pub const TAGS: &[&str] = &[
    "buyer", "seller", "investor", "renter", "first-time-buyer", "luxury", "condo", "townhouse", "single-family",
    "multi-family", "land", "relocation", "downsizing", "upsizing", "pre-approved", "cash-buyer", "fha", "va-loan",
    "hot", "warm", "cold", "nurture", "open-house", "zillow", "realtor-com", "facebook-ad", "google-ad", "referral",
    "past-client", "sphere", "expired", "fsbo", "probate", "divorce", "vacation-home", "55-plus", "new-construction",
    "short-sale", "foreclosure", "waterfront", "golf", "school-district", "pool", "acreage", "horse-property",
    "commercial", "1031-exchange", "spanish-speaking", "vip", "do-not-rush",
];
#[rustfmt::skip]
pub const STAGES: &[&str] =
    &["New", "Attempted", "Contacted", "Nurture", "Appointment Set", "Active", "Under Contract", "Closed"];
#[rustfmt::skip]
const SOURCES: &[&str] = &[
    "Zillow", "Realtor.com", "Facebook", "Google", "Open House", "Referral", "Website", "Sign Call", "Past Client",
    "Sphere",
];
#[rustfmt::skip]
const CITIES: &[(&str, &str, &str)] = &[
    ("Austin", "TX", "78701"),
    ("Denver", "CO", "80202"),
    ("Phoenix", "AZ", "85004"),
    ("Seattle", "WA", "98101"),
    ("Tampa", "FL", "33602"),
    ("Raleigh", "NC", "27601"),
    ("Columbus", "OH", "43215"),
    ("San Diego", "CA", "92101"),
];

/// The lead number `i` of a seed drawn from `seed`.
pub fn lead(seed: u64, i: u64) -> LeadRequest {
    let mut rng = StdRng::seed_from_u64(seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let first = *FIRST.choose(&mut rng).unwrap();
    let last = *LAST.choose(&mut rng).unwrap();
    let emails = (0..rng.random_range(1..=2))
        .map(|k| {
            let domain = DOMAINS.choose(&mut rng).unwrap();
            format!(
                "{}.{}{}{}@{}",
                first.to_lowercase(),
                last.to_lowercase(),
                i,
                ["", ".alt"][k],
                domain
            )
        })
        .collect();
    let phone = format!(
        "({}) {:03}-{:04}",
        rng.random_range(201..990),
        rng.random_range(200..1000),
        rng.random_range(0..10000)
    );
    let n_tags = rng.random_range(1..=3);
    let tags = index::sample(&mut rng, TAGS.len(), n_tags)
        .into_iter()
        .map(|t| TAGS[t].to_string())
        .collect();
    let (city, state, zip) = *CITIES.choose(&mut rng).unwrap();
    LeadRequest {
        first_name: first.to_string(),
        last_name: Some(last.to_string()),
        emails: Some(emails),
        phones: Some(vec![phone]),
        tags: Some(tags),
        stage: Some(STAGES.choose(&mut rng).unwrap().to_string()),
        source: Some(SOURCES.choose(&mut rng).unwrap().to_string()),
        profile: LeadProfile {
            city: Some(city.to_string()),
            state: Some(state.to_string()),
            zip_code: Some(zip.to_string()),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The query string of a selective search: one tag and one stage, a page of 25.
pub fn search(seed: u64, i: u64) -> String {
    let mut rng = StdRng::seed_from_u64(seed ^ !i);
    let tag = TAGS.choose(&mut rng).unwrap();
    let stage = STAGES.choose(&mut rng).unwrap();
    format!("?anyTags={}&stage={}&limit=25", encode(tag), encode(stage))
}

/// Percent-encodes a query parameter value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leads_are_reproducible_and_varied() {
        let a = lead(7, 42);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&lead(7, 42)).unwrap()
        );
        let tags = a.tags.unwrap();
        assert!((1..=3).contains(&tags.len()));
        assert!(a.emails.unwrap().len() <= 2);
        assert_eq!(search(1, 2), search(1, 2));
        assert_eq!(encode("Under Contract"), "Under%20Contract");
    }
}
