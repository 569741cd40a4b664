//! The retail bill editor: the preset's name, year, source and notes, then its slab tables,
//! fixed charge, ₹/kWh and % adders, subsidy, metering regime with feed-in and year-end (APPC)
//! rates, the community's connection ([`crate::connection_editor`]) and the P2P transaction
//! charge of the scenario's billing settings. Every edit goes
//! through [`crate::retail_edit`] (the engine's validation); a refused one is shown with the
//! engine's message and the previous tariff stays in force.

use engine::billing::{Benefit, Regime, RetailTariff, Subsidy};
use engine::scenario::Scenario;
use leptos::prelude::*;

use crate::connection_editor::connection_fieldset;
use crate::retail_edit::{
    apply_billing_edit, apply_retail_edit, show_bound, show_number, BillingEdit, RetailEdit,
};
use crate::retail_tables::{adders, fixed_charge, number_input, slab_tables};
use crate::tariff_controls::retail_preset_of;

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

/// A tariff's time-of-day windows in words (None without time of day).
fn describe_tod(t: &RetailTariff) -> Option<String> {
    let tod = t.time_of_day.as_ref()?;
    let windows: Vec<String> = tod
        .windows
        .iter()
        .map(|w| {
            let mut what = Vec::new();
            if w.multiplier != 1.0 {
                what.push(format!("×{}", w.multiplier));
            }
            if w.rebate_per_kwh > 0.0 {
                what.push(format!("₹{}/kWh off", w.rebate_per_kwh));
            }
            format!(
                "{} {}–{} h {}",
                w.name,
                w.start_hour,
                w.end_hour,
                what.join(", ")
            )
        })
        .collect();
    let when = tod.applies_above_kwh.map_or_else(String::new, |a| {
        format!(" when the period's units exceed {a}")
    });
    Some(format!(
        "Time of day on the energy charge{when}: {}; other hours normal (kept as the preset has it).",
        windows.join("; ")
    ))
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
                <summary>"Edit this bill: slabs, fixed charge, adders and duty, subsidy, metering, single-point connection, P2P charges"</summary>
                <fieldset class="retail-part">
                    <legend>"Energy charge (₹/kWh by slab of the period's units)"</legend>
                    {slab_tables(retail, edit)}
                    <p class="note" data-testid="tariff-tod">{move || retail.with(describe_tod)}</p>
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
                {connection_fieldset(scenario, edit_billing)}
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
