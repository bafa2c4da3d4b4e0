//! Emulator side of the Azure adapter (feature `emulator`): realistic export data and export
//! runs written into an exports container as Cost Management writes them.

pub mod exports;
pub mod focuscost;
