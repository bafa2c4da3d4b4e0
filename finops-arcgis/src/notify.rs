//! Where alerts go (AGO-06): the [`Notifier`] trait, with the portal's own
//! `createNotification` ([`PortalNotifier`], batched by [`ArcGis::create_notification`]), a
//! file ([`FileNotifier`]) and standard output ([`StdoutNotifier`]). E-mail over SMTP will be
//! another implementation.
//!
//! Files (the notification file here, the alert state in [`crate::alerts`]) are read and
//! written on tokio's blocking pool, never on the async runtime's threads, and always
//! atomically.

use crate::client::NOTIFY_BATCH_MAX;
use crate::error::ArcGisError;
use crate::{ArcGis, PROVIDER, model};
use async_trait::async_trait;
use finops_core::{Error, Result};
use std::path::{Path, PathBuf};

/// Run the file work `f` on `path` on tokio's blocking pool (file I/O must not stall the
/// async runtime's threads).
pub(crate) async fn blocking<T, F>(path: &Path, f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        Error::from(ArcGisError::Blocking {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
    })?
}

impl ArcGis {
    /// Send a notification to `users` through `createNotification`, in batches of
    /// [`NOTIFY_BATCH_MAX`]; returns the number of calls made. Like arcgis-rest-js
    /// `createOrgNotification`, a failed batch does not stop the others: every batch is sent,
    /// then an error names each failed batch (its first user and the reason) and how many
    /// were delivered.
    pub async fn create_notification(
        &self,
        channel: NotificationChannel,
        subject: &str,
        message: &str,
        users: &[String],
    ) -> Result<usize> {
        let mut sent = 0;
        let mut failed: Vec<(String, Error)> = Vec::new();
        for batch in users.chunks(NOTIFY_BATCH_MAX) {
            let req = self.client.create_notification_request(
                channel.as_str(),
                subject,
                message,
                batch,
            )?;
            let first = batch.first().cloned().unwrap_or_default();
            let outcome = match self.client.send(req).await {
                Ok(resp) => model::parse_success(&resp.body, &resp.call).map(|_| ()),
                Err(e) => Err(e),
            };
            match outcome {
                Ok(()) => sent += 1,
                Err(e) => {
                    tracing::warn!(provider = PROVIDER, first_user = %first, error = %e, "createNotification batch failed");
                    failed.push((first, e));
                }
            }
        }
        match failed.len() {
            0 => Ok(sent),
            1 if sent == 0 => Err(failed.remove(0).1),
            n => Err(ArcGisError::NotificationBatches {
                sent,
                failed: n,
                retryable: failed.iter().all(|(_, e)| e.is_retryable()),
                detail: failed
                    .iter()
                    .map(|(u, e)| format!("batch starting at {u}: {e}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            }
            .into()),
        }
    }
}

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
#[non_exhaustive]
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
        let path = self.path.clone();
        let entry = format!("Subject: {subject}\n\n{body}\n\n---\n");
        blocking(&self.path, move || {
            let mut text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(e) => return Err(Error::io(&path, e)),
            };
            text.push_str(&entry);
            finops_core::fs::write_atomic(&path, text.as_bytes())
        })
        .await
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
