//! weekly (work in progress).
