//! One trading hour of three households (MODEL.md worked examples): prices and net energy in,
//! every rule's internal prices and bills out.

use engine::example::{settle_one_hour, EXAMPLE_A_NET_KWH, STUDY_PRICES};
use engine::{GridPrices, RuleId, SettlementReport};
use leptos::prelude::*;

use crate::chart::draw_bills_chart;

/// The named examples a student can load with one click: (key, label, net kWh of households).
const EXAMPLES: [(&str, &str, [f64; 3]); 5] = [
    ("a", "A: net importer", EXAMPLE_A_NET_KWH),
    ("b", "B: net exporter", [-2.0, -1.0, 1.5]),
    ("c", "C: balanced", [1.0, 1.0, -2.0]),
    ("d", "D: no sellers", [1.0, 2.0, 0.0]),
    ("e", "E: no buyers", [-1.0, -2.0, 0.0]),
];

/// Parse a number typed by the user, naming the field when it is not one.
fn parse_number(field: &str, text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("{field}: '{text}' is not a number"))
}

/// Settle the hour described by the text fields, or explain what is wrong with them.
fn settle_inputs(buy: &str, sell: &str, net: &[String]) -> Result<SettlementReport, String> {
    let buy = parse_number("Grid buy price", buy)?;
    let sell = parse_number("Grid sell price", sell)?;
    let grid = GridPrices::new(0, buy, sell).map_err(|e| {
        format!("Grid prices: {e}. Internal prices need 0 < sell < buy; nothing was recalculated.")
    })?;
    let net_kwh = net
        .iter()
        .enumerate()
        .map(|(k, text)| parse_number(&format!("Household {} net energy", k + 1), text))
        .collect::<Result<Vec<_>, _>>()?;
    settle_one_hour(&net_kwh, grid).map_err(|e| e.to_string())
}

fn money(value: f64) -> String {
    // Avoid printing "-0.00" for a bill that rounds to zero.
    let rounded = (value * 100.0).round() / 100.0;
    format!("{:.2}", if rounded == 0.0 { 0.0 } else { rounded })
}

fn fmt_option(value: Option<f64>, digits: usize) -> String {
    value.map_or_else(|| "n/a".to_string(), |v| format!("{v:.digits$}"))
}

/// The worked-example market hour: editable prices and households, results of every rule.
#[component]
pub fn WorkedExample() -> impl IntoView {
    let buy = RwSignal::new(STUDY_PRICES.buy_per_kwh.to_string());
    let sell = RwSignal::new(STUDY_PRICES.sell_per_kwh.to_string());
    let net: [RwSignal<String>; 3] = EXAMPLE_A_NET_KWH.map(|v| RwSignal::new(v.to_string()));

    let outcome = Memo::new(move |_| {
        let net_text: Vec<String> = net.iter().map(|s| s.get()).collect();
        settle_inputs(&buy.get(), &sell.get(), &net_text)
    });
    // The last valid result stays on screen while an input is invalid.
    let shown = Memo::new(
        move |previous: Option<&Option<SettlementReport>>| match outcome.get() {
            Ok(report) => Some(report),
            Err(_) => previous.cloned().flatten(),
        },
    );
    let error = move || outcome.get().err();

    let canvas = NodeRef::<leptos::html::Canvas>::new();
    Effect::new(move |_| {
        if let (Some(report), Some(canvas)) = (shown.get(), canvas.get()) {
            if let Err(message) = draw_bills_chart(canvas, &report) {
                leptos::logging::warn!("chart not drawn: {message}");
            }
        }
    });

    let load_example = move |values: [f64; 3]| {
        for (signal, value) in net.iter().zip(values) {
            signal.set(value.to_string());
        }
    };

    let market_line = move || {
        shown.get().map(|r| {
            let c = &r.community;
            let sdr = r
                .steps
                .first()
                .and_then(|s| s.supply_demand_ratio())
                .map_or_else(|| "∞ (no buyers)".to_string(), |v| format!("{v:.3}"));
            view! {
                <p class="market-line">
                    "TBP " <strong data-testid="tbp">{format!("{:.2}", c.buyers_kwh)}</strong> " kWh · "
                    "TSP " <strong data-testid="tsp">{format!("{:.2}", c.sellers_kwh)}</strong> " kWh · "
                    "SDR " <strong data-testid="sdr">{sdr}</strong> " · "
                    "community grid bill " <strong data-testid="grid-bill">{money(c.grid_bill)}</strong> " ₹"
                </p>
            }
        })
    };

    let kpis = move || {
        shown.get().map(|r| {
            r.rules
                .iter()
                .map(|rule| {
                    let key = rule.rule.key();
                    let prices = rule.prices_by_step.first().copied().unwrap_or_default();
                    view! {
                        <div class="kpi" data-testid=format!("kpi-{key}")>
                            <h3>{rule.rule.label()}</h3>
                            <p class="kpi-value">
                                <span data-testid=format!("kpi-{key}-bill")>{money(rule.community_bill)}</span>
                                " ₹ total"
                            </p>
                            <p>
                                "internal buy " {money(prices.buy_per_kwh)} " · sell "
                                {money(prices.sell_per_kwh)} " ₹/kWh"
                            </p>
                            <p>
                                "saving vs no sharing " {money(rule.savings)} " ₹ · PM "
                                {fmt_option(rule.performance_measure, 2)}
                            </p>
                        </div>
                    }
                })
                .collect_view()
        })
    };

    let table_rows = move || {
        shown.get().map(|r| {
            (0..r.members)
                .map(|k| {
                    let net_kwh =
                        r.rules[0].members[k].import_kwh - r.rules[0].members[k].export_kwh;
                    let cells = r
                        .rules
                        .iter()
                        .map(|rule| {
                            view! {
                                <td data-testid=format!("bill-{}-{}", rule.rule.key(), k + 1)>
                                    {money(rule.members[k].bill)}
                                </td>
                            }
                        })
                        .collect_view();
                    view! {
                        <tr>
                            <th scope="row">{format!("Household {}", k + 1)}</th>
                            <td>{format!("{net_kwh:+.2}")}</td>
                            {cells}
                        </tr>
                    }
                })
                .collect_view()
        })
    };

    view! {
        <section class="card" aria-labelledby="hour-title">
            <h2 id="hour-title">"One trading hour, four settlement rules"</h2>
            <p class="explain">
                "Three households share one connection to the grid. A positive net energy means the household "
                "needs energy (a buyer); negative means it has surplus to sell. Each rule sets an internal buy "
                "and sell price; the grid only sees the community's total."
            </p>
            <div class="examples" role="group" aria-label="Worked examples">
                {EXAMPLES
                    .iter()
                    .map(|(key, label, values)| {
                        let values = *values;
                        view! {
                            <button
                                type="button"
                                data-testid=format!("example-{key}")
                                on:click=move |_| load_example(values)
                            >
                                {*label}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <div class="inputs">
                <label>
                    "Grid buy price λ_buy (₹/kWh) "
                    <input
                        type="number"
                        step="0.1"
                        data-testid="hour-price-buy"
                        prop:value=move || buy.get()
                        on:input=move |ev| buy.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    "Grid sell price λ_sell (₹/kWh) "
                    <input
                        type="number"
                        step="0.1"
                        data-testid="hour-price-sell"
                        prop:value=move || sell.get()
                        on:input=move |ev| sell.set(event_target_value(&ev))
                    />
                </label>
                {net
                    .iter()
                    .enumerate()
                    .map(|(k, signal)| {
                        let signal = *signal;
                        view! {
                            <label>
                                {format!("Household {} net energy (kWh) ", k + 1)}
                                <input
                                    type="number"
                                    step="0.5"
                                    data-testid=format!("net-{}", k + 1)
                                    prop:value=move || signal.get()
                                    on:input=move |ev| signal.set(event_target_value(&ev))
                                />
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
            <Show when=move || error().is_some()>
                <p class="error" role="alert" data-testid="hour-error">
                    {move || error().unwrap_or_default()}
                    " The results below are from the last valid input."
                </p>
            </Show>
            {market_line}
            <div class="kpis">{kpis}</div>
            <table class="bills" data-testid="bills-table">
                <caption>"Bill per household (₹, > 0 pays)"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Household"</th>
                        <th scope="col">"Net kWh"</th>
                        {RuleId::ALL
                            .iter()
                            .map(|r| view! { <th scope="col">{r.label()}</th> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>{table_rows}</tbody>
            </table>
            <canvas
                node_ref=canvas
                width="720"
                height="340"
                data-testid="bills-chart"
                role="img"
                aria-label="Bar chart of each household's bill under each rule"
            ></canvas>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_prices_are_explained() {
        let net = vec!["2".to_string(), "1".to_string(), "-1.5".to_string()];
        let err = settle_inputs("8", "8", &net).unwrap_err();
        assert!(err.contains("sell_per_kwh"), "{err}");
        let err = settle_inputs("ten", "8", &net).unwrap_err();
        assert!(err.contains("Grid buy price"), "{err}");
    }

    #[test]
    fn example_a_settles() {
        let net = vec!["2".to_string(), "1".to_string(), "-1.5".to_string()];
        let report = settle_inputs("10", "8", &net).unwrap();
        assert_eq!(
            money(report.rule(RuleId::Sdr).unwrap().members[0].bill),
            "18.89"
        );
    }
}
