//! The one error type every finops crate maps into.
//!
//! Each adapter keeps a private, specific error enum and converts it with
//! `impl From<AdapterError> for finops_core::Error`. Retryability is a property of the
//! error ([`Error::is_retryable`]), so the shared retry loop never guesses from strings.

use std::time::Duration;

/// Result alias used across finops-core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where a bad value was found in an input file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// File name (or a label such as `<stream>`).
    pub file: String,
    /// 1-based line number (the header is line 1), when known.
    pub line: Option<u64>,
    /// Column (header name), when known.
    pub column: Option<String>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(c) = &self.column {
            write!(f, " column {c}")?;
        }
        Ok(())
    }
}

/// The error type of finops-core, and the common target of every adapter error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The provider answered with a non-success HTTP status.
    #[error("{provider}: {call} failed with HTTP {status}: {body}")]
    Status {
        /// Provider label (`ovh`, `oci`, `azure`, `arcgis`, ...).
        provider: &'static str,
        /// The API call, e.g. `POST /20200107/usage`.
        call: String,
        /// HTTP status code.
        status: u16,
        /// Response body (secrets redacted, truncated to a few KiB).
        body: String,
        /// Provider request id (`opc-request-id`, `X-Ovh-QueryId`, ...) when present.
        request_id: Option<String>,
    },
    /// The provider throttled the call (HTTP 429 or a provider-specific equivalent).
    #[error("{provider}: {call} was rate limited (retry after {retry_after:?})")]
    RateLimited {
        /// Provider label.
        provider: &'static str,
        /// The API call.
        call: String,
        /// Wait the provider asked for, if any.
        retry_after: Option<Duration>,
        /// Response body (redacted).
        body: String,
    },
    /// Authentication failed (bad signature, expired token, unknown key).
    #[error("{provider}: not authenticated for {call}: {message}")]
    Unauthenticated {
        /// Provider label.
        provider: &'static str,
        /// The API call.
        call: String,
        /// What the provider said.
        message: String,
    },
    /// Authenticated, but not allowed (e.g. administrator rights required).
    #[error("{provider}: permission denied for {call}: {message}")]
    PermissionDenied {
        /// Provider label.
        provider: &'static str,
        /// The API call.
        call: String,
        /// What the provider said.
        message: String,
    },
    /// The resource does not exist.
    #[error("{provider}: not found: {call}")]
    NotFound {
        /// Provider label.
        provider: &'static str,
        /// The API call.
        call: String,
    },
    /// Transport-level failure (connect, reset, timeout, truncated body).
    #[error("{provider}: {call}: transport error: {message}")]
    Transport {
        /// Provider label.
        provider: &'static str,
        /// The API call.
        call: String,
        /// Description of the failure.
        message: String,
        /// `true` for a timeout (only retried for idempotent calls).
        timeout: bool,
        /// `true` when the request may not have reached the server (connect error).
        connect: bool,
    },
    /// The retry budget (attempts or total time) ran out; the last error is kept.
    #[error("{provider}: {call}: gave up after {attempts} attempts: {last}")]
    RetriesExhausted {
        /// Provider label.
        provider: &'static str,
        /// The API call.
        call: String,
        /// Attempts made.
        attempts: u32,
        /// The last error.
        last: Box<Error>,
    },
    /// Configuration is missing or invalid (names the file and key when known).
    #[error("configuration error{}: {message}", location.as_ref().map(|l| format!(" in {l}")).unwrap_or_default())]
    Config {
        /// Where (file/line/key).
        location: Option<Location>,
        /// What is wrong.
        message: String,
    },
    /// An input value could not be parsed.
    #[error("{location}: {message}")]
    Parse {
        /// Where (file, line, column).
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// A required column is missing from an input file.
    #[error("{file}: required column {column} is missing")]
    MissingColumn {
        /// File name.
        file: String,
        /// Column name (FOCUS 1.2 name).
        column: String,
    },
    /// Two values that must share a currency do not.
    #[error("currency mismatch: {0}")]
    CurrencyMismatch(String),
    /// Invalid argument passed to a library call.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A provider response could not be understood.
    #[error("{provider}: {call}: unexpected response: {message}")]
    InvalidResponse {
        /// Provider label.
        provider: &'static str,
        /// The API call.
        call: String,
        /// What was wrong with it.
        message: String,
    },
    /// File-system or other local I/O error, with the path involved.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Anything else from a provider adapter.
    #[error("{provider}: {message}")]
    Generic {
        /// Provider label.
        provider: &'static str,
        /// Description.
        message: String,
        /// Whether the operation may succeed when repeated.
        retryable: bool,
    },
}

impl Error {
    /// Whether repeating the same call may succeed (5xx, 429, 408, connection errors).
    ///
    /// Timeouts count as retryable here; the retry loop only retries them for
    /// idempotent calls.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Status { status, .. } => *status >= 500 || *status == 408 || *status == 429,
            Error::RateLimited { .. } => true,
            Error::Transport { .. } => true,
            Error::Generic { retryable, .. } => *retryable,
            _ => false,
        }
    }

    /// Whether this is a timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport { timeout: true, .. })
    }

    /// The wait the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status, when the error came from a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(429),
            Error::RetriesExhausted { last, .. } => last.status(),
            _ => None,
        }
    }

    /// The one HTTP status → error-variant table, used by every adapter's `parse_error`
    /// (after its provider-specific cases) and by [`crate::http::default_parse_error`]:
    ///
    /// | status | variant |
    /// |---|---|
    /// | 401 | [`Error::Unauthenticated`] (the body is the message) |
    /// | 403 | [`Error::PermissionDenied`] (the body is the message) |
    /// | 404 | [`Error::NotFound`] |
    /// | 429 | [`Error::RateLimited`] with `retry_after` |
    /// | anything else | [`Error::Status`] (5xx and 408 are retryable, see [`Error::is_retryable`]) |
    ///
    /// `body` should already be what the provider said (an error message extracted from its
    /// JSON, or the truncated body); the HTTP client redacts secrets from it afterwards.
    /// Add a request id with [`Error::with_request_id`].
    pub fn from_status(
        provider: &'static str,
        call: impl Into<String>,
        status: u16,
        body: impl Into<String>,
        retry_after: Option<Duration>,
    ) -> Self {
        let call = call.into();
        let body = body.into();
        match status {
            401 => Error::Unauthenticated {
                provider,
                call,
                message: body,
            },
            403 => Error::PermissionDenied {
                provider,
                call,
                message: body,
            },
            404 => Error::NotFound { provider, call },
            429 => Error::RateLimited {
                provider,
                call,
                retry_after,
                body,
            },
            status => Error::Status {
                provider,
                call,
                status,
                body,
                request_id: None,
            },
        }
    }

    /// Set the provider request id of a [`Error::Status`] (other variants are returned as they
    /// are; their message already names what the provider said).
    pub fn with_request_id(mut self, id: Option<String>) -> Self {
        if let Error::Status { request_id, .. } = &mut self
            && id.is_some()
        {
            *request_id = id;
        }
        self
    }

    /// Shorthand for an I/O error on `path`.
    pub fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }

    /// Shorthand for a configuration error without a location.
    pub fn config(message: impl Into<String>) -> Self {
        Error::Config {
            location: None,
            message: message.into(),
        }
    }

    /// Shorthand for a configuration error in `file` at `key`.
    pub fn config_at(
        file: impl Into<String>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Config {
            location: Some(Location {
                file: file.into(),
                line: None,
                column: Some(key.into()),
            }),
            message: message.into(),
        }
    }
}

/// Truncate a response body for error messages (keeps the first `max` bytes on a char boundary).
pub fn truncate_body(body: &str, max: usize) -> String {
    if body.len() <= max {
        return body.to_string();
    }
    let mut end = max;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &body[..end], body.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryability() {
        let s = |status| Error::Status {
            provider: "x",
            call: "GET /".into(),
            status,
            body: String::new(),
            request_id: None,
        };
        assert!(s(500).is_retryable());
        assert!(s(503).is_retryable());
        assert!(s(429).is_retryable());
        assert!(s(408).is_retryable());
        assert!(!s(400).is_retryable());
        assert!(!s(404).is_retryable());
        assert!(!Error::config("x").is_retryable());
    }

    #[test]
    fn status_table() {
        let e = |s| Error::from_status("x", "GET /a", s, "said", None);
        assert!(matches!(e(401), Error::Unauthenticated { message, .. } if message == "said"));
        assert!(matches!(e(403), Error::PermissionDenied { message, .. } if message == "said"));
        assert!(matches!(e(404), Error::NotFound { call, .. } if call == "GET /a"));
        let r = Error::from_status("x", "GET /a", 429, "slow", Some(Duration::from_secs(3)));
        assert_eq!(r.retry_after(), Some(Duration::from_secs(3)));
        assert!(r.is_retryable());
        for s in [400u16, 409, 422] {
            assert!(!e(s).is_retryable(), "{s}");
            assert_eq!(e(s).status(), Some(s));
        }
        for s in [408u16, 500, 502, 503, 504] {
            assert!(e(s).is_retryable(), "{s}");
        }
        let with_id = e(500).with_request_id(Some("R1".into()));
        assert!(matches!(with_id, Error::Status { request_id: Some(ref id), .. } if id == "R1"));
        assert!(matches!(
            e(401).with_request_id(Some("R".into())),
            Error::Unauthenticated { .. }
        ));
    }

    #[test]
    fn location_display() {
        let l = Location {
            file: "a.csv".into(),
            line: Some(3),
            column: Some("BilledCost".into()),
        };
        assert_eq!(l.to_string(), "a.csv:3 column BilledCost");
    }

    #[test]
    fn truncation_keeps_char_boundary() {
        let t = truncate_body("ééééé", 3);
        assert!(t.starts_with('é'));
    }
}
