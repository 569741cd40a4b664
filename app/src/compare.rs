//! The main screen: the default community under all five models, with tariff controls.

use engine::community::Site;
use engine::run::{Model, ModelReport, RunReport};
use engine::scenario::Scenario;
use engine::tariff::{time_of_day, Tariff, TariffPreset, TimeOfDay};
use engine::TimeAxis;
use leptos::prelude::*;

use crate::chart::draw_model_costs;
use crate::engine_client::EngineState;

/// Key of a preset in the selector.
fn preset_key(p: TariffPreset) -> &'static str {
    match p {
        TariffPreset::Study => "study",
        TariffPreset::IndianTimeOfDay => "tod",
        TariffPreset::FlatRetail => "flat",
    }
}

fn preset_of(key: &str) -> TariffPreset {
    TariffPreset::ALL
        .into_iter()
        .find(|p| preset_key(*p) == key)
        .unwrap_or(TariffPreset::Study)
}

/// The (buy, sell) pair a preset starts from.
fn preset_prices(p: TariffPreset) -> (f64, f64) {
    match p {
        TariffPreset::Study => (10.0, 8.0),
        TariffPreset::IndianTimeOfDay | TariffPreset::FlatRetail => (6.5, 3.0),
    }
}

/// The tariff the controls describe, or why it cannot be used.
pub fn tariff_from_controls(preset: TariffPreset, buy: &str, sell: &str) -> Result<Tariff, String> {
    let parse = |name: &str, text: &str| {
        text.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("{name}: '{text}' is not a number"))
    };
    let buy = parse("Retail (buy) price", buy)?;
    let sell = parse("Feed-in (sell) price", sell)?;
    let tariff = match preset {
        TariffPreset::IndianTimeOfDay => time_of_day(TimeOfDay {
            normal_per_kwh: buy,
            feed_in_per_kwh: sell,
            ..TimeOfDay::default()
        }),
        _ => Tariff::Flat {
            buy_per_kwh: buy,
            sell_per_kwh: sell,
        },
    };
    tariff
        .prices(&TimeAxis::hourly(24))
        .map(|_| tariff.clone())
        .map_err(|e| format!("{e}. The feed-in price must stay above 0 and below the retail price at every hour; nothing was recalculated."))
}

fn thousands(value: f64) -> String {
    let rounded = value.round() as i64;
    let digits = rounded.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if rounded < 0 {
        format!("−{out}")
    } else {
        out
    }
}

fn pct(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_string(), |v| format!("{v:.1}%"))
}

/// One model's KPI card.
fn kpi_card(m: &ModelReport, reference: &ModelReport) -> impl IntoView {
    let key = m.model.key();
    let diff = if reference.cost_with_unserved.abs() > 0.0 {
        100.0 * (m.cost_with_unserved - reference.cost_with_unserved)
            / reference.cost_with_unserved.abs()
    } else {
        0.0
    };
    let e = &m.energy;
    view! {
        <div class=format!("kpi model-{key}") data-testid=format!("kpi-{key}")>
            <h3>{m.model.label()}</h3>
            <p class="kpi-value">
                <span data-testid=format!("kpi-{key}-cost")>{thousands(m.cost_with_unserved)}</span>
                " ₹/year"
            </p>
            <p class="kpi-diff">
                {if m.model == Model::None { "the reference".to_string() } else { format!("{diff:+.1}% vs no sharing") }}
            </p>
            <dl>
                <dt>"Consumer saving"</dt><dd data-testid=format!("kpi-{key}-consumer")>{pct(m.consumer_savings_pct)}</dd>
                <dt>"Prosumer income"</dt><dd>{format!("{} ₹", thousands(m.prosumer_income))}</dd>
                <dt>"PM"</dt><dd>{m.performance_measure.map_or("n/a".to_string(), |v| format!("{v:.2}"))}</dd>
                <dt>"Self-sufficiency"</dt><dd>{pct(e.self_sufficiency.map(|v| 100.0 * v))}</dd>
                <dt>"ESS throughput"</dt><dd>{format!("{} kWh", thousands(e.ess_throughput_kwh))}</dd>
                <dt>"Peak import"</dt><dd>{format!("{:.1} kW", e.peak_import_kw)}</dd>
                <dt>"Energy not served"</dt><dd>{format!("{} kWh", thousands(e.energy_not_served_kwh))}</dd>
            </dl>
        </div>
    }
}

/// The comparison screen.
#[component]
pub fn Compare() -> impl IntoView {
    let engine = EngineState::start();
    let preset = RwSignal::new(TariffPreset::Study);
    let (buy0, sell0) = preset_prices(TariffPreset::Study);
    let buy = RwSignal::new(buy0.to_string());
    let sell = RwSignal::new(sell0.to_string());
    let tariff = Memo::new(move |_| tariff_from_controls(preset.get(), &buy.get(), &sell.get()));

    Effect::new(move |_| {
        if let Ok(t) = tariff.get() {
            let mut scenario = Scenario::generated(Site::CompositeNorth, preset.get_untracked());
            scenario.tariff = t;
            engine.run(scenario);
        }
    });

    let canvas = NodeRef::<leptos::html::Canvas>::new();
    Effect::new(move |_| {
        if let (Some(report), Some(canvas)) = (engine.report.get(), canvas.get()) {
            if let Err(message) = draw_model_costs(canvas, &report) {
                leptos::logging::warn!("chart not drawn: {message}");
            }
        }
    });

    let cards = move || {
        engine.report.get().map(|r: RunReport| {
            let reference = r.models[0].clone();
            r.models
                .iter()
                .map(|m| kpi_card(m, &reference))
                .collect_view()
        })
    };

    view! {
        <section class="card" aria-labelledby="compare-title">
            <h2 id="compare-title">"A year in a north Indian village: five ways to share"</h2>
            <p class="explain">
                "30 households (12 basic rural, 9 aspirational, 5 urban, 1 with AC, 3 shops or mills), a third with rooftop PV, "
                "half of those with a battery, and about 3.4 hours of grid outage a day. Costs include energy not served during "
                "outages at the retail price, so not paying for power one did not get is never counted as a saving."
            </p>
            <div class="inputs">
                <label>
                    "Tariff "
                    <select
                        data-testid="tariff-preset"
                        on:change=move |ev| {
                            let p = preset_of(&event_target_value(&ev));
                            let (b, s) = preset_prices(p);
                            buy.set(b.to_string());
                            sell.set(s.to_string());
                            preset.set(p);
                        }
                    >
                        {TariffPreset::ALL
                            .into_iter()
                            .map(|p| view! { <option value=preset_key(p) selected=move || preset.get() == p>{p.label()}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    {move || format!("Retail (buy) price: {} ₹/kWh", buy.get())}
                    <input type="range" min="1" max="20" step="0.1" data-testid="price-buy"
                        prop:value=move || buy.get() on:input=move |ev| buy.set(event_target_value(&ev)) />
                </label>
                <label>
                    {move || format!("Feed-in (sell) price: {} ₹/kWh", sell.get())}
                    <input type="range" min="0" max="20" step="0.1" data-testid="price-sell"
                        prop:value=move || sell.get() on:input=move |ev| sell.set(event_target_value(&ev)) />
                </label>
            </div>
            <Show when=move || tariff.get().is_err()>
                <p class="error" role="alert" data-testid="error">{move || tariff.get().err().unwrap_or_default()}</p>
            </Show>
            <Show when=move || engine.error.get().is_some()>
                <p class="error" role="alert" data-testid="engine-error">{move || engine.error.get().unwrap_or_default()}</p>
            </Show>
            <div class="progress-row" aria-live="polite">
                <progress data-testid="progress" max="1"
                    prop:value=move || engine.progress.get().unwrap_or(1.0)
                    class:idle=move || engine.progress.get().is_none()></progress>
                <span>{move || engine.progress.get().map_or_else(|| "up to date".to_string(), |p| format!("simulating… {:.0}%", 100.0 * p))}</span>
            </div>
            <div class="kpis">{cards}</div>
            <canvas node_ref=canvas width="720" height="320" data-testid="costs-chart" role="img"
                aria-label="Bar chart of the community's yearly cost under each model"></canvas>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_validated_with_a_message() {
        assert!(tariff_from_controls(TariffPreset::Study, "10", "8").is_ok());
        let err = tariff_from_controls(TariffPreset::Study, "10", "12").unwrap_err();
        assert!(err.contains("must be below"), "{err}");
        // Time-of-day: the solar-hour price (6.5 × 0.8 = 5.2) must stay above feed-in.
        assert!(tariff_from_controls(TariffPreset::IndianTimeOfDay, "6.5", "5.5").is_err());
        assert!(tariff_from_controls(TariffPreset::IndianTimeOfDay, "6.5", "3").is_ok());
        assert!(tariff_from_controls(TariffPreset::FlatRetail, "x", "3")
            .unwrap_err()
            .contains("not a number"));
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(-1234.0), "−1,234");
    }
}
