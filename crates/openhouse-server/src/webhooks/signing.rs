//! Webhook signatures as the Standard Webhooks specification defines them
//! (<https://www.standardwebhooks.com/>, the scheme Svix uses).
//!
//! Why this scheme rather than one of our own: receivers can check our deliveries with an
//! off-the-shelf library in their language, and the signed content binds the message id and
//! the time of sending to the body, so a captured delivery can be neither altered nor replayed
//! later (receivers reject timestamps more than a few minutes off).
//!
//! A secret is `whsec_` followed by the standard base64 of the key. The signature is
//! `v1,` followed by the standard base64 of HMAC-SHA256 over `{msg_id}.{timestamp}.{body}`,
//! and travels in the `webhook-signature` header next to `webhook-id` and
//! `webhook-timestamp`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::Rng;
use ring::hmac;

/// What every secret begins with, so that it is recognisable wherever it is pasted.
const SECRET_PREFIX: &str = "whsec_";

/// Bytes of key in a secret made by [`new_secret`] (the specification asks for 24 to 64).
const KEY_LEN: usize = 32;

/// A secret that does not hold a key: not base64 after `whsec_`, or empty.
///
/// Secrets made by [`new_secret`] never fail; this exists so that a stored secret damaged
/// by hand is reported rather than crashing a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningError;

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("webhook secret is not whsec_ followed by a base64 key")
    }
}

impl std::error::Error for SigningError {}

/// A new random secret: `whsec_` and the standard base64 of 32 random bytes.
pub fn new_secret() -> String {
    let mut key = [0u8; KEY_LEN];
    rand::rng().fill(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The `webhook-signature` value for one delivery: `v1,<base64 HMAC-SHA256>` over
/// `{msg_id}.{timestamp_secs}.{body}`, keyed with the decoded part of `secret`.
///
/// Like the reference libraries, a secret without the `whsec_` prefix is taken as bare base64.
pub fn sign(
    secret: &str,
    msg_id: &str,
    timestamp_secs: i64,
    body: &[u8],
) -> Result<String, SigningError> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    let key = STANDARD.decode(encoded).map_err(|_| SigningError)?;
    if key.is_empty() {
        return Err(SigningError);
    }
    let mut ctx = hmac::Context::with_key(&hmac::Key::new(hmac::HMAC_SHA256, &key));
    ctx.update(msg_id.as_bytes());
    ctx.update(b".");
    ctx.update(timestamp_secs.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    Ok(format!("v1,{}", STANDARD.encode(ctx.sign())))
}

/// The three headers of a signed delivery: `webhook-id`, `webhook-timestamp` and
/// `webhook-signature`, in that order.
pub fn headers(
    secret: &str,
    msg_id: &str,
    timestamp_secs: i64,
    body: &[u8],
) -> Result<[(&'static str, String); 3], SigningError> {
    let signature = sign(secret, msg_id, timestamp_secs, body)?;
    Ok([
        ("webhook-id", msg_id.to_owned()),
        ("webhook-timestamp", timestamp_secs.to_string()),
        ("webhook-signature", signature),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderName, HeaderValue};
    use standardwebhooks::Webhook;

    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TS: i64 = 1614265330;
    const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap()
    }

    fn header_map(headers: &[(&'static str, String)]) -> HeaderMap {
        headers
            .iter()
            .map(|(name, value)| {
                (
                    HeaderName::from_static(name),
                    HeaderValue::from_str(value).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn spec_test_vector() {
        assert_eq!(
            sign(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY).unwrap(),
            SPEC_SIGNATURE
        );
        // The vector as the Standard Webhooks' own library computes it, so that a typo in
        // the constant above cannot make both sides agree on a wrong value.
        let reference = Webhook::new(SPEC_SECRET)
            .unwrap()
            .sign(SPEC_ID, SPEC_TS, SPEC_BODY)
            .unwrap();
        assert_eq!(reference, SPEC_SIGNATURE);
    }

    #[test]
    fn independent_verifier_accepts_our_signatures() {
        let secret = new_secret();
        let body = br#"{"eventType":"lead.created","data":{"id":42}}"#;
        let ts = now();
        let headers = headers(&secret, "msg_1", ts, body).unwrap();
        assert_eq!(headers[0], ("webhook-id", "msg_1".to_owned()));
        assert_eq!(headers[1], ("webhook-timestamp", ts.to_string()));
        let verifier = Webhook::new(&secret).unwrap();
        verifier.verify(body, &header_map(&headers)).unwrap();
        // The library's verify compares only as many characters as the shorter signature
        // has, so also require the exact signature it would make.
        assert_eq!(headers[2].1, verifier.sign("msg_1", ts, body).unwrap());
    }

    #[test]
    fn independent_verifier_rejects_tampering_and_wrong_secret() {
        let secret = new_secret();
        let body = br#"{"id":1}"#;
        let headers = header_map(&headers(&secret, "msg_2", now(), body).unwrap());
        let verifier = Webhook::new(&secret).unwrap();
        assert!(verifier.verify(br#"{"id":2}"#, &headers).is_err());
        let stranger = Webhook::new(&new_secret()).unwrap();
        assert!(stranger.verify(body, &headers).is_err());
        let mut other_id = headers.clone();
        other_id.insert("webhook-id", HeaderValue::from_static("msg_3"));
        assert!(verifier.verify(body, &other_id).is_err());
    }

    #[test]
    fn new_secret_round_trips() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        for secret in [&a, &b] {
            let key = STANDARD
                .decode(secret.strip_prefix("whsec_").unwrap())
                .unwrap();
            assert_eq!(key.len(), 32);
        }
    }

    #[test]
    fn damaged_secrets_are_errors_not_panics() {
        for secret in ["whsec_", "", "whsec_not base64!", "whsec_%%%%"] {
            assert_eq!(
                sign(secret, "msg", 1, b"{}"),
                Err(SigningError),
                "{secret:?}"
            );
        }
        assert!(headers("whsec_???", "msg", 1, b"{}").is_err());
    }

    #[test]
    fn prefix_is_optional() {
        let bare = SPEC_SECRET.strip_prefix("whsec_").unwrap();
        assert_eq!(
            sign(bare, SPEC_ID, SPEC_TS, SPEC_BODY).unwrap(),
            SPEC_SIGNATURE
        );
    }
}
