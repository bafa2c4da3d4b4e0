//! Notifiers (feature `notify`): e-mail over SMTP ([`EmailNotifier`], lettre: STARTTLS or
//! implicit TLS, AUTH PLAIN/LOGIN) and JSON webhooks ([`WebhookNotifier`]: Microsoft Teams
//! workflow cards, Slack incoming webhooks, or plain JSON), behind one small [`Notifier`] trait
//! so a service can plug its own.
//!
//! Messages are rendered from templates (minijinja; HTML auto-escaped) in French or English
//! ([`Language`]) by [`render_alerts`]; the [`crate::alert::AlertPolicy`] decides what is sent
//! to whom.

mod email;
mod templates;
mod webhook;

pub use email::{EmailNotifier, EmailNotifierBuilder, SmtpSecurity};
pub use templates::render_alerts;
pub use webhook::{WebhookFormat, WebhookNotifier, payload as webhook_payload};

use crate::alert::Severity;
use crate::{Error, Result};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The language of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// French (the language of the original OVH job's recipients).
    #[default]
    Fr,
    /// English.
    En,
}

impl Language {
    /// `fr` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Fr => "fr",
            Language::En => "en",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Language {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fr" | "fr-fr" | "french" | "français" => Ok(Language::Fr),
            "en" | "en-gb" | "en-us" | "english" => Ok(Language::En),
            other => Err(Error::InvalidArgument(format!(
                "language {other:?}: expected fr or en"
            ))),
        }
    }
}

/// One line of a message (one alert), for formats that show structure (cards, blocks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageItem {
    /// Severity.
    pub severity: Severity,
    /// The line.
    pub title: String,
    /// More detail (may be empty).
    pub detail: String,
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Addresses (e-mail); empty for a webhook.
    pub to: Vec<String>,
    /// Subject / card title.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body (e-mail alternative part).
    pub html: Option<String>,
    /// The highest severity of the items.
    pub severity: Severity,
    /// The items.
    pub items: Vec<MessageItem>,
    /// The language it is written in.
    pub language: Language,
}

impl Message {
    /// The same message for other recipients.
    pub fn to(mut self, to: Vec<String>) -> Self {
        self.to = to;
        self
    }
}

/// Sends a [`Message`] somewhere.
#[async_trait]
pub trait Notifier: Send + Sync + fmt::Debug {
    /// A label for errors and run records (`email`, `webhook:teams`).
    fn label(&self) -> String;
    /// Send; an unreachable server is an error (never a panic).
    async fn send(&self, msg: &Message) -> Result<()>;
}
