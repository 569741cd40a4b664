//! The demand-charge search: a window's optimal cost with its import capped at `cap` (by an exact
//! penalty) is convex and non-increasing in `cap`, and the demand charge on the cap is convex and
//! increasing, so their sum is convex in one variable — golden-section search finds its minimum.

/// Golden-section iterations: the bracket shrinks to 0.618ⁿ of its width.
pub const CAP_SEARCH_ITERATIONS: usize = 14;

/// The outcome of a cap search.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CapSearch {
    /// The best cap found, kW.
    pub cap_kw: f64,
    /// Its total cost (window cost + demand charge), ₹.
    pub cost: f64,
    /// Evaluations (window solves) the search spent.
    pub evaluations: usize,
}

/// Minimise the convex `total(cap)` over `[lo, hi]` (kW).
pub fn search_cap(total: impl FnMut(f64) -> f64, lo: f64, hi: f64) -> CapSearch {
    search_cap_in(total, lo, hi, CAP_SEARCH_ITERATIONS)
}

/// [`search_cap`] with a given number of golden-section iterations (a warm start around
/// yesterday's cap needs fewer).
pub fn search_cap_in(
    mut total: impl FnMut(f64) -> f64,
    lo: f64,
    hi: f64,
    iterations: usize,
) -> CapSearch {
    const INV_PHI: f64 = 0.618_033_988_749_894_8;
    let (mut a, mut b) = (lo.min(hi), hi.max(lo));
    let mut evaluations = 0;
    let mut eval = |x: f64, n: &mut usize| {
        *n += 1;
        total(x)
    };
    let mut best = (b, eval(b, &mut evaluations));
    if b - a <= 1e-9 {
        return CapSearch {
            cap_kw: best.0,
            cost: best.1,
            evaluations,
        };
    }
    let mut c = b - INV_PHI * (b - a);
    let mut d = a + INV_PHI * (b - a);
    let mut fc = eval(c, &mut evaluations);
    let mut fd = eval(d, &mut evaluations);
    for _ in 0..iterations {
        if fc <= fd {
            b = d;
            d = c;
            fd = fc;
            c = b - INV_PHI * (b - a);
            fc = eval(c, &mut evaluations);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + INV_PHI * (b - a);
            fd = eval(d, &mut evaluations);
        }
    }
    for (x, f) in [(c, fc), (d, fd)] {
        if f < best.1 {
            best = (x, f);
        }
    }
    CapSearch {
        cap_kw: best.0,
        cost: best.1,
        evaluations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_a_convex_function() {
        let f = |x: f64| (x - 3.7).abs() * 2.0 + 0.5 * (x - 3.0).max(0.0);
        let r = search_cap(f, 0.0, 10.0);
        assert!((r.cap_kw - 3.7).abs() < 0.01, "{r:?}");
        assert!(r.evaluations <= CAP_SEARCH_ITERATIONS + 3);
        // A flat bracket costs one evaluation.
        assert_eq!(search_cap(f, 5.0, 5.0).evaluations, 1);
    }
}
