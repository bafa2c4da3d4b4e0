//! The columnar allocation of FOCUS 1.2 Parquet files into FOCUS 1.2 Parquet: the input
//! columns are converted batch by batch to the types the FOCUS writer uses (text columns stay
//! dictionaries, each distinct value checked and normalised once), the three `x_` columns are
//! appended, only split rows are replicated, and the showback is summed in the same pass. The
//! output is the one the record path ([`super::Allocator`] over
//! [`crate::focus::read_file`] and [`crate::focus::parquet::FocusParquetWriter`]) writes for
//! the same input, value for value (tested in `finops-core/tests/allocate.rs`); inputs it
//! cannot take as they are (another FOCUS version, derived columns, float money, text as
//! numbers, ...) go through the record path instead ([`Layout::of`] says which).
//!
//! Row groups of the output are encoded column by column on two threads while the next
//! batch is read, so memory is bounded by a few row groups, whatever the number of rows.

mod convert;
mod layout;
mod mapping;
mod matcher;
mod pass2;
mod sink;

use crate::allocate::{
    AllocationSummary, Allocator, Rules, ShareMethod, Showback, ShowbackRow, X_ALLOCATED_FROM,
    X_ALLOCATED_TO, X_ALLOCATION_RULE,
};
use crate::error::Location;
use crate::focus::Column;
use crate::focus::parquet::focus_schema;
use crate::fs::AtomicFile;
use crate::{Error, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, Field as ArrowField, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use convert::{at_scale, convert_dec, convert_time, fixed_to_decimal, scale_of};
use layout::In;
pub(super) use layout::Layout;
use mapping::{Names, Shared, dict_keys, entry};
use matcher::{Matcher, NO_MATCH, rule_inputs};
use pass2::{Pass2, Sums};
use sink::{RowGroupSink, write_row_groups};

/// Rows per input batch.
const BATCH_ROWS: usize = 16_384;

fn perr(file: &str, column: Option<&str>, message: impl Into<String>) -> Error {
    Error::Parse {
        location: Location {
            file: file.to_string(),
            line: None,
            column: column.map(str::to_string),
        },
        message: message.into(),
    }
}

fn pq(file: &str, e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: file.to_string(),
        source: std::io::Error::other(format!("parquet: {e}")),
    }
}

fn open(
    path: &Path,
    layout: &Layout,
    cols: Option<&[usize]>,
) -> Result<parquet::arrow::arrow_reader::ParquetRecordBatchReader> {
    let label = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let b = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| pq(&label, e))?;
    let hinted = Arc::new(Schema::new_with_metadata(
        b.schema()
            .fields()
            .iter()
            .zip(&layout.cols)
            .map(|(f, (_, how))| match how {
                In::Text => Arc::new(ArrowField::new(
                    f.name(),
                    DataType::Dictionary(
                        Box::new(DataType::Int32),
                        Box::new(f.data_type().clone()),
                    ),
                    f.is_nullable(),
                )),
                _ => f.clone(),
            })
            .collect::<Vec<_>>(),
        b.schema().metadata().clone(),
    ));
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let b = ParquetRecordBatchReaderBuilder::try_new_with_options(
        f,
        ArrowReaderOptions::new().with_schema(hinted),
    )
    .map_err(|e| pq(&label, e))?;
    let b = match cols {
        Some(c) => {
            let mask = ProjectionMask::roots(b.parquet_schema(), c.iter().copied());
            b.with_projection(mask)
        }
        None => b,
    };
    b.with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| pq(&label, e))
}

/// Whether the weights of some share rule depend on direct costs (then a first pass sums
/// them).
fn needs_direct(rules: &Rules) -> bool {
    rules.share.iter().any(|s| {
        s.method == ShareMethod::Proportional || (s.method == ShareMethod::Even && s.to.is_none())
    })
}

/// Allocate FOCUS 1.2 Parquet files whose [`Layout`]s the columnar path takes.
pub(super) fn allocate(
    paths: &[&Path],
    layouts: &[Layout],
    rules: &Rules,
    out: &Path,
) -> Result<AllocationSummary> {
    let mut shared = Shared {
        rules,
        matcher: Matcher::new(rules),
        inputs: rule_inputs(rules),
        currencies: Names::default(),
        months: Names::default(),
        month_of: HashMap::new(),
    };
    let mut alloc = Allocator::new(rules);
    // Pass 1 (only when a share rule needs them): direct costs per target, month, currency.
    if needs_direct(rules) {
        // Σ and the largest scale of the (normalised) values summed: the record path's
        // decimal sum has that scale, and the weights it gives keep it.
        let mut direct: HashMap<(u32, u32, u32), (i128, u32)> = HashMap::new();
        for (p, layout) in paths.iter().zip(layouts) {
            let label = p.display().to_string();
            let mut st = shared.file_state(label.clone(), layout)?;
            let mut cols: Vec<usize> = st.rule_cols.iter().map(|(c, _)| *c).collect();
            let billed = layout
                .position(Column::BilledCost.name())
                .ok_or_else(|| perr(&label, Some("BilledCost"), "missing column"))?;
            cols.extend([st.currency_col, st.billing_start_col, billed]);
            cols.sort_unstable();
            cols.dedup();
            for batch in open(p, layout, Some(&cols))? {
                let batch = batch.map_err(|e| pq(&label, e))?;
                let pos = |name: &str| batch.schema().index_of(name).map_err(|e| pq(&label, e));
                let rows = batch.num_rows();
                let mut code = vec![st.absent_code; rows];
                for i in st.rule_cols.iter().map(|(c, _)| *c).collect::<Vec<_>>() {
                    let a = batch.column(pos(&layout.names[i])?).clone();
                    let d = dict_keys(&label, &layout.names[i], &a)?;
                    st.map_dict(&mut shared, i, &d.values().clone())?;
                    let m = st.mapped[i]
                        .as_ref()
                        .ok_or_else(|| pq(&label, "unmapped"))?;
                    let n = m.input.len();
                    for (r, c) in code.iter_mut().enumerate() {
                        *c = (*c).min(m.rule[entry(d, r, n)]);
                    }
                }
                let ca = batch.column(pos(&layout.names[st.currency_col])?).clone();
                let cd = dict_keys(&label, Column::BillingCurrency.name(), &ca)?;
                st.map_dict(&mut shared, st.currency_col, &cd.values().clone())?;
                let cm = st.mapped[st.currency_col]
                    .as_ref()
                    .ok_or_else(|| pq(&label, "unmapped"))?;
                let start = convert_time(
                    &label,
                    "BillingPeriodStart",
                    batch.column(pos(Column::BillingPeriodStart.name())?),
                    match &layout.cols[st.billing_start_col].1 {
                        In::Time(u) => *u,
                        _ => TimeUnit::Microsecond,
                    },
                )?;
                let start = start.as_primitive::<TimestampMicrosecondType>().clone();
                let In::Dec(s) = layout.cols[billed].1 else {
                    return Err(perr(&label, Some("BilledCost"), "not a decimal"));
                };
                let b = convert_dec(
                    &label,
                    "BilledCost",
                    batch.column(pos("BilledCost")?),
                    s,
                    true,
                )?;
                let b = b.as_primitive::<Decimal128Type>();
                let n = cm.input.len();
                for (r, &c) in code.iter().enumerate() {
                    let e = entry(cd, r, n);
                    if let Some(err) = &cm.errors[e] {
                        return Err(perr(&label, Some("BillingCurrency"), err.clone()));
                    }
                    let t = if c == NO_MATCH {
                        0
                    } else {
                        (c & 0xffff_ffff) as u32
                    };
                    if shared
                        .matcher
                        .share_of
                        .get(t as usize)
                        .copied()
                        .flatten()
                        .is_some()
                    {
                        continue;
                    }
                    let month = shared.month(start.value(r), &label)?;
                    let v = b.value(r);
                    let slot = direct.entry((cm.ids[e], month, t)).or_default();
                    slot.0 = slot.0.checked_add(v).ok_or_else(|| {
                        Error::InvalidArgument("BilledCost: sum out of the exact range".into())
                    })?;
                    slot.1 = slot.1.max(scale_of(v));
                }
            }
        }
        for ((cur, month, t), (v, scale)) in direct {
            let key = (
                shared.currencies.names[cur as usize].clone(),
                shared.months.names[month as usize].clone(),
            );
            alloc.direct.entry(key).or_default().insert(
                shared.matcher.targets[t as usize].clone(),
                at_scale(v, scale)?,
            );
        }
    }
    // The output columns: FOCUS 1.2, the inputs' extensions (first seen first), the x_ ones.
    let mut exts: Vec<String> = Vec::new();
    for l in layouts.iter().filter(|l| l.rows > 0) {
        for x in l.extensions() {
            if !exts.iter().any(|e| e == x) {
                exts.push(x.to_string());
            }
        }
    }
    let mut all = exts.clone();
    all.extend([X_ALLOCATED_TO, X_ALLOCATION_RULE, X_ALLOCATED_FROM].map(String::from));
    let schema: SchemaRef = Arc::new(focus_schema(&all));
    let ncols = schema.fields().len();
    let mut sums = Sums::default();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Vec<ArrayRef>>>(1);
    let wschema = schema.clone();
    let written = std::thread::scope(|s| -> Result<AtomicFile> {
        let writer = s.spawn(move || write_row_groups(out, wschema, rx));
        let mut sink = RowGroupSink {
            tx: Some(tx),
            pending: Vec::new(),
            pending_rows: 0,
        };
        let read = (|| -> Result<()> {
            let mut pass = Pass2 {
                shared: &mut shared,
                alloc: &mut alloc,
                sums: &mut sums,
                weights: HashMap::new(),
            };
            for (p, layout) in paths.iter().zip(layouts) {
                let label = p.display().to_string();
                let mut st = pass.shared.file_state(label.clone(), layout)?;
                for batch in open(p, layout, None)? {
                    let batch = batch.map_err(|e| pq(&label, e))?;
                    let conv = st.convert(pass.shared, &batch, &exts)?;
                    let cols = pass.allocate(&label, conv)?;
                    sink.push(cols, ncols)?;
                }
            }
            sink.flush(ncols)
        })();
        drop(sink);
        let w = writer.join().map_err(|_| {
            Error::InvalidArgument(format!("{}: the writer panicked", out.display()))
        })?;
        match (read, w) {
            (_, Err(e)) | (Err(e), _) => Err(e),
            (Ok(()), Ok(f)) => Ok(f),
        }
    })?;
    // Conservation, then publish.
    let cur = |id: &u32| shared.currencies.names[*id as usize].clone();
    let to_map = |m: &HashMap<u32, [i128; 2]>| -> Result<BTreeMap<String, [Decimal; 2]>> {
        m.iter()
            .map(|(k, v)| Ok((cur(k), [fixed_to_decimal(v[0])?, fixed_to_decimal(v[1])?])))
            .collect()
    };
    let tin = to_map(&sums.totals_in)?;
    let tout = to_map(&sums.totals_out)?;
    if tin != tout {
        return Err(Error::InvalidArgument(format!(
            "allocation does not balance: input {tin:?}, output {tout:?}"
        )));
    }
    let mut rows: Vec<ShowbackRow> = Vec::with_capacity(sums.showback.len());
    for ((t, m, c), v) in &sums.showback {
        rows.push(ShowbackRow {
            target: shared.matcher.targets[*t as usize].clone(),
            month: shared.months.names[*m as usize].clone(),
            currency: cur(c),
            billed_cost: fixed_to_decimal(v[0])?,
            effective_cost: fixed_to_decimal(v[1])?,
        });
    }
    rows.sort_by(|a, b| {
        (&a.target, &a.month, &a.currency).cmp(&(&b.target, &b.month, &b.currency))
    });
    written.commit()?;
    Ok(AllocationSummary {
        rows_in: sums.rows_in,
        rows_out: sums.rows_out,
        rows_split: sums.rows_split,
        totals: tin.into_iter().map(|(k, v)| (k, v[0])).collect(),
        showback: Showback { rows },
    })
}
