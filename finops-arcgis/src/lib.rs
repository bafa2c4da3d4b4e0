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
pub mod mapping;
pub mod model;
pub mod notify;
pub mod report;
pub mod usage;

pub use alerts::{AlertConfig, AlertReport, AlertState};
pub use allocation::{AllocationPlan, AllocationReport, AllocationRule};
pub use builder::{ArcGisBuilder, ArcGisConfigKey};
pub use credential::ArcGisCredential;
pub use mapping::{CreditPrice, org_balance};
pub use model::{AssignOutcome, Portal, PortalUser};
pub use notify::{FileNotifier, NotificationChannel, Notifier, PortalNotifier, StdoutNotifier};
pub use usage::{OperationUsage, UsageReport, UserUsage};

use async_trait::async_trait;
use client::ArcGisClient;
use error::ArcGisError;
use finops_core::clock::SharedClock;
use finops_core::focus::{CostRecord, Period};
use finops_core::http::{Page, paginate};
use finops_core::source::{CostQuery, CostSource, CreditBalance, CreditQuery, CreditSource};
use finops_core::{Decimal, Result};
use futures::stream::{self, BoxStream, StreamExt};

/// Provider label used in errors and logs.
pub const PROVIDER: &str = "arcgis";

/// The unit of ArcGIS credit balances.
pub const CREDITS: &str = "Credits";

/// A connection to an ArcGIS Online organisation or Enterprise portal. Cheap to clone.
///
/// Build it with [`ArcGisBuilder`]. It implements [`CreditSource`] (balances) and, once it
/// knows a price per credit ([`ArcGisBuilder::with_credit_price`],
/// [`ArcGis::with_credit_price`]), [`CostSource`] (FOCUS records), and offers the credit
/// operations of AGO-01..08 (their rooms: [`usage`], [`allocation`], [`notify`]).
#[derive(Debug, Clone)]
pub struct ArcGis {
    client: ArcGisClient,
    clock: SharedClock,
    label: String,
    price: Option<CreditPrice>,
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

impl ArcGis {
    /// A builder.
    pub fn builder() -> ArcGisBuilder {
        ArcGisBuilder::new()
    }

    pub(crate) fn from_parts(
        client: ArcGisClient,
        clock: SharedClock,
        label: String,
        price: Option<CreditPrice>,
    ) -> Self {
        ArcGis {
            client,
            clock,
            label,
            price,
        }
    }

    /// The same connection pricing credits at `price` (its [`CostSource`] records).
    pub fn with_credit_price(mut self, price: CreditPrice) -> Self {
        self.price = Some(price);
        self
    }

    /// The price per credit of the [`CostSource`] records, when set.
    pub fn credit_price(&self) -> Option<&CreditPrice> {
        self.price.as_ref()
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
            Some(u) if u.role.is_some() => Err(ArcGisError::NotAdministrator {
                user: u.username.clone(),
                role: u.role.clone().unwrap_or_default(),
            }
            .into()),
            // No role or no user info: let the portal decide on each call.
            _ => Ok(p),
        }
    }

    /// The organisation's remaining credits (AGO-02).
    pub async fn available_credits(&self) -> Result<Decimal> {
        let p = self.portal().await?;
        p.available_credits
            .ok_or_else(|| ArcGisError::NoAvailableCredits.into())
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
                    return Err(ArcGisError::PagingStuck {
                        call: resp.call.clone(),
                        next: n,
                        start,
                    }
                    .into());
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
        let org = mapping::org_balance(&portal, as_of);
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
            let out = r.map(|u| mapping::user_balance(&u, as_of));
            async move { keep.then_some(out) }
        });
        Ok(head.chain(users).boxed())
    }
}

#[async_trait]
impl CostSource for ArcGis {
    /// The credits consumed over the query's period, priced at the connection's
    /// [`CreditPrice`], as FOCUS 1.2 records: one per UTC day and operation type, billed in
    /// the UTC calendar month of the day (see [`mapping`]). The query must name a period
    /// (the usage endpoint has no "everything" form) and a price must be set.
    async fn costs(&self, query: &CostQuery) -> Result<BoxStream<'static, Result<CostRecord>>> {
        let period: Period = query.period.ok_or(ArcGisError::PeriodRequired)?;
        let price = self.price.ok_or(ArcGisError::MissingCreditPrice)?;
        let portal = self.portal().await?;
        let report = self.usage_by_operation(period).await?;
        let recs: Vec<Result<CostRecord>> = mapping::to_focus_records(&report, &portal, &price)?
            .into_iter()
            .filter(|r| query.matches(r))
            .map(Ok)
            .collect();
        Ok(stream::iter(recs).boxed())
    }
}
