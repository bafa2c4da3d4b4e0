//! drivers (work in progress).
