//! A seeded generator for sample data (emulators, demos, benchmark inputs): SplitMix64 from
//! the `rand_xoshiro` crate. The same seed gives the same data on every machine and version,
//! which the emulators' expected totals rely on; it is not for anything secret.

use rand::{RngCore, SeedableRng};

/// SplitMix64 seeded with a number (its state starts at the seed).
#[derive(Debug, Clone)]
pub struct SampleRng(rand_xoshiro::SplitMix64);

impl SampleRng {
    /// A generator whose state starts at `seed`.
    pub fn new(seed: u64) -> Self {
        SampleRng(rand_xoshiro::SplitMix64::seed_from_u64(seed))
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A value in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// One SplitMix64 step from state `x`: a well-mixed hash of `x` (the first value of
/// [`SampleRng::new(x)`](SampleRng::new)).
pub fn mix(x: u64) -> u64 {
    SampleRng::new(x).next_u64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_splitmix64_values() {
        // Reference outputs of SplitMix64 for seed 1234567 (Vigna's splitmix64.c).
        let mut r = SampleRng::new(1_234_567);
        let got: Vec<u64> = (0..5).map(|_| r.next_u64()).collect();
        assert_eq!(
            got,
            [
                6457827717110365317,
                3203168211198807973,
                9817491932198370423,
                4593380528125082431,
                16408922859458223821
            ]
        );
        assert_eq!(mix(1_234_567), 6457827717110365317);
        assert_eq!(SampleRng::new(9).below(0), 0);
    }
}
