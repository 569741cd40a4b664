//! The community's bill split with real bills: for every model, what members pay, what the
//! state pays in subsidy, what the DISCOM receives and what the P2P platform charges, over the
//! run; and period by period for the bill panel's model.

use engine::run::{Model, PeriodTotals, RunReport};
use leptos::prelude::*;

use crate::kpi_cards::thousands;

/// The cells of one row: consumer payments, subsidy, DISCOM revenue, platform charges, P2P kWh.
fn cells(t: &PeriodTotals) -> [String; 5] {
    [
        thousands(t.consumer_payments),
        thousands(t.subsidy),
        thousands(t.discom_revenue),
        thousands(t.platform_revenue),
        thousands(t.p2p_kwh),
    ]
}

const HEAD: [&str; 5] = [
    "Members pay (₹)",
    "State subsidy (₹)",
    "DISCOM receives (₹)",
    "Platform charges (₹)",
    "P2P traded (kWh)",
];

/// The bill-split tables.
#[component]
pub fn BillSplit(
    /// The latest report.
    report: RwSignal<Option<RunReport>>,
    /// The model whose periods are shown.
    model: Memo<Option<Model>>,
) -> impl IntoView {
    let rows = move || {
        report.with(|r| {
            r.as_ref().map(|r| {
                r.models
                    .iter()
                    .filter_map(|m| m.billing.as_ref().map(|b| (m.model, b.total)))
                    .map(|(m, t)| {
                        let key = m.key();
                        view! {
                            <tr data-testid=format!("bill-split-{key}")>
                                <th scope="row">{m.label()}</th>
                                {cells(&t).into_iter().enumerate().map(|(i, c)| view! {
                                    <td data-testid=format!("bill-split-{key}-{i}")>{c}</td>
                                }).collect_view()}
                            </tr>
                        }
                    })
                    .collect_view()
            })
        })
    };
    let periods = move || {
        let m = model.get()?;
        report.with(|r| {
            let b = r.as_ref()?.model(m)?.billing.as_ref()?;
            Some(
                b.periods
                    .iter()
                    .zip(&b.by_period)
                    .map(|(label, t)| {
                        view! {
                            <tr><th scope="row">{label.clone()}</th>
                                {cells(t).into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr>
                        }
                    })
                    .collect_view(),
            )
        })
    };
    view! {
        <h3>"The community's bill split"</h3>
        <div class="table-scroll">
        <table class="bills" data-testid="bill-split">
            <caption>"Who pays whom over the run: members' bills plus the state's subsidy are what the DISCOM and the P2P platform receive (members' P2P payments to one another cancel out)"</caption>
            <thead><tr><th scope="col">"Model"</th>{HEAD.iter().map(|h| view! { <th scope="col">{*h}</th> }).collect_view()}</tr></thead>
            <tbody>{rows}</tbody>
        </table>
        </div>
        <details class="panel" data-testid="bill-split-periods">
            <summary>{move || format!("Bill split per period under {}", model.get().map_or("", Model::label))}</summary>
            <div class="table-scroll">
            <table class="bills">
                <thead><tr><th scope="col">"Period"</th>{HEAD.iter().map(|h| view! { <th scope="col">{*h}</th> }).collect_view()}</tr></thead>
                <tbody>{periods}</tbody>
            </table>
            </div>
        </details>
    }
}
