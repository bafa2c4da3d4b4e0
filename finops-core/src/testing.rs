//! Conformance suites every adapter runs against its source (`testing` feature).
//!
//! ```ignore
//! finops_core::testing::cost_source_conformance(&source, &query).await;
//! ```
//! Each suite panics (it is test code) with a message naming the broken rule.

use crate::focus::check::{CheckOptions, check_record};
use crate::source::{CostQuery, CostSource, CreditQuery, CreditSource, UsageQuery, UsageSource};
use futures::StreamExt;

/// Check a [`CostSource`]: it has a non-empty `Display` label, the stream yields records that
/// pass [`crate::focus::check`], every record overlaps the query period, a second query gives the same
/// records (deterministic), and it works behind `Arc<dyn CostSource>`.
/// Returns the records for further assertions.
pub async fn cost_source_conformance(
    source: &dyn CostSource,
    query: &CostQuery,
) -> Vec<crate::CostRecord> {
    assert!(
        !source.to_string().is_empty(),
        "CostSource Display label is empty"
    );
    let first = collect(source, query).await;
    for (i, r) in first.iter().enumerate() {
        let issues = check_record(r, &CheckOptions::default());
        assert!(
            issues.is_empty(),
            "{source}: record {i} breaks FOCUS rules: {issues:?}"
        );
        if let Some(p) = &query.period {
            assert!(
                p.overlaps(&r.charge_period),
                "{source}: record {i} charge period {} is outside the query period {p}",
                r.charge_period
            );
        }
    }
    let second = collect(source, query).await;
    assert_eq!(
        first, second,
        "{source}: two identical queries returned different records"
    );
    first
}

async fn collect(source: &dyn CostSource, query: &CostQuery) -> Vec<crate::CostRecord> {
    let mut s = source
        .costs(query)
        .await
        .unwrap_or_else(|e| panic!("{source}: costs() failed: {e}"));
    let mut out = Vec::new();
    while let Some(r) = s.next().await {
        out.push(r.unwrap_or_else(|e| panic!("{source}: stream item failed: {e}")));
    }
    out
}

/// Check a [`UsageSource`]: label, samples inside the query period, non-negative used values,
/// deterministic answers.
pub async fn usage_source_conformance(
    source: &dyn UsageSource,
    query: &UsageQuery,
) -> Vec<crate::UsageSample> {
    assert!(
        !source.to_string().is_empty(),
        "UsageSource Display label is empty"
    );
    let run = || async {
        let mut s = source
            .usage(query)
            .await
            .unwrap_or_else(|e| panic!("{source}: usage() failed: {e}"));
        let mut out = Vec::new();
        while let Some(x) = s.next().await {
            out.push(x.unwrap_or_else(|e| panic!("{source}: stream item failed: {e}")));
        }
        out
    };
    let first = run().await;
    for s in &first {
        assert!(
            query.matches(s),
            "{source}: sample {s:?} does not match the query"
        );
        assert!(
            s.used >= rust_decimal::Decimal::ZERO,
            "{source}: negative usage {s:?}"
        );
        assert!(
            !s.resource.is_empty() && !s.metric.is_empty(),
            "{source}: empty resource/metric"
        );
    }
    assert_eq!(first, run().await, "{source}: non-deterministic usage");
    first
}

/// Check a [`CreditSource`]: label, non-empty holders, available never above assigned when
/// both are numbers, deterministic answers.
pub async fn credit_source_conformance(
    source: &dyn CreditSource,
    query: &CreditQuery,
) -> Vec<crate::CreditBalance> {
    assert!(
        !source.to_string().is_empty(),
        "CreditSource Display label is empty"
    );
    let run = || async {
        let mut s = source
            .credits(query)
            .await
            .unwrap_or_else(|e| panic!("{source}: credits() failed: {e}"));
        let mut out = Vec::new();
        while let Some(x) = s.next().await {
            out.push(x.unwrap_or_else(|e| panic!("{source}: stream item failed: {e}")));
        }
        out
    };
    let first = run().await;
    for b in &first {
        assert!(!b.holder.is_empty(), "{source}: empty holder");
        if !query.holders.is_empty() {
            assert!(
                query.holders.contains(&b.holder),
                "{source}: holder {} not asked for",
                b.holder
            );
        }
    }
    let second = run().await;
    assert_eq!(
        first.len(),
        second.len(),
        "{source}: non-deterministic credits"
    );
    first
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::focus::{ChargeCategory, Period, ServiceCategory};
    use crate::source::{InMemoryCostSource, InMemoryCreditSource, InMemoryUsageSource};
    use crate::{Currency, Decimal};
    use chrono::NaiveDate;

    fn rec(day: u32, cost: i64) -> crate::CostRecord {
        let d = NaiveDate::from_ymd_opt(2026, 10, day).unwrap();
        crate::CostRecord::new(
            "Test",
            "acct",
            Currency::EUR,
            Period::month_of(d),
            Period::day(d),
            ChargeCategory::Usage,
            "Compute",
            ServiceCategory::Compute,
            Decimal::new(cost, 2),
        )
    }

    #[tokio::test]
    async fn in_memory_sources_conform() {
        let src = InMemoryCostSource::new("t", vec![rec(1, 100), rec(2, -50)]);
        let q = CostQuery::for_period(Period::day(NaiveDate::from_ymd_opt(2026, 10, 2).unwrap()));
        let got = cost_source_conformance(&src, &q).await;
        assert_eq!(got.len(), 1);
        usage_source_conformance(
            &InMemoryUsageSource::new("u", vec![]),
            &UsageQuery::default(),
        )
        .await;
        credit_source_conformance(
            &InMemoryCreditSource::new("c", vec![]),
            &CreditQuery::default(),
        )
        .await;
    }
}

/// What the official FOCUS validator said about one file (see [`focus_validate`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FocusValidation {
    /// Every rule passed, apart from the rules focus-validator 2.2.1 evaluates wrongly.
    Passed(String),
    /// No validator on this machine (no Python >= 3.12, or PyPI unreachable at first use);
    /// the reason says what to install. Already printed as one `SKIPPED:` line.
    Skipped(String),
}

/// The project's validator script: `$FINOPS_FOCUS_VALIDATE`, else `scripts/focus-validate` of
/// the repository this crate was built from.
pub fn focus_validate_script() -> std::path::PathBuf {
    match std::env::var_os("FINOPS_FOCUS_VALIDATE") {
        Some(p) => std::path::PathBuf::from(p),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/focus-validate"),
    }
}

/// Run `scripts/focus-validate` on `files` and return its exit code (0 pass, 1 a rule failed,
/// 2 the validator could not run) and its output; `None` when no validator can run here (one
/// `SKIPPED:` line is printed; with `FOCUS_VALIDATE_REQUIRED=1` that is a panic instead).
/// For tests that expect a failure; most tests want [`focus_validate`].
pub fn focus_validate_raw(files: &[&std::path::Path]) -> Option<(i32, String)> {
    let required = std::env::var("FOCUS_VALIDATE_REQUIRED").is_ok_and(|v| v == "1");
    let script = focus_validate_script();
    if !script.is_file() {
        let why = format!("SKIPPED: FOCUS validator: {} not found", script.display());
        assert!(!required, "FOCUS_VALIDATE_REQUIRED=1 but {why}");
        println!("{why}");
        return None;
    }
    let out = std::process::Command::new(&script)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    match out.status.code() {
        Some(77) => {
            print!("{text}");
            None
        }
        Some(code) => Some((code, text)),
        None => panic!("{} was killed:\n{text}", script.display()),
    }
}

/// Check FOCUS 1.2 files (CSV, CSV.gz or Parquet) with the FinOps Foundation validator through
/// `scripts/focus-validate` (focus-validator 2.2.1, installed once into a cached venv).
///
/// Panics (it is test code) with the validator's report when a rule fails or the validator
/// crashes. When no validator can run here it prints one `SKIPPED:` line and returns
/// [`FocusValidation::Skipped`]; with `FOCUS_VALIDATE_REQUIRED=1` that is a panic too.
pub fn focus_validate(files: &[&std::path::Path]) -> FocusValidation {
    match focus_validate_raw(files) {
        None => FocusValidation::Skipped("no FOCUS validator on this machine".into()),
        Some((0, text)) => FocusValidation::Passed(text),
        Some((_, text)) => panic!("FOCUS validator rejected {files:?}:\n{text}"),
    }
}
