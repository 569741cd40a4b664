//! Peak metrics of one behaviour: the transformer's loading at every step (import and export
//! through it, every member netted: the physics, whatever the market), and what a distribution
//! engineer reads from it — monthly maxima, the coincident peak, hours and energy above 80% and
//! 100% of the rating, the loading-duration curve, p-MAS classes and a month × hour map.

use serde::{Deserialize, Serialize};

use crate::coordinator::LoadClass;
use crate::market::GridPrices;
use crate::time_axis::TimeAxis;

/// Points of the loading-duration curve (0%, 1%, …, 100% of the grid-up hours).
pub const DURATION_POINTS: usize = 101;

/// Evening hours that count as the system peak when the tariff has no peak window.
const EVENING_PEAK_HOURS: std::ops::Range<u32> = 18..22;

/// The transformer's view of one model.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PeakReport {
    /// The transformer's rating, kVA.
    pub transformer_kva: f64,
    /// The real power it carries at its rating, kW (kVA × power factor).
    pub rating_kw: f64,
    /// Highest import through the transformer in one step, kW.
    pub peak_import_kw: f64,
    /// Highest export (reverse flow) through it in one step, kW.
    pub peak_export_kw: f64,
    /// Highest import during the tariff's peak window (18–22 h when prices are flat), kW.
    pub coincident_peak_kw: f64,
    /// Highest import per month (index 0 = the run's first month), kW.
    pub monthly_peak_import_kw: Vec<f64>,
    /// Highest export per month, kW.
    pub monthly_peak_export_kw: Vec<f64>,
    /// Highest loading, share of the rating.
    pub max_loading: f64,
    /// Hours with the loading above 80% of the rating.
    pub hours_over_80pct: f64,
    /// Energy through the transformer above 80% of the rating, kWh.
    pub kwh_over_80pct: f64,
    /// Hours with the loading above the rating.
    pub hours_over_rating: f64,
    /// Energy through the transformer above its rating, kWh.
    pub kwh_over_rating: f64,
    /// Loading exceeded for 0%, 1%, …, 100% of the grid-up time, share of the rating.
    pub loading_duration: Vec<f64>,
    /// Community-steps in each p-MAS class by transformer loading (underloaded … severely).
    pub community_class_counts: [u64; 5],
    /// Member-steps in each class by each node's import against its share of the rating.
    pub node_class_counts: [u64; 5],
    /// Mean loading by month (rows) and hour of day (24 columns), share of the rating.
    pub mean_loading_by_month_hour: Vec<[f64; 24]>,
    /// Highest loading by month and hour of day, share of the rating.
    pub max_loading_by_month_hour: Vec<[f64; 24]>,
    /// Demand charge on the monthly maximum import, ₹ (0 without one).
    pub demand_charge_cost: f64,
}

/// Whether each step is in the tariff's peak window: the day's dearest import hours when prices
/// vary within the day, otherwise the evening system peak (18–22 h).
pub fn coincident_window(prices: &[GridPrices], axis: &TimeAxis) -> Vec<bool> {
    let spd = axis.steps_per_day.max(1) as usize;
    let mut out = vec![false; prices.len()];
    for (day, chunk) in prices.chunks(spd).enumerate() {
        let hi = chunk.iter().map(|p| p.buy_per_kwh).fold(f64::MIN, f64::max);
        let lo = chunk.iter().map(|p| p.buy_per_kwh).fold(f64::MAX, f64::min);
        for (i, p) in chunk.iter().enumerate() {
            let t = day * spd + i;
            out[t] = if hi > lo + 1e-9 {
                p.buy_per_kwh >= hi - 1e-9
            } else {
                EVENING_PEAK_HOURS.contains(&axis.hour_of_day(t))
            };
        }
    }
    out
}

/// The transformer and class settings a report is measured against.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rating {
    /// kVA.
    pub kva: f64,
    /// Real power at the rating, kW.
    pub kw: f64,
    /// Class thresholds, share of the rating.
    pub thresholds: [f64; 4],
    /// Demand charge, ₹ per kW of monthly maximum import.
    pub demand_charge_per_kw: f64,
}

/// Running peak totals of one behaviour.
#[derive(Clone)]
pub(super) struct Peaks {
    axis: TimeAxis,
    rating: Rating,
    report: PeakReport,
    loading: Vec<f64>,
    cells: Vec<[(f64, u32); 24]>,
}

impl Peaks {
    pub fn new(axis: TimeAxis, rating: Rating) -> Self {
        Self {
            axis,
            rating,
            report: PeakReport {
                transformer_kva: rating.kva,
                rating_kw: rating.kw,
                ..PeakReport::default()
            },
            loading: Vec::new(),
            cells: Vec::new(),
        }
    }

    /// The class of a load ratio under this rating's thresholds.
    pub fn class(&self, ratio: f64) -> LoadClass {
        LoadClass::of_ratio_with(ratio, &self.rating.thresholds)
    }

    /// A node importing `import_kw` with a transformer share of `share_kw`.
    pub fn add_node(&mut self, import_kw: f64, share_kw: f64) {
        let r = if share_kw > 0.0 {
            import_kw.max(0.0) / share_kw
        } else {
            0.0
        };
        self.report.node_class_counts[self.class(r).index()] += 1;
    }

    /// The community's exchange through the transformer at step `t` (kW, + import), grid up;
    /// `coincident`: the step is in the tariff's peak window.
    pub fn add_step(&mut self, t: usize, exchange_kw: f64, coincident: bool) {
        let hours = self.axis.step_hours();
        let r = &mut self.report;
        let month = self.axis.month_of(t) - self.axis.month_of(0);
        if r.monthly_peak_import_kw.len() <= month {
            r.monthly_peak_import_kw.resize(month + 1, 0.0);
            r.monthly_peak_export_kw.resize(month + 1, 0.0);
            self.cells.resize(month + 1, [(0.0, 0); 24]);
            r.max_loading_by_month_hour.resize(month + 1, [0.0; 24]);
        }
        let import = exchange_kw.max(0.0);
        let export = (-exchange_kw).max(0.0);
        r.peak_import_kw = r.peak_import_kw.max(import);
        r.peak_export_kw = r.peak_export_kw.max(export);
        r.monthly_peak_import_kw[month] = r.monthly_peak_import_kw[month].max(import);
        r.monthly_peak_export_kw[month] = r.monthly_peak_export_kw[month].max(export);
        if coincident {
            r.coincident_peak_kw = r.coincident_peak_kw.max(import);
        }
        let flow = exchange_kw.abs();
        let loading = if self.rating.kw > 0.0 {
            flow / self.rating.kw
        } else {
            0.0
        };
        r.max_loading = r.max_loading.max(loading);
        for (level, hours_over, kwh_over) in [
            (0.8, &mut r.hours_over_80pct, &mut r.kwh_over_80pct),
            (1.0, &mut r.hours_over_rating, &mut r.kwh_over_rating),
        ] {
            let above = flow - level * self.rating.kw;
            if above > 1e-9 {
                *hours_over += hours;
                *kwh_over += above * hours;
            }
        }
        // A flow held exactly at a threshold (the agents hold the rating) is not above it.
        let class_loading = if self.rating.kw > 0.0 {
            (flow - 1e-9).max(0.0) / self.rating.kw
        } else {
            0.0
        };
        let class = LoadClass::of_ratio_with(class_loading, &self.rating.thresholds);
        r.community_class_counts[class.index()] += 1;
        let hour = (self.axis.hour_of_day(t) as usize).min(23);
        let cell = &mut self.cells[month][hour];
        cell.0 += loading;
        cell.1 += 1;
        let max = &mut r.max_loading_by_month_hour[month][hour];
        *max = max.max(loading);
        self.loading.push(loading);
    }

    pub fn finish(mut self) -> PeakReport {
        let r = &mut self.report;
        r.mean_loading_by_month_hour = self
            .cells
            .iter()
            .map(|row| row.map(|(sum, n)| if n > 0 { sum / f64::from(n) } else { 0.0 }))
            .collect();
        self.loading.sort_by(|a, b| b.total_cmp(a));
        let n = self.loading.len();
        r.loading_duration = (0..DURATION_POINTS)
            .map(|i| {
                if n == 0 {
                    0.0
                } else {
                    let at = (i * (n - 1)) / (DURATION_POINTS - 1);
                    self.loading[at]
                }
            })
            .collect();
        r.demand_charge_cost =
            self.rating.demand_charge_per_kw * r.monthly_peak_import_kw.iter().sum::<f64>();
        self.report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_and_energy_above_the_rating_count_import_and_export() {
        let axis = TimeAxis::hourly(4);
        let rating = Rating {
            kva: 10.0,
            kw: 10.0,
            thresholds: LoadClass::THRESHOLDS,
            demand_charge_per_kw: 100.0,
        };
        let mut p = Peaks::new(axis, rating);
        for (t, x) in [2.0, 9.0, -12.0, 11.0].into_iter().enumerate() {
            p.add_step(t, x, t == 3);
        }
        let r = p.finish();
        assert_eq!(r.peak_import_kw, 11.0);
        assert_eq!(r.peak_export_kw, 12.0);
        assert_eq!(r.coincident_peak_kw, 11.0);
        assert_eq!(r.hours_over_rating, 2.0);
        assert!((r.kwh_over_rating - 3.0).abs() < 1e-12);
        assert_eq!(r.hours_over_80pct, 3.0);
        assert!((r.kwh_over_80pct - (1.0 + 4.0 + 3.0)).abs() < 1e-12);
        assert_eq!(r.community_class_counts, [1, 0, 0, 1, 2]);
        assert_eq!(r.loading_duration[0], 1.2);
        assert_eq!(r.loading_duration[100], 0.2);
        assert_eq!(r.demand_charge_cost, 1100.0);
    }
}
