//! Time of day on the energy charge (rule 8A, 2023): windows of the day whose units are billed
//! at a multiple of the slab-based energy charge, or with a ₹/kWh rebate. The multiplier acts
//! on the blended slab rate of the period (the slab charge × the window's share of billed
//! units), a stated choice (TARIFFS.md §4 leaves it open).

use serde::{Deserialize, Serialize};

use super::{BillLine, BillingError};

/// One window [start_hour, end_hour) (wrapping past midnight when end < start).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TodWindow {
    /// Name (peak, solar hours, off-peak).
    pub name: String,
    /// First hour.
    pub start_hour: u8,
    /// Hour after the last.
    pub end_hour: u8,
    /// Multiple of the energy charge (1.2 = +20%).
    #[serde(default = "one")]
    pub multiplier: f64,
    /// ₹ off per unit billed in the window.
    #[serde(default)]
    pub rebate_per_kwh: f64,
}

fn one() -> f64 {
    1.0
}

/// The windows and who they apply to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeOfDay {
    /// Windows; hours in none of them are normal (block index `windows.len()`).
    pub windows: Vec<TodWindow>,
    /// Applies only when the period's billed units exceed this (Kerala: 500).
    #[serde(default)]
    pub applies_above_kwh: Option<f64>,
}

impl TimeOfDay {
    /// Check hours and rates; windows may not overlap.
    pub fn validate(&self) -> Result<(), BillingError> {
        let mut taken = [false; 24];
        for (i, w) in self.windows.iter().enumerate() {
            let at = format!("time_of_day.windows[{}] ({})", i + 1, w.name);
            if w.start_hour > 23 || w.end_hour > 24 || w.start_hour == w.end_hour {
                return Err(BillingError::field(
                    at + ".hours",
                    "needs 0 ≤ start ≤ 23, end ≤ 24, start ≠ end",
                ));
            }
            let rates = [w.multiplier, w.rebate_per_kwh];
            if rates.iter().any(|r| !(r.is_finite() && *r >= 0.0)) {
                return Err(BillingError::field(
                    at,
                    "multiplier and rebate must be 0 or more",
                ));
            }
            for h in 0..24u8 {
                if w.contains(h) {
                    if taken[h as usize] {
                        return Err(BillingError::field(
                            at,
                            format!("overlaps an earlier window at {h}:00"),
                        ));
                    }
                    taken[h as usize] = true;
                }
            }
        }
        Ok(())
    }

    /// Number of blocks (windows plus the normal hours).
    pub fn blocks(&self) -> usize {
        self.windows.len() + 1
    }

    /// The block an hour of the day falls in.
    pub fn block_of(&self, hour: u32) -> usize {
        self.windows
            .iter()
            .position(|w| w.contains(hour as u8))
            .unwrap_or(self.windows.len())
    }

    /// Whether ToD applies to a period with `units` billed.
    pub fn applies(&self, units: f64) -> bool {
        self.applies_above_kwh.is_none_or(|a| units > a)
    }

    /// Multiplier and rebate of a block.
    pub fn of_block(&self, block: usize) -> (f64, f64) {
        self.windows
            .get(block)
            .map_or((1.0, 0.0), |w| (w.multiplier, w.rebate_per_kwh))
    }

    /// The adjustment line on an energy charge of `energy` ₹ for billed units by block.
    pub fn line(&self, energy: f64, billed_by_block: &[f64]) -> Option<BillLine> {
        let units: f64 = billed_by_block.iter().sum();
        if units <= 0.0 || !self.applies(units) {
            return None;
        }
        let amount: f64 = billed_by_block
            .iter()
            .enumerate()
            .map(|(b, kwh)| {
                let (m, rebate) = self.of_block(b);
                energy * kwh / units * (m - 1.0) - kwh * rebate
            })
            .sum();
        (amount != 0.0)
            .then(|| BillLine::consumer("energy", "Time-of-day adjustment".to_string(), amount))
    }
}

impl TodWindow {
    fn contains(&self, h: u8) -> bool {
        if self.start_hour < self.end_hour {
            (self.start_hour..self.end_hour).contains(&h)
        } else {
            h >= self.start_hour || h < self.end_hour
        }
    }
}
