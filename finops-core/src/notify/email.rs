//! [`EmailNotifier`]: e-mail over SMTP through lettre (tokio, rustls).

use super::{Message, Notifier};
use crate::clock::SharedClock;
use crate::{Error, Result, Secret};
use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart, header::ContentType};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

const PROVIDER: &str = "smtp";

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with `STARTTLS`, which must succeed (port 587).
    StartTls,
    /// TLS from the first byte (SMTPS, port 465).
    ImplicitTls,
    /// No TLS at all (a relay on loopback only; credentials would travel in clear, so
    /// [`EmailNotifierBuilder::build`] refuses them).
    None,
}

/// Builder of [`EmailNotifier`].
pub struct EmailNotifierBuilder {
    host: String,
    port: u16,
    security: SmtpSecurity,
    from: String,
    username: Option<String>,
    password: Option<Secret>,
    root_certs: Vec<Vec<u8>>,
    timeout: Duration,
    hello_name: Option<String>,
    clock: SharedClock,
}

impl std::fmt::Debug for EmailNotifierBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailNotifierBuilder")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("from", &self.from)
            .field("username", &self.username)
            .field("password", &self.password)
            .finish_non_exhaustive()
    }
}

impl EmailNotifierBuilder {
    /// Connection security (default [`SmtpSecurity::StartTls`]).
    pub fn with_security(mut self, security: SmtpSecurity) -> Self {
        self.security = security;
        self
    }

    /// Log in with `AUTH PLAIN` or `AUTH LOGIN`.
    pub fn with_credentials(mut self, username: impl Into<String>, password: Secret) -> Self {
        self.username = Some(username.into());
        self.password = Some(password);
        self
    }

    /// Trust this CA or self-signed certificate (PEM) besides the public roots.
    pub fn with_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certs.push(pem.into());
        self
    }

    /// Timeout of each SMTP step (default 30 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Name sent in `EHLO` (default: this machine's host name).
    pub fn with_hello_name(mut self, name: impl Into<String>) -> Self {
        self.hello_name = Some(name.into());
        self
    }

    /// The clock that dates messages.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Build (checks the sender address and the TLS settings; no connection is made).
    pub fn build(self) -> Result<EmailNotifier> {
        let label = format!("{}:{}", self.host, self.port);
        let from: Mailbox = self
            .from
            .parse()
            .map_err(|e| Error::config(format!("e-mail sender {:?}: {e}", self.from)))?;
        if self.security == SmtpSecurity::None && self.password.is_some() {
            return Err(Error::config(format!(
                "SMTP {label}: refusing to send credentials without TLS (use STARTTLS or implicit TLS)"
            )));
        }
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(self.host.clone())
            .port(self.port)
            .timeout(Some(self.timeout));
        if let Some(h) = &self.hello_name {
            b = b.hello_name(lettre::transport::smtp::extension::ClientId::Domain(
                h.clone(),
            ));
        }
        let tls = || -> Result<TlsParameters> {
            let mut tp = TlsParameters::builder(self.host.clone());
            for pem in &self.root_certs {
                let c = Certificate::from_pem(pem)
                    .map_err(|e| Error::config(format!("SMTP {label}: root certificate: {e}")))?;
                tp = tp.add_root_certificate(c);
            }
            tp.build_rustls()
                .map_err(|e| Error::config(format!("SMTP {label}: TLS settings: {e}")))
        };
        b = match self.security {
            SmtpSecurity::StartTls => b.tls(Tls::Required(tls()?)),
            SmtpSecurity::ImplicitTls => b.tls(Tls::Wrapper(tls()?)),
            SmtpSecurity::None => b.tls(Tls::None),
        };
        if let (Some(u), Some(p)) = (&self.username, &self.password) {
            b = b
                .credentials(Credentials::new(u.clone(), p.expose().to_string()))
                .authentication(vec![Mechanism::Plain, Mechanism::Login]);
        }
        Ok(EmailNotifier {
            label,
            transport: b.build(),
            from,
            password: self.password,
            clock: self.clock,
        })
    }
}

/// Sends messages by e-mail: one e-mail to the message's recipients, text and HTML parts.
pub struct EmailNotifier {
    label: String,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    password: Option<Secret>,
    clock: SharedClock,
}

impl std::fmt::Debug for EmailNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailNotifier")
            .field("server", &self.label)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl EmailNotifier {
    /// A builder for the SMTP server `host:port`, sending as `from`.
    pub fn builder(
        host: impl Into<String>,
        port: u16,
        from: impl Into<String>,
    ) -> EmailNotifierBuilder {
        EmailNotifierBuilder {
            host: host.into(),
            port,
            security: SmtpSecurity::StartTls,
            from: from.into(),
            username: None,
            password: None,
            root_certs: Vec::new(),
            timeout: Duration::from_secs(30),
            hello_name: None,
            clock: crate::clock::system(),
        }
    }

    /// The lettre message for `msg` (pure but for the Message-ID).
    pub fn email(&self, msg: &Message) -> Result<lettre::Message> {
        if msg.to.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "e-mail {:?} has no recipient",
                msg.subject
            )));
        }
        let mut b = lettre::Message::builder()
            .from(self.from.clone())
            .subject(msg.subject.clone())
            .date(std::time::SystemTime::from(self.clock.now()));
        for to in &msg.to {
            let mb: Mailbox = to
                .parse()
                .map_err(|e| Error::InvalidArgument(format!("e-mail recipient {to:?}: {e}")))?;
            b = b.to(mb);
        }
        let built = match &msg.html {
            Some(html) => b.multipart(MultiPart::alternative_plain_html(
                msg.text.clone(),
                html.clone(),
            )),
            None => b.header(ContentType::TEXT_PLAIN).body(msg.text.clone()),
        };
        built.map_err(|e| Error::InvalidArgument(format!("e-mail {:?}: {e}", msg.subject)))
    }
}

#[async_trait]
impl Notifier for EmailNotifier {
    fn label(&self) -> String {
        format!("email:{}", self.label)
    }

    async fn send(&self, msg: &Message) -> Result<()> {
        let email = self.email(msg)?;
        match self.transport.send(email).await {
            Ok(_) => Ok(()),
            Err(e) => {
                let mut text = e.to_string();
                if let Some(p) = &self.password {
                    text = p.redact(&text);
                }
                Err(Error::Generic {
                    provider: PROVIDER,
                    message: format!("sending e-mail through {}: {text}", self.label),
                    retryable: e.is_transient() || e.is_timeout() || !e.is_permanent(),
                })
            }
        }
    }
}
