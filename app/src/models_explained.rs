//! "How each model and metric works": every formula the page uses, in words.

use leptos::prelude::*;

/// The explanations box under the main screen.
#[component]
pub fn ModelsExplained() -> impl IntoView {
    view! {
        <details class="explain-box" data-testid="explain">
            <summary>"How each model and metric works"</summary>
            <dl>
                <dt>"Net energy, buyers and sellers"</dt>
                <dd>"NP = load − PV + battery charge − discharge. NP ≥ 0 buys, NP < 0 sells. TBP = Σ buyers' NP, TSP = Σ sellers' |NP|, SDR = TSP / TBP."</dd>
                <dt>"No sharing"</dt>
                <dd>"Each home alone: pays λ_buy for imports, earns λ_sell for exports; its battery serves only its own home — by the self-consumption rule, or (by default when prices vary in time) by a home EMS that optimises its own meter with the coordinator's forecast and wear. BS, MMR and SDR settle this same dispatch."</dd>
                <dt>"Bill Sharing (BS)"</dt>
                <dd>"The month's grid bill is split by import (c_im = Σλ_buy·import / ΣTBP) and export revenue by export (c_ex = Σλ_sell·export / ΣTSP). Shared energy is free, so sellers never beat the feed-in price."</dd>
                <dt>"Mid-Market Rate (MMR)"</dt>
                <dd>"Shared energy trades at mid = (λ_buy + λ_sell)/2; the unmatched rest at the grid price, on net quantities."</dd>
                <dt>"Supply-Demand Ratio (SDR)"</dt>
                <dd>"For SDR ≤ 1: Pr_sell = λ_sell·λ_buy / ((λ_buy − λ_sell)·SDR + λ_sell), Pr_buy = Pr_sell·SDR + λ_buy·(1 − SDR); above 1 both are λ_sell."</dd>
                <dt>"Cloud-P2P"</dt>
                <dd>"A coordinator re-plans every battery each step and the day's flexible load each midnight to minimise the community's grid cost and battery wear on a forecast (by default the last week's history), then bills by SDR. MLA pools the sharing value (reference bills − grid bill): the aggregator keeps exactly τ_c of it, pays battery owners for the wear it caused, and returns the rest by the sharing contribution rate."</dd>
                <dt>"Why BS, MMR and SDR cost the same in total"</dt>
                <dd>"For the same net energy, every budget-balanced rule saves exactly (λ_buy − λ_sell) × shared energy: the rules only decide who gets it. Only a change of behaviour — batteries and flexible load — changes the total."</dd>
                <dt>"Performance measure (PM)"</dt>
                <dd>"PM = (C_ref − C) / (C_ref − C_best): 0 is no sharing, 1 the best the community could do with perfect foresight."</dd>
                <dt>"Self-sufficiency"</dt>
                <dd>"Load met by local PV and batteries (directly or through neighbours) ÷ load."</dd>
                <dt>"ESS throughput"</dt>
                <dd>"Battery charge + discharge energy over the year."</dd>
                <dt>"Comparable cost"</dt>
                <dd>"Bills + energy not served × VoLL + battery wear. Bills alone would reward not serving load in outages and hide what cycling a battery costs its owner."</dd>
                <dt>"p-MAS peak coordination"</dt>
                <dd>"The community class is the transformer's loading against 0.25, 0.5, 0.8 and 1.0 of its rating; each node's class is its import against its share of the rating (by sanctioned load). The planner holds import ≤ min(rating, the highest the homes reached alone so far) with an exact penalty; agents correct in real time: defer overloaded nodes' flexible load, stop charging, discharge storage, and reconnect staggered right after an outage."</dd>
                <dt>"Real bills (Indian retail tariffs)"</dt>
            <dd>"With a state's residential tariff each member gets a bill per billing period, in the tariff's order: energy by slab on the period's units (telescopic or all-units), time of day, the fixed charge, ₹/kWh adders, percentage adders and duty, the state's subsidy (paid by the state, shown as its own line), then the metering regime's export credit. P2P energy bought and sold and the platform's transaction charge are lines of their own; under net metering a surplus is banked to the year end and paid at the APPC. The steps are priced at each member's marginal slab price; the true-up is what only the period's totals can settle."</dd>
            <dt>"Islanding"</dt>
                <dd>"In an outage a community that can island (isolation switch, grid-forming inverters) pools its PV and batteries under BS, MMR, SDR and cloud-P2P alike; trades inside the island are paid at the island price. PV without a hybrid inverter stops (anti-islanding protection); by default members with a battery have one."</dd>
            </dl>
        </details>
    }
}
