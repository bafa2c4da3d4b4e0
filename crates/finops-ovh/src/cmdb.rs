//! cmdb (work in progress).
