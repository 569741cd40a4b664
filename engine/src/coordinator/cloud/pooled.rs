//! The coordinated members without a battery, forecast as one pool. The plan needs only their
//! total fixed load, flexible load and PV per step (no member-level limit of theirs enters the
//! window optimisation), so the coordinator forecasts the three pooled series instead of every
//! member's: the forecasts are linear in the load (a mean) and, with PV proportional to one
//! site series per kWp (generated communities), in PV too, so the pool's forecast is the sum of
//! its members'. A 10,000-member plan then reads three series instead of 20,000.

use super::super::forecast::{forecast_into, ProfileCache, Quantity};
use super::super::Forecast;
use crate::community::Member;

/// The pooled series of one set of members over a window, with their forecasts' caches.
#[derive(Default)]
pub(super) struct Pool {
    /// The members pooled (rebuilt when it changes).
    who: Vec<usize>,
    /// Σ (1 − flexible share) × load, kW, per step of the window.
    fixed_kw: Vec<f64>,
    /// Σ flexible share × load, kW.
    flex_kw: Vec<f64>,
    /// Σ PV, kW.
    pv_kw: Vec<f64>,
    caches: [ProfileCache; 3],
}

/// A window of the pool's forecast, kW per step from the plan's start.
pub(super) struct PooledForecast<'a> {
    pub fixed_kw: &'a [f64],
    pub flex_kw: &'a [f64],
    pub pv_kw: &'a [f64],
}

impl Pool {
    /// Pool `who` (rebuilding the series if the set changed) and forecast steps `from..to`.
    pub fn forecast<'o>(
        &mut self,
        members: &[Member],
        who: &[usize],
        forecast: Forecast,
        (from, to): (usize, usize),
        steps_per_day: usize,
        out: &'o mut [Vec<f64>; 3],
    ) -> PooledForecast<'o> {
        if self.who != who {
            self.rebuild(members, who);
        }
        let Pool {
            fixed_kw,
            flex_kw,
            pv_kw,
            caches,
            ..
        } = self;
        let series = [
            (&*fixed_kw, Quantity::Load),
            (&*flex_kw, Quantity::Load),
            (&*pv_kw, Quantity::Pv),
        ];
        for (((series, kind), cache), out) in series.into_iter().zip(caches).zip(out.iter_mut()) {
            forecast_into(forecast, kind, series, from, to, steps_per_day, cache, out);
        }
        PooledForecast {
            fixed_kw: &out[0],
            flex_kw: &out[1],
            pv_kw: &out[2],
        }
    }

    fn rebuild(&mut self, members: &[Member], who: &[usize]) {
        let steps = who
            .iter()
            .map(|&k| members[k].load_kw.len())
            .max()
            .unwrap_or(0);
        self.who = who.to_vec();
        self.fixed_kw = vec![0.0; steps];
        self.flex_kw = vec![0.0; steps];
        self.pv_kw = vec![0.0; steps];
        for &k in who {
            let m = &members[k];
            for (t, load) in m.load_kw.iter().enumerate() {
                self.fixed_kw[t] += (1.0 - m.flexible_share) * load;
                self.flex_kw[t] += m.flexible_share * load;
            }
            for (t, pv) in m.pv_kw.iter().enumerate().take(steps) {
                self.pv_kw[t] += pv;
            }
        }
        // A new set of members: their history profiles start afresh.
        self.caches = Default::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::community::{generate, CommunitySpec, Site};
    use crate::time_axis::TimeAxis;

    /// The pool's forecast is its members' forecasts summed (up to rounding), for every
    /// forecast, in a generated community (PV proportional to the site's series).
    #[test]
    fn the_pool_forecasts_the_sum_of_its_members() {
        let community = generate(
            &CommunitySpec::default_for(Site::CompositeNorth),
            &TimeAxis::hourly(24 * 10),
        )
        .unwrap();
        let members = &community.members;
        let who: Vec<usize> = (0..members.len()).filter(|k| k % 3 != 0).collect();
        let (from, to) = (24 * 8 + 9, 24 * 9 + 9);
        for f in Forecast::ALL {
            let mut pool = Pool::default();
            let mut out = [Vec::new(), Vec::new(), Vec::new()];
            let pooled = pool.forecast(members, &who, f, (from, to), 24, &mut out);
            let (mut fixed, mut flex, mut pv) = (vec![0.0; 24], vec![0.0; 24], vec![0.0; 24]);
            let (mut load_k, mut pv_k) = (Vec::new(), Vec::new());
            for &k in &who {
                let m = &members[k];
                forecast_into(
                    f,
                    Quantity::Load,
                    &m.load_kw,
                    from,
                    to,
                    24,
                    &mut None,
                    &mut load_k,
                );
                forecast_into(
                    f,
                    Quantity::Pv,
                    &m.pv_kw,
                    from,
                    to,
                    24,
                    &mut None,
                    &mut pv_k,
                );
                for i in 0..24 {
                    fixed[i] += (1.0 - m.flexible_share) * load_k[i];
                    flex[i] += m.flexible_share * load_k[i];
                    pv[i] += pv_k[i];
                }
            }
            for i in 0..24 {
                for (a, b, what) in [
                    (pooled.fixed_kw[i], fixed[i], "fixed"),
                    (pooled.flex_kw[i], flex[i], "flex"),
                    (pooled.pv_kw[i], pv[i], "pv"),
                ] {
                    assert!(
                        (a - b).abs() <= 1e-9 * (1.0 + b.abs()),
                        "{f:?} {what} step {i}: {a} vs {b}"
                    );
                }
            }
        }
    }
}
