//! Edits of the scenario's billing settings (`settings.billing`): the P2P transaction charge and
//! the regime of sharing members, and the community's connection — every home on its own DISCOM
//! meter, or one single-point connection the society re-bills its members behind. Checked by
//! `BillingSettings::validate`, so a refused edit names the engine's field
//! (`billing.single_point.energy_per_kwh`) and changes nothing.

use engine::billing::{BillingSettings, GapRule, Regime, SinglePoint};

use super::{bound, number};

/// One edit of the billing settings (numbers as typed).
#[derive(Clone, Debug, PartialEq)]
pub enum BillingEdit {
    /// Transaction charge, ₹ per kWh traded.
    P2pCharge(String),
    /// The buyer's share of the transaction charge, 0–1.
    BuyerShare(String),
    /// The regime sharing members' DISCOM exchange is metered under (None: the tariff's).
    SharingRegime(Option<Regime>),
    /// One single-point connection (with the engine's default bulk tariff), or own meters.
    SinglePoint(bool),
    /// The bulk energy rate, ₹/kWh.
    BulkRate(String),
    /// The bulk fixed charge, ₹ per kW of contract load per month.
    BulkFixed(String),
    /// Contract load, kW (empty: the transformer's rating).
    ContractKw(String),
    /// Whether the domestic adders (PPAC, surcharges, tax) also fall on the bulk bill.
    BulkAdders(bool),
    /// Whether re-billed members keep the state subsidy.
    KeepSubsidy(bool),
    /// Who keeps the society's gap.
    Gap(GapRule),
}

/// The single point being edited, or why there is none.
fn single_point(s: &mut BillingSettings) -> Result<&mut SinglePoint, String> {
    s.single_point.as_mut().ok_or_else(|| {
        "tariff: billing.single_point: every home has its own meter; choose the single-point connection first"
            .to_string()
    })
}

/// The settings after `edit`, or why not (the settings are unchanged).
pub fn apply_billing_edit(
    settings: &BillingSettings,
    edit: &BillingEdit,
) -> Result<BillingSettings, String> {
    let mut s = settings.clone();
    match edit {
        BillingEdit::P2pCharge(text) => {
            s.p2p_charge_per_kwh = number("billing.p2p_charge_per_kwh", text)?;
        }
        BillingEdit::BuyerShare(text) => {
            s.p2p_charge_buyer_share = number("billing.p2p_charge_buyer_share", text)?;
        }
        BillingEdit::SharingRegime(r) => s.sharing_members_regime = *r,
        BillingEdit::SinglePoint(on) => {
            // Choosing it while it is chosen keeps the values already set.
            s.single_point = on.then(|| s.single_point.clone().unwrap_or_default());
        }
        BillingEdit::BulkRate(text) => {
            let v = number("billing.single_point.energy_per_kwh", text)?;
            single_point(&mut s)?.energy_per_kwh = v;
        }
        BillingEdit::BulkFixed(text) => {
            let v = number("billing.single_point.fixed_per_kw_month", text)?;
            single_point(&mut s)?.fixed_per_kw_month = v;
        }
        BillingEdit::ContractKw(text) => {
            let v = bound("billing.single_point.contract_kw", text)?;
            single_point(&mut s)?.contract_kw = v;
        }
        BillingEdit::BulkAdders(on) => single_point(&mut s)?.domestic_adders = *on,
        BillingEdit::KeepSubsidy(on) => single_point(&mut s)?.members_keep_subsidy = *on,
        BillingEdit::Gap(rule) => single_point(&mut s)?.gap = *rule,
    }
    s.validate().map_err(|e| e.to_string())?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::super::{show_bound, show_number};
    use super::*;

    #[test]
    fn billing_settings_are_validated() {
        let s = BillingSettings::default();
        let s2 = apply_billing_edit(&s, &BillingEdit::P2pCharge("0.6".into())).unwrap();
        assert_eq!(s2.p2p_charge_per_kwh, 0.6);
        let err = apply_billing_edit(&s, &BillingEdit::BuyerShare("1.5".into())).unwrap_err();
        assert!(err.contains("billing.p2p_charge_buyer_share"), "{err}");
        assert_eq!(show_number(0.42), "0.42");
        assert_eq!(show_number(200.0), "200");
        assert_eq!(show_bound(None), "");
    }

    #[test]
    fn single_point_settings_are_edited_and_validated() {
        let own = BillingSettings::default();
        // Its numbers need a single point to edit.
        let err = apply_billing_edit(&own, &BillingEdit::BulkRate("5".into())).unwrap_err();
        assert!(err.contains("billing.single_point"), "{err}");
        let s = apply_billing_edit(&own, &BillingEdit::SinglePoint(true)).unwrap();
        assert_eq!(s.single_point, Some(SinglePoint::default()));
        let s = apply_billing_edit(&s, &BillingEdit::BulkRate("5.25".into())).unwrap();
        let s = apply_billing_edit(&s, &BillingEdit::BulkFixed("120".into())).unwrap();
        let s = apply_billing_edit(&s, &BillingEdit::ContractKw("250".into())).unwrap();
        let s = apply_billing_edit(&s, &BillingEdit::BulkAdders(false)).unwrap();
        let s = apply_billing_edit(&s, &BillingEdit::KeepSubsidy(true)).unwrap();
        let s = apply_billing_edit(&s, &BillingEdit::Gap(GapRule::Refund)).unwrap();
        let sp = s.single_point.clone().unwrap();
        assert_eq!(sp.energy_per_kwh, 5.25);
        assert_eq!(sp.fixed_per_kw_month, 120.0);
        assert_eq!(sp.contract_kw, Some(250.0));
        assert!(!sp.domestic_adders && sp.members_keep_subsidy);
        assert_eq!(sp.gap, GapRule::Refund);
        // Empty contract load: the transformer's rating.
        let rated = apply_billing_edit(&s, &BillingEdit::ContractKw(" ".into())).unwrap();
        assert_eq!(rated.single_point.unwrap().contract_kw, None);
        // A bad bulk rate is refused naming the engine's field; the settings stay.
        for text in ["-1", "abc", "5000"] {
            let err = apply_billing_edit(&s, &BillingEdit::BulkRate(text.into())).unwrap_err();
            assert!(err.contains("billing.single_point.energy_per_kwh"), "{err}");
        }
        let err = apply_billing_edit(&s, &BillingEdit::ContractKw("0".into())).unwrap_err();
        assert!(err.contains("billing.single_point.contract_kw"), "{err}");
        assert_eq!(s.single_point.as_ref(), Some(&sp));
        // Chosen again it keeps its values; off is own meters.
        let off = apply_billing_edit(&s, &BillingEdit::SinglePoint(false)).unwrap();
        assert_eq!(off.single_point, None);
        let again = apply_billing_edit(&s, &BillingEdit::SinglePoint(true)).unwrap();
        assert_eq!(again.single_point, Some(sp));
    }
}
