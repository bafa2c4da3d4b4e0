//! The state kept across runs (OVH-12, OVH-15) in an embedded SQLite database.
//!
//! [`Store`] replaces the original's pickle file. It opens the database in WAL mode with a
//! busy timeout and migrates the schema by `PRAGMA user_version`, so several processes
//! (the hourly sampler and the weekly report) can use one file at once.
//!
//! - **Hosted Private Cloud samples** (OVH-12): one row per service + VM + UTC hour, written
//!   with `INSERT OR IGNORE` inside an immediate transaction: sampling twice in the same hour
//!   keeps the first sample, and two processes sampling at once lose nothing.
//!   [`Store::daily_usage`] folds them per VM and local day (Europe/Paris by default):
//!   *mean* = sum of the hourly used values / their count (rounded half away from zero to 2
//!   decimals), *peak* = the highest used value of the day, *max* = the highest capacity
//!   (`cpuMax` MHz, `memoryMax` MB) seen that day. The store is also a
//!   [`finops_core::UsageSource`] (metrics `cpu` in MHz and `memory` in MB, resource
//!   `<service>/<vmId>`).
//! - **User audit** (OVH-15): login events (`LOGIN_SUCCESS`) and the users seen per account,
//!   kept forever because `/me/logs/audit` only covers a sliding month;
//!   [`Store::user_audit`] derives MFA type, last login, activity and MFA grace period.

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use finops_core::source::{UsageQuery, UsageSample, UsageSource};
use finops_core::{Error, Result};
use futures::stream::{self, BoxStream, StreamExt};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

/// Schema version written in `PRAGMA user_version`.
pub const SCHEMA_VERSION: i64 = 1;

const MIGRATIONS: [&str; 1] = [r#"
CREATE TABLE IF NOT EXISTS usage_sample (
    service     TEXT    NOT NULL,
    datacenter  TEXT    NOT NULL,
    vm_id       TEXT    NOT NULL,
    vm_name     TEXT    NOT NULL,
    hour        INTEGER NOT NULL,
    taken_at    TEXT    NOT NULL,
    cpu_used    TEXT,
    cpu_max     TEXT,
    memory_used TEXT,
    memory_max  TEXT,
    PRIMARY KEY (service, vm_id, hour)
);
CREATE TABLE IF NOT EXISTS login_event (
    account TEXT NOT NULL,
    user    TEXT NOT NULL,
    at      TEXT NOT NULL,
    mfa     TEXT NOT NULL,
    PRIMARY KEY (account, user, at)
);
CREATE TABLE IF NOT EXISTS account_user (
    account    TEXT NOT NULL,
    user       TEXT NOT NULL,
    email      TEXT NOT NULL,
    created    TEXT,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    PRIMARY KEY (account, user)
);
"#];

/// One reading of a Hosted Private Cloud VM (`dedicatedCloud.Vm`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmReading {
    /// The Hosted Private Cloud service name (`pcc-…`).
    pub service: String,
    /// Datacenter id.
    pub datacenter: String,
    /// `vmId`.
    pub vm_id: String,
    /// VM name (`name`, or the id when unnamed).
    pub vm_name: String,
    /// `cpuUsed` (MHz).
    pub cpu_used: Option<Decimal>,
    /// `cpuMax` (MHz).
    pub cpu_max: Option<Decimal>,
    /// `memoryUsed` (MB).
    pub memory_used: Option<Decimal>,
    /// `memoryMax` (MB).
    pub memory_max: Option<Decimal>,
}

/// Daily CPU/RAM figures of one VM (a row of `data_PBI_info_usage.csv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyUsage {
    /// Service (`pcc-…`).
    pub service: String,
    /// Datacenter id.
    pub datacenter: String,
    /// VM name (the latest name seen that day).
    pub vm_name: String,
    /// Local day.
    pub day: NaiveDate,
    /// Mean RAM used (MB).
    pub ram_mean: Option<Decimal>,
    /// Highest RAM used (MB).
    pub ram_peak: Option<Decimal>,
    /// RAM capacity (MB).
    pub ram_max: Option<Decimal>,
    /// Mean CPU used (MHz).
    pub cpu_mean: Option<Decimal>,
    /// Highest CPU used (MHz).
    pub cpu_peak: Option<Decimal>,
    /// CPU capacity (MHz).
    pub cpu_max: Option<Decimal>,
    /// Number of hourly samples that day.
    pub samples: u32,
}

/// A user of an account as seen in one run (IAM user or the root account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountUser {
    /// Account label (the credential file / nichandle).
    pub account: String,
    /// Login (IAM) or nichandle (root).
    pub user: String,
    /// E-mail address.
    pub email: String,
    /// Creation time, when known (IAM users).
    pub created: Option<DateTime<Utc>>,
}

/// A `LOGIN_SUCCESS` audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginEvent {
    /// Account label.
    pub account: String,
    /// Login (IAM) or nichandle (root).
    pub user: String,
    /// `createdAt`.
    pub at: DateTime<Utc>,
    /// `loginSuccessDetails.mfaType` (`NONE`, `TOTP`, ...; `UNKNOWN` when absent).
    pub mfa: String,
}

/// The audit verdict for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAudit {
    /// Account label.
    pub account: String,
    /// User.
    pub user: String,
    /// MFA type of the last login (`""` when never seen logging in).
    pub mfa: String,
    /// MFA grace period: created less than `grace_days` ago and no MFA on its last login.
    pub grace: bool,
    /// Logged in within `active_days` of the as-of time.
    pub active: bool,
    /// Last login.
    pub last_login: Option<DateTime<Utc>>,
    /// E-mail.
    pub email: String,
}

/// Thresholds of [`Store::user_audit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditOptions {
    /// A user is active when it logged in within this many days (default 30).
    pub active_days: i64,
    /// A user without MFA is in its grace period when created within this many days (default 30).
    pub grace_days: i64,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            active_days: 30,
            grace_days: 30,
        }
    }
}

/// The SQLite state store. Cheap to clone (one connection, shared): an async caller moves a
/// clone into `tokio::task::spawn_blocking`, as its [`UsageSource`] implementation does, so
/// SQLite never blocks the runtime.
#[derive(Clone)]
pub struct Store {
    inner: Arc<StoreInner>,
}

struct StoreInner {
    path: PathBuf,
    conn: Mutex<Connection>,
    tz: Tz,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .field("tz", &self.inner.tz)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Display for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OvhStore({})", self.inner.path.display())
    }
}

fn db_err(path: &Path, what: &str, e: rusqlite::Error) -> Error {
    Error::Generic {
        provider: crate::PROVIDER,
        message: format!("state store {}: {what}: {e}", path.display()),
        retryable: matches!(
            e,
            rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error {
                    code: rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked,
                    ..
                },
                _
            )
        ),
    }
}

fn dec_text(d: Option<Decimal>) -> Option<String> {
    d.map(|d| d.normalize().to_string())
}

fn dec_parse(path: &Path, s: Option<String>) -> Result<Option<Decimal>> {
    s.map(|s| {
        Decimal::from_str(&s).map_err(|e| Error::Generic {
            provider: crate::PROVIDER,
            message: format!("state store {}: bad decimal {s:?}: {e}", path.display()),
            retryable: false,
        })
    })
    .transpose()
}

fn time_parse(path: &Path, s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::Generic {
            provider: crate::PROVIDER,
            message: format!("state store {}: bad time {s:?}: {e}", path.display()),
            retryable: false,
        })
}

fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Store {
    /// Open (creating and migrating when needed) the store at `path`, local days in Europe/Paris.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        Store::open_with_tz(path, chrono_tz::Europe::Paris)
    }

    /// Open with another time zone for the local days.
    pub fn open_with_tz(path: impl AsRef<Path>, tz: Tz) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let mut conn = Connection::open(&path).map_err(|e| db_err(&path, "open", e))?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(|e| db_err(&path, "busy_timeout", e))?;
        let mode = finops_core::state::enable_wal(&conn, std::time::Duration::from_secs(30))
            .map_err(|e| db_err(&path, "journal_mode", e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Generic {
                provider: crate::PROVIDER,
                message: format!(
                    "state store {}: cannot enable WAL (mode {mode})",
                    path.display()
                ),
                retryable: false,
            });
        }
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| db_err(&path, "synchronous", e))?;
        {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| db_err(&path, "migration", e))?;
            let version: i64 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|e| db_err(&path, "user_version", e))?;
            if version > SCHEMA_VERSION {
                return Err(Error::Generic {
                    provider: crate::PROVIDER,
                    message: format!(
                        "state store {}: schema version {version} is newer than this program's {SCHEMA_VERSION}",
                        path.display()
                    ),
                    retryable: false,
                });
            }
            for (i, m) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
                tx.execute_batch(m)
                    .map_err(|e| db_err(&path, &format!("migration {}", i + 1), e))?;
            }
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(|e| db_err(&path, "user_version", e))?;
            tx.commit()
                .map_err(|e| db_err(&path, "migration commit", e))?;
        }
        Ok(Store {
            inner: Arc::new(StoreInner {
                path,
                conn: Mutex::new(conn),
                tz,
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        self.inner.conn.lock().map_err(|_| Error::Generic {
            provider: crate::PROVIDER,
            message: format!(
                "state store {}: connection lock poisoned",
                self.inner.path.display()
            ),
            retryable: false,
        })
    }

    /// Store one sample per VM for the UTC hour of `now`; a VM already sampled in that hour
    /// keeps its first sample. Returns how many new samples were stored.
    pub fn record_samples(&self, readings: &[VmReading], now: DateTime<Utc>) -> Result<usize> {
        let hour = now.timestamp().div_euclid(3600) * 3600;
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| db_err(&self.inner.path, "begin", e))?;
        let mut n = 0;
        {
            let mut st = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO usage_sample (service, datacenter, vm_id, vm_name, hour, taken_at, \
                     cpu_used, cpu_max, memory_used, memory_max) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
                )
                .map_err(|e| db_err(&self.inner.path, "prepare", e))?;
            for r in readings {
                n += st
                    .execute(params![
                        r.service,
                        r.datacenter,
                        r.vm_id,
                        r.vm_name,
                        hour,
                        time_text(now),
                        dec_text(r.cpu_used),
                        dec_text(r.cpu_max),
                        dec_text(r.memory_used),
                        dec_text(r.memory_max),
                    ])
                    .map_err(|e| db_err(&self.inner.path, "insert sample", e))?;
            }
        }
        tx.commit()
            .map_err(|e| db_err(&self.inner.path, "commit", e))?;
        Ok(n)
    }

    /// Number of stored samples.
    pub fn sample_count(&self) -> Result<u64> {
        let conn = self.lock()?;
        conn.query_row("SELECT COUNT(*) FROM usage_sample", [], |r| {
            r.get::<_, i64>(0)
        })
        .map(|n| n.max(0) as u64)
        .map_err(|e| db_err(&self.inner.path, "count", e))
    }

    /// Every sample, ordered by service, VM, hour.
    pub fn samples(&self) -> Result<Vec<(VmReading, DateTime<Utc>)>> {
        let conn = self.lock()?;
        let mut st = conn
            .prepare(
                "SELECT service, datacenter, vm_id, vm_name, taken_at, cpu_used, cpu_max, memory_used, memory_max \
                 FROM usage_sample ORDER BY service, datacenter, vm_id, hour",
            )
            .map_err(|e| db_err(&self.inner.path, "select samples", e))?;
        type Raw = (
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ))
            })
            .map_err(|e| db_err(&self.inner.path, "select samples", e))?
            .collect::<rusqlite::Result<Vec<Raw>>>()
            .map_err(|e| db_err(&self.inner.path, "select samples", e))?;
        rows.into_iter()
            .map(
                |(service, datacenter, vm_id, vm_name, at, cu, cm, mu, mm)| {
                    Ok((
                        VmReading {
                            service,
                            datacenter,
                            vm_id,
                            vm_name,
                            cpu_used: dec_parse(&self.inner.path, cu)?,
                            cpu_max: dec_parse(&self.inner.path, cm)?,
                            memory_used: dec_parse(&self.inner.path, mu)?,
                            memory_max: dec_parse(&self.inner.path, mm)?,
                        },
                        time_parse(&self.inner.path, &at)?,
                    ))
                },
            )
            .collect()
    }

    /// Per VM and local day, up to and including the local day of `as_of`: mean, peak and max
    /// of CPU and RAM (see the module docs). Ordered by service, datacenter, VM name, day.
    pub fn daily_usage(&self, as_of: DateTime<Utc>) -> Result<Vec<DailyUsage>> {
        let last_day = as_of.with_timezone(&self.inner.tz).date_naive();
        #[derive(Default)]
        struct Acc {
            name: String,
            n: u32,
            ram: Vec<Decimal>,
            ram_max: Option<Decimal>,
            cpu: Vec<Decimal>,
            cpu_max: Option<Decimal>,
        }
        let mut days: BTreeMap<(String, String, String, NaiveDate), Acc> = BTreeMap::new();
        for (r, at) in self.samples()? {
            let day = at.with_timezone(&self.inner.tz).date_naive();
            if day > last_day {
                continue;
            }
            let acc = days
                .entry((
                    r.service.clone(),
                    r.datacenter.clone(),
                    r.vm_id.clone(),
                    day,
                ))
                .or_default();
            acc.name = r.vm_name.clone();
            acc.n += 1;
            acc.ram.extend(r.memory_used);
            acc.cpu.extend(r.cpu_used);
            acc.ram_max = max_opt(acc.ram_max, r.memory_max);
            acc.cpu_max = max_opt(acc.cpu_max, r.cpu_max);
        }
        let mut out: Vec<DailyUsage> = days
            .into_iter()
            .map(|((service, datacenter, _, day), a)| DailyUsage {
                service,
                datacenter,
                vm_name: a.name,
                day,
                ram_mean: mean(&a.ram),
                ram_peak: a.ram.iter().copied().max(),
                ram_max: a.ram_max,
                cpu_mean: mean(&a.cpu),
                cpu_peak: a.cpu.iter().copied().max(),
                cpu_max: a.cpu_max,
                samples: a.n,
            })
            .collect();
        out.sort_by(|a, b| {
            (&a.service, &a.datacenter, &a.vm_name, a.day).cmp(&(
                &b.service,
                &b.datacenter,
                &b.vm_name,
                b.day,
            ))
        });
        Ok(out)
    }

    /// Remember the users of an account seen at `now` (upsert; e-mail and creation updated).
    pub fn record_users(&self, users: &[AccountUser], now: DateTime<Utc>) -> Result<()> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| db_err(&self.inner.path, "begin", e))?;
        for u in users {
            tx.execute(
                "INSERT INTO account_user (account, user, email, created, first_seen, last_seen) \
                 VALUES (?1,?2,?3,?4,?5,?5) ON CONFLICT(account, user) DO UPDATE SET \
                 email = excluded.email, created = COALESCE(excluded.created, account_user.created), \
                 last_seen = MAX(account_user.last_seen, excluded.last_seen)",
                params![u.account, u.user, u.email, u.created.map(time_text), time_text(now)],
            )
            .map_err(|e| db_err(&self.inner.path, "upsert user", e))?;
        }
        tx.commit()
            .map_err(|e| db_err(&self.inner.path, "commit", e))
    }

    /// Remember login events (idempotent per account + user + time).
    pub fn record_logins(&self, events: &[LoginEvent]) -> Result<usize> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| db_err(&self.inner.path, "begin", e))?;
        let mut n = 0;
        for e in events {
            n += tx
                .execute(
                    "INSERT OR IGNORE INTO login_event (account, user, at, mfa) VALUES (?1,?2,?3,?4)",
                    params![e.account, e.user, time_text(e.at), e.mfa],
                )
                .map_err(|er| db_err(&self.inner.path, "insert login", er))?;
        }
        tx.commit()
            .map_err(|e| db_err(&self.inner.path, "commit", e))?;
        Ok(n)
    }

    fn last_login(
        &self,
        conn: &Connection,
        account: &str,
        user: &str,
        as_of: DateTime<Utc>,
    ) -> Result<Option<(DateTime<Utc>, String)>> {
        let row: Option<(String, String)> = conn
            .query_row(
                "SELECT at, mfa FROM login_event WHERE account = ?1 AND user = ?2 AND at <= ?3 ORDER BY at DESC LIMIT 1",
                params![account, user, time_text(as_of)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| db_err(&self.inner.path, "last login", e))?;
        row.map(|(at, mfa)| Ok((time_parse(&self.inner.path, &at)?, mfa)))
            .transpose()
    }

    /// The audit of `users` (usually this run's users) from the whole login history.
    pub fn user_audit(
        &self,
        users: &[AccountUser],
        as_of: DateTime<Utc>,
        opts: AuditOptions,
    ) -> Result<Vec<UserAudit>> {
        let conn = self.lock()?;
        let mut out = Vec::new();
        for u in users {
            // Logins recorded after the as-of time are ignored (reproducible reruns).
            let last = self.last_login(&conn, &u.account, &u.user, as_of)?;
            let (last_login, mfa) = match last {
                Some((t, m)) => (Some(t), m),
                None => (None, String::new()),
            };
            let created = match u.created {
                Some(c) => Some(c),
                None => conn
                    .query_row(
                        "SELECT created FROM account_user WHERE account = ?1 AND user = ?2",
                        params![u.account, u.user],
                        |r| r.get::<_, Option<String>>(0),
                    )
                    .optional()
                    .map_err(|e| db_err(&self.inner.path, "user", e))?
                    .flatten()
                    .map(|s| time_parse(&self.inner.path, &s))
                    .transpose()?,
            };
            let no_mfa = mfa.is_empty() || mfa.eq_ignore_ascii_case("NONE");
            out.push(UserAudit {
                account: u.account.clone(),
                user: u.user.clone(),
                grace: no_mfa
                    && created.is_some_and(|c| c > as_of - Duration::days(opts.grace_days)),
                active: last_login.is_some_and(|t| t > as_of - Duration::days(opts.active_days)),
                last_login,
                mfa,
                email: u.email.clone(),
            });
        }
        Ok(out)
    }

    /// Every user ever seen for `account`, audited at `as_of` (the per-account history).
    pub fn account_history(
        &self,
        account: &str,
        as_of: DateTime<Utc>,
        opts: AuditOptions,
    ) -> Result<Vec<UserAudit>> {
        let users: Vec<AccountUser> = {
            let conn = self.lock()?;
            let mut st = conn
                .prepare("SELECT user, email, created FROM account_user WHERE account = ?1 ORDER BY user")
                .map_err(|e| db_err(&self.inner.path, "history", e))?;
            let rows = st
                .query_map(params![account], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                    ))
                })
                .map_err(|e| db_err(&self.inner.path, "history", e))?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(|e| db_err(&self.inner.path, "history", e))?;
            rows.into_iter()
                .map(|(user, email, created)| {
                    Ok(AccountUser {
                        account: account.to_string(),
                        user,
                        email,
                        created: created
                            .map(|c| time_parse(&self.inner.path, &c))
                            .transpose()?,
                    })
                })
                .collect::<Result<_>>()?
        };
        self.user_audit(&users, as_of, opts)
    }

    /// Accounts that have users in the store, sorted.
    pub fn accounts(&self) -> Result<Vec<String>> {
        let conn = self.lock()?;
        let mut st = conn
            .prepare("SELECT DISTINCT account FROM account_user ORDER BY account")
            .map_err(|e| db_err(&self.inner.path, "accounts", e))?;
        let v = st
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| db_err(&self.inner.path, "accounts", e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| db_err(&self.inner.path, "accounts", e))?;
        Ok(v)
    }
}

fn max_opt(a: Option<Decimal>, b: Option<Decimal>) -> Option<Decimal> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

fn mean(v: &[Decimal]) -> Option<Decimal> {
    if v.is_empty() {
        return None;
    }
    let n = Decimal::from(v.len() as u64);
    // Checked: a sum a decimal cannot hold is averaged term by term instead (never a panic).
    let m = match v.iter().try_fold(Decimal::ZERO, |a, x| a.checked_add(*x)) {
        Some(sum) => sum.checked_div(n),
        None => v
            .iter()
            .try_fold(Decimal::ZERO, |a, x| a.checked_add(x.checked_div(n)?)),
    };
    m.map(|m| {
        m.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
            .normalize()
    })
}

/// The samples of one VM reading at `at`: `cpu` (MHz, capacity `cpuMax`) and `memory` (MB,
/// capacity `memoryMax`) of resource `<service>/<vmId>`, each only when the API gave the used
/// value. Shared by [`Store`] and [`crate::Ovh`].
pub fn usage_samples(r: &VmReading, at: DateTime<Utc>) -> Vec<UsageSample> {
    let resource = format!("{}/{}", r.service, r.vm_id);
    let mut out = Vec::new();
    if let Some(used) = r.cpu_used {
        out.push(
            UsageSample::new(resource.clone(), "cpu", at, used, "MHz").with_capacity(r.cpu_max),
        );
    }
    if let Some(used) = r.memory_used {
        out.push(UsageSample::new(resource, "memory", at, used, "MB").with_capacity(r.memory_max));
    }
    out
}

#[async_trait]
impl UsageSource for Store {
    async fn usage(&self, query: &UsageQuery) -> Result<BoxStream<'static, Result<UsageSample>>> {
        // SQLite off the async runtime.
        let store = self.clone();
        let samples = tokio::task::spawn_blocking(move || store.samples())
            .await
            .map_err(|e| Error::Generic {
                provider: crate::PROVIDER,
                message: format!(
                    "state store {}: reading task failed: {e}",
                    self.inner.path.display()
                ),
                retryable: false,
            })??;
        let out: Vec<Result<UsageSample>> = samples
            .iter()
            .flat_map(|(r, at)| usage_samples(r, *at))
            .filter(|s| query.matches(s))
            .map(Ok)
            .collect();
        Ok(stream::iter(out).boxed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn mean_rounds_half_away() {
        assert_eq!(mean(&[d("1"), d("2")]), Some(d("1.5")));
        assert_eq!(mean(&[d("1"), d("1"), d("2")]), Some(d("1.33")));
        assert_eq!(mean(&[]), None);
        // Never a panic: a sum too large for a decimal is averaged term by term.
        assert!(mean(&[Decimal::MAX, Decimal::ONE]).is_some());
        let _ = mean(&[Decimal::MAX, Decimal::MAX, Decimal::MAX]);
    }

    #[test]
    fn midnight_paris() {
        let t = crate::period::local_midnight(
            chrono_tz::Europe::Paris,
            NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        );
        assert_eq!(t.map(time_text).as_deref(), Some("2026-11-21T23:00:00Z"));
    }
}
