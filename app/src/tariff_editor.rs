//! The tariff and market settings editor: presets, buy/sell sliders, the time-of-day peak
//! multiplier, a 24-hour time-of-use table, Bill Sharing's horizon and the aggregator's return.
//! Text as typed lives in signals; [`TariffControls::tariff`] turns it into an engine tariff or
//! says, inline, why it cannot be used.

use engine::market::BillingHorizon;
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
}

impl TariffChoice {
    /// Every choice, in selector order.
    pub const ALL: [TariffChoice; 4] = [
        TariffChoice::Preset(TariffPreset::Study),
        TariffChoice::Preset(TariffPreset::IndianTimeOfDay),
        TariffChoice::Preset(TariffPreset::FlatRetail),
        TariffChoice::Hourly,
    ];

    /// Key in the selector.
    pub fn key(self) -> &'static str {
        match self {
            TariffChoice::Preset(TariffPreset::Study) => "study",
            TariffChoice::Preset(TariffPreset::IndianTimeOfDay) => "tod",
            TariffChoice::Preset(TariffPreset::FlatRetail) => "flat",
            TariffChoice::Hourly => "hourly",
        }
    }

    /// Label in the selector.
    pub fn label(self) -> &'static str {
        match self {
            TariffChoice::Preset(p) => p.label(),
            TariffChoice::Hourly => "Your own 24-hour table",
        }
    }

    fn of_key(key: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|c| c.key() == key)
            .unwrap_or(TariffChoice::Preset(TariffPreset::Study))
    }
}

/// The tariff controls' state (text as typed).
#[derive(Clone, Copy)]
pub struct TariffControls {
    /// Preset or own table.
    pub choice: RwSignal<TariffChoice>,
    /// Retail price slider, ₹/kWh.
    pub buy: RwSignal<String>,
    /// Feed-in price slider, ₹/kWh.
    pub sell: RwSignal<String>,
    /// Time-of-day peak multiplier (Indian ToD preset).
    pub peak: RwSignal<String>,
    /// The 24-hour table: (buy, sell) per hour.
    pub hours: RwSignal<Vec<(String, String)>>,
}

/// The (buy, sell) pair a preset starts from.
pub fn preset_prices(p: TariffPreset) -> (f64, f64) {
    match p {
        TariffPreset::Study => (10.0, 8.0),
        TariffPreset::IndianTimeOfDay | TariffPreset::FlatRetail => (6.5, 3.0),
    }
}

/// The first day's 24 hourly prices of a tariff (what the table shows).
pub fn hourly_of(tariff: &Tariff) -> Vec<(f64, f64)> {
    tariff
        .prices(&TimeAxis::hourly(24))
        .map(|p| p.iter().map(|g| (g.buy_per_kwh, g.sell_per_kwh)).collect())
        .unwrap_or_else(|_| vec![(0.0, 0.0); 24])
}

fn text_table(rows: &[(f64, f64)]) -> Vec<(String, String)> {
    rows.iter()
        .map(|(b, s)| (b.to_string(), s.to_string()))
        .collect()
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
        };
        c.show(tariff);
        c
    }

    /// Set every control to show `tariff` (a preset if it is one, else the hourly table).
    pub fn show(self, tariff: &Tariff) {
        self.hours.set(text_table(&hourly_of(tariff)));
        let (choice, buy, sell, peak) = match tariff {
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

    /// The tariff the controls describe, or why it cannot be used.
    pub fn tariff(self) -> Result<Tariff, String> {
        tariff_from_controls(
            self.choice.get(),
            &self.buy.get(),
            &self.sell.get(),
            &self.peak.get(),
            &self.hours.get(),
        )
    }
}

fn parse(name: &str, text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("{name}: '{text}' is not a number; nothing was recalculated."))
}

/// The tariff described by the controls' text, or why it cannot be used.
pub fn tariff_from_controls(
    choice: TariffChoice,
    buy: &str,
    sell: &str,
    peak: &str,
    hours: &[(String, String)],
) -> Result<Tariff, String> {
    let tariff = match choice {
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

/// Keys of Bill Sharing horizons in the selector.
const HORIZONS: [(BillingHorizon, &str, &str); 4] = [
    (BillingHorizon::Step, "step", "every hour"),
    (BillingHorizon::Day, "day", "every day"),
    (BillingHorizon::Month, "month", "every month (default)"),
    (BillingHorizon::Run, "run", "once for the year"),
];

/// The tariff and market settings panel.
#[component]
pub fn TariffEditor(
    controls: TariffControls,
    bs_horizon: RwSignal<BillingHorizon>,
    aggregator_return: RwSignal<f64>,
) -> impl IntoView {
    let TariffControls {
        choice,
        buy,
        sell,
        peak,
        hours,
    } = controls;
    let is_hourly = move || choice.get() == TariffChoice::Hourly;
    let edit_hour = move |h: usize, sell_side: bool, text: String| {
        // Editing the table makes it the tariff: start from what it shows now.
        if !is_hourly() {
            if let Ok(t) = controls.tariff() {
                hours.set(text_table(&hourly_of(&t)));
            }
            choice.set(TariffChoice::Hourly);
        }
        hours.update(|rows| {
            if let Some(row) = rows.get_mut(h) {
                if sell_side {
                    row.1 = text;
                } else {
                    row.0 = text;
                }
            }
        });
    };
    view! {
        <div class="inputs tariff">
            <label>
                "Tariff "
                <select
                    data-testid="tariff-preset"
                    prop:value=move || choice.get().key()
                    on:change=move |ev| {
                        let c = TariffChoice::of_key(&event_target_value(&ev));
                        if let TariffChoice::Preset(p) = c {
                            let (b, s) = preset_prices(p);
                            buy.set(b.to_string());
                            sell.set(s.to_string());
                            peak.set("1.2".into());
                        }
                        choice.set(c);
                    }
                >
                    {TariffChoice::ALL
                        .into_iter()
                        .map(|c| view! { <option value=c.key() selected=move || choice.get() == c>{c.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label class:disabled=is_hourly>
                {move || format!("Retail (buy) price: {} ₹/kWh", buy.get())}
                <input type="range" min="1" max="20" step="0.1" data-testid="price-buy" prop:disabled=is_hourly
                    prop:value=move || buy.get() on:input=move |ev| buy.set(event_target_value(&ev)) />
            </label>
            <label class:disabled=is_hourly>
                {move || format!("Feed-in (sell) price: {} ₹/kWh", sell.get())}
                <input type="range" min="0" max="20" step="0.1" data-testid="price-sell" prop:disabled=is_hourly
                    prop:value=move || sell.get() on:input=move |ev| sell.set(event_target_value(&ev)) />
            </label>
            <Show when=move || choice.get() == TariffChoice::Preset(TariffPreset::IndianTimeOfDay)>
                <label>
                    {move || format!("Evening peak (18–22 h) multiplier: ×{}", peak.get())}
                    <input type="range" min="1" max="2" step="0.05" data-testid="tod-peak"
                        prop:value=move || peak.get() on:input=move |ev| peak.set(event_target_value(&ev)) />
                </label>
            </Show>
            <label>
                "Bill Sharing settles "
                <select data-testid="bs-horizon"
                    prop:value=move || HORIZONS.iter().find(|(h, _, _)| *h == bs_horizon.get()).map_or("month", |(_, k, _)| *k)
                    on:change=move |ev| {
                    let key = event_target_value(&ev);
                    if let Some((h, _, _)) = HORIZONS.iter().find(|(_, k, _)| *k == key) {
                        bs_horizon.set(*h);
                    }
                }>
                    {HORIZONS.iter().map(|(h, key, label)| {
                        let h = *h;
                        view! { <option value=*key selected=move || bs_horizon.get() == h>{*label}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>
                {move || format!("Aggregator's share τ_c: {:.0}% of members' gains", 100.0 * aggregator_return.get())}
                <input type="range" min="0" max="0.5" step="0.01" data-testid="aggregator-return"
                    prop:value=move || aggregator_return.get().to_string()
                    on:input=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                            aggregator_return.set(v.clamp(0.0, 0.99));
                        }
                    } />
            </label>
        </div>
        <details class="panel" data-testid="tou-table">
            <summary>"Time-of-use table (24 hours, ₹/kWh) — edit any hour to make your own tariff"</summary>
            <table class="tou">
                <thead><tr><th scope="col">"Hour"</th><th scope="col">"Buy (λ_buy)"</th><th scope="col">"Sell (λ_sell)"</th></tr></thead>
                <tbody>
                    {(0..24).map(|h| {
                        let shown = move |sell_side: bool| {
                            if is_hourly() {
                                hours.with(|r| r.get(h).map(|r| if sell_side { r.1.clone() } else { r.0.clone() }).unwrap_or_default())
                            } else {
                                controls.tariff().ok().map(|t| {
                                    let r = hourly_of(&t)[h];
                                    format!("{}", if sell_side { r.1 } else { r.0 })
                                }).unwrap_or_default()
                            }
                        };
                        view! {
                            <tr>
                                <th scope="row">{format!("{h:02}:00")}</th>
                                <td><input type="number" step="0.1" min="0" aria-label=format!("Buy price at {h:02}:00")
                                    data-testid=format!("tou-buy-{h}") prop:value=move || shown(false)
                                    on:change=move |ev| edit_hour(h, false, event_target_value(&ev)) /></td>
                                <td><input type="number" step="0.1" min="0" aria-label=format!("Sell price at {h:02}:00")
                                    data-testid=format!("tou-sell-{h}") prop:value=move || shown(true)
                                    on:change=move |ev| edit_hour(h, true, event_target_value(&ev)) /></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </details>
    }
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
        });
    }
}
