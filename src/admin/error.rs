//! Errors at the admin's HTTP boundary: a [`Problem`] is a message for the
//! editor with a status; anything else is logged with its chain and shown
//! as a calm 500 page.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::store::Unwritable;

/// A message for the person at the screen, rendered in the admin's look by
/// [`super::views::finish`].
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub message: String,
}

impl Problem {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Problem { status, message: message.into() }
    }

    pub fn forbidden() -> Self {
        Problem::new(StatusCode::FORBIDDEN, "Your role does not allow this. Ask an owner of the site if you need it.")
    }

    pub fn not_found() -> Self {
        Problem::new(StatusCode::NOT_FOUND, "There is nothing here. It may have been removed, or the address is mistyped.")
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.message.clone()).into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// What an admin handler returns on failure.
#[derive(Debug)]
pub enum AdminError {
    Problem(Problem),
    Internal(anyhow::Error),
}

impl From<Problem> for AdminError {
    fn from(p: Problem) -> Self {
        AdminError::Problem(p)
    }
}

impl From<anyhow::Error> for AdminError {
    fn from(e: anyhow::Error) -> Self {
        AdminError::Internal(e)
    }
}

impl From<serde_json::Error> for AdminError {
    fn from(e: serde_json::Error) -> Self {
        AdminError::Internal(e.into())
    }
}

impl From<sqlx::Error> for AdminError {
    fn from(e: sqlx::Error) -> Self {
        AdminError::Internal(e.into())
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        match self {
            AdminError::Problem(p) => p.into_response(),
            AdminError::Internal(error) => match Unwritable::of(&error) {
                Some(why) => {
                    tracing::warn!(error = format!("{error:#}"), "the store did not take an admin write");
                    Problem::new(StatusCode::SERVICE_UNAVAILABLE, why.message()).into_response()
                }
                None if error.is::<crate::render::lanes::TooSlow>() => Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "This took longer than the server allows to prepare a page. Your text is safe; try again in a minute.",
                )
                .into_response(),
                None => {
                    tracing::error!(error = format!("{error:#}"), "an admin request failed");
                    Problem::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Something went wrong on the server. Try again in a moment; if it keeps happening, tell the site's operator.",
                    )
                    .into_response()
                }
            },
        }
    }
}

pub type AdminResult = Result<Response, AdminError>;

/// For a save the store did not take for a passing reason (a full disk, a
/// busy or unreachable database): the message to show above the form,
/// which is shown again with what was typed. Any other error stays one.
pub fn unsaved(error: anyhow::Error) -> Result<String, AdminError> {
    match Unwritable::of(&error) {
        Some(why) => {
            tracing::warn!(error = format!("{error:#}"), "the store did not take a save");
            Ok(why.message().to_owned())
        }
        None => Err(AdminError::Internal(error)),
    }
}
