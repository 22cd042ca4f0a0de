//! Sending an email or a text to a lead (`POST /v1.0/message/email/send`,
//! `POST /v1.0/message/sms/send`), from Lofty's published document: handed to the server's
//! SMTP server or SMS gateway ([`transport`]) and recorded in the lead's communication history
//! as a sent email or text (not a manual log), journaled like every communication, so webhooks
//! see it.
//!
//! Send first, record after: the history must never show a message that was not sent, so a
//! message is recorded only once its transport took it. A transport that fails leaves nothing
//! behind. The other way round, a message that was sent but then cannot be recorded (the
//! database refuses the write, the lead went to the trash in between) is answered with that
//! error and logged as a warning: the lead got it, the history misses it, which is the lesser
//! fault (a record written first and taken back on failure could be seen, and sent to
//! webhooks, in between).

pub mod transport;

use axum::Json;
use axum::extract::State;
use lettre::Address;
use lettre::message::Mailbox;
use openhouse_api::{Direction, EmailSendRequest, EmailSendResponse, SmsRequest, SmsResponse};
use openhouse_domain::Error;
use openhouse_domain::auth::Principal;
use openhouse_domain::lead::phone_key;
use openhouse_store::comms::{Communication, EMAIL, NewCommunication, TEXT};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, Caller};
use crate::openapi::Errors;
pub use transport::{Messaging, MessagingConfig};
use transport::{OutgoingEmail, OutgoingSms};

/// The longest email body, as the history keeps it.
pub const EMAIL_CONTENT_MAX: usize = openhouse_store::comms::CONTENT_MAX;
/// The longest email subject.
pub const SUBJECT_MAX: usize = 1000;
/// The longest text (ten concatenated SMS segments, the common provider limit).
pub const SMS_CONTENT_MAX: usize = 1600;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(send_email))
        .routes(routes!(send_sms))
}

/// The text of a message: required, trimmed, at most `max` characters.
fn content(field: &str, s: &str, max: usize) -> Result<String, Error> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::invalid(format!("{field} is required")));
    }
    if t.chars().count() > max {
        return Err(Error::too_long(field, max));
    }
    Ok(t.to_string())
}

fn check_lead_id(id: i64) -> Result<(), Error> {
    if id <= 0 {
        return Err(Error::invalid("leadId is required"));
    }
    Ok(())
}

/// Records a message its transport took (see the module's documentation for the order).
async fn record_sent(
    state: &AppState,
    who: &Principal,
    new: NewCommunication,
) -> Result<Communication, Error> {
    let lead_id = new.lead_id;
    let channel = new.channel;
    state
        .store
        .record_communication(who, new)
        .await
        .inspect_err(|e| {
            tracing::warn!(lead_id, channel, code = e.code, error = %e.message,
                "a message was sent but could not be recorded in the lead's history");
        })
}

/// Send Email
///
/// From Lofty's published document. Sends an email to a lead the caller can see (another
/// team's or an invisible lead: 404 LEAD_NOT_EXIST) through the server's SMTP server
/// (`--smtp-url`; without it: 400). `leadId`, `subject` (one line, at most 1000 characters) and
/// `content` (plain text, at most 5000) are required. `toEmail` picks one of the lead's emails
/// (any case); otherwise the lead's primary email is used, and a lead without one is a 400.
/// The email is from the caller's sending address (else login email), or from `--smtp-from`
/// with the caller as `Reply-To`. Once the SMTP server has accepted it, it is in the lead's
/// email history (`GET /v1.0/communication/email`) as a sent email, and touches the lead like
/// any communication; `messageId` is its id there. A mail server that refuses it for good: 400;
/// one that cannot be reached or refuses for now: 503 (50309, `Retry-After`); either way
/// nothing is recorded.
#[utoipa::path(
    post,
    path = "/v1.0/message/email/send",
    tag = "Messaging (published)",
    request_body = EmailSendRequest,
    responses(
        (status = 200, description = "The email was accepted by the SMTP server and recorded", body = EmailSendResponse),
        (status = 503, description = "The SMTP server could not take it (50309 MESSAGING_UNAVAILABLE); nothing was sent or recorded", body = openhouse_api::ErrorBody),
        Errors
    )
)]
pub async fn send_email(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(r): ApiJson<EmailSendRequest>,
) -> ApiResult<Json<EmailSendResponse>> {
    check_lead_id(r.lead_id)?;
    let subject = content("subject", &r.subject, SUBJECT_MAX)?;
    if subject.chars().any(char::is_control) {
        return Err(Error::invalid("subject must be one line").into());
    }
    let body = content("content", &r.content, EMAIL_CONTENT_MAX)?;
    state.messaging.check_email()?;
    let lead = state.store.get_lead(&who, r.lead_id, false).await?;
    let emails = &lead.doc.emails;
    let wanted = r.to_email.as_deref().map(str::trim).unwrap_or("");
    let to = emails
        .iter()
        .find(|e| !wanted.is_empty() && e.eq_ignore_ascii_case(wanted))
        .or_else(|| emails.first())
        .ok_or_else(|| Error::invalid("the lead has no email address"))?
        .clone();
    let to_address: Address = to
        .parse()
        .map_err(|_| Error::invalid(format!("the lead's email {to} cannot be written to")))?;
    let me = state.store.member(&who, who.user_id).await?;
    let sender = me
        .doc
        .sending_email_address
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(&me.user.email)
        .to_string();
    let sender: Address = sender.parse().map_err(|_| {
        Error::invalid(format!(
            "the caller's sending address {sender} is not an email address"
        ))
    })?;
    let name = match me.user.last_name.as_deref().filter(|l| !l.is_empty()) {
        Some(l) => format!("{} {l}", me.user.first_name),
        None => me.user.first_name.clone(),
    };
    let from = state
        .messaging
        .send_email(OutgoingEmail {
            agent: Mailbox::new(Some(name).filter(|n| !n.trim().is_empty()), sender),
            to: Mailbox::new(None, to_address),
            subject: subject.clone(),
            body: body.clone(),
        })
        .await?;
    let c = record_sent(
        &state,
        &who,
        NewCommunication {
            lead_id: r.lead_id,
            channel: EMAIL,
            manual: false,
            direction: Direction::Outbound,
            content: body,
            outcome: None,
            lead_phone: None,
            email_subject: Some(subject.clone()),
            from_email: Some(from),
            to_email: Some(to.clone()),
            pinned: false,
            recording_url: None,
        },
    )
    .await?;
    Ok(Json(EmailSendResponse {
        message_id: c.id.to_string(),
        to_email: to,
        subject,
    }))
}

/// Send SMS
///
/// From Lofty's published document. Sends a text to a lead the caller can see (another team's
/// or an invisible lead: 404 LEAD_NOT_EXIST) through the server's SMS gateway
/// (`--sms-gateway-url`; without it: 400). `leadId` and `content` (at most 1600 characters) are
/// required. `phoneNumber` picks one of the lead's phones (matched on its digits, a leading
/// North American 1 ignored); otherwise the lead's primary phone is used, and a lead without
/// one is a 400. The gateway is sent `{"to", "from", "body"}`: `to` is the lead's phone, with
/// `+<phoneCode>` in front when `phoneCode` is given and the phone does not start with `+`.
/// Once the gateway has answered 2xx, the text is in the lead's text history
/// (`GET /v1.0/communication/text`) as a sent text, and touches the lead; `messageId` is its
/// id there. A gateway that refuses it (4xx): 400; one that cannot be reached or fails: 503
/// (50309, `Retry-After`); either way nothing is recorded.
#[utoipa::path(
    post,
    path = "/v1.0/message/sms/send",
    tag = "Messaging (published)",
    request_body = SmsRequest,
    responses(
        (status = 200, description = "The text was taken by the gateway and recorded", body = SmsResponse),
        (status = 503, description = "The SMS gateway could not take it (50309 MESSAGING_UNAVAILABLE); nothing was sent or recorded", body = openhouse_api::ErrorBody),
        Errors
    )
)]
pub async fn send_sms(
    State(state): State<AppState>,
    Caller(who): Caller,
    ApiJson(r): ApiJson<SmsRequest>,
) -> ApiResult<Json<SmsResponse>> {
    check_lead_id(r.lead_id)?;
    let body = content("content", &r.content, SMS_CONTENT_MAX)?;
    let code = r
        .phone_code
        .as_deref()
        .map(|c| c.trim().trim_start_matches('+'))
        .unwrap_or("")
        .to_string();
    if !code.chars().all(|c| c.is_ascii_digit()) || code.len() > 4 {
        return Err(Error::invalid("phoneCode is a country calling code of 1 to 4 digits").into());
    }
    state.messaging.check_sms()?;
    let lead = state.store.get_lead(&who, r.lead_id, false).await?;
    let phones = &lead.doc.phones;
    let wanted = r.phone_number.as_deref().map(phone_key).unwrap_or_default();
    let phone = phones
        .iter()
        .find(|p| !wanted.is_empty() && phone_key(p) == wanted)
        .or_else(|| phones.first())
        .ok_or_else(|| Error::invalid("the lead has no phone number"))?
        .clone();
    let to = if code.is_empty() || phone.trim_start().starts_with('+') {
        phone.clone()
    } else {
        format!("+{code}{}", phone.trim())
    };
    state
        .messaging
        .send_sms(OutgoingSms {
            to,
            body: body.clone(),
        })
        .await?;
    let c = record_sent(
        &state,
        &who,
        NewCommunication {
            lead_id: r.lead_id,
            channel: TEXT,
            manual: false,
            direction: Direction::Outbound,
            content: body,
            outcome: None,
            lead_phone: Some(phone.clone()),
            email_subject: None,
            from_email: None,
            to_email: None,
            pinned: false,
            recording_url: None,
        },
    )
    .await?;
    Ok(Json(SmsResponse {
        message_id: c.id.to_string(),
        phone_number: phone,
        phone_code: code,
    }))
}
