//! The accept loop: every connection is served with timeouts, open connections are bounded, and
//! a shutdown finishes in-flight requests within a deadline, then exits whatever clients do.
//!
//! - **Header timeout**: from the moment a connection is accepted, or the first byte of its next
//!   request arrives, until that request's headers are complete. Past it the connection is closed
//!   without an answer (a client sending partial headers is cut off).
//! - **Idle timeout**: from the end of a response until the first byte of the next request (a
//!   keep-alive connection nobody uses is closed). A response is "ended" when hyper has taken all
//!   of its body, so this also bounds how long a client may take to read a finished response.
//! - **Body timeout**: from the end of the headers until the whole request body has arrived. Past
//!   it the request is answered 408 with the API's error body and `Connection: close`.
//! - **Connection bound**: at most `max_connections` are open; past it the loop stops accepting,
//!   so new connections wait in the kernel's listen backlog until one closes (once the backlog,
//!   128 as tokio binds it, is full, Linux drops new connection attempts and clients retry).
//! - **Shutdown**: when `shutdown` completes the listener closes, every connection is asked to
//!   finish (idle ones close at once, in-flight requests are answered with `Connection: close`),
//!   and after `shutdown_timeout` the connections still open are dropped.
//!
//! hyper 1.x has one timer of its own for HTTP/1, the header read timeout, which starts when a
//! connection begins waiting for a request head (at accept, and again as soon as a keep-alive
//! connection goes idle), so it cannot tell an idle connection from a slow one. It is set here to
//! `idle + header`, a backstop behind this module's own two timers, which a small per-connection
//! watchdog enforces.
//!
//! Protocol errors hyper answers itself, before any request reaches the router (a malformed
//! request line or header: 400; headers too large: 431; URI too long: 414), are written with an
//! empty body; [`Tracked`] replaces those few bytes with the same status and an API error body.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::header::CONNECTION;
use axum::http::{HeaderValue, Request, Response, StatusCode};
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

use crate::error;

/// How connections are served. [`Default`] gives the server's defaults.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Time allowed for a request's headers, from accept or the request's first byte.
    pub header_timeout: Duration,
    /// Time a keep-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// Time allowed for a request's body, from the end of its headers.
    pub body_timeout: Duration,
    /// Connections open at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Time in-flight requests get to finish after shutdown is asked for.
    pub shutdown_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(75),
            body_timeout: Duration::from_secs(30),
            max_connections: 10_000,
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then shuts down as [`ServeOptions`]
/// says. Returns once every connection is closed (at most `shutdown_timeout` after `shutdown`).
pub async fn serve<F>(listener: TcpListener, app: Router, options: ServeOptions, shutdown: F)
where
    F: Future<Output = ()> + Send,
{
    let options = Arc::new(options);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(options.idle_timeout + options.header_timeout);
    let builder = Arc::new(builder);
    let slots = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // a slot first: past the bound, connections wait in the backlog, not in this process
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // out of file descriptors or a connection reset before accept: pause so
                    // a persistent error does not spin the loop
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            () = &mut shutdown => break,
        };
        let watcher = graceful.watcher();
        let builder = builder.clone();
        let app = app.clone();
        let options = options.clone();
        connections.spawn(async move {
            serve_connection(stream, peer, &builder, app, &options, watcher).await;
            drop(slot);
        });
    }
    drop(listener);
    let open = connections.len();
    tracing::info!(
        open,
        "no longer accepting; waiting for in-flight requests to finish"
    );
    let deadline = options.shutdown_timeout;
    let finished = async {
        graceful.shutdown().await;
        while connections.join_next().await.is_some() {}
    };
    if tokio::time::timeout(deadline, finished).await.is_err() {
        tracing::warn!(
            open = connections.len(),
            "connections still open at the shutdown deadline are closed"
        );
    }
    connections.shutdown().await;
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    builder: &http1::Builder,
    app: Router,
    options: &ServeOptions,
    watcher: hyper_util::server::graceful::Watcher,
) {
    let track = Arc::new(Track::new());
    let io = TokioIo::new(Tracked::new(stream, track.clone()));
    let body_timeout = options.body_timeout;
    let service_track = track.clone();
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let busy = service_track.begin();
        let mut req = req;
        // the client's address, as axum's ConnectInfo: the gate counts requests without a
        // valid credential per address
        req.extensions_mut().insert(ConnectInfo(peer));
        handle(app.clone(), busy, body_timeout, req)
    });
    let conn = watcher.watch(builder.serve_connection(io, service));
    tokio::select! {
        result = conn => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        why = watchdog(&track, options) => {
            tracing::debug!(reason = why, "connection closed");
        }
    }
}

/// One request: the body under its deadline, the router, and the connection's bookkeeping.
async fn handle(
    app: Router,
    busy: Busy,
    body_timeout: Duration,
    req: Request<Incoming>,
) -> Result<Response<TrackedBody>, Infallible> {
    let progress = Arc::new(BodyProgress::default());
    let req = req.map(|incoming| {
        if http_body::Body::is_end_stream(&incoming) {
            progress.done.store(true, Ordering::Relaxed);
        }
        Body::new(DeadlineBody {
            inner: incoming,
            deadline: Instant::now() + body_timeout,
            sleep: None,
            progress: progress.clone(),
        })
    });
    let mut response = app.oneshot(req).await.unwrap_or_else(|e| match e {});
    if progress.timed_out.load(Ordering::Relaxed) {
        response = error::error_response(
            StatusCode::REQUEST_TIMEOUT,
            408,
            format!(
                "the request body did not arrive within {} seconds",
                body_timeout.as_secs_f64()
            ),
        );
    }
    // A body not read to its end (a request refused before its body was read: 401, 413, 415,
    // 429, ...) leaves the connection in an unknown place in the byte stream: hyper discards what
    // has already arrived and otherwise closes the connection. Say so, instead of closing
    // without a word.
    if !progress.done.load(Ordering::Relaxed) {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    Ok(response.map(|inner| TrackedBody { inner, _busy: busy }))
}

#[derive(Default)]
struct BodyProgress {
    /// The body was read to its end (or had none).
    done: AtomicBool,
    /// The body deadline passed before it did.
    timed_out: AtomicBool,
}

/// The request body, cut off at its deadline.
struct DeadlineBody {
    inner: Incoming,
    deadline: Instant,
    /// Made on the first read, so bodiless requests cost no timer.
    sleep: Option<Pin<Box<Sleep>>>,
    progress: Arc<BodyProgress>,
}

#[derive(Debug)]
struct BodyTimedOut;

impl std::fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body did not arrive in time")
    }
}

impl std::error::Error for BodyTimedOut {}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if this.progress.timed_out.load(Ordering::Relaxed) {
            return Poll::Ready(Some(Err(Box::new(BodyTimedOut))));
        }
        let deadline = this.deadline;
        let sleep = this
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        let late = match polled {
            Poll::Pending => sleep.as_mut().poll(cx).is_ready(),
            Poll::Ready(_) => sleep.is_elapsed(),
        };
        if late {
            this.progress.timed_out.store(true, Ordering::Relaxed);
            return Poll::Ready(Some(Err(Box::new(BodyTimedOut))));
        }
        match ready!(polled) {
            None => {
                this.progress.done.store(true, Ordering::Relaxed);
                Poll::Ready(None)
            }
            Some(frame) => {
                if this.inner.is_end_stream() {
                    this.progress.done.store(true, Ordering::Relaxed);
                }
                Poll::Ready(Some(frame.map_err(Into::into)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The response body, holding the request's place in its connection's count until hyper has
/// taken all of it.
struct TrackedBody {
    inner: Body,
    _busy: Busy,
}

impl http_body::Body for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

// ---- per-connection state and its watchdog ----

const WAITING_HEAD: u8 = 0;
const IDLE: u8 = 1;
const BUSY: u8 = 2;

/// Where a connection is: waiting for a request's headers, idle between requests, or busy with
/// a request (HTTP/1 pipelining can dispatch the next request before the last response's body
/// is dropped, hence a count).
struct Track {
    /// A copy of `state.phase` for the read path's cheap check.
    phase: AtomicU8,
    state: Mutex<TrackState>,
    changed: Notify,
}

struct TrackState {
    phase: u8,
    since: Instant,
    active: usize,
}

impl Track {
    fn new() -> Self {
        Self {
            phase: AtomicU8::new(WAITING_HEAD),
            state: Mutex::new(TrackState {
                phase: WAITING_HEAD,
                since: Instant::now(),
                active: 0,
            }),
            changed: Notify::new(),
        }
    }

    fn set(&self, state: &mut TrackState, phase: u8) {
        state.phase = phase;
        state.since = Instant::now();
        self.phase.store(phase, Ordering::Release);
        self.changed.notify_one();
    }

    /// A request's headers are complete: it is dispatched.
    fn begin(self: &Arc<Self>) -> Busy {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.active += 1;
        if s.phase != BUSY {
            self.set(&mut s, BUSY);
        }
        Busy(self.clone())
    }

    /// Bytes arrived: on an idle connection, a next request has begun.
    fn bytes_arrived(&self) {
        if self.phase.load(Ordering::Acquire) != IDLE {
            return;
        }
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.phase == IDLE {
            self.set(&mut s, WAITING_HEAD);
        }
    }

    fn phase_since(&self) -> (u8, Instant) {
        let s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        (s.phase, s.since)
    }
}

/// A request in progress on its connection; dropped with its response body (or with the
/// request, when the connection goes first).
struct Busy(Arc<Track>);

impl Drop for Busy {
    fn drop(&mut self) {
        let mut s = self.0.state.lock().unwrap_or_else(|p| p.into_inner());
        s.active -= 1;
        if s.active == 0 {
            self.0.set(&mut s, IDLE);
        }
    }
}

/// Completes when the connection has been waiting for headers longer than the header timeout,
/// or idle longer than the idle timeout; never while a request is in progress.
async fn watchdog(track: &Track, options: &ServeOptions) -> &'static str {
    loop {
        let changed = track.changed.notified();
        let (phase, since) = track.phase_since();
        let (deadline, why) = match phase {
            WAITING_HEAD => (since + options.header_timeout, "header timeout"),
            IDLE => (since + options.idle_timeout, "idle timeout"),
            _ => {
                changed.await;
                continue;
            }
        };
        if deadline <= Instant::now() {
            return why;
        }
        tokio::select! {
            () = tokio::time::sleep_until(deadline) => {}
            () = changed => {}
        }
    }
}

// ---- the socket, watched ----

/// The client's socket as hyper sees it: bytes read move the connection out of idle, and
/// hyper's own empty-bodied error answers are given the API's error body.
struct Tracked {
    inner: TcpStream,
    track: Arc<Track>,
    /// A replacement being written in place of hyper's bytes, with how many of hyper's bytes
    /// it stands for.
    rewrite: Option<(Vec<u8>, usize, usize)>,
}

impl Tracked {
    fn new(inner: TcpStream, track: Arc<Track>) -> Self {
        Self {
            inner,
            track,
            rewrite: None,
        }
    }

    /// hyper's own answer to a request it could not parse, if `head` is one: a 4xx status line
    /// and headers with no body and no content type, written while no request is in progress.
    /// Every answer of the router has a content type (see `error::json_errors`).
    fn hyper_error_answer(&self, head: &[u8]) -> Option<Vec<u8>> {
        if self.track.phase.load(Ordering::Acquire) == BUSY {
            return None;
        }
        let rest = head.strip_prefix(b"HTTP/1.1 4")?;
        if !head.ends_with(b"\r\n\r\n")
            || head.windows(4).filter(|w| w == b"\r\n\r\n").count() != 1
            || head
                .windows(13)
                .any(|w| w.eq_ignore_ascii_case(b"content-type:"))
        {
            return None;
        }
        let status = std::str::from_utf8(rest.get(..2)?).ok()?;
        let status = StatusCode::from_u16(400 + status.parse::<u16>().ok()?).ok()?;
        let (code, message) = match status.as_u16() {
            414 => (414, "the request URI is too long"),
            431 => (431, "the request headers are too large"),
            400 => (
                openhouse_domain::error::codes::INVALID_PARAMETER,
                "the request is not valid HTTP",
            ),
            _ => (i64::from(status.as_u16()), "the request is not valid HTTP"),
        };
        let body = serde_json::to_vec(&openhouse_api::ErrorBody {
            code,
            message: message.into(),
        })
        .ok()?;
        let mut out = format!(
            "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or(""),
            body.len()
        )
        .into_bytes();
        out.extend_from_slice(&body);
        Some(out)
    }

    /// Writes the pending replacement; Ready(Ok(n)) once all of it is out, n being the number
    /// of hyper's bytes it replaced.
    fn poll_rewrite(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        loop {
            let Some((bytes, written, stands_for)) = &mut self.rewrite else {
                return Poll::Ready(Ok(0));
            };
            if *written == bytes.len() {
                let n = *stands_for;
                self.rewrite = None;
                return Poll::Ready(Ok(n));
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
    }
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.inner).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            self.track.bytes_arrived();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.rewrite.is_none()
            && let Some(answer) = self.hyper_error_answer(buf)
        {
            self.rewrite = Some((answer, 0, buf.len()));
        }
        if self.rewrite.is_some() {
            return self.poll_rewrite(cx);
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.rewrite.is_none() {
            let mut filled = bufs.iter().filter(|b| !b.is_empty());
            if let (Some(head), None) = (filled.next(), filled.next())
                && let Some(answer) = self.hyper_error_answer(head)
            {
                self.rewrite = Some((answer, 0, head.len()));
            }
        }
        if self.rewrite.is_some() {
            return self.poll_rewrite(cx);
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
