//! Fixed charges: per connection (by phase), per kW of sanctioned load at the rate of the load
//! band (Delhi, UP), or set by the band the period's consumption falls in (Kerala).

use serde::{Deserialize, Serialize};

use super::{BillLine, BillingError, Connection, Phase};

/// A band of sanctioned load and its rate, ₹ per kW per month.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoadBand {
    /// Applies to sanctioned loads up to this, kW (None: any).
    pub up_to_kw: Option<f64>,
    /// ₹ per kW of the whole sanctioned load, per month.
    pub per_kw_month: f64,
}

/// A band of consumption and its fixed charge, ₹ per month.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsumptionBand {
    /// Applies to period totals up to this, kWh (None: any).
    pub up_to_kwh: Option<f64>,
    /// Single-phase connection, ₹/month.
    pub single_phase: f64,
    /// Three-phase connection, ₹/month.
    pub three_phase: f64,
}

/// How the fixed charge is set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FixedCharge {
    /// No fixed charge.
    #[default]
    None,
    /// One charge per connection and month.
    PerConnection {
        /// Single-phase, ₹/month.
        single_phase: f64,
        /// Three-phase, ₹/month.
        three_phase: f64,
    },
    /// The whole sanctioned load at its band's rate (not band by band).
    PerKwByLoadBand {
        /// Bands in increasing order of `up_to_kw`.
        bands: Vec<LoadBand>,
    },
    /// The band of the period's billed units sets the charge.
    ByConsumptionBand {
        /// Bands in increasing order of `up_to_kwh`.
        bands: Vec<ConsumptionBand>,
    },
}

impl FixedCharge {
    /// Check order and signs; errors name the band (1-based).
    pub fn validate(&self) -> Result<(), BillingError> {
        let bounds: Vec<(Option<f64>, Vec<f64>)> = match self {
            Self::None => return Ok(()),
            Self::PerConnection {
                single_phase,
                three_phase,
            } => vec![(None, vec![*single_phase, *three_phase])],
            Self::PerKwByLoadBand { bands } => bands
                .iter()
                .map(|b| (b.up_to_kw, vec![b.per_kw_month]))
                .collect(),
            Self::ByConsumptionBand { bands } => bands
                .iter()
                .map(|b| (b.up_to_kwh, vec![b.single_phase, b.three_phase]))
                .collect(),
        };
        if bounds.is_empty() {
            return Err(BillingError::field(
                "fixed.bands",
                "needs at least one band",
            ));
        }
        let mut lower = 0.0;
        for (i, (up, rates)) in bounds.iter().enumerate() {
            let at = format!("fixed.bands[{}]", i + 1);
            if rates
                .iter()
                .any(|r| !(r.is_finite() && (0.0..=1e6).contains(r)))
            {
                return Err(BillingError::field(
                    at,
                    "charges must be from 0 to ₹1,000,000",
                ));
            }
            match up {
                Some(u) if !(u.is_finite() && *u > lower) => {
                    return Err(BillingError::field(
                        at + ".up_to",
                        format!("bands must increase without overlap: {u} is not above {lower}"),
                    ))
                }
                Some(u) => lower = *u,
                None if i + 1 != bounds.len() => {
                    return Err(BillingError::field(
                        at + ".up_to",
                        "only the last band may be open-ended",
                    ))
                }
                None => {}
            }
        }
        if bounds.last().is_some_and(|(up, _)| up.is_some()) {
            return Err(BillingError::field(
                format!("fixed.bands[{}].up_to", bounds.len()),
                "the last band must be open-ended",
            ));
        }
        Ok(())
    }

    /// The fixed charge of one period: `months` of charge (2 for a bimonthly bill) scaled by
    /// `factor` (pro-rating by billing days); consumption bands see `units`.
    pub fn line(
        &self,
        connection: &Connection,
        units: f64,
        months: f64,
        factor: f64,
    ) -> Option<BillLine> {
        let per_month = match self {
            Self::None => return None,
            Self::PerConnection {
                single_phase,
                three_phase,
            } => match connection.phase {
                Phase::Single => *single_phase,
                Phase::Three => *three_phase,
            },
            Self::PerKwByLoadBand { bands } => {
                let band = bands
                    .iter()
                    .find(|b| b.up_to_kw.is_none_or(|u| connection.sanctioned_kw <= u))
                    .or(bands.last())?;
                band.per_kw_month * connection.sanctioned_kw
            }
            Self::ByConsumptionBand { bands } => {
                let band = bands
                    .iter()
                    .find(|b| {
                        b.up_to_kwh
                            .is_none_or(|u| units <= super::slabs::scale(u, factor * months))
                    })
                    .or(bands.last())?;
                match connection.phase {
                    Phase::Single => band.single_phase,
                    Phase::Three => band.three_phase,
                }
            }
        };
        Some(BillLine::consumer(
            "fixed",
            match self {
                Self::PerKwByLoadBand { .. } => {
                    format!("Fixed charge ({} kW sanctioned)", connection.sanctioned_kw)
                }
                _ => "Fixed charge".to_string(),
            },
            per_month * months * factor,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delhi_bills_the_whole_load_at_its_band_rate() {
        let f = FixedCharge::PerKwByLoadBand {
            bands: vec![
                LoadBand {
                    up_to_kw: Some(2.0),
                    per_kw_month: 20.0,
                },
                LoadBand {
                    up_to_kw: Some(5.0),
                    per_kw_month: 50.0,
                },
                LoadBand {
                    up_to_kw: None,
                    per_kw_month: 100.0,
                },
            ],
        };
        f.validate().unwrap();
        let c = Connection {
            sanctioned_kw: 3.0,
            phase: Phase::Single,
        };
        assert_eq!(f.line(&c, 545.0, 1.0, 1.0).unwrap().amount, 150.0);
        let c = Connection {
            sanctioned_kw: 2.0,
            phase: Phase::Single,
        };
        assert_eq!(f.line(&c, 545.0, 1.0, 1.0).unwrap().amount, 40.0);
    }

    #[test]
    fn unordered_bands_are_refused() {
        let f = FixedCharge::PerKwByLoadBand {
            bands: vec![
                LoadBand {
                    up_to_kw: Some(5.0),
                    per_kw_month: 20.0,
                },
                LoadBand {
                    up_to_kw: Some(2.0),
                    per_kw_month: 50.0,
                },
                LoadBand {
                    up_to_kw: None,
                    per_kw_month: 100.0,
                },
            ],
        };
        assert!(f
            .validate()
            .unwrap_err()
            .to_string()
            .contains("fixed.bands[2]"));
    }
}
