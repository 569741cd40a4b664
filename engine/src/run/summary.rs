//! One tidy row per model: the columns `gridshare run --scenarios` writes to `summary.csv`, that
//! Python's `Report.models` shows and that the Dask grid collects — one definition for all three.

use serde::{Deserialize, Serialize};

use super::RunReport;

/// One model's headline figures (₹ a run unless named otherwise).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    /// Model key (`none`, `bs`, `mmr`, `sdr`, `cloud`).
    pub model: String,
    /// Bills + energy not served at the VoLL + battery wear: what every model is ranked by.
    pub comparable_cost: f64,
    /// Σ member bills.
    pub community_bill: f64,
    /// Energy not served, valued at the VoLL.
    pub unserved_value: f64,
    /// Battery wear.
    pub battery_wear_cost: f64,
    /// Consumers' saving against no sharing, %.
    pub consumer_savings_pct: Option<f64>,
    /// −Σ prosumers' bills.
    pub prosumer_income: f64,
    /// Performance measure (None without sharing potential).
    pub performance_measure: Option<f64>,
    /// Members whose comparable cost is above no sharing's.
    pub members_worse_off: usize,
    /// Energy from the grid, kWh.
    pub grid_import_kwh: f64,
    /// Energy to the grid, kWh.
    pub grid_export_kwh: f64,
    /// Highest community import, kW.
    pub peak_import_kw: f64,
    /// Energy not served, kWh.
    pub energy_not_served_kwh: f64,
    /// With real bills: what the DISCOM receives.
    pub discom_revenue: Option<f64>,
    /// With real bills: what the state pays.
    pub subsidy: Option<f64>,
    /// Behind a single-point connection: what the society keeps (members pay + subsidy =
    /// DISCOM + society + P2P fees).
    pub society_margin: Option<f64>,
}

/// Every model's row of a report, in the report's order.
pub fn model_summaries(report: &RunReport) -> Vec<ModelSummary> {
    report
        .models
        .iter()
        .map(|m| ModelSummary {
            model: m.model.key().to_string(),
            comparable_cost: m.comparable_cost,
            community_bill: m.community_bill,
            unserved_value: m.energy.unserved_value,
            battery_wear_cost: m.energy.battery_wear_cost,
            consumer_savings_pct: m.consumer_savings_pct,
            prosumer_income: m.prosumer_income,
            performance_measure: m.performance_measure,
            members_worse_off: m.members_worse_off,
            grid_import_kwh: m.energy.grid_import_kwh,
            grid_export_kwh: m.energy.grid_export_kwh,
            peak_import_kw: m.energy.peak_import_kw,
            energy_not_served_kwh: m.energy.energy_not_served_kwh,
            discom_revenue: m.billing.as_ref().map(|b| b.total.discom_revenue),
            subsidy: m.billing.as_ref().map(|b| b.total.subsidy),
            society_margin: m
                .billing
                .as_ref()
                .filter(|b| b.single_point.is_some())
                .map(|b| b.total.society_margin),
        })
        .collect()
}

/// A batch's summary CSV: one row per scenario × model (`scenario` first, `error` last), and
/// one row with only the error for a scenario that failed.
pub fn summary_csv(rows: &[(String, Result<Vec<ModelSummary>, String>)]) -> String {
    let mut out = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    let mut text = String::from("scenario,");
    text.push_str(&SUMMARY_HEADER.join(","));
    text.push_str(",error\n");
    for (scenario, result) in rows {
        match result {
            Ok(models) => {
                for m in models {
                    let mut record = vec![scenario.clone()];
                    record.extend(m.fields());
                    record.push(String::new());
                    let _ = out.write_record(&record);
                }
            }
            Err(e) => {
                let mut record = vec![scenario.clone()];
                record.extend(std::iter::repeat_n(String::new(), SUMMARY_HEADER.len()));
                record.push(e.clone());
                let _ = out.write_record(&record);
            }
        }
    }
    let _ = out.flush();
    text.push_str(&String::from_utf8_lossy(
        &out.into_inner().unwrap_or_default(),
    ));
    text
}

/// The model columns, in [`ModelSummary`]'s order.
pub const SUMMARY_HEADER: [&str; 16] = [
    "model",
    "comparable_cost",
    "community_bill",
    "unserved_value",
    "battery_wear_cost",
    "consumer_savings_pct",
    "prosumer_income",
    "performance_measure",
    "members_worse_off",
    "grid_import_kwh",
    "grid_export_kwh",
    "peak_import_kw",
    "energy_not_served_kwh",
    "discom_revenue",
    "subsidy",
    "society_margin",
];

impl ModelSummary {
    /// The row as text, shortest round-trip numbers, empty where None.
    fn fields(&self) -> Vec<String> {
        let opt = |v: Option<f64>| v.map_or_else(String::new, |v| v.to_string());
        vec![
            self.model.clone(),
            self.comparable_cost.to_string(),
            self.community_bill.to_string(),
            self.unserved_value.to_string(),
            self.battery_wear_cost.to_string(),
            opt(self.consumer_savings_pct),
            self.prosumer_income.to_string(),
            opt(self.performance_measure),
            self.members_worse_off.to_string(),
            self.grid_import_kwh.to_string(),
            self.grid_export_kwh.to_string(),
            self.peak_import_kw.to_string(),
            self.energy_not_served_kwh.to_string(),
            opt(self.discom_revenue),
            opt(self.subsidy),
            opt(self.society_margin),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(model: &str, cost: f64) -> ModelSummary {
        ModelSummary {
            model: model.into(),
            comparable_cost: cost,
            community_bill: 1.5,
            unserved_value: 0.0,
            battery_wear_cost: 0.0,
            consumer_savings_pct: None,
            prosumer_income: -2.0,
            performance_measure: Some(0.25),
            members_worse_off: 3,
            grid_import_kwh: 10.0,
            grid_export_kwh: 0.0,
            peak_import_kw: 2.0,
            energy_not_served_kwh: 0.0,
            discom_revenue: None,
            subsidy: None,
            society_margin: None,
        }
    }

    #[test]
    fn a_failed_scenario_is_one_row_with_its_error_and_numbers_round_trip() {
        let csv = summary_csv(&[
            (
                "a".into(),
                Ok(vec![row("none", 0.1 + 0.2), row("sdr", 7.0)]),
            ),
            ("b, broken".into(), Err("b.json, line 3: bad \"x\"".into())),
        ]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("scenario,model,comparable_cost,"));
        assert!(lines[0].ends_with(",subsidy,society_margin,error"));
        let first: Vec<&str> = lines[1].split(',').collect();
        assert_eq!(first.len(), 2 + SUMMARY_HEADER.len());
        // Shortest round-trip text: the f64 comes back bit for bit.
        assert_eq!(first[2].parse::<f64>().unwrap(), 0.1 + 0.2);
        assert_eq!(
            lines[3],
            "\"b, broken\",,,,,,,,,,,,,,,,,\"b.json, line 3: bad \"\"x\"\"\""
        );
    }
}
