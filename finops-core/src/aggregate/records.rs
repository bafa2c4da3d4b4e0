//! The record path: aggregate [`CostRecord`]s from memory or from a [`CostSource`] stream.
//!
//! [`CostSource`]: crate::source::CostSource

use super::engine::{Evaluator, FieldSource, Merged, Plan, TimeEnc};
use super::fixed::{Num, from_decimal};
use super::{AggregateQuery, AggregateTable};
use crate::error::Location;
use crate::focus::{CostRecord, Value};
use crate::{Error, Result};
use futures::{Stream, StreamExt};

struct RecordAgg<'p> {
    plan: &'p Plan,
    ev: Evaluator<'p>,
    texts: Vec<Option<String>>,
    nums: Vec<Option<Num>>,
    n: u64,
}

impl<'p> RecordAgg<'p> {
    fn new(plan: &'p Plan) -> Self {
        RecordAgg {
            plan,
            ev: Evaluator::new(plan, false, vec![TimeEnc::Text; plan.fields.len()]),
            texts: vec![None; plan.fields.len()],
            nums: vec![None; plan.nums.len()],
            n: 0,
        }
    }

    fn add(&mut self, r: &CostRecord, label: &str) -> Result<()> {
        self.n += 1;
        for (i, f) in self.plan.fields.iter().enumerate() {
            self.texts[i] = match &f.source {
                FieldSource::Column(c) => r.get(*c).to_text(),
                FieldSource::Extension(x) => r.extensions.get(x).map(str::to_string),
                FieldSource::BillingStart => {
                    Some(crate::focus::format_time(r.billing_period.start))
                }
            }
            .filter(|s| !s.is_empty());
        }
        for (k, c) in self.plan.nums.iter().enumerate() {
            self.nums[k] = match r.get(*c) {
                Value::Decimal(d) => Some(from_decimal(d)),
                _ => None,
            };
        }
        let fields: Vec<Option<&[u8]>> = self
            .texts
            .iter()
            .map(|t| t.as_deref().map(str::as_bytes))
            .collect();
        self.ev.row(&fields, &self.nums).map_err(|e| Error::Parse {
            location: Location {
                file: label.to_string(),
                line: Some(self.n),
                column: Some(e.field),
            },
            message: e.message,
        })
    }

    fn finish(self) -> Result<AggregateTable> {
        let mut m = Merged::new(self.plan);
        m.absorb(self.ev.finish()).map_err(Error::InvalidArgument)?;
        m.finish(self.plan)
    }
}

/// Aggregate in-memory records (errors name the record by its 1-based position).
pub fn aggregate_records<'a, I>(records: I, query: &AggregateQuery) -> Result<AggregateTable>
where
    I: IntoIterator<Item = &'a CostRecord>,
{
    query.validate()?;
    let plan = Plan::new(query);
    let mut agg = RecordAgg::new(&plan);
    for r in records {
        agg.add(r, "<records>")?;
    }
    agg.finish()
}

/// Aggregate a record stream (for example from [`CostSource::costs`]). Memory is bounded by
/// the number of groups.
///
/// An `Err` item of the stream is a failed call (one account or page): it is collected and
/// returned next to the table, and the aggregation goes on with the other items, so one
/// failing account never hides the others. A record with a bad value (a tag object that is
/// not JSON, a date that does not parse) stops the aggregation with an error naming it.
///
/// [`CostSource::costs`]: crate::source::CostSource::costs
pub async fn aggregate_stream<S>(
    stream: S,
    query: &AggregateQuery,
) -> Result<(AggregateTable, Vec<Error>)>
where
    S: Stream<Item = Result<CostRecord>>,
{
    query.validate()?;
    let plan = Plan::new(query);
    let mut agg = RecordAgg::new(&plan);
    let mut failures = Vec::new();
    let mut stream = std::pin::pin!(stream);
    while let Some(r) = stream.next().await {
        match r {
            Ok(r) => agg.add(&r, "<stream>")?,
            Err(e) => failures.push(e),
        }
    }
    Ok((agg.finish()?, failures))
}
