//! What a run reports: the models, their energy flows, bills with line items, and the members.

use serde::{Deserialize, Serialize};

use crate::coordinator::SolverStats;
use crate::metrics::SettlementReport;

use super::RunSeries;

/// The models Gridshare compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// Every home alone with the grid (local battery rule).
    None,
    /// Bill Sharing on the homes' own net energy.
    Bs,
    /// Mid-Market Rate on the homes' own net energy.
    Mmr,
    /// Supply-Demand Ratio on the homes' own net energy.
    Sdr,
    /// Cloud-P2P: coordinated batteries and flexible load, SDR bills, MLA settlement.
    Cloud,
}

impl Model {
    /// Every model, in display order.
    pub const ALL: [Model; 5] = [Model::None, Model::Bs, Model::Mmr, Model::Sdr, Model::Cloud];

    /// Short machine name.
    pub fn key(self) -> &'static str {
        match self {
            Model::None => "none",
            Model::Bs => "bs",
            Model::Mmr => "mmr",
            Model::Sdr => "sdr",
            Model::Cloud => "cloud",
        }
    }

    /// Human name.
    pub fn label(self) -> &'static str {
        match self {
            Model::None => "No sharing",
            Model::Bs => "Bill Sharing",
            Model::Mmr => "Mid-Market Rate",
            Model::Sdr => "Supply-Demand Ratio",
            Model::Cloud => "Cloud-P2P",
        }
    }
}

/// Energy flows under one model's behaviour.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EnergyReport {
    /// Load served or asked for, kWh.
    pub load_kwh: f64,
    /// PV output, kWh.
    pub pv_kwh: f64,
    /// Battery charge + discharge energy, kWh (ESS throughput).
    pub ess_throughput_kwh: f64,
    /// Grid import (after sharing where the model shares), kWh.
    pub grid_import_kwh: f64,
    /// Grid export, kWh.
    pub grid_export_kwh: f64,
    /// Energy traded between members, kWh.
    pub shared_kwh: f64,
    /// PV used locally (own home, or the community where it shares) / PV.
    pub self_consumption: Option<f64>,
    /// Load met by local PV and batteries / load.
    pub self_sufficiency: Option<f64>,
    /// Highest import through the transformer in one step (every member netted), kW.
    pub peak_import_kw: f64,
    /// Load not served during grid outages, kWh.
    pub energy_not_served_kwh: f64,
    /// Steps with some load not served.
    pub loss_of_load_hours: f64,
    /// Unserved energy valued at the value of lost load (VoLL) of its step, ₹.
    pub unserved_value: f64,
    /// Battery wear of every member's battery under this behaviour, ₹.
    #[serde(default)]
    pub battery_wear_cost: f64,
    /// Member-steps (grid up) in each p-MAS node class by import over the member's share of
    /// the transformer (underloaded … severely overloaded).
    pub load_class_counts: [u64; 5],
    /// The same counts month by month (index 0 = the run's first month).
    pub load_class_counts_by_month: Vec<[u64; 5]>,
}

/// One member's bill under one model, with its line items.
#[derive(Default, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberBill {
    /// Member id.
    pub member: String,
    /// Total bill, ₹ (> 0 pays).
    pub bill: f64,
    /// No-sharing bill, ₹.
    pub reference_bill: f64,
    /// reference − bill, ₹.
    pub savings: f64,
    /// Energy at the model's internal prices, ₹.
    pub energy_bill: f64,
    /// A fee paid to the aggregator directly, ₹ (0 under MLA: the aggregator's τ_c comes out
    /// of the pooled sharing value).
    pub aggregator_fee: f64,
    /// Contribution reward received by SCR (cloud-P2P), ₹.
    pub contribution_return: f64,
    /// Sharing contribution rate (cloud-P2P), share of the returned pot.
    pub sharing_contribution_rate: f64,
    /// Load not served to this member in grid outages, valued at the VoLL, ₹.
    pub unserved_value: f64,
    /// Energy bought (+) or sold (−) inside an islanded community at the island price, ₹
    /// (included in `bill`).
    #[serde(default)]
    pub island_trade: f64,
    /// Cloud-P2P: the member's gain at SDR prices (reference − energy bill) paid into the
    /// sharing pool, ₹ (included in `bill`).
    #[serde(default)]
    pub pooled_sharing_value: f64,
    /// Cloud-P2P: paid to the owner for the coordinator's use of its battery (its wear), ₹
    /// (deducted in `bill`).
    #[serde(default)]
    pub battery_use_payment: f64,
    /// Wear of the member's own battery, ₹ (a cost to the owner, not a bill line).
    #[serde(default)]
    pub battery_wear_cost: f64,
    /// bill + unserved value + battery wear: what the model costs this member, ₹.
    #[serde(default)]
    pub comparable_cost: f64,
    /// No sharing's comparable cost for this member, ₹.
    #[serde(default)]
    pub reference_cost: f64,
    /// Energy not served to this member, kWh.
    #[serde(default)]
    pub energy_not_served_kwh: f64,
    /// Hours in which some of this member's load was not served.
    #[serde(default)]
    pub loss_of_load_hours: f64,
}

/// Where cloud-P2P's cost advantage over no sharing comes from, ₹ (parts sum to `total`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GainSplit {
    /// What SDR settlement of the homes' own dispatch already saves (each home islanding
    /// alone): no sharing's comparable cost − that SDR's.
    pub netting: f64,
    /// What islanding as a community adds to SDR on the homes' own dispatch (0 when the
    /// community cannot island or the grid never fails).
    pub islanding: f64,
    /// What the coordinator's dispatch of batteries and flexible load adds over SDR, net of
    /// the aggregator's share.
    pub coordination: f64,
    /// No sharing's comparable cost − cloud-P2P's.
    pub total: f64,
    /// The aggregator's income, ₹ (already inside `coordination`).
    pub aggregator_share: f64,
}

/// The outcome of one model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelReport {
    /// Which model.
    pub model: Model,
    /// Σ member bills, ₹.
    pub community_bill: f64,
    /// Σ no-sharing bills, ₹.
    pub reference_bill: f64,
    /// reference − bill, ₹.
    pub savings: f64,
    /// savings / |reference|, %.
    pub savings_pct: Option<f64>,
    /// Saving of consumers (members without PV), % of their no-sharing cost (bills plus
    /// unserved energy at the retail price).
    pub consumer_savings_pct: Option<f64>,
    /// −Σ bills of prosumers (members with PV), ₹.
    pub prosumer_income: f64,
    /// Performance measure over the energy shared region; None when there is no potential.
    pub performance_measure: Option<f64>,
    /// What the aggregator keeps, ₹.
    pub aggregator_income: f64,
    /// The community's one-meter grid bill under this model's behaviour, ₹.
    pub grid_bill: f64,
    /// Community bill plus unserved energy valued at the VoLL (not paying for energy one did
    /// not get is no saving), ₹.
    pub cost_with_unserved: f64,
    /// The comparable cost: community bill + unserved energy at the VoLL + battery wear, ₹.
    /// Every model is ranked by it.
    #[serde(default)]
    pub comparable_cost: f64,
    /// Members whose comparable cost is higher than under no sharing.
    #[serde(default)]
    pub members_worse_off: usize,
    /// Cloud-P2P only: where its gain over no sharing comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gain_split: Option<GainSplit>,
    /// Cloud-P2P only, with a realistic forecast: its comparable cost minus what the same
    /// coordinator would cost with perfect foresight, ₹ (the value of perfect information).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_of_perfect_information: Option<f64>,
    /// Energy flows.
    pub energy: EnergyReport,
    /// The transformer's view: peaks, hours over the rating, loading classes.
    #[serde(default)]
    pub peaks: super::PeakReport,
    /// Per-member bills.
    pub members: Vec<MemberBill>,
    /// Real bills per member and period with their line items (retail tariffs only); then
    /// every bill above is the sum of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<super::BillingReport>,
}

/// What a member has (for tables and editing).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberInfo {
    /// Member id.
    pub id: String,
    /// Archetype.
    pub archetype: crate::community::Archetype,
    /// Rooftop PV, kWp.
    pub pv_kwp: f64,
    /// Battery capacity, kWh (0 = none).
    pub battery_kwh: f64,
    /// Share of daily load that may move.
    pub flexible_share: f64,
    /// Whether it takes part in sharing.
    pub participates: bool,
}

/// The outcome of a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The scenario's name.
    pub scenario: String,
    /// Member ids in order.
    pub member_ids: Vec<String>,
    /// What each member has.
    pub members: Vec<MemberInfo>,
    /// The five models, in [`Model::ALL`] order (four when the run left cloud-P2P out).
    pub models: Vec<ModelReport>,
    /// The coordinator's solver statistics.
    pub solver: SolverStats,
    /// V_max of the performance measure: −(perfect-foresight optimal one-meter bill), ₹; `None`
    /// when the run left it out ([`RunOptions::performance_measure`]).
    pub best_possible_income: Option<f64>,
    /// How the homes ran their batteries alone (no sharing; the dispatch BS, MMR and SDR settle).
    #[serde(default)]
    pub baseline: crate::accounting::Baseline,
    /// Detailed settlement of the four rules on the homes' own net energy.
    pub settlement: SettlementReport,
    /// Community time series of every behaviour.
    pub series: RunSeries,
}

impl RunReport {
    /// The report of one model.
    pub fn model(&self, model: Model) -> Option<&ModelReport> {
        self.models.iter().find(|m| m.model == model)
    }
}
