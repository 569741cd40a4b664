//! `gridshare scenario`'s single-point connection flags: one bulk connection for the community,
//! members re-billed by the society at the domestic schedule (docs/BILLS.md).

use engine::billing::{GapRule, SinglePoint};
use engine::scenario::Scenario;

/// The community's connection.
#[derive(Debug, clap::Args)]
pub struct SinglePointArgs {
    /// One single-point connection for the community (needs a retail tariff): the society pays
    /// the bulk bill and re-bills each member at the domestic schedule.
    #[arg(long)]
    single_point: bool,
    /// The bulk energy rate, ₹/kWh (default 4.50, Delhi group housing).
    #[arg(long, value_name = "RS_PER_KWH")]
    bulk_rate: Option<f64>,
    /// The bulk fixed charge, ₹ per kW of contract load per month (default 150).
    #[arg(long, value_name = "RS_PER_KW_MONTH")]
    bulk_fixed: Option<f64>,
    /// Contract load, kW (default: the transformer's rating in kW).
    #[arg(long, value_name = "KW")]
    contract_kw: Option<f64>,
    /// Leave the domestic PPAC, surcharges and tax off the bulk bill.
    #[arg(long)]
    bulk_no_adders: bool,
    /// Who keeps the society's gap (re-bills − bulk bill): keep (the society) or refund (back
    /// to the members in proportion to what each pays).
    #[arg(long, value_name = "keep|refund", value_parser = parse_gap)]
    society_gap: Option<GapRule>,
    /// Re-billed members keep the state subsidy (paid by the state to the society).
    #[arg(long)]
    rebilled_subsidy: bool,
}

fn parse_gap(s: &str) -> Result<GapRule, String> {
    match s {
        "keep" => Ok(GapRule::Keep),
        "refund" => Ok(GapRule::Refund),
        other => Err(format!("'{other}': use keep or refund")),
    }
}

impl SinglePointArgs {
    /// Set the scenario's connection; an error names the flag.
    pub fn apply(&self, scenario: &mut Scenario) -> Result<(), String> {
        if !self.single_point {
            let stray = [
                ("--bulk-rate", self.bulk_rate.is_some()),
                ("--bulk-fixed", self.bulk_fixed.is_some()),
                ("--contract-kw", self.contract_kw.is_some()),
                ("--bulk-no-adders", self.bulk_no_adders),
                ("--society-gap", self.society_gap.is_some()),
                ("--rebilled-subsidy", self.rebilled_subsidy),
            ]
            .into_iter()
            .find(|(_, set)| *set);
            return match stray {
                Some((flag, _)) => Err(format!("{flag}: only with --single-point")),
                None => Ok(()),
            };
        }
        if scenario.tariff.retail().is_none() {
            return Err(format!(
                "--single-point: needs a retail tariff (delhi, msedcl, up-urban, up-rural, tamil-nadu, kerala), not {}",
                scenario.tariff.label()
            ));
        }
        let d = SinglePoint::default();
        let sp = SinglePoint {
            energy_per_kwh: self.bulk_rate.unwrap_or(d.energy_per_kwh),
            fixed_per_kw_month: self.bulk_fixed.unwrap_or(d.fixed_per_kw_month),
            contract_kw: self.contract_kw,
            domestic_adders: !self.bulk_no_adders,
            members_keep_subsidy: self.rebilled_subsidy,
            gap: self.society_gap.unwrap_or_default(),
        };
        sp.validate().map_err(|e| {
            let text = e.to_string();
            let flag = [
                ("energy_per_kwh", "--bulk-rate"),
                ("fixed_per_kw_month", "--bulk-fixed"),
                ("contract_kw", "--contract-kw"),
            ]
            .into_iter()
            .find(|(field, _)| text.contains(field))
            .map_or("--single-point", |(_, flag)| flag);
            format!("{flag}: {text}")
        })?;
        scenario.settings.billing.single_point = Some(sp);
        Ok(())
    }
}
