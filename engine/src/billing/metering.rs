//! Metering regimes for rooftop PV (Electricity (Rights of Consumers) Amendment Rules 2021):
//! what a period's metered import and export become on the bill.

use serde::{Deserialize, Serialize};

use super::{BillLine, BillingError, Party};

/// How exports are settled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Regime {
    /// Import billed at the tariff, export paid at the feed-in rate, netted in ₹ (the hourly
    /// netting Gridshare used before real bills).
    #[default]
    NetBilling,
    /// kWh netting over the period; a surplus is banked and carried to the year end, then paid
    /// at the year-end rate or lapses.
    NetMetering,
    /// All PV sold at the feed-in rate, all load bought at the tariff.
    Gross,
    /// Net metering block by block (DERC 2014): each ToD block's import is first offset by that
    /// block's export; what is left offsets the other blocks in proportion, then is banked.
    TodNetMetering,
}

impl Regime {
    /// Every regime, in display order.
    pub const ALL: [Regime; 4] = [
        Self::NetMetering,
        Self::NetBilling,
        Self::Gross,
        Self::TodNetMetering,
    ];

    /// Machine name (`net-metering`, …).
    pub fn key(self) -> &'static str {
        match self {
            Self::NetBilling => "net-billing",
            Self::NetMetering => "net-metering",
            Self::Gross => "gross",
            Self::TodNetMetering => "tod-net-metering",
        }
    }

    /// Human name.
    pub fn label(self) -> &'static str {
        match self {
            Self::NetBilling => "Net billing",
            Self::NetMetering => "Net metering",
            Self::Gross => "Gross metering",
            Self::TodNetMetering => "Net metering by ToD block",
        }
    }

    /// Whether exports offset imports in kWh.
    pub fn nets_kwh(self) -> bool {
        matches!(self, Self::NetMetering | Self::TodNetMetering)
    }
}

impl std::str::FromStr for Regime {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.key() == s)
            .ok_or_else(|| format!("unknown regime '{s}' (expected net-metering, net-billing, gross or tod-net-metering)"))
    }
}

/// The regime and its rates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metering {
    /// Regime.
    pub regime: Regime,
    /// Feed-in tariff for net billing and gross metering, ₹/kWh.
    pub feed_in_per_kwh: f64,
    /// Net metering: what a banked kWh left at the year end is paid (the APPC), ₹/kWh; None: it
    /// lapses.
    pub year_end_per_kwh: Option<f64>,
    /// Calendar month (1–12) whose bill closes the banking year (3: April–March).
    #[serde(default = "march")]
    pub settlement_month: u8,
}

fn march() -> u8 {
    3
}

impl Metering {
    /// Check rates.
    pub fn validate(&self) -> Result<(), BillingError> {
        let max = crate::limits::MAX_PRICE_PER_KWH;
        if !(self.feed_in_per_kwh.is_finite() && (0.0..=max).contains(&self.feed_in_per_kwh)) {
            return Err(BillingError::field(
                "metering.feed_in_per_kwh",
                format!(
                    "must be from 0 to {max} ₹/kWh, got {}",
                    self.feed_in_per_kwh
                ),
            ));
        }
        if self
            .year_end_per_kwh
            .is_some_and(|r| !(r.is_finite() && (0.0..=max).contains(&r)))
        {
            return Err(BillingError::field(
                "metering.year_end_per_kwh",
                "must be 0 or more",
            ));
        }
        if !(1..=12).contains(&self.settlement_month) {
            return Err(BillingError::field(
                "metering.settlement_month",
                "must be 1–12",
            ));
        }
        Ok(())
    }
}

/// What a period's meter readings become.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metered {
    /// Billed units by ToD block.
    pub billed_kwh: Vec<f64>,
    /// Export credit lines (₹ negative) and the year-end payout.
    pub credits: Vec<BillLine>,
    /// Banked credit carried out of the period, kWh.
    pub bank_out_kwh: f64,
}

/// Readings of one period: import, export and PV by ToD block, kWh.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Readings {
    /// Metered import by block.
    pub import_kwh: Vec<f64>,
    /// Metered export by block.
    pub export_kwh: Vec<f64>,
    /// PV generation by block (gross metering).
    pub pv_kwh: Vec<f64>,
}

impl Metering {
    /// Apply the regime to a period's readings with `bank_in_kwh` carried in; `year_end` pays
    /// or lapses what is left in the bank.
    pub fn apply(&self, r: &Readings, bank_in_kwh: f64, year_end: bool) -> Metered {
        let blocks = r.import_kwh.len();
        let mut out = Metered {
            billed_kwh: vec![0.0; blocks],
            ..Metered::default()
        };
        let mut surplus = bank_in_kwh;
        match self.regime {
            Regime::NetBilling => {
                out.billed_kwh.clone_from(&r.import_kwh);
                let export: f64 = r.export_kwh.iter().sum();
                if export > 0.0 {
                    out.credits.push(export_line(
                        export,
                        self.feed_in_per_kwh,
                        "Export at feed-in",
                    ));
                }
            }
            Regime::Gross => {
                for b in 0..blocks {
                    out.billed_kwh[b] = (r.import_kwh[b] + r.pv_kwh[b] - r.export_kwh[b]).max(0.0);
                }
                let pv: f64 = r.pv_kwh.iter().sum();
                if pv > 0.0 {
                    out.credits.push(export_line(
                        pv,
                        self.feed_in_per_kwh,
                        "All PV sold at feed-in (gross)",
                    ));
                }
            }
            Regime::NetMetering => {
                let import: f64 = r.import_kwh.iter().sum();
                surplus += r.export_kwh.iter().sum::<f64>();
                let offset = surplus.min(import);
                surplus -= offset;
                for b in 0..blocks {
                    let share = if import > 0.0 {
                        r.import_kwh[b] / import
                    } else {
                        0.0
                    };
                    out.billed_kwh[b] = (import - offset) * share;
                }
            }
            Regime::TodNetMetering => {
                for b in 0..blocks {
                    let own = r.export_kwh[b].min(r.import_kwh[b]);
                    out.billed_kwh[b] = r.import_kwh[b] - own;
                    surplus += r.export_kwh[b] - own;
                }
                let left: f64 = out.billed_kwh.iter().sum();
                let offset = surplus.min(left);
                surplus -= offset;
                if left > 0.0 {
                    for x in &mut out.billed_kwh {
                        *x -= offset * *x / left;
                    }
                }
            }
        }
        if year_end && surplus > 0.0 {
            if let Some(rate) = self.year_end_per_kwh {
                out.credits.push(export_line(
                    surplus,
                    rate,
                    "Banked units paid at the year end",
                ));
            } else {
                out.credits.push(BillLine {
                    key: "bank_lapsed".into(),
                    name: format!("{surplus:.0} banked units lapsed at the year end"),
                    amount: 0.0,
                    party: Party::Discom,
                });
            }
            surplus = 0.0;
        }
        out.bank_out_kwh = surplus;
        out
    }

    /// The value of one more exported kWh for a member whose period so far nets to
    /// `net_so_far_kwh` (import − export − bank), given its marginal retail price.
    pub fn export_value_per_kwh(&self, net_so_far_kwh: f64, marginal_retail_per_kwh: f64) -> f64 {
        match self.regime {
            Regime::NetBilling | Regime::Gross => self.feed_in_per_kwh,
            Regime::NetMetering | Regime::TodNetMetering => {
                if net_so_far_kwh > 0.0 {
                    marginal_retail_per_kwh
                } else {
                    self.year_end_per_kwh.unwrap_or(0.0)
                }
            }
        }
    }
}

fn export_line(kwh: f64, rate: f64, what: &str) -> BillLine {
    BillLine {
        key: "export_credit".into(),
        name: format!("{what}: {kwh:.1} units × {rate:.2}"),
        amount: -kwh * rate,
        party: Party::Discom,
    }
}
