//! The state presets of TARIFFS.md §2, each with its source and year. Where the reference marks
//! a value unconfirmed [U] or leaves it out, the preset says what it assumed in `notes`.

use serde::{Deserialize, Serialize};

use super::*;

/// The retail presets, by CLI and scenario id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RetailPreset {
    /// Delhi (DERC), BSES/TPDDL domestic.
    Delhi,
    /// Maharashtra (MSEDCL LT-I(B)).
    Msedcl,
    /// Uttar Pradesh urban domestic.
    UpUrban,
    /// Uttar Pradesh rural metered domestic.
    UpRural,
    /// Tamil Nadu (TANGEDCO), bimonthly.
    TamilNadu,
    /// Kerala (KSEB).
    Kerala,
}

fn percent(key: &str, name: &str, pct: f64, base: &[&str]) -> PercentAdder {
    PercentAdder {
        key: key.into(),
        name: name.into(),
        percent: pct,
        base: base.iter().map(|s| s.to_string()).collect(),
    }
}

fn net_metering(feed_in: f64, year_end: Option<f64>) -> Metering {
    Metering {
        regime: Regime::NetMetering,
        feed_in_per_kwh: feed_in,
        year_end_per_kwh: year_end,
        settlement_month: 3,
    }
}

fn band(up_to_kw: Option<f64>, per_kw_month: f64) -> LoadBand {
    LoadBand {
        up_to_kw,
        per_kw_month,
    }
}

impl RetailPreset {
    /// Every preset, in display order.
    pub const ALL: [RetailPreset; 6] = [
        Self::Delhi,
        Self::Msedcl,
        Self::UpUrban,
        Self::UpRural,
        Self::TamilNadu,
        Self::Kerala,
    ];

    /// The id used in the CLI and scenario files.
    pub fn key(self) -> &'static str {
        match self {
            Self::Delhi => "delhi",
            Self::Msedcl => "msedcl",
            Self::UpUrban => "up-urban",
            Self::UpRural => "up-rural",
            Self::TamilNadu => "tamil-nadu",
            Self::Kerala => "kerala",
        }
    }

    /// The preset of an id.
    pub fn from_key(key: &str) -> Result<Self, BillingError> {
        Self::ALL
            .into_iter()
            .find(|p| p.key() == key)
            .ok_or_else(|| {
                BillingError::UnknownPreset(
                    key.to_string(),
                    Self::ALL
                        .iter()
                        .map(|p| p.key())
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            })
    }

    /// The tariff.
    pub fn tariff(self) -> RetailTariff {
        match self {
            Self::Delhi => delhi(),
            Self::Msedcl => msedcl(),
            Self::UpUrban => up(true),
            Self::UpRural => up(false),
            Self::TamilNadu => tamil_nadu(),
            Self::Kerala => kerala(),
        }
    }
}

fn delhi() -> RetailTariff {
    RetailTariff {
        id: "delhi".into(),
        name: "Delhi (DERC) domestic".into(),
        source: "DERC tariff schedule FY2019-20 (reported unchanged to FY2023-24); PPAC 20.69% and surcharges as on a BSES Rajdhani bill of Aug 2022; subsidy of the Delhi government from 1 Aug 2019 (TARIFFS.md §2.1, §3)".into(),
        year: "FY2019-20 schedule, Aug 2022 adders".into(),
        period: BillingPeriod::Monthly,
        prorate_nominal_days: Some(30.8),
        energy: EnergyCharge::telescopic(&[
            (Some(200.0), 3.00),
            (Some(400.0), 4.50),
            (Some(800.0), 6.50),
            (Some(1200.0), 7.00),
            (None, 8.00),
        ]),
        time_of_day: None,
        fixed: FixedCharge::PerKwByLoadBand {
            bands: vec![
                band(Some(2.0), 20.0),
                band(Some(5.0), 50.0),
                band(Some(15.0), 100.0),
                band(Some(25.0), 200.0),
                band(None, 250.0),
            ],
        },
        per_kwh_adders: vec![],
        percent_adders: vec![
            percent("ppac_energy", "PPAC on energy", 20.69, &["energy"]),
            percent("ppac_fixed", "PPAC on fixed", 20.69, &["fixed"]),
            percent("regulatory_surcharge", "Regulatory-asset surcharge", 8.0, &["fixed", "energy"]),
            percent("pension_surcharge", "Pension-trust surcharge", 7.0, &["fixed", "energy"]),
            percent("electricity_tax", "Electricity tax", 5.0, &["energy", "ppac_energy", "regulatory_surcharge"]),
        ],
        subsidy: Some(Subsidy {
            payer: "Government of NCT of Delhi".into(),
            tiers: vec![
                SubsidyTier { up_to_kwh: Some(200.0), benefits: vec![Benefit::WholeBill] },
                SubsidyTier {
                    up_to_kwh: Some(400.0),
                    benefits: vec![Benefit::PercentOfBill { percent: 50.0, cap_per_month: Some(800.0) }],
                },
            ],
        }),
        metering: net_metering(3.5, Some(3.5)),
        dispatch_reference_kwh_per_month: 200.0,
        notes: vec![
            "Slab limits, the fixed charge and the subsidy thresholds scale by billing days ÷ 30.8 (the printed factor 0.974 = 146.13 ÷ 150 for 30 days), limits rounded to whole units.".into(),
            "Electricity tax: the printed base (3,178.60) matches no sum of printed lines; we take energy + PPAC on energy + regulatory-asset surcharge (3,190.33, tax 159.52 against 158.93 printed).".into(),
            "The subsidy's 50% is taken of the whole bill before subsidy; the 200/400 thresholds and the ₹800 cap are pro-rated by billing days like the slabs [U].".into(),
            "APPC (net-metering year-end payout and feed-in) is not in TARIFFS.md: ₹3.50 is an assumption to edit or sweep.".into(),
        ],
    }
}

fn msedcl() -> RetailTariff {
    RetailTariff {
        id: "msedcl".into(),
        name: "Maharashtra (MSEDCL LT-I(B)) residential".into(),
        source: "MERC tariff FY2024-25 as reported by India TV (1 Apr 2024), Nagpur Trends (2024) and Hitavada (26 Jun 2025); fixed charge HT Apr 2024; duty 16% (Asian Age, 2016) (TARIFFS.md §2.2)".into(),
        year: "FY2024-25".into(),
        period: BillingPeriod::Monthly,
        prorate_nominal_days: None,
        energy: EnergyCharge::telescopic(&[(Some(100.0), 4.71), (Some(300.0), 10.29), (Some(500.0), 14.55), (None, 16.64)]),
        time_of_day: None,
        fixed: FixedCharge::PerConnection { single_phase: 128.0, three_phase: 128.0 },
        per_kwh_adders: vec![PerKwhAdder { key: "wheeling".into(), name: "Wheeling charge".into(), per_kwh: 1.17 }],
        percent_adders: vec![percent("electricity_duty", "Electricity duty", 16.0, &["energy", "fixed", "wheeling"])],
        subsidy: None,
        metering: net_metering(2.90, Some(2.90)),
        dispatch_reference_kwh_per_month: 200.0,
        notes: vec![
            "Telescopic assumed [U]; the >500 base is 16.64 (India TV total − wheeling), not Hitavada's 16.54.".into(),
            "Three-phase fixed charge is not in TARIFFS.md: the single-phase ₹128 is used.".into(),
            "Duty 16% is taken on energy + fixed + wheeling (\"consumption charges\" [U]); FAC (₹0.35–0.95 by slab, revised monthly) is left out.".into(),
            "Net-metering surplus paid at the latest discovered grid-solar tariff, ₹2.90 (FY2024-25).".into(),
        ],
    }
}

fn up(urban: bool) -> RetailTariff {
    let (id, name, slabs, fixed_per_kw) = if urban {
        (
            "up-urban",
            "Uttar Pradesh urban domestic",
            [5.50, 5.50, 6.00, 6.50],
            110.0,
        )
    } else {
        (
            "up-rural",
            "Uttar Pradesh rural metered domestic",
            [3.35, 3.85, 5.00, 5.50],
            0.0,
        )
    };
    let mut notes = vec![
        "Duty 5% and regulatory surcharge 5.22% on energy + fixed are 2015 values [U].".into(),
        "Net-metering surplus paid at ₹2.98 plus the 25% incentive (₹3.725).".into(),
    ];
    if !urban {
        notes.push("The rural metered fixed charge is not in TARIFFS.md: left at 0.".into());
    }
    RetailTariff {
        id: id.into(),
        name: name.into(),
        source: "UPERC tariff order FY2022-23 (Zee News 2022; splco.me); urban fixed ₹110/kW (Powerline, 12 Nov 2020); duty and surcharge 2015 (gosmartroof) (TARIFFS.md §2.3)".into(),
        year: "FY2022-23".into(),
        period: BillingPeriod::Monthly,
        prorate_nominal_days: None,
        energy: EnergyCharge::telescopic(&[
            (Some(100.0), slabs[0]),
            (Some(150.0), slabs[1]),
            (Some(300.0), slabs[2]),
            (None, slabs[3]),
        ]),
        time_of_day: None,
        fixed: if fixed_per_kw > 0.0 {
            FixedCharge::PerKwByLoadBand { bands: vec![band(None, fixed_per_kw)] }
        } else {
            FixedCharge::None
        },
        per_kwh_adders: vec![],
        percent_adders: vec![
            percent("electricity_duty", "Electricity duty", 5.0, &["energy", "fixed"]),
            percent("regulatory_surcharge", "Regulatory surcharge", 5.22, &["energy", "fixed"]),
        ],
        subsidy: None,
        metering: net_metering(3.725, Some(3.725)),
        dispatch_reference_kwh_per_month: 200.0,
        notes,
    }
}

fn tamil_nadu() -> RetailTariff {
    RetailTariff {
        id: "tamil-nadu".into(),
        name: "Tamil Nadu (TANGEDCO) domestic, bimonthly".into(),
        source: "TNERC tariff from 1 Jul 2024 (+4.83%; The Hans India); subsidy as in the 2022 bill totals (poluronline) (TARIFFS.md §2.4)".into(),
        year: "from 1 Jul 2024".into(),
        period: BillingPeriod::Bimonthly,
        prorate_nominal_days: None,
        energy: EnergyCharge::telescopic(&[
            (Some(400.0), 4.80),
            (Some(500.0), 6.45),
            (Some(600.0), 8.55),
            (Some(800.0), 9.65),
            (Some(1000.0), 10.70),
            (None, 11.80),
        ]),
        time_of_day: None,
        fixed: FixedCharge::None,
        per_kwh_adders: vec![],
        percent_adders: vec![],
        subsidy: Some(Subsidy {
            payer: "Government of Tamil Nadu".into(),
            tiers: vec![
                SubsidyTier {
                    up_to_kwh: Some(500.0),
                    benefits: vec![
                        Benefit::FreeUnits { kwh: 100.0 },
                        Benefit::PerKwhOnUnits { from_kwh: 100.0, to_kwh: 200.0, per_kwh: 2.40 },
                    ],
                },
                SubsidyTier { up_to_kwh: None, benefits: vec![Benefit::FreeUnits { kwh: 100.0 }] },
            ],
        }),
        metering: Metering {
            regime: Regime::NetBilling,
            feed_in_per_kwh: 3.10,
            year_end_per_kwh: None,
            settlement_month: 3,
        },
        dispatch_reference_kwh_per_month: 200.0,
        notes: vec![
            "Slabs are per two-month bill. The first 100 units are free; up to 500 units, 101–200 are half-price (₹2.40 of ₹4.80, the 2022 rule carried to 2024 rates [U]); above 500 only the 100 free units remain (a cliff).".into(),
            "Fixed charge [U]: none. TN uses net billing (feed-in ₹3.10, the lowest of ₹3.10–3.61); a net-metering surplus is not paid.".into(),
        ],
    }
}

fn kerala() -> RetailTariff {
    let bands = [
        (Some(50.0), 40.0, 100.0),
        (Some(100.0), 65.0, 140.0),
        (Some(150.0), 85.0, 170.0),
        (Some(200.0), 120.0, 180.0),
        (Some(250.0), 130.0, 200.0),
        (Some(300.0), 150.0, 205.0),
        (Some(350.0), 175.0, 210.0),
        (Some(400.0), 200.0, 210.0),
        (Some(500.0), 230.0, 235.0),
        (None, 260.0, 260.0),
    ];
    RetailTariff {
        id: "kerala".into(),
        name: "Kerala (KSEB) domestic".into(),
        source: "KSERC interim order in force 1 Nov 2023 – 30 Jun 2024 (TARIFFS.md §2.5); ToD above 500 units (KSEB, pgea.in)".into(),
        year: "Nov 2023".into(),
        period: BillingPeriod::Monthly,
        prorate_nominal_days: None,
        energy: EnergyCharge {
            categories: vec![
                SlabCategory::new(
                    Some(250.0),
                    SlabMode::Telescopic,
                    &[(Some(50.0), 3.25), (Some(100.0), 4.05), (Some(150.0), 5.10), (Some(200.0), 6.95), (Some(250.0), 8.20)],
                ),
                SlabCategory::new(
                    None,
                    SlabMode::AllUnits,
                    &[(Some(300.0), 6.40), (Some(350.0), 7.25), (Some(400.0), 7.60), (Some(500.0), 7.90), (None, 8.80)],
                ),
            ],
        },
        time_of_day: Some(TimeOfDay {
            windows: vec![
                TodWindow { name: "peak".into(), start_hour: 18, end_hour: 22, multiplier: 1.2, rebate_per_kwh: 0.0 },
                TodWindow { name: "off-peak".into(), start_hour: 22, end_hour: 6, multiplier: 0.9, rebate_per_kwh: 0.0 },
            ],
            applies_above_kwh: Some(500.0),
        }),
        fixed: FixedCharge::ByConsumptionBand {
            bands: bands
                .iter()
                .map(|&(up_to_kwh, single_phase, three_phase)| ConsumptionBand { up_to_kwh, single_phase, three_phase })
                .collect(),
        },
        per_kwh_adders: vec![],
        percent_adders: vec![],
        subsidy: None,
        metering: net_metering(3.15, Some(3.15)),
        dispatch_reference_kwh_per_month: 200.0,
        notes: vec![
            "Telescopic to 250 units; above 250 every unit at one rate and a higher fixed charge (a cliff).".into(),
            "Electricity duty (Kerala Electricity Duty Act 1963) rate [U]: left out. Year-end surplus paid at the APPC ₹3.15 (FY2023-24); the Tata blog says it lapses [U].".into(),
        ],
    }
}
