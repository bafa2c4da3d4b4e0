//! The hasher of the group and intern tables (keys are short byte strings and small integer
//! arrays from trusted local files, so no DoS-resistant hashing is needed): `rustc-hash`'s
//! FxHasher. It replaced a hand-written multiply-rotate hasher after
//! `benches/benches/aggregate.rs` (`hashers_*`) measured it about 12 % faster on the
//! engine's work, with `foldhash` in between (numbers in `benches/README.md`).

pub use rustc_hash::FxBuildHasher as FastBuild;

/// A `HashMap` using [`FastBuild`].
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, FastBuild>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn distinguishes_lengths_and_content() {
        let b = FastBuild;
        assert_ne!(b.hash_one(&b"a"[..]), b.hash_one(&b"a\0"[..]));
        assert_ne!(b.hash_one(&b"abc"[..]), b.hash_one(&b"abd"[..]));
        let mut m: FastMap<Box<[u8]>, u32> = FastMap::default();
        m.insert(Box::from(&b"Compute"[..]), 1);
        assert_eq!(m.get(&b"Compute"[..]), Some(&1));
    }
}
