//! The community's bill split with real bills: for every model, what members pay, what the
//! state pays in subsidy, what the DISCOM receives, what the society keeps behind a single-point
//! connection and what the P2P platform charges, over the run; and period by period for the bill
//! panel's model. Behind a single point a sentence names the bulk bill.

use engine::run::{BillingReport, Model, PeriodTotals, RunReport};
use leptos::prelude::*;

use crate::bill_panel::money;
use crate::kpi_cards::thousands;

/// The cells of one row: consumer payments, subsidy, DISCOM revenue, what the society keeps
/// ("—" when every home has its own meter), platform charges, P2P kWh.
fn cells(t: &PeriodTotals, single_point: bool) -> [String; 6] {
    [
        thousands(t.consumer_payments),
        thousands(t.subsidy),
        thousands(t.discom_revenue),
        if single_point {
            thousands(t.society_margin)
        } else {
            "—".to_string()
        },
        thousands(t.platform_revenue),
        thousands(t.p2p_kwh),
    ]
}

const HEAD: [&str; 6] = [
    "Members pay (₹)",
    "State subsidy (₹)",
    "DISCOM receives (₹)",
    "Society keeps (₹)",
    "Platform charges (₹)",
    "P2P traded (kWh)",
];

/// The bulk bill of a model behind a single-point connection, in a sentence (None: own meters).
pub fn bulk_note(model: Model, b: &BillingReport) -> Option<String> {
    let sp = b.single_point.as_ref()?;
    let paid: f64 = sp.bulk.iter().map(|p| p.total).sum();
    let units: f64 = sp.bulk.iter().map(|p| p.billed_kwh).sum();
    let peak = sp.max_demand_kw.iter().fold(0.0_f64, |a, &v| a.max(v));
    let subsidy = if sp.members_keep_subsidy {
        "re-billed members keep the state subsidy (the state pays it to the society)"
    } else {
        "re-billed members lose the state subsidy"
    };
    let margin = b.total.society_margin;
    let gap = if sp.gap == "refund" {
        "the gap between the re-bills and the bulk bill goes back to the members (a shortfall is collected from them)".to_string()
    } else if margin < 0.0 {
        format!(
            "the society keeps the gap between the re-bills and the bulk bill: here a shortfall of {} it bears",
            money(-margin)
        )
    } else {
        format!(
            "the society keeps the gap between the re-bills and the bulk bill: here {}",
            money(margin)
        )
    };
    Some(format!(
        "Single-point connection ({}): under {} the society pays the DISCOM {} for {} units over the run (contract load {} kW; its largest hourly demand {} kW); {subsidy}; {gap}.",
        sp.tariff,
        model.label(),
        money(paid),
        thousands(units),
        thousands(sp.contract_kw),
        thousands(peak),
    ))
}

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
                    .filter_map(|m| {
                        let b = m.billing.as_ref()?;
                        Some((m.model, b.total, b.single_point.is_some()))
                    })
                    .map(|(m, t, single)| {
                        let key = m.key();
                        view! {
                            <tr data-testid=format!("bill-split-{key}")>
                                <th scope="row">{m.label()}</th>
                                {cells(&t, single).into_iter().enumerate().map(|(i, c)| view! {
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
            let single = b.single_point.is_some();
            Some(
                b.periods
                    .iter()
                    .zip(&b.by_period)
                    .map(|(label, t)| {
                        view! {
                            <tr><th scope="row">{label.clone()}</th>
                                {cells(t, single).into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr>
                        }
                    })
                    .collect_view(),
            )
        })
    };
    let note = move || {
        let m = model.get()?;
        report.with(|r| bulk_note(m, r.as_ref()?.model(m)?.billing.as_ref()?))
    };
    view! {
        <div data-testid="bill-split-section">
        <h3>"The community's bill split"</h3>
        {move || note().map(|n| view! { <p class="explain" data-testid="bill-split-bulk">{n}</p> })}
        <div class="table-scroll">
        <table class="bills" data-testid="bill-split">
            <caption>"Who pays whom over the run: members' bills plus the state's subsidy are what the DISCOM, the society (behind a single-point connection) and the P2P platform receive (members' P2P payments to one another cancel out); the society's share is negative when the bulk bill exceeds its re-bills"</caption>
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
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::billing::PeriodBill;
    use engine::run::SinglePointReport;

    #[test]
    fn the_bulk_note_names_the_bill_the_subsidy_and_the_gap() {
        let mut b = BillingReport::default();
        assert_eq!(bulk_note(Model::Cloud, &b), None);
        let bill = PeriodBill {
            billed_kwh: 1000.0,
            total: 5000.0,
            ..PeriodBill::default()
        };
        b.single_point = Some(SinglePointReport {
            tariff: "bulk".into(),
            contract_kw: 250.0,
            bulk: vec![bill.clone(), bill],
            max_demand_kw: vec![80.0, 120.0],
            members_keep_subsidy: false,
            gap: "refund".into(),
        });
        let n = bulk_note(Model::Cloud, &b).unwrap();
        assert!(
            n.contains("pays the DISCOM ₹10,000.00 for 2,000 units"),
            "{n}"
        );
        assert!(n.contains("contract load 250 kW"), "{n}");
        assert!(n.contains("demand 120 kW"), "{n}");
        assert!(n.contains("lose the state subsidy"), "{n}");
        assert!(n.contains("goes back to the members"), "{n}");
        let sp = b.single_point.as_mut().unwrap();
        sp.gap = "keep".into();
        b.total.society_margin = -1500.0;
        let n = bulk_note(Model::Cloud, &b).unwrap();
        assert!(n.contains("a shortfall of ₹1,500.00 it bears"), "{n}");
        let row = cells(&b.total, false);
        assert_eq!(row[3], "—");
    }
}
