#![doc = include_str!("../README.md")]
#![warn(
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    clippy::future_not_send
)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod alerts;
pub mod allocation;
pub mod builder;
pub mod client;
pub mod credential;
#[cfg(feature = "emulator")]
pub mod emulator;
mod error;
pub mod model;
pub mod notify;
pub mod report;
pub mod usage;

pub use alerts::{AlertConfig, AlertReport, AlertState};
pub use allocation::{AllocationPlan, AllocationReport, AllocationRule};
pub use builder::{ArcGisBuilder, ArcGisConfigKey};
pub use credential::ArcGisCredential;
pub use model::{Portal, PortalUser};
pub use notify::{FileNotifier, NotificationChannel, Notifier, PortalNotifier, StdoutNotifier};
pub use usage::{CreditPrice, OperationUsage, UsageReport, UserUsage};

use async_trait::async_trait;
use client::{ArcGisClient, NOTIFY_BATCH_MAX};
use finops_core::clock::SharedClock;
use finops_core::focus::Period;
use finops_core::http::{Page, paginate};
use finops_core::source::{
    Allocation, CostQuery, CostSource, CreditBalance, CreditQuery, CreditSource, CreditUnit,
};
use finops_core::{Decimal, Error, Result};
use futures::stream::{self, BoxStream, StreamExt};

/// Provider label used in errors and logs.
pub const PROVIDER: &str = "arcgis";

/// The unit of ArcGIS credit balances.
pub const CREDITS: &str = "Credits";

/// A connection to an ArcGIS Online organisation or Enterprise portal. Cheap to clone.
///
/// Build it with [`ArcGisBuilder`]. It implements [`CreditSource`] and offers the credit
/// operations of AGO-01..08.
#[derive(Debug, Clone)]
pub struct ArcGis {
    client: ArcGisClient,
    clock: SharedClock,
    label: String,
}

impl std::fmt::Display for ArcGis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ArcGis({})", self.label)
    }
}

/// One user's credits as the notebook's "check user credits" shows them (AGO-04).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub enum UserCredits {
    /// Budgeting is on: the user's assigned and available credits.
    Budgeted(PortalUser),
    /// Budgeting is off: only the organisation total exists.
    BudgetingDisabled {
        /// The organisation's remaining credits.
        org_available: Option<Decimal>,
    },
}

/// What an `assignUserCredits` call did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AssignOutcome {
    /// Users the portal did not assign (`notAssignedUsers`).
    pub not_assigned: Vec<String>,
}

impl ArcGis {
    /// A builder.
    pub fn builder() -> ArcGisBuilder {
        ArcGisBuilder::new()
    }

    /// The clock of this connection.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The REST root (`<portal>/sharing/rest`).
    pub fn rest_url(&self) -> &str {
        self.client.rest.as_str()
    }

    /// The organisation (AGO-02: `available_credits`; AGO-08: `credit_budgeting`).
    pub async fn portal(&self) -> Result<Portal> {
        let resp = self.client.send(self.client.portal_self_request()?).await?;
        model::parse_portal(&resp.body, &resp.call)
    }

    /// Check that the login may run the credit administration: the portal itself refuses
    /// (403) otherwise, but this gives the clear AGO-01 message before any work starts.
    pub async fn require_admin(&self) -> Result<Portal> {
        let p = self.portal().await?;
        match &p.user {
            Some(u) if p.may_administer() => {
                tracing::debug!(provider = PROVIDER, user = %u.username, "administrator login");
                Ok(p)
            }
            Some(u) if u.role.is_some() => Err(Error::PermissionDenied {
                provider: PROVIDER,
                call: "GET /sharing/rest/portals/self".into(),
                message: format!(
                    "administrator rights required: user {} has role {}, credit administration \
                     needs an organization administrator",
                    u.username,
                    u.role.as_deref().unwrap_or("?")
                ),
            }),
            // No role or no user info: let the portal decide on each call.
            _ => Ok(p),
        }
    }

    /// The organisation's remaining credits (AGO-02).
    pub async fn available_credits(&self) -> Result<Decimal> {
        let p = self.portal().await?;
        p.available_credits.ok_or_else(|| Error::InvalidResponse {
            provider: PROVIDER,
            call: "GET /sharing/rest/portals/self".into(),
            message: "the portal reports no availableCredits (ArcGIS Enterprise has no credits)"
                .into(),
        })
    }

    /// Every user of the organisation, page by page (`start`/`num`=100/`nextStart`, no
    /// 10,000 cap) (AGO-05).
    pub fn users(&self) -> BoxStream<'static, Result<PortalUser>> {
        let client = self.client.clone();
        paginate(move |start: Option<u64>| {
            let client = client.clone();
            async move {
                let start = start.unwrap_or(1);
                let req = client.users_request(start, client::USERS_PAGE_SIZE)?;
                let resp = client.send(req).await?;
                let (items, next) = model::parse_users_page(&resp.body, &resp.call)?;
                // An empty page ends the listing even if the server names a next start.
                let next = if items.is_empty() { None } else { next };
                if let Some(n) = next
                    && n <= start
                {
                    return Err(Error::InvalidResponse {
                        provider: PROVIDER,
                        call: resp.call.clone(),
                        message: format!("nextStart {n} does not move past start {start}"),
                    });
                }
                Ok(Page { items, next })
            }
        })
    }

    /// Every user, collected (stops at the first failed page).
    pub async fn all_users(&self) -> Result<Vec<PortalUser>> {
        finops_core::source::collect_all(self.users()).await
    }

    /// One user (`community/users/<name>`).
    pub async fn user(&self, username: &str) -> Result<PortalUser> {
        let resp = self
            .client
            .send(self.client.community_user_request(username)?)
            .await?;
        model::parse_user(&resp.body, &resp.call)
    }

    /// One user's credits, or the org total when budgeting is off (AGO-04).
    pub async fn user_credits(&self, username: &str) -> Result<UserCredits> {
        let p = self.portal().await?;
        if !p.credit_budgeting {
            return Ok(UserCredits::BudgetingDisabled {
                org_available: p.available_credits,
            });
        }
        Ok(UserCredits::Budgeted(self.user(username).await?))
    }

    /// Fetch `period` window by window (at most [`usage::MAX_WINDOW_DAYS`] each). A window the
    /// portal refuses as too long (a 400 whose message speaks of the time range) is split in
    /// two halves on day boundaries and asked again, down to one day.
    async fn usage_windows(
        &self,
        period: &Period,
        groupby: &str,
    ) -> Result<Vec<(Period, Vec<usage::Series>)>> {
        let mut out = Vec::new();
        let mut todo: std::collections::VecDeque<Period> =
            usage::split_period(period, usage::MAX_WINDOW_DAYS).into();
        while let Some(w) = todo.pop_front() {
            let req = self.client.usage_request(
                w.start.timestamp_millis(),
                w.end.timestamp_millis(),
                groupby,
            )?;
            match self.client.send(req).await {
                Ok(resp) => out.push((w, usage::parse_usage(&resp.body, &resp.call)?)),
                Err(e)
                    if usage::is_window_too_long(&e)
                        && w.duration() > chrono::Duration::days(1) =>
                {
                    let (a, b) = usage::halve(&w);
                    tracing::info!(provider = PROVIDER, window = %w, "usage window refused as too long; splitting it");
                    todo.push_front(b);
                    todo.push_front(a);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Credits consumed per operation type over `period`, summed over users, sorted
    /// descending (AGO-03). Long periods are split into windows of
    /// [`usage::MAX_WINDOW_DAYS`].
    pub async fn usage_by_operation(&self, period: Period) -> Result<UsageReport> {
        let windows = self.usage_windows(&period, "stype,etype").await?;
        Ok(usage::report(period, usage::points_from(&windows)))
    }

    /// Credits consumed per user over `period`, sorted descending.
    pub async fn usage_by_user(&self, period: Period) -> Result<Vec<UserUsage>> {
        let windows = self.usage_windows(&period, "username,userorgid").await?;
        Ok(usage::users_from(&windows))
    }

    /// Turn credit budgeting on or off (`portals/self/update`, AGO-08).
    pub async fn set_credit_budgeting(&self, enabled: bool) -> Result<()> {
        let resp = self
            .client
            .send(self.client.update_budgeting_request(enabled)?)
            .await?;
        model::parse_success(&resp.body, &resp.call)?;
        Ok(())
    }

    /// One `assignUserCredits` call (at most [`client::ASSIGN_BATCH_MAX`] users): each user's
    /// new assigned total (AGO-07). Use [`allocation::apply`] for whole plans.
    pub async fn assign_user_credits(
        &self,
        assignments: &[(String, Decimal)],
    ) -> Result<AssignOutcome> {
        let resp = self
            .client
            .send(self.client.assign_user_credits_request(assignments)?)
            .await?;
        let v = model::parse_success(&resp.body, &resp.call)?;
        let not_assigned = v
            .get("notAssignedUsers")
            .and_then(|a| a.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| match x {
                        serde_json::Value::String(s) => Some(s.clone()),
                        serde_json::Value::Object(o) => o
                            .get("username")
                            .and_then(|u| u.as_str())
                            .map(str::to_string),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(AssignOutcome { not_assigned })
    }

    /// Send a notification to `users` through `createNotification`, in batches of
    /// [`client::NOTIFY_BATCH_MAX`]; returns the number of calls made. Like arcgis-rest-js
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
            _ => {
                let retryable = failed.iter().all(|(_, e)| e.is_retryable());
                let detail = failed
                    .iter()
                    .map(|(u, e)| format!("batch starting at {u}: {e}"))
                    .collect::<Vec<_>>()
                    .join("; ");
                Err(Error::Generic {
                    provider: PROVIDER,
                    message: format!(
                        "createNotification: {sent} batch(es) sent, {} failed: {detail}",
                        failed.len()
                    ),
                    retryable,
                })
            }
        }
    }
}

fn user_balance(u: &PortalUser, as_of: chrono::DateTime<chrono::Utc>) -> CreditBalance {
    CreditBalance::new(
        u.username.clone(),
        CreditUnit::Virtual(CREDITS.into()),
        as_of,
    )
    .with_assigned(u.assigned)
    .with_available(u.available)
    .with_consumed(u.consumed())
}

/// The organisation's balance: assigned is unknown (`Unallocated`), available is the
/// org's remaining credits.
pub fn org_balance(p: &Portal, as_of: chrono::DateTime<chrono::Utc>) -> CreditBalance {
    CreditBalance::new(p.id.clone(), CreditUnit::Virtual(CREDITS.into()), as_of).with_available(
        p.available_credits
            .map_or(Allocation::Unallocated, Allocation::Amount),
    )
}

#[async_trait]
impl CreditSource for ArcGis {
    /// The organisation's balance first (holder = org id), then, when credit budgeting is
    /// on, every user (holder = user name; `-1` is `Unallocated`). With budgeting off only
    /// the organisation total exists (AGO-04).
    async fn credits(
        &self,
        query: &CreditQuery,
    ) -> Result<BoxStream<'static, Result<CreditBalance>>> {
        let portal = self.portal().await?;
        let as_of = self.clock.now();
        let holders = query.holders.clone();
        let wanted = move |h: &str| holders.is_empty() || holders.iter().any(|x| x == h);
        let org = org_balance(&portal, as_of);
        let head = if wanted(&org.holder) {
            vec![Ok(org)]
        } else {
            vec![]
        };
        let head = stream::iter(head);
        if !portal.credit_budgeting {
            return Ok(head.boxed());
        }
        let users = self.users().filter_map(move |r| {
            let keep = match &r {
                Ok(u) => wanted(&u.username),
                Err(_) => true,
            };
            let out = r.map(|u| user_balance(&u, as_of));
            async move { keep.then_some(out) }
        });
        Ok(head.chain(users).boxed())
    }
}

/// The credits consumed, priced, as a FOCUS 1.2 [`CostSource`] (one record per day and
/// operation type, see [`usage::to_focus_records`]). The query must name a period: the usage
/// endpoint has no "everything" form.
#[derive(Debug, Clone)]
pub struct ArcGisCostSource {
    ago: ArcGis,
    price: CreditPrice,
}

impl ArcGisCostSource {
    /// Price the credits of `ago` at `price`.
    pub fn new(ago: ArcGis, price: CreditPrice) -> Self {
        ArcGisCostSource { ago, price }
    }
}

impl std::fmt::Display for ArcGisCostSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.ago)
    }
}

#[async_trait]
impl CostSource for ArcGisCostSource {
    async fn costs(
        &self,
        query: &CostQuery,
    ) -> Result<BoxStream<'static, Result<finops_core::CostRecord>>> {
        let period = query.period.ok_or_else(|| {
            Error::InvalidArgument(
                "ArcGIS usage needs a period (CostQuery::for_period): the usage endpoint has no \
                 'everything' form"
                    .into(),
            )
        })?;
        let portal = self.ago.portal().await?;
        let report = self.ago.usage_by_operation(period).await?;
        let q = query.clone();
        let recs: Vec<Result<finops_core::CostRecord>> =
            usage::to_focus_records(&report, &portal, &self.price)
                .into_iter()
                .filter(|r| q.matches(r))
                .map(Ok)
                .collect();
        Ok(stream::iter(recs).boxed())
    }
}
