#![doc = include_str!("../README.md")]
#![warn(
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    clippy::future_not_send
)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod aggregate;
pub mod alert;
pub mod allocate;
pub mod anomaly;
pub mod budget;
pub mod clock;
pub mod error;
pub mod focus;
pub mod forecast;
pub mod fs;
pub mod ini;
pub mod json;
pub mod money;
pub mod sample;
pub mod secret;
pub mod source;
pub mod state;
pub mod table;

#[cfg(feature = "http")]
pub mod http;

#[cfg(feature = "emulator")]
pub mod emulator;

#[cfg(feature = "schedule")]
pub mod schedule;

#[cfg(feature = "publish")]
pub mod publish;

#[cfg(feature = "notify")]
pub mod notify;

#[cfg(any(feature = "testing", test))]
pub mod testing;

pub use error::{Error, Result};
pub use focus::{Column, CostRecord, Period, Tags};
pub use money::{Currency, Money};
pub use rust_decimal::Decimal;
pub use secret::Secret;
pub use source::{
    CostQuery, CostSource, CreditBalance, CreditQuery, CreditSource, UsageQuery, UsageSample,
    UsageSource,
};
