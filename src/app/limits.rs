//! What every request must meet before a route sees it: exactly one Host
//! (RFC 9112), headers within [`MAX_HEADER_BYTES`], a declared body no
//! larger than the largest any route takes (refused before `100 Continue`
//! invites it), and a body that has arrived within [`BODY_DEADLINE`]
//! ([`UPLOAD_DEADLINE`] for file uploads), so a body sent a byte at a time
//! cannot hold a connection open.

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{StatusCode, Version, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};

pub const MAX_HEADER_BYTES: usize = 16 * 1024;
pub const BODY_DEADLINE: Duration = Duration::from_secs(60);
/// A 20 MB file over a slow mobile line (1 Mbit/s) takes under three minutes.
pub const UPLOAD_DEADLINE: Duration = Duration::from_secs(10 * 60);

/// `max_body` is the largest body any route takes.
pub async fn check(State(max_body): State<usize>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let hosts = headers.get_all(header::HOST).iter().count();
    if hosts > 1 || (hosts == 0 && request.version() >= Version::HTTP_11) {
        return (StatusCode::BAD_REQUEST, "400 Bad Request: a request names its host in exactly one Host header.\n").into_response();
    }
    if headers.iter().map(|(k, v)| k.as_str().len() + v.len()).sum::<usize>() > MAX_HEADER_BYTES {
        return (StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "431 Request Header Fields Too Large.\n").into_response();
    }
    if declared_length(&request).is_some_and(|length| length > max_body) {
        let text = format!("413 Content Too Large: this site takes at most {} MB in one request.\n", max_body / (1024 * 1024));
        return (StatusCode::PAYLOAD_TOO_LARGE, text).into_response();
    }
    if request.body().is_end_stream() {
        // No body to wait for (most GETs): nothing to wrap.
        return next.run(request).await;
    }
    let upload = headers.get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"multipart/form-data"));
    let deadline = if upload { UPLOAD_DEADLINE } else { BODY_DEADLINE };
    next.run(request.map(|body| Body::new(Deadline { body, sleep: Box::pin(tokio::time::sleep(deadline)) }))).await
}

/// For routes that take less than the largest body: refuses a body declared
/// over `limit` before reading any of it, answered by `too_long`.
pub async fn declared_within<A: IntoResponse>(
    State((limit, too_long)): State<(usize, fn() -> A)>,
    request: Request,
    next: Next,
) -> Response {
    if declared_length(&request).is_some_and(|length| length > limit) {
        return too_long().into_response();
    }
    next.run(request).await
}

/// The body length the request's `Content-Length` announces, if any.
fn declared_length(request: &Request) -> Option<usize> {
    request.headers().get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// A small chunk is a slice of its connection's read buffer and keeps all of
/// that buffer alive while the body is gathered: a client sending a byte at a
/// time would pin kilobytes per byte. Copied, it holds only itself.
fn unpinned(data: Bytes) -> Bytes {
    if data.len() < 1024 { Bytes::copy_from_slice(&data) } else { data }
}

/// A request body that fails once its deadline has passed.
struct Deadline {
    body: Body,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl HttpBody for Deadline {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if self.sleep.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(axum::Error::new("the request body did not arrive in time"))));
        }
        let frame = ready!(Pin::new(&mut self.body).poll_frame(cx));
        Poll::Ready(frame.map(|frame| frame.map(|frame| frame.map_data(unpinned))))
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
