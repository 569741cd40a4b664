//! MLA bill settlement of cloud-P2P (MODEL.md §4). Members' energy is billed at SDR prices on
//! the coordinated net energy (plus island trades); with a retail tariff, each member's real
//! bills with SDR-priced P2P units. The sharing value V = Σ reference bills −
//! Σ energy bills (= the grid bill's saving) is pooled: each member pays its own gain into the
//! pool, the aggregator keeps τ_c·V, battery owners are paid for the wear the coordinator put on
//! their batteries, and the rest is returned by the Sharing Contribution Rate (whose shares
//! add up to 1 − τ_c). So Σ bills = grid bill + τ_c·V exactly. When V ≤ 0 or nobody
//! contributed, nothing is pooled or taken and members pay their energy bills.

use crate::metrics::SettlementReport;

use super::ledger::Ledger;
use super::MemberBill;

/// Cloud-P2P's member bills and the aggregator's income, ₹.
pub(super) fn mla_settlement(
    sdr_bills: &[f64],
    cloud: &SettlementReport,
    reference_bills: &[f64],
    ledger: &Ledger,
    ids: &[String],
    tau: f64,
) -> (Vec<MemberBill>, f64) {
    let energy: Vec<f64> = sdr_bills
        .iter()
        .zip(&ledger.island_trade)
        .map(|(bill, island)| bill + island)
        .collect();
    let scr: Vec<f64> = (0..ids.len())
        .map(|k| {
            cloud
                .contributions
                .get(k)
                .map_or(0.0, |c| c.sharing_contribution_rate)
        })
        .collect();
    let value: f64 = reference_bills.iter().sum::<f64>() - energy.iter().sum::<f64>();
    let pooled = value > 0.0 && scr.iter().sum::<f64>() > 0.0;
    let payments: Vec<f64> = if pooled {
        ledger.wear_cost.clone()
    } else {
        vec![0.0; ids.len()]
    };
    // What is returned by SCR: (1 − τ_c)·V less the battery-use payments, spread by SCR/(1 − τ_c).
    let returned = (1.0 - tau) * value - payments.iter().sum::<f64>();
    let bills = ids
        .iter()
        .enumerate()
        .map(|(k, id)| {
            let (pool_in, contribution_return) = if pooled {
                (
                    reference_bills[k] - energy[k],
                    scr[k] / (1.0 - tau) * returned,
                )
            } else {
                (0.0, 0.0)
            };
            let bill = energy[k] + pool_in - payments[k] - contribution_return;
            MemberBill {
                member: id.clone(),
                bill,
                reference_bill: reference_bills[k],
                savings: reference_bills[k] - bill,
                energy_bill: sdr_bills[k],
                contribution_return,
                sharing_contribution_rate: scr[k],
                island_trade: ledger.island_trade[k],
                pooled_sharing_value: pool_in,
                battery_use_payment: payments[k],
                ..MemberBill::default()
            }
        })
        .collect();
    (bills, if pooled { tau * value } else { 0.0 })
}
