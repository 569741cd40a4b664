//! The community's exchange with the grid as the optimiser prices it: the grid's buy and sell
//! prices plus the convex peak terms p-MAS adds — exact penalties above the import and export
//! caps (the transformer, or the "do no harm" level), and a small valley-filling term that
//! breaks cost ties toward a flat exchange instead of synchronised charging.
//!
//! Every term is convex and piecewise linear in the step's net exchange `y` (kWh, + import), so
//! the storage dynamic program and the flexible-load water-filling stay exact.

use serde::{Deserialize, Serialize};

use crate::market::GridPrices;

/// An extra cost on community import above a limit (a cap enforced by an exact penalty).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeakPenalty {
    /// Import limit, kWh per step.
    pub limit_kwh: f64,
    /// Extra cost per kWh above it, ₹.
    pub penalty_per_kwh: f64,
}

/// Pieces of the valley-filling term on each side of zero.
pub const VALLEY_PIECES: usize = 4;

/// Valley filling: cost slope·Σₖ max(0, |y| − k·step) for k = 1..=[`VALLEY_PIECES`] — a
/// piecewise-linear stand-in for a small quadratic on the exchange.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Valley {
    /// Width of one piece, kWh.
    pub step_kwh: f64,
    /// Slope added by each piece, ₹/kWh.
    pub slope_per_kwh: f64,
}

/// The convex terms of a window's exchange cost (the same at every step).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shaping {
    /// Exact penalty on import above a cap.
    pub import_cap: Option<PeakPenalty>,
    /// Exact penalty on export above a cap (reverse flow loads the transformer too).
    pub export_cap: Option<PeakPenalty>,
    /// Valley-filling tie-breaker.
    pub valley: Option<Valley>,
    kinks: Vec<f64>,
}

impl Shaping {
    /// Terms from their parts (the kinks are worked out once).
    pub fn new(
        import_cap: Option<PeakPenalty>,
        export_cap: Option<PeakPenalty>,
        valley: Option<Valley>,
    ) -> Self {
        let mut kinks = vec![0.0];
        if let Some(p) = import_cap {
            kinks.push(p.limit_kwh);
        }
        if let Some(p) = export_cap {
            kinks.push(-p.limit_kwh);
        }
        if let Some(v) = valley.filter(|v| v.step_kwh > 0.0) {
            for k in 1..=VALLEY_PIECES {
                let x = k as f64 * v.step_kwh;
                kinks.push(x);
                kinks.push(-x);
            }
        }
        kinks.sort_by(f64::total_cmp);
        kinks.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
        Self {
            import_cap,
            export_cap,
            valley,
            kinks,
        }
    }

    /// Only an import cap (the optimiser's historical `peak` argument).
    pub fn import_only(peak: Option<PeakPenalty>) -> Self {
        Self::new(peak, None, None)
    }

    /// Where the cost's slope changes, in exchange kWh, ascending (0 included).
    pub fn kinks(&self) -> &[f64] {
        if self.kinks.is_empty() {
            &[0.0]
        } else {
            &self.kinks
        }
    }

    /// Cost of net exchange `y` (kWh, + import) at a step with grid prices `grid`, ₹.
    pub fn cost(&self, y: f64, grid: &GridPrices) -> f64 {
        let mut c = if y > 0.0 {
            grid.buy_per_kwh * y
        } else {
            grid.sell_per_kwh * y
        };
        if let Some(p) = self.import_cap {
            if y > p.limit_kwh {
                c += p.penalty_per_kwh * (y - p.limit_kwh);
            }
        }
        if let Some(p) = self.export_cap {
            if -y > p.limit_kwh {
                c += p.penalty_per_kwh * (-y - p.limit_kwh);
            }
        }
        if let Some(v) = self.valley.filter(|v| v.step_kwh > 0.0) {
            let a = y.abs();
            // `as` truncates toward zero: the floor of a non-negative number (without a call
            // to libm's `floor`, which was 2% of a run).
            let full = ((a / v.step_kwh) as usize).min(VALLEY_PIECES);
            // Σₖ₌₁..full (a − k·step)
            let k = full as f64;
            c += v.slope_per_kwh * (k * a - v.step_kwh * k * (k + 1.0) / 2.0);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_is_convex_and_kinks_are_where_slopes_change() {
        let s = Shaping::new(
            Some(PeakPenalty {
                limit_kwh: 5.0,
                penalty_per_kwh: 30.0,
            }),
            Some(PeakPenalty {
                limit_kwh: 4.0,
                penalty_per_kwh: 30.0,
            }),
            Some(Valley {
                step_kwh: 0.75,
                slope_per_kwh: 0.01,
            }),
        );
        let grid = GridPrices {
            buy_per_kwh: 8.0,
            sell_per_kwh: 3.0,
        };
        let mut last_slope = f64::NEG_INFINITY;
        let mut y = -10.0;
        while y < 10.0 {
            let slope = (s.cost(y + 0.01, &grid) - s.cost(y, &grid)) / 0.01;
            assert!(slope >= last_slope - 1e-9, "not convex at {y}");
            last_slope = slope;
            y += 0.01;
        }
        // Between two kinks the cost is linear.
        let k = s.kinks();
        for w in k.windows(2) {
            let (a, b) = (w[0], w[1]);
            let mid = s.cost((a + b) / 2.0, &grid);
            assert!((mid - (s.cost(a, &grid) + s.cost(b, &grid)) / 2.0).abs() < 1e-9);
        }
        // The valley term is small next to the prices: at most 8 × 0.01 ₹/kWh.
        assert!(s.cost(3.0, &grid) - 24.0 < 0.01 * 3.0 * 8.0);
    }
}
