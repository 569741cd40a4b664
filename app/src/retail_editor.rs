//! The retail bill editor: the preset's name, year, source and notes, then its slab tables,
//! fixed charge, ₹/kWh and % adders, subsidy, metering regime with feed-in and year-end (APPC)
//! rates, and the P2P transaction charge of the scenario's billing settings. Every edit goes
//! through [`crate::retail_edit`] (the engine's validation); a refused one is shown with the
//! engine's message and the previous tariff stays in force.

use engine::billing::{
    Benefit, FixedCharge, Regime, RetailTariff, SlabMode, Subsidy, BUILT_IN_BASES,
};
use engine::scenario::Scenario;
use leptos::prelude::*;

use crate::retail_edit::{
    apply_billing_edit, apply_retail_edit, show_bound, show_number, BillingEdit, FixedColumn,
    RetailEdit,
};
use crate::tariff_controls::retail_preset_of;

/// An editable number: committed on change (blur or Enter), shown from the valid tariff.
fn number_input(
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

/// One subsidy tier in words, e.g. "up to 200 units: the whole bill".
fn describe_subsidy(s: &Subsidy) -> String {
    let tiers: Vec<String> = s
        .tiers
        .iter()
        .map(|t| {
            let benefits: Vec<String> = t
                .benefits
                .iter()
                .map(|b| match *b {
                    Benefit::WholeBill => "the whole bill".to_string(),
                    Benefit::PercentOfBill {
                        percent,
                        cap_per_month,
                    } => match cap_per_month {
                        Some(c) => format!("{percent}% of the bill, at most ₹{c}/month"),
                        None => format!("{percent}% of the bill"),
                    },
                    Benefit::FreeUnits { kwh } => format!("the first {kwh} units free"),
                    Benefit::PerKwhOnUnits {
                        from_kwh,
                        to_kwh,
                        per_kwh,
                    } => format!("₹{per_kwh}/kWh off units {from_kwh}–{to_kwh}"),
                })
                .collect();
            let when = t
                .up_to_kwh
                .map_or_else(|| "any total".to_string(), |u| format!("up to {u} units"));
            format!("{when}: {}", benefits.join(" + "))
        })
        .collect();
    format!("paid by {}; {}", s.payer, tiers.join("; "))
}

/// The slab tables of the energy charge.
fn slab_tables(
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
                    <button type="button" class="small" data-testid=format!("slab-add-{}", c + 1)
                        on:click=move |_| edit(RetailEdit::AddSlab { category: c })>"Add a slab (splits the last one)"</button>
                </div>
            }
        }).collect_view()
    }
}

/// The fixed charge: per connection, per kW by load band, or by consumption band.
fn fixed_charge(
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
                <table class="bills bands" data-testid="fixed-bands">
                    <thead><tr><th scope="col">"Band"</th><th scope="col">"Sanctioned load up to (kW)"</th><th scope="col">"₹ per kW per month"</th></tr></thead>
                    <tbody>{(0..n).map(|b| view! {
                        <tr><th scope="row">{b + 1}</th><td>{bound(b, "kW")}</td>
                            <td>{rate(b, FixedColumn::Single, format!("fixed-rate-{}", b + 1), format!("Band {} ₹/kW/month", b + 1))}</td></tr>
                    }).collect_view()}</tbody>
                </table>
            }.into_any(),
            _ => view! {
                <p class="note">"The band of the period's units sets the charge."</p>
                <table class="bills bands" data-testid="fixed-bands">
                    <thead><tr><th scope="col">"Band"</th><th scope="col">"Units up to (kWh)"</th><th scope="col">"Single-phase ₹/month"</th><th scope="col">"Three-phase ₹/month"</th></tr></thead>
                    <tbody>{(0..n).map(|b| view! {
                        <tr><th scope="row">{b + 1}</th><td>{bound(b, "kWh")}</td>
                            <td>{rate(b, FixedColumn::Single, format!("fixed-rate-{}", b + 1), format!("Band {} single-phase ₹/month", b + 1))}</td>
                            <td>{rate(b, FixedColumn::Three, format!("fixed-three-{}", b + 1), format!("Band {} three-phase ₹/month", b + 1))}</td></tr>
                    }).collect_view()}</tbody>
                </table>
            }.into_any(),
        }
    }
}

/// The ₹/kWh and percentage adders.
fn adders(
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
                <table class="bills adders" data-testid="per-kwh-adders">
                    <thead><tr><th scope="col">"Per billed unit"</th><th scope="col">"₹/kWh"</th></tr></thead>
                    <tbody>{(0..k).map(|i| view! {
                        <tr><th scope="row">{move || per_kwh(i).map(|a| a.name).unwrap_or_default()}</th>
                            <td>{number_input(format!("adder-kwh-{}", i + 1), format!("Adder {} ₹/kWh", i + 1), "",
                                move || per_kwh(i).map_or_else(String::new, |a| show_number(a.per_kwh)),
                                move |text| edit(RetailEdit::PerKwhAdder { index: i, text }))}</td></tr>
                    }).collect_view()}</tbody>
                </table>
            })}
            {(p > 0).then(|| view! {
                <table class="bills adders" data-testid="percent-adders">
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
                </table>
                <p class="note">{move || retail.with(|t| format!(
                    "Base keys: {}{}, or an earlier adder's key ({}).",
                    BUILT_IN_BASES.join(", "),
                    t.per_kwh_adders.iter().map(|a| format!(", {}", a.key)).collect::<String>(),
                    t.percent_adders.iter().map(|a| a.key.as_str()).collect::<Vec<_>>().join(", ")))}</p>
            })}
        }
    }
}

/// The retail bill editor.
#[component]
pub fn RetailEditor(
    /// The retail tariff in force (only valid edits reach it).
    retail: RwSignal<RetailTariff>,
    /// The scenario, for the P2P billing settings.
    scenario: RwSignal<Scenario>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    // A new preset (or a loaded scenario) starts without an error.
    Effect::new(move |_| {
        retail.track();
        error.set(None);
    });
    let edit = move |e: RetailEdit| match retail.with_untracked(|t| apply_retail_edit(t, &e)) {
        Ok(t) => {
            error.set(None);
            retail.set(t);
        }
        Err(message) => error.set(Some(format!(
            "{message} — refused: the previous tariff and its results stay."
        ))),
    };
    let edit_billing = move |e: BillingEdit| match scenario
        .with_untracked(|s| apply_billing_edit(&s.settings.billing, &e))
    {
        Ok(b) => {
            error.set(None);
            scenario.update(|s| s.settings.billing = b);
        }
        Err(message) => error.set(Some(format!(
            "{message} — refused: the previous settings and their results stay."
        ))),
    };
    let preset = move || retail.with(retail_preset_of);
    let edited = move || retail.with(|t| preset().is_none_or(|p| p.tariff() != *t));
    let field = move |f: fn(&RetailTariff) -> String| move || retail.with(f);
    let regime = move || retail.with(|t| t.metering.regime);
    let billing = move |f: fn(&engine::billing::BillingSettings) -> String| {
        move || scenario.with(|s| f(&s.settings.billing))
    };
    let sharing_regime = move || {
        scenario.with(|s| {
            s.settings
                .billing
                .sharing_members_regime
                .map_or("tariff", Regime::key)
        })
    };
    let preset_subsidy = move || preset().and_then(|p| p.tariff().subsidy);

    view! {
        <div class="retail" data-testid="retail">
            <div class="tariff-info" data-testid="tariff-info">
                <p>
                    <strong data-testid="tariff-name">{field(|t| t.name.clone())}</strong>
                    " · " <span data-testid="tariff-year">{field(|t| t.year.clone())}</span>
                    " · " {field(|t| format!("{} bills", if t.period.months() == 2 { "two-monthly" } else { "monthly" }))}
                    " · " <span data-testid="tariff-regime">{move || regime().label()}</span>
                    {move || edited().then_some(" · edited (differs from the preset)")}
                </p>
                <p class="explain" data-testid="tariff-source">"Source: " {field(|t| t.source.clone())}</p>
                <details class="notes">
                    <summary>{field(|t| format!("Assumptions and unconfirmed values ({})", t.notes.len()))}</summary>
                    <ul data-testid="tariff-notes">{move || retail.with(|t| t.notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view())}</ul>
                </details>
                <Show when=edited>
                    <button type="button" class="small" data-testid="retail-reset"
                        on:click=move |_| if let Some(p) = preset() { retail.set(p.tariff()) }>"Back to the preset's values"</button>
                </Show>
            </div>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert" data-testid="tariff-error">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <details class="panel" data-testid="retail-editor">
                <summary>"Edit this bill: slabs, fixed charge, adders and duty, subsidy, metering, P2P charges"</summary>
                <fieldset class="retail-part">
                    <legend>"Energy charge (₹/kWh by slab of the period's units)"</legend>
                    {slab_tables(retail, edit)}
                </fieldset>
                <fieldset class="retail-part">
                    <legend>"Fixed charge"</legend>
                    {fixed_charge(retail, edit)}
                </fieldset>
                <fieldset class="retail-part">
                    <legend>"Adders and duty"</legend>
                    {adders(retail, edit)}
                </fieldset>
                <fieldset class="retail-part">
                    <legend>"Subsidy"</legend>
                    <label class="check">
                        <input type="checkbox" data-testid="subsidy-on" prop:disabled=move || preset_subsidy().is_none()
                            prop:checked=move || retail.with(|t| t.subsidy.is_some())
                            on:change=move |ev| edit(RetailEdit::Subsidy(event_target_checked(&ev))) />
                        {move || match preset_subsidy() {
                            Some(s) => format!(" State subsidy ({})", describe_subsidy(&s)),
                            None => " This tariff has no state subsidy.".to_string(),
                        }}
                    </label>
                </fieldset>
                <fieldset class="retail-part">
                    <legend>"Metering of rooftop PV exports"</legend>
                    <div class="inputs">
                        <label>"Regime (members who do not share, and everyone under no sharing) "
                            <select data-testid="metering-regime" on:change=move |ev| {
                                if let Ok(r) = event_target_value(&ev).parse::<Regime>() { edit(RetailEdit::Regime(r)) }
                            }>
                                {Regime::ALL.into_iter().map(|r| view! {
                                    <option value=r.key() selected=move || regime() == r>{r.label()}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <label>"Feed-in rate, net billing and gross (₹/kWh)"
                            {number_input("feed-in".into(), "Feed-in rate".into(), "", move || retail.with(|t| show_number(t.metering.feed_in_per_kwh)),
                                move |text| edit(RetailEdit::FeedIn(text)))}
                        </label>
                        <label>"Banked units left at the year end, net metering: paid at (APPC, ₹/kWh; empty: they lapse)"
                            {number_input("year-end".into(), "Year-end rate (APPC)".into(), "lapses", move || retail.with(|t| show_bound(t.metering.year_end_per_kwh)),
                                move |text| edit(RetailEdit::YearEnd(text)))}
                        </label>
                    </div>
                </fieldset>
                <fieldset class="retail-part">
                    <legend>"P2P trading on the bill (scenario settings)"</legend>
                    <div class="inputs">
                        <label>"Transaction charge (₹ per kWh traded; DERC pilot 2026: 0.42)"
                            {number_input("p2p-charge".into(), "P2P transaction charge".into(), "", billing(|b| show_number(b.p2p_charge_per_kwh)),
                                move |text| edit_billing(BillingEdit::P2pCharge(text)))}
                        </label>
                        <label>"Buyer's share of it (0–1)"
                            {number_input("p2p-buyer-share".into(), "Buyer's share of the transaction charge".into(), "", billing(|b| show_number(b.p2p_charge_buyer_share)),
                                move |text| edit_billing(BillingEdit::BuyerShare(text)))}
                        </label>
                        <label>"Sharing members' DISCOM exchange is metered under "
                            <select data-testid="sharing-regime" on:change=move |ev| {
                                let key = event_target_value(&ev);
                                edit_billing(BillingEdit::SharingRegime(key.parse::<Regime>().ok()));
                            }>
                                <option value="tariff" selected=move || sharing_regime() == "tariff">"the tariff's own regime"</option>
                                {Regime::ALL.into_iter().map(|r| view! {
                                    <option value=r.key() selected=move || sharing_regime() == r.key()>
                                        {if r == Regime::NetBilling { "net billing (DERC 2024: P2P members may not be net-metered)" } else { r.label() }}
                                    </option>
                                }).collect_view()}
                            </select>
                        </label>
                    </div>
                </fieldset>
            </details>
        </div>
    }
}
