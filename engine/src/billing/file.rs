//! A retail tariff as a JSON file, and one period's bill as JSON (`gridshare bill`).

use serde::Serialize;

use super::{BillingError, Connection, PeriodBill, RetailTariff};

impl RetailTariff {
    /// Read and validate a tariff; `file` names it in errors.
    pub fn from_json(file: &str, text: &str) -> Result<Self, BillingError> {
        let tariff: RetailTariff = serde_json::from_str(text).map_err(|e| {
            BillingError::field(
                file,
                format!("line {}, column {}: {e}", e.line(), e.column()),
            )
        })?;
        tariff
            .validate()
            .map_err(|e| BillingError::field(file, e.to_string()))?;
        Ok(tariff)
    }
}

#[derive(Serialize)]
struct Line<'a> {
    name: &'a str,
    amount: f64,
    key: &'a str,
    party: super::Party,
}

#[derive(Serialize)]
struct OnePeriod<'a> {
    tariff: &'a str,
    source: &'a str,
    year: &'a str,
    regime: &'static str,
    kwh: f64,
    export_kwh: f64,
    days: f64,
    sanctioned_kw: f64,
    billed_kwh: f64,
    lines: Vec<Line<'a>>,
    total: f64,
    subsidy: f64,
    discom_revenue: f64,
    bank_out_kwh: f64,
    notes: &'a [String],
}

fn paisa(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One period's bill of `kwh` imported and `export_kwh` exported as pretty JSON, amounts to
/// the paisa (the total is the sum of the unrounded lines, rounded).
pub fn one_period_bill(
    tariff: &RetailTariff,
    connection: &Connection,
    days: f64,
    kwh: f64,
    export_kwh: f64,
) -> Result<String, BillingError> {
    tariff.validate()?;
    for (field, v, max) in [
        ("--kwh", kwh, 1e7),
        ("--export-kwh", export_kwh, 1e7),
        ("--days", days, 62.0),
    ] {
        if !(v.is_finite() && (0.0..=max).contains(&v)) {
            return Err(BillingError::field(
                field,
                format!("must be between 0 and {max}, got {v}"),
            ));
        }
    }
    if days == 0.0 {
        return Err(BillingError::field("--days", "must be above 0"));
    }
    if !(connection.sanctioned_kw.is_finite()
        && connection.sanctioned_kw > 0.0
        && connection.sanctioned_kw <= 10_000.0)
    {
        return Err(BillingError::field(
            "--sanctioned-kw",
            format!(
                "must be above 0 and at most 10000, got {}",
                connection.sanctioned_kw
            ),
        ));
    }
    let bill: PeriodBill = tariff.simple_bill(connection, days, kwh, export_kwh);
    let out = OnePeriod {
        tariff: &tariff.id,
        source: &tariff.source,
        year: &tariff.year,
        regime: tariff.metering.regime.key(),
        kwh,
        export_kwh,
        days,
        sanctioned_kw: connection.sanctioned_kw,
        billed_kwh: bill.billed_kwh,
        lines: bill
            .lines
            .iter()
            .map(|l| Line {
                name: &l.name,
                amount: paisa(l.amount),
                key: &l.key,
                party: l.party,
            })
            .collect(),
        total: paisa(bill.total),
        subsidy: paisa(bill.subsidy),
        discom_revenue: paisa(bill.discom_revenue),
        bank_out_kwh: bill.bank_out_kwh,
        notes: &tariff.notes,
    };
    Ok(serde_json::to_string_pretty(&out).unwrap_or_default())
}
