//! "Which metering regime?": on demand, the scenario's retail bill settled (no sharing, BS, MMR,
//! SDR on the homes' own dispatch) as set and with everyone under each regime, in a lazily
//! started worker of its own; a small table of cost, prosumers' income, consumers' saving and
//! the state's subsidy.

use engine::run::Model;
use engine::scenario::Scenario;
use leptos::prelude::*;

use crate::engine_client::EngineState;
use crate::kpi_cards::{pct, thousands};
use crate::variants::{regime_variants, VariantRow};

/// "a → b" of two optional amounts.
fn arrow(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) => format!("{} → {}", thousands(a), thousands(b)),
        _ => "n/a".to_string(),
    }
}

/// The cells of a row: cost (no sharing, SDR), prosumers' income (no sharing, SDR), consumers'
/// saving under SDR, subsidy no sharing → SDR.
fn cells(row: &VariantRow) -> Vec<String> {
    let (none, sdr) = (row.model(Model::None), row.model(Model::Sdr));
    vec![
        none.map_or_else(String::new, |m| thousands(m.cost)),
        sdr.map_or_else(String::new, |m| thousands(m.cost)),
        none.map_or_else(String::new, |m| thousands(m.prosumer_income)),
        sdr.map_or_else(String::new, |m| thousands(m.prosumer_income)),
        pct(sdr.and_then(|m| m.consumer_savings_pct)),
        arrow(none.and_then(|m| m.subsidy), sdr.and_then(|m| m.subsidy)),
    ]
}

/// The regime comparison.
#[component]
pub fn RegimeCompare(
    /// The scenario (with a retail tariff).
    scenario: Signal<Scenario>,
) -> impl IntoView {
    let engine = EngineState::idle();
    let labels = RwSignal::new(Vec::<String>::new());
    let compared = RwSignal::new(None::<Scenario>);
    let start = move |_| {
        let variants = scenario.with_untracked(regime_variants);
        labels.set(variants.iter().map(|(l, _)| l.clone()).collect());
        compared.set(Some(scenario.get_untracked()));
        engine.variants(variants.into_iter().map(|(_, s)| s).collect());
    };
    let outdated = move || compared.with(|c| c.as_ref().is_some_and(|c| scenario.with(|s| s != c)));
    view! {
        <details class="panel" data-testid="regime-compare">
            <summary>"Which metering regime? Settle this bill under each (no sharing and SDR)"</summary>
            <p class="explain">"The four settlement rules on the homes' own dispatch (cloud-P2P is left out: it re-plans the year), first with the scenario as set, then with every member — sharing or not — under one regime."</p>
            <div class="buttons">
                <button type="button" data-testid="regime-run" on:click=start>"Compare regimes"</button>
                <span data-testid="regime-status">{move || engine.variants.with(|rows| {
                    let done = rows.iter().filter(|r| r.is_some()).count();
                    if rows.is_empty() {
                        String::new()
                    } else if done < rows.len() {
                        format!("settling… {done} of {}", rows.len())
                    } else {
                        "compared".to_string()
                    }
                })}</span>
            </div>
            <Show when=move || engine.error.get().is_some()>
                <p class="error" role="alert">{move || engine.error.get().unwrap_or_default()}</p>
            </Show>
            <Show when=outdated>
                <p class="note">"The scenario has changed since: compare again for its figures."</p>
            </Show>
            <Show when=move || !labels.with(Vec::is_empty)>
                <div class="table-scroll">
                <table class="bills" data-testid="regime-table">
                    <thead><tr>
                        <th scope="col">"Metering"</th>
                        <th scope="col">"Cost ₹: no sharing"</th><th scope="col">"SDR"</th>
                        <th scope="col">"Prosumers' income ₹: no sharing"</th><th scope="col">"SDR"</th>
                        <th scope="col">"Consumers' saving (SDR)"</th><th scope="col">"Subsidy ₹: no sharing → SDR"</th>
                    </tr></thead>
                    <tbody>
                        {move || labels.get().into_iter().enumerate().map(|(i, label)| view! {
                            <tr data-testid=format!("regime-row-{i}")>
                                <th scope="row">{label}</th>
                                {move || engine.variants.with(|rows| match rows.get(i).and_then(Option::as_ref) {
                                    Some(row) => cells(row).into_iter().map(|c| view! { <td>{c}</td> }).collect_view().into_any(),
                                    None => view! { <td colspan="6">"…"</td> }.into_any(),
                                })}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                </div>
            </Show>
        </details>
    }
}
