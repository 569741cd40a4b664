//! One period's bill: the layers of TARIFFS.md §1 in order, as line items with who is paid.

use serde::{Deserialize, Serialize};

use super::{Connection, Readings, RetailTariff};

/// Who receives (or, for the subsidy, pays) a line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The distribution company (charges > 0; export credits < 0).
    #[default]
    Discom,
    /// The state: the subsidy line (< 0 on the consumer's bill) is paid to the DISCOM by it.
    State,
    /// The P2P trading platform (transaction charges).
    Platform,
    /// Other members (P2P energy bought > 0, sold < 0).
    Peers,
    /// The housing society behind a single-point connection, which re-bills its members.
    Society,
}

/// One line of a bill, ₹ (> 0: the consumer pays).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BillLine {
    /// Machine key (`energy`, `fixed`, an adder's key, `subsidy`, `export_credit`, `p2p_*`).
    pub key: String,
    /// As printed.
    pub name: String,
    /// Amount, ₹.
    pub amount: f64,
    /// Who is paid.
    #[serde(default)]
    pub party: Party,
}

impl BillLine {
    /// A charge the consumer pays the DISCOM.
    pub fn consumer(key: &str, name: String, amount: f64) -> Self {
        Self {
            key: key.to_string(),
            name,
            amount,
            party: Party::Discom,
        }
    }
}

/// What a member did in one billing period.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PeriodUsage {
    /// Billing days.
    pub days: f64,
    /// DISCOM-metered import, export and PV by ToD block (P2P-traded energy excluded).
    pub readings: Readings,
    /// Net-metering credit carried in, kWh.
    pub bank_in_kwh: f64,
    /// This period closes the banking year.
    pub year_end: bool,
    /// P2P-bought units that count toward the slabs (0 unless the setting says they do).
    pub slab_offset_kwh: f64,
    /// P2P lines: transaction and network charges (before the percentage adders, so a base
    /// may name `p2p_fees`) and the energy bought and sold (after them).
    pub p2p_fees: Vec<BillLine>,
    /// P2P energy lines (party `Peers`).
    pub p2p_energy: Vec<BillLine>,
}

/// One member's bill for one period.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PeriodBill {
    /// Lines in bill order.
    pub lines: Vec<BillLine>,
    /// Units billed by the DISCOM (after netting).
    pub billed_kwh: f64,
    /// Net-metering credit carried out, kWh.
    pub bank_out_kwh: f64,
    /// What the consumer pays (Σ lines), ₹.
    pub total: f64,
    /// What the state pays, ₹.
    pub subsidy: f64,
    /// What the DISCOM receives: its lines, which the consumer pays less the subsidy and the
    /// state pays the subsidy of (so total + subsidy = DISCOM + platform + peers), ₹.
    pub discom_revenue: f64,
    /// Transaction charges to the platform, ₹.
    pub platform_revenue: f64,
    /// Net paid to peers (bought − sold), ₹.
    pub peers_net: f64,
    /// What the society receives on a single-point re-bill (its lines, of which the state pays
    /// the subsidy; so total + subsidy = DISCOM + society + platform + peers), ₹; 0 when the
    /// member has its own DISCOM meter.
    #[serde(default)]
    pub society_revenue: f64,
}

impl PeriodBill {
    /// Recompute the totals from the lines (after a line is added or changes payee).
    pub fn refresh_totals(&mut self) {
        let sum = |p: Party| {
            self.lines
                .iter()
                .filter(|l| l.party == p)
                .map(|l| l.amount)
                .sum::<f64>()
        };
        let subsidy = -sum(Party::State);
        self.total = self.lines.iter().map(|l| l.amount).sum();
        self.subsidy = subsidy;
        self.discom_revenue = sum(Party::Discom);
        self.society_revenue = sum(Party::Society);
        self.platform_revenue = sum(Party::Platform);
        self.peers_net = sum(Party::Peers);
    }
}

impl RetailTariff {
    /// The bill of one period.
    pub fn bill(&self, connection: &Connection, usage: &PeriodUsage) -> PeriodBill {
        let months = self.period.months() as f64;
        let factor = self.factor(usage.days);
        let year_end = usage.year_end;
        let metered = self
            .metering
            .apply(&usage.readings, usage.bank_in_kwh, year_end);
        let units: f64 = metered.billed_kwh.iter().sum();
        let counted = units + usage.slab_offset_kwh;
        let mut lines = self.energy.lines(usage.slab_offset_kwh, units, factor);
        let energy: f64 = lines.iter().map(|l| l.amount).sum();
        if let Some(line) = self
            .time_of_day
            .as_ref()
            .and_then(|t| t.line(energy, &metered.billed_kwh))
        {
            lines.push(line);
        }
        if let Some(line) = self.fixed.line(connection, counted, months, factor) {
            lines.push(line);
        }
        for a in &self.per_kwh_adders {
            if units > 0.0 {
                lines.push(BillLine::consumer(
                    &a.key,
                    format!("{} ({units:.0} units × {:.2})", a.name, a.per_kwh),
                    units * a.per_kwh,
                ));
            }
        }
        lines.extend(usage.p2p_fees.iter().cloned());
        for a in &self.percent_adders {
            let base = super::adders::base_amount(&lines, &a.base);
            if base != 0.0 {
                lines.push(BillLine::consumer(
                    &a.key,
                    format!("{} ({}% of {base:.2})", a.name, a.percent),
                    base * a.percent / 100.0,
                ));
            }
        }
        if let Some(s) = &self.subsidy {
            let charges: f64 = lines
                .iter()
                .filter(|l| l.party == super::Party::Discom)
                .map(|l| l.amount)
                .sum();
            let amount = s.amount(&self.energy, counted, charges, months, factor);
            if amount > 0.0 {
                lines.push(BillLine {
                    key: "subsidy".into(),
                    name: format!("Subsidy ({})", s.payer),
                    amount: -amount,
                    party: Party::State,
                });
            }
        }
        lines.extend(metered.credits);
        lines.extend(usage.p2p_energy.iter().cloned());
        let mut bill = PeriodBill {
            billed_kwh: units,
            bank_out_kwh: metered.bank_out_kwh,
            lines,
            ..PeriodBill::default()
        };
        bill.refresh_totals();
        bill
    }

    /// The bill of a period with `kwh` imported and `export_kwh` exported in the normal block,
    /// no bank — what `gridshare bill` prints.
    pub fn simple_bill(
        &self,
        connection: &Connection,
        days: f64,
        kwh: f64,
        export_kwh: f64,
    ) -> PeriodBill {
        let blocks = self.blocks();
        let mut readings = Readings {
            import_kwh: vec![0.0; blocks],
            export_kwh: vec![0.0; blocks],
            pv_kwh: vec![0.0; blocks],
        };
        let normal = blocks - 1;
        readings.import_kwh[normal] = kwh;
        readings.export_kwh[normal] = export_kwh;
        readings.pv_kwh[normal] = export_kwh;
        self.bill(
            connection,
            &PeriodUsage {
                days,
                readings,
                ..PeriodUsage::default()
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Phase, RetailPreset};
    use super::*;

    /// TARIFFS.md §3: BSES Rajdhani, Aug 2022, 545 units, 3 kW, 30 days.
    #[test]
    fn reproduces_the_real_delhi_bill() {
        let t = RetailPreset::Delhi.tariff();
        t.validate().unwrap();
        let c = Connection {
            sanctioned_kw: 3.0,
            phase: Phase::Single,
        };
        let b = t.simple_bill(&c, 30.0, 545.0, 0.0);
        let line = |key: &str| {
            b.lines
                .iter()
                .filter(|l| l.key == key)
                .map(|l| l.amount)
                .sum::<f64>()
        };
        for (key, printed) in [
            ("fixed", 146.13),
            ("energy", 2470.00),
            ("ppac_energy", 511.04),
            ("ppac_fixed", 30.24),
            ("regulatory_surcharge", 209.29),
            ("pension_surcharge", 183.13),
            ("electricity_tax", 158.93),
        ] {
            assert!(
                (line(key) - printed).abs() < 1.0,
                "{key}: {} vs {printed}",
                line(key)
            );
        }
        assert!((b.total - 3708.76).abs() < 5.0, "{}", b.total);
        assert_eq!(b.subsidy, 0.0);
        assert!((b.discom_revenue - b.total).abs() < 1e-9);
    }
}
