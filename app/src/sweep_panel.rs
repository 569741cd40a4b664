//! Tariff sensitivity: sweep one parameter over a range in workers of its own (one per core,
//! `sweep_pool.rs`), chart consumer
//! saving, prosumer income, PM and community cost of all five models, mark the break-evens and
//! export the sweep as CSV.

use engine::run::Model;
use engine::scenario::Scenario;
use engine::sweep::{
    break_evens, sweep_csv, sweep_values, BreakEven, Side, SweepParameter, SweepPoint,
};
use leptos::prelude::*;
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

use crate::browser_io::{self, PngButton};
use crate::chart::{canvas_root, labelled_line, legend, model_colour, MODEL_COLOURS};
use crate::sweep_pool::SweepPool;

/// The four panels: title, unit, value of a model at a point.
type Metric = (&'static str, fn(&engine::sweep::ModelPoint) -> Option<f64>);
const METRICS: [Metric; 4] = [
    ("Consumer saving vs no sharing (%)", |m| {
        m.consumer_savings_pct
    }),
    ("Prosumer income (₹/year)", |m| Some(m.prosumer_income)),
    ("Performance measure PM", |m| m.performance_measure),
    ("Community cost (₹/year)", |m| Some(m.cost)),
];

fn draw_sweep(
    canvas: HtmlCanvasElement,
    parameter: SweepParameter,
    points: &[SweepPoint],
    marks: &[BreakEven],
) -> Result<(), String> {
    let root = canvas_root(canvas)?;
    let (x0, x1) = points.iter().fold((f64::MAX, f64::MIN), |(a, b), p| {
        (a.min(p.value), b.max(p.value))
    });
    if points.is_empty() || x0 >= x1 {
        return root.present().map_err(|e| e.to_string());
    }
    for (panel, (title, metric)) in root.split_evenly((2, 2)).iter().zip(METRICS) {
        let values: Vec<f64> = points
            .iter()
            .flat_map(|p| p.models.iter().filter_map(metric))
            .collect();
        let lo = values.iter().copied().fold(f64::MAX, f64::min).min(0.0);
        let hi = values.iter().copied().fold(f64::MIN, f64::max).max(0.0);
        let pad = ((hi - lo) * 0.08).max(1e-6);
        let mut chart = ChartBuilder::on(panel)
            .caption(title, ("sans-serif", 14))
            .margin(8)
            .x_label_area_size(34)
            .y_label_area_size(58)
            .build_cartesian_2d(x0..x1, (lo - pad)..(hi + pad))
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(parameter.label())
            .x_labels(6)
            .y_labels(6)
            .label_style(("sans-serif", 11))
            .draw()
            .map_err(|e| e.to_string())?;
        // Break-evens of this panel's side, as dashed verticals in the model's colour.
        let side = panel_side(title);
        for mark in marks.iter().filter(|m| Some(m.side) == side) {
            let colour = model_colour(mark.model);
            chart
                .draw_series(DashedLineSeries::new(
                    [(mark.value, lo - pad), (mark.value, hi + pad)],
                    6,
                    4,
                    colour.stroke_width(1),
                ))
                .map_err(|e| e.to_string())?;
        }
        for (i, model) in Model::ALL.into_iter().enumerate() {
            let line: Vec<(f64, f64)> = points
                .iter()
                .filter_map(|p| p.model(model).and_then(metric).map(|v| (p.value, v)))
                .collect();
            let colour = MODEL_COLOURS[i];
            labelled_line(&mut chart, line.clone(), model.label(), colour)?;
            chart
                .draw_series(line.iter().map(|p| Circle::new(*p, 2, colour.filled())))
                .map_err(|e| e.to_string())?;
        }
        if title.starts_with("Community cost") {
            legend(&mut chart, 11)?;
        }
    }
    root.present().map_err(|e| e.to_string())
}

fn panel_side(title: &str) -> Option<Side> {
    if title.starts_with("Consumer") {
        Some(Side::Consumers)
    } else if title.starts_with("Prosumer") {
        Some(Side::Prosumers)
    } else {
        None
    }
}

/// A parameter's default range for this scenario: a retail bill's price sweep runs around its
/// first slab rate (the value the sweep sets) rather than around a flat ₹10.
fn default_range(p: SweepParameter, s: &Scenario) -> (f64, f64) {
    match (p, s.tariff.retail()) {
        (SweepParameter::RetailPrice, Some(r)) => {
            let first = r
                .energy
                .categories
                .first()
                .and_then(|c| c.slabs.first())
                .map_or(5.0, |x| x.rate_per_kwh);
            let round = |v: f64| (v * 10.0).round() / 10.0;
            (round(first * 0.5), round(first * 2.0))
        }
        _ => p.default_range(),
    }
}

/// The sweep panel.
#[component]
pub fn SweepPanel(scenario: Signal<Scenario>) -> impl IntoView {
    let engine = SweepPool::idle();
    let parameter = RwSignal::new(SweepParameter::FeedInPrice);
    let (f0, t0) = SweepParameter::FeedInPrice.default_range();
    let from = RwSignal::new(f0.to_string());
    let to = RwSignal::new(t0.to_string());
    let count = RwSignal::new("10".to_string());
    let error = RwSignal::new(None::<String>);
    let swept = RwSignal::new(SweepParameter::FeedInPrice);
    // No sharing's metering regime in the swept scenario, when its tariff is a real bill.
    let swept_regime = RwSignal::new(None::<String>);
    let points = Memo::new(move |_| {
        engine
            .points()
            .into_iter()
            .flatten()
            .collect::<Vec<SweepPoint>>()
    });
    let marks = Memo::new(move |_| break_evens(&points.get()));
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    Effect::new(move |_| {
        let (p, m, param) = (points.get(), marks.get(), swept.get());
        if let Some(c) = canvas.get() {
            if let Err(message) = draw_sweep(c, param, &p, &m) {
                leptos::logging::warn!("chart not drawn: {message}");
            }
        }
    });
    let start = move |_| {
        let parse = |name: &str, text: String| {
            text.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("Sweep {name}: '{text}' is not a number"))
        };
        let p = parameter.get_untracked();
        let values = (|| {
            let a = parse("from", from.get_untracked())?;
            let b = parse("to", to.get_untracked())?;
            let n = count
                .get_untracked()
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (2..=50).contains(n))
                .ok_or("Sweep points: a whole number from 2 to 50")?;
            let values = sweep_values(a, b, n);
            let s = scenario.get_untracked();
            // Check every value before anything runs.
            for v in &values {
                p.apply(&s, *v)?;
            }
            Ok::<_, String>(values)
        })();
        match values {
            Ok(values) => {
                error.set(None);
                swept.set(p);
                swept_regime.set(scenario.with_untracked(|s| {
                    s.tariff
                        .retail()
                        .map(|r| crate::variants::in_sentence(r.metering.regime))
                }));
                engine.sweep(scenario.get_untracked(), p, values);
            }
            Err(e) => error.set(Some(format!("{e}; nothing was swept."))),
        }
    };
    let export = move |_| {
        let _ = browser_io::download(
            "gridshare-sweep.csv",
            "text/csv",
            &sweep_csv(swept.get_untracked(), &points.get_untracked()),
        );
    };
    view! {
        <section class="card sweep" aria-labelledby="sweep-title" data-testid="sweep">
            <h2 id="sweep-title">"What if? Sweep one parameter"</h2>
            <p class="explain">
                "Pick a parameter and a range: every model is simulated at every point — first the four settlement rules on the homes' own dispatch (milliseconds each), then cloud-P2P and PM. Dashed lines mark break-evens, where a model stops (or starts) beating no sharing for consumers or prosumers."
            </p>
            <Show when=move || scenario.with(|s| s.tariff.retail().is_some())>
                <p class="note" data-testid="sweep-retail-note">
                    "With a real bill the feed-in sweep also sets the year-end rate of banked units (APPC), the retail price sweep scales every slab rate (its value is the first slab's rate), and the P2P transaction charge is the one on every traded unit. Break-evens compare each model with no sharing under the tariff's own metering regime."
                </p>
            </Show>
            <div class="inputs">
                <label>
                    "Parameter "
                    <select data-testid="sweep-parameter" on:change=move |ev| {
                        let key = event_target_value(&ev);
                        if let Some(p) = SweepParameter::ALL.into_iter().find(|p| p.key() == key) {
                            let (a, b) = scenario.with_untracked(|s| default_range(p, s));
                            from.set(a.to_string());
                            to.set(b.to_string());
                            parameter.set(p);
                        }
                    }>
                        {SweepParameter::ALL.into_iter().map(|p| view! {
                            <option value=p.key() selected=move || parameter.get() == p>{p.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"From " <input type="number" step="any" data-testid="sweep-from" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev)) /></label>
                <label>"To " <input type="number" step="any" data-testid="sweep-to" prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev)) /></label>
                <label>"Points " <input type="number" min="2" max="50" data-testid="sweep-points" prop:value=move || count.get() on:input=move |ev| count.set(event_target_value(&ev)) /></label>
                <div class="buttons">
                    <button type="button" data-testid="sweep-run" on:click=start>"Sweep"</button>
                    <button type="button" data-testid="sweep-cancel" on:click=move |_| engine.cancel()>"Cancel"</button>
                    <button type="button" data-testid="sweep-csv" on:click=export>"Export sweep (CSV)"</button>
                </div>
            </div>
            <Show when=move || error.get().is_some() || engine.error().is_some()>
                <p class="error" role="alert" data-testid="sweep-error">{move || error.get().or_else(|| engine.error()).unwrap_or_default()}</p>
            </Show>
            <div class="progress-row" aria-live="polite">
                <progress data-testid="sweep-progress" max="1" prop:value=move || engine.progress().unwrap_or(1.0)
                    class:idle=move || engine.progress().is_none()></progress>
                <span data-testid="sweep-status">{move || match (engine.progress(), engine.pass_ms()) {
                    (Some(p), _) => format!("sweeping… {:.0}%", 100.0 * p),
                    (None, Some(_)) => "sweep complete".to_string(),
                    (None, None) => "no sweep yet".to_string(),
                }}</span>
                <span data-testid="sweep-timing">{move || {
                    let quick = engine.settle_ms().map(|ms| format!("settlement pass {ms:.0} ms"));
                    let full = engine.pass_ms().map(|(_, full)| format!("full pass {:.1} s", full / 1000.0));
                    [quick, full].into_iter().flatten().collect::<Vec<_>>().join(" · ")
                }}</span>
            </div>
            <PngButton canvas=canvas file_name="gridshare-sweep.png" testid="png-sweep" />
            <canvas node_ref=canvas width="900" height="560" data-testid="sweep-chart" role="img"
                aria-label="Four line charts across the swept parameter: consumer saving, prosumer income, performance measure and community cost for every model, with break-evens dashed"></canvas>
            <ul class="breakevens" data-testid="sweep-breakevens">
                {move || {
                    let m = marks.get();
                    if m.is_empty() {
                        vec![view! { <li>"No break-even in this range: every model keeps its side of no sharing."</li> }.into_any()]
                    } else {
                        m.iter().map(|b| view! { <li>{b.describe(swept.get(), swept_regime.get().as_deref())}</li> }.into_any()).collect()
                    }
                }}
            </ul>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn break_evens_name_the_regime_with_a_real_bill() {
        let b = BreakEven {
            model: Model::Sdr,
            side: Side::Prosumers,
            value: 4.25,
            gains_below: true,
        };
        let p = SweepParameter::FeedInPrice;
        assert!(b
            .describe(p, None)
            .contains("prosumers stop gaining against no sharing above"));
        let text = b.describe(p, Some("net metering"));
        assert!(
            text.contains("= 4.25, prosumers do better under no sharing (net metering) than under Supply-Demand Ratio"),
            "{text}"
        );
    }

    #[test]
    fn a_retail_price_sweep_runs_around_the_first_slab() {
        let mut s = Scenario::default_north();
        assert_eq!(default_range(SweepParameter::RetailPrice, &s), (8.5, 16.0));
        s.tariff = engine::tariff::Tariff::by_id("delhi").unwrap();
        assert_eq!(default_range(SweepParameter::RetailPrice, &s), (1.5, 6.0));
    }
}
