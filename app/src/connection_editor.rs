//! "The community's connection" in the retail editor: every home on its own DISCOM meter, or one
//! single-point connection the society re-bills its members behind (`settings.billing
//! .single_point`) with its bulk rate, fixed charge, contract load, the subsidy, the domestic
//! adders and who keeps the gap. Edits go through [`crate::retail_edit::apply_billing_edit`].

use engine::billing::{GapRule, SinglePoint};
use engine::scenario::Scenario;
use leptos::prelude::*;

use crate::retail_edit::{show_bound, show_number, BillingEdit};
use crate::retail_tables::number_input;

/// The connection fieldset; `edit` applies a billing edit (or shows why it is refused).
pub fn connection_fieldset(
    scenario: RwSignal<Scenario>,
    edit: impl Fn(BillingEdit) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let single = move || scenario.with(|s| s.settings.billing.single_point.is_some());
    // A value of the single point (the default's while there is none).
    let sp = move |f: fn(&SinglePoint) -> String| {
        move || {
            scenario.with(|s| {
                s.settings
                    .billing
                    .single_point
                    .as_ref()
                    .map_or_else(|| f(&SinglePoint::default()), f)
            })
        }
    };
    let flag = move |f: fn(&SinglePoint) -> bool| {
        move || scenario.with(|s| s.settings.billing.single_point.as_ref().is_some_and(f))
    };
    let gap = move || {
        scenario.with(|s| {
            s.settings
                .billing
                .single_point
                .as_ref()
                .map_or(GapRule::Keep, |sp| sp.gap)
        })
    };
    view! {
        <fieldset class="retail-part" data-testid="connection">
            <legend>"The community's connection"</legend>
            <div class="inputs">
                <label>"Supply "
                    <select data-testid="connection-kind" on:change=move |ev| {
                        edit(BillingEdit::SinglePoint(event_target_value(&ev) == "single-point"));
                    }>
                        <option value="own-meters" selected=move || !single()>"Each home has its own DISCOM meter"</option>
                        <option value="single-point" selected=single>"One single-point connection (society re-bills members)"</option>
                    </select>
                </label>
            </div>
            <Show when=single>
                <p class="note">"The DISCOM bills the society's bulk meter (all members netted each hour) at the bulk rate; the society re-bills each member from its sub-meter at the domestic tariff above."</p>
                <div class="inputs">
                    <label>"Bulk energy rate (₹/kWh; DERC group housing: 4.50)"
                        {number_input("sp-energy".into(), "Bulk energy rate".into(), "", sp(|s| show_number(s.energy_per_kwh)),
                            move |text| edit(BillingEdit::BulkRate(text)))}
                    </label>
                    <label>"Bulk fixed charge (₹/kW of contract load/month; DERC: 150)"
                        {number_input("sp-fixed".into(), "Bulk fixed charge".into(), "", sp(|s| show_number(s.fixed_per_kw_month)),
                            move |text| edit(BillingEdit::BulkFixed(text)))}
                    </label>
                    <label>"Contract load (kW; empty: the transformer's rating)"
                        {number_input("sp-contract".into(), "Contract load".into(), "transformer's rating", sp(|s| show_bound(s.contract_kw)),
                            move |text| edit(BillingEdit::ContractKw(text)))}
                    </label>
                    <label>"The society's gap (re-bills − the bulk bill) "
                        <select data-testid="sp-gap" on:change=move |ev| {
                            edit(BillingEdit::Gap(if event_target_value(&ev) == "refund" { GapRule::Refund } else { GapRule::Keep }));
                        }>
                            <option value="keep" selected=move || gap() == GapRule::Keep>"the society keeps it"</option>
                            <option value="refund" selected=move || gap() == GapRule::Refund>"returned to members (in proportion to what each pays)"</option>
                        </select>
                    </label>
                </div>
                <label class="check">
                    <input type="checkbox" data-testid="sp-keep-subsidy" prop:checked=flag(|s| s.members_keep_subsidy)
                        on:change=move |ev| edit(BillingEdit::KeepSubsidy(event_target_checked(&ev))) />
                    " Re-billed members keep the state subsidy (the state pays it to the society)"
                </label>
                <label class="check">
                    <input type="checkbox" data-testid="sp-adders" prop:checked=flag(|s| s.domestic_adders)
                        on:change=move |ev| edit(BillingEdit::BulkAdders(event_target_checked(&ev))) />
                    " Domestic PPAC, surcharges and tax on the bulk bill"
                </label>
            </Show>
        </fieldset>
    }
}
