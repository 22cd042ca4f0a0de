//! Where a webhook callback may go, and posting to it without being turned against ourselves.
//!
//! A callback URL is chosen by an API client, so a server that posts to it is a request
//! forgery tool unless it is careful: a subscription to `http://169.254.169.254/…` or to an
//! address inside our own network would have the server probe or call what only it can reach.
//! The rules are therefore:
//!
//! * the URL is `https`, carries no user name or password and is at most 2048 characters;
//! * its host resolves to public addresses only ([`is_public`]); this is checked when the
//!   subscription is made ([`Targets::check`]) and again at every delivery
//!   ([`Targets::post`]), because DNS answers change. At delivery the check is made by the
//!   HTTP client's own resolver, so the addresses checked are the ones connected to: there
//!   is no window between checking and connecting for a DNS change to slip through;
//! * redirects are not followed (a public endpoint could otherwise redirect inward).
//!
//! `allow_private` (`--webhook-allow-private`) lifts the first two rules, for local
//! development and tests where the receiver runs on the same machine over plain http.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Client;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::redirect::Policy;
use url::{Host, Url};

/// Longest callback URL accepted.
pub const MAX_URL_LEN: usize = 2048;

/// Total time allowed for one delivery, from connecting to the end of the response.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Time allowed to resolve and connect (and, for [`Targets::check`], to resolve).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Idle connections kept per host: enough for the dispatcher's ~128 concurrent deliveries
/// to one receiver to reuse their connections rather than open new ones each time.
const POOL_MAX_IDLE_PER_HOST: usize = 128;

/// How much of a response body is read (and thrown away) before giving up on it: reading
/// the body lets the connection go back to the pool, stopping keeps a receiver from making
/// us read without end. Reading stops at the first chunk that takes the total past this.
const MAX_RESPONSE_BODY: usize = 64 * 1024;

/// Longest redirect target quoted in an [`Attempt`]'s error.
const MAX_QUOTED_LOCATION: usize = 200;

const USER_AGENT: &str = concat!("openhouse-webhooks/", env!("CARGO_PKG_VERSION"));

/// Whether `ip` is an ordinary public unicast address, one a callback may be delivered to.
///
/// False for unspecified, loopback, private (RFC 1918), link-local (including the cloud
/// metadata address 169.254.169.254), shared CGNAT space, "this network" 0/8, multicast,
/// broadcast, documentation, benchmarking and reserved ranges, IPv6 unique-local and
/// site-local addresses and the IPv6 documentation and discard prefixes. IPv6 addresses
/// that carry an IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, translated
/// `::ffff:0:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`, 6to4 `2002:aabb:ccdd::`) are judged by that IPv4 address, since that
/// is where a packet to them ends up; the local-use NAT64 prefix `64:ff9b:1::/48` is never
/// public.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let internal = a == 0 // 0.0.0.0/8 "this network", including 0.0.0.0
        || ip.is_loopback() // 127.0.0.0/8
        || ip.is_private() // 10/8, 172.16/12, 192.168/16
        || ip.is_link_local() // 169.254/16, cloud metadata
        || (a == 100 && b & 0xc0 == 64) // 100.64.0.0/10 shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // 192.0.0.0/24 IETF protocol assignments
        || ip.is_documentation() // 192.0.2/24, 198.51.100/24, 203.0.113/24
        || (a == 198 && b & 0xfe == 18) // 198.18.0.0/15 benchmarking
        || ip.is_multicast() // 224.0.0.0/4
        || a >= 240; // 240.0.0.0/4 reserved, and the broadcast address
    !internal
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    if ip.is_unspecified() || ip.is_loopback() {
        return false;
    }
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let low_v4 = Ipv4Addr::from_bits(ip.to_bits() as u32);
    if s[..6] == [0; 6] || s[..6] == [0, 0, 0, 0, 0xffff, 0] || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
    {
        // IPv4-compatible (deprecated), IPv4-translated (SIIT) or the NAT64 well-known prefix.
        return is_public_v4(low_v4);
    }
    if s[0] == 0x2002 {
        // 6to4: the IPv4 address follows the prefix.
        let [hi, lo] = [s[1].to_be_bytes(), s[2].to_be_bytes()];
        return is_public_v4(Ipv4Addr::new(hi[0], hi[1], lo[0], lo[1]));
    }
    let internal = ip.is_multicast() // ff00::/8
        || ip.is_unique_local() // fc00::/7
        || ip.is_unicast_link_local() // fe80::/10
        || s[0] & 0xffc0 == 0xfec0 // fec0::/10 site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // 2001:db8::/32 documentation
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) // 64:ff9b:1::/48 local-use NAT64
        || (s[..4] == [0x100, 0, 0, 0]); // 100::/64 discard-only
    !internal
}

/// Why a callback URL is not accepted, at subscription time or at delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a URL, or a URL without a host.
    Invalid,
    /// Longer than [`MAX_URL_LEN`].
    TooLong,
    /// Not `https` (or, with `allow_private`, neither `https` nor `http`).
    NotHttps,
    /// Carries a user name or password.
    Credentials,
    /// The host is, or resolves only to, addresses that [`is_public`] rejects.
    Private,
    /// The host name does not resolve (or did not within the connect timeout).
    Unresolvable,
}

impl Refusal {
    /// What is wrong, without the subject: "must use https".
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Invalid => "is not a valid URL",
            Refusal::TooLong => "is longer than 2048 characters",
            Refusal::NotHttps => "must use https",
            Refusal::Credentials => "must not contain a user name or password",
            Refusal::Private => "resolves to a private or internal address",
            Refusal::Unresolvable => "host does not resolve",
        }
    }

    /// The message an [`Attempt`] records when a delivery is refused.
    fn at_delivery(self) -> String {
        match self {
            Refusal::Unresolvable => self.reason().to_owned(),
            _ => format!("refused: {}", self.reason()),
        }
    }
}

/// The message for an API client: "callbackUrl must use https".
impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "callbackUrl {}", self.reason())
    }
}

/// A `Refusal` is also what [`PublicOnly`] fails with, so that [`Targets::post`] can find
/// it again in the HTTP client's error.
impl StdError for Refusal {}

/// The outcome of one delivery attempt, for the delivery log and retry decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The response status, if a response arrived.
    pub status: Option<u16>,
    /// What went wrong in a short sentence: no response (refused, timed out, no
    /// connection) or a redirect that was not followed. `None` for any other status.
    pub error: Option<String>,
    /// Time from starting the request to the end of reading the response.
    pub elapsed_ms: u64,
}

impl Attempt {
    /// Whether the receiver took the delivery: a 2xx status.
    pub fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// DNS resolution that keeps only public addresses, installed in the delivery client
/// unless private targets are allowed. The HTTP client connects only to what this returns,
/// so the address checked is the address used.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let public = public_addrs(&host, 0).await?;
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// `host`'s public addresses, or why there are none.
async fn public_addrs(host: &str, port: u16) -> Result<Vec<SocketAddr>, Refusal> {
    let found = tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::lookup_host((host, port)))
        .await
        .map_err(|_| Refusal::Unresolvable)?
        .map_err(|_| Refusal::Unresolvable)?;
    let all: Vec<SocketAddr> = found.collect();
    if all.is_empty() {
        return Err(Refusal::Unresolvable);
    }
    let public: Vec<SocketAddr> = all.into_iter().filter(|a| is_public(a.ip())).collect();
    if public.is_empty() {
        return Err(Refusal::Private);
    }
    Ok(public)
}

/// Callback URL checks and the HTTP client that delivers to them.
///
/// One per server: the client pools connections, so deliveries to the same receiver reuse
/// them. Cloning is cheap and shares the pool.
#[derive(Debug, Clone)]
pub struct Targets {
    client: Client,
    allow_private: bool,
    timeout: Duration,
}

impl Targets {
    /// Targets with the default 10 s delivery timeout. `allow_private` admits `http` and
    /// internal addresses (`--webhook-allow-private`).
    pub fn new(allow_private: bool) -> Self {
        Self::with_timeout(allow_private, DEFAULT_TIMEOUT)
    }

    /// Targets whose deliveries give up after `timeout`.
    ///
    /// # Panics
    ///
    /// If the HTTP client cannot be built, which with this fixed configuration means the
    /// TLS library itself is unusable; it depends on no input.
    pub fn with_timeout(allow_private: bool, timeout: Duration) -> Self {
        let mut builder = Client::builder()
            .tls_backend_preconfigured(tls_config())
            .redirect(Policy::none())
            // A proxy would resolve and connect for us, out of the resolver's sight.
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
            .pool_max_idle_per_host(POOL_MAX_IDLE_PER_HOST)
            .user_agent(USER_AGENT);
        if !allow_private {
            builder = builder.dns_resolver(PublicOnly);
        }
        let client = builder
            .build()
            .expect("the webhook HTTP client's fixed configuration builds");
        Self {
            client,
            allow_private,
            timeout,
        }
    }

    /// Whether `url` may be subscribed to; the parsed URL if so. A host name is resolved
    /// once and must have a public address (unless private targets are allowed, when
    /// nothing is resolved: the name may belong to a receiver not started yet).
    pub async fn check(&self, url: &str) -> Result<Url, Refusal> {
        let parsed = self.screen(url)?;
        if !self.allow_private
            && let Some(Host::Domain(host)) = parsed.host()
        {
            let port = parsed.port_or_known_default().unwrap_or(443);
            public_addrs(host, port).await?;
        }
        Ok(parsed)
    }

    /// The checks that need no DNS: syntax, scheme, credentials, and the address itself
    /// when the host is an IP literal (the HTTP client does not resolve those, so the
    /// resolver's check would not see them).
    fn screen(&self, url: &str) -> Result<Url, Refusal> {
        if url.len() > MAX_URL_LEN {
            return Err(Refusal::TooLong);
        }
        let parsed = Url::parse(url).map_err(|_| Refusal::Invalid)?;
        match parsed.scheme() {
            "https" => {}
            "http" if self.allow_private => {}
            _ => return Err(Refusal::NotHttps),
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Refusal::Credentials);
        }
        let ip = match parsed.host() {
            None => return Err(Refusal::Invalid),
            Some(Host::Domain(_)) => None,
            Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        };
        if !self.allow_private && ip.is_some_and(|ip| !is_public(ip)) {
            return Err(Refusal::Private);
        }
        Ok(parsed)
    }

    /// Posts `body` as JSON to `url` with `headers`, and says what happened.
    ///
    /// Never fails: every outcome, including a refused URL, is an [`Attempt`]. A redirect is
    /// reported, not followed. About 64 KiB of the response body at most is read,
    /// then the connection is dropped rather than drained.
    pub async fn post(&self, url: &str, headers: &[(&str, String)], body: Vec<u8>) -> Attempt {
        let started = Instant::now();
        let parsed = match self.screen(url) {
            Ok(parsed) => parsed,
            Err(refusal) => return attempt(started, None, Some(refusal.at_delivery())),
        };
        let mut request = self
            .client
            .post(parsed)
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(e) => return attempt(started, None, Some(self.describe(&e))),
        };
        let status = response.status();
        let error = status.is_redirection().then(|| {
            match response.headers().get(LOCATION).map(|l| l.to_str()) {
                Some(Ok(location)) => format!(
                    "redirect to {} not followed",
                    truncate(location, MAX_QUOTED_LOCATION)
                ),
                _ => "redirect not followed".to_owned(),
            }
        });
        let mut read = 0;
        while read <= MAX_RESPONSE_BODY {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                // The status is what counts; a body cut short does not change it.
                Ok(None) | Err(_) => break,
            }
        }
        attempt(started, Some(status.as_u16()), error)
    }

    /// A short account of a request that got no response.
    fn describe(&self, e: &reqwest::Error) -> String {
        if let Some(refusal) = find_source::<Refusal>(e) {
            return refusal.at_delivery();
        }
        if e.is_timeout() {
            return if e.is_connect() {
                format!(
                    "connect timed out after {}",
                    seconds(CONNECT_TIMEOUT.min(self.timeout))
                )
            } else {
                format!("timed out after {}", seconds(self.timeout))
            };
        }
        if let Some(io) = find_source::<io::Error>(e) {
            match io.kind() {
                io::ErrorKind::ConnectionRefused => return "connection refused".to_owned(),
                io::ErrorKind::ConnectionReset => return "connection reset".to_owned(),
                _ => {}
            }
        }
        let root = root_cause(e);
        if e.is_connect() {
            format!("could not connect: {root}")
        } else {
            format!("request failed: {root}")
        }
    }
}

/// Rustls with the ring provider (already in the tree) and the Mozilla roots from
/// webpki-roots, so that trust does not depend on the host's certificate store.
pub(crate) fn tls_config() -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config
}

fn attempt(started: Instant, status: Option<u16>, error: Option<String>) -> Attempt {
    Attempt {
        status,
        error,
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

/// The first error of type `T` in `e`'s chain of sources.
fn find_source<'a, T: StdError + 'static>(e: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut next = Some(e);
    while let Some(err) = next {
        if let Some(found) = err.downcast_ref::<T>() {
            return Some(found);
        }
        next = err.source();
    }
    None
}

/// The innermost error in `e`'s chain: usually the one that says what actually happened.
fn root_cause<'a>(e: &'a (dyn StdError + 'static)) -> &'a (dyn StdError + 'static) {
    let mut root = e;
    while let Some(source) = root.source() {
        root = source;
    }
    root
}

/// "10 s", or "250 ms" for durations that are not whole seconds.
fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// At most `max` bytes of `s`, cut at a character boundary, with "…" if cut.
fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;
    use axum::routing::post;
    use std::str::FromStr;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// What the local receiver saw.
    #[derive(Default)]
    struct Seen {
        requests: AtomicUsize,
        redirect_target: AtomicUsize,
        last: Mutex<Option<(HeaderMap, Vec<u8>)>>,
    }

    /// A response body that never ends, 16 KiB at a time.
    struct Endless;

    impl http_body::Body for Endless {
        type Data = axum::body::Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
            let chunk = axum::body::Bytes::from_static(&[b'x'; 16 * 1024]);
            std::task::Poll::Ready(Some(Ok(http_body::Frame::data(chunk))))
        }
    }

    /// A receiver on 127.0.0.1: `/ok` 200, `/fail` 500, `/slow` 200 after 2 s, `/redirect`
    /// 302 to `/elsewhere`, `/endless` 200 with a body that never ends. Returns its port and
    /// what it saw.
    async fn receiver() -> (u16, Arc<Seen>) {
        async fn ok(State(seen): State<Arc<Seen>>, headers: HeaderMap, body: axum::body::Bytes) {
            seen.requests.fetch_add(1, Ordering::SeqCst);
            *seen.last.lock().unwrap() = Some((headers, body.to_vec()));
        }
        async fn fail(State(seen): State<Arc<Seen>>) -> StatusCode {
            seen.requests.fetch_add(1, Ordering::SeqCst);
            StatusCode::INTERNAL_SERVER_ERROR
        }
        async fn slow(State(seen): State<Arc<Seen>>) {
            seen.requests.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        async fn redirect(State(seen): State<Arc<Seen>>) -> impl IntoResponse {
            seen.requests.fetch_add(1, Ordering::SeqCst);
            (StatusCode::FOUND, [(LOCATION, "/elsewhere")])
        }
        async fn elsewhere(State(seen): State<Arc<Seen>>) {
            seen.requests.fetch_add(1, Ordering::SeqCst);
            seen.redirect_target.fetch_add(1, Ordering::SeqCst);
        }
        async fn endless(State(seen): State<Arc<Seen>>) -> Body {
            seen.requests.fetch_add(1, Ordering::SeqCst);
            Body::new(Endless)
        }
        let seen = Arc::new(Seen::default());
        let app = Router::new()
            .route("/ok", post(ok))
            .route("/fail", post(fail))
            .route("/slow", post(slow))
            .route("/redirect", post(redirect))
            .route("/elsewhere", post(elsewhere).get(elsewhere))
            .route("/endless", post(endless))
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (port, seen)
    }

    fn ip(s: &str) -> IpAddr {
        IpAddr::from_str(s).unwrap()
    }

    #[test]
    fn is_public_rejects_internal_ranges() {
        for addr in [
            "0.0.0.0",
            "0.1.2.3",
            "127.0.0.1",
            "127.255.255.254",
            "10.0.0.1",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.0.1",
            "100.64.0.1",
            "100.127.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fe80::1",
            "febf::1",
            "fc00::1",
            "fd12:3456::1",
            "fec0::1",
            "ff02::1",
            "ff0e::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "::10.0.0.1",
            "::ffff:0:10.0.0.1",
            "64:ff9b::10.0.0.1",
            "64:ff9b::127.0.0.1",
            "64:ff9b:1::8.8.8.8",
            "2002:c0a8:0101::1",
            "100::1",
        ] {
            assert!(!is_public(ip(addr)), "{addr} should not be public");
        }
    }

    #[test]
    fn is_public_accepts_public_addresses() {
        for addr in [
            "8.8.8.8",
            "1.1.1.1",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "169.253.255.255",
            "192.0.1.1",
            "198.17.255.255",
            "198.20.0.1",
            "223.255.255.255",
            "2606:4700::1111",
            "2001:4860:4860::8888",
            "2a00:1450:4001::1",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2002:0808:0808::1",
        ] {
            assert!(is_public(ip(addr)), "{addr} should be public");
        }
    }

    #[tokio::test]
    async fn check_refuses_what_it_must() {
        let targets = Targets::new(false);
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        for (url, refusal) in [
            ("http://example.com/hook", Refusal::NotHttps),
            ("ftp://example.com/hook", Refusal::NotHttps),
            ("https://127.0.0.1/x", Refusal::Private),
            ("https://10.0.0.1/", Refusal::Private),
            ("https://169.254.169.254/latest", Refusal::Private),
            ("https://[::1]/", Refusal::Private),
            ("https://[::ffff:127.0.0.1]/", Refusal::Private),
            ("https://2130706433/", Refusal::Private),
            ("https://0x7f.1/", Refusal::Private),
            ("https://localhost/", Refusal::Private),
            ("https://user:pw@example.com/", Refusal::Credentials),
            ("https://user@example.com/", Refusal::Credentials),
            ("not a url", Refusal::Invalid),
            ("https://", Refusal::Invalid),
            ("", Refusal::Invalid),
            ("https://exa mple.com/", Refusal::Invalid),
            (long.as_str(), Refusal::TooLong),
        ] {
            assert_eq!(targets.check(url).await, Err(refusal), "{url}");
        }
    }

    #[test]
    fn refusal_messages() {
        assert_eq!(Refusal::NotHttps.to_string(), "callbackUrl must use https");
        assert_eq!(
            Refusal::Private.to_string(),
            "callbackUrl resolves to a private or internal address"
        );
        assert_eq!(
            Refusal::Invalid.to_string(),
            "callbackUrl is not a valid URL"
        );
        assert_eq!(
            Refusal::Unresolvable.to_string(),
            "callbackUrl host does not resolve"
        );
    }

    #[tokio::test]
    async fn check_allows_local_http_when_private_is_allowed() {
        let targets = Targets::new(true);
        let url = targets.check("http://127.0.0.1:8123/hook").await.unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:8123/hook");
        assert!(targets.check("http://localhost:8123/").await.is_ok());
        assert!(targets.check("https://[::1]/").await.is_ok());
        // The other rules still hold.
        assert_eq!(
            targets.check("https://u:p@localhost/").await,
            Err(Refusal::Credentials)
        );
        assert_eq!(
            targets.check("ftp://localhost/").await,
            Err(Refusal::NotHttps)
        );
    }

    #[tokio::test]
    async fn post_delivers_with_headers_and_body() {
        let (port, seen) = receiver().await;
        let targets = Targets::new(true);
        let body = br#"{"eventType":"lead.created"}"#.to_vec();
        let attempt = targets
            .post(
                &format!("http://127.0.0.1:{port}/ok"),
                &[("webhook-id", "msg_1".to_owned())],
                body.clone(),
            )
            .await;
        assert_eq!(attempt.status, Some(200));
        assert_eq!(attempt.error, None);
        assert!(attempt.delivered());
        let (headers, received) = seen.last.lock().unwrap().take().unwrap();
        assert_eq!(received, body);
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(headers["webhook-id"], "msg_1");
        assert_eq!(
            headers["user-agent"],
            concat!("openhouse-webhooks/", env!("CARGO_PKG_VERSION"))
        );
        // By name too, through the system resolver.
        let attempt = targets
            .post(&format!("http://localhost:{port}/ok"), &[], b"{}".to_vec())
            .await;
        assert!(attempt.delivered(), "{attempt:?}");
    }

    #[tokio::test]
    async fn post_reports_a_server_error() {
        let (port, _) = receiver().await;
        let attempt = Targets::new(true)
            .post(
                &format!("http://127.0.0.1:{port}/fail"),
                &[],
                b"{}".to_vec(),
            )
            .await;
        assert_eq!(attempt.status, Some(500));
        assert_eq!(attempt.error, None);
        assert!(!attempt.delivered());
    }

    #[tokio::test]
    async fn post_times_out() {
        let (port, _) = receiver().await;
        let targets = Targets::with_timeout(true, Duration::from_millis(300));
        let attempt = targets
            .post(
                &format!("http://127.0.0.1:{port}/slow"),
                &[],
                b"{}".to_vec(),
            )
            .await;
        assert_eq!(attempt.status, None);
        assert!(!attempt.delivered());
        assert_eq!(attempt.error.as_deref(), Some("timed out after 300 ms"));
        assert!(
            attempt.elapsed_ms >= 300 && attempt.elapsed_ms < 2000,
            "{attempt:?}"
        );
    }

    #[tokio::test]
    async fn post_does_not_follow_redirects() {
        let (port, seen) = receiver().await;
        let attempt = Targets::new(true)
            .post(
                &format!("http://127.0.0.1:{port}/redirect"),
                &[],
                b"{}".to_vec(),
            )
            .await;
        assert_eq!(attempt.status, Some(302));
        assert!(!attempt.delivered());
        assert_eq!(
            attempt.error.as_deref(),
            Some("redirect to /elsewhere not followed")
        );
        assert_eq!(seen.requests.load(Ordering::SeqCst), 1);
        assert_eq!(seen.redirect_target.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn post_reads_an_endless_body_only_in_part() {
        let (port, _) = receiver().await;
        let targets = Targets::with_timeout(true, Duration::from_secs(3));
        let attempt = targets
            .post(
                &format!("http://127.0.0.1:{port}/endless"),
                &[],
                b"{}".to_vec(),
            )
            .await;
        assert_eq!(attempt.status, Some(200));
        assert!(attempt.delivered());
        // Reading without a bound would only have stopped at the timeout.
        assert!(attempt.elapsed_ms < 2000, "{attempt:?}");
    }

    #[tokio::test]
    async fn post_speaks_tls_for_https() {
        // The receiver speaks plain HTTP, so the TLS handshake fails: what matters is that
        // the client got as far as one, with its own TLS configuration.
        let (port, seen) = receiver().await;
        let attempt = Targets::new(true)
            .post(&format!("https://localhost:{port}/ok"), &[], b"{}".to_vec())
            .await;
        assert_eq!(attempt.status, None);
        let error = attempt.error.unwrap_or_default();
        assert!(error.starts_with("could not connect: "), "{error}");
        assert_eq!(seen.requests.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn post_reports_connection_refused() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let attempt = Targets::new(true)
            .post(&format!("http://127.0.0.1:{port}/"), &[], b"{}".to_vec())
            .await;
        assert_eq!(attempt.status, None);
        assert_eq!(attempt.error.as_deref(), Some("connection refused"));
    }

    #[tokio::test]
    async fn post_refuses_internal_targets_without_the_flag() {
        let (port, seen) = receiver().await;
        let targets = Targets::new(false);
        for (url, error) in [
            (
                format!("http://127.0.0.1:{port}/ok"),
                "refused: must use https",
            ),
            (
                format!("http://localhost:{port}/ok"),
                "refused: must use https",
            ),
            // An IP literal is judged before sending (the resolver never sees it).
            (
                format!("https://127.0.0.1:{port}/ok"),
                "refused: resolves to a private or internal address",
            ),
            (
                format!("https://[::ffff:127.0.0.1]:{port}/ok"),
                "refused: resolves to a private or internal address",
            ),
            // A name is judged by the client's resolver, at connect time.
            (
                format!("https://localhost:{port}/ok"),
                "refused: resolves to a private or internal address",
            ),
            ("not a url".to_owned(), "refused: is not a valid URL"),
        ] {
            let attempt = targets.post(&url, &[], b"{}".to_vec()).await;
            assert_eq!(attempt.status, None, "{url}");
            assert_eq!(attempt.error.as_deref(), Some(error), "{url}");
            assert!(!attempt.delivered());
        }
        assert_eq!(seen.requests.load(Ordering::SeqCst), 0);
    }
}
