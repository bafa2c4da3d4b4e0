//! Emulator scaffolding (feature `emulator`): a loopback HTTP server (127.0.0.1, port 0) on
//! which an adapter mounts its fake API as an `axum::Router`, with fault injection any test
//! can switch on at run time: fixed latency, a share of 429 (with `Retry-After`) and 500
//! answers, dropped connections and truncated bodies.
//!
//! ```no_run
//! # async fn demo() -> finops_core::Result<()> {
//! use finops_core::emulator::{EmulatorServer, FaultConfig};
//! let router = axum::Router::new().route("/ping", axum::routing::get(|| async { "pong" }));
//! let server = EmulatorServer::start(router).await?;
//! server.faults().set(FaultConfig { rate_429: 0.3, rate_500: 0.1, ..Default::default() });
//! println!("listening on {}", server.url());
//! # Ok(()) }
//! ```
//!
//! Faults are decided before the route runs (a 429/500/drop never reaches the emulated API,
//! like a gateway rejecting the call), except truncation, which cuts the route's real answer.

use crate::{Error, Result};
use axum::body::Body;
use futures::StreamExt;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rand::{Rng, SeedableRng};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceExt;

pub use axum;

/// What faults to inject (all off by default).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultConfig {
    /// Added to every request before it is answered.
    pub latency: Duration,
    /// Share of requests answered `429 Too Many Requests` with `Retry-After`.
    pub rate_429: f64,
    /// Share of requests answered `500 Internal Server Error`.
    pub rate_500: f64,
    /// Share of requests whose connection is closed without an answer.
    pub drop_rate: f64,
    /// Share of answers whose body is cut in half (Content-Length kept, connection closed).
    pub truncate_rate: f64,
    /// `Retry-After` seconds sent with injected 429s (0 sends `0`).
    pub retry_after_secs: u64,
    /// Seed of the fault RNG (same seed, same request order → same faults).
    pub seed: u64,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            latency: Duration::ZERO,
            rate_429: 0.0,
            rate_500: 0.0,
            drop_rate: 0.0,
            truncate_rate: 0.0,
            retry_after_secs: 0,
            seed: 42,
        }
    }
}

impl FaultConfig {
    /// A "storm": `share` of the requests get 429 or 500 (half each), with `Retry-After: 0`.
    pub fn storm(share: f64) -> Self {
        FaultConfig {
            rate_429: share / 2.0,
            rate_500: share / 2.0,
            ..Default::default()
        }
    }
}

/// Counters of what the server saw and did.
#[derive(Debug, Default)]
pub struct FaultStats {
    /// Requests received.
    pub requests: AtomicU64,
    /// Injected 429 answers.
    pub injected_429: AtomicU64,
    /// Injected 500 answers.
    pub injected_500: AtomicU64,
    /// Dropped connections.
    pub dropped: AtomicU64,
    /// Truncated bodies.
    pub truncated: AtomicU64,
    /// Requests passed to the emulated API.
    pub served: AtomicU64,
}

#[derive(Debug)]
struct FaultState {
    cfg: FaultConfig,
    rng: rand::rngs::StdRng,
}

/// Run-time handle on the fault injector of a server.
#[derive(Debug, Clone)]
pub struct Faults {
    state: Arc<Mutex<FaultState>>,
    stats: Arc<FaultStats>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Decision {
    Pass,
    TooMany(u64),
    Internal,
    Drop,
    Truncate,
}

impl Faults {
    fn new() -> Self {
        Faults {
            state: Arc::new(Mutex::new(FaultState {
                cfg: FaultConfig::default(),
                rng: rand::rngs::StdRng::seed_from_u64(42),
            })),
            stats: Arc::new(FaultStats::default()),
        }
    }

    /// Replace the fault configuration (and reseed the RNG).
    pub fn set(&self, cfg: FaultConfig) {
        let mut g = self.state.lock().unwrap_or_else(|e| e.into_inner());
        g.rng = rand::rngs::StdRng::seed_from_u64(cfg.seed);
        g.cfg = cfg;
    }

    /// Switch every fault off.
    pub fn clear(&self) {
        self.set(FaultConfig::default());
    }

    /// The counters.
    pub fn stats(&self) -> &FaultStats {
        &self.stats
    }

    fn decide(&self) -> (Duration, Decision) {
        let mut g = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let cfg = g.cfg.clone();
        let x: f64 = g.rng.random();
        let mut acc = cfg.rate_429;
        let d = if x < acc {
            Decision::TooMany(cfg.retry_after_secs)
        } else if x < {
            acc += cfg.rate_500;
            acc
        } {
            Decision::Internal
        } else if x < {
            acc += cfg.drop_rate;
            acc
        } {
            Decision::Drop
        } else if x < acc + cfg.truncate_rate {
            Decision::Truncate
        } else {
            Decision::Pass
        };
        (cfg.latency, d)
    }
}

/// A running loopback emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct EmulatorServer {
    addr: SocketAddr,
    faults: Faults,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fault injector dropped the connection")
    }
}

impl std::error::Error for DropConnection {}

impl EmulatorServer {
    /// Serve `router` on `127.0.0.1:0` (a free port) in the current tokio runtime.
    pub async fn start(router: axum::Router) -> Result<Self> {
        Self::start_on("127.0.0.1:0", router).await
    }

    /// Serve `router` on a given loopback address (e.g. `127.0.0.1:8080`).
    pub async fn start_on(addr: &str, router: axum::Router) -> Result<Self> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| Error::io(addr, e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("listener", e))?;
        let faults = Faults::new();
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let f2 = faults.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut rx => break,
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let router = router.clone();
                        let faults = f2.clone();
                        tokio::spawn(async move {
                            let svc = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                                handle(req, router.clone(), faults.clone())
                            });
                            let _ = hyper::server::conn::http1::Builder::new()
                                .keep_alive(true)
                                .serve_connection(TokioIo::new(stream), svc)
                                .await;
                        });
                    }
                }
            }
        });
        Ok(EmulatorServer {
            addr,
            faults,
            shutdown: Some(tx),
        })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The host with port, as a client puts it in the `Host` header.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// The fault injector.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }
}

impl Drop for EmulatorServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

async fn handle(
    req: hyper::Request<Incoming>,
    router: axum::Router,
    faults: Faults,
) -> std::result::Result<hyper::Response<Body>, DropConnection> {
    faults.stats.requests.fetch_add(1, Ordering::Relaxed);
    let (latency, decision) = faults.decide();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match decision {
        Decision::TooMany(secs) => {
            faults.stats.injected_429.fetch_add(1, Ordering::Relaxed);
            return Ok(hyper::Response::builder()
                .status(429)
                .header("retry-after", secs.to_string())
                .header("content-type", "application/json")
                .body(Body::from(r#"{"message":"Too Many Requests (injected)"}"#))
                .unwrap_or_default());
        }
        Decision::Internal => {
            faults.stats.injected_500.fetch_add(1, Ordering::Relaxed);
            return Ok(hyper::Response::builder()
                .status(500)
                .header("content-type", "application/json")
                .body(Body::from(
                    r#"{"message":"Internal Server Error (injected)"}"#,
                ))
                .unwrap_or_default());
        }
        Decision::Drop => {
            faults.stats.dropped.fetch_add(1, Ordering::Relaxed);
            return Err(DropConnection);
        }
        _ => {}
    }
    let req = req.map(Body::new);
    let resp = match router.oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    faults.stats.served.fetch_add(1, Ordering::Relaxed);
    if decision == Decision::Truncate {
        faults.stats.truncated.fetch_add(1, Ordering::Relaxed);
        let (mut parts, body) = resp.into_parts();
        let bytes = body
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        let half = bytes.slice(..bytes.len() / 2);
        parts.headers.insert(
            http::header::CONTENT_LENGTH,
            http::HeaderValue::from(bytes.len().max(1)),
        );
        let chunks: Vec<std::result::Result<bytes::Bytes, std::io::Error>> = vec![
            Ok(half),
            Err(std::io::Error::other("truncated by the fault injector")),
        ];
        let body = Body::from_stream(futures::stream::iter(chunks).boxed());
        return Ok(hyper::Response::from_parts(parts, body));
    }
    Ok(resp)
}
