//! The report assembled from a finished simulation: one [`ModelReport`] per model with the same
//! consumer/prosumer split and comparable costs for all of them, and the performance measure.

use crate::community::Member;
use crate::market::RuleId;
use crate::metrics::RuleReport;

use super::mla::mla_settlement;
use super::simulate::Outcome;
use super::{EnergyReport, MemberBill, MemberInfo, Model, ModelReport, RunReport, RunSeries};
use crate::market::GridPrices;

/// Everything the report needs besides the simulation's outcome.
pub(super) struct Context<'a> {
    pub name: &'a str,
    pub members: &'a [Member],
    pub prices: &'a [GridPrices],
    pub aggregator_return: f64,
}

pub(super) fn report(cx: &Context<'_>, outcome: Outcome) -> RunReport {
    let ids: Vec<String> = cx.members.iter().map(|m| m.id.clone()).collect();
    let Outcome {
        local,
        cloud,
        alone: (alone, alone_series),
        shared: (shared, shared_series),
        cloud_flows,
        unserved_alone,
        unserved_cloud,
        best_bill,
        solver,
    } = outcome;
    let reference = local.rule(RuleId::None).map_or(0.0, |r| r.reference_bill);
    let potential = reference - best_bill;
    let mut models = settlement_models(&local, &ids, &alone, &shared, potential);
    let mut cloud_series = None;
    if let (Some(cloud), Some((cloud_energy, flows))) = (&cloud, cloud_flows) {
        cloud_series = Some(flows);
        if let (Some(sdr), Some(none)) = (cloud.rule(RuleId::Sdr), local.rule(RuleId::None)) {
            let mut cloud_model = mla_settlement(
                sdr,
                none,
                cloud,
                &ids,
                cloud_energy,
                potential,
                cx.aggregator_return,
            );
            cloud_model.grid_bill = sdr.community_bill;
            models.push(cloud_model);
        }
    }
    split_by_ownership(&mut models, cx.members, &unserved_alone, &unserved_cloud);
    performance_measures(&mut models, best_bill);
    RunReport {
        scenario: cx.name.to_string(),
        members: cx.members.iter().map(member_info).collect(),
        member_ids: ids,
        models,
        solver,
        best_possible_income: best_bill.is_finite().then_some(-best_bill),
        settlement: local,
        series: RunSeries {
            buy_per_kwh: cx.prices.iter().map(|p| p.buy_per_kwh as f32).collect(),
            sell_per_kwh: cx.prices.iter().map(|p| p.sell_per_kwh as f32).collect(),
            alone_import_kw: alone_series.import_kw,
            alone_export_kw: alone_series.export_kw,
            local: shared_series,
            cloud: cloud_series,
        },
    }
}

/// No sharing, BS, MMR and SDR on the homes' own behaviour.
fn settlement_models(
    local: &crate::metrics::SettlementReport,
    ids: &[String],
    alone: &EnergyReport,
    shared: &EnergyReport,
    potential: f64,
) -> Vec<ModelReport> {
    let mut models = Vec::new();
    for (model, rule) in [
        (Model::None, RuleId::None),
        (Model::Bs, RuleId::Bs),
        (Model::Mmr, RuleId::Mmr),
        (Model::Sdr, RuleId::Sdr),
    ] {
        if let Some(r) = local.rule(rule) {
            // Budget-balanced rules bill exactly the one-meter bill (plus outsiders' own bills).
            let (energy, grid_bill) = if model == Model::None {
                (alone.clone(), r.reference_bill)
            } else {
                (shared.clone(), r.community_bill)
            };
            models.push(model_report(model, r, ids, energy, potential, grid_bill));
        }
    }
    models
}

fn model_report(
    model: Model,
    rule: &RuleReport,
    ids: &[String],
    energy: EnergyReport,
    potential: f64,
    grid_bill: f64,
) -> ModelReport {
    let savings = rule.reference_bill - rule.community_bill;
    ModelReport {
        model,
        community_bill: rule.community_bill,
        reference_bill: rule.reference_bill,
        savings,
        savings_pct: rule.savings_pct,
        consumer_savings_pct: rule.consumer_savings_pct,
        prosumer_income: rule.prosumer_income,
        performance_measure: (potential.abs() > 1e-9).then(|| savings / potential),
        aggregator_income: 0.0,
        grid_bill,
        cost_with_unserved: rule.community_bill + energy.unserved_value,
        energy,
        members: ids
            .iter()
            .zip(&rule.members)
            .map(|(id, m)| MemberBill {
                member: id.clone(),
                bill: m.bill,
                reference_bill: m.reference_bill,
                savings: m.savings,
                energy_bill: m.bill,
                aggregator_fee: 0.0,
                contribution_return: 0.0,
                sharing_contribution_rate: 0.0,
                unserved_value: 0.0,
            })
            .collect(),
    }
}

/// Consumers and prosumers by what they own (PV), the same split for every model. Consumer
/// savings compare costs with unserved energy valued, like PM.
fn split_by_ownership(
    models: &mut [ModelReport],
    members: &[Member],
    unserved_alone: &[f64],
    unserved_cloud: &[f64],
) {
    let has_pv: Vec<bool> = members.iter().map(|m| m.pv_kwp > 0.0).collect();
    for m in models {
        let unserved = if m.model == Model::Cloud {
            unserved_cloud
        } else {
            unserved_alone
        };
        for (b, u) in m.members.iter_mut().zip(unserved) {
            b.unserved_value = *u;
        }
        let (mut consumer_ref, mut consumer_cost, mut prosumer_income) = (0.0, 0.0, 0.0);
        for ((b, pv), u_ref) in m.members.iter().zip(&has_pv).zip(unserved_alone) {
            if *pv {
                prosumer_income -= b.bill;
            } else {
                consumer_ref += b.reference_bill + u_ref;
                consumer_cost += b.bill + b.unserved_value;
            }
        }
        m.consumer_savings_pct =
            (consumer_ref > 0.0).then(|| 100.0 * (consumer_ref - consumer_cost) / consumer_ref);
        m.prosumer_income = prosumer_income;
    }
}

/// PM over the energy shared region, on comparable costs: (C_ref − C) / (C_ref − C_best).
fn performance_measures(models: &mut [ModelReport], best_bill: f64) {
    let reference_cost = models.first().map_or(0.0, |m| m.cost_with_unserved);
    let span = reference_cost - best_bill;
    for m in models {
        m.performance_measure = (span.abs() > 1e-9 && span.is_finite())
            .then(|| (reference_cost - m.cost_with_unserved) / span);
    }
}

fn member_info(m: &Member) -> MemberInfo {
    MemberInfo {
        id: m.id.clone(),
        archetype: m.archetype,
        pv_kwp: m.pv_kwp,
        battery_kwh: m.battery.map_or(0.0, |b| b.capacity_kwh),
        flexible_share: m.flexible_share,
        participates: m.participates,
    }
}
