//! MLA bill settlement of cloud-P2P: SDR energy bills on the coordinated net energy, the
//! aggregator's share and its return by the Sharing Contribution Rate.

use crate::metrics::{RuleReport, SettlementReport};

use super::{EnergyReport, MemberBill, Model, ModelReport};

/// MLA bill settlement: SDR energy bills on the coordinated net energy; the aggregator takes τ_c
/// of each member's gain over no sharing and returns (1 − τ_c) of that pot by SCR.
pub(super) fn mla_settlement(
    sdr: &RuleReport,
    none: &RuleReport,
    cloud: &SettlementReport,
    ids: &[String],
    energy: EnergyReport,
    potential: f64,
    tau: f64,
) -> ModelReport {
    let fees: Vec<f64> = sdr
        .members
        .iter()
        .zip(&none.members)
        .map(|(m, r)| tau * (r.reference_bill - m.bill).max(0.0))
        .collect();
    let pot: f64 = fees.iter().sum();
    let members: Vec<MemberBill> = ids
        .iter()
        .enumerate()
        .map(|(k, id)| {
            let scr = cloud
                .contributions
                .get(k)
                .map_or(0.0, |c| c.sharing_contribution_rate);
            let energy_bill = sdr.members[k].bill;
            let reference_bill = none.members[k].reference_bill;
            let bill = energy_bill + fees[k] - scr * pot;
            MemberBill {
                member: id.clone(),
                bill,
                reference_bill,
                savings: reference_bill - bill,
                energy_bill,
                aggregator_fee: fees[k],
                contribution_return: scr * pot,
                sharing_contribution_rate: scr,
                unserved_value: 0.0,
            }
        })
        .collect();
    let community_bill: f64 = members.iter().map(|m| m.bill).sum();
    let reference_bill: f64 = members.iter().map(|m| m.reference_bill).sum();
    let savings = reference_bill - community_bill;
    let exports: Vec<bool> = sdr.members.iter().map(|m| m.export_kwh > 0.0).collect();
    let (mut consumer_ref, mut consumer_bill, mut prosumer_income) = (0.0, 0.0, 0.0);
    for (m, exports) in members.iter().zip(&exports) {
        if *exports {
            prosumer_income -= m.bill;
        } else {
            consumer_ref += m.reference_bill;
            consumer_bill += m.bill;
        }
    }
    ModelReport {
        model: Model::Cloud,
        community_bill,
        reference_bill,
        savings,
        savings_pct: (reference_bill.abs() > 0.0).then(|| 100.0 * savings / reference_bill.abs()),
        consumer_savings_pct: (consumer_ref > 0.0)
            .then(|| 100.0 * (consumer_ref - consumer_bill) / consumer_ref),
        prosumer_income,
        performance_measure: (potential.abs() > 1e-9).then(|| savings / potential),
        aggregator_income: pot - members.iter().map(|m| m.contribution_return).sum::<f64>(),
        grid_bill: 0.0,
        cost_with_unserved: community_bill + energy.unserved_value,
        energy,
        members,
    }
}
