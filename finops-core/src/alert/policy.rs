//! [`AlertPolicy`]: de-duplicate, group per recipient, send, keep what failed pending.

use super::{Alert, Severity};
use crate::Result;
use crate::clock::SharedClock;
use crate::notify::{Language, Notifier, render_alerts};
use crate::state::{AlertStore, DeliveryKey, PendingDelivery, SourceError, SubmitOutcome};
use chrono::Duration;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where alerts go: a notifier, its own recipients, the lowest severity it wants, its language.
#[derive(Debug, Clone)]
pub struct Channel {
    /// Name (part of the de-duplication key: `email`, `teams`).
    pub name: String,
    /// The notifier.
    pub notifier: Arc<dyn Notifier>,
    /// Recipients of every alert (e-mail addresses). Empty for a webhook.
    pub recipients: Vec<String>,
    /// Whether an alert's own [`Alert::recipients`] are added (e-mail: yes; webhook: no).
    pub direct_recipients: bool,
    /// Alerts below this severity are not sent here.
    pub min_severity: Severity,
    /// Language of the messages.
    pub language: Language,
}

impl Channel {
    /// An e-mail channel to `recipients` (plus each alert's own recipients).
    pub fn email(
        name: impl Into<String>,
        notifier: Arc<dyn Notifier>,
        recipients: Vec<String>,
        language: Language,
    ) -> Self {
        Channel {
            name: name.into(),
            notifier,
            recipients,
            direct_recipients: true,
            min_severity: Severity::Info,
            language,
        }
    }

    /// A webhook channel (one message per run for the whole channel).
    pub fn webhook(
        name: impl Into<String>,
        notifier: Arc<dyn Notifier>,
        language: Language,
    ) -> Self {
        Channel {
            name: name.into(),
            notifier,
            recipients: Vec::new(),
            direct_recipients: false,
            min_severity: Severity::Info,
            language,
        }
    }

    /// Only alerts of at least `severity`.
    pub fn with_min_severity(mut self, severity: Severity) -> Self {
        self.min_severity = severity;
        self
    }

    fn recipients_of(&self, a: &Alert) -> Vec<String> {
        let mut r: Vec<String> = self.recipients.clone();
        if self.direct_recipients {
            r.extend(a.recipients.iter().cloned());
        }
        r.sort_by_key(|x| x.to_ascii_lowercase());
        r.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        if r.is_empty() && !self.direct_recipients {
            // A webhook is its own single recipient.
            r.push(String::new());
        }
        r
    }
}

/// A message that could not be sent (its alerts stay pending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchFailure {
    /// Channel name.
    pub channel: String,
    /// Recipient (empty for a webhook).
    pub recipient: String,
    /// Alerts it carried.
    pub alerts: usize,
    /// Why.
    pub error: String,
}

/// What one [`AlertPolicy::process`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// Deliveries pending / suppressed by the window.
    pub submitted: SubmitOutcome,
    /// Messages sent.
    pub messages_sent: usize,
    /// Alert deliveries sent (one alert to two recipients counts twice).
    pub deliveries_sent: usize,
    /// Messages that failed.
    pub failures: Vec<DispatchFailure>,
    /// Pending deliveries dropped as stale.
    pub dropped_stale: usize,
}

impl DispatchReport {
    /// The failures as run-record errors (`notify:<channel>`).
    pub fn errors(&self) -> Vec<SourceError> {
        self.failures
            .iter()
            .map(|f| {
                let who = if f.recipient.is_empty() {
                    String::new()
                } else {
                    format!(" to {}", f.recipient)
                };
                SourceError::new(
                    format!("notify:{}", f.channel),
                    format!(
                        "{} alert(s){who} not sent, kept pending: {}",
                        f.alerts, f.error
                    ),
                )
            })
            .collect()
    }
}

/// The alert policy: de-duplication window, grouping, persistence, channels.
#[derive(Debug, Clone)]
pub struct AlertPolicy {
    store: Arc<dyn AlertStore>,
    channels: Vec<Channel>,
    window: Duration,
    pending_ttl: Duration,
    clock: SharedClock,
    job: String,
}

impl AlertPolicy {
    /// A policy keeping its state in `store`, time from `clock`; window 24 h, pending alerts
    /// kept 7 days.
    pub fn new(store: Arc<dyn AlertStore>, clock: SharedClock) -> Self {
        AlertPolicy {
            store,
            channels: Vec::new(),
            window: Duration::hours(24),
            pending_ttl: Duration::days(7),
            clock,
            job: "finops".into(),
        }
    }

    /// Add a channel.
    pub fn with_channel(mut self, channel: Channel) -> Self {
        self.channels.push(channel);
        self
    }

    /// The de-duplication window (default 24 h).
    pub fn with_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// How long an unsent alert stays pending (default 7 days).
    pub fn with_pending_ttl(mut self, ttl: Duration) -> Self {
        self.pending_ttl = ttl;
        self
    }

    /// The sender name in subjects (default `finops`).
    pub fn with_job_name(mut self, job: impl Into<String>) -> Self {
        self.job = job.into();
        self
    }

    /// Submit this run's alerts (de-duplicated against what was sent within the window).
    pub async fn submit(&self, alerts: &[Alert]) -> Result<SubmitOutcome> {
        let mut deliveries = Vec::new();
        for a in alerts {
            for ch in self
                .channels
                .iter()
                .filter(|c| a.severity >= c.min_severity)
            {
                for r in ch.recipients_of(a) {
                    deliveries.push((
                        DeliveryKey {
                            alert: a.key.clone(),
                            channel: ch.name.clone(),
                            recipient: r,
                        },
                        a.clone(),
                    ));
                }
            }
        }
        self.store
            .submit(&deliveries, self.clock.now(), self.window)
            .await
    }

    /// Send every pending delivery: one message per channel and recipient. A failed send is
    /// recorded on its deliveries, which stay pending; it is never an `Err` (only the state
    /// store failing is).
    pub async fn dispatch(&self, run: &str) -> Result<DispatchReport> {
        let mut report = DispatchReport {
            dropped_stale: self
                .store
                .drop_pending_before(self.clock.now() - self.pending_ttl)
                .await?,
            ..Default::default()
        };
        let pending = self.store.pending().await?;
        let mut groups: BTreeMap<(String, String), Vec<PendingDelivery>> = BTreeMap::new();
        for p in pending {
            groups
                .entry((p.key.channel.clone(), p.key.recipient.clone()))
                .or_default()
                .push(p);
        }
        for ((channel, recipient), items) in groups {
            let Some(ch) = self.channels.iter().find(|c| c.name == channel) else {
                continue;
            };
            let alerts: Vec<Alert> = items.iter().map(|p| p.alert.clone()).collect();
            let keys: Vec<DeliveryKey> = items.iter().map(|p| p.key.clone()).collect();
            let to = if recipient.is_empty() {
                Vec::new()
            } else {
                vec![recipient.clone()]
            };
            let sent = match render_alerts(
                ch.language,
                &self.job,
                run,
                self.window.num_hours(),
                &alerts,
            ) {
                Ok(msg) => ch.notifier.send(&msg.to(to)).await,
                Err(e) => Err(e),
            };
            match sent {
                Ok(()) => {
                    self.store.mark_sent(&keys, self.clock.now()).await?;
                    report.messages_sent += 1;
                    report.deliveries_sent += keys.len();
                }
                Err(e) => {
                    let error = e.to_string();
                    tracing::warn!(channel = %channel, recipient = %recipient, alerts = keys.len(), error = %error, "alert message not sent; kept pending");
                    self.store
                        .mark_failed(&keys, self.clock.now(), &error)
                        .await?;
                    report.failures.push(DispatchFailure {
                        channel,
                        recipient,
                        alerts: keys.len(),
                        error,
                    });
                }
            }
        }
        Ok(report)
    }

    /// [`AlertPolicy::submit`] then [`AlertPolicy::dispatch`]: what a run calls at its end.
    pub async fn process(&self, run: &str, alerts: &[Alert]) -> Result<DispatchReport> {
        let submitted = self.submit(alerts).await?;
        let mut r = self.dispatch(run).await?;
        r.submitted = submitted;
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use crate::clock::FixedClock;
    use crate::notify::Message;
    use crate::state::MemoryState;
    use async_trait::async_trait;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[derive(Debug, Default)]
    struct Sink {
        sent: Mutex<Vec<Message>>,
        down: AtomicBool,
    }

    #[async_trait]
    impl Notifier for Sink {
        fn label(&self) -> String {
            "sink".into()
        }
        async fn send(&self, msg: &Message) -> Result<()> {
            if self.down.load(Ordering::SeqCst) {
                return Err(Error::Generic {
                    provider: "smtp",
                    message: "connection refused".into(),
                    retryable: true,
                });
            }
            self.sent.lock().unwrap().push(msg.clone());
            Ok(())
        }
    }

    #[tokio::test]
    async fn dedup_group_and_retry() {
        let clock = FixedClock::new("2026-11-29T22:15:00Z".parse().unwrap());
        let sink = Arc::new(Sink::default());
        let policy = AlertPolicy::new(Arc::new(MemoryState::new()), Arc::new(clock.clone()))
            .with_channel(Channel::email(
                "email",
                sink.clone(),
                vec!["team@example.org".into()],
                Language::Fr,
            ));
        let alerts = vec![
            Alert::run_failure("ovh", "A", "HTTP 500"),
            Alert::unmapped_tenant("ovh", "t1").with_recipient("owner@example.org"),
        ];
        let r = policy.process("run 1", &alerts).await.unwrap();
        assert_eq!(r.messages_sent, 2, "one message per recipient");
        assert_eq!(r.deliveries_sent, 3);
        {
            let sent = sink.sent.lock().unwrap();
            let team = sent.iter().find(|m| m.to == ["team@example.org"]).unwrap();
            assert_eq!(team.items.len(), 2);
            let owner = sent.iter().find(|m| m.to == ["owner@example.org"]).unwrap();
            assert_eq!(owner.items.len(), 1);
        }
        // Same alerts an hour later: nothing sent.
        clock.advance(Duration::hours(1));
        let r = policy.process("run 2", &alerts).await.unwrap();
        assert_eq!((r.messages_sent, r.submitted.suppressed), (0, 3));
        // The server is down when a new alert comes: error recorded, kept pending.
        sink.down.store(true, Ordering::SeqCst);
        let new = vec![Alert::run_failure("oci", "B", "timeout")];
        let r = policy.process("run 3", &new).await.unwrap();
        assert_eq!(r.messages_sent, 0);
        assert_eq!(r.failures.len(), 1);
        assert!(
            r.errors()[0]
                .to_string()
                .starts_with("notify:email: 1 alert(s) to team@example.org not sent")
        );
        // Next run, server back: it goes out, once.
        sink.down.store(false, Ordering::SeqCst);
        clock.advance(Duration::hours(1));
        let r = policy.process("run 4", &[]).await.unwrap();
        assert_eq!((r.messages_sent, r.deliveries_sent), (1, 1));
        // After the window the same alert is sent again.
        clock.advance(Duration::hours(23));
        let r = policy.process("run 5", &alerts[..1]).await.unwrap();
        assert_eq!(r.deliveries_sent, 1);
    }
}
