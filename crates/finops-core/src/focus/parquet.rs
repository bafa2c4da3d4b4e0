//! FOCUS Parquet reader and writer (work in progress).
