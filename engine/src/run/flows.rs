//! Running energy totals of one behaviour (a dispatch of every member): load, PV, battery
//! throughput, grid exchange through the community meter, unserved energy and p-MAS classes.

use crate::community::Member;
use crate::coordinator::MemberStep;

use super::peaks::{PeakReport, Peaks, Rating};
use super::{EnergyReport, FlowSeries, FlowStep};

/// Where a step is: the window's members, the step in the run (`t`) and in the window (`lt`).
#[derive(Clone, Copy)]
pub(super) struct At<'a> {
    pub members: &'a [Member],
    /// Every member's load and PV at this step (the same as their series hold at `lt`).
    pub now: crate::community::StepColumns<'a>,
    pub t: usize,
    pub lt: usize,
    pub hours: f64,
    /// Hour of the day (0–23) at the start of the step.
    pub hour_of_day: u32,
    pub grid: &'a crate::market::GridPrices,
    pub grid_up: bool,
    /// Value of lost load this step, ₹/kWh.
    pub voll_per_kwh: f64,
    /// Each member's battery wear, ₹ per kWh discharged (0 without a battery).
    pub wear_per_kwh: &'a [f64],
    /// The step is in the tariff's peak window (coincident peak).
    pub coincident: bool,
}

/// Running energy totals of one behaviour.
#[derive(Clone)]
pub(super) struct Flows {
    axis: crate::time_axis::TimeAxis,
    e: EnergyReport,
    pv_used: f64,
    series: FlowSeries,
    peaks: Peaks,
    /// Each member's share of the transformer, kW.
    shares_kw: Vec<f64>,
}

impl Flows {
    pub fn new(axis: crate::time_axis::TimeAxis, rating: Rating, shares_kw: Vec<f64>) -> Self {
        Self {
            axis,
            e: EnergyReport::default(),
            pv_used: 0.0,
            series: FlowSeries::default(),
            peaks: Peaks::new(axis, rating),
            shares_kw,
        }
    }

    /// Add a step; `shared` nets the participants' imports and exports as one community.
    pub fn add(&mut self, at: &At<'_>, steps: &[MemberStep], participates: &[bool], shared: bool) {
        let At {
            now,
            t,
            hours,
            grid_up,
            voll_per_kwh,
            ..
        } = *at;
        let (mut buy, mut sell, mut import, mut export) = (0.0, 0.0, 0.0, 0.0);
        let mut unserved = 0.0;
        let month = self.axis.month_of(t) - self.axis.month_of(0);
        if grid_up && !steps.is_empty() && self.e.load_class_counts_by_month.len() <= month {
            self.e.load_class_counts_by_month.resize(month + 1, [0; 5]);
        }
        for (k, s) in steps.iter().enumerate() {
            self.e.load_kwh += s.load_kw * hours;
            let pv_raw = now.pv_kw[k];
            self.e.pv_kwh += pv_raw * hours;
            self.e.ess_throughput_kwh += (s.charge_kw + s.discharge_kw) * hours;
            unserved += s.unserved_kw * hours;
            let x = s.net_kw * hours;
            let (imp, exp) = if x > 0.0 { (x, 0.0) } else { (0.0, -x) };
            if shared && participates[k] {
                buy += imp;
                sell += exp;
            } else {
                import += imp;
                export += exp;
            }
            if !grid_up {
                continue;
            }
            let share = self.shares_kw[k];
            self.peaks.add_node(imp / hours, share);
            let r = if share > 0.0 {
                imp / hours / share
            } else {
                0.0
            };
            let class = self.peaks.class(r).index();
            self.e.load_class_counts[class] += 1;
            self.e.load_class_counts_by_month[month][class] += 1;
        }
        let traded = buy.min(sell);
        import += buy - traded;
        export += sell - traded;
        let kw = |kwh: f64| kwh / hours;
        self.series.push(FlowStep {
            load_kw: steps.iter().map(|s| s.load_kw).sum(),
            pv_kw: steps.iter().map(|s| s.pv_kw).sum(),
            charge_kw: steps.iter().map(|s| s.charge_kw).sum(),
            discharge_kw: steps.iter().map(|s| s.discharge_kw).sum(),
            import_kw: kw(import),
            export_kw: kw(export),
            tbp_kw: kw(buy),
            tsp_kw: kw(sell),
        });
        self.e.shared_kwh += traded;
        self.e.grid_import_kwh += import;
        self.e.grid_export_kwh += export;
        self.pv_used += steps.iter().map(|s| s.pv_kw * hours).sum::<f64>() - export;
        if grid_up {
            // The transformer carries every member's net, whatever the market.
            let exchange: f64 = steps.iter().map(|s| s.net_kw).sum();
            self.peaks.add_step(t, exchange, at.coincident);
            self.e.peak_import_kw = self.e.peak_import_kw.max(exchange);
        }
        self.e.energy_not_served_kwh += unserved;
        self.e.unserved_value += unserved * voll_per_kwh;
        if unserved > 1e-9 {
            self.e.loss_of_load_hours += hours;
        }
    }

    pub fn finish(mut self) -> (EnergyReport, FlowSeries, PeakReport) {
        let share = |a: f64, b: f64| (b > 0.0).then(|| a / b);
        self.e.self_consumption = share(self.pv_used, self.e.pv_kwh);
        let served = self.e.load_kwh - self.e.energy_not_served_kwh;
        self.e.self_sufficiency = share(served - self.e.grid_import_kwh, self.e.load_kwh);
        (self.e, self.series, self.peaks.finish())
    }
}
