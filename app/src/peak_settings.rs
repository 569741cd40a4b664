//! The transformer and peak settings as edits of a scenario (plain Rust, tested natively): the
//! rating, power factor, p-MAS coordination, do-no-harm, valley filling, the demand charge, and
//! the stressed preset. Bad values are explained and change nothing.

use engine::community::LoadGrowth;
use engine::limits::MAX_DEMAND_CHARGE_PER_KW;
use engine::scenario::{CommunitySource, Scenario};

use crate::fairness_panel::number_in;

/// One edit of the peak settings.
#[derive(Clone, Debug, PartialEq)]
pub enum PeakEdit {
    /// Transformer rating: "auto" or kVA.
    TransformerKva(String),
    /// Power factor of the community's load.
    PowerFactor(String),
    /// p-MAS peak coordination on or off.
    Coordination(bool),
    /// Do-no-harm on or off.
    DoNoHarm(bool),
    /// Valley filling on or off.
    ValleyFilling(bool),
    /// Demand charge, ₹ per kW of monthly maximum import.
    DemandCharge(String),
}

/// Apply an edit to a scenario, or explain why not (naming the field).
pub fn apply_peak_edit(s: &mut Scenario, edit: &PeakEdit) -> Result<(), String> {
    let peak = &mut s.settings.peak;
    match edit {
        PeakEdit::TransformerKva(t) if t.trim() == "auto" => s.settings.transformer_kva = None,
        PeakEdit::TransformerKva(t) => {
            s.settings.transformer_kva = Some(number_in(
                t,
                "Transformer rating (kVA)",
                1.0,
                engine::limits::MAX_TRANSFORMER_KVA,
            )?);
        }
        PeakEdit::PowerFactor(t) => peak.power_factor = number_in(t, "Power factor", 0.5, 1.0)?,
        PeakEdit::Coordination(on) => peak.coordination = *on,
        PeakEdit::DoNoHarm(on) => peak.do_no_harm = *on,
        PeakEdit::ValleyFilling(on) => peak.valley_filling = *on,
        PeakEdit::DemandCharge(t) => {
            peak.demand_charge_per_kw = number_in(
                t,
                "Demand charge (₹ per kW of monthly peak)",
                0.0,
                MAX_DEMAND_CHARGE_PER_KW,
            )?;
        }
    }
    Ok(())
}

/// The stressed preset: today's transformer after 15% of homes buy an air-conditioner and 10%
/// charge an e-rickshaw (an uploaded community, whose load cannot grow, gets the next smaller
/// standard rating). Today's rating is the scenario's own or, when auto, `report_kva` — the one
/// the current report ran with — so the page never runs a homes-alone pass itself.
pub fn stressed_preset(s: &Scenario, report_kva: Option<f64>) -> Result<Scenario, String> {
    let today = s
        .settings
        .transformer_kva
        .or(report_kva)
        .ok_or("Stressed preset: today's transformer is known once the first results arrive")?;
    Ok(engine::run::stressed_at(s, today))
}

/// Today's load again (the transformer stays as it is).
pub fn todays_load(s: &Scenario) -> Scenario {
    let mut next = s.clone();
    if let CommunitySource::Generated(spec) = &mut next.community {
        spec.growth = LoadGrowth::default();
    }
    next
}

/// Whether the scenario's load has grown beyond today's.
pub fn is_stressed(s: &Scenario) -> bool {
    matches!(&s.community, CommunitySource::Generated(spec) if spec.growth != LoadGrowth::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_change_the_peak_settings_and_bad_values_are_refused() {
        let mut s = Scenario::default_north();
        apply_peak_edit(&mut s, &PeakEdit::TransformerKva("25".into())).unwrap();
        assert_eq!(s.settings.transformer_kva, Some(25.0));
        apply_peak_edit(&mut s, &PeakEdit::TransformerKva("auto".into())).unwrap();
        assert_eq!(s.settings.transformer_kva, None);
        apply_peak_edit(&mut s, &PeakEdit::Coordination(false)).unwrap();
        apply_peak_edit(&mut s, &PeakEdit::DemandCharge("150".into())).unwrap();
        assert!(!s.settings.peak.coordination);
        assert_eq!(s.settings.peak.demand_charge_per_kw, 150.0);
        s.validate().unwrap();
        let err = apply_peak_edit(&mut s, &PeakEdit::PowerFactor("1.3".into())).unwrap_err();
        assert!(err.contains("Power factor must be between"), "{err}");
        let err = apply_peak_edit(&mut s, &PeakEdit::DemandCharge("x".into())).unwrap_err();
        assert!(err.contains("Demand charge"), "{err}");
        assert_eq!(s.settings.peak.power_factor, 0.95);
    }

    #[test]
    fn the_stressed_preset_keeps_todays_transformer_and_grows_the_load() {
        let s = Scenario::default_north();
        let next = stressed_preset(&s, Some(25.0)).unwrap();
        assert_eq!(next.settings.transformer_kva, Some(25.0));
        assert!(is_stressed(&next) && !is_stressed(&s));
        next.validate().unwrap();
        assert!(stressed_preset(&s, None).is_err());
        assert!(!is_stressed(&todays_load(&next)));
        assert_eq!(todays_load(&next).settings.transformer_kva, Some(25.0));
    }
}
