//! OVHcloud API emulator (work in progress).
