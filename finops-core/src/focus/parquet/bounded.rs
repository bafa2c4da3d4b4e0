//! Writes whose memory is bounded by the row group, not the file: the `parquet` crate keeps
//! decimal column-chunk statistics as slices of each write call's buffer until the footer, so
//! decimals are written in small slices ([`write_batch_bounded`]) and the FOCUS writers keep no
//! statistics for money columns ([`decimal_statistics_off`]).

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Schema};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::{EnabledStatistics, WriterPropertiesBuilder};
use parquet::schema::types::ColumnPath;

/// No min/max statistics for the `Decimal128` (money) columns of `schema`. The `parquet` crate
/// keeps a decimal column chunk's min/max as slices of the buffer they were written from
/// (decimal statistics are never truncated, so never copied), and the row-group metadata holding
/// them lives until the footer: even with [`DECIMAL_WRITE_ROWS`] slices, every row group pinned
/// up to two 16 KiB buffers per money column, about 9 bytes per row written on the allocation
/// path, memory growing with the file. Without them the writers' memory is flat (allocation:
/// 164–169 MiB from 3M to 8M rows). Readers lose row-group pruning on money values only, which
/// FinOps queries hardly use; text and time columns (dates above all) keep their statistics
/// and page index.
pub fn decimal_statistics_off(
    schema: &Schema,
    mut props: WriterPropertiesBuilder,
) -> WriterPropertiesBuilder {
    for f in schema.fields() {
        if matches!(f.data_type(), DataType::Decimal128(..)) {
            props = props.set_column_statistics_enabled(
                ColumnPath::from(f.name().as_str()),
                EnabledStatistics::None,
            );
        }
    }
    props
}

/// Rows per write call into the Parquet encoder for `Decimal128` columns.
///
/// The `parquet` crate copies each write call's decimals into one buffer and keeps a column
/// chunk's min/max statistics as slices of it (decimal statistics are never truncated, so
/// never copied). The row-group metadata lives until the footer is written, so every
/// row group pins up to two such buffers per decimal column: with whole batches that is
/// ~50 bytes per row written, memory growing with the file. Written in slices of this many
/// rows, the pinned buffers are 16 KiB each whatever the file size, and the statistics are
/// kept.
pub const DECIMAL_WRITE_ROWS: usize = 1024;

/// Write `batch` with `writer` so that memory stays bounded by the row group, not the file
/// (see [`DECIMAL_WRITE_ROWS`]): batches with a `Decimal128` column are written in slices of
/// that many rows (zero-copy slices; the file is the same as one write of the whole batch).
pub fn write_batch_bounded<W: std::io::Write + Send>(
    writer: &mut ArrowWriter<W>,
    batch: &RecordBatch,
) -> parquet::errors::Result<()> {
    let has_decimal = batch
        .schema()
        .fields()
        .iter()
        .any(|f| matches!(f.data_type(), DataType::Decimal128(..)));
    if !has_decimal || batch.num_rows() <= DECIMAL_WRITE_ROWS {
        return writer.write(batch);
    }
    let mut offset = 0;
    while offset < batch.num_rows() {
        let n = DECIMAL_WRITE_ROWS.min(batch.num_rows() - offset);
        writer.write(&batch.slice(offset, n))?;
        offset += n;
    }
    Ok(())
}
