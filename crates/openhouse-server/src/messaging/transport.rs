//! The transports that take emails and texts to leads: an SMTP server (`--smtp-url`, through
//! lettre) and an HTTP SMS gateway (`--sms-gateway-url`, through reqwest). Either may be left
//! out; the operation that needs it then answers 400 naming the setting.
//!
//! The SMS gateway is sent one `POST` per text to the configured URL, with the JSON body
//! `{"to": "<phone>", "from": "<--sms-from>", "body": "<text>"}` (`from` only when set) and,
//! with `--sms-gateway-token`, `Authorization: Bearer <token>`. Any 2xx answer means the
//! gateway took the text. That shape is what a small adapter in front of any provider (Twilio,
//! Vonage, an SMPP bridge, ...) can take. The URL is also a template: `{to}`, `{from}` and
//! `{body}` in it are replaced by the text's values, URL-encoded (for gateways that take a text as
//! query parameters: `https://gw.example/send?to={to}&text={body}`).
//!
//! How a failure is answered (nothing is sent or recorded in every case):
//! - the SMTP server refuses the message for good (a 5xx reply other than an authentication
//!   one), or the gateway answers 4xx (other than 401, 403, 408, 429): 400 INVALID_PARAMETER with
//!   the server's reason, since sending the same again would fail the same way;
//! - it cannot be reached, times out, refuses for now (4xx SMTP, 5xx HTTP, 408, 429), or
//!   refuses the server's own credentials: 503 MESSAGING_UNAVAILABLE (50309) with
//!   `Retry-After`, since the fault is the server's or the transport's, not the request's.

use std::fmt;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::response::Severity;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use openhouse_domain::error::codes::MESSAGING_UNAVAILABLE;
use openhouse_domain::{Error, ErrorKind};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use url::Url;

/// How long one message may take to hand over (connect, TLS, the whole exchange).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(20);

/// The transport settings of a server (`openhouse serve --smtp-url ...`).
#[derive(Debug, Clone, Default)]
pub struct MessagingConfig {
    /// `smtp://host:port`, `smtps://user:pass@host`, `smtp://...?tls=required` (lettre's URL).
    pub smtp_url: Option<String>,
    /// The `From` of every email (`Name <address>` or an address); the sending agent is then
    /// its `Reply-To`. None: the agent's sending address (else login email) is the `From`.
    pub smtp_from: Option<String>,
    /// Where texts are POSTed (http or https).
    pub sms_gateway_url: Option<String>,
    /// Sent as `Authorization: Bearer <token>` to the gateway.
    pub sms_gateway_token: Option<String>,
    /// The sender number or name handed to the gateway as `from`.
    pub sms_from: Option<String>,
}

/// An email to send.
pub struct OutgoingEmail {
    /// The sending agent: the `From`, or the `Reply-To` under `--smtp-from`.
    pub agent: Mailbox,
    pub to: Mailbox,
    pub subject: String,
    pub body: String,
}

/// A text to send.
pub struct OutgoingSms {
    pub to: String,
    pub body: String,
}

struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Option<Mailbox>,
}

struct SmsGateway {
    client: reqwest::Client,
    /// The URL, or a template of it with `{to}`, `{from}`, `{body}`.
    url: String,
    token: Option<String>,
    from: Option<String>,
}

/// The server's transports, shared by every request (the SMTP connections are pooled).
#[derive(Default)]
pub struct Messaging {
    smtp: Option<Smtp>,
    sms: Option<SmsGateway>,
}

impl fmt::Debug for Messaging {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // never the URLs: they may carry credentials
        f.debug_struct("Messaging")
            .field("smtp", &self.smtp.is_some())
            .field("sms", &self.sms.is_some())
            .finish()
    }
}

fn set(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Messaging {
    /// The transports a configuration names; an unusable setting is an error that says which.
    pub fn new(c: &MessagingConfig) -> Result<Self, String> {
        let smtp = match set(&c.smtp_url) {
            None => None,
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("--smtp-url is not a usable SMTP URL: {e}"))?
                    .timeout(Some(SEND_TIMEOUT))
                    .build();
                let from = set(&c.smtp_from)
                    .map(|f| {
                        f.parse::<Mailbox>()
                            .map_err(|e| format!("--smtp-from is not an email address: {e}"))
                    })
                    .transpose()?;
                Some(Smtp { transport, from })
            }
        };
        let sms = match set(&c.sms_gateway_url) {
            None => None,
            Some(template) => {
                let url = Url::parse(&fill(template, "1", "1", "1"))
                    .map_err(|e| format!("--sms-gateway-url is not a URL: {e}"))?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err("--sms-gateway-url must be an http or https URL".into());
                }
                let client = reqwest::Client::builder()
                    .tls_backend_preconfigured(crate::webhooks::target::tls_config())
                    .redirect(reqwest::redirect::Policy::none())
                    .timeout(SEND_TIMEOUT)
                    .connect_timeout(Duration::from_secs(10))
                    .user_agent("openhouse-sms")
                    .build()
                    .map_err(|e| format!("cannot make the SMS gateway's HTTP client: {e}"))?;
                Some(SmsGateway {
                    client,
                    url: template.to_string(),
                    token: set(&c.sms_gateway_token).map(str::to_string),
                    from: set(&c.sms_from).map(str::to_string),
                })
            }
        };
        Ok(Self { smtp, sms })
    }

    /// 400 unless emails can be sent.
    pub fn check_email(&self) -> Result<(), Error> {
        match self.smtp {
            Some(_) => Ok(()),
            None => Err(Error::invalid(
                "email sending is not configured: start the server with --smtp-url \
                 (OPENHOUSE_SMTP_URL)",
            )),
        }
    }

    /// 400 unless texts can be sent.
    pub fn check_sms(&self) -> Result<(), Error> {
        match self.sms {
            Some(_) => Ok(()),
            None => Err(Error::invalid(
                "SMS sending is not configured: start the server with --sms-gateway-url \
                 (OPENHOUSE_SMS_GATEWAY_URL)",
            )),
        }
    }

    /// Hands an email to the SMTP server; answers the `From` address used. Done when the
    /// server accepted it (250 after DATA).
    pub async fn send_email(&self, e: OutgoingEmail) -> Result<String, Error> {
        self.check_email()?;
        let Some(smtp) = &self.smtp else {
            unreachable!("checked above")
        };
        let (from, reply_to) = match &smtp.from {
            Some(f) => (f.clone(), Some(e.agent)),
            None => (e.agent, None),
        };
        let mut b = Message::builder()
            .from(from.clone())
            .to(e.to)
            .subject(e.subject)
            .header(ContentType::TEXT_PLAIN);
        if let Some(r) = reply_to {
            b = b.reply_to(r);
        }
        let message = b
            .body(e.body)
            .map_err(|err| Error::invalid(format!("the email cannot be written: {err}")))?;
        match smtp.transport.send(message).await {
            Ok(_) => Ok(from.email.to_string()),
            Err(err) => Err(smtp_failure(&err)),
        }
    }

    /// Hands a text to the SMS gateway (its URL filled in: [`fill`]). Done when it answered 2xx.
    pub async fn send_sms(&self, s: OutgoingSms) -> Result<(), Error> {
        self.check_sms()?;
        let Some(g) = &self.sms else {
            unreachable!("checked above")
        };
        let mut body = serde_json::json!({"to": s.to, "body": s.body});
        if let Some(from) = &g.from {
            body["from"] = from.clone().into();
        }
        let url = fill(&g.url, &s.to, g.from.as_deref().unwrap_or(""), &s.body);
        let mut req = g
            .client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
        if let Some(t) = &g.token {
            req = req.header(AUTHORIZATION, format!("Bearer {t}"));
        }
        let resp = req.send().await.map_err(|err| {
            let why = if err.is_timeout() {
                "did not answer in time".to_string()
            } else if err.is_connect() {
                "cannot be reached".to_string()
            } else {
                format!("failed: {}", root_cause(&err))
            };
            unavailable(format!("the SMS gateway {why}; the text was not sent"))
        })?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let text = resp.text().await.unwrap_or_default();
        let said = excerpt(&text);
        let code = status.as_u16();
        if status.is_client_error() && !matches!(code, 401 | 403 | 408 | 429) {
            Err(Error::invalid(format!(
                "the SMS gateway refused the text (HTTP {code}{said}); it was not sent"
            )))
        } else {
            Err(unavailable(format!(
                "the SMS gateway answered HTTP {code}{said}; the text was not sent"
            )))
        }
    }
}

fn unavailable(message: String) -> Error {
    Error::new(ErrorKind::Unavailable, MESSAGING_UNAVAILABLE, message)
}

/// The first 200 characters of what a transport said, on one line, after ": ".
fn excerpt(text: &str) -> String {
    let one_line: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect();
    if one_line.is_empty() {
        String::new()
    } else {
        format!(": {one_line}")
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// How an SMTP failure is answered (see the module's documentation).
fn smtp_failure(e: &lettre::transport::smtp::Error) -> Error {
    let said = excerpt(&e.to_string());
    if let Some(code) = e.status()
        && e.is_permanent()
        && code.severity == Severity::PermanentNegativeCompletion
    {
        let text = code.to_string();
        // 530 authentication required, 534/535/538: the server's own credentials are at fault
        if !matches!(text.as_str(), "530" | "534" | "535" | "538") {
            return Error::invalid(format!(
                "the mail server refused the email ({text}{said}); it was not sent"
            ));
        }
    }
    let why = if e.is_timeout() {
        "did not answer in time".to_string()
    } else if e.is_transient() {
        format!("refused the email for now{said}")
    } else {
        format!("could not take the email{said}")
    };
    unavailable(format!("the mail server {why}; it was not sent"))
}

/// The gateway URL `template` with `{to}`, `{from}` and `{body}` replaced by the values,
/// URL-encoded (a URL without them is itself).
pub(crate) fn fill(template: &str, to: &str, from: &str, body: &str) -> String {
    let enc = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    template
        .replace("{to}", &enc(to))
        .replace("{from}", &enc(from))
        .replace("{body}", &enc(body))
}

#[cfg(test)]
mod template_tests {
    #[test]
    fn a_gateway_url_is_a_template() {
        assert_eq!(
            super::fill(
                "http://gw/send?to={to}&m={body}&f={from}",
                "+1 555",
                "me",
                "Hi & bye"
            ),
            "http://gw/send?to=%2B1+555&m=Hi+%26+bye&f=me"
        );
        assert_eq!(
            super::fill("http://gw/send", "1", "2", "3"),
            "http://gw/send"
        );
    }
}
