//! The tariff and market settings panel: presets (simple prices and six real Indian residential
//! bills), buy/sell sliders, the time-of-day peak multiplier, a 24-hour time-of-use table, Bill
//! Sharing's horizon and the aggregator's return; a retail bill opens its own editor
//! ([`crate::retail_editor`]). The state is [`crate::tariff_controls`].

use engine::market::BillingHorizon;
use engine::scenario::Scenario;
use engine::tariff::TariffPreset;
use leptos::prelude::*;

use crate::retail_editor::RetailEditor;
use crate::tariff_controls::{hourly_of, text_table, TariffChoice, TariffControls};

/// Keys of Bill Sharing horizons in the selector.
const HORIZONS: [(BillingHorizon, &str, &str); 4] = [
    (BillingHorizon::Step, "step", "every hour"),
    (BillingHorizon::Day, "day", "every day"),
    (BillingHorizon::Month, "month", "every month (default)"),
    (BillingHorizon::Run, "run", "once for the year"),
];

/// The tariff and market settings panel.
#[component]
pub fn TariffEditor(
    /// The controls' state (text as typed, the retail tariff as last validated).
    controls: TariffControls,
    /// Bill Sharing's billing horizon.
    bs_horizon: RwSignal<BillingHorizon>,
    /// The aggregator's share τ_c.
    aggregator_return: RwSignal<f64>,
    /// The scenario (its P2P billing settings are edited beside a retail bill).
    scenario: RwSignal<Scenario>,
) -> impl IntoView {
    let TariffControls {
        choice,
        buy,
        sell,
        peak,
        hours,
        ..
    } = controls;
    let is_hourly = move || choice.get() == TariffChoice::Hourly;
    let is_retail = move || choice.get().is_retail();
    let edit_hour = move |h: usize, sell_side: bool, text: String| {
        // Editing the table makes it the tariff: start from what it shows now.
        if !is_hourly() {
            if let Ok(t) = controls.tariff() {
                hours.set(text_table(&hourly_of(&t)));
            }
            choice.set(TariffChoice::Hourly);
        }
        hours.update(|rows| {
            if let Some(row) = rows.get_mut(h) {
                if sell_side {
                    row.1 = text;
                } else {
                    row.0 = text;
                }
            }
        });
    };
    view! {
        <div class="inputs tariff">
            <label>
                "Tariff "
                <select
                    data-testid="tariff-preset"
                    prop:value=move || choice.get().key()
                    on:change=move |ev| controls.choose(TariffChoice::of_key(&event_target_value(&ev)))
                >
                    <optgroup label="Simple prices (₹/kWh every hour)">
                        {TariffChoice::SIMPLE
                            .into_iter()
                            .map(|c| view! { <option value=c.key() selected=move || choice.get() == c>{c.label()}</option> })
                            .collect_view()}
                    </optgroup>
                    <optgroup label="Real Indian residential bills (slabs, fixed charge, duty, subsidy, metering)">
                        {TariffChoice::retail()
                            .map(|c| view! { <option value=c.key() selected=move || choice.get() == c>{c.label()}</option> })
                            .collect_view()}
                    </optgroup>
                </select>
            </label>
            <Show when=move || !is_retail()>
            <label class:disabled=is_hourly>
                {move || format!("Retail (buy) price: {} ₹/kWh", buy.get())}
                <input type="range" min="1" max="20" step="0.1" data-testid="price-buy" prop:disabled=is_hourly
                    prop:value=move || buy.get() on:input=move |ev| buy.set(event_target_value(&ev)) />
            </label>
            <label class:disabled=is_hourly>
                {move || format!("Feed-in (sell) price: {} ₹/kWh", sell.get())}
                <input type="range" min="0" max="20" step="0.1" data-testid="price-sell" prop:disabled=is_hourly
                    prop:value=move || sell.get() on:input=move |ev| sell.set(event_target_value(&ev)) />
            </label>
            </Show>
            <Show when=move || choice.get() == TariffChoice::Preset(TariffPreset::IndianTimeOfDay)>
                <label>
                    {move || format!("Evening peak (18–22 h) multiplier: ×{}", peak.get())}
                    <input type="range" min="1" max="2" step="0.05" data-testid="tod-peak"
                        prop:value=move || peak.get() on:input=move |ev| peak.set(event_target_value(&ev)) />
                </label>
            </Show>
            <label>
                "Bill Sharing settles "
                <select data-testid="bs-horizon"
                    prop:value=move || HORIZONS.iter().find(|(h, _, _)| *h == bs_horizon.get()).map_or("month", |(_, k, _)| *k)
                    on:change=move |ev| {
                    let key = event_target_value(&ev);
                    if let Some((h, _, _)) = HORIZONS.iter().find(|(_, k, _)| *k == key) {
                        bs_horizon.set(*h);
                    }
                }>
                    {HORIZONS.iter().map(|(h, key, label)| {
                        let h = *h;
                        view! { <option value=*key selected=move || bs_horizon.get() == h>{*label}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>
                {move || format!("Aggregator's share τ_c: {:.0}% of members' gains", 100.0 * aggregator_return.get())}
                <input type="range" min="0" max="0.5" step="0.01" data-testid="aggregator-return"
                    prop:value=move || aggregator_return.get().to_string()
                    on:input=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                            aggregator_return.set(v.clamp(0.0, 0.99));
                        }
                    } />
            </label>
        </div>
        <Show when=is_retail>
            <RetailEditor retail=controls.retail scenario=scenario />
        </Show>
        <details class="panel" data-testid="tou-table">
            <summary>{move || if is_retail() {
                "Hourly prices the dispatch plans with (₹/kWh: the bill's marginal price at its reference use, the regime's export value) — editing an hour leaves the real bill for a table of your own"
            } else {
                "Time-of-use table (24 hours, ₹/kWh) — edit any hour to make your own tariff"
            }}</summary>
            <table class="tou">
                <thead><tr><th scope="col">"Hour"</th><th scope="col">"Buy (λ_buy)"</th><th scope="col">"Sell (λ_sell)"</th></tr></thead>
                <tbody>
                    {(0..24).map(|h| {
                        let shown = move |sell_side: bool| {
                            if is_hourly() {
                                hours.with(|r| r.get(h).map(|r| if sell_side { r.1.clone() } else { r.0.clone() }).unwrap_or_default())
                            } else {
                                controls.tariff().ok().map(|t| {
                                    let r = hourly_of(&t)[h];
                                    format!("{}", if sell_side { r.1 } else { r.0 })
                                }).unwrap_or_default()
                            }
                        };
                        view! {
                            <tr>
                                <th scope="row">{format!("{h:02}:00")}</th>
                                <td><input type="number" step="0.1" min="0" aria-label=format!("Buy price at {h:02}:00")
                                    data-testid=format!("tou-buy-{h}") prop:value=move || shown(false)
                                    on:change=move |ev| edit_hour(h, false, event_target_value(&ev)) /></td>
                                <td><input type="number" step="0.1" min="0" aria-label=format!("Sell price at {h:02}:00")
                                    data-testid=format!("tou-sell-{h}") prop:value=move || shown(true)
                                    on:change=move |ev| edit_hour(h, true, event_target_value(&ev)) /></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </details>
    }
}
