//! Metering-regime variants of a scenario with a retail bill, and the few figures per model the
//! page compares them by (settle-only runs in a worker: no sharing, BS, MMR and SDR on the homes'
//! own dispatch). Plain Rust, tested here; the worker summarises, the page only shows.

use engine::billing::Regime;
use engine::run::{Model, RunReport};
use engine::scenario::Scenario;
use serde::{Deserialize, Serialize};

/// One model's figures in a variant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantModel {
    /// The model.
    pub model: Model,
    /// Comparable community cost, ₹.
    pub cost: f64,
    /// Prosumers' income (−Σ their bills), ₹.
    pub prosumer_income: f64,
    /// Consumers' saving against no sharing, %.
    pub consumer_savings_pct: Option<f64>,
    /// What the state pays in subsidy, ₹ (None without real bills).
    pub subsidy: Option<f64>,
    /// What the DISCOM receives, ₹.
    pub discom_revenue: Option<f64>,
}

/// The figures of one variant's run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantRow {
    /// Every model of the run.
    pub models: Vec<VariantModel>,
}

impl VariantRow {
    /// The figures of a report.
    pub fn of(report: &RunReport) -> Self {
        Self {
            models: report
                .models
                .iter()
                .map(|m| VariantModel {
                    model: m.model,
                    cost: m.comparable_cost,
                    prosumer_income: m.prosumer_income,
                    consumer_savings_pct: m.consumer_savings_pct,
                    subsidy: m.billing.as_ref().map(|b| b.total.subsidy),
                    discom_revenue: m.billing.as_ref().map(|b| b.total.discom_revenue),
                })
                .collect(),
        }
    }

    /// One model's figures.
    pub fn model(&self, model: Model) -> Option<&VariantModel> {
        self.models.iter().find(|m| m.model == model)
    }
}

/// A regime's label inside a sentence ("Net metering by ToD block" → "net metering by ToD block").
pub fn in_sentence(r: Regime) -> String {
    let label = r.label();
    let mut chars = label.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_lowercase().chain(chars).collect::<String>()
    })
}

/// The scenario as set, then everyone (sharing members too) under each regime; each with its
/// label. Empty without a retail tariff.
pub fn regime_variants(s: &Scenario) -> Vec<(String, Scenario)> {
    let Some(retail) = s.tariff.retail() else {
        return Vec::new();
    };
    let own = retail.metering.regime;
    let sharing = s.settings.billing.sharing_members_regime;
    let mut out = Vec::new();
    if sharing.is_some_and(|r| r != own) {
        out.push((
            format!(
                "as set: {}, members who share on {}",
                in_sentence(own),
                sharing.map_or_else(String::new, in_sentence)
            ),
            s.clone(),
        ));
    }
    for r in Regime::ALL {
        let mut v = s.clone();
        if let engine::tariff::Tariff::Retail(t) = &mut v.tariff {
            t.metering.regime = r;
        }
        v.settings.billing.sharing_members_regime = None;
        out.push((format!("everyone on {}", in_sentence(r)), v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::tariff::Tariff;

    #[test]
    fn the_delhi_rule_then_each_regime_for_everyone() {
        let mut s = Scenario::default_north();
        assert!(regime_variants(&s).is_empty());
        s.tariff = Tariff::by_id("delhi").unwrap();
        let v = regime_variants(&s);
        assert_eq!(v.len(), 5);
        assert_eq!(
            v[0].0,
            "as set: net metering, members who share on net billing"
        );
        assert_eq!(v[0].1, s);
        assert_eq!(v[2].0, "everyone on net billing");
        assert_eq!(v[4].0, "everyone on net metering by ToD block");
        assert_eq!(v[2].1.settings.billing.sharing_members_regime, None);
        assert_eq!(
            v[2].1.tariff.retail().unwrap().metering.regime,
            Regime::NetBilling
        );
        // Sharing members on the tariff's own regime: no separate "as set" row.
        s.settings.billing.sharing_members_regime = None;
        assert_eq!(regime_variants(&s).len(), 4);
    }
}
