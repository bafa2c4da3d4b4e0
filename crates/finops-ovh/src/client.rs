//! client (work in progress).
