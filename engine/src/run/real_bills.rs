//! The real-bill view of a model (retail tariffs): every member's bill per period with its
//! line items, and the community's bill split into consumer payments, the state's subsidy, the
//! DISCOM's revenue and the platform's transaction charges.

use serde::{Deserialize, Serialize};

use crate::billing::RetailTariff;

use super::meters::{MemberPeriodBill, Meters};

/// One period's community totals, ₹: members pay + subsidy = DISCOM + society + platform (the
/// peers' P2P lines cancel out).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PeriodTotals {
    /// What members pay (Σ bills).
    pub consumer_payments: f64,
    /// What the state pays.
    pub subsidy: f64,
    /// What the DISCOM receives (its lines, of which the state pays the subsidy; behind a
    /// single-point connection, the bulk bill).
    pub discom_revenue: f64,
    /// Behind a single-point connection: what the society keeps (members' re-bills − the bulk
    /// bill; 0 with own meters).
    #[serde(default)]
    pub society_margin: f64,
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
    /// The single-point connection's bulk bills (None: every home has its own DISCOM meter).
    #[serde(default)]
    pub single_point: Option<super::SinglePointReport>,
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
    single_point: Option<&super::SinglePointReport>,
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
            t.society_margin += b.bill.society_revenue;
            t.platform_revenue += b.bill.platform_revenue;
            t.p2p_kwh += b.p2p_bought_kwh;
            true_up += b.true_up;
        }
    }
    if let Some(sp) = single_point {
        for (t, bulk) in by_period.iter_mut().zip(&sp.bulk) {
            t.discom_revenue += bulk.discom_revenue;
            t.society_margin -= bulk.total;
        }
    }
    let total = by_period
        .iter()
        .fold(PeriodTotals::default(), |a, p| PeriodTotals {
            consumer_payments: a.consumer_payments + p.consumer_payments,
            subsidy: a.subsidy + p.subsidy,
            discom_revenue: a.discom_revenue + p.discom_revenue,
            society_margin: a.society_margin + p.society_margin,
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
        single_point: single_point.cloned(),
    }
}

/// The member id the bills CSV gives the society's bulk bill (parenthesised so it cannot be a
/// member's id).
pub const BULK_METER_ID: &str = "(bulk meter)";

/// Every model's bills as CSV, one row per line item and a `total` row per member and period:
/// `model,member,period,key,line,party,amount_rs`; behind a single-point connection the bulk
/// bill's rows come first as member `(bulk meter)`. None without real bills.
pub fn bills_csv(report: &super::RunReport) -> Option<String> {
    let mut out = String::from("model,member,period,key,line,party,amount_rs\n");
    let mut any = false;
    for m in &report.models {
        let Some(b) = &m.billing else { continue };
        any = true;
        let model = m.model.key();
        if let Some(sp) = &b.single_point {
            for (period, bill) in b.periods.iter().zip(&sp.bulk) {
                push_bill_rows(&mut out, model, BULK_METER_ID, "society", period, bill);
            }
        }
        for (k, periods) in b.members.iter().enumerate() {
            let id = &report.member_ids[k];
            for (period, bill) in b.periods.iter().zip(periods) {
                push_bill_rows(&mut out, model, id, "consumer", period, &bill.bill);
            }
        }
    }
    any.then_some(out)
}

/// One bill's line rows (each with its own party) and its total row, paid by `payer`.
fn push_bill_rows(
    out: &mut String,
    model: &str,
    id: &str,
    payer: &str,
    period: &str,
    bill: &crate::billing::PeriodBill,
) {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for l in &bill.lines {
        let party = serde_json::to_value(l.party).ok();
        let party = party.as_ref().and_then(|v| v.as_str()).unwrap_or("");
        out.push_str(&format!(
            "{model},{id},{period},{},{},{party},{:.2}\n",
            l.key,
            quote(&l.name),
            l.amount
        ));
    }
    out.push_str(&format!(
        "{model},{id},{period},total,Total,{payer},{:.2}\n",
        bill.total
    ));
}
