//! The provider traits: [`CostSource`], [`UsageSource`] and [`CreditSource`].
//!
//! All three are dyn-compatible (`Arc<dyn CostSource>`), `Display` gives a log label such
//! as `Ovh(eu)`, and paged results come back as a [`BoxStream`] so callers never see page
//! tokens. Query arguments are `#[non_exhaustive]` option structs with `Default`, so new
//! filters are not breaking changes. In-memory implementations serve tests and the
//! conformance suite in `finops_core::testing`.

use crate::focus::{CostRecord, Period};
use crate::{Currency, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt};
use rust_decimal::Decimal;
use std::fmt::{Debug, Display};

/// Options of [`CostSource::costs`].
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct CostQuery {
    /// Only charges whose ChargePeriod overlaps this period (`None`: everything available).
    pub period: Option<Period>,
    /// Only these sub accounts (project, compartment, subscription); empty means all.
    pub sub_accounts: Vec<String>,
}

impl CostQuery {
    /// A query for one period.
    pub fn for_period(period: Period) -> Self {
        CostQuery {
            period: Some(period),
            ..Default::default()
        }
    }

    /// Restrict to sub accounts.
    pub fn with_sub_accounts(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.sub_accounts = ids.into_iter().map(Into::into).collect();
        self
    }

    /// Whether a record passes the query's filters.
    pub fn matches(&self, r: &CostRecord) -> bool {
        if let Some(p) = &self.period
            && !p.overlaps(&r.charge_period)
        {
            return false;
        }
        if !self.sub_accounts.is_empty() {
            match &r.sub_account_id {
                Some(id) if self.sub_accounts.iter().any(|s| s == id) => {}
                _ => return false,
            }
        }
        true
    }
}

/// A source of FOCUS cost records.
#[async_trait]
pub trait CostSource: Display + Send + Sync + Debug + 'static {
    /// FOCUS 1.2 records matching `query`, streamed; an `Err` item reports a failed call
    /// (the stream may go on with other accounts after it).
    async fn costs(&self, query: &CostQuery) -> Result<BoxStream<'static, Result<CostRecord>>>;
}

/// One utilisation sample of a resource. Build it with [`UsageSample::new`] (the struct is
/// `#[non_exhaustive]`: fields may be added without a breaking change).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct UsageSample {
    /// Resource id (VM, instance, ...).
    pub resource: String,
    /// Metric name (`cpu`, `memory`, ...).
    pub metric: String,
    /// When the sample was taken (UTC).
    pub time: DateTime<Utc>,
    /// Amount used.
    pub used: Decimal,
    /// Capacity available (`None` when unknown).
    pub capacity: Option<Decimal>,
    /// Unit of `used` and `capacity` (`MHz`, `MB`, ...).
    pub unit: String,
}

impl UsageSample {
    /// A sample of `used` `unit` of `metric` on `resource` at `time` (capacity unknown).
    pub fn new(
        resource: impl Into<String>,
        metric: impl Into<String>,
        time: DateTime<Utc>,
        used: Decimal,
        unit: impl Into<String>,
    ) -> Self {
        UsageSample {
            resource: resource.into(),
            metric: metric.into(),
            time,
            used,
            capacity: None,
            unit: unit.into(),
        }
    }

    /// Set the capacity.
    pub fn with_capacity(mut self, capacity: Option<Decimal>) -> Self {
        self.capacity = capacity;
        self
    }

    /// Utilisation ratio `used / capacity`, when capacity is known and positive.
    pub fn ratio(&self) -> Option<Decimal> {
        match self.capacity {
            Some(c) if c > Decimal::ZERO => self.used.checked_div(c),
            _ => None,
        }
    }
}

/// Options of [`UsageSource::usage`].
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct UsageQuery {
    /// Only samples taken in this period.
    pub period: Option<Period>,
    /// Only these resources; empty means all.
    pub resources: Vec<String>,
    /// Only these metrics; empty means all.
    pub metrics: Vec<String>,
}

impl UsageQuery {
    /// A query for one period.
    pub fn for_period(period: Period) -> Self {
        UsageQuery {
            period: Some(period),
            ..Default::default()
        }
    }

    /// Whether a sample passes the filters.
    pub fn matches(&self, s: &UsageSample) -> bool {
        self.period.is_none_or(|p| p.contains(s.time))
            && (self.resources.is_empty() || self.resources.contains(&s.resource))
            && (self.metrics.is_empty() || self.metrics.contains(&s.metric))
    }
}

/// A source of utilisation samples.
#[async_trait]
pub trait UsageSource: Display + Send + Sync + Debug + 'static {
    /// Samples matching `query`, streamed.
    async fn usage(&self, query: &UsageQuery) -> Result<BoxStream<'static, Result<UsageSample>>>;
}

/// The unit of a credit balance: a national currency or a named virtual unit (ArcGIS credits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum CreditUnit {
    /// Money in a currency (an OCI contract credit).
    Currency(Currency),
    /// A virtual unit such as `Credits`.
    Virtual(String),
}

impl Display for CreditUnit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CreditUnit::Currency(c) => write!(f, "{c}"),
            CreditUnit::Virtual(v) => f.write_str(v),
        }
    }
}

/// An amount that may be "not allocated" (ArcGIS `-1`): never treated as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Allocation {
    /// No allocation (unlimited / not budgeted).
    Unallocated,
    /// An allocated amount.
    Amount(Decimal),
}

impl Allocation {
    /// The amount, if allocated.
    pub fn amount(&self) -> Option<Decimal> {
        match self {
            Allocation::Amount(d) => Some(*d),
            Allocation::Unallocated => None,
        }
    }
}

/// A credit balance of one holder (an organisation, a user, a contract). Build it with
/// [`CreditBalance::new`] (the struct is `#[non_exhaustive]`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct CreditBalance {
    /// Who holds the credit (org id, user name, client name).
    pub holder: String,
    /// Assigned (allocated) credit.
    pub assigned: Allocation,
    /// Available (remaining) credit.
    pub available: Allocation,
    /// Consumed credit, when known.
    pub consumed: Option<Decimal>,
    /// Unit of the amounts.
    pub unit: CreditUnit,
    /// When the balance was read.
    pub as_of: DateTime<Utc>,
}

impl CreditBalance {
    /// The balance of `holder` in `unit` read at `as_of`: nothing assigned or available yet
    /// (set them with the `with_*` methods).
    pub fn new(holder: impl Into<String>, unit: CreditUnit, as_of: DateTime<Utc>) -> Self {
        CreditBalance {
            holder: holder.into(),
            assigned: Allocation::Unallocated,
            available: Allocation::Unallocated,
            consumed: None,
            unit,
            as_of,
        }
    }

    /// Set the assigned credit.
    pub fn with_assigned(mut self, assigned: Allocation) -> Self {
        self.assigned = assigned;
        self
    }

    /// Set the available credit.
    pub fn with_available(mut self, available: Allocation) -> Self {
        self.available = available;
        self
    }

    /// Set the consumed credit.
    pub fn with_consumed(mut self, consumed: Option<Decimal>) -> Self {
        self.consumed = consumed;
        self
    }

    /// Share of the assigned credit still available, when both are numbers and assigned > 0.
    pub fn available_ratio(&self) -> Option<Decimal> {
        match (self.assigned.amount(), self.available.amount()) {
            (Some(a), Some(v)) if a > Decimal::ZERO => v.checked_div(a),
            _ => None,
        }
    }
}

/// Options of [`CreditSource::credits`].
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct CreditQuery {
    /// Only these holders; empty means all.
    pub holders: Vec<String>,
}

/// A source of credit balances.
#[async_trait]
pub trait CreditSource: Display + Send + Sync + Debug + 'static {
    /// Balances matching `query`, streamed.
    async fn credits(
        &self,
        query: &CreditQuery,
    ) -> Result<BoxStream<'static, Result<CreditBalance>>>;
}

/// An in-memory [`CostSource`] (tests, composition, data already loaded from files).
#[derive(Debug, Clone, Default)]
pub struct InMemoryCostSource {
    label: String,
    records: std::sync::Arc<Vec<CostRecord>>,
}

impl InMemoryCostSource {
    /// A source serving `records`.
    pub fn new(label: impl Into<String>, records: Vec<CostRecord>) -> Self {
        InMemoryCostSource {
            label: label.into(),
            records: std::sync::Arc::new(records),
        }
    }
}

impl Display for InMemoryCostSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "InMemory({})", self.label)
    }
}

#[async_trait]
impl CostSource for InMemoryCostSource {
    async fn costs(&self, query: &CostQuery) -> Result<BoxStream<'static, Result<CostRecord>>> {
        let recs = self.records.clone();
        let q = query.clone();
        let items: Vec<_> = recs
            .iter()
            .filter(|r| q.matches(r))
            .cloned()
            .map(Ok)
            .collect();
        Ok(stream::iter(items).boxed())
    }
}

/// An in-memory [`UsageSource`].
#[derive(Debug, Clone, Default)]
pub struct InMemoryUsageSource {
    label: String,
    samples: std::sync::Arc<Vec<UsageSample>>,
}

impl InMemoryUsageSource {
    /// A source serving `samples`.
    pub fn new(label: impl Into<String>, samples: Vec<UsageSample>) -> Self {
        InMemoryUsageSource {
            label: label.into(),
            samples: std::sync::Arc::new(samples),
        }
    }
}

impl Display for InMemoryUsageSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "InMemory({})", self.label)
    }
}

#[async_trait]
impl UsageSource for InMemoryUsageSource {
    async fn usage(&self, query: &UsageQuery) -> Result<BoxStream<'static, Result<UsageSample>>> {
        let items: Vec<_> = self
            .samples
            .iter()
            .filter(|s| query.matches(s))
            .cloned()
            .map(Ok)
            .collect();
        Ok(stream::iter(items).boxed())
    }
}

/// An in-memory [`CreditSource`].
#[derive(Debug, Clone, Default)]
pub struct InMemoryCreditSource {
    label: String,
    balances: std::sync::Arc<Vec<CreditBalance>>,
}

impl InMemoryCreditSource {
    /// A source serving `balances`.
    pub fn new(label: impl Into<String>, balances: Vec<CreditBalance>) -> Self {
        InMemoryCreditSource {
            label: label.into(),
            balances: std::sync::Arc::new(balances),
        }
    }
}

impl Display for InMemoryCreditSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "InMemory({})", self.label)
    }
}

#[async_trait]
impl CreditSource for InMemoryCreditSource {
    async fn credits(
        &self,
        query: &CreditQuery,
    ) -> Result<BoxStream<'static, Result<CreditBalance>>> {
        let items: Vec<_> = self
            .balances
            .iter()
            .filter(|b| query.holders.is_empty() || query.holders.contains(&b.holder))
            .cloned()
            .map(Ok)
            .collect();
        Ok(stream::iter(items).boxed())
    }
}

/// Collect a stream of results into a vector, stopping at the first error.
pub async fn collect_all<T>(s: BoxStream<'static, Result<T>>) -> Result<Vec<T>> {
    let mut s = s;
    let mut out = Vec::new();
    while let Some(item) = s.next().await {
        out.push(item?);
    }
    Ok(out)
}
