//! The browser-side defences on every answer (ASVS 14.4): a content
//! security policy that admits only the site's own scripts and styles (no
//! page carries an inline script or style), no framing by other sites, a
//! referrer policy, and nosniff. An answer that already names a policy
//! keeps it: the admin's (`admin/views.rs`) and an SVG's. Uploads opened
//! on their own are sandboxed, except PDFs: Chrome's and Safari's viewers
//! refuse to show a sandboxed PDF, so the library refuses PDFs with scripts
//! instead (`content/pdf.rs`).

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The public site's policy. Pictures may come from other https sites (a
/// picture linked in a text) and players load in frames from their hosts.
pub const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; \
    frame-src https:; connect-src 'self'; form-action 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// An upload opened on its own (a picture) runs nothing and reaches nothing.
pub const UPLOAD_POLICY: &str = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'";

/// Addresses that hold a secret (a confirmation or preview token): no Referer may carry them away.
fn holds_a_secret(path: &str) -> bool {
    ["/newsletter/confirm/", "/newsletter/unsubscribe/", "/signatures/confirm/", "/preview/"].iter().any(|p| path.starts_with(p))
}

pub async fn add(request: Request, next: Next) -> Response {
    let secret = holds_a_secret(request.uri().path());
    let upload = request.uri().path().starts_with("/uploads/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let pdf = headers.get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"application/pdf"));
    if upload && !pdf {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(UPLOAD_POLICY));
    }
    headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(POLICY));
    if secret {
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    } else {
        headers.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("strict-origin-when-cross-origin"));
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}
