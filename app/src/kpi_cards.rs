//! The model cards: each model's comparable cost (bills + energy not served at the VoLL +
//! battery wear) against no sharing, and its main metrics.

use engine::accounting::Baseline;
use engine::run::{Model, ModelReport};
use leptos::prelude::*;

/// A number in ₹ with thousands separators and a real minus sign.
pub fn thousands(value: f64) -> String {
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

pub fn pct(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_string(), |v| format!("{v:.1}%"))
}

/// One model's KPI card.
pub fn kpi_card(
    m: &ModelReport,
    reference: &ModelReport,
    baseline: Baseline,
    stale: bool,
) -> impl IntoView {
    // While the coordinator re-runs, cloud-P2P's card is the previous scenario's.
    let stale_card = stale && m.model == Model::Cloud;
    let key = m.model.key();
    let diff = if reference.comparable_cost.abs() > 0.0 {
        100.0 * (m.comparable_cost - reference.comparable_cost) / reference.comparable_cost.abs()
    } else {
        0.0
    };
    let e = &m.energy;
    view! {
        <div class=format!("kpi model-{key}") class:stale=stale_card data-testid=format!("kpi-{key}")
            data-stale=stale_card.to_string() aria-busy=stale_card.to_string()>
            <h3>{m.model.label()}{stale_card.then_some(" — updating…")}</h3>
            <p class="kpi-value">
                <span data-testid=format!("kpi-{key}-cost")>{thousands(m.comparable_cost)}</span>
                " ₹/year"
            </p>
            <p class="kpi-diff">
                {if m.model == Model::None { format!("the reference — batteries: {}", baseline.label()) } else { format!("{diff:+.1}% vs no sharing") }}
            </p>
            <dl>
                <dt>"Consumer saving"</dt><dd data-testid=format!("kpi-{key}-consumer")>{pct(m.consumer_savings_pct)}</dd>
                <dt>"Prosumer income"</dt><dd>{format!("{} ₹", thousands(m.prosumer_income))}</dd>
                <dt>"PM"</dt><dd>{m.performance_measure.map_or_else(|| if stale { "updating…".to_string() } else { "n/a".to_string() }, |v| format!("{v:.2}"))}</dd>
                <dt>"Self-sufficiency"</dt><dd>{pct(e.self_sufficiency.map(|v| 100.0 * v))}</dd>
                <dt>"ESS throughput"</dt><dd>{format!("{} kWh", thousands(e.ess_throughput_kwh))}</dd>
                <dt>"Peak import"</dt><dd>{format!("{:.1} kW", e.peak_import_kw)}</dd>
                <dt>"Energy not served"</dt><dd>{format!("{} kWh", thousands(e.energy_not_served_kwh))}</dd>
                <dt>"Battery wear"</dt><dd>{format!("{} ₹", thousands(e.battery_wear_cost))}</dd>
                <dt>"Members worse off"</dt><dd data-testid=format!("kpi-{key}-worse")>{m.members_worse_off.to_string()}</dd>
            </dl>
        </div>
    }
}
