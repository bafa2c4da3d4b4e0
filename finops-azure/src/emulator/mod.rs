//! Emulator side of the Azure adapter (feature `emulator`): realistic export data and export
//! runs written into an exports container as Cost Management writes them, the Entra ID token
//! endpoint ([`entra`]) and the Cost Management Query and Exports APIs ([`cost_management`]).

pub mod cost_management;
pub mod entra;
pub mod exports;
pub mod focuscost;
