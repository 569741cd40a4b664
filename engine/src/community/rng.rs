//! Seeded randomness that gives bit-identical numbers natively and on wasm32.
//!
//! Every stream is keyed by (seed, purpose, index…) so adding members or days never changes
//! the numbers of the others. Transcendental functions come from `libm` (pure Rust), not the
//! platform's maths library, so results do not depend on where the engine runs.

use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// Purposes of random streams (keeps streams independent).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stream {
    Member = 1,
    MemberDay = 2,
    Weather = 3,
    Outage = 4,
    Assets = 5,
    LoadNoise = 6,
    Growth = 7,
    GrowthDay = 8,
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A seeded random stream.
pub(crate) struct Rng(Pcg64Mcg);

impl Rng {
    /// The stream for `(seed, purpose, a, b)`.
    pub fn new(seed: u64, purpose: Stream, a: u64, b: u64) -> Self {
        let key = splitmix64(splitmix64(splitmix64(seed ^ purpose as u64) ^ a) ^ b);
        Self(Pcg64Mcg::seed_from_u64(key))
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // (0, 1]
        let u2 = self.uniform();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * core::f64::consts::PI * u2)
    }

    /// Two independent standard normals (both halves of Box–Muller).
    pub fn normal_pair(&mut self) -> (f64, f64) {
        let u1 = 1.0 - self.uniform(); // (0, 1]
        let u2 = self.uniform();
        let r = libm::sqrt(-2.0 * libm::log(u1));
        let (s, c) = libm::sincos(2.0 * core::f64::consts::PI * u2);
        (r * c, r * s)
    }

    /// Lognormal factor with mean 1 and log-standard-deviation `sigma`.
    pub fn lognormal_factor(&mut self, sigma: f64) -> f64 {
        libm::exp(sigma * self.normal() - 0.5 * sigma * sigma)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let a: Vec<f64> = (0..4)
            .map(|_| Rng::new(7, Stream::Member, 1, 0).uniform())
            .collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut r1 = Rng::new(7, Stream::Member, 1, 0);
        let mut r2 = Rng::new(7, Stream::Member, 2, 0);
        assert_ne!(r1.uniform(), r2.uniform());
        let mut r = Rng::new(1, Stream::Weather, 0, 0);
        let mean: f64 = (0..20_000).map(|_| r.lognormal_factor(0.25)).sum::<f64>() / 20_000.0;
        assert!((mean - 1.0).abs() < 0.01, "mean {mean}");
    }
}
