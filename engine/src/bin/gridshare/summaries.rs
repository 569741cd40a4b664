//! What `gridshare run` prints for a newcomer: every model's costs, the transformer's peaks, the
//! frontier and the real bills.

use engine::run::Model;

/// What a newcomer reads after `gridshare run`: every model's comparable cost and who loses,
/// and where cloud-P2P's gain comes from.
pub fn summary(report: &engine::run::RunReport) -> String {
    let mut out = format!(
        "{}\nhomes alone run their batteries by: {}\n{:<22} {:>14} {:>12} {:>10} {:>9} {:>7}\n",
        report.scenario,
        report.baseline.label(),
        "model",
        "cost ₹/year",
        "vs alone",
        "ENS kWh",
        "wear ₹",
        "worse"
    );
    let reference = report.models.first().map_or(0.0, |m| m.comparable_cost);
    for m in &report.models {
        out.push_str(&format!(
            "{:<22} {:>14.0} {:>11.1}% {:>10.0} {:>9.0} {:>7}\n",
            m.model.label(),
            m.comparable_cost,
            if reference.abs() > 0.0 {
                100.0 * (m.comparable_cost - reference) / reference.abs()
            } else {
                0.0
            },
            m.energy.energy_not_served_kwh,
            m.energy.battery_wear_cost,
            m.members_worse_off,
        ));
    }
    if let Some(cloud) = report.model(Model::Cloud) {
        if let Some(g) = cloud.gain_split {
            out.push_str(&format!(
                "cloud-P2P saves ₹{:.0} against no sharing = netting ₹{:.0} + islanding ₹{:.0} + coordination ₹{:.0} (net of the aggregator's ₹{:.0})\n",
                g.total, g.netting, g.islanding, g.coordination, g.aggregator_share
            ));
        }
        if let Some(v) = cloud.value_of_perfect_information {
            out.push_str(&format!(
                "value of perfect information (forecast − perfect foresight): ₹{v:.0}\n"
            ));
        }
    }
    out.push_str(
        "cost = bills + energy not served at the VoLL + battery wear; worse = members costing more than alone\n",
    );
    out
}

/// The transformer's view of every model: peaks, hours over the rating, the p-MAS classes.
pub fn peak_summary(report: &engine::run::RunReport) -> String {
    let Some(first) = report.models.first() else {
        return String::new();
    };
    let p0 = &first.peaks;
    let mut out = format!(
        "transformer {:.0} kVA = {:.1} kW at its power factor\n{:<22} {:>9} {:>9} {:>10} {:>8} {:>8} {:>8}  community-hours by class (under/light/normal/over/severe)\n",
        p0.transformer_kva, p0.rating_kw, "model", "peak kW", "export kW", "coinc. kW", "max %", "h >80%", "h >100%"
    );
    for m in &report.models {
        let p = &m.peaks;
        let c = p.community_class_counts;
        out.push_str(&format!(
            "{:<22} {:>9.2} {:>9.2} {:>10.2} {:>7.0}% {:>8.0} {:>8.0}  {}/{}/{}/{}/{}\n",
            m.model.label(),
            p.peak_import_kw,
            p.peak_export_kw,
            p.coincident_peak_kw,
            100.0 * p.max_loading,
            p.hours_over_80pct,
            p.hours_over_rating,
            c[0],
            c[1],
            c[2],
            c[3],
            c[4]
        ));
    }
    if report.models.iter().all(|m| m.peaks.max_loading < 0.8) {
        out.push_str(&format!(
            "max loading {:.0}%: the transformer is never congested, p-MAS has nothing to coordinate\n",
            100.0 * report.models.iter().map(|m| m.peaks.max_loading).fold(0.0, f64::max)
        ));
    }
    out
}

/// The cost of a flatter peak, as a table.
pub fn frontier_summary(f: &engine::run::PeakFrontier) -> String {
    let mut out = format!(
        "cost of a flatter peak (perfect foresight, weekly optima, grid always up; rating {:.1} kW)\n{:<16} {:>9} {:>14} {:>9}\n",
        f.rating_kw, "cap", "peak kW", "cost ₹/year", "h >100%"
    );
    for p in &f.points {
        let cap = match (p.cap_kw, p.chosen) {
            (Some(c), true) => format!("{c:.2} kW (this)"),
            (Some(c), false) => format!("{c:.2} kW"),
            (None, _) => "none".to_string(),
        };
        out.push_str(&format!(
            "{:<16} {:>9.2} {:>14.0} {:>9.0}\n",
            cap, p.peak_import_kw, p.community_cost, p.hours_over_rating
        ));
    }
    if let Some(price) = f.shadow_price_per_kw {
        out.push_str(&format!(
            "shadow price of the peak at this scenario's setting: ₹{price:.0} per kW off the peak\n"
        ));
    }
    out
}

/// The real-bill totals of every model (retail tariffs only).
pub fn billing_summary(report: &engine::run::RunReport) -> String {
    let Some(first) = report.models.iter().find_map(|m| m.billing.as_ref()) else {
        return String::new();
    };
    let mut out = format!(
        "real bills: {} — {} periods; no sharing meters {}, sharing members {}\n",
        first.tariff,
        first.periods.len(),
        first.regime,
        report
            .models
            .get(1)
            .and_then(|m| m.billing.as_ref())
            .map_or("-", |b| b.sharing_regime.as_str())
    );
    if let Some(sp) = &first.single_point {
        out.push_str(&format!(
            "single-point connection: the society pays the DISCOM on {} ({:.1} kW contract load) and re-bills members at the domestic schedule; re-billed members {} the subsidy; the gap is {}\n",
            sp.tariff,
            sp.contract_kw,
            if sp.members_keep_subsidy { "keep" } else { "lose" },
            if sp.gap == "refund" { "returned to members" } else { "kept by the society" },
        ));
    }
    out.push_str(&format!(
        "{:<22} {:>14} {:>12} {:>15} {:>15} {:>12} {:>10} {:>15}\n",
        "model",
        "members pay ₹",
        "subsidy ₹",
        "DISCOM gets ₹",
        "society keeps ₹",
        "P2P fees ₹",
        "P2P kWh",
        "prosumers get ₹"
    ));
    for m in &report.models {
        if let Some(b) = &m.billing {
            let t = &b.total;
            out.push_str(&format!(
                "{:<22} {:>14.0} {:>12.0} {:>15.0} {:>15} {:>12.0} {:>10.0} {:>15.0}\n",
                m.model.label(),
                t.consumer_payments,
                t.subsidy,
                t.discom_revenue,
                if b.single_point.is_some() {
                    // Rounded first so a few paise of rounding never print as "-0".
                    format!("{:.0}", t.society_margin.round() + 0.0)
                } else {
                    "—".to_string()
                },
                t.platform_revenue,
                t.p2p_kwh,
                m.prosumer_income
            ));
        }
    }
    out.push_str("members pay + subsidy = DISCOM + society + P2P fees (P2P energy passes between members); --bills writes every line\n");
    out
}
