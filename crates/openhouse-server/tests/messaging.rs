//! The operations of Lofty's published document that are not in the contract: sending emails
//! (through a local SMTP sink) and texts (through a local HTTP gateway) to leads, a call's
//! recording URL, the team's lead pipeline, and tags of agents.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};

use axum::http::HeaderMap;
use common::*;
use openhouse_domain::auth::CredentialKind;
use openhouse_server::Settings;
use openhouse_server::messaging::{Messaging, MessagingConfig};
use serde_json::{Value, json};

fn settings(c: MessagingConfig) -> Settings {
    Settings {
        messaging: Arc::new(Messaging::new(&c).expect("usable messaging settings")),
        ..roomy()
    }
}

fn smtp(url: String, from: Option<&str>) -> Settings {
    settings(MessagingConfig {
        smtp_url: Some(url),
        smtp_from: from.map(str::to_string),
        ..Default::default()
    })
}

/// A text the gateway received: its headers and JSON body.
struct Gateway {
    url: String,
    status: Arc<AtomicU16>,
    rx: tokio::sync::mpsc::UnboundedReceiver<(HeaderMap, Value)>,
}

impl Gateway {
    /// An HTTP SMS gateway on 127.0.0.1 that answers `status` (200 at first) to every POST.
    async fn start() -> Self {
        let status = Arc::new(AtomicU16::new(200));
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let answer = status.clone();
        let app = axum::Router::new().route(
            "/send",
            axum::routing::post(
                move |mut headers: HeaderMap,
                      query: axum::extract::RawQuery,
                      body: axum::body::Bytes| {
                    let tx = tx.clone();
                    let answer = answer.clone();
                    async move {
                        // the query the text came with, kept beside its headers
                        if let Some(q) = query.0.and_then(|q| q.parse().ok()) {
                            headers.insert("x-gateway-query", q);
                        }
                        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        let code = answer.load(Ordering::SeqCst);
                        if code == 200 {
                            let _ = tx.send((headers, v));
                        }
                        (
                            axum::http::StatusCode::from_u16(code).unwrap(),
                            "gateway says so",
                        )
                    }
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            url: format!("http://127.0.0.1:{port}/send"),
            status,
            rx,
        }
    }

    fn settings(&self) -> Settings {
        settings(MessagingConfig {
            sms_gateway_url: Some(self.url.clone()),
            sms_gateway_token: Some("gw-token".into()),
            sms_from: Some("+15550001111".into()),
            ..Default::default()
        })
    }

    async fn next(&mut self) -> (HeaderMap, Value) {
        tokio::time::timeout(std::time::Duration::from_secs(10), self.rx.recv())
            .await
            .expect("a text within 10 s")
            .expect("the gateway runs")
    }
}

async fn history(app: &TestApp, t: &Team, channel: &str, lead: i64) -> Vec<Value> {
    app.get(
        &format!("/v1.0/communication/{channel}?leadId={lead}"),
        &t.auth(),
    )
    .await
    .ok()
    .as_array()
    .expect("a list")
    .clone()
}

/// Adds an agent account and returns its id and an API key for it.
async fn agent(app: &TestApp, t: &Team, email: &str, profile: i64) -> (i64, String) {
    let r = app
        .post(
            "/v1.0/agent",
            &t.auth(),
            json!({"emailAddress": email, "firstName": "Agent", "lastName": "Smith", "groupId": 0, "profileId": profile}),
        )
        .await;
    let id = r.ok()["agentId"].as_i64().unwrap();
    let key = app
        .store
        .issue_credential(t.team_id, id, CredentialKind::ApiKey)
        .await
        .unwrap();
    (id, format!("token {key}"))
}

both!(
    an_email_reaches_the_smtp_server_and_the_history,
    |app: TestApp| async move {
        let mut sink = SmtpSink::start(false).await;
        let app = app.with_settings(&smtp(sink.url(), None));
        let t = app.team().await;
        let me = app.get("/v1.0/me", &t.auth()).await.ok().clone();
        let lead = app
            .lead(
                &t,
                json!({"firstName": "Ann", "emails": ["first@example.com", "Second@Example.com"]}),
            )
            .await;
        let r = app
            .post(
                "/v1.0/message/email/send",
                &t.auth(),
                json!({"leadId": lead, "subject": "Hello there", "content": "Line one\nLine two",
                       "toEmail": "second@example.com"}),
            )
            .await;
        let sent = r.ok().clone();
        assert_eq!(
            sent["toEmail"], "Second@Example.com",
            "the lead's own spelling"
        );
        assert_eq!(sent["subject"], "Hello there");
        let got = sink.next().await;
        assert_eq!(got.to, vec!["Second@Example.com".to_string()]);
        assert_eq!(got.from, me["email"].as_str().unwrap(), "from the agent");
        assert!(got.data.contains("Subject: Hello there"), "{}", got.data);
        assert!(got.data.contains("Line one\r\nLine two"), "{}", got.data);
        assert!(got.data.contains("To: Second@Example.com"), "{}", got.data);
        assert!(!got.data.contains("Reply-To"), "{}", got.data);

        // in the lead's email history, as a sent email (not a manual log)
        let emails = history(&app, &t, "email", lead).await;
        assert_eq!(emails.len(), 1);
        let e = &emails[0];
        assert_eq!(e["id"].as_i64().unwrap().to_string(), sent["messageId"]);
        assert_eq!(e["emailSubject"], "Hello there");
        assert_eq!(e["emailType"], "Auto");
        assert_eq!(e["eventType"], "Sent");
        assert_eq!(e["agentId"], t.user_id);
        let logs = app
            .get(
                &format!("/v1.0/logType?leadId={lead}&logType=logEmail"),
                &t.auth(),
            )
            .await;
        assert_eq!(logs.ok(), &json!([]), "not a manual log");
        // it touched the lead like any communication
        let l = app.get(&format!("/v1.0/leads/{lead}"), &t.auth()).await;
        assert!(l.ok()["lastTouch"].is_string());

        // no toEmail, or one that is not the lead's: the lead's primary email
        for to in [Value::Null, json!("stranger@example.com")] {
            let r = app
                .post(
                    "/v1.0/message/email/send",
                    &t.auth(),
                    json!({"leadId": lead, "subject": "Again", "content": "Hi", "toEmail": to}),
                )
                .await;
            assert_eq!(r.ok()["toEmail"], "first@example.com");
            assert_eq!(sink.next().await.to, vec!["first@example.com".to_string()]);
        }
        assert_eq!(history(&app, &t, "email", lead).await.len(), 3);
    }
);

both!(
    smtp_from_sends_as_the_server_with_the_agent_to_reply_to,
    |app: TestApp| async move {
        let mut sink = SmtpSink::start(false).await;
        let app = app.with_settings(&smtp(sink.url(), Some("Team CRM <crm@example.com>")));
        let t = app.team().await;
        let lead = app
            .lead(
                &t,
                json!({"firstName": "Ann", "emails": ["ann@example.com"]}),
            )
            .await;
        let r = app
            .post(
                "/v1.0/message/email/send",
                &t.auth(),
                json!({"leadId": lead, "subject": "Hi", "content": "Body"}),
            )
            .await;
        r.ok();
        let got = sink.next().await;
        assert_eq!(got.from, "crm@example.com");
        assert!(
            got.data.contains("From: \"Team CRM\" <crm@example.com>")
                || got.data.contains("From: Team CRM <crm@example.com>"),
            "{}",
            got.data
        );
        let me = app.get("/v1.0/me", &t.auth()).await.ok().clone();
        let reply_to = format!("{}>", me["email"].as_str().unwrap());
        assert!(
            got.data
                .lines()
                .any(|l| l.starts_with("Reply-To:") && l.contains(&reply_to)),
            "{}",
            got.data
        );
    }
);

both!(
    a_text_reaches_the_gateway_and_the_history,
    |app: TestApp| async move {
        let mut gw = Gateway::start().await;
        let app = app.with_settings(&gw.settings());
        let t = app.team().await;
        let lead = app
            .lead(
                &t,
                json!({"firstName": "Ann", "phones": ["5865865860", "+44 20 7946 0958"]}),
            )
            .await;
        let r = app
            .post(
                "/v1.0/message/sms/send",
                &t.auth(),
                json!({"leadId": lead, "content": "See you at 5", "phoneNumber": "+1 (586) 586-5860", "phoneCode": "1"}),
            )
            .await;
        let sent = r.ok().clone();
        assert_eq!(sent["phoneNumber"], "5865865860");
        assert_eq!(sent["phoneCode"], "1");
        let (headers, body) = gw.next().await;
        assert_eq!(
            body,
            json!({"to": "+15865865860", "from": "+15550001111", "body": "See you at 5"})
        );
        assert_eq!(headers["authorization"], "Bearer gw-token");
        assert_eq!(headers["content-type"], "application/json");

        let texts = history(&app, &t, "text", lead).await;
        assert_eq!(texts.len(), 1);
        assert_eq!(
            texts[0]["id"].as_i64().unwrap().to_string(),
            sent["messageId"]
        );
        assert_eq!(texts[0]["textContent"], "See you at 5");
        assert_eq!(texts[0]["textType"], "Auto");
        assert_eq!(texts[0]["direction"], "Outbound");
        let logs = app
            .get(
                &format!("/v1.0/logType?leadId={lead}&logType=logText"),
                &t.auth(),
            )
            .await;
        assert_eq!(logs.ok(), &json!([]), "not a manual log");

        // the second phone, picked by its digits; already international, so as it is
        let r = app
            .post(
                "/v1.0/message/sms/send",
                &t.auth(),
                json!({"leadId": lead, "content": "Hi", "phoneNumber": "442079460958", "phoneCode": "44"}),
            )
            .await;
        assert_eq!(r.ok()["phoneNumber"], "+44 20 7946 0958");
        assert_eq!(gw.next().await.1["to"], "+44 20 7946 0958");
        // no phone asked for: the primary one, without a code as stored
        let r = app
            .post(
                "/v1.0/message/sms/send",
                &t.auth(),
                json!({"leadId": lead, "content": "Bye"}),
            )
            .await;
        assert_eq!(r.ok()["phoneCode"], "");
        assert_eq!(gw.next().await.1["to"], "5865865860");
        assert_eq!(history(&app, &t, "text", lead).await.len(), 3);
    }
);

both!(
    without_a_transport_nothing_is_sent_or_recorded,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app
            .lead(
                &t,
                json!({"firstName": "Ann", "emails": ["ann@example.com"], "phones": ["5865865860"]}),
            )
            .await;
        let r = app
            .post(
                "/v1.0/message/email/send",
                &t.auth(),
                json!({"leadId": lead, "subject": "Hi", "content": "Body"}),
            )
            .await;
        r.error(400, 20012);
        assert!(
            r.body["message"].as_str().unwrap().contains("--smtp-url"),
            "{}",
            r.body
        );
        let r = app
            .post(
                "/v1.0/message/sms/send",
                &t.auth(),
                json!({"leadId": lead, "content": "Body"}),
            )
            .await;
        r.error(400, 20012);
        assert!(
            r.body["message"]
                .as_str()
                .unwrap()
                .contains("--sms-gateway-url"),
            "{}",
            r.body
        );
        assert!(history(&app, &t, "email", lead).await.is_empty());
        assert!(history(&app, &t, "text", lead).await.is_empty());
        let l = app.get(&format!("/v1.0/leads/{lead}"), &t.auth()).await;
        assert!(
            l.ok().get("lastTouch").is_none(),
            "the lead was not touched"
        );
    }
);

both!(
    a_failing_transport_records_nothing,
    |app: TestApp| async move {
        let t = app.team().await;
        let lead = app
            .lead(
                &t,
                json!({"firstName": "Ann", "emails": ["ann@example.com", "refused@example.com"], "phones": ["5865865860"]}),
            )
            .await;
        let email =
            |to: &str| json!({"leadId": lead, "subject": "Hi", "content": "Body", "toEmail": to});

        // nothing listens
        let down = app.with_settings(&smtp(format!("smtp://127.0.0.1:{}", free_port()), None));
        let r = down
            .post(
                "/v1.0/message/email/send",
                &t.auth(),
                email("ann@example.com"),
            )
            .await;
        r.error(503, 50309);
        assert!(r.headers.get("retry-after").is_some());

        // the server refuses for now
        let busy_sink = SmtpSink::start(true).await;
        let busy = app.with_settings(&smtp(busy_sink.url(), None));
        let r = busy
            .post(
                "/v1.0/message/email/send",
                &t.auth(),
                email("ann@example.com"),
            )
            .await;
        r.error(503, 50309);

        // the server refuses the recipient for good
        let mut sink = SmtpSink::start(false).await;
        let picky = app.with_settings(&smtp(sink.url(), None));
        let r = picky
            .post(
                "/v1.0/message/email/send",
                &t.auth(),
                email("refused@example.com"),
            )
            .await;
        r.error(400, 20012);
        assert!(
            r.body["message"].as_str().unwrap().contains("550"),
            "{}",
            r.body
        );
        assert!(sink.try_next().is_none(), "nothing was taken");
        assert!(history(&app, &t, "email", lead).await.is_empty());

        // the gateway fails, refuses, or is not there
        let mut gw = Gateway::start().await;
        let texting = app.with_settings(&gw.settings());
        let text = json!({"leadId": lead, "content": "Body"});
        for (status, answer, code) in [(500, 503, 50309), (429, 503, 50309), (400, 400, 20012)] {
            gw.status.store(status, Ordering::SeqCst);
            let r = texting
                .post("/v1.0/message/sms/send", &t.auth(), text.clone())
                .await;
            r.error(answer, code);
            assert!(
                r.body["message"]
                    .as_str()
                    .unwrap()
                    .contains(&status.to_string()),
                "{}",
                r.body
            );
        }
        let gone = app.with_settings(&settings(MessagingConfig {
            sms_gateway_url: Some(format!("http://127.0.0.1:{}/send", free_port())),
            ..Default::default()
        }));
        let r = gone
            .post("/v1.0/message/sms/send", &t.auth(), text.clone())
            .await;
        r.error(503, 50309);
        assert!(gw.rx.try_recv().is_err());
        assert!(history(&app, &t, "text", lead).await.is_empty());
        let l = app.get(&format!("/v1.0/leads/{lead}"), &t.auth()).await;
        assert!(
            l.ok().get("lastTouch").is_none(),
            "the lead was not touched"
        );

        // and once the transports work again, the same requests go through
        gw.status.store(200, Ordering::SeqCst);
        texting
            .post("/v1.0/message/sms/send", &t.auth(), text)
            .await
            .ok();
        picky
            .post(
                "/v1.0/message/email/send",
                &t.auth(),
                email("ann@example.com"),
            )
            .await
            .ok();
        assert_eq!(history(&app, &t, "text", lead).await.len(), 1);
        assert_eq!(history(&app, &t, "email", lead).await.len(), 1);
    }
);

both!(
    messages_to_leads_the_caller_cannot_see_or_bad_input_are_refused,
    |app: TestApp| async move {
        let mut sink = SmtpSink::start(false).await;
        let mut gw = Gateway::start().await;
        let app = app.with_settings(&settings(MessagingConfig {
            smtp_url: Some(sink.url()),
            sms_gateway_url: Some(gw.url.clone()),
            ..Default::default()
        }));
        let t = app.team().await;
        let other = app.team().await;
        let theirs = app
            .lead(
                &other,
                json!({"firstName": "Theirs", "emails": ["t@example.com"], "phones": ["5865865860"]}),
            )
            .await;
        let mine = app
            .lead(
                &t,
                json!({"firstName": "Mine", "emails": ["m@example.com"], "phones": ["5865865861"]}),
            )
            .await;
        let bare = app.lead(&t, json!({"firstName": "Bare"})).await;
        let (_, standard) = agent(&app, &t, "std@example.com", 2).await;

        // another team's lead, and a lead of the team the caller cannot see
        for (auth, lead) in [(t.auth(), theirs), (standard.clone(), mine)] {
            let r = app
                .post(
                    "/v1.0/message/email/send",
                    &auth,
                    json!({"leadId": lead, "subject": "Hi", "content": "Body"}),
                )
                .await;
            r.error(404, 20006);
            let r = app
                .post(
                    "/v1.0/message/sms/send",
                    &auth,
                    json!({"leadId": lead, "content": "Body"}),
                )
                .await;
            r.error(404, 20006);
        }
        // a lead in the trash
        let trashed = app
            .lead(
                &t,
                json!({"firstName": "Gone", "emails": ["g@example.com"]}),
            )
            .await;
        app.delete(&format!("/v1.0/leads/{trashed}?reason=test"), &t.auth())
            .await
            .ok();
        app.post(
            "/v1.0/message/email/send",
            &t.auth(),
            json!({"leadId": trashed, "subject": "Hi", "content": "Body"}),
        )
        .await
        .error(404, 20006);

        let long = "x".repeat(5001);
        let long_text = "x".repeat(1601);
        let bad_emails = [
            (json!({"leadId": mine, "content": "Body"}), 20012),
            (json!({"leadId": mine, "subject": "Hi"}), 20012),
            (
                json!({"leadId": mine, "subject": " ", "content": "Body"}),
                20012,
            ),
            (
                json!({"leadId": mine, "subject": "Hi", "content": "  "}),
                20012,
            ),
            (
                json!({"leadId": mine, "subject": "Hi\r\nBcc: x@example.com", "content": "Body"}),
                20012,
            ),
            (
                json!({"leadId": mine, "subject": "Hi", "content": long}),
                20043,
            ),
            (
                json!({"leadId": 0, "subject": "Hi", "content": "Body"}),
                20012,
            ),
            (json!({"subject": "Hi", "content": "Body"}), 20012),
            (
                json!({"leadId": bare, "subject": "Hi", "content": "Body"}),
                20012,
            ),
        ];
        for (body, code) in bad_emails {
            let r = app
                .post("/v1.0/message/email/send", &t.auth(), body.clone())
                .await;
            assert_eq!(r.status.as_u16(), 400, "{body}: {}", r.body);
            assert_eq!(r.body["code"], code, "{body}: {}", r.body);
        }
        let bad_texts = [
            (json!({"leadId": mine}), 20012),
            (json!({"leadId": mine, "content": ""}), 20012),
            (json!({"leadId": mine, "content": long_text}), 20043),
            (
                json!({"leadId": mine, "content": "Hi", "phoneCode": "abc"}),
                20012,
            ),
            (json!({"leadId": -1, "content": "Hi"}), 20012),
            (json!({"leadId": bare, "content": "Hi"}), 20012),
        ];
        for (body, code) in bad_texts {
            let r = app
                .post("/v1.0/message/sms/send", &t.auth(), body.clone())
                .await;
            assert_eq!(r.status.as_u16(), 400, "{body}: {}", r.body);
            assert_eq!(r.body["code"], code, "{body}: {}", r.body);
        }
        assert!(sink.try_next().is_none(), "nothing was sent");
        assert!(gw.rx.try_recv().is_err(), "nothing was sent");
        for lead in [mine, bare] {
            assert!(history(&app, &t, "email", lead).await.is_empty());
            assert!(history(&app, &t, "text", lead).await.is_empty());
        }
        assert!(history(&app, &other, "email", theirs).await.is_empty());
    }
);

both!(a_calls_recording_url, |app: TestApp| async move {
    let t = app.team().await;
    let other = app.team().await;
    let lead = app.lead(&t, json!({"firstName": "Ann"})).await;
    let log = |extra: Value| {
        let mut body = json!({"leadId": lead, "logType": "logCall", "content": "Talked",
                                  "leadPhoneNumber": "5865865860"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let recorded = app
        .post(
            "/v1.0/logType",
            &t.auth(),
            log(json!({"recordingUrl": "https://recordings.example.com/a.mp3"})),
        )
        .await;
    let recorded = recorded.ok()["logType"]["id"].as_i64().unwrap();
    let plain = app.post("/v1.0/logType", &t.auth(), log(json!({}))).await;
    let plain = plain.ok()["logType"]["id"].as_i64().unwrap();

    let r = app
        .get(&format!("/v1.0/call/url/{recorded}"), &t.auth())
        .await;
    assert_eq!(
        r.ok(),
        &json!({"calls": {"id": recorded, "url": "https://recordings.example.com/a.mp3"}})
    );
    let r = app.get(&format!("/v1.0/call/url/{plain}"), &t.auth()).await;
    assert_eq!(r.ok(), &json!({"calls": {"id": plain, "url": ""}}));
    // the call itself says whether it was recorded
    let c = app.get(&format!("/v1.0/calls/{recorded}"), &t.auth()).await;
    assert_eq!(c.ok()["recordingSwitch"], true);
    let c = app.get(&format!("/v1.0/calls/{plain}"), &t.auth()).await;
    assert_eq!(c.ok()["recordingSwitch"], false);

    // another team's call, no call, and an email are not there
    app.get(&format!("/v1.0/call/url/{recorded}"), &other.auth())
        .await
        .error(404, 20007);
    app.get("/v1.0/call/url/12345", &t.auth())
        .await
        .error(404, 20007);
    let email = app
        .post(
            "/v1.0/logType",
            &t.auth(),
            json!({"leadId": lead, "logType": "logEmail", "content": "Hi"}),
        )
        .await;
    let email = email.ok()["logType"]["id"].as_i64().unwrap();
    app.get(&format!("/v1.0/call/url/{email}"), &t.auth())
        .await
        .error(404, 20007);
    app.get("/v1.0/call/url/abc", &t.auth())
        .await
        .error(400, 20012);

    // a recording is an http(s) URL, and only for a call
    for extra in [
        json!({"recordingUrl": "ftp://recordings.example.com/a.mp3"}),
        json!({"recordingUrl": "https://example.com/a b.mp3"}),
        json!({"recordingUrl": format!("https://example.com/{}", "a".repeat(2000))}),
    ] {
        let r = app.post("/v1.0/logType", &t.auth(), log(extra)).await;
        assert_eq!(r.status.as_u16(), 400, "{}", r.body);
    }
    let r = app
        .post(
            "/v1.0/logType",
            &t.auth(),
            json!({"leadId": lead, "logType": "logText", "content": "Hi",
                       "recordingUrl": "https://recordings.example.com/a.mp3"}),
        )
        .await;
    r.error(400, 20012);
});

both!(
    the_lead_pipeline_pages_the_teams_stages,
    |app: TestApp| async move {
        let t = app.team().await;
        let other = app.team().await;
        for stage in ["Pending", "Active", "New", "Closed", "Active"] {
            app.lead(&t, json!({"firstName": "A", "stage": stage}))
                .await;
        }
        app.lead(&t, json!({"firstName": "No stage"})).await;
        let gone = app
            .lead(&t, json!({"firstName": "Gone", "stage": "Trashed"}))
            .await;
        app.delete(&format!("/v1.0/leads/{gone}?reason=test"), &t.auth())
            .await
            .ok();
        app.lead(&other, json!({"firstName": "B", "stage": "Theirs"}))
            .await;

        let names = |v: &Value| -> Vec<String> {
            v["pipelines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_string())
                .collect()
        };
        let r = app
            .get("/v1.0/teamFeatures/lead-pipelines?pageSize=2", &t.auth())
            .await;
        let first = r.ok().clone();
        assert_eq!(names(&first), ["Active", "Closed"]);
        assert_eq!(
            first["_metadata"],
            json!({"collection": "pipelines", "limit": 2, "offset": 0, "total": 4})
        );
        let r = app
            .get(
                "/v1.0/teamFeatures/lead-pipelines?pageSize=2&currPage=1",
                &t.auth(),
            )
            .await;
        let second = r.ok().clone();
        assert_eq!(names(&second), ["New", "Pending"]);
        assert_eq!(second["_metadata"]["offset"], 2);
        let r = app
            .get(
                "/v1.0/teamFeatures/lead-pipelines?pageSize=2&currPage=2",
                &t.auth(),
            )
            .await;
        assert_eq!(r.ok()["pipelines"], json!([]));
        assert_eq!(r.ok()["_metadata"]["total"], 4);
        // default page: 10
        let r = app
            .get("/v1.0/teamFeatures/lead-pipelines", &t.auth())
            .await;
        assert_eq!(names(r.ok()), ["Active", "Closed", "New", "Pending"]);
        assert_eq!(r.ok()["_metadata"]["limit"], 10);
        // by a part of the name, any case
        let r = app
            .get("/v1.0/teamFeatures/lead-pipelines?name=EN", &t.auth())
            .await;
        assert_eq!(names(r.ok()), ["Pending"]);
        assert_eq!(r.ok()["_metadata"]["total"], 1);

        // a stage's id is the id its leads show
        let active = first["pipelines"][0]["id"].as_i64().unwrap();
        assert!(active > 0);
        assert_ne!(active, first["pipelines"][1]["id"].as_i64().unwrap());
        let leads = app.get("/v1.0/leads?stage=Active", &t.auth()).await;
        let leads = leads.ok()["leads"].as_array().unwrap().clone();
        assert_eq!(leads.len(), 2);
        assert!(leads.iter().all(|l| l["stageId"] == active));

        // the other team sees its own
        let r = app
            .get("/v1.0/teamFeatures/lead-pipelines", &other.auth())
            .await;
        assert_eq!(names(r.ok()), ["Theirs"]);

        app.get("/v1.0/teamFeatures/lead-pipelines?pageSize=0", &t.auth())
            .await
            .error(400, 20042);
        app.get("/v1.0/teamFeatures/lead-pipelines?pageSize=1001", &t.auth())
            .await
            .error(400, 20042);
        app.get("/v1.0/teamFeatures/lead-pipelines?currPage=-1", &t.auth())
            .await
            .error(400, 20012);
    }
);

both!(
    tags_are_added_to_agents_of_the_team,
    |app: TestApp| async move {
        let t = app.team().await;
        let other = app.team().await;
        let (agent_id, agent_auth) = agent(&app, &t, "tagged@example.com", 2).await;
        // "Hot Lead" is a tag of the team already (on a lead)
        app.lead(&t, json!({"firstName": "A", "tags": ["Hot Lead"]}))
            .await;
        let team_tags = app.get("/v1.0/teamFeatures/listTag", &t.auth()).await;
        let hot = team_tags.ok()[0]["tagId"].as_i64().unwrap();
        let tags_of = |v: &Value| -> Vec<i64> {
            v.get("tagIds")
                .map(|a| {
                    a.as_array()
                        .unwrap()
                        .iter()
                        .map(|i| i.as_i64().unwrap())
                        .collect()
                })
                .unwrap_or_default()
        };
        let member = |auth: String| {
            let app = &app;
            async move {
                app.get("/v1.0/members/tagged@example.com", &auth)
                    .await
                    .ok()
                    .clone()
            }
        };
        let path = format!("/v1.0/agent/{agent_id}/tag/add");

        // a name new to the team without autoCreate: refused, nothing added
        let r = app
            .post(&path, &t.auth(), json!({"tagNames": ["hot lead", "VIP"]}))
            .await;
        r.error(400, 20012);
        assert!(
            r.body["message"].as_str().unwrap().contains("VIP"),
            "{}",
            r.body
        );
        assert!(tags_of(&member(t.auth()).await).is_empty());

        // a tag of the team, in any case
        let r = app
            .post(
                &path,
                &t.auth(),
                json!({"tagNames": ["hot lead"], "autoCreate": false}),
            )
            .await;
        assert_eq!(r.ok(), &json!({"data": true, "errorCode": 0}));
        assert_eq!(tags_of(&member(t.auth()).await), [hot]);

        // new names with autoCreate: made tags of the team; the ones it has stay
        let r = app
            .post(
                &path,
                &t.auth(),
                json!({"tagNames": ["VIP", "Premium", "vip", "Hot Lead"], "autoCreate": true}),
            )
            .await;
        r.ok();
        let tags = tags_of(&member(t.auth()).await);
        assert_eq!(tags.len(), 3, "{tags:?}");
        assert_eq!(tags[0], hot);
        // seen by the agent too (on /v1.0/me), and again the same after a repeat
        app.post(&path, &t.auth(), json!({"tagNames": ["Premium"]}))
            .await
            .ok();
        let me = app.get("/v1.0/me", &agent_auth).await;
        assert_eq!(tags_of(me.ok()), tags);
        let listed = app.get("/v1.0/members?limit=100", &t.auth()).await;
        let listed = listed.ok()["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == agent_id)
            .cloned()
            .unwrap();
        assert_eq!(tags_of(&listed), tags);

        // another team: cannot tag this agent, and its own VIP is its own tag
        app.post(
            &path,
            &other.auth(),
            json!({"tagNames": ["VIP"], "autoCreate": true}),
        )
        .await
        .error(404, 20003);
        let other_me = app.get("/v1.0/me", &other.auth()).await.ok().clone();
        let other_path = format!("/v1.0/agent/{}/tag/add", other_me["id"]);
        app.post(
            &other_path,
            &other.auth(),
            json!({"tagNames": ["VIP"], "autoCreate": true}),
        )
        .await
        .ok();
        let theirs = tags_of(&app.get("/v1.0/me", &other.auth()).await.ok().clone());
        assert_eq!(theirs.len(), 1);
        assert!(!tags.contains(&theirs[0]), "a tag of another team");
        assert_eq!(tags_of(&member(t.auth()).await), tags, "unchanged");
        // and cannot tag its own admin with this team's tag names without making them
        app.post(&other_path, &other.auth(), json!({"tagNames": ["Premium"]}))
            .await
            .error(400, 20012);

        // only admins tag agents; bad input
        app.post(&path, &agent_auth, json!({"tagNames": ["VIP"]}))
            .await
            .error(403, 20017);
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        for body in [
            json!({"tagNames": []}),
            json!({}),
            json!({"tagNames": many, "autoCreate": true}),
            json!({"tagNames": [" "], "autoCreate": true}),
        ] {
            app.post(&path, &t.auth(), body).await.error(400, 20012);
        }
        app.post(
            &path,
            &t.auth(),
            json!({"tagNames": ["x".repeat(65)], "autoCreate": true}),
        )
        .await
        .error(400, 20043);
        app.post(
            "/v1.0/agent/0/tag/add",
            &t.auth(),
            json!({"tagNames": ["VIP"]}),
        )
        .await
        .error(400, 20012);
        app.post(
            "/v1.0/agent/99999/tag/add",
            &t.auth(),
            json!({"tagNames": ["VIP"]}),
        )
        .await
        .error(404, 20003);
        assert_eq!(tags_of(&member(t.auth()).await), tags, "unchanged");
    }
);

both!(
    a_gateway_url_is_a_template_of_the_text,
    |app: TestApp| async move {
        let mut gw = Gateway::start().await;
        let settings = settings(MessagingConfig {
            sms_gateway_url: Some(format!("{}?to={{to}}&text={{body}}", gw.url)),
            ..Default::default()
        });
        let app = app.with_settings(&settings);
        let t = app.team().await;
        let lead = app
            .lead(&t, json!({"firstName": "Ann", "phones": ["5865865860"]}))
            .await;
        app.post(
            "/v1.0/message/sms/send",
            &t.auth(),
            json!({"leadId": lead, "content": "Hi & bye", "phoneCode": "1"}),
        )
        .await
        .ok();
        let (headers, body) = gw.next().await;
        assert_eq!(
            headers["x-gateway-query"], "to=%2B15865865860&text=Hi+%26+bye",
            "the URL's placeholders filled in, URL-encoded"
        );
        assert_eq!(body["body"], "Hi & bye", "and the JSON body as always");
        assert_eq!(history(&app, &t, "text", lead).await.len(), 1);
    }
);
