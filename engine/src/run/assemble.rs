//! The report assembled from a finished simulation: member bills per model with their line
//! items, comparable costs (bill + unserved energy at the VoLL + battery wear) counted the same
//! way for every model, the consumer/prosumer split, the performance measure and cloud-P2P's
//! gain split.

use crate::community::Member;
use crate::market::{GridPrices, RuleId};

use super::mla::mla_settlement;
use super::real_bills::{self, BillingReport};
use super::simulate::{Closed, Outcome};
use super::{
    EnergyReport, GainSplit, MemberBill, MemberInfo, Model, ModelReport, RunReport, RunSeries,
};

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
        mut alone,
        mut shared,
        mut cloud,
        oracle,
        best_bill,
        solver,
        baseline,
    } = outcome;
    let shared_ref = shared.as_ref().unwrap_or(&alone);
    let reference_bills: Vec<f64> =
        energy_bills(&alone, RuleId::None).unwrap_or_else(|| vec![0.0; ids.len()]);
    let mut models = Vec::new();
    for (model, rule) in [
        (Model::None, RuleId::None),
        (Model::Bs, RuleId::Bs),
        (Model::Mmr, RuleId::Mmr),
        (Model::Sdr, RuleId::Sdr),
    ] {
        let behaviour = if model == Model::None {
            &alone
        } else {
            shared_ref
        };
        if let Some(energy) = energy_bills(behaviour, rule) {
            let bills = rule_bills(
                &energy,
                behaviour,
                &reference_bills,
                &ids,
                model != Model::None,
            );
            let grid_bill = if behaviour.meters.is_some() {
                energy.iter().sum()
            } else {
                let r = behaviour.settlement.rule(rule);
                r.map_or(0.0, |r| {
                    if model == Model::None {
                        r.reference_bill
                    } else {
                        r.community_bill
                    }
                })
            };
            models.push(model_report(model, bills, behaviour, grid_bill, 0.0));
        }
    }
    let sdr_alone_cost = energy_bills(&alone, RuleId::Sdr).map(|energy| {
        let bills = rule_bills(&energy, &alone, &reference_bills, &ids, true);
        model_report(Model::Sdr, bills, &alone, 0.0, 0.0)
    });
    let cloud_model = |c: &Closed| {
        let energy = energy_bills(c, RuleId::Sdr)?;
        let (bills, income) = mla_settlement(
            &energy,
            &c.settlement,
            &reference_bills,
            &c.ledger,
            &ids,
            cx.aggregator_return,
        );
        Some(model_report(
            Model::Cloud,
            bills,
            c,
            energy.iter().sum(),
            income,
        ))
    };
    let perfect_cost = oracle
        .as_ref()
        .and_then(cloud_model)
        .map(|m| m.comparable_cost);
    if let Some(mut m) = cloud.as_ref().and_then(cloud_model) {
        m.value_of_perfect_information = perfect_cost.map(|p| m.comparable_cost - p);
        models.push(m);
    }
    attach_bills(&mut models, &mut alone, shared.as_mut(), cloud.as_mut());
    compare_with_reference(&mut models, cx.members);
    performance_measures(&mut models, best_bill);
    if let Some(sdr_alone) = sdr_alone_cost {
        gain_split(&mut models, &sdr_alone);
    }
    RunReport {
        scenario: cx.name.to_string(),
        members: cx.members.iter().map(member_info).collect(),
        member_ids: ids,
        models,
        solver,
        best_possible_income: best_bill.is_finite().then_some(-best_bill),
        baseline,
        series: RunSeries {
            buy_per_kwh: cx.prices.iter().map(|p| p.buy_per_kwh as f32).collect(),
            sell_per_kwh: cx.prices.iter().map(|p| p.sell_per_kwh as f32).collect(),
            alone_import_kw: alone.series.import_kw.clone(),
            alone_export_kw: alone.series.export_kw.clone(),
            local: shared
                .as_ref()
                .map_or_else(|| alone.series.clone(), |s| s.series.clone()),
            cloud: cloud.map(|c| c.series),
        },
        settlement: shared.map_or(alone.settlement, |s| s.settlement),
    }
}

/// Each member's energy bill under `rule` on a behaviour: the sum of its real period bills with
/// a retail tariff, else the per-step settlement's bill.
fn energy_bills(behaviour: &Closed, rule: RuleId) -> Option<Vec<f64>> {
    match &behaviour.meters {
        Some(meters) => {
            let index = match rule {
                RuleId::None => None,
                other => Some(meters.rule_index(other)?),
            };
            Some(real_bills::member_totals(real_bills::rule_bills(
                meters, index,
            )))
        }
        None => behaviour
            .settlement
            .rule(rule)
            .map(|r| r.members.iter().map(|m| m.bill).collect()),
    }
}

/// Move each model's real bills out of its behaviour's meters into its report.
fn attach_bills(
    models: &mut [ModelReport],
    alone: &mut Closed,
    shared: Option<&mut Closed>,
    cloud: Option<&mut Closed>,
) {
    let take = |models: &mut [ModelReport], model: Model, behaviour: &mut Closed, rule: RuleId| {
        if let Some(m) = models.iter_mut().find(|m| m.model == model) {
            m.billing = real_bills(behaviour, rule);
        }
    };
    take(models, Model::None, alone, RuleId::None);
    let local = match shared {
        Some(s) => s,
        None => alone,
    };
    for (model, rule) in [
        (Model::Bs, RuleId::Bs),
        (Model::Mmr, RuleId::Mmr),
        (Model::Sdr, RuleId::Sdr),
    ] {
        take(models, model, local, rule);
    }
    if let Some(c) = cloud {
        take(models, Model::Cloud, c, RuleId::Sdr);
    }
}

/// The real-bill report of `rule` on a behaviour, its bills moved out (retail tariffs only).
fn real_bills(behaviour: &mut Closed, rule: RuleId) -> Option<BillingReport> {
    let meters = behaviour.meters.as_mut()?;
    let index = match rule {
        RuleId::None => None,
        other => Some(meters.rule_index(other)?),
    };
    let labels = meters.labels();
    let bills = std::mem::take(real_bills::rule_bills_mut(meters, index));
    let (tariff, sharing) = meters.tariffs();
    let regime = if rule == RuleId::None {
        tariff.metering.regime
    } else {
        sharing
    };
    Some(real_bills::billing_report(
        tariff,
        regime,
        &labels,
        bills,
        meters.single_point(),
    ))
}

/// A settlement rule's member bills on a behaviour, with island trades where it shares.
fn rule_bills(
    energy: &[f64],
    behaviour: &Closed,
    reference_bills: &[f64],
    ids: &[String],
    shares: bool,
) -> Vec<MemberBill> {
    ids.iter()
        .enumerate()
        .map(|(k, id)| {
            let island_trade = if shares {
                behaviour.ledger.island_trade[k]
            } else {
                0.0
            };
            let bill = energy[k] + island_trade;
            MemberBill {
                member: id.clone(),
                bill,
                reference_bill: reference_bills[k],
                savings: reference_bills[k] - bill,
                energy_bill: energy[k],
                island_trade,
                ..MemberBill::default()
            }
        })
        .collect()
}

/// One model's totals from its member bills and its behaviour's ledger.
fn model_report(
    model: Model,
    mut members: Vec<MemberBill>,
    behaviour: &Closed,
    grid_bill: f64,
    aggregator_income: f64,
) -> ModelReport {
    let l = &behaviour.ledger;
    for (k, b) in members.iter_mut().enumerate() {
        b.unserved_value = l.unserved_value[k];
        b.battery_wear_cost = l.wear_cost[k];
        b.energy_not_served_kwh = l.unserved_kwh[k];
        b.loss_of_load_hours = l.loss_of_load_hours[k];
        b.comparable_cost = b.bill + b.unserved_value + b.battery_wear_cost;
    }
    let community_bill: f64 = members.iter().map(|m| m.bill).sum();
    let reference_bill: f64 = members.iter().map(|m| m.reference_bill).sum();
    let savings = reference_bill - community_bill;
    let energy: EnergyReport = behaviour.energy.clone();
    ModelReport {
        model,
        community_bill,
        reference_bill,
        savings,
        savings_pct: (reference_bill.abs() > 0.0).then(|| 100.0 * savings / reference_bill.abs()),
        consumer_savings_pct: None,
        prosumer_income: 0.0,
        performance_measure: None,
        aggregator_income,
        grid_bill,
        cost_with_unserved: community_bill + energy.unserved_value,
        comparable_cost: community_bill + energy.unserved_value + energy.battery_wear_cost,
        members_worse_off: 0,
        gain_split: None,
        value_of_perfect_information: None,
        energy,
        peaks: behaviour.peaks.clone(),
        members,
        billing: None,
    }
}

/// Each member against its no-sharing cost; consumers and prosumers by what they own (PV), the
/// same split for every model, consumer savings on comparable costs.
fn compare_with_reference(models: &mut [ModelReport], members: &[Member]) {
    let Some(reference): Option<Vec<f64>> = models
        .first()
        .map(|m| m.members.iter().map(|b| b.comparable_cost).collect())
    else {
        return;
    };
    for m in models {
        let (mut consumer_ref, mut consumer_cost, mut prosumer_income) = (0.0, 0.0, 0.0);
        m.members_worse_off = 0;
        for ((b, member), r) in m.members.iter_mut().zip(members).zip(&reference) {
            b.reference_cost = *r;
            if b.comparable_cost > r + 0.005 {
                m.members_worse_off += 1;
            }
            if member.pv_kwp > 0.0 {
                prosumer_income -= b.bill;
            } else {
                consumer_ref += r;
                consumer_cost += b.comparable_cost;
            }
        }
        m.consumer_savings_pct =
            (consumer_ref > 0.0).then(|| 100.0 * (consumer_ref - consumer_cost) / consumer_ref);
        m.prosumer_income = prosumer_income;
    }
}

/// PM over the energy shared region, on comparable costs: (C_ref − C) / (C_ref − C_best).
fn performance_measures(models: &mut [ModelReport], best_cost: f64) {
    let reference_cost = models.first().map_or(0.0, |m| m.comparable_cost);
    let span = reference_cost - best_cost;
    for m in models {
        m.performance_measure = (span.abs() > 1e-9 && span.is_finite())
            .then(|| (reference_cost - m.comparable_cost) / span);
    }
}

/// Cloud-P2P's gain over no sharing in three parts that add up by construction: netting (SDR
/// on the homes' own dispatch, islanding alone), islanding (the same with the community
/// islanding together) and coordination (cloud-P2P's dispatch and MLA over that).
fn gain_split(models: &mut [ModelReport], sdr_alone: &ModelReport) {
    let cost = |models: &[ModelReport], model: Model| {
        models
            .iter()
            .find(|m| m.model == model)
            .map(|m| m.comparable_cost)
    };
    let (Some(none), Some(sdr), Some(cloud)) = (
        cost(models, Model::None),
        cost(models, Model::Sdr),
        cost(models, Model::Cloud),
    ) else {
        return;
    };
    let sdr_alone = sdr_alone.comparable_cost;
    if let Some(c) = models.iter_mut().find(|m| m.model == Model::Cloud) {
        c.gain_split = Some(GainSplit {
            netting: none - sdr_alone,
            islanding: sdr_alone - sdr,
            coordination: sdr - cloud,
            total: none - cloud,
            aggregator_share: c.aggregator_income,
        });
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
