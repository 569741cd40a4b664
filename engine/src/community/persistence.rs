//! Day-to-day persistence: daily standard-normal anomalies with AR(1) correlation.
//!
//! A run generates one week window at a time, and a window must hold exactly the run's days. A
//! recursion x_d = φ·x_{d−1} + √(1−φ²)·ε_d would make day d depend on where its window starts,
//! so the anomaly is the recursion's moving-average form, truncated where φ^J < 10⁻³ and
//! rescaled to unit variance:
//!
//! x_d = Σ_{j=0}^{J} φ^j·ε_{d−j} / √(Σ_{j=0}^{J} φ^{2j})
//!
//! with innovations ε keyed by absolute day (days before the first one included). x_d is exactly
//! standard normal, so every transform of it keeps its marginal distribution and mean; the lag-1
//! correlation is φ·(1 − φ^{2J})/(1 − φ^{2J+2}) ≈ φ.

/// Weight of the oldest innovation kept: φ^J < TAIL.
const TAIL: f64 = 1e-3;

/// An AR(1) process in truncated moving-average form.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Ar1 {
    /// Weight of the innovation j days back, j = 0…J (unit sum of squares).
    weights: Vec<f64>,
}

impl Ar1 {
    /// The process with lag-1 correlation `phi` (0 ≤ φ < 1; 0 = independent days).
    pub fn new(phi: f64) -> Self {
        let phi = phi.clamp(0.0, 0.99);
        let mut powers = vec![1.0];
        let mut p = 1.0;
        loop {
            p *= phi;
            if p < TAIL {
                break;
            }
            powers.push(p);
        }
        let norm = libm::sqrt(powers.iter().map(|w| w * w).sum::<f64>());
        Self {
            weights: powers.iter().map(|w| w / norm).collect(),
        }
    }

    /// How many days back the sum reaches (J).
    pub fn lags(&self) -> usize {
        self.weights.len() - 1
    }

    /// The anomaly of the day whose innovation is the last of `innovations` (which holds at least
    /// J + 1 days, oldest first).
    pub fn at(&self, innovations: &[f64]) -> f64 {
        let today = innovations.len() - 1;
        self.weights
            .iter()
            .enumerate()
            .map(|(j, w)| w * innovations[today - j])
            .sum()
    }
}

/// The key of an absolute day for a random stream (days before day 0 wrap to the top of `u64`,
/// where no real day lives).
pub(crate) fn day_key(absolute_day: i64) -> u64 {
    absolute_day as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::community::rng::{Rng, Stream};

    #[test]
    fn weights_have_unit_variance_and_the_right_length() {
        for phi in [0.0, 0.3, 0.5, 0.8] {
            let ar = Ar1::new(phi);
            let variance: f64 = ar.weights.iter().map(|w| w * w).sum();
            assert!((variance - 1.0).abs() < 1e-12);
            let j = ar.lags() as i32;
            assert!(libm::pow(phi, f64::from(j)) >= TAIL || j == 0);
            assert!(libm::pow(phi, f64::from(j + 1)) < TAIL);
        }
        assert_eq!(Ar1::new(0.0).weights, vec![1.0]);
    }

    #[test]
    fn lag_one_correlation_is_phi() {
        let phi = 0.7;
        let ar = Ar1::new(phi);
        let innovations: Vec<f64> = (0..200_000)
            .map(|d| Rng::new(3, Stream::Weather, d, 0).normal())
            .collect();
        let x: Vec<f64> = (ar.lags()..innovations.len())
            .map(|d| ar.at(&innovations[..=d]))
            .collect();
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        let cov = x
            .windows(2)
            .map(|w| (w[0] - mean) * (w[1] - mean))
            .sum::<f64>()
            / (n - 1.0);
        assert!(
            mean.abs() < 0.02 && (var - 1.0).abs() < 0.02,
            "{mean} {var}"
        );
        assert!((cov / var - phi).abs() < 0.01, "{}", cov / var);
    }
}
