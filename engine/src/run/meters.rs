//! Each member's DISCOM meter under real bills, stepped with a behaviour and closed into a bill
//! per billing period (docs/BILLS.md).
//!
//! Two views of one dispatch: `solo` (no sharing: the meter sees the member's whole net
//! exchange) and `shared` (sharing members' exchange is first matched pro rata with each other,
//! as SDR's market does — sellers' surplus covers TSP/TBP of every buyer's need, or buyers take
//! TBP/TSP of every seller's surplus — and only the rest crosses the DISCOM meter). The
//! DISCOM units are the same under BS, MMR and SDR; the rules differ only in the price of the
//! P2P units, set each step from the rule's internal prices on the members' marginal retail
//! prices (the slab each is in so far) and the regime's export value.

use crate::billing::{
    billing_periods, BillLine, BillingSettings, Connection, Party, PeriodBill, PeriodSpan,
    PeriodUsage, Pricer, Readings, RetailTariff,
};
use crate::community::Member;
use crate::coordinator::MemberStep;
use crate::market::{GridPrices, HorizonMarket, RuleId, SettlementRule};

use super::bulk_meter::{BulkMeter, SinglePointReport};
use super::flows::At;

/// One member-period's bill with what the per-step settlement knew.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MemberPeriodBill {
    /// The bill's lines and totals.
    #[serde(flatten)]
    pub bill: PeriodBill,
    /// P2P units bought, kWh.
    pub p2p_bought_kwh: f64,
    /// P2P units sold, kWh.
    pub p2p_sold_kwh: f64,
    /// The DISCOM part as the steps priced it (units × marginal price, exports × export
    /// value), ₹.
    pub provisional: f64,
    /// The DISCOM part of the bill minus `provisional`: what only the period's totals could
    /// settle (fixed charge, slab edges, subsidy, netting), ₹.
    pub true_up: f64,
}

/// Running totals of one member in one view for the open period.
#[derive(Clone, Debug, Default)]
struct Meter {
    readings: Readings,
    import_kwh: f64,
    export_kwh: f64,
    pv_kwh: f64,
    bank_kwh: f64,
    provisional: f64,
    bought_kwh: f64,
    sold_kwh: f64,
    /// The slab band the last price came from (reset with each period's scaled limits).
    band: crate::billing::RateBand,
}

impl Meter {
    fn new(blocks: usize) -> Self {
        Self {
            readings: Readings {
                import_kwh: vec![0.0; blocks],
                export_kwh: vec![0.0; blocks],
                pv_kwh: vec![0.0; blocks],
            },
            ..Self::default()
        }
    }

    /// Units billed so far this period under `tariff`'s regime (the slab position).
    fn units_so_far(&self, tariff: &RetailTariff) -> f64 {
        use crate::billing::Regime;
        match tariff.metering.regime {
            Regime::NetBilling => self.import_kwh,
            Regime::Gross => (self.import_kwh + self.pv_kwh - self.export_kwh).max(0.0),
            Regime::NetMetering | Regime::TodNetMetering => {
                (self.import_kwh - self.export_kwh - self.bank_kwh).max(0.0)
            }
        }
    }

    fn net_so_far(&self) -> f64 {
        self.import_kwh - self.export_kwh - self.bank_kwh
    }

    fn reset(&mut self) {
        let bank = self.bank_kwh;
        let blocks = self.readings.import_kwh.len();
        *self = Self::new(blocks);
        self.bank_kwh = bank;
    }
}

/// The members' meters of one behaviour.
#[derive(Clone)]
pub(super) struct Meters {
    /// [own regime, sharing members' regime].
    tariffs: [RetailTariff; 2],
    settings: BillingSettings,
    periods: Vec<PeriodSpan>,
    period: usize,
    /// Per tariff: the open period's energy charge with pro-rated limits, and the price slopes.
    scaled: [crate::billing::EnergyCharge; 2],
    slopes: [(f64, f64); 2],
    connections: Vec<Connection>,
    /// Which of `tariffs` meters each member's shared view (1 for sharing members).
    shared_tariff: Vec<usize>,
    solo: Vec<Meter>,
    shared: Vec<Meter>,
    rules: Vec<(RuleId, Box<dyn SettlementRule>)>,
    /// [rule][member]: ₹ paid for P2P units bought, received for units sold, this period.
    p2p_paid: Vec<Vec<(f64, f64)>>,
    /// [member][period] bills of the solo view.
    pub solo_bills: Vec<Vec<MemberPeriodBill>>,
    /// [rule][member][period].
    pub rule_bills: Vec<Vec<Vec<MemberPeriodBill>>>,
    /// Scratch: per-member P2P bought and sold this step, kWh.
    scratch: Vec<[f64; 2]>,
    /// The society's bulk meter behind a single-point connection.
    bulk: Option<BulkMeter>,
}

impl Meters {
    /// Meters for `members` billed by `tariff`; `trading` names the rules whose P2P prices are
    /// settled on the shared view. Behind a single-point connection the bulk meter's contract
    /// load defaults to `rating_kw` (the transformer's), or Σ sanctioned loads if that is not
    /// finite.
    pub fn new(
        domestic: &RetailTariff,
        settings: &BillingSettings,
        axis: &crate::time_axis::TimeAxis,
        members: &[Member],
        rating_kw: f64,
        wanted: (bool, &[RuleId]),
    ) -> Option<Self> {
        let (solo, trading) = wanted;
        let periods = billing_periods(axis, domestic.period).ok()?;
        let connections: Vec<Connection> = members
            .iter()
            .map(|m| settings.connection(&m.id, m.archetype))
            .collect();
        let bulk = settings.single_point.as_ref().map(|sp| {
            let fallback = if rating_kw.is_finite() && rating_kw > 0.0 {
                rating_kw
            } else {
                connections.iter().map(|c| c.sanctioned_kw).sum()
            };
            BulkMeter::new(sp, domestic, fallback)
        });
        let rebilled;
        let tariff = match &settings.single_point {
            Some(sp) => {
                rebilled = sp.rebill_tariff(domestic);
                &rebilled
            }
            None => domestic,
        };
        let mut sharing = tariff.clone();
        if let Some(regime) = settings.sharing_members_regime {
            sharing.metering.regime = regime;
        }
        let blocks = tariff.blocks();
        let n = members.len();
        let factor = tariff.factor(periods[0].days);
        Some(Self {
            scaled: [tariff.scaled_energy(factor), sharing.scaled_energy(factor)],
            slopes: [tariff.price_slopes(), sharing.price_slopes()],
            tariffs: [tariff.clone(), sharing],
            settings: settings.clone(),
            periods,
            period: 0,
            connections,
            shared_tariff: members
                .iter()
                .map(|m| usize::from(m.participates))
                .collect(),
            solo: if solo {
                vec![Meter::new(blocks); n]
            } else {
                Vec::new()
            },
            shared: if trading.is_empty() {
                Vec::new()
            } else {
                vec![Meter::new(blocks); n]
            },
            rules: trading
                .iter()
                .map(|&r| (r, r.rule(crate::market::BillingHorizon::Step)))
                .collect(),
            p2p_paid: vec![vec![(0.0, 0.0); n]; trading.len()],
            solo_bills: if solo {
                vec![Vec::new(); n]
            } else {
                Vec::new()
            },
            rule_bills: vec![vec![Vec::new(); n]; trading.len()],
            scratch: vec![[0.0; 2]; n],
            bulk,
        })
    }

    /// Meter one step; `pooled` marks the members who share.
    pub fn add(&mut self, at: &At<'_>, steps: &[MemberStep], pooled: &[bool]) {
        while self.period < self.periods.len() && at.t >= self.periods[self.period].end {
            self.close_period();
        }
        if !at.grid_up {
            return;
        }
        let block = self.tariffs[0].block_of(at.hour_of_day);
        if let Some(bulk) = self.bulk.as_mut() {
            let (net, pv) = steps.iter().fold((0.0, 0.0), |(n, p), s| {
                (n + s.net_kw * at.hours, p + s.pv_kw * at.hours)
            });
            bulk.add(block, net, pv, at.hours);
        }
        let own = Pricer::new(&self.tariffs[0], &self.scaled[0], self.slopes[0]);
        for (m, s) in self.solo.iter_mut().zip(steps) {
            let x = s.net_kw * at.hours;
            let pv = s.pv_kw * at.hours;
            let price = own.price_cached(m.units_so_far(&self.tariffs[0]), block, &mut m.band);
            let value = self.tariffs[0]
                .metering
                .export_value_per_kwh(m.net_so_far(), price);
            add_reading(m, block, x.max(0.0), (-x).max(0.0), pv);
            m.provisional += x.max(0.0) * price - (-x).max(0.0) * value;
        }
        if !self.shared.is_empty() {
            self.add_shared(at, steps, pooled, block);
        }
    }

    fn add_shared(&mut self, at: &At<'_>, steps: &[MemberStep], pooled: &[bool], block: usize) {
        let (mut tbp, mut tsp) = (0.0, 0.0);
        for (s, &p) in steps.iter().zip(pooled) {
            if p {
                let x = s.net_kw * at.hours;
                if x > 0.0 {
                    tbp += x;
                } else {
                    tsp -= x;
                }
            }
        }
        let shared = f64::min(tbp, tsp);
        let (buy_share, sell_share) = if shared > 0.0 {
            (shared / tbp, shared / tsp)
        } else {
            (0.0, 0.0)
        };
        let pricers =
            [0, 1].map(|i| Pricer::new(&self.tariffs[i], &self.scaled[i], self.slopes[i]));
        let counts = self.settings.p2p_counts_toward_slab;
        let (mut buy_weighted, mut sell_weighted) = (0.0, 0.0);
        for (k, s) in steps.iter().enumerate() {
            let x = s.net_kw * at.hours;
            let which = self.shared_tariff[k];
            let tariff = &self.tariffs[which];
            let m = &mut self.shared[k];
            let offset = if counts { m.bought_kwh } else { 0.0 };
            let price =
                pricers[which].price_cached(m.units_so_far(tariff) + offset, block, &mut m.band);
            let value = tariff.metering.export_value_per_kwh(m.net_so_far(), price);
            let (bought, sold) = if pooled[k] {
                (x.max(0.0) * buy_share, (-x).max(0.0) * sell_share)
            } else {
                (0.0, 0.0)
            };
            if pooled[k] && x > 0.0 {
                buy_weighted += x * price;
            } else if pooled[k] && x < 0.0 {
                sell_weighted -= x * value;
            }
            let (import, export) = (x.max(0.0) - bought, (-x).max(0.0) - sold);
            add_reading(m, block, import, export, s.pv_kw * at.hours);
            m.bought_kwh += bought;
            m.sold_kwh += sold;
            m.provisional += import * price - export * value;
            self.scratch[k] = [bought, sold];
        }
        if shared > 0.0 {
            let buy = buy_weighted / tbp;
            let sell = (sell_weighted / tsp).clamp(1e-6, buy.max(1e-6));
            let grid = GridPrices {
                buy_per_kwh: buy.max(sell),
                sell_per_kwh: sell,
            };
            let market = HorizonMarket::of_step(tbp, tsp, grid);
            for ((_, rule), paid) in self.rules.iter().zip(&mut self.p2p_paid) {
                let p = rule.internal_prices(&market, grid);
                // Sellers are paid their internal price when the community imports (all their
                // surplus is shared); buyers pay theirs when it exports.
                let per_kwh = if tbp >= tsp {
                    p.sell_per_kwh
                } else {
                    p.buy_per_kwh
                };
                for (paid, [bought, sold]) in paid.iter_mut().zip(&self.scratch) {
                    paid.0 += bought * per_kwh;
                    paid.1 += sold * per_kwh;
                }
            }
        }
    }

    /// Bill every member for the open period and start the next.
    fn close_period(&mut self) {
        let span = self.periods[self.period].clone();
        let year_end = self.period + 1 == self.periods.len()
            || span.last_calendar_month + 1
                == usize::from(self.tariffs[0].metering.settlement_month);
        let bulk_total = self.bulk.as_mut().map(|b| b.close(span.days, year_end));
        let mut solo: Vec<PeriodBill> = self
            .solo
            .iter()
            .zip(&self.connections)
            .map(|(m, c)| {
                let u = usage(m, span.days, year_end, 0.0, Vec::new(), Vec::new());
                self.tariffs[0].bill(c, &u)
            })
            .collect();
        self.society_rebills(&mut solo, bulk_total);
        for ((m, bill), bills) in self.solo.iter_mut().zip(solo).zip(&mut self.solo_bills) {
            let bank_out = bill.bank_out_kwh;
            bills.push(member_bill(bill, m));
            m.reset();
            m.bank_kwh = bank_out;
        }
        let s = &self.settings;
        let mut by_rule: Vec<Vec<PeriodBill>> = Vec::with_capacity(self.rules.len());
        for paid in &mut self.p2p_paid {
            let bills = self
                .shared
                .iter()
                .enumerate()
                .map(|(k, m)| {
                    let tariff = &self.tariffs[self.shared_tariff[k]];
                    let offset = if s.p2p_counts_toward_slab {
                        m.bought_kwh
                    } else {
                        0.0
                    };
                    let (spent, earned) = std::mem::take(&mut paid[k]);
                    let fees = fee_lines(s, m.bought_kwh, m.sold_kwh);
                    let energy = p2p_lines(m.bought_kwh, spent, m.sold_kwh, earned);
                    let u = usage(m, span.days, year_end, offset, fees, energy);
                    tariff.bill(&self.connections[k], &u)
                })
                .collect();
            by_rule.push(bills);
        }
        for bills in &mut by_rule {
            self.society_rebills(bills, bulk_total);
        }
        for (k, m) in self.shared.iter_mut().enumerate() {
            // Every rule meters the same DISCOM units, so the bank is the same under each.
            let mut bank_out = 0.0;
            for (r, bills) in by_rule.iter_mut().enumerate() {
                let bill = std::mem::take(&mut bills[k]);
                bank_out = bill.bank_out_kwh;
                self.rule_bills[r][k].push(member_bill(bill, m));
            }
            m.reset();
            m.bank_kwh = bank_out;
        }
        self.period += 1;
        if let Some(next) = self.periods.get(self.period) {
            let factor = self.tariffs[0].factor(next.days);
            self.scaled = [0, 1].map(|i| self.tariffs[i].scaled_energy(factor));
        }
    }

    /// Behind a single-point connection, one view's bills become the society's re-bills.
    fn society_rebills(&self, bills: &mut [PeriodBill], bulk_total: Option<f64>) {
        if let (Some(bulk), Some(total)) = (&self.bulk, bulk_total) {
            bulk.rebill_members(bills, total);
        }
    }

    /// The single-point connection's bills (None: every home has its own DISCOM meter).
    pub fn single_point(&self) -> Option<&SinglePointReport> {
        self.bulk.as_ref().map(BulkMeter::report)
    }

    /// The period labels.
    pub fn labels(&self) -> Vec<String> {
        self.periods.iter().map(|p| p.label.clone()).collect()
    }

    /// The tariff of members who do not share, and the regime of those who do.
    pub fn tariffs(&self) -> (&RetailTariff, crate::billing::Regime) {
        (&self.tariffs[0], self.tariffs[1].metering.regime)
    }

    /// Index of a trading rule's bills.
    pub fn rule_index(&self, rule: RuleId) -> Option<usize> {
        self.rules.iter().position(|(r, _)| *r == rule)
    }

    /// Close the last period.
    pub fn finish(&mut self) {
        while self.period < self.periods.len() {
            self.close_period();
        }
    }
}

fn add_reading(m: &mut Meter, block: usize, import: f64, export: f64, pv: f64) {
    m.readings.import_kwh[block] += import;
    m.readings.export_kwh[block] += export;
    m.readings.pv_kwh[block] += pv;
    m.import_kwh += import;
    m.export_kwh += export;
    m.pv_kwh += pv;
}

fn usage(
    m: &Meter,
    days: f64,
    year_end: bool,
    offset: f64,
    fees: Vec<BillLine>,
    energy: Vec<BillLine>,
) -> PeriodUsage {
    PeriodUsage {
        days,
        readings: m.readings.clone(),
        bank_in_kwh: m.bank_kwh,
        year_end,
        slab_offset_kwh: offset,
        p2p_fees: fees,
        p2p_energy: energy,
    }
}

fn member_bill(bill: PeriodBill, m: &Meter) -> MemberPeriodBill {
    let discom: f64 = bill
        .lines
        .iter()
        .filter(|l| {
            matches!(l.party, Party::Discom | Party::State | Party::Society)
                && !matches!(l.key.as_str(), "p2p_fees" | "society_gap")
        })
        .map(|l| l.amount)
        .sum();
    MemberPeriodBill {
        p2p_bought_kwh: m.bought_kwh,
        p2p_sold_kwh: m.sold_kwh,
        provisional: m.provisional,
        true_up: discom - m.provisional,
        bill,
    }
}

fn fee_lines(s: &BillingSettings, bought: f64, sold: f64) -> Vec<BillLine> {
    let mut out = Vec::new();
    let fee = bought * s.p2p_charge_per_kwh * s.p2p_charge_buyer_share
        + sold * s.p2p_charge_per_kwh * (1.0 - s.p2p_charge_buyer_share);
    if fee > 0.0 {
        out.push(BillLine {
            key: "p2p_fees".into(),
            name: format!("P2P transaction charge ({:.1} units)", bought + sold),
            amount: fee,
            party: Party::Platform,
        });
    }
    if bought > 0.0 && s.wheeling_per_kwh > 0.0 {
        out.push(BillLine {
            key: "p2p_fees".into(),
            name: format!(
                "Network charge on P2P units ({bought:.1} × {:.2})",
                s.wheeling_per_kwh
            ),
            amount: bought * s.wheeling_per_kwh,
            party: Party::Discom,
        });
    }
    out
}

fn p2p_lines(bought: f64, spent: f64, sold: f64, earned: f64) -> Vec<BillLine> {
    let mut out = Vec::new();
    if bought > 0.0 {
        out.push(BillLine {
            key: "p2p_bought".into(),
            name: format!("P2P energy bought ({bought:.1} units)"),
            amount: spent,
            party: Party::Peers,
        });
    }
    if sold > 0.0 {
        out.push(BillLine {
            key: "p2p_sold".into(),
            name: format!("P2P energy sold ({sold:.1} units)"),
            amount: -earned,
            party: Party::Peers,
        });
    }
    out
}
