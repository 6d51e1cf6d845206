//! A fault-injecting HTTP proxy between the S3 client and the embedded server.
//!
//! It forwards every request over a fresh TCP connection to the server, logs it, and on request
//! answers in the server's place with an S3 error (`503 SlowDown`, `500 InternalError`), or
//! damages the exchange the way a network or a sick server would: a response body cut off, one
//! shorter than its Content-Length, one that stalls, an upload that never reaches its end.

use std::collections::VecDeque;
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
use hyper::client::conn::http1::SendRequest;
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
    /// `500 InternalError`, answered without forwarding: the server never sees the request.
    InternalError,
    /// The response headers and half the body, then the connection is dropped.
    DropMidBody,
    /// The server's headers, its Content-Length included, then the body without its last `n`
    /// bytes and a clean close of the connection.
    ShortBody(usize),
    /// The server's headers and the first half of the body at once, the rest after a pause.
    SlowBody(Duration),
    /// The request headers and half the request body reach the server, then both connections
    /// are dropped: the server sees an upload cut short, the client gets no response.
    CutRequestBody,
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

    match fault {
        Some(FaultKind::SlowDown) => {
            return Ok(s3_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "SlowDown",
                "Please reduce your request rate.",
            ))
        }
        Some(FaultKind::InternalError) => {
            return Ok(s3_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "We encountered an internal error. Please try again.",
            ))
        }
        _ => {}
    }

    if fault == Some(FaultKind::CutRequestBody) {
        let (parts, body) = request.into_parts();
        let full = body.collect().await.map_err(io::Error::other)?.to_bytes();
        let half = full.slice(..full.len() / 2);
        // The headers still announce the whole body; the upstream sees it end early.
        let cut = Request::from_parts(
            parts,
            Scripted::new([Step::Data(half), Step::Pause(PAUSE), Step::Fail]),
        );
        let _ = connect(upstream).await?.send_request(cut).await;
        return Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "fault proxy dropped the upload mid-body",
        ));
    }

    let response = connect(upstream)
        .await?
        .send_request(request)
        .await
        .map_err(io::Error::other)?;

    let Some(fault) = fault else {
        return Ok(response.map(|body| body.map_err(io::Error::other).boxed()));
    };
    let (parts, body) = response.into_parts();
    let full = body.collect().await.map_err(io::Error::other)?.to_bytes();
    let half = full.len() / 2;
    let steps = match fault {
        FaultKind::DropMidBody => vec![
            Step::Data(full.slice(..half)),
            Step::Pause(PAUSE),
            Step::Fail,
        ],
        // Ends cleanly before the Content-Length the headers still announce: hyper then
        // closes the connection.
        FaultKind::ShortBody(missing) => vec![
            Step::Data(full.slice(..full.len().saturating_sub(missing))),
            Step::Pause(PAUSE),
        ],
        FaultKind::SlowBody(pause) => vec![
            Step::Data(full.slice(..half)),
            Step::Pause(pause),
            Step::Data(full.slice(half..)),
        ],
        FaultKind::SlowDown | FaultKind::InternalError | FaultKind::CutRequestBody => {
            unreachable!("answered before the response")
        }
    };
    Ok(Response::from_parts(
        parts,
        BodyExt::boxed(Scripted::new(steps)),
    ))
}

/// A fresh HTTP/1 connection to the server.
async fn connect<B>(upstream: SocketAddr) -> Result<SendRequest<B>, io::Error>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let stream = TcpStream::connect(upstream).await?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(io::Error::other)?;
    tokio::spawn(connection);
    Ok(sender)
}

/// How long a damaged body waits after its data, so the data reaches the other side before the
/// connection goes.
const PAUSE: Duration = Duration::from_millis(50);

/// An S3 error document as the service sends it.
fn s3_error(status: StatusCode, code: &str, message: &str) -> Response<ProxyBody> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
         <Message>{message}</Message><RequestId>FAULT</RequestId>\
         <HostId>fault-proxy</HostId></Error>"
    );
    Response::builder()
        .status(status)
        .header("content-type", "application/xml")
        .body(
            Full::new(Bytes::from(body))
                .map_err(|never| match never {})
                .boxed(),
        )
        .unwrap()
}

enum Step {
    Data(Bytes),
    Pause(Duration),
    /// Fails the body, which makes hyper drop the connection.
    Fail,
}

/// A body played from a script of data, pauses and failure. It gives no size hint, so whatever
/// Content-Length the headers announce is what goes on the wire, whether the script keeps to it
/// or not.
struct Scripted {
    steps: VecDeque<Step>,
    sleeping: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Scripted {
    fn new(steps: impl IntoIterator<Item = Step>) -> Scripted {
        Scripted {
            steps: steps.into_iter().collect(),
            sleeping: None,
        }
    }
}

impl Body for Scripted {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        loop {
            if let Some(sleep) = self.sleeping.as_mut() {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                self.sleeping = None;
            }
            match self.steps.pop_front() {
                Some(Step::Data(chunk)) => return Poll::Ready(Some(Ok(Frame::data(chunk)))),
                Some(Step::Pause(pause)) => {
                    self.sleeping = Some(Box::pin(tokio::time::sleep(pause)));
                }
                Some(Step::Fail) => {
                    return Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::ConnectionReset,
                        "fault proxy dropped the connection mid-body",
                    ))))
                }
                None => return Poll::Ready(None),
            }
        }
    }
}
