//! The tariff controls' state: which preset (simple prices, the 24-hour table or a real Indian
//! retail bill), the text as typed in the sliders and the table, and the retail tariff being
//! edited. [`TariffControls::tariff`] turns it into an engine tariff or says why it cannot be
//! used; the editor itself is [`crate::tariff_editor`].

use engine::billing::{RetailPreset, RetailTariff};
use engine::scenario::Scenario;
use engine::tariff::{time_of_day, Tariff, TariffPreset, TimeOfDay};
use engine::TimeAxis;
use leptos::prelude::*;

/// What the tariff controls start from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TariffChoice {
    /// One of the engine's presets, scaled by the sliders.
    Preset(TariffPreset),
    /// The 24-hour table as typed (the same every month).
    Hourly,
    /// A real residential bill (slabs, fixed charge, adders, subsidy, metering), as edited.
    Retail(RetailPreset),
}

impl TariffChoice {
    /// The simple per-kWh choices, in selector order.
    pub const SIMPLE: [TariffChoice; 4] = [
        TariffChoice::Preset(TariffPreset::Study),
        TariffChoice::Preset(TariffPreset::IndianTimeOfDay),
        TariffChoice::Preset(TariffPreset::FlatRetail),
        TariffChoice::Hourly,
    ];

    /// The retail bills, in selector order.
    pub fn retail() -> impl Iterator<Item = TariffChoice> {
        RetailPreset::ALL.into_iter().map(TariffChoice::Retail)
    }

    /// Key in the selector (a retail preset's engine id, e.g. `delhi`).
    pub fn key(self) -> &'static str {
        match self {
            TariffChoice::Preset(TariffPreset::Study) => "study",
            TariffChoice::Preset(TariffPreset::IndianTimeOfDay) => "tod",
            TariffChoice::Preset(TariffPreset::FlatRetail) => "flat",
            TariffChoice::Hourly => "hourly",
            TariffChoice::Retail(p) => p.key(),
        }
    }

    /// Label in the selector (a retail preset's name and year).
    pub fn label(self) -> String {
        match self {
            TariffChoice::Preset(p) => p.label().to_string(),
            TariffChoice::Hourly => "Your own 24-hour table".to_string(),
            TariffChoice::Retail(p) => {
                let t = p.tariff();
                format!("{} — {}", t.name, t.year)
            }
        }
    }

    /// The choice of a selector key (the study preset for an unknown key).
    pub fn of_key(key: &str) -> Self {
        Self::SIMPLE
            .into_iter()
            .chain(Self::retail())
            .find(|c| c.key() == key)
            .unwrap_or(TariffChoice::Preset(TariffPreset::Study))
    }

    /// Whether this is a real retail bill.
    pub fn is_retail(self) -> bool {
        matches!(self, TariffChoice::Retail(_))
    }
}

/// The tariff controls' state (text as typed; the retail tariff as last validated).
#[derive(Clone, Copy)]
pub struct TariffControls {
    /// Preset, own table or retail bill.
    pub choice: RwSignal<TariffChoice>,
    /// Retail price slider, ₹/kWh.
    pub buy: RwSignal<String>,
    /// Feed-in price slider, ₹/kWh.
    pub sell: RwSignal<String>,
    /// Time-of-day peak multiplier (Indian ToD preset).
    pub peak: RwSignal<String>,
    /// The 24-hour table: (buy, sell) per hour.
    pub hours: RwSignal<Vec<(String, String)>>,
    /// The retail tariff being edited: only valid edits reach it.
    pub retail: RwSignal<RetailTariff>,
}

/// The (buy, sell) pair a preset starts from.
pub fn preset_prices(p: TariffPreset) -> (f64, f64) {
    match p {
        TariffPreset::Study => (10.0, 8.0),
        TariffPreset::IndianTimeOfDay | TariffPreset::FlatRetail => (6.5, 3.0),
    }
}

/// The first day's 24 hourly prices of a tariff (what the table shows; for a retail tariff the
/// prices the dispatch plans with).
pub fn hourly_of(tariff: &Tariff) -> Vec<(f64, f64)> {
    tariff
        .prices(&TimeAxis::hourly(24))
        .map(|p| p.iter().map(|g| (g.buy_per_kwh, g.sell_per_kwh)).collect())
        .unwrap_or_else(|_| vec![(0.0, 0.0); 24])
}

/// Text cells of a price table.
pub fn text_table(rows: &[(f64, f64)]) -> Vec<(String, String)> {
    rows.iter()
        .map(|(b, s)| (b.to_string(), s.to_string()))
        .collect()
}

/// The preset a retail tariff came from (by its id), if any.
pub fn retail_preset_of(tariff: &RetailTariff) -> Option<RetailPreset> {
    RetailPreset::from_key(&tariff.id).ok()
}

impl TariffControls {
    /// Controls showing `tariff`.
    pub fn new(tariff: &Tariff) -> Self {
        let c = Self {
            choice: RwSignal::new(TariffChoice::Preset(TariffPreset::Study)),
            buy: RwSignal::new(String::new()),
            sell: RwSignal::new(String::new()),
            peak: RwSignal::new("1.2".into()),
            hours: RwSignal::new(Vec::new()),
            retail: RwSignal::new(RetailPreset::Delhi.tariff()),
        };
        c.show(tariff);
        c
    }

    /// Set every control to show `tariff` (a preset if it is one, else the hourly table).
    pub fn show(self, tariff: &Tariff) {
        self.hours.set(text_table(&hourly_of(tariff)));
        let (choice, buy, sell, peak) = match tariff {
            Tariff::Retail(r) => {
                // A retail tariff that is no preset's (an edited file) shows under Delhi's name
                // in the selector; the editor says it differs from the preset.
                let preset = retail_preset_of(r).unwrap_or(RetailPreset::Delhi);
                self.retail.set((**r).clone());
                self.choice.set(TariffChoice::Retail(preset));
                return;
            }
            Tariff::Flat {
                buy_per_kwh,
                sell_per_kwh,
            } if *buy_per_kwh == 10.0 && *sell_per_kwh == 8.0 => {
                (TariffPreset::Study, 10.0, 8.0, 1.2)
            }
            Tariff::Flat {
                buy_per_kwh,
                sell_per_kwh,
            } => (TariffPreset::FlatRetail, *buy_per_kwh, *sell_per_kwh, 1.2),
            _ => {
                let rows = hourly_of(tariff);
                let (normal, feed_in) = rows.first().copied().unwrap_or((6.5, 3.0));
                let peak = rows.get(19).map_or(1.2, |r| r.0 / normal);
                let peak = (peak * 100.0).round() / 100.0;
                let tod = time_of_day(TimeOfDay {
                    normal_per_kwh: normal,
                    feed_in_per_kwh: feed_in,
                    peak_multiplier: peak,
                    ..TimeOfDay::default()
                });
                if &tod == tariff {
                    (TariffPreset::IndianTimeOfDay, normal, feed_in, peak)
                } else {
                    self.choice.set(TariffChoice::Hourly);
                    return;
                }
            }
        };
        self.choice.set(TariffChoice::Preset(choice));
        self.buy.set(buy.to_string());
        self.sell.set(sell.to_string());
        self.peak.set(peak.to_string());
    }

    /// Switch the controls to `choice`, starting from the preset's own prices or bill.
    pub fn choose(self, choice: TariffChoice) {
        match choice {
            TariffChoice::Preset(p) => {
                let (b, s) = preset_prices(p);
                self.buy.set(b.to_string());
                self.sell.set(s.to_string());
                self.peak.set("1.2".into());
            }
            TariffChoice::Retail(p) => self.retail.set(p.tariff()),
            TariffChoice::Hourly => {}
        }
        self.choice.set(choice);
    }

    /// The tariff the controls describe, or why it cannot be used.
    pub fn tariff(self) -> Result<Tariff, String> {
        let choice = self.choice.get();
        if choice.is_retail() {
            return self.retail.with(tariff_from_retail);
        }
        tariff_from_controls(
            choice,
            &self.buy.get(),
            &self.sell.get(),
            &self.peak.get(),
            &self.hours.get(),
        )
    }
}

/// Make `tariff` the scenario's. A single-point connection is part of a retail bill: with
/// simple prices it would be refused, so leaving the retail bills returns to own meters.
pub fn set_tariff(scenario: &mut Scenario, tariff: Tariff) {
    if tariff.retail().is_none() {
        scenario.settings.billing.single_point = None;
    }
    scenario.tariff = tariff;
}

/// A retail tariff as the scenario's tariff, or the engine's reason (naming the field) why not.
pub fn tariff_from_retail(retail: &RetailTariff) -> Result<Tariff, String> {
    let tariff = Tariff::Retail(Box::new(retail.clone()));
    tariff
        .prices(&TimeAxis::hourly(24))
        .map(|_| tariff.clone())
        .map_err(|e| e.to_string())
}

fn parse(name: &str, text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("{name}: '{text}' is not a number; nothing was recalculated."))
}

/// The tariff described by the simple controls' text (presets and the 24-hour table), or why
/// it cannot be used.
pub fn tariff_from_controls(
    choice: TariffChoice,
    buy: &str,
    sell: &str,
    peak: &str,
    hours: &[(String, String)],
) -> Result<Tariff, String> {
    let tariff = match choice {
        TariffChoice::Retail(p) => return tariff_from_retail(&p.tariff()),
        TariffChoice::Hourly => {
            let mut b = [0.0; 24];
            let mut s = [0.0; 24];
            for (h, (bt, st)) in hours.iter().enumerate().take(24) {
                b[h] = parse(&format!("Hour {h:02}:00 buy price"), bt)?;
                s[h] = parse(&format!("Hour {h:02}:00 sell price"), st)?;
            }
            if let Some(h) = (0..24).find(|h| !(0.0 < s[*h] && s[*h] < b[*h])) {
                return Err(format!(
                    "Hour {h:02}:00: the feed-in price ({}) must be above 0 and below the retail price ({}); nothing was recalculated.",
                    s[h], b[h]
                ));
            }
            Tariff::TimeOfUse {
                buy_per_kwh: vec![b; 12],
                sell_per_kwh: vec![s; 12],
            }
        }
        TariffChoice::Preset(TariffPreset::IndianTimeOfDay) => {
            let peak = parse("Peak multiplier", peak)?;
            if !(1.0..=3.0).contains(&peak) {
                return Err(format!(
                    "Peak multiplier: {peak} must be from 1 to 3; nothing was recalculated."
                ));
            }
            time_of_day(TimeOfDay {
                normal_per_kwh: parse("Retail (buy) price", buy)?,
                feed_in_per_kwh: parse("Feed-in (sell) price", sell)?,
                peak_multiplier: peak,
                ..TimeOfDay::default()
            })
        }
        TariffChoice::Preset(_) => Tariff::Flat {
            buy_per_kwh: parse("Retail (buy) price", buy)?,
            sell_per_kwh: parse("Feed-in (sell) price", sell)?,
        },
    };
    tariff
        .prices(&TimeAxis::hourly(24))
        .map(|_| tariff.clone())
        .map_err(|e| format!("{e}. The feed-in price must stay above 0 and below the retail price at every hour; nothing was recalculated."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[(f64, f64)]) -> Vec<(String, String)> {
        text_table(rows)
    }

    #[test]
    fn controls_are_validated_with_a_message() {
        let study = TariffChoice::Preset(TariffPreset::Study);
        let tod = TariffChoice::Preset(TariffPreset::IndianTimeOfDay);
        assert!(tariff_from_controls(study, "10", "8", "1.2", &[]).is_ok());
        let err = tariff_from_controls(study, "10", "12", "1.2", &[]).unwrap_err();
        assert!(err.contains("must be below"), "{err}");
        // Time-of-day: the solar-hour price (6.5 × 0.8 = 5.2) must stay above feed-in.
        assert!(tariff_from_controls(tod, "6.5", "5.5", "1.2", &[]).is_err());
        assert!(tariff_from_controls(tod, "6.5", "3", "1.2", &[]).is_ok());
        assert!(tariff_from_controls(tod, "6.5", "3", "4", &[])
            .unwrap_err()
            .contains("Peak multiplier"));
        assert!(tariff_from_controls(study, "x", "3", "1.2", &[])
            .unwrap_err()
            .contains("not a number"));
    }

    #[test]
    fn the_hourly_table_is_a_tariff_and_names_the_bad_hour() {
        let mut rows = vec![(8.0, 3.0); 24];
        rows[19] = (12.0, 3.0);
        let t = tariff_from_controls(TariffChoice::Hourly, "", "", "", &table(&rows)).unwrap();
        assert_eq!(hourly_of(&t), rows);
        rows[7] = (3.0, 3.5);
        let err =
            tariff_from_controls(TariffChoice::Hourly, "", "", "", &table(&rows)).unwrap_err();
        assert!(err.starts_with("Hour 07:00"), "{err}");
        let mut text = table(&vec![(8.0, 3.0); 24]);
        text[23].1 = "abc".into();
        let err = tariff_from_controls(TariffChoice::Hourly, "", "", "", &text).unwrap_err();
        assert!(err.contains("Hour 23:00 sell price"), "{err}");
    }

    #[test]
    fn every_retail_preset_is_a_choice_and_a_valid_tariff() {
        for p in RetailPreset::ALL {
            let c = TariffChoice::of_key(p.key());
            assert_eq!(c, TariffChoice::Retail(p));
            assert!(c.label().contains(&p.tariff().year), "{}", c.label());
            let t = tariff_from_controls(c, "", "", "", &[]).unwrap();
            assert_eq!(t.retail(), Some(&p.tariff()));
        }
    }

    #[test]
    fn leaving_the_retail_bills_returns_to_own_meters() {
        let mut s =
            Scenario::generated(engine::community::Site::CompositeNorth, TariffPreset::Study);
        let delhi = tariff_from_retail(&RetailPreset::Delhi.tariff()).unwrap();
        set_tariff(&mut s, delhi);
        s.settings.billing.single_point = Some(Default::default());
        s.validate().unwrap();
        set_tariff(&mut s, TariffPreset::Study.tariff());
        assert_eq!(s.settings.billing.single_point, None);
        s.validate().unwrap();
    }

    #[test]
    fn a_tariff_is_shown_as_the_preset_it_came_from() {
        let owner = leptos::prelude::Owner::new();
        owner.with(|| {
            let tod = time_of_day(TimeOfDay {
                normal_per_kwh: 7.0,
                feed_in_per_kwh: 2.5,
                peak_multiplier: 1.5,
                ..TimeOfDay::default()
            });
            let c = TariffControls::new(&tod);
            assert_eq!(
                c.choice.get_untracked(),
                TariffChoice::Preset(TariffPreset::IndianTimeOfDay)
            );
            assert_eq!(c.peak.get_untracked(), "1.5");
            assert_eq!(c.tariff().unwrap(), tod);
            let own = Tariff::TimeOfUse {
                buy_per_kwh: vec![[9.0; 24]; 12],
                sell_per_kwh: vec![[1.0; 24]; 12],
            };
            c.show(&own);
            assert_eq!(c.choice.get_untracked(), TariffChoice::Hourly);
            assert_eq!(c.tariff().unwrap(), own);
            let mut kerala = RetailPreset::Kerala.tariff();
            kerala.metering.feed_in_per_kwh = 2.0;
            c.show(&Tariff::Retail(Box::new(kerala.clone())));
            assert_eq!(
                c.choice.get_untracked(),
                TariffChoice::Retail(RetailPreset::Kerala)
            );
            assert_eq!(c.tariff().unwrap().retail(), Some(&kerala));
            c.choose(TariffChoice::Retail(RetailPreset::Delhi));
            assert_eq!(
                c.tariff().unwrap().retail(),
                Some(&RetailPreset::Delhi.tariff())
            );
        });
    }
}
