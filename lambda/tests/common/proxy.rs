//! A fault-injecting HTTP proxy between the S3 client and the embedded server.
//!
//! It forwards every request over a fresh TCP connection to the server, logs it, and on request
//! replaces a response with S3's `503 SlowDown` or cuts the response body off after half its
//! bytes and drops the connection, as a network failure would.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

type ProxyBody = BoxBody<Bytes, io::Error>;

/// The failures the proxy can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// `503 SlowDown`, S3's throttling answer.
    SlowDown,
    /// The response headers and half the body, then the connection is dropped.
    DropMidBody,
}

#[derive(Debug)]
struct Fault {
    method: Method,
    path_contains: String,
    kind: FaultKind,
    remaining: u32,
}

#[derive(Debug, Default)]
struct State {
    faults: Vec<Fault>,
    log: Vec<(Method, String)>,
}

#[derive(Debug)]
pub struct FaultProxy {
    pub endpoint: String,
    state: Arc<Mutex<State>>,
    accept_loop: JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

impl FaultProxy {
    pub async fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let accept_loop = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        forward(request, upstream, Arc::clone(&state))
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        FaultProxy {
            endpoint,
            state,
            accept_loop,
        }
    }

    /// Injects `kind` into the next `times` requests with `method` whose path and query contain
    /// `path_contains` (as sent: percent-encoded).
    pub fn inject(&self, method: Method, path_contains: &str, kind: FaultKind, times: u32) {
        self.state.lock().unwrap().faults.push(Fault {
            method,
            path_contains: path_contains.to_owned(),
            kind,
            remaining: times,
        });
    }

    /// Removes every pending fault.
    pub fn heal(&self) {
        self.state.lock().unwrap().faults.clear();
    }

    /// Forgets the request log.
    pub fn clear_log(&self) {
        self.state.lock().unwrap().log.clear();
    }

    /// Requests seen so far: method and path with query.
    pub fn requests(&self) -> Vec<(Method, String)> {
        self.state.lock().unwrap().log.clone()
    }

    /// How many requests with `method` had `path_contains` in their path and query.
    pub fn count(&self, method: &Method, path_contains: &str) -> usize {
        self.requests()
            .iter()
            .filter(|(m, path)| m == method && path.contains(path_contains))
            .count()
    }
}

async fn forward(
    request: Request<Incoming>,
    upstream: SocketAddr,
    state: Arc<Mutex<State>>,
) -> Result<Response<ProxyBody>, io::Error> {
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let fault = {
        let mut state = state.lock().unwrap();
        state.log.push((request.method().clone(), path.clone()));
        let method = request.method().clone();
        state
            .faults
            .iter_mut()
            .find(|f| f.remaining > 0 && f.method == method && path.contains(&f.path_contains))
            .map(|fault| {
                fault.remaining -= 1;
                fault.kind
            })
    };

    if fault == Some(FaultKind::SlowDown) {
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>\
                    <Message>Please reduce your request rate.</Message>\
                    <RequestId>FAULT</RequestId><HostId>fault-proxy</HostId></Error>";
        let response = Response::builder()
            .status(StatusCode::SERVICE_UNAVAILABLE)
            .header("content-type", "application/xml")
            .body(
                Full::new(Bytes::from(body))
                    .map_err(|never| match never {})
                    .boxed(),
            )
            .unwrap();
        return Ok(response);
    }

    let stream = TcpStream::connect(upstream).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(io::Error::other)?;
    tokio::spawn(connection);
    let response = sender
        .send_request(request)
        .await
        .map_err(io::Error::other)?;

    if fault == Some(FaultKind::DropMidBody) {
        let (parts, body) = response.into_parts();
        let full = body.collect().await.map_err(io::Error::other)?.to_bytes();
        let half = full.slice(..full.len() / 2);
        let body = CutOff {
            chunk: Some(half),
            pause: Some(Box::pin(tokio::time::sleep(Duration::from_millis(50)))),
        };
        return Ok(Response::from_parts(parts, BodyExt::boxed(body)));
    }
    Ok(response.map(|body| body.map_err(io::Error::other).boxed()))
}

/// A body that yields its first chunk, pauses so the chunk reaches the client, then fails,
/// which makes the server drop the connection before the announced length.
struct CutOff {
    chunk: Option<Bytes>,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Body for CutOff {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        if let Some(chunk) = self.chunk.take() {
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        if let Some(pause) = self.pause.as_mut() {
            if pause.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.pause = None;
        }
        Poll::Ready(Some(Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "fault proxy dropped the connection mid-body",
        ))))
    }
}
