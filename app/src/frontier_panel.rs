//! "The cost of a flatter peak": the perfect-foresight cost-vs-cap frontier of the scenario,
//! computed on demand in a lazily started worker of its own (progress, cancel), charted with the
//! chosen level highlighted and the peak's shadow price in words.

use engine::run::PeakFrontier;
use engine::scenario::Scenario;
use leptos::prelude::*;

use crate::browser_io::PngButton;
use crate::engine_client::EngineState;
use crate::kpi_cards::thousands;
use crate::peak_charts::draw_frontier;

/// What the scenario's level costs against the energy optimum, and the shadow price, in words.
fn describe_shadow_price(f: &PeakFrontier) -> String {
    let optimum = f.points.iter().find(|p| p.cap_kw.is_none());
    let chosen = f.points.iter().find(|p| p.chosen);
    let premium = match (optimum, chosen) {
        (Some(o), Some(c)) if c.cap_kw.is_some() => format!(
            "Capping the import at {:.1} kW instead of leaving it at the energy optimum's {:.1} kW peak costs ₹{} over the run{}. ",
            f.chosen_cap_kw,
            o.peak_import_kw,
            thousands(c.community_cost - o.community_cost),
            if c.peak_import_kw > f.chosen_cap_kw + 0.05 {
                format!(
                    " (where the batteries and flexible load cannot hold the cap, the import still reaches {:.1} kW)",
                    c.peak_import_kw
                )
            } else {
                String::new()
            }
        ),
        _ => String::new(),
    };
    premium + &match f.shadow_price_per_kw {
        Some(p) => format!(
            "At the scenario's level ({:.1} kW), each further kW taken off the peak costs the community ₹{:.0} over the run — the peak's shadow price.",
            f.chosen_cap_kw, p
        ),
        None => format!(
            "The scenario's level ({:.1} kW) is the lowest cap computed: there is no lower point to price a further kW against.",
            f.chosen_cap_kw
        ),
    }
}

/// The frontier panel.
#[component]
pub fn FrontierPanel(
    /// The scenario whose frontier is computed.
    scenario: RwSignal<Scenario>,
) -> impl IntoView {
    let engine = EngineState::idle();
    // Which scenario version the shown frontier belongs to.
    let version = RwSignal::new(0_u64);
    let asked = RwSignal::new(None::<u64>);
    Effect::new(move |_| {
        scenario.track();
        version.update(|v| *v += 1);
    });
    let outdated =
        move || engine.frontier.with(Option::is_some) && asked.get() != Some(version.get());
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let points = RwSignal::new(0_usize);
    Effect::new(move |_| {
        engine.frontier.with(|f| {
            if let (Some(f), Some(c)) = (f, canvas.get()) {
                match draw_frontier(c, f) {
                    Ok(()) => points.set(f.points.len()),
                    Err(message) => leptos::logging::warn!("chart not drawn: {message}"),
                }
            }
        });
    });
    let start = move |_| {
        asked.set(Some(version.get_untracked()));
        engine.frontier(scenario.get_untracked());
    };
    let rows = move || {
        engine.frontier.with(|f| {
            f.as_ref().map(|f| {
                f.points
                    .iter()
                    .map(|p| {
                        view! {
                            <tr class:chosen=p.chosen>
                                <th scope="row">{p.cap_kw.map_or_else(|| "none (energy optimum)".to_string(), |c| format!("{c:.1}"))}</th>
                                <td>{format!("{:.1}", p.peak_import_kw)}</td>
                                <td>{thousands(p.community_cost)}</td>
                                <td>{format!("{:.0}", p.hours_over_rating)}</td>
                                <td>{if p.chosen { "← the scenario's level" } else { "" }}</td>
                            </tr>
                        }
                    })
                    .collect_view()
            })
        })
    };
    view! {
        <div class="frontier" data-testid="frontier">
            <h3>"The cost of a flatter peak"</h3>
            <p class="explain">"Every import cap from the energy optimum's peak down to half of it, solved with perfect foresight for the participants as one meter: how much a flatter peak costs, and what the transformer's rating is worth."</p>
            <div class="buttons">
                <button type="button" data-testid="frontier-run" on:click=start>"Show the cost of a flatter peak"</button>
                <button type="button" data-testid="frontier-cancel" on:click=move |_| engine.cancel()>"Cancel"</button>
            </div>
            <Show when=move || engine.error.get().is_some()>
                <p class="error" role="alert" data-testid="frontier-error">{move || engine.error.get().unwrap_or_default()}</p>
            </Show>
            <div class="progress-row frontier-progress" aria-live="polite">
                <progress data-testid="frontier-progress" max="1" prop:value=move || engine.progress.get().unwrap_or(1.0)
                    class:idle=move || engine.progress.get().is_none()></progress>
                <em data-testid="frontier-status">{move || match (engine.progress.get(), engine.frontier.with(Option::is_some)) {
                    (Some(p), _) => format!("computing the frontier… {:.0}%", 100.0 * p),
                    (None, true) if outdated() => "frontier of an earlier scenario: compute it again".to_string(),
                    (None, true) => "frontier ready".to_string(),
                    (None, false) => "not computed yet".to_string(),
                }}</em>
            </div>
            <PngButton canvas=canvas file_name="gridshare-frontier.png" testid="png-frontier" />
            <canvas node_ref=canvas width="900" height="320" data-testid="frontier-chart" data-points=move || points.get() role="img"
                aria-label="Community cost against each import cap, the scenario's level highlighted"></canvas>
            <p data-testid="frontier-shadow-price">{move || engine.frontier.with(|f| f.as_ref().map(describe_shadow_price))}</p>
            <Show when=move || engine.frontier.with(Option::is_some)>
                <table class="bills" data-testid="frontier-table">
                    <thead><tr><th scope="col">"Import cap (kW)"</th><th scope="col">"Peak import (kW)"</th>
                        <th scope="col">"Community cost (₹)"</th><th scope="col">"Hours over rating"</th><th></th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </Show>
        </div>
    }
}
