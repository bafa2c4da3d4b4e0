#![doc = include_str!("../README.md")]
#![warn(
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    clippy::future_not_send
)]
#![deny(rustdoc::broken_intra_doc_links)]

/// Provider label used in errors and logs.
pub const PROVIDER: &str = "azure";

pub mod blob;
pub mod credential;
#[cfg(feature = "emulator")]
pub mod emulator;
mod error;
pub mod graph;
pub mod hub;
pub mod ingest;
pub mod retention;
pub mod storage;
pub mod transform;

pub use hub::AzureHub;
pub use ingest::layout::{Dataset, DateFolder};
pub use ingest::{IngestOptions, IngestReport, Ingestor};
pub use storage::Store;
