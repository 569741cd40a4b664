//! Single-point supply (TARIFFS.md §6): the community sits behind one bulk connection billed at
//! a flat group-housing rate, and the society re-bills each member from its sub-meter at the
//! domestic schedule. Three questions the sources leave open ([U]) are settings: whether the
//! domestic adders fall on the bulk bill, whether re-billed members keep the state subsidy, and
//! who keeps the gap between the re-bills and the bulk bill.

use serde::{Deserialize, Serialize};

use super::{
    BillLine, BillingError, EnergyCharge, FixedCharge, LoadBand, Party, PeriodBill, RetailTariff,
};

/// What happens to the society's gap (members' re-bills − the bulk bill) each period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapRule {
    /// The society keeps it (its margin; negative when the bulk bill is larger).
    #[default]
    Keep,
    /// It goes back to (or, if negative, is collected from) the members in proportion to what
    /// each pays the society, never more than that member pays it.
    Refund,
}

impl GapRule {
    /// Machine name.
    pub fn key(self) -> &'static str {
        match self {
            Self::Keep => "keep",
            Self::Refund => "refund",
        }
    }
}

/// One bulk connection for the whole community (`settings.billing.single_point`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SinglePoint {
    /// The bulk energy rate, ₹/kWh (DERC group housing on single-point delivery: ₹4.50).
    pub energy_per_kwh: f64,
    /// The bulk fixed charge, ₹ per kW of contract load per month (DERC: ₹150).
    pub fixed_per_kw_month: f64,
    /// Contract load, kW; None: the transformer's rating in kW (Σ sanctioned loads if the run
    /// has no finite rating).
    pub contract_kw: Option<f64>,
    /// Whether the domestic tariff's ₹/kWh and % adders (PPAC, surcharges, tax) also fall on the
    /// bulk bill ([U]; default yes).
    pub domestic_adders: bool,
    /// Whether re-billed members keep the state subsidy (the state then pays it to the
    /// society) ([U]; default no: the subsidy is for a DISCOM's domestic consumers).
    pub members_keep_subsidy: bool,
    /// Who keeps the society's gap ([U]; default: the society).
    pub gap: GapRule,
}

impl Default for SinglePoint {
    fn default() -> Self {
        Self {
            energy_per_kwh: 4.50,
            fixed_per_kw_month: 150.0,
            contract_kw: None,
            domestic_adders: true,
            members_keep_subsidy: false,
            gap: GapRule::Keep,
        }
    }
}

impl SinglePoint {
    /// Check rates and the contract load; errors name the field's path in the scenario.
    pub fn validate(&self) -> Result<(), BillingError> {
        for (field, v) in [
            ("energy_per_kwh", self.energy_per_kwh),
            ("fixed_per_kw_month", self.fixed_per_kw_month),
        ] {
            if !(v.is_finite() && (0.0..=1_000.0).contains(&v)) {
                return Err(BillingError::field(
                    format!("billing.single_point.{field}"),
                    format!("must be between 0 and 1000, got {v}"),
                ));
            }
        }
        if let Some(kw) = self.contract_kw {
            if !(kw.is_finite() && kw > 0.0 && kw <= 1_000_000.0) {
                return Err(BillingError::field(
                    "billing.single_point.contract_kw",
                    format!("must be above 0 and at most 1000000 kW, got {kw}"),
                ));
            }
        }
        Ok(())
    }

    /// The bulk tariff: one flat rate, the fixed charge per kW of contract load, and the
    /// domestic tariff's period, pro-rating, ToD windows and metering regime (the society's
    /// exports are settled as a home's would be); the domestic adders if the setting says so;
    /// never a subsidy.
    pub fn bulk_tariff(&self, domestic: &RetailTariff) -> RetailTariff {
        let (per_kwh_adders, percent_adders) = if self.domestic_adders {
            (
                domestic.per_kwh_adders.clone(),
                domestic.percent_adders.clone(),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        // A home's ToD threshold (Kerala: above 500 units) is about one home's consumption; the
        // bulk meter's total would always pass it, so its windows apply to every bulk unit.
        let time_of_day = domestic.time_of_day.clone().map(|mut t| {
            t.applies_above_kwh = None;
            t
        });
        RetailTariff {
            id: format!("{}-bulk", domestic.id),
            time_of_day,
            name: format!("{} — single-point bulk supply", domestic.name),
            energy: EnergyCharge::telescopic(&[(None, self.energy_per_kwh)]),
            fixed: FixedCharge::PerKwByLoadBand {
                bands: vec![LoadBand {
                    up_to_kw: None,
                    per_kw_month: self.fixed_per_kw_month,
                }],
            },
            per_kwh_adders,
            percent_adders,
            subsidy: None,
            notes: Vec::new(),
            ..domestic.clone()
        }
    }

    /// The domestic tariff the society re-bills its members with (without the subsidy unless
    /// they keep it).
    pub fn rebill_tariff(&self, domestic: &RetailTariff) -> RetailTariff {
        let mut t = domestic.clone();
        if !self.members_keep_subsidy {
            t.subsidy = None;
        }
        t
    }
}

/// Re-bill a member's domestic bill: every line the DISCOM would have received goes to the
/// society instead (the subsidy, if kept, is still paid by the state, now to the society). A
/// network charge on P2P units is dropped: behind one meter they never cross the DISCOM's wires.
pub fn rebill(bill: &mut PeriodBill) {
    bill.lines
        .retain(|l| !(l.key == "p2p_fees" && l.party == Party::Discom));
    for l in &mut bill.lines {
        if l.party == Party::Discom {
            l.party = Party::Society;
        }
    }
    bill.refresh_totals();
}

/// What each member pays the society this period before any gap line: its society lines less
/// the state's subsidy, never below 0, ₹.
pub fn pays_society(bill: &PeriodBill) -> f64 {
    (bill.society_revenue - bill.subsidy).max(0.0)
}

/// Share the society's `gap` (Σ re-bills − the bulk bill, ₹) between members in proportion to
/// `pays` (what each pays the society): a positive gap is returned, a negative one collected. A
/// member gets back at most what it pays, so no re-bill turns negative through the refund.
/// Returns each member's line amount (< 0: returned to the member).
pub fn share_gap(gap: f64, pays: &[f64]) -> Vec<f64> {
    let total: f64 = pays.iter().sum();
    if total <= 0.0 || gap == 0.0 {
        return vec![0.0; pays.len()];
    }
    pays.iter()
        .map(|&p| {
            let share = gap * p / total;
            -share.min(p)
        })
        .collect()
}

/// The gap line on a member's re-bill.
pub fn gap_line(amount: f64) -> BillLine {
    let name = if amount < 0.0 {
        "Society's gap returned"
    } else {
        "Society's shortfall collected"
    };
    BillLine {
        key: "society_gap".into(),
        name: name.into(),
        amount,
        party: Party::Society,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Connection, Phase, RetailPreset};
    use super::*;

    fn line(b: &PeriodBill, key: &str) -> f64 {
        b.lines
            .iter()
            .filter(|l| l.key == key)
            .map(|l| l.amount)
            .sum()
    }

    #[test]
    fn the_delhi_bulk_bill_is_a_flat_rate_and_a_fixed_charge_per_contract_kw() {
        let domestic = RetailPreset::Delhi.tariff();
        let sp = SinglePoint::default();
        let bulk = sp.bulk_tariff(&domestic);
        bulk.validate().unwrap();
        let c = Connection {
            sanctioned_kw: 10.0,
            phase: Phase::Three,
        };
        let b = bulk.simple_bill(&c, 30.8, 1_000.0, 0.0);
        assert!((line(&b, "energy") - 4_500.0).abs() < 1e-6);
        assert!((line(&b, "fixed") - 1_500.0).abs() < 1e-6);
        // The Delhi PPAC falls on the bulk energy charge like on a home's.
        assert!((line(&b, "ppac_energy") - 0.2069 * 4_500.0).abs() < 0.01);
        assert_eq!(b.subsidy, 0.0);
        let bare = SinglePoint {
            domestic_adders: false,
            ..sp
        }
        .bulk_tariff(&domestic)
        .simple_bill(&c, 30.8, 1_000.0, 0.0);
        assert!((bare.total - 6_000.0).abs() < 1e-6, "{}", bare.total);
    }

    #[test]
    fn rebilling_moves_every_discom_line_to_the_society_and_keeps_the_total() {
        let t = RetailPreset::Delhi.tariff();
        let c = Connection {
            sanctioned_kw: 3.0,
            phase: Phase::Single,
        };
        let mut b = t.simple_bill(&c, 30.0, 545.0, 0.0);
        let before = b.total;
        rebill(&mut b);
        assert!((b.total - before).abs() < 1e-9);
        assert_eq!(b.discom_revenue, 0.0);
        assert!((b.society_revenue - before).abs() < 1e-9);
        assert!(b.lines.iter().all(|l| l.party != Party::Discom));
    }

    #[test]
    fn behind_one_meter_no_network_charge_and_no_per_home_tod_threshold() {
        let mut b = PeriodBill {
            lines: vec![
                BillLine {
                    key: "p2p_fees".into(),
                    name: "P2P transaction charge".into(),
                    amount: 1.0,
                    party: Party::Platform,
                },
                BillLine {
                    key: "p2p_fees".into(),
                    name: "Network charge on P2P units".into(),
                    amount: 2.0,
                    party: Party::Discom,
                },
            ],
            ..PeriodBill::default()
        };
        rebill(&mut b);
        assert_eq!(b.lines.len(), 1);
        assert_eq!(b.total, 1.0);
        assert_eq!(b.platform_revenue, 1.0);
        let kerala = RetailPreset::Kerala.tariff();
        assert!(kerala
            .time_of_day
            .as_ref()
            .unwrap()
            .applies_above_kwh
            .is_some());
        let bulk = SinglePoint::default().bulk_tariff(&kerala);
        assert_eq!(bulk.time_of_day.unwrap().applies_above_kwh, None);
    }

    #[test]
    fn re_billed_members_lose_the_subsidy_unless_the_setting_keeps_it() {
        let t = RetailPreset::Delhi.tariff();
        let c = Connection {
            sanctioned_kw: 2.0,
            phase: Phase::Single,
        };
        let kept = SinglePoint {
            members_keep_subsidy: true,
            ..SinglePoint::default()
        };
        let with = kept.rebill_tariff(&t).simple_bill(&c, 30.8, 150.0, 0.0);
        let without = SinglePoint::default()
            .rebill_tariff(&t)
            .simple_bill(&c, 30.8, 150.0, 0.0);
        assert!(with.subsidy > 0.0);
        assert_eq!(without.subsidy, 0.0);
        assert!(without.total > with.total);
    }

    #[test]
    fn a_gap_is_shared_by_what_members_pay_and_never_turns_a_bill_negative() {
        // Returned in proportion.
        let r = share_gap(30.0, &[100.0, 200.0, 0.0]);
        assert_eq!(r, vec![-10.0, -20.0, 0.0]);
        // A shortfall is collected the same way.
        let c = share_gap(-30.0, &[100.0, 200.0]);
        assert_eq!(c, vec![10.0, 20.0]);
        // A gap larger than what everyone pays is capped at each member's payment.
        let capped = share_gap(1_000.0, &[100.0, 200.0]);
        assert_eq!(capped, vec![-100.0, -200.0]);
        // Nobody pays: nothing to share.
        assert_eq!(share_gap(50.0, &[0.0, 0.0]), vec![0.0, 0.0]);
        assert!(gap_line(-1.0).name.contains("returned"));
        assert!(gap_line(1.0).name.contains("collected"));
    }

    #[test]
    fn bad_settings_name_the_field() {
        let bad = SinglePoint {
            energy_per_kwh: -1.0,
            ..SinglePoint::default()
        };
        let e = bad.validate().unwrap_err().to_string();
        assert!(e.contains("billing.single_point.energy_per_kwh"), "{e}");
        let bad = SinglePoint {
            contract_kw: Some(0.0),
            ..SinglePoint::default()
        };
        let e = bad.validate().unwrap_err().to_string();
        assert!(e.contains("billing.single_point.contract_kw"), "{e}");
    }
}
