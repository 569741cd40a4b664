//! The retail editor's tables: slabs (bounds, rates, rows, telescopic or all-units), the fixed
//! charge (per connection, per kW by load band, by consumption band) and the adders (₹/kWh,
//! percent and base). Each row is rebuilt only when its table's shape changes, so focus
//! survives value edits; values are shown from the tariff in force.

use engine::billing::{FixedCharge, RetailTariff, SlabMode, BUILT_IN_BASES};
use leptos::prelude::*;

use crate::retail_edit::{show_bound, show_number, FixedColumn, RetailEdit};

/// An editable number: committed on change (blur or Enter), shown from the valid tariff.
pub fn number_input(
    testid: String,
    label: String,
    placeholder: &'static str,
    value: impl Fn() -> String + Send + Sync + 'static,
    on_edit: impl Fn(String) + 'static,
) -> impl IntoView {
    view! {
        <input type="number" step="any" min="0" class="num" data-testid=testid aria-label=label
            placeholder=placeholder prop:value=value
            on:change=move |ev| on_edit(event_target_value(&ev)) />
    }
}

/// The slab tables of the energy charge.
pub fn slab_tables(
    retail: RwSignal<RetailTariff>,
    edit: impl Fn(RetailEdit) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    // The rows are rebuilt only when the table's shape changes, so focus survives value edits.
    let shape = Memo::new(move |_| {
        retail.with(|t| {
            t.energy
                .categories
                .iter()
                .map(|c| c.slabs.len())
                .collect::<Vec<_>>()
        })
    });
    let slab = move |c: usize, s: usize| {
        retail.with(|t| {
            t.energy
                .categories
                .get(c)
                .and_then(|c| c.slabs.get(s).copied())
        })
    };
    move || {
        let categories = shape.get();
        let several = categories.len() > 1;
        categories.into_iter().enumerate().map(|(c, n)| {
            let limit = move || retail.with(|t| t.energy.categories.get(c).and_then(|c| c.applies_up_to_kwh));
            let mode = move || retail.with(|t| t.energy.categories.get(c).map(|c| c.mode).unwrap_or_default());
            view! {
                <div class="slab-table">
                    <div class="inputs">
                        {several.then(|| view! {
                            <label>{format!("Table {} applies when the period's units are at most (empty: any)", c + 1)}
                                {number_input(format!("category-limit-{}", c + 1), format!("Table {} applies up to (kWh)", c + 1), "any",
                                    move || show_bound(limit()), move |text| edit(RetailEdit::CategoryLimit { category: c, text }))}
                            </label>
                        })}
                        <label>{format!("Table {}: ", c + 1)}
                            <select data-testid=format!("slab-mode-{}", c + 1)
                                on:change=move |ev| edit(RetailEdit::SlabMode {
                                    category: c,
                                    mode: if event_target_value(&ev) == "all_units" { SlabMode::AllUnits } else { SlabMode::Telescopic },
                                })>
                                <option value="telescopic" selected=move || mode() == SlabMode::Telescopic>"telescopic (each slab at its own rate)"</option>
                                <option value="all_units" selected=move || mode() == SlabMode::AllUnits>"all units at the rate of the slab the total falls in"</option>
                            </select>
                        </label>
                    </div>
                    <div class="table-scroll">
                    <table class="bills slabs" data-testid=format!("slabs-{}", c + 1)>
                        <thead><tr><th scope="col">"Slab"</th><th scope="col">"From (kWh)"</th><th scope="col">"Up to (kWh per period)"</th><th scope="col">"₹/kWh"</th><th scope="col"></th></tr></thead>
                        <tbody>
                            {(0..n).map(|s| {
                                let from = move || if s == 0 { "0".to_string() } else { slab(c, s - 1).map_or_else(String::new, |p| show_bound(p.up_to_kwh)) };
                                view! {
                                    <tr>
                                        <th scope="row">{s + 1}</th>
                                        <td>{from}</td>
                                        <td>{number_input(format!("slab-up-{}-{}", c + 1, s + 1), format!("Slab {} upper bound (kWh)", s + 1), "no limit",
                                            move || slab(c, s).map_or_else(String::new, |x| show_bound(x.up_to_kwh)),
                                            move |text| edit(RetailEdit::SlabBound { category: c, slab: s, text }))}</td>
                                        <td>{number_input(format!("slab-rate-{}-{}", c + 1, s + 1), format!("Slab {} rate (₹/kWh)", s + 1), "",
                                            move || slab(c, s).map_or_else(String::new, |x| show_number(x.rate_per_kwh)),
                                            move |text| edit(RetailEdit::SlabRate { category: c, slab: s, text }))}</td>
                                        <td><button type="button" class="small" data-testid=format!("slab-remove-{}-{}", c + 1, s + 1)
                                            aria-label=format!("Remove slab {}", s + 1)
                                            on:click=move |_| edit(RetailEdit::RemoveSlab { category: c, slab: s })>"remove"</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                    <button type="button" class="small" data-testid=format!("slab-add-{}", c + 1)
                        on:click=move |_| edit(RetailEdit::AddSlab { category: c })>"Add a slab (splits the last one)"</button>
                </div>
            }
        }).collect_view()
    }
}

/// The fixed charge: per connection, per kW by load band, or by consumption band.
pub fn fixed_charge(
    retail: RwSignal<RetailTariff>,
    edit: impl Fn(RetailEdit) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    // (kind, bands): rebuilt only when the kind or the number of bands changes.
    let shape = Memo::new(move |_| {
        retail.with(|t| match &t.fixed {
            FixedCharge::None => (0, 0),
            FixedCharge::PerConnection { .. } => (1, 1),
            FixedCharge::PerKwByLoadBand { bands } => (2, bands.len()),
            FixedCharge::ByConsumptionBand { bands } => (3, bands.len()),
        })
    });
    // (bound, single-phase or ₹/kW, three-phase) of a band.
    let band = move |b: usize| {
        retail.with(|t| match &t.fixed {
            FixedCharge::None => None,
            FixedCharge::PerConnection {
                single_phase,
                three_phase,
            } => Some((None, *single_phase, *three_phase)),
            FixedCharge::PerKwByLoadBand { bands } => {
                bands.get(b).map(|x| (x.up_to_kw, x.per_kw_month, 0.0))
            }
            FixedCharge::ByConsumptionBand { bands } => bands
                .get(b)
                .map(|x| (x.up_to_kwh, x.single_phase, x.three_phase)),
        })
    };
    let rate = move |b: usize, column: FixedColumn, testid: String, label: String| {
        number_input(
            testid,
            label,
            "",
            move || {
                band(b).map_or_else(String::new, |x| {
                    show_number(if column == FixedColumn::Single {
                        x.1
                    } else {
                        x.2
                    })
                })
            },
            move |text| {
                edit(RetailEdit::FixedRate {
                    band: b,
                    column,
                    text,
                })
            },
        )
    };
    let bound = move |b: usize, unit: &str| {
        number_input(
            format!("fixed-bound-{}", b + 1),
            format!("Band {} up to ({unit})", b + 1),
            "no limit",
            move || band(b).map_or_else(String::new, |x| show_bound(x.0)),
            move |text| edit(RetailEdit::FixedBound { band: b, text }),
        )
    };
    move || {
        let (kind, n) = shape.get();
        match kind {
            0 => view! { <p class="note" data-testid="fixed-none">"No fixed charge in this tariff."</p> }.into_any(),
            1 => view! {
                <div class="inputs">
                    <label>"Per connection, single-phase (₹/month)" {rate(0, FixedColumn::Single, "fixed-rate-1".into(), "Fixed charge single-phase".into())}</label>
                    <label>"Per connection, three-phase (₹/month)" {rate(0, FixedColumn::Three, "fixed-three-1".into(), "Fixed charge three-phase".into())}</label>
                </div>
            }.into_any(),
            2 => view! {
                <p class="note">"The whole sanctioned load is billed at its band's rate (members' loads: 1–4 kW by household type)."</p>
                <div class="table-scroll"><table class="bills bands" data-testid="fixed-bands">
                    <thead><tr><th scope="col">"Band"</th><th scope="col">"Sanctioned load up to (kW)"</th><th scope="col">"₹ per kW per month"</th></tr></thead>
                    <tbody>{(0..n).map(|b| view! {
                        <tr><th scope="row">{b + 1}</th><td>{bound(b, "kW")}</td>
                            <td>{rate(b, FixedColumn::Single, format!("fixed-rate-{}", b + 1), format!("Band {} ₹/kW/month", b + 1))}</td></tr>
                    }).collect_view()}</tbody>
                </table></div>
            }.into_any(),
            _ => view! {
                <p class="note">"The band of the period's units sets the charge."</p>
                <div class="table-scroll"><table class="bills bands" data-testid="fixed-bands">
                    <thead><tr><th scope="col">"Band"</th><th scope="col">"Units up to (kWh)"</th><th scope="col">"Single-phase ₹/month"</th><th scope="col">"Three-phase ₹/month"</th></tr></thead>
                    <tbody>{(0..n).map(|b| view! {
                        <tr><th scope="row">{b + 1}</th><td>{bound(b, "kWh")}</td>
                            <td>{rate(b, FixedColumn::Single, format!("fixed-rate-{}", b + 1), format!("Band {} single-phase ₹/month", b + 1))}</td>
                            <td>{rate(b, FixedColumn::Three, format!("fixed-three-{}", b + 1), format!("Band {} three-phase ₹/month", b + 1))}</td></tr>
                    }).collect_view()}</tbody>
                </table></div>
            }.into_any(),
        }
    }
}

/// The ₹/kWh and percentage adders.
pub fn adders(
    retail: RwSignal<RetailTariff>,
    edit: impl Fn(RetailEdit) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let shape =
        Memo::new(move |_| retail.with(|t| (t.per_kwh_adders.len(), t.percent_adders.len())));
    let per_kwh = move |i: usize| retail.with(|t| t.per_kwh_adders.get(i).cloned());
    let percent = move |i: usize| retail.with(|t| t.percent_adders.get(i).cloned());
    move || {
        let (k, p) = shape.get();
        view! {
            {(k == 0 && p == 0).then(|| view! { <p class="note">"No adders or duty in this tariff."</p> })}
            {(k > 0).then(|| view! {
                <div class="table-scroll"><table class="bills adders" data-testid="per-kwh-adders">
                    <thead><tr><th scope="col">"Per billed unit"</th><th scope="col">"₹/kWh"</th></tr></thead>
                    <tbody>{(0..k).map(|i| view! {
                        <tr><th scope="row">{move || per_kwh(i).map(|a| a.name).unwrap_or_default()}</th>
                            <td>{number_input(format!("adder-kwh-{}", i + 1), format!("Adder {} ₹/kWh", i + 1), "",
                                move || per_kwh(i).map_or_else(String::new, |a| show_number(a.per_kwh)),
                                move |text| edit(RetailEdit::PerKwhAdder { index: i, text }))}</td></tr>
                    }).collect_view()}</tbody>
                </table></div>
            })}
            {(p > 0).then(|| view! {
                <div class="table-scroll"><table class="bills adders" data-testid="percent-adders">
                    <thead><tr><th scope="col">"Percentage adder or duty, in order"</th><th scope="col">"%"</th><th scope="col">"of the lines (keys, joined by +)"</th></tr></thead>
                    <tbody>{(0..p).map(|i| view! {
                        <tr><th scope="row">{move || percent(i).map(|a| a.name).unwrap_or_default()}</th>
                            <td>{number_input(format!("adder-pct-{}", i + 1), format!("Adder {} percent", i + 1), "",
                                move || percent(i).map_or_else(String::new, |a| show_number(a.percent)),
                                move |text| edit(RetailEdit::PercentAdder { index: i, text }))}</td>
                            <td><input type="text" class="base" data-testid=format!("adder-base-{}", i + 1)
                                aria-label=format!("Adder {} base", i + 1)
                                prop:value=move || percent(i).map(|a| a.base.join(" + ")).unwrap_or_default()
                                on:change=move |ev| edit(RetailEdit::PercentBase { index: i, text: event_target_value(&ev) }) /></td></tr>
                    }).collect_view()}</tbody>
                </table></div>
                <p class="note">{move || retail.with(|t| format!(
                    "Base keys: {}{}, or an earlier adder's key ({}).",
                    BUILT_IN_BASES.join(", "),
                    t.per_kwh_adders.iter().map(|a| format!(", {}", a.key)).collect::<String>(),
                    t.percent_adders.iter().map(|a| a.key.as_str()).collect::<Vec<_>>().join(", ")))}</p>
            })}
        }
    }
}
