//! The society's bulk meter behind a single-point connection (docs/BILLS.md): every member's net
//! exchange netted each step, whether the member shares or not, billed per period on the bulk
//! tariff; and the re-billing of members, with the society's gap kept or shared back.

use serde::{Deserialize, Serialize};

use crate::billing::{
    gap_line, pays_society, rebill, share_gap, Connection, GapRule, PeriodBill, PeriodUsage, Phase,
    Readings, RetailTariff, SinglePoint,
};

/// The single-point connection's bills, for the report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SinglePointReport {
    /// The bulk tariff's name.
    pub tariff: String,
    /// Contract load the fixed charge is billed on, kW.
    pub contract_kw: f64,
    /// The bulk bill per period, with its lines.
    pub bulk: Vec<PeriodBill>,
    /// The society's maximum demand per period (largest hourly net import), kW; reported, not
    /// billed.
    pub max_demand_kw: Vec<f64>,
    /// Whether re-billed members keep the state subsidy.
    pub members_keep_subsidy: bool,
    /// Who keeps the society's gap (`keep` or `refund`).
    pub gap: String,
}

/// The running bulk meter of one behaviour.
#[derive(Clone, Debug)]
pub(super) struct BulkMeter {
    settings: SinglePoint,
    tariff: RetailTariff,
    connection: Connection,
    readings: Readings,
    bank_kwh: f64,
    demand_kw: f64,
    report: SinglePointReport,
}

impl BulkMeter {
    /// A bulk meter on `domestic`'s bulk tariff; `fallback_kw` is the contract load when the
    /// settings name none.
    pub fn new(settings: &SinglePoint, domestic: &RetailTariff, fallback_kw: f64) -> Self {
        let tariff = settings.bulk_tariff(domestic);
        let blocks = tariff.blocks();
        let contract_kw = settings.contract_kw.unwrap_or(fallback_kw);
        Self {
            report: SinglePointReport {
                tariff: tariff.name.clone(),
                contract_kw,
                members_keep_subsidy: settings.members_keep_subsidy,
                gap: settings.gap.key().to_string(),
                ..SinglePointReport::default()
            },
            settings: settings.clone(),
            tariff,
            connection: Connection {
                sanctioned_kw: contract_kw,
                phase: Phase::Three,
            },
            readings: empty(blocks),
            bank_kwh: 0.0,
            demand_kw: 0.0,
        }
    }

    /// Meter one step of the community's summed net exchange (kWh, > 0: import) and PV (kWh)
    /// over `hours`.
    pub fn add(&mut self, block: usize, net_kwh: f64, pv_kwh: f64, hours: f64) {
        self.readings.import_kwh[block] += net_kwh.max(0.0);
        self.readings.export_kwh[block] += (-net_kwh).max(0.0);
        self.readings.pv_kwh[block] += pv_kwh;
        if hours > 0.0 && net_kwh / hours > self.demand_kw {
            self.demand_kw = net_kwh / hours;
        }
    }

    /// Bill the open period and start the next; returns the bulk bill's total, ₹. The fixed
    /// charge is on the billing demand: the contract load, or the period's maximum demand if that
    /// was higher (a contract load below the society's peak earns no discount).
    pub fn close(&mut self, days: f64, year_end: bool) -> f64 {
        let blocks = self.readings.import_kwh.len();
        let usage = PeriodUsage {
            days,
            readings: std::mem::replace(&mut self.readings, empty(blocks)),
            bank_in_kwh: self.bank_kwh,
            year_end,
            ..PeriodUsage::default()
        };
        let connection = Connection {
            sanctioned_kw: self.connection.sanctioned_kw.max(self.demand_kw),
            ..self.connection
        };
        let bill = self.tariff.bill(&connection, &usage);
        self.bank_kwh = bill.bank_out_kwh;
        let total = bill.total;
        self.report.bulk.push(bill);
        self.report.max_demand_kw.push(self.demand_kw);
        self.demand_kw = 0.0;
        total
    }

    /// Turn one view's domestic bills of a period into the society's re-bills, with the gap
    /// line when the settings return it.
    pub fn rebill_members(&self, bills: &mut [PeriodBill], bulk_total: f64) {
        for b in bills.iter_mut() {
            rebill(b);
        }
        if self.settings.gap == GapRule::Refund {
            let gap = bills.iter().map(|b| b.society_revenue).sum::<f64>() - bulk_total;
            let pays: Vec<f64> = bills.iter().map(pays_society).collect();
            for (b, amount) in bills.iter_mut().zip(share_gap(gap, &pays)) {
                if amount != 0.0 {
                    b.lines.push(gap_line(amount));
                    b.refresh_totals();
                }
            }
        }
    }

    /// The report so far.
    pub fn report(&self) -> &SinglePointReport {
        &self.report
    }
}

fn empty(blocks: usize) -> Readings {
    Readings {
        import_kwh: vec![0.0; blocks],
        export_kwh: vec![0.0; blocks],
        pv_kwh: vec![0.0; blocks],
    }
}
