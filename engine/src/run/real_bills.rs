//! The real-bill view of a model (retail tariffs): every member's bill per period with its
//! line items, and the community's bill split into consumer payments, the state's subsidy, the
//! DISCOM's revenue and the platform's transaction charges.

use serde::{Deserialize, Serialize};

use crate::billing::RetailTariff;

use super::meters::{MemberPeriodBill, Meters};

/// One period's community totals, ₹.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PeriodTotals {
    /// What members pay (Σ bills).
    pub consumer_payments: f64,
    /// What the state pays.
    pub subsidy: f64,
    /// What the DISCOM receives (its lines plus the subsidy).
    pub discom_revenue: f64,
    /// Transaction charges to the platform.
    pub platform_revenue: f64,
    /// P2P units traded, kWh.
    pub p2p_kwh: f64,
}

/// A model's real bills.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BillingReport {
    /// Tariff id (`delhi`, …).
    pub tariff_id: String,
    /// Tariff name.
    pub tariff: String,
    /// Its source and year.
    pub source: String,
    /// The regime of members who do not share (and of everyone under no sharing).
    pub regime: String,
    /// The regime a sharing member's residual DISCOM exchange is metered under.
    pub sharing_regime: String,
    /// Period labels ("Jan", "Jan–Feb").
    pub periods: Vec<String>,
    /// Every member's bills, [member][period].
    pub members: Vec<Vec<MemberPeriodBill>>,
    /// Community totals per period.
    pub by_period: Vec<PeriodTotals>,
    /// Community totals over the run.
    pub total: PeriodTotals,
    /// Σ true-ups: what the period totals changed from the per-step prices, ₹.
    pub true_up: f64,
}

/// The bills of one rule (None: the solo view) of a behaviour's meters.
pub(super) fn rule_bills(meters: &Meters, rule: Option<usize>) -> &[Vec<MemberPeriodBill>] {
    match rule {
        None => &meters.solo_bills,
        Some(r) => &meters.rule_bills[r],
    }
}

/// The same, to move out.
pub(super) fn rule_bills_mut(
    meters: &mut Meters,
    rule: Option<usize>,
) -> &mut Vec<Vec<MemberPeriodBill>> {
    match rule {
        None => &mut meters.solo_bills,
        Some(r) => &mut meters.rule_bills[r],
    }
}

/// Each member's Σ of period bills, ₹.
pub(super) fn member_totals(bills: &[Vec<MemberPeriodBill>]) -> Vec<f64> {
    bills
        .iter()
        .map(|b| b.iter().map(|p| p.bill.total).sum())
        .collect()
}

/// The report of one set of bills.
pub(super) fn billing_report(
    tariff: &RetailTariff,
    sharing_regime: crate::billing::Regime,
    labels: &[String],
    bills: Vec<Vec<MemberPeriodBill>>,
) -> BillingReport {
    let periods = labels.len();
    let mut by_period = vec![PeriodTotals::default(); periods];
    let mut true_up = 0.0;
    for member in &bills {
        for (p, b) in member.iter().enumerate() {
            let t = &mut by_period[p];
            t.consumer_payments += b.bill.total;
            t.subsidy += b.bill.subsidy;
            t.discom_revenue += b.bill.discom_revenue;
            t.platform_revenue += b.bill.platform_revenue;
            t.p2p_kwh += b.p2p_bought_kwh;
            true_up += b.true_up;
        }
    }
    let total = by_period
        .iter()
        .fold(PeriodTotals::default(), |a, p| PeriodTotals {
            consumer_payments: a.consumer_payments + p.consumer_payments,
            subsidy: a.subsidy + p.subsidy,
            discom_revenue: a.discom_revenue + p.discom_revenue,
            platform_revenue: a.platform_revenue + p.platform_revenue,
            p2p_kwh: a.p2p_kwh + p.p2p_kwh,
        });
    BillingReport {
        tariff_id: tariff.id.clone(),
        tariff: tariff.name.clone(),
        source: format!("{} — {}", tariff.year, tariff.source),
        regime: tariff.metering.regime.key().to_string(),
        sharing_regime: sharing_regime.key().to_string(),
        periods: labels.to_vec(),
        members: bills,
        by_period,
        total,
        true_up,
    }
}

/// Every model's bills as CSV, one row per line item and a `total` row per member and period:
/// `model,member,period,key,line,party,amount_rs`. None without real bills.
pub fn bills_csv(report: &super::RunReport) -> Option<String> {
    let mut out = String::from("model,member,period,key,line,party,amount_rs\n");
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut any = false;
    for m in &report.models {
        let Some(b) = &m.billing else { continue };
        any = true;
        for (k, periods) in b.members.iter().enumerate() {
            let id = &report.member_ids[k];
            for (p, bill) in periods.iter().enumerate() {
                let period = &b.periods[p];
                for l in &bill.bill.lines {
                    let party = serde_json::to_value(l.party).ok();
                    let party = party.as_ref().and_then(|v| v.as_str()).unwrap_or("");
                    out.push_str(&format!(
                        "{},{id},{period},{},{},{party},{:.2}\n",
                        m.model.key(),
                        l.key,
                        quote(&l.name),
                        l.amount
                    ));
                }
                out.push_str(&format!(
                    "{},{id},{period},total,Total,consumer,{:.2}\n",
                    m.model.key(),
                    bill.bill.total
                ));
            }
        }
    }
    any.then_some(out)
}
