//! api (work in progress).
