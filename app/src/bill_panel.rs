//! "A member's bill": with a retail tariff, one member's real bills under one model — a stacked
//! bar per billing period of its line items by category, the chosen period's lines with the
//! total and the true-up — and the community's bill split (consumers, state, DISCOM, society,
//! platform). Behind a single-point connection the member's bill is the society's re-bill.

use engine::run::{MemberPeriodBill, Model, RunReport};
use engine::scenario::Scenario;
use leptos::prelude::*;

use crate::bill_chart::{
    category_name, category_of, draw_member_bills, used_categories, CATEGORIES,
};
use crate::bill_split::BillSplit;
use crate::browser_io::PngButton;
use crate::kpi_cards::thousands;
use crate::regime_compare::RegimeCompare;

/// ₹ with two decimals and a real minus sign.
pub fn rupees(v: f64) -> String {
    let s = format!("{:.2}", v.abs());
    let (whole, cents) = s.split_once('.').unwrap_or((&s, "00"));
    let grouped = thousands(whole.parse::<f64>().unwrap_or(0.0));
    if v < -0.004 {
        format!("−{grouped}.{cents}")
    } else {
        format!("{grouped}.{cents}")
    }
}

/// An amount with the rupee sign after any minus sign: "−₹2,192.00".
pub fn money(v: f64) -> String {
    let r = rupees(v);
    match r.strip_prefix('−') {
        Some(rest) => format!("−₹{rest}"),
        None => format!("₹{r}"),
    }
}

/// The models whose report has real bills, in report order.
fn billed_models(r: &RunReport) -> Vec<Model> {
    r.models
        .iter()
        .filter(|m| m.billing.is_some())
        .map(|m| m.model)
        .collect()
}

/// The bill panel.
#[component]
pub fn BillPanel(
    /// The latest report.
    report: RwSignal<Option<RunReport>>,
    /// Cloud-P2P's part of the report is the previous scenario's while it re-runs.
    stale: RwSignal<bool>,
    /// The scenario (for the regime comparison).
    #[prop(into)]
    scenario: Signal<Scenario>,
) -> impl IntoView {
    let chosen_model = RwSignal::new(Model::Cloud.key().to_string());
    let chosen_member = RwSignal::new(String::new());
    let period = RwSignal::new(0_usize);
    let has_bills = Memo::new(move |_| {
        report.with(|r| r.as_ref().is_some_and(|r| !billed_models(r).is_empty()))
    });
    // The chosen model if it has bills, else the last that has (cloud-P2P while it updates).
    let model = Memo::new(move |_| {
        let key = chosen_model.get();
        report.with(|r| {
            r.as_ref().and_then(|r| {
                let billed = billed_models(r);
                billed
                    .iter()
                    .find(|m| m.key() == key)
                    .or(billed.last())
                    .copied()
            })
        })
    });
    let member = Memo::new(move |_| {
        let id = chosen_member.get();
        report.with(|r| {
            r.as_ref().map_or(0, |r| {
                r.member_ids.iter().position(|m| *m == id).unwrap_or(0)
            })
        })
    });
    // The chosen member's bills under the shown model, with the period labels.
    let bills = Memo::new(move |_| {
        let (m, k) = (model.get(), member.get());
        report.with(|r| {
            let r = r.as_ref()?;
            let b = r.model(m?)?.billing.as_ref()?;
            Some((b.periods.clone(), b.members.get(k)?.clone()))
        })
    });
    // The chosen bill, within this tariff's periods (12 monthly or 6 two-monthly).
    let shown_period = Memo::new(move |_| {
        let p = period.get();
        bills.with(|b| {
            b.as_ref()
                .map_or(0, |(l, _)| p.min(l.len().saturating_sub(1)))
        })
    });
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let drawn = RwSignal::new(0_usize);
    Effect::new(move |_| {
        let p = shown_period.get();
        let title = move || {
            let id = report.with(|r| {
                r.as_ref()
                    .and_then(|r| r.member_ids.get(member.get_untracked()).cloned())
            });
            format!(
                "{}'s bills under {} (₹ per bill; credits below zero)",
                id.unwrap_or_default(),
                model.get_untracked().map_or("", Model::label)
            )
        };
        bills.with(|b| {
            if let (Some((labels, bills)), Some(c)) = (b, canvas.get()) {
                match draw_member_bills(c, &title(), labels, bills, p) {
                    Ok(n) => drawn.set(n),
                    Err(message) => leptos::logging::warn!("chart not drawn: {message}"),
                }
            }
        });
    });
    // Behind a single-point connection the society, not the DISCOM, bills the member.
    let rebilled = Memo::new(move |_| {
        let m = model.get();
        report.with(|r| {
            r.as_ref()
                .and_then(|r| r.model(m?)?.billing.as_ref())
                .is_some_and(|b| b.single_point.is_some())
        })
    });
    let chosen_bill = move || -> Option<(String, MemberPeriodBill)> {
        let p = shown_period.get();
        bills.with(|b| {
            let (labels, bills) = b.as_ref()?;
            Some((
                labels.get(p).cloned().unwrap_or_default(),
                bills.get(p)?.clone(),
            ))
        })
    };
    let year_line = move || {
        let (m, k) = (model.get(), member.get());
        report.with(|r| {
            let r = r.as_ref()?;
            let total = |model: Model| -> Option<f64> {
                let b = r.model(model)?.billing.as_ref()?;
                Some(b.members.get(k)?.iter().map(|p| p.bill.total).sum())
            };
            let m = m?;
            let own = total(m)?;
            let alone = total(Model::None)?;
            let paid = if own < 0.0 || alone < 0.0 {
                " (below zero: the member is paid)"
            } else {
                ""
            };
            Some(if m == Model::None {
                format!("Year: {} in bills{paid}.", money(own))
            } else {
                format!(
                    "Year: {} in bills under {}, against {} with no sharing{paid}.",
                    money(own),
                    m.label(),
                    money(alone)
                )
            })
        })
    };
    let about = move || {
        let m = model.get()?;
        report.with(|r| {
            let b = r.as_ref()?.model(m)?.billing.as_ref()?;
            let metering = if m == Model::None || b.regime == b.sharing_regime {
                format!("Every member is metered under {}.", regime_label(&b.regime))
            } else {
                format!(
                    "Under {} members who share are metered under {}, the others under {}.",
                    m.label(),
                    regime_label(&b.sharing_regime),
                    regime_label(&b.regime)
                )
            };
            Some(format!("{} — {}. {metering}", b.tariff, b.source))
        })
    };

    view! {
        <Show when=move || has_bills.get()>
            <section class="card bills-panel" aria-labelledby="bill-title" data-testid="bill-panel">
                <h2 id="bill-title">"A member's bill, period by period"</h2>
                <p class="explain" data-testid="bill-about">{about}</p>
                <div class="inputs">
                    <label>"Model "
                        <select data-testid="bill-model" on:change=move |ev| chosen_model.set(event_target_value(&ev))>
                            {move || report.with(|r| r.as_ref().map(|r| billed_models(r).into_iter().map(|m| view! {
                                <option value=m.key() selected=move || model.get() == Some(m)>{m.label()}</option>
                            }).collect_view()))}
                        </select>
                    </label>
                    <label>"Member "
                        <select data-testid="bill-member" on:change=move |ev| chosen_member.set(event_target_value(&ev))>
                            {move || report.with(|r| r.as_ref().map(|r| r.members.iter().enumerate().map(|(k, m)| {
                                let id = m.id.clone();
                                let label = format!("{} — {}{}{}", m.id, m.archetype.label(),
                                    if m.pv_kwp > 0.0 { format!(", PV {:.1} kWp", m.pv_kwp) } else { String::new() },
                                    if m.battery_kwh > 0.0 { format!(", battery {:.1} kWh", m.battery_kwh) } else { String::new() });
                                view! { <option value=id selected=move || member.get() == k>{label}</option> }
                            }).collect_view()))}
                        </select>
                    </label>
                    <label>"Bill "
                        <select data-testid="bill-period" on:change=move |ev| period.set(event_target_value(&ev).parse().unwrap_or(0))>
                            {move || bills.with(|b| b.as_ref().map(|(labels, _)| labels.iter().enumerate().map(|(p, l)| view! {
                                <option value=p.to_string() selected=move || shown_period.get() == p>{l.clone()}</option>
                            }).collect_view()))}
                        </select>
                    </label>
                </div>
                <Show when=move || stale.get() && model.get() == Some(Model::Cloud)>
                    <p class="note">"Cloud-P2P is updating: these are the previous scenario's bills."</p>
                </Show>
                <PngButton canvas=canvas file_name="gridshare-member-bills.png" testid="png-bills" />
                <canvas node_ref=canvas width="900" height="320" data-testid="bill-chart" data-periods=move || drawn.get()
                    role="img" aria-label="Stacked bars of the member's bill per billing period by category: energy, fixed charge, adders and duty, P2P charges and energy above zero; subsidy, export credit and P2P energy sold below; a society's gap returned below or its shortfall above; the total marked"></canvas>
                <ul class="class-legend" data-testid="bill-legend">
                    {move || bills.with(|b| b.as_ref().map(|(_, bills)| used_categories(bills).into_iter().map(|i| {
                        let (_, name, plotters::style::RGBColor(r, g, b)) = CATEGORIES[i];
                        view! { <li><span class="swatch" style=format!("background: rgb({r},{g},{b})")></span>{name}</li> }
                    }).collect_view()))}
                    <li><span class="swatch total"></span>"total (what the member pays)"</li>
                </ul>
                <p data-testid="bill-year">{year_line}</p>
                <Show when=move || rebilled.get()>
                    <p class="note" data-testid="bill-from">"This bill is from the housing society: behind the single-point connection the DISCOM bills only the society's bulk meter, and the society re-bills each member from its sub-meter at the domestic tariff (every DISCOM charge becomes the society's)."</p>
                </Show>
                {move || chosen_bill().map(|(label, b)| view! {
                    <div class="table-scroll">
                    <table class="bills bill-lines" data-testid="bill-lines">
                        <caption>{format!("Bill for {label}: {:.0} units billed by the {}{}{}", b.bill.billed_kwh,
                            if rebilled.get() { "society (re-billed from its sub-meter)" } else { "DISCOM" },
                            if b.p2p_bought_kwh > 0.0 || b.p2p_sold_kwh > 0.0 { format!("; P2P {:.1} kWh bought, {:.1} kWh sold", b.p2p_bought_kwh, b.p2p_sold_kwh) } else { String::new() },
                            if b.bill.bank_out_kwh > 0.0 { format!("; {:.1} kWh banked to the next bill", b.bill.bank_out_kwh) } else { String::new() })}</caption>
                        <thead><tr><th scope="col">"Line"</th><th scope="col" class="group">"Group"</th><th scope="col">"₹"</th></tr></thead>
                        <tbody>
                            {b.bill.lines.iter().map(|l| view! {
                                <tr data-key=l.key.clone()>
                                    <th scope="row">{l.name.clone()}</th>
                                    <td class="group">{category_name(category_of(l))}</td>
                                    <td>{rupees(l.amount)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                        <tfoot>
                            <tr class="total"><th scope="row">"Total the member pays"</th><td class="group"></td><td data-testid="bill-total">{rupees(b.bill.total)}</td></tr>
                            <tr><th scope="row">"of which the true-up"</th><td class="group"></td>
                                <td data-testid="bill-true-up">{rupees(b.true_up)}</td></tr>
                        </tfoot>
                    </table>
                    </div>
                    <p class="note">"The true-up is what only the bill's totals can settle — the fixed charge, slab edges, the subsidy and netting — against the per-step prices the dispatch used."</p>
                })}
                <div class="buttons">
                    <button type="button" data-testid="export-bills-csv" on:click=move |_| {
                        if let Some(csv) = report.with_untracked(|r| r.as_ref().and_then(engine::run::bills_csv)) {
                            let _ = crate::browser_io::download("gridshare-bills.csv", "text/csv", &csv);
                        }
                    }>"Export every bill's lines (CSV)"</button>
                </div>
                <BillSplit report=report model=model />
                <RegimeCompare scenario=scenario />
            </section>
        </Show>
    }
}

/// A regime key's label (`net-billing` → "Net billing").
fn regime_label(key: &str) -> String {
    key.parse::<engine::billing::Regime>()
        .map_or_else(|_| key.to_string(), crate::variants::in_sentence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rupees_have_two_decimals_and_a_minus_sign() {
        assert_eq!(rupees(3708.756), "3,708.76");
        assert_eq!(rupees(-146.1), "−146.10");
        assert_eq!(rupees(0.0), "0.00");
        assert_eq!(money(-2192.0), "−₹2,192.00");
        assert_eq!(money(37.0), "₹37.00");
        assert_eq!(regime_label("net-metering"), "net metering");
    }
}
