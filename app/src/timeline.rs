//! "Over time": the community's power flows, internal prices and SDR over a chosen day or week,
//! and battery use per month with and without sharing — all from the run's [`RunSeries`].

use engine::market::RuleId;
use engine::run::{monthly_throughput_kwh, FlowSeries, Model, RunReport, RunSeries};
use engine::TimeAxis;
use leptos::prelude::*;

use crate::browser_io::PngButton;
use crate::chart::{canvas_root, labelled_line, legend, month_label};
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

/// The steps a chart shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// First step.
    pub start: usize,
    /// One past the last step.
    pub end: usize,
}

impl Window {
    /// `days` days from day `day` (clamped to the run).
    pub fn days(axis: &TimeAxis, day: usize, days: usize) -> Self {
        let spd = axis.steps_per_day.max(1) as usize;
        let start = (day * spd).min(axis.steps.saturating_sub(spd));
        Self {
            start,
            end: (start + days * spd).min(axis.steps),
        }
    }
}

/// The flows a model's behaviour produced, with the grid import and export its metering sees.
pub fn flows_of(series: &RunSeries, model: Model) -> Option<(&FlowSeries, &[f32], &[f32])> {
    match model {
        Model::None => Some((
            &series.local,
            &series.alone_import_kw,
            &series.alone_export_kw,
        )),
        Model::Bs | Model::Mmr | Model::Sdr => Some((
            &series.local,
            &series.local.import_kw,
            &series.local.export_kw,
        )),
        Model::Cloud => series
            .cloud
            .as_ref()
            .map(|c| (c, c.import_kw.as_slice(), c.export_kw.as_slice())),
    }
}

type Line = (&'static str, RGBColor, Vec<(f64, f64)>);

impl Window {
    /// More than a day: the x axis counts days, else hours.
    fn in_days(self, axis: &TimeAxis) -> bool {
        self.end - self.start > axis.steps_per_day.max(1) as usize
    }

    /// x of step `t`: days (week view) or hours (day view) since the window's start.
    fn x(self, axis: &TimeAxis, t: usize) -> f64 {
        let hours = (t - self.start) as f64 * axis.step_hours();
        if self.in_days(axis) {
            hours / 24.0
        } else {
            hours
        }
    }

    /// Label of an x value: "day N" on whole days of a week, "HH:00" within a day.
    fn label(self, axis: &TimeAxis, x: f64) -> String {
        let first_day = self.start / axis.steps_per_day.max(1) as usize + 1;
        if self.in_days(axis) {
            if x.fract().abs() < 1e-9 {
                format!("day {}", first_day + x as usize)
            } else {
                String::new()
            }
        } else if x == 0.0 {
            format!("day {first_day}")
        } else {
            format!("{:02}:00", x as u32)
        }
    }

    /// The x axis's name.
    fn x_desc(self, axis: &TimeAxis) -> &'static str {
        if self.in_days(axis) {
            "day of the year"
        } else {
            "hour of the day"
        }
    }
}

/// Lines of the community's load, PV, battery and grid (kW) over the window.
pub fn draw_power(
    canvas: HtmlCanvasElement,
    axis: &TimeAxis,
    series: &RunSeries,
    model: Model,
    w: Window,
) -> Result<(), String> {
    let root = canvas_root(canvas)?;
    let Some((flows, import, export)) = flows_of(series, model) else {
        return root.present().map_err(|e| e.to_string());
    };
    let pick = |v: &[f32]| -> Vec<(f64, f64)> {
        (w.start..w.end)
            .map(|t| (w.x(axis, t), f64::from(v[t])))
            .collect()
    };
    let lines: [Line; 6] = [
        ("load", RGBColor(0, 0, 0), pick(&flows.load_kw)),
        ("PV", RGBColor(230, 159, 0), pick(&flows.pv_kw)),
        (
            "battery charge",
            RGBColor(0, 158, 115),
            pick(&flows.charge_kw),
        ),
        (
            "battery discharge",
            RGBColor(86, 180, 233),
            pick(&flows.discharge_kw),
        ),
        ("grid import", RGBColor(213, 94, 0), pick(import)),
        ("grid export", RGBColor(204, 121, 167), pick(export)),
    ];
    let top = lines
        .iter()
        .flat_map(|(_, _, p)| p.iter().map(|(_, y)| *y))
        .fold(1.0_f64, f64::max)
        * 1.6;
    let span = w.x(axis, w.end).max(1.0);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("Community power — {} (kW)", model.label()),
            ("sans-serif", 16),
        )
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..span, 0.0..top)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_labels(if w.in_days(axis) { 8 } else { 9 })
        .x_label_formatter(&|x| w.label(axis, *x))
        .x_desc(w.x_desc(axis))
        .y_desc("kW")
        .draw()
        .map_err(|e| e.to_string())?;
    for (label, colour, points) in lines {
        labelled_line(&mut chart, points, label, colour)?;
    }
    legend(&mut chart, 12)?;
    root.present().map_err(|e| e.to_string())
}

/// The rule whose internal prices a model's chart shows (BS prices belong to its billing
/// horizon, not to a step).
pub fn price_rule(model: Model) -> Option<RuleId> {
    match model {
        Model::None => Some(RuleId::None),
        Model::Mmr => Some(RuleId::Mmr),
        Model::Sdr | Model::Cloud => Some(RuleId::Sdr),
        Model::Bs => None,
    }
}

/// Grid and internal buy/sell prices (₹/kWh, left axis) and SDR (right axis) over the window.
pub fn draw_prices(
    canvas: HtmlCanvasElement,
    axis: &TimeAxis,
    series: &RunSeries,
    model: Model,
    w: Window,
) -> Result<(), String> {
    let root = canvas_root(canvas)?;
    let Some((flows, _, _)) = flows_of(series, model) else {
        return root.present().map_err(|e| e.to_string());
    };
    let rule = price_rule(model);
    let x = |t: usize| w.x(axis, t);
    let grid = |sell: bool| -> Vec<(f64, f64)> {
        (w.start..w.end)
            .map(|t| {
                let g = series.grid(t);
                (x(t), if sell { g.sell_per_kwh } else { g.buy_per_kwh })
            })
            .collect()
    };
    let internal = |sell: bool| -> Vec<(f64, f64)> {
        (w.start..w.end)
            .filter_map(|t| {
                let p = series.internal_prices(flows, rule?, t)?;
                Some((x(t), if sell { p.sell_per_kwh } else { p.buy_per_kwh }))
            })
            .collect()
    };
    let sdr: Vec<(f64, f64)> = (w.start..w.end)
        .filter_map(|t| flows.sdr(t).map(|s| (x(t), s.min(3.0))))
        .collect();
    // Head room above the retail price for the legend.
    let top = grid(false).iter().map(|p| p.1).fold(1.0_f64, f64::max) * 1.7;
    let span = x(w.end).max(1.0);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            match rule {
                Some(_) => format!("Prices and SDR — {}", model.label()),
                None => "Prices and SDR — Bill Sharing sets its prices per month (see its bills)"
                    .to_string(),
            },
            ("sans-serif", 16),
        )
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .right_y_label_area_size(40)
        .build_cartesian_2d(0.0..span, 0.0..top)
        .map_err(|e| e.to_string())?
        .set_secondary_coord(0.0..span, 0.0..3.0 * 1.7 / 1.15);
    chart
        .configure_mesh()
        .x_labels(if w.in_days(axis) { 8 } else { 9 })
        .x_label_formatter(&|x| w.label(axis, *x))
        .x_desc(w.x_desc(axis))
        .y_desc("₹/kWh")
        .draw()
        .map_err(|e| e.to_string())?;
    chart
        .configure_secondary_axes()
        .y_desc("SDR = TSP / TBP (capped at 3)")
        .draw()
        .map_err(|e| e.to_string())?;
    let lines: [Line; 4] = [
        ("grid buy λ_buy", RGBColor(120, 120, 120), grid(false)),
        ("grid sell λ_sell", RGBColor(180, 180, 180), grid(true)),
        ("internal buy", RGBColor(213, 94, 0), internal(false)),
        ("internal sell", RGBColor(0, 114, 178), internal(true)),
    ];
    for (label, colour, points) in lines {
        labelled_line(&mut chart, points, label, colour)?;
    }
    let sdr_colour = RGBColor(0, 158, 115);
    chart
        .draw_secondary_series(sdr.iter().map(|p| Circle::new(*p, 2, sdr_colour.filled())))
        .map_err(|e| e.to_string())?
        .label("SDR (right axis)")
        .legend(move |(x, y)| Circle::new((x + 7, y), 3, sdr_colour.filled()));
    legend(&mut chart, 12)?;
    root.present().map_err(|e| e.to_string())
}

/// Paired bars: battery throughput per month under the homes' own rule and under cloud-P2P.
pub fn draw_ess(
    canvas: HtmlCanvasElement,
    axis: &TimeAxis,
    series: &RunSeries,
) -> Result<(), String> {
    let root = canvas_root(canvas)?;
    let alone = monthly_throughput_kwh(&series.local, axis);
    let shared = series
        .cloud
        .as_ref()
        .map(|c| monthly_throughput_kwh(c, axis))
        .unwrap_or_default();
    let n = alone.len().max(1);
    let top = alone.iter().chain(&shared).copied().fold(1.0_f64, f64::max) * 1.4;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Battery (ESS) throughput per month, without and with sharing",
            ("sans-serif", 16),
        )
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(-0.5..n as f64 - 0.5, 0.0..top)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| month_label(*x, n))
        .y_desc("kWh charged + discharged")
        .draw()
        .map_err(|e| e.to_string())?;
    for (label, colour, values, offset) in [
        (
            "no sharing (own battery rule)",
            RGBColor(120, 120, 120),
            &alone,
            -0.38,
        ),
        (
            "cloud-P2P (coordinated)",
            RGBColor(0, 114, 178),
            &shared,
            0.02,
        ),
    ] {
        let style = colour.filled();
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                Rectangle::new(
                    [(i as f64 + offset, 0.0), (i as f64 + offset + 0.36, *v)],
                    style,
                )
            }))
            .map_err(|e| e.to_string())?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], style));
    }
    legend(&mut chart, 12)?;
    root.present().map_err(|e| e.to_string())
}

/// The "Over time" panel.
#[component]
pub fn Timeline(
    report: RwSignal<Option<RunReport>>,
    stale: RwSignal<bool>,
    axis: Signal<TimeAxis>,
) -> impl IntoView {
    let model = RwSignal::new(Model::Sdr);
    let day = RwSignal::new(140_usize);
    let week = RwSignal::new(false);
    let power_canvas = NodeRef::<leptos::html::Canvas>::new();
    let price_canvas = NodeRef::<leptos::html::Canvas>::new();
    let ess_canvas = NodeRef::<leptos::html::Canvas>::new();
    let days_in_run = move || axis.get().steps / axis.get().steps_per_day.max(1) as usize;
    Effect::new(move |_| {
        let (m, d, wk, a) = (model.get(), day.get(), week.get(), axis.get());
        let w = Window::days(&a, d, if wk { 7 } else { 1 });
        report.with(|r| {
            let Some(r) = r else { return };
            if r.series.local.len() != a.steps {
                return;
            }
            for result in [
                power_canvas
                    .get()
                    .map(|c| draw_power(c, &a, &r.series, m, w)),
                price_canvas
                    .get()
                    .map(|c| draw_prices(c, &a, &r.series, m, w)),
                ess_canvas.get().map(|c| draw_ess(c, &a, &r.series)),
            ]
            .into_iter()
            .flatten()
            {
                if let Err(message) = result {
                    leptos::logging::warn!("chart not drawn: {message}");
                }
            }
        });
    });
    let shift = move |by: i64| {
        let step = if week.get_untracked() { 7 } else { 1 };
        let last = days_in_run().saturating_sub(1) as i64;
        day.set((day.get_untracked() as i64 + by * step).clamp(0, last) as usize);
    };
    view! {
        <section class="timeline" aria-labelledby="timeline-title" data-testid="timeline">
            <h3 id="timeline-title">"Over time"</h3>
            <div class="inputs">
                <label>
                    "Model "
                    <select data-testid="timeline-model" on:change=move |ev| {
                        let key = event_target_value(&ev);
                        if let Some(m) = Model::ALL.into_iter().find(|m| m.key() == key) {
                            model.set(m);
                        }
                    }>
                        {Model::ALL.into_iter().map(|m| view! {
                            <option value=m.key() selected=move || model.get() == m>{m.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    "Show "
                    <select data-testid="timeline-span" on:change=move |ev| week.set(event_target_value(&ev) == "week")>
                        <option value="day" selected=move || !week.get()>"one day"</option>
                        <option value="week" selected=move || week.get()>"one week"</option>
                    </select>
                </label>
                <label>
                    "Starting day (1–365) "
                    <input type="number" min="1" data-testid="timeline-day"
                        prop:max=days_in_run
                        prop:value=move || day.get() + 1
                        on:change=move |ev| {
                            if let Ok(d) = event_target_value(&ev).parse::<usize>() {
                                day.set(d.clamp(1, days_in_run().max(1)) - 1);
                            }
                        } />
                </label>
                <div class="buttons">
                    <button type="button" data-testid="timeline-prev" on:click=move |_| shift(-1)>"◀ earlier"</button>
                    <button type="button" data-testid="timeline-next" on:click=move |_| shift(1)>"later ▶"</button>
                </div>
            </div>
            <Show when=move || stale.get() && model.get() == Model::Cloud>
                <p class="note">"Cloud-P2P is being re-simulated; its lines appear when the coordinator finishes."</p>
            </Show>
            <PngButton canvas=power_canvas file_name="gridshare-power.png" testid="png-power" />
            <canvas node_ref=power_canvas width="720" height="300" data-testid="power-chart" role="img"
                aria-label="Lines of community load, PV, battery charge and discharge, and grid import and export in kW over the chosen day or week"></canvas>
            <PngButton canvas=price_canvas file_name="gridshare-prices.png" testid="png-prices" />
            <canvas node_ref=price_canvas width="720" height="300" data-testid="prices-chart" role="img"
                aria-label="Lines of grid and internal buy and sell prices in rupees per kWh, and the supply-demand ratio, over the chosen day or week"></canvas>
            <PngButton canvas=ess_canvas file_name="gridshare-ess.png" testid="png-ess" />
            <canvas node_ref=ess_canvas width="720" height="280" data-testid="ess-chart" role="img"
                aria-label="Paired bars of battery throughput per month without sharing and with cloud-P2P"></canvas>
        </section>
    }
}
