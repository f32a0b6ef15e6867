//! The one error type. Its message is safe to show to a client; internal causes are logged, never sent.

/// What went wrong, in terms a client can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request that cannot be understood (missing or malformed parameter, bad JSON).
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    /// A value that breaks a rule; `field` names the input at fault.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("{0}")]
    Conflict(String),
    /// Something that existed and is no more: a link already used, or expired.
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    Unauthorized(String),
    /// An HTTP signature is missing or does not check out (inboxes, authorized fetch).
    #[error("{0}")]
    SignatureRequired(String),
    #[error("{0}")]
    Forbidden(String),
    /// A body larger than the endpoint takes.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Over a rate limit: answered `429` with `Retry-After`.
    #[error("{0}")]
    TooManyRequests(String),
    #[error("the database is unavailable")]
    Unavailable(String),
    /// Another server could not be reached, or answered with something unusable.
    #[error("{0}")]
    BadGateway(String),
    #[error("internal error")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Error {
        Error::Invalid {
            field,
            message: message.into(),
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Error {
        Error::Internal(cause.to_string())
    }

    /// A stable machine-readable code, sent as `error` in JSON bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadRequest(_) => "bad_request",
            Error::NotFound(_) => "not_found",
            Error::Invalid { .. } => "invalid",
            Error::Conflict(_) => "conflict",
            Error::Gone(_) => "gone",
            Error::Unauthorized(_) | Error::SignatureRequired(_) => "unauthorized",
            Error::Forbidden(_) => "forbidden",
            Error::PayloadTooLarge(_) => "payload_too_large",
            Error::TooManyRequests(_) => "too_many_requests",
            Error::Unavailable(_) => "unavailable",
            Error::BadGateway(_) => "bad_gateway",
            Error::Internal(_) => "internal",
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Error::BadRequest(_) => 400,
            Error::NotFound(_) => 404,
            Error::Invalid { .. } => 422,
            Error::Conflict(_) => 409,
            Error::Gone(_) => 410,
            Error::Unauthorized(_) | Error::SignatureRequired(_) => 401,
            Error::Forbidden(_) => 403,
            Error::PayloadTooLarge(_) => 413,
            Error::TooManyRequests(_) => 429,
            Error::Unavailable(_) => 503,
            Error::BadGateway(_) => 502,
            Error::Internal(_) => 500,
        }
    }

    /// Whether trying again later may succeed (the database was busy or unreachable), as opposed to a
    /// request or stored data that will fail the same way every time.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Unavailable(_) => true,
            Error::Internal(cause) => cause.starts_with("database:"),
            _ => false,
        }
    }

    /// The cause to log, which may say more than the client-safe message.
    pub fn log_detail(&self) -> Option<&str> {
        match self {
            Error::Unavailable(cause) | Error::Internal(cause) => Some(cause),
            _ => None,
        }
    }
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Error {
        match e {
            diesel::result::Error::NotFound => Error::NotFound("not found".into()),
            other => Error::Internal(format!("database: {other}")),
        }
    }
}

/// The JSON body of every error answer: `{"error": code, "message": text}`.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable code: bad_request, not_found, invalid, conflict, unauthorized, forbidden,
    /// payload_too_large, too_many_requests, unavailable, bad_gateway, internal.
    pub error: String,
    /// What went wrong, for a person.
    pub message: String,
}

impl axum::response::IntoResponse for Error {
    fn into_response(self) -> axum::response::Response {
        if let Some(detail) = self.log_detail() {
            tracing::error!(code = self.code(), "{detail}");
        }
        let status = axum::http::StatusCode::from_u16(self.status())
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody {
            error: self.code().to_string(),
            message: self.to_string(),
        };
        let mut response = (status, axum::Json(body)).into_response();
        // Tell the client which credentials it lacks: an API token, or an HTTP signature.
        let challenge = match &self {
            Error::Unauthorized(_) => Some("Bearer"),
            Error::SignatureRequired(_) => Some("Signature"),
            _ => None,
        };
        if matches!(self, Error::TooManyRequests(_)) {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("60"),
            );
        }
        if let Some(challenge) = challenge {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static(challenge),
            );
        }
        response
    }
}
