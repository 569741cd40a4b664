//! Scenario A/B: pin the current scenario and its results as A, change anything, and see B (the
//! current one) beside it, model by model, with the differences highlighted.

use engine::run::{Model, ModelReport, RunReport};
use engine::scenario::{CommunitySource, Scenario};
use engine::TimeAxis;
use leptos::prelude::*;

/// A pinned scenario and its (complete) results.
#[derive(Clone, Debug, PartialEq)]
pub struct Pinned {
    /// The scenario.
    pub scenario: Scenario,
    /// Its report.
    pub report: RunReport,
}

/// One line describing a scenario for the comparison header.
pub fn summary(s: &Scenario) -> String {
    let prices = s.tariff.prices(&TimeAxis::hourly(24)).unwrap_or_default();
    let (lo, hi) = prices.iter().fold((f64::MAX, f64::MIN), |(a, b), p| {
        (a.min(p.buy_per_kwh), b.max(p.buy_per_kwh))
    });
    let sell = prices.first().map_or(0.0, |p| p.sell_per_kwh);
    let buy = if (hi - lo).abs() < 1e-9 {
        format!("buy {lo}")
    } else {
        format!("buy {lo}–{hi}")
    };
    let community = match &s.community {
        CommunitySource::Generated(spec) => format!(
            "{} members, {}, seed {}{}",
            spec.members,
            spec.site.label(),
            spec.seed,
            if spec.overrides.is_empty() {
                String::new()
            } else {
                format!(", {} edited", spec.overrides.len())
            }
        ),
        CommunitySource::Custom { members, .. } => format!("{} uploaded members", members.len()),
    };
    format!(
        "{buy}, sell {sell} ₹/kWh · τ_c {:.0}% · {community} · {} fault(s)",
        100.0 * s.settings.aggregator_return,
        s.settings.coordinator.faults.len()
    )
}

/// A number of A and B and their difference, highlighted when it matters.
fn cells(a: Option<f64>, b: Option<f64>, unit: &str, better_lower: bool) -> impl IntoView {
    let digits = if unit == "%" { 1 } else { 0 };
    let show =
        |v: Option<f64>| v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.digits$}{unit}"));
    let (text, class) = match (a, b) {
        (Some(a), Some(b)) => {
            let d = b - a;
            let scale = a.abs().max(b.abs()).max(1.0);
            let class = if d.abs() <= 1e-4 * scale {
                "same"
            } else if (d < 0.0) == better_lower {
                "better"
            } else {
                "worse"
            };
            (format!("{d:+.digits$}{unit}"), class)
        }
        _ => ("—".to_string(), "same"),
    };
    view! {
        <td>{show(a)}</td>
        <td>{show(b)}</td>
        <td class=format!("diff {class}")>{text}</td>
    }
}

fn row(model: Model, a: Option<&ModelReport>, b: Option<&ModelReport>) -> impl IntoView {
    let key = model.key();
    view! {
        <tr data-testid=format!("ab-{key}")>
            <th scope="row">{model.label()}</th>
            {cells(a.map(|m| m.comparable_cost), b.map(|m| m.comparable_cost), " ₹", true)}
            {cells(a.and_then(|m| m.consumer_savings_pct), b.and_then(|m| m.consumer_savings_pct), "%", false)}
            {cells(a.map(|m| m.prosumer_income), b.map(|m| m.prosumer_income), " ₹", false)}
        </tr>
    }
}

/// The A/B panel: pin, swap, clear, and the table.
#[component]
pub fn AbCompare(
    scenario: RwSignal<Scenario>,
    report: RwSignal<Option<RunReport>>,
    /// True while the current results are not complete (cloud-P2P still running).
    busy: Signal<bool>,
    /// Show a scenario's settings in the controls (used when swapping).
    show_settings: Callback<Scenario>,
) -> impl IntoView {
    let pinned = RwSignal::new(None::<Pinned>);
    let pin = move |_| {
        if let Some(r) = report.get_untracked() {
            pinned.set(Some(Pinned {
                scenario: scenario.get_untracked(),
                report: r,
            }));
        }
    };
    let swap = move |_| {
        if let (Some(a), Some(r)) = (pinned.get_untracked(), report.get_untracked()) {
            pinned.set(Some(Pinned {
                scenario: scenario.get_untracked(),
                report: r,
            }));
            show_settings.run(a.scenario.clone());
            scenario.set(a.scenario);
        }
    };
    view! {
        <section class="ab" aria-labelledby="ab-title" data-testid="ab">
            <h3 id="ab-title">"Compare two scenarios (A/B)"</h3>
            <p class="explain">"Pin today's scenario as A, change the tariff, the community or the faults, and read the difference: B is always what the page shows now."</p>
            <div class="buttons">
                <button type="button" data-testid="pin-a" prop:disabled=move || busy.get() on:click=pin>"Pin the current scenario as A"</button>
                <button type="button" data-testid="swap-ab" prop:disabled=move || pinned.with(Option::is_none) || busy.get() on:click=swap>"Swap A and B"</button>
                <button type="button" data-testid="clear-a" prop:disabled=move || pinned.with(Option::is_none) on:click=move |_| pinned.set(None)>"Clear A"</button>
            </div>
            {move || pinned.get().map(|a| {
                let b = report.get();
                view! {
                    <p class="ab-line"><strong>"A: "</strong><span data-testid="ab-a">{summary(&a.scenario)}</span></p>
                    <p class="ab-line"><strong>"B: "</strong><span data-testid="ab-b">{move || scenario.with(summary)}</span></p>
                    <table class="bills ab-table" data-testid="ab-table">
                        <thead>
                            <tr>
                                <th scope="col">"Model"</th>
                                <th scope="col">"Cost A"</th><th scope="col">"Cost B"</th><th scope="col">"B − A"</th>
                                <th scope="col">"Consumer saving A"</th><th scope="col">"B"</th><th scope="col">"B − A"</th>
                                <th scope="col">"Prosumer income A"</th><th scope="col">"B"</th><th scope="col">"B − A"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {Model::ALL.into_iter().map(|m| row(m, a.report.model(m), b.as_ref().and_then(|b| b.model(m)))).collect_view()}
                        </tbody>
                    </table>
                }
            })}
        </section>
    }
}
