//! builder (work in progress).
