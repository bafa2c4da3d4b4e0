//! Where alerts go (AGO-06): the [`Notifier`] trait, with the portal's own
//! `createNotification` ([`PortalNotifier`]), a file ([`FileNotifier`]) and standard output
//! ([`StdoutNotifier`]). E-mail over SMTP will be another implementation.

use crate::ArcGis;
use async_trait::async_trait;
use finops_core::{Error, Result};
use std::path::PathBuf;

/// Sends a message somewhere.
#[async_trait]
pub trait Notifier: Send + Sync + std::fmt::Debug {
    /// A short label for reports (`portal:email`, `file:/path`, `stdout`).
    fn label(&self) -> String;
    /// Send one message.
    async fn notify(&self, subject: &str, body: &str) -> Result<()>;
}

/// `createNotification` channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NotificationChannel {
    /// An e-mail to each user.
    #[default]
    Email,
    /// An in-portal notification.
    Builtin,
}

impl NotificationChannel {
    /// The API value.
    pub fn as_str(&self) -> &'static str {
        match self {
            NotificationChannel::Email => "email",
            NotificationChannel::Builtin => "builtin",
        }
    }
}

impl std::str::FromStr for NotificationChannel {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "email" => Ok(NotificationChannel::Email),
            "builtin" | "portal" => Ok(NotificationChannel::Builtin),
            other => Err(Error::InvalidArgument(format!(
                "notification channel {other:?}: expected email or builtin"
            ))),
        }
    }
}

/// Notifies users of the portal (normally its administrator contacts) through
/// `createNotification`, batched by 25 users per call.
#[derive(Debug, Clone)]
pub struct PortalNotifier {
    ago: ArcGis,
    channel: NotificationChannel,
    recipients: Vec<String>,
}

impl PortalNotifier {
    /// Notify `recipients` (user names) on `channel`.
    pub fn new(ago: ArcGis, channel: NotificationChannel, recipients: Vec<String>) -> Self {
        PortalNotifier {
            ago,
            channel,
            recipients,
        }
    }
}

#[async_trait]
impl Notifier for PortalNotifier {
    fn label(&self) -> String {
        format!(
            "portal:{} ({} recipient(s))",
            self.channel.as_str(),
            self.recipients.len()
        )
    }

    async fn notify(&self, subject: &str, body: &str) -> Result<()> {
        if self.recipients.is_empty() {
            return Err(Error::InvalidArgument(
                "the organization has no administrator contacts to notify".into(),
            ));
        }
        self.ago
            .create_notification(self.channel, subject, body, &self.recipients)
            .await
            .map(|_| ())
    }
}

/// Appends each message to a text file (rewritten atomically each time).
#[derive(Debug, Clone)]
pub struct FileNotifier {
    path: PathBuf,
}

impl FileNotifier {
    /// Write to `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileNotifier { path: path.into() }
    }
}

#[async_trait]
impl Notifier for FileNotifier {
    fn label(&self) -> String {
        format!("file:{}", self.path.display())
    }

    async fn notify(&self, subject: &str, body: &str) -> Result<()> {
        let mut text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(Error::io(&self.path, e)),
        };
        text.push_str(&format!("Subject: {subject}\n\n{body}\n\n---\n"));
        finops_core::fs::write_atomic(&self.path, text.as_bytes())
    }
}

/// Prints each message on standard output.
#[derive(Debug, Clone, Copy, Default)]
pub struct StdoutNotifier;

#[async_trait]
impl Notifier for StdoutNotifier {
    fn label(&self) -> String {
        "stdout".into()
    }

    async fn notify(&self, subject: &str, body: &str) -> Result<()> {
        println!("== {subject}\n{body}");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_notifier_appends() {
        let dir = tempfile::tempdir().unwrap();
        let n = FileNotifier::new(dir.path().join("alerts.txt"));
        n.notify("s1", "b1").await.unwrap();
        n.notify("s2", "b2").await.unwrap();
        let t = std::fs::read_to_string(dir.path().join("alerts.txt")).unwrap();
        assert!(t.contains("Subject: s1") && t.contains("Subject: s2"));
    }

    #[test]
    fn channels_parse() {
        assert_eq!(
            "EMAIL".parse::<NotificationChannel>().unwrap(),
            NotificationChannel::Email
        );
        assert_eq!(
            "builtin".parse::<NotificationChannel>().unwrap(),
            NotificationChannel::Builtin
        );
        assert!("sms".parse::<NotificationChannel>().is_err());
    }
}
