//! Edits of a retail tariff and of the scenario's billing settings ([`billing`]), as typed in
//! the retail editor: applied to a copy and checked by the engine (`RetailTariff::validate`,
//! `BillingSettings::validate`), so a refused edit names the field the engine names
//! (`energy.categories[1].slabs[2].up_to_kwh`) and changes nothing. Plain Rust, tested here.

mod billing;

pub use billing::{apply_billing_edit, BillingEdit};

use engine::billing::{FixedCharge, Regime, RetailPreset, RetailTariff, Slab, SlabMode};

use crate::tariff_controls::tariff_from_retail;

/// Which charge of a fixed-charge band a number is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixedColumn {
    /// Single-phase ₹/month, or ₹/kW/month of a load band.
    Single,
    /// Three-phase ₹/month.
    Three,
}

/// One edit of the retail tariff (numbers as typed).
#[derive(Clone, Debug, PartialEq)]
pub enum RetailEdit {
    /// A slab's upper bound, kWh per period (empty: no bound).
    SlabBound {
        /// Category index (0-based).
        category: usize,
        /// Slab index (0-based).
        slab: usize,
        /// As typed.
        text: String,
    },
    /// A slab's rate, ₹/kWh.
    SlabRate {
        /// Category index.
        category: usize,
        /// Slab index.
        slab: usize,
        /// As typed.
        text: String,
    },
    /// Telescopic or all-units.
    SlabMode {
        /// Category index.
        category: usize,
        /// The mode.
        mode: SlabMode,
    },
    /// Split the last slab: a new slab 100 units above the previous bound.
    AddSlab {
        /// Category index.
        category: usize,
    },
    /// Remove a slab (the last one's predecessor becomes open-ended).
    RemoveSlab {
        /// Category index.
        category: usize,
        /// Slab index.
        slab: usize,
    },
    /// The largest period total a category applies to (empty: any).
    CategoryLimit {
        /// Category index.
        category: usize,
        /// As typed.
        text: String,
    },
    /// A fixed charge: per connection (band 0), a load band's ₹/kW or a consumption band's ₹.
    FixedRate {
        /// Band index (0 for per-connection).
        band: usize,
        /// Which charge.
        column: FixedColumn,
        /// As typed.
        text: String,
    },
    /// A fixed-charge band's upper bound (kW or kWh; empty: none).
    FixedBound {
        /// Band index.
        band: usize,
        /// As typed.
        text: String,
    },
    /// A ₹/kWh adder's rate.
    PerKwhAdder {
        /// Adder index.
        index: usize,
        /// As typed.
        text: String,
    },
    /// A percentage adder's percent.
    PercentAdder {
        /// Adder index.
        index: usize,
        /// As typed.
        text: String,
    },
    /// A percentage adder's base: line keys separated by `+` or commas.
    PercentBase {
        /// Adder index.
        index: usize,
        /// As typed.
        text: String,
    },
    /// The preset's subsidy on, or no subsidy.
    Subsidy(bool),
    /// How exports are settled.
    Regime(Regime),
    /// Feed-in rate, ₹/kWh (net billing and gross).
    FeedIn(String),
    /// Year-end rate of banked units (APPC), ₹/kWh; empty: a surplus lapses.
    YearEnd(String),
}

fn number(field: &str, text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("tariff: {field}: '{text}' is not a number"))
}

/// Empty (or "none", "∞"): no bound.
fn bound(field: &str, text: &str) -> Result<Option<f64>, String> {
    match text.trim() {
        "" | "none" | "∞" | "-" | "—" => Ok(None),
        t => number(field, t).map(Some),
    }
}

fn slab_field(category: usize, slab: usize, name: &str) -> String {
    format!(
        "energy.categories[{}].slabs[{}].{name}",
        category + 1,
        slab + 1
    )
}

fn missing(what: &str) -> String {
    format!("tariff: {what} does not exist in this tariff")
}

fn slabs_of(t: &mut RetailTariff, c: usize) -> Result<&mut Vec<Slab>, String> {
    t.energy
        .categories
        .get_mut(c)
        .map(|c| &mut c.slabs)
        .ok_or_else(|| missing(&format!("energy.categories[{}]", c + 1)))
}

/// The tariff after `edit`, or the engine's reason it cannot be used (the tariff is unchanged).
pub fn apply_retail_edit(tariff: &RetailTariff, edit: &RetailEdit) -> Result<RetailTariff, String> {
    let mut t = tariff.clone();
    match edit {
        RetailEdit::SlabBound {
            category,
            slab,
            text,
        } => {
            let value = bound(&slab_field(*category, *slab, "up_to_kwh"), text)?;
            let slabs = slabs_of(&mut t, *category)?;
            let s = slabs
                .get_mut(*slab)
                .ok_or_else(|| missing(&slab_field(*category, *slab, "up_to_kwh")))?;
            s.up_to_kwh = value;
        }
        RetailEdit::SlabRate {
            category,
            slab,
            text,
        } => {
            let value = number(&slab_field(*category, *slab, "rate_per_kwh"), text)?;
            let slabs = slabs_of(&mut t, *category)?;
            let s = slabs
                .get_mut(*slab)
                .ok_or_else(|| missing(&slab_field(*category, *slab, "rate_per_kwh")))?;
            s.rate_per_kwh = value;
        }
        RetailEdit::SlabMode { category, mode } => {
            let c = t
                .energy
                .categories
                .get_mut(*category)
                .ok_or_else(|| missing(&format!("energy.categories[{}]", category + 1)))?;
            c.mode = *mode;
        }
        RetailEdit::AddSlab { category } => {
            let slabs = slabs_of(&mut t, *category)?;
            let n = slabs.len();
            match slabs.last().copied() {
                None => slabs.push(Slab {
                    up_to_kwh: None,
                    rate_per_kwh: 5.0,
                }),
                // Split the open-ended last slab 100 units above the bound before it.
                Some(Slab {
                    up_to_kwh: None,
                    rate_per_kwh,
                }) => {
                    let before = n
                        .checked_sub(2)
                        .and_then(|i| slabs[i].up_to_kwh)
                        .unwrap_or(0.0);
                    slabs.insert(
                        n - 1,
                        Slab {
                            up_to_kwh: Some(before + 100.0),
                            rate_per_kwh,
                        },
                    );
                }
                Some(Slab {
                    up_to_kwh: Some(b),
                    rate_per_kwh,
                }) => slabs.push(Slab {
                    up_to_kwh: Some(b + 100.0),
                    rate_per_kwh,
                }),
            }
        }
        RetailEdit::RemoveSlab { category, slab } => {
            let slabs = slabs_of(&mut t, *category)?;
            if *slab >= slabs.len() {
                return Err(missing(&slab_field(*category, *slab, "up_to_kwh")));
            }
            let removed = slabs.remove(*slab);
            // Removing the open-ended last slab makes the one before it open-ended.
            if *slab == slabs.len() && removed.up_to_kwh.is_none() {
                if let Some(last) = slabs.last_mut() {
                    last.up_to_kwh = None;
                }
            }
        }
        RetailEdit::CategoryLimit { category, text } => {
            let field = format!("energy.categories[{}].applies_up_to_kwh", category + 1);
            let value = bound(&field, text)?;
            let c = t
                .energy
                .categories
                .get_mut(*category)
                .ok_or_else(|| missing(&field))?;
            c.applies_up_to_kwh = value;
        }
        RetailEdit::FixedRate { band, column, text } => {
            let field = format!("fixed.bands[{}]", band + 1);
            let value = number(&field, text)?;
            let single = *column == FixedColumn::Single;
            match &mut t.fixed {
                FixedCharge::PerConnection {
                    single_phase,
                    three_phase,
                } => *(if single { single_phase } else { three_phase }) = value,
                FixedCharge::PerKwByLoadBand { bands } => {
                    bands
                        .get_mut(*band)
                        .ok_or_else(|| missing(&field))?
                        .per_kw_month = value;
                }
                FixedCharge::ByConsumptionBand { bands } => {
                    let b = bands.get_mut(*band).ok_or_else(|| missing(&field))?;
                    *(if single {
                        &mut b.single_phase
                    } else {
                        &mut b.three_phase
                    }) = value;
                }
                FixedCharge::None => return Err(missing("a fixed charge")),
            }
        }
        RetailEdit::FixedBound { band, text } => {
            let field = format!("fixed.bands[{}].up_to", band + 1);
            let value = bound(&field, text)?;
            match &mut t.fixed {
                FixedCharge::PerKwByLoadBand { bands } => {
                    bands
                        .get_mut(*band)
                        .ok_or_else(|| missing(&field))?
                        .up_to_kw = value;
                }
                FixedCharge::ByConsumptionBand { bands } => {
                    bands
                        .get_mut(*band)
                        .ok_or_else(|| missing(&field))?
                        .up_to_kwh = value;
                }
                _ => return Err(missing(&field)),
            }
        }
        RetailEdit::PerKwhAdder { index, text } => {
            let a = t
                .per_kwh_adders
                .get_mut(*index)
                .ok_or_else(|| missing(&format!("per_kwh_adders[{}]", index + 1)))?;
            a.per_kwh = number(
                &format!("per_kwh_adders[{}] ({}).per_kwh", index + 1, a.key),
                text,
            )?;
        }
        RetailEdit::PercentAdder { index, text } => {
            let a = t
                .percent_adders
                .get_mut(*index)
                .ok_or_else(|| missing(&format!("percent_adders[{}]", index + 1)))?;
            a.percent = number(
                &format!("percent_adders[{}] ({}).percent", index + 1, a.key),
                text,
            )?;
        }
        RetailEdit::PercentBase { index, text } => {
            let a = t
                .percent_adders
                .get_mut(*index)
                .ok_or_else(|| missing(&format!("percent_adders[{}]", index + 1)))?;
            a.base = text
                .split(['+', ','])
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_string)
                .collect();
        }
        RetailEdit::Subsidy(on) => {
            t.subsidy = if *on {
                let preset = RetailPreset::from_key(&t.id)
                    .ok()
                    .and_then(|p| p.tariff().subsidy);
                Some(preset.ok_or_else(|| {
                    format!(
                        "tariff: subsidy: {} has no state subsidy to turn on",
                        tariff.name
                    )
                })?)
            } else {
                None
            };
        }
        RetailEdit::Regime(r) => t.metering.regime = *r,
        RetailEdit::FeedIn(text) => {
            t.metering.feed_in_per_kwh = number("metering.feed_in_per_kwh", text)?;
        }
        RetailEdit::YearEnd(text) => {
            t.metering.year_end_per_kwh = bound("metering.year_end_per_kwh", text)?;
        }
    }
    tariff_from_retail(&t)?;
    Ok(t)
}

/// A number for an input box: no trailing zeros.
pub fn show_number(v: f64) -> String {
    let s = format!("{:.4}", v);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A bound for an input box (empty: none).
pub fn show_bound(v: Option<f64>) -> String {
    v.map_or_else(String::new, show_number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delhi() -> RetailTariff {
        RetailPreset::Delhi.tariff()
    }

    fn bound_of(c: usize, s: usize, text: &str) -> RetailEdit {
        RetailEdit::SlabBound {
            category: c,
            slab: s,
            text: text.into(),
        }
    }

    #[test]
    fn a_slab_below_the_previous_is_refused_by_name_and_changes_nothing() {
        let t = delhi();
        let err = apply_retail_edit(&t, &bound_of(0, 1, "150")).unwrap_err();
        assert!(
            err.contains("energy.categories[1].slabs[2].up_to_kwh"),
            "{err}"
        );
        assert!(err.contains("increasing order"), "{err}");
        let err = apply_retail_edit(&t, &bound_of(0, 1, "abc")).unwrap_err();
        assert!(
            err.contains("slabs[2].up_to_kwh: 'abc' is not a number"),
            "{err}"
        );
        let ok = apply_retail_edit(&t, &bound_of(0, 1, "350")).unwrap();
        assert_eq!(ok.energy.categories[0].slabs[1].up_to_kwh, Some(350.0));
        let err = apply_retail_edit(
            &t,
            &RetailEdit::SlabRate {
                category: 0,
                slab: 0,
                text: "-1".into(),
            },
        )
        .unwrap_err();
        assert!(err.contains("slabs[1].rate_per_kwh"), "{err}");
    }

    #[test]
    fn rows_are_added_and_removed_keeping_the_last_open_ended() {
        let t = delhi();
        let added = apply_retail_edit(&t, &RetailEdit::AddSlab { category: 0 }).unwrap();
        let slabs = &added.energy.categories[0].slabs;
        assert_eq!(slabs.len(), 6);
        assert_eq!(slabs[4].up_to_kwh, Some(1300.0));
        assert_eq!(slabs[5].up_to_kwh, None);
        let removed = apply_retail_edit(
            &t,
            &RetailEdit::RemoveSlab {
                category: 0,
                slab: 4,
            },
        )
        .unwrap();
        let slabs = &removed.energy.categories[0].slabs;
        assert_eq!(slabs.len(), 4);
        assert_eq!(slabs[3].up_to_kwh, None);
        assert_eq!(slabs[3].rate_per_kwh, 7.0);
        let middle = apply_retail_edit(
            &t,
            &RetailEdit::RemoveSlab {
                category: 0,
                slab: 1,
            },
        )
        .unwrap();
        assert_eq!(middle.energy.categories[0].slabs[1].up_to_kwh, Some(800.0));
    }

    #[test]
    fn fixed_adders_subsidy_and_metering_are_edited() {
        let t = delhi();
        let t = apply_retail_edit(
            &t,
            &RetailEdit::FixedRate {
                band: 1,
                column: FixedColumn::Single,
                text: "60".into(),
            },
        )
        .unwrap();
        let FixedCharge::PerKwByLoadBand { bands } = &t.fixed else {
            panic!("load bands")
        };
        assert_eq!(bands[1].per_kw_month, 60.0);
        let err = apply_retail_edit(
            &t,
            &RetailEdit::FixedBound {
                band: 1,
                text: "1".into(),
            },
        )
        .unwrap_err();
        assert!(err.contains("fixed.bands[2]"), "{err}");
        let t = apply_retail_edit(
            &t,
            &RetailEdit::PercentAdder {
                index: 0,
                text: "13.54".into(),
            },
        )
        .unwrap();
        assert_eq!(t.percent_adders[0].percent, 13.54);
        let err = apply_retail_edit(
            &t,
            &RetailEdit::PercentBase {
                index: 4,
                text: "energy + duty".into(),
            },
        )
        .unwrap_err();
        assert!(
            err.contains("percent_adders[5] (electricity_tax).base"),
            "{err}"
        );
        let off = apply_retail_edit(&t, &RetailEdit::Subsidy(false)).unwrap();
        assert!(off.subsidy.is_none());
        let on = apply_retail_edit(&off, &RetailEdit::Subsidy(true)).unwrap();
        assert_eq!(on.subsidy, delhi().subsidy);
        assert!(
            apply_retail_edit(&RetailPreset::Msedcl.tariff(), &RetailEdit::Subsidy(true)).is_err()
        );
        let nb = apply_retail_edit(&t, &RetailEdit::Regime(Regime::NetBilling)).unwrap();
        assert_eq!(nb.metering.regime, Regime::NetBilling);
        let lapses = apply_retail_edit(&t, &RetailEdit::YearEnd(String::new())).unwrap();
        assert_eq!(lapses.metering.year_end_per_kwh, None);
        assert!(apply_retail_edit(&t, &RetailEdit::FeedIn("-2".into()))
            .unwrap_err()
            .contains("metering.feed_in_per_kwh"));
    }
}
