//! The fairness settings every model shares: whether the community can island, how homes alone
//! run their batteries (the baseline), the coordinator's forecast, battery wear (pack price and cycle life), the value of lost load,
//! the island price and the step length. Bad values are explained and change nothing.

use engine::accounting::{Baseline, IslandPrice, LostLoadValue};
use engine::coordinator::Forecast;
use engine::scenario::Scenario;
use leptos::prelude::*;

/// Read a number in `lo..=hi` or say what is wrong with it.
pub fn number_in(text: &str, field: &str, lo: f64, hi: f64) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{field}: '{text}' is not a number"))?;
    if value.is_finite() && (lo..=hi).contains(&value) {
        Ok(value)
    } else {
        Err(format!(
            "{field} must be between {lo} and {hi} (got {value})"
        ))
    }
}

/// One edit of the fairness settings.
#[derive(Clone, Debug, PartialEq)]
pub enum FairnessEdit {
    /// Community islanding on or off.
    Islanding(bool),
    /// The coordinator's forecast (by key).
    Forecast(String),
    /// Pack price, ₹/kWh.
    PackPrice(String),
    /// Cycle life.
    CycleLife(String),
    /// VoLL as a multiple of retail.
    VollMultiple(String),
    /// Island price (by key).
    IslandPrice(String),
    /// Steps per day (24 or 48).
    StepsPerDay(String),
    /// How homes alone run their batteries (by key).
    Baseline(String),
}

/// Apply an edit to a scenario, or explain why not.
pub fn apply_fairness_edit(s: &mut Scenario, edit: &FairnessEdit) -> Result<(), String> {
    match edit {
        FairnessEdit::Islanding(on) => s.settings.community_islanding = *on,
        FairnessEdit::Forecast(key) => {
            s.settings.coordinator.forecast = Forecast::ALL
                .into_iter()
                .find(|f| f.key() == key)
                .ok_or_else(|| format!("unknown forecast '{key}'"))?;
        }
        FairnessEdit::PackPrice(t) => {
            s.settings.battery_wear.pack_price_per_kwh =
                number_in(t, "Battery pack price (₹/kWh)", 0.0, 200_000.0)?;
        }
        FairnessEdit::CycleLife(t) => {
            s.settings.battery_wear.cycle_life = number_in(t, "Cycle life", 100.0, 50_000.0)?;
        }
        FairnessEdit::VollMultiple(t) => {
            s.settings.value_of_lost_load = LostLoadValue::RetailMultiple {
                multiple: number_in(t, "Value of lost load (× retail)", 0.0, 100.0)?,
            };
        }
        FairnessEdit::IslandPrice(key) => {
            s.settings.island_price = match key.as_str() {
                "retail" => IslandPrice::Retail,
                "feed_in" => IslandPrice::FeedIn,
                other => return Err(format!("unknown island price '{other}'")),
            };
        }
        FairnessEdit::Baseline(key) => {
            s.settings.baseline = [Baseline::Auto, Baseline::SelfConsumption, Baseline::HomeEms]
                .into_iter()
                .find(|b| b.key() == key)
                .ok_or_else(|| format!("unknown baseline '{key}'"))?;
        }
        FairnessEdit::StepsPerDay(t) => {
            let spd: u32 = match t.as_str() {
                "24" => 24,
                "48" => 48,
                other => return Err(format!("steps per day must be 24 or 48 (got {other})")),
            };
            let days = s.axis.steps / s.axis.steps_per_day.max(1) as usize;
            s.axis.steps = days * spd as usize;
            s.axis.steps_per_day = spd;
            s.settings.coordinator.horizon_steps = spd as usize;
        }
    }
    Ok(())
}

fn voll_multiple(s: &Scenario) -> String {
    match s.settings.value_of_lost_load {
        LostLoadValue::RetailMultiple { multiple } => multiple.to_string(),
        LostLoadValue::Fixed { .. } => String::new(),
    }
}

/// The settings panel.
#[component]
pub fn FairnessPanel(
    /// The scenario being edited.
    scenario: RwSignal<Scenario>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let edit = move |e: FairnessEdit| {
        let mut next = scenario.get_untracked();
        match apply_fairness_edit(&mut next, &e) {
            Ok(()) => match next.validate() {
                Ok(()) => {
                    error.set(None);
                    scenario.set(next);
                }
                Err(err) => error.set(Some(err.to_string())),
            },
            Err(message) => error.set(Some(message)),
        }
    };
    let get = move |f: fn(&Scenario) -> String| move || scenario.with(f);
    view! {
        <details class="fairness" data-testid="fairness">
            <summary>"Same physics and costs for every model"</summary>
            <div class="inputs">
                <label>
                    <input type="checkbox" data-testid="community-islanding"
                        prop:checked=move || scenario.with(|s| s.settings.community_islanding)
                        on:change=move |ev| edit(FairnessEdit::Islanding(event_target_checked(&ev))) />
                    " The community can island together in outages (every sharing model)"
                </label>
                <label>"Coordinator's forecast "
                    <select data-testid="forecast" on:change=move |ev| edit(FairnessEdit::Forecast(event_target_value(&ev)))>
                        {Forecast::ALL.into_iter().map(|f| view! {
                            <option value=f.key() selected=move || scenario.with(|s| s.settings.coordinator.forecast == f)>{f.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Homes alone run their batteries by "
                    <select data-testid="baseline" on:change=move |ev| edit(FairnessEdit::Baseline(event_target_value(&ev)))>
                        {[Baseline::Auto, Baseline::SelfConsumption, Baseline::HomeEms].into_iter().map(|b| view! {
                            <option value=b.key() selected=move || scenario.with(|s| s.settings.baseline == b)>{b.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Battery pack price (₹ per kWh) "
                    <input type="number" min="0" step="500" data-testid="pack-price"
                        prop:value=get(|s| s.settings.battery_wear.pack_price_per_kwh.to_string())
                        on:change=move |ev| edit(FairnessEdit::PackPrice(event_target_value(&ev))) />
                </label>
                <label>"Cycle life "
                    <input type="number" min="100" step="500" data-testid="cycle-life"
                        prop:value=get(|s| s.settings.battery_wear.cycle_life.to_string())
                        on:change=move |ev| edit(FairnessEdit::CycleLife(event_target_value(&ev))) />
                </label>
                <label>"Value of lost load (× retail) "
                    <input type="number" min="0" step="0.5" data-testid="voll-multiple"
                        prop:value=get(voll_multiple)
                        on:change=move |ev| edit(FairnessEdit::VollMultiple(event_target_value(&ev))) />
                </label>
                <label>"Island trades at "
                    <select data-testid="island-price" on:change=move |ev| edit(FairnessEdit::IslandPrice(event_target_value(&ev)))>
                        <option value="retail" selected=move || scenario.with(|s| s.settings.island_price == IslandPrice::Retail)>"the retail price"</option>
                        <option value="feed_in" selected=move || scenario.with(|s| s.settings.island_price == IslandPrice::FeedIn)>"the feed-in price"</option>
                    </select>
                </label>
                <label>"Step length "
                    <select data-testid="steps-per-day" on:change=move |ev| edit(FairnessEdit::StepsPerDay(event_target_value(&ev)))>
                        <option value="24" selected=move || scenario.with(|s| s.axis.steps_per_day == 24)>"1 hour"</option>
                        <option value="48" selected=move || scenario.with(|s| s.axis.steps_per_day == 48)>"30 minutes (re-planned every 30 min)"</option>
                    </select>
                </label>
            </div>
            <p class="note" data-testid="wear-note">{move || scenario.with(|s| {
                let w = s.settings.battery_wear;
                let per_kwh = w.per_kwh_discharged(&engine::community::Battery::typical(1.0));
                format!("Wear: {:.2} ₹ per kWh a typical battery delivers = pack price ÷ (cycles × 90% usable × 95% efficiency). \
                         It is a cost to the owner under every model; cloud-P2P pays owners for the wear it causes. \
                         Energy not served is valued at the VoLL in every model's cost.", per_kwh)
            })}</p>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert" data-testid="fairness-error">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_change_the_scenario_and_bad_values_are_refused() {
        let mut s = Scenario::default_north();
        apply_fairness_edit(&mut s, &FairnessEdit::Islanding(false)).unwrap();
        assert!(!s.settings.community_islanding);
        apply_fairness_edit(&mut s, &FairnessEdit::Forecast("perfect_foresight".into())).unwrap();
        assert_eq!(s.settings.coordinator.forecast, Forecast::PerfectForesight);
        apply_fairness_edit(&mut s, &FairnessEdit::Baseline("home_ems".into())).unwrap();
        assert_eq!(s.settings.baseline, Baseline::HomeEms);
        apply_fairness_edit(&mut s, &FairnessEdit::StepsPerDay("48".into())).unwrap();
        assert_eq!((s.axis.steps, s.axis.steps_per_day), (365 * 48, 48));
        let err = apply_fairness_edit(&mut s, &FairnessEdit::CycleLife("-3".into())).unwrap_err();
        assert!(err.contains("Cycle life must be between"), "{err}");
        assert!(apply_fairness_edit(&mut s, &FairnessEdit::PackPrice("abc".into())).is_err());
    }
}
