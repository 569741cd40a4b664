//! Metrics of a settled run: bills, savings, shared energy, price positions, PM, SCR.

use serde::{Deserialize, Serialize};

use crate::market::{BillingHorizon, InternalPrices, RuleId};
use crate::settle::{Settler, StepSummary};
use crate::time_axis::TimeAxis;

/// Below this many ₹ of sharing potential, PM is reported as "n/a".
const PM_MIN_POTENTIAL: f64 = 1e-9;

/// One member's outcome under one rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberResult {
    /// Energy the member needed from others or the grid, kWh.
    pub import_kwh: f64,
    /// Surplus the member offered, kWh.
    pub export_kwh: f64,
    /// What the member pays under this rule (negative = is paid), ₹.
    pub bill: f64,
    /// What the member would pay alone with the grid, ₹.
    pub reference_bill: f64,
    /// reference_bill − bill, ₹.
    pub savings: f64,
    /// Share of the grid spread captured on purchases: 0 = retail price, 1 = feed-in price.
    pub price_position_buy: Option<f64>,
    /// Share of the grid spread captured on sales: 0 = feed-in price, 1 = retail price.
    pub price_position_sell: Option<f64>,
}

/// Community outcome under one rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleReport {
    /// Which rule.
    pub rule: RuleId,
    /// Billing horizon the rule pooled over.
    pub horizon: BillingHorizon,
    /// Σ bills, ₹.
    pub community_bill: f64,
    /// Σ no-sharing bills, ₹.
    pub reference_bill: f64,
    /// reference − bill, ₹.
    pub savings: f64,
    /// savings / |reference| (None when the reference is 0).
    pub savings_pct: Option<f64>,
    /// Savings of members that never export, as a % of their no-sharing bill.
    pub consumer_savings_pct: Option<f64>,
    /// −Σ bills of members that export at some step, ₹ (positive = net income).
    pub prosumer_income: f64,
    /// Performance measure over the energy shared region; None ("n/a") without sharing potential.
    pub performance_measure: Option<f64>,
    /// Energy-weighted mean internal buy price, ₹/kWh.
    pub mean_buy_price_per_kwh: Option<f64>,
    /// Energy-weighted mean internal sell price, ₹/kWh.
    pub mean_sell_price_per_kwh: Option<f64>,
    /// Per-member outcomes, in member order.
    pub members: Vec<MemberResult>,
    /// Internal prices in force at each step (BS: the horizon's pooled prices).
    #[serde(skip)]
    pub prices_by_step: Vec<InternalPrices>,
}

/// Energy flows of the community, the same under every rule for fixed net energy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CommunityEnergy {
    /// Σ TBP, kWh.
    pub buyers_kwh: f64,
    /// Σ TSP, kWh.
    pub sellers_kwh: f64,
    /// Σ min(TBP, TSP): energy traded between members, kWh.
    pub shared_kwh: f64,
    /// Community import from the grid, kWh.
    pub grid_import_kwh: f64,
    /// Community export to the grid, kWh.
    pub grid_export_kwh: f64,
    /// Highest community import in one step, kW.
    pub peak_import_kw: f64,
    /// One-meter grid bill of the sharing members Σ λ_buy·import − λ_sell·export, ₹
    /// (members who do not take part settle alone and are not in it).
    pub grid_bill: f64,
    /// Share of members' surplus used by other members (net-energy self-consumption).
    pub surplus_shared_share: Option<f64>,
    /// Share of members' net demand met by other members (net-energy self-sufficiency).
    pub demand_shared_share: Option<f64>,
}

/// A member's sharing contribution (rule-independent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// Surplus supplied to other members, kWh (CU summed over steps).
    pub contributed_kwh: f64,
    /// Sharing contribution rate SCR = (1 − τ_c) · CU / Σ CU.
    pub sharing_contribution_rate: f64,
}

/// Everything a settlement run produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SettlementReport {
    /// The run's time axis.
    pub axis: TimeAxis,
    /// Number of members.
    pub members: usize,
    /// Aggregator's return τ_c used for SCR.
    pub aggregator_return: f64,
    /// Energy flows.
    pub community: CommunityEnergy,
    /// One report per rule, in the order settled.
    pub rules: Vec<RuleReport>,
    /// Per-member contributions.
    pub contributions: Vec<Contribution>,
    /// Per-step community totals.
    #[serde(skip)]
    pub steps: Vec<StepSummary>,
}

impl SettlementReport {
    /// The report of one rule, if it was settled.
    pub fn rule(&self, rule: RuleId) -> Option<&RuleReport> {
        self.rules.iter().find(|r| r.rule == rule)
    }
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den.abs() > 0.0).then(|| num / den)
}

pub(crate) fn build_report(settler: Settler, aggregator_return: f64) -> SettlementReport {
    let axis = settler.axis();
    let members = settler.members();
    let t = &settler.totals;
    let steps = &settler.steps;

    let mut community = CommunityEnergy::default();
    for s in steps {
        community.buyers_kwh += s.buyers_kwh;
        community.sellers_kwh += s.sellers_kwh;
        community.shared_kwh += s.shared_kwh;
        community.grid_import_kwh += s.grid_import_kwh;
        community.grid_export_kwh += s.grid_export_kwh;
        community.grid_bill +=
            s.grid.buy_per_kwh * s.grid_import_kwh - s.grid.sell_per_kwh * s.grid_export_kwh;
        let import_kw = s.grid_import_kwh / axis.step_hours();
        if import_kw > community.peak_import_kw {
            community.peak_import_kw = import_kw;
        }
    }
    community.surplus_shared_share = ratio(community.shared_kwh, community.sellers_kwh);
    community.demand_shared_share = ratio(community.shared_kwh, community.buyers_kwh);

    let reference_bills: Vec<f64> = (0..members)
        .map(|k| t.grid_buy_cost[k] - t.grid_sell_revenue[k])
        .collect();
    let reference_total: f64 = reference_bills.iter().sum();
    let outsiders_reference: f64 = settler.outsiders.iter().map(|&k| reference_bills[k]).sum();
    // Fixed net energy: the best any rule can do is the participants' one-meter bill.
    let potential = reference_total - outsiders_reference - community.grid_bill;

    let rules = settler
        .runs
        .iter()
        .map(|run| {
            let member_results: Vec<MemberResult> = (0..members)
                .map(|k| {
                    let bill = run.buy_cost[k] - run.sell_revenue[k];
                    let reference_bill = reference_bills[k];
                    let buy_spread = t.grid_buy_cost[k] - t.import_at_sell_price[k];
                    let sell_spread = t.export_at_buy_price[k] - t.grid_sell_revenue[k];
                    MemberResult {
                        import_kwh: t.import_kwh[k],
                        export_kwh: t.export_kwh[k],
                        bill,
                        reference_bill,
                        savings: reference_bill - bill,
                        price_position_buy: (buy_spread > 0.0)
                            .then(|| (t.grid_buy_cost[k] - run.buy_cost[k]) / buy_spread),
                        price_position_sell: (sell_spread > 0.0)
                            .then(|| (run.sell_revenue[k] - t.grid_sell_revenue[k]) / sell_spread),
                    }
                })
                .collect();
            let community_bill: f64 = member_results.iter().map(|m| m.bill).sum();
            let (mut consumer_ref, mut consumer_bill, mut prosumer_income) = (0.0, 0.0, 0.0);
            for m in &member_results {
                if m.export_kwh > 0.0 {
                    prosumer_income -= m.bill;
                } else {
                    consumer_ref += m.reference_bill;
                    consumer_bill += m.bill;
                }
            }
            let savings = reference_total - community_bill;
            let bought: f64 = run.buy_cost.iter().sum();
            let sold: f64 = run.sell_revenue.iter().sum();
            RuleReport {
                rule: run.rule.id(),
                horizon: run.rule.horizon(),
                community_bill,
                reference_bill: reference_total,
                savings,
                savings_pct: ratio(100.0 * savings, reference_total.abs()),
                consumer_savings_pct: ratio(100.0 * (consumer_ref - consumer_bill), consumer_ref),
                prosumer_income,
                performance_measure: (potential.abs() > PM_MIN_POTENTIAL)
                    .then(|| savings / potential),
                mean_buy_price_per_kwh: ratio(bought, community.buyers_kwh),
                mean_sell_price_per_kwh: ratio(sold, community.sellers_kwh),
                members: member_results,
                prices_by_step: run.prices_by_step.clone(),
            }
        })
        .collect();

    let total_contribution: f64 = t.contributed_kwh.iter().sum();
    let contributions = t
        .contributed_kwh
        .iter()
        .map(|&cu| Contribution {
            contributed_kwh: cu,
            sharing_contribution_rate: ratio(cu, total_contribution)
                .map_or(0.0, |share| (1.0 - aggregator_return) * share),
        })
        .collect();

    SettlementReport {
        axis,
        members,
        aggregator_return,
        community,
        rules,
        contributions,
        steps: settler.steps.clone(),
    }
}
