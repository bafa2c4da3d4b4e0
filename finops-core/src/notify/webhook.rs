//! [`WebhookNotifier`]: a JSON POST to a webhook URL (Teams, Slack or plain JSON).

use super::{Language, Message, Notifier};
use crate::alert::Severity;
use crate::http::oauth2::relabel_call;
use crate::http::{HttpClient, RequestParts, Url};
use crate::{Error, Result, Secret};
use async_trait::async_trait;
use reqwest::Method;
use serde_json::{Value, json};

/// The payload shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    /// A Microsoft Teams workflow webhook ("When a Teams webhook request is received"): a
    /// `message` with one Adaptive Card 1.4 attachment.
    Teams,
    /// A Slack incoming webhook: `text` (the notification fallback) and Block Kit `blocks`
    /// (a header, then one section per item; at most 50 blocks).
    Slack,
    /// Plain JSON: `{"subject","severity","language","text","items":[{"severity","title","detail"}]}`.
    Json,
}

impl std::str::FromStr for WebhookFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "teams" => Ok(WebhookFormat::Teams),
            "slack" => Ok(WebhookFormat::Slack),
            "json" => Ok(WebhookFormat::Json),
            o => Err(Error::InvalidArgument(format!(
                "webhook format {o:?}: expected teams, slack or json"
            ))),
        }
    }
}

fn severity_label(s: Severity, lang: Language) -> &'static str {
    match (lang, s) {
        (Language::Fr, Severity::Info) | (Language::En, Severity::Info) => "Info",
        (Language::Fr, Severity::Warning) => "Attention",
        (Language::Fr, Severity::Critical) => "Critique",
        (Language::En, Severity::Warning) => "Warning",
        (Language::En, Severity::Critical) => "Critical",
    }
}

/// Cut `s` to at most `max` characters (with an ellipsis).
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Slack's three control characters in `mrkdwn` text.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The JSON body for `msg` in `format` (pure).
pub fn payload(format: WebhookFormat, msg: &Message) -> Value {
    match format {
        WebhookFormat::Teams => {
            let color = match msg.severity {
                Severity::Critical => "Attention",
                Severity::Warning => "Warning",
                Severity::Info => "Default",
            };
            let mut body = vec![json!({
                "type": "TextBlock", "text": msg.subject, "weight": "Bolder",
                "size": "Medium", "wrap": true, "color": color,
            })];
            for i in &msg.items {
                body.push(json!({
                    "type": "TextBlock",
                    "text": format!("**{}** {}", severity_label(i.severity, msg.language), i.title),
                    "wrap": true, "spacing": "Medium",
                }));
                if !i.detail.is_empty() {
                    body.push(json!({
                        "type": "TextBlock", "text": i.detail, "wrap": true,
                        "isSubtle": true, "spacing": "None",
                    }));
                }
            }
            json!({
                "type": "message",
                "attachments": [{
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": null,
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": body,
                    }
                }]
            })
        }
        WebhookFormat::Slack => {
            let mut blocks = vec![json!({
                "type": "header",
                "text": {"type": "plain_text", "text": clip(&msg.subject, 150)},
            })];
            // 50 blocks at most: the header, 48 items, and a "more" line if needed.
            let shown = msg.items.len().min(48);
            for i in &msg.items[..shown] {
                let mut t = format!(
                    "*[{}]* {}",
                    severity_label(i.severity, msg.language),
                    slack_escape(&i.title)
                );
                if !i.detail.is_empty() {
                    t.push_str(&format!("\n_{}_", slack_escape(&i.detail)));
                }
                blocks.push(
                    json!({"type": "section", "text": {"type": "mrkdwn", "text": clip(&t, 3000)}}),
                );
            }
            if msg.items.len() > shown {
                let more = msg.items.len() - shown;
                let t = match msg.language {
                    Language::Fr => format!("… et {more} autre(s)"),
                    Language::En => format!("… and {more} more"),
                };
                blocks
                    .push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": t}]}));
            }
            json!({"text": msg.subject, "blocks": blocks})
        }
        WebhookFormat::Json => json!({
            "subject": msg.subject,
            "severity": msg.severity,
            "language": msg.language,
            "text": msg.text,
            "items": msg.items,
        }),
    }
}

/// Posts messages to a webhook. The URL is a secret (Slack and Teams URLs carry their
/// credential in the path): errors name only `scheme://host/***`.
pub struct WebhookNotifier {
    name: String,
    url: Secret,
    label: String,
    format: WebhookFormat,
    http: HttpClient,
}

impl std::fmt::Debug for WebhookNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookNotifier")
            .field("name", &self.name)
            .field("url", &self.label)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl WebhookNotifier {
    /// A webhook named `name` (a label: `teams`, `slack-finops`) posting `format` payloads
    /// to `url` through `http` (its retry policy applies; its redactions are replaced by the
    /// URL).
    pub fn new(
        name: impl Into<String>,
        url: Secret,
        format: WebhookFormat,
        http: HttpClient,
    ) -> Result<Self> {
        let parsed =
            Url::parse(url.expose()).map_err(|e| Error::config(format!("webhook URL: {e}")))?;
        let label = format!(
            "{}://{}{}/***",
            parsed.scheme(),
            parsed.host_str().unwrap_or(""),
            parsed.port().map(|p| format!(":{p}")).unwrap_or_default()
        );
        Ok(WebhookNotifier {
            name: name.into(),
            url,
            label,
            format,
            http,
        })
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

#[async_trait]
impl Notifier for WebhookNotifier {
    fn label(&self) -> String {
        format!("webhook:{}", self.name)
    }

    async fn send(&self, msg: &Message) -> Result<()> {
        let url = Url::parse(self.url.expose())
            .map_err(|e| Error::config(format!("webhook {}: {e}", self.name)))?;
        let path = Secret::new(url.path().to_string());
        let req = RequestParts::new(Method::POST, url)
            .with_json(&payload(self.format, msg))?
            .idempotent(false);
        let call = format!("POST {}", self.label);
        match self.http.send(req, None).await {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = relabel_call(e, &call);
                // The transport error text quotes the URL; take it (and its path) out.
                let text = path.redact(&self.url.redact(&e.to_string()));
                let text = text.strip_prefix("webhook: ").unwrap_or(&text);
                Err(Error::Generic {
                    provider: "webhook",
                    message: format!("{}: {text}", self.name),
                    retryable: e.is_retryable(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::MessageItem;

    fn msg() -> Message {
        Message {
            to: vec![],
            subject: "[finops] 2 alerts".into(),
            text: "t".into(),
            html: None,
            severity: Severity::Critical,
            items: vec![
                MessageItem {
                    severity: Severity::Critical,
                    title: "A <failed>".into(),
                    detail: "HTTP 500 & more".into(),
                },
                MessageItem {
                    severity: Severity::Warning,
                    title: "B".into(),
                    detail: String::new(),
                },
            ],
            language: Language::En,
        }
    }

    #[test]
    fn teams_card() {
        let p = payload(WebhookFormat::Teams, &msg());
        assert_eq!(p["type"], "message");
        let card = &p["attachments"][0];
        assert_eq!(
            card["contentType"],
            "application/vnd.microsoft.card.adaptive"
        );
        assert_eq!(card["content"]["type"], "AdaptiveCard");
        assert_eq!(card["content"]["body"][0]["text"], "[finops] 2 alerts");
        assert_eq!(
            card["content"]["body"][1]["text"],
            "**Critical** A <failed>"
        );
        assert_eq!(card["content"]["body"][2]["isSubtle"], true);
    }

    #[test]
    fn slack_blocks_escaped_and_bounded() {
        let p = payload(WebhookFormat::Slack, &msg());
        assert_eq!(p["text"], "[finops] 2 alerts");
        assert_eq!(p["blocks"][0]["type"], "header");
        assert_eq!(
            p["blocks"][1]["text"]["text"],
            "*[Critical]* A &lt;failed&gt;\n_HTTP 500 &amp; more_"
        );
        let mut big = msg();
        big.items = (0..120)
            .map(|i| MessageItem {
                severity: Severity::Info,
                title: format!("i{i}"),
                detail: String::new(),
            })
            .collect();
        let p = payload(WebhookFormat::Slack, &big);
        let blocks = p["blocks"].as_array().unwrap();
        assert_eq!(blocks.len(), 50);
        assert_eq!(blocks[49]["elements"][0]["text"], "… and 72 more");
    }
}
