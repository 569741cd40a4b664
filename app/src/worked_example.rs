//! The market playground: one trading hour of a handful of households (MODEL.md's worked
//! examples to start). Drag each household between buyer and seller and the grid prices; every
//! rule's internal prices, bills and savings follow, with the budget-balance identity and the
//! shape of the SDR and MMR price rules drawn against the SDR. Every number's formula is one click
//! away.

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
pub fn settle_inputs(buy: &str, sell: &str, net: &[String]) -> Result<SettlementReport, String> {
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

/// "Σ bills = grid bill" for every sharing rule, or which rule breaks it; and what that saves
/// against every home paying alone.
fn budget_line(r: &SettlementReport) -> String {
    let grid = r.community.grid_bill;
    let sharing = r.rules.iter().filter(|rule| rule.rule != RuleId::None);
    let broken: Vec<&str> = sharing
        .filter(|rule| (rule.community_bill - grid).abs() > 1e-6 * grid.abs().max(1.0))
        .map(|rule| rule.rule.label())
        .collect();
    let alone = r.rule(RuleId::None).map_or(grid, |n| n.community_bill);
    if broken.is_empty() {
        format!(
            "Budget balance holds: under every sharing rule Σ bills = {} ₹ = the community's grid bill ✓ \
             (alone the homes would pay {} ₹: sharing saves {} ₹)",
            money(grid),
            money(alone),
            money(alone - grid)
        )
    } else {
        format!("Budget balance broken for {}", broken.join(", "))
    }
}

/// The formula of a rule's internal prices.
fn rule_formula(rule: RuleId) -> &'static str {
    match rule {
        RuleId::None => "No sharing: every household pays λ_buy for what it imports and earns λ_sell for what it exports.",
        RuleId::Bs => "Bill Sharing: buy = λ_buy · (grid import) / TBP, sell = λ_sell · (grid export) / TSP — the grid bill split in proportion to energy.",
        RuleId::Mmr => "Mid-Market Rate: mid = (λ_buy + λ_sell) / 2. If TSP < TBP: buy = (TSP·mid + (TBP − TSP)·λ_buy) / TBP, sell = mid; if TSP > TBP: buy = mid, sell = (TBP·mid + (TSP − TBP)·λ_sell) / TSP.",
        RuleId::Sdr => "SDR (Liu et al. 2017), for SDR ≤ 1: sell = λ_sell·λ_buy / ((λ_buy − λ_sell)·SDR + λ_sell), buy = sell·SDR + λ_buy·(1 − SDR); for SDR > 1 both are λ_sell.",
    }
}

/// A formula one click away.
#[component]
fn Formula(#[prop(into)] testid: String, text: &'static str) -> impl IntoView {
    view! {
        <details class="formula" data-testid=testid>
            <summary aria-label="Show the formula" title="Show the formula">"?"</summary>
            <span>{text}</span>
        </details>
    }
}

/// SDR's and MMR's internal prices against the SDR (0–2) at these grid prices, this hour marked.
fn draw_price_curves(
    canvas: web_sys::HtmlCanvasElement,
    grid: GridPrices,
    current: Option<f64>,
) -> Result<(), String> {
    use engine::market::HorizonMarket;
    use plotters::prelude::*;
    let root = crate::chart::canvas_root(canvas)?;
    let prices_at = |rule: RuleId, sdr: f64| {
        // TBP = 1, TSP = SDR: prices depend only on the ratio.
        let market = HorizonMarket::of_step(1.0, sdr, grid);
        rule.rule(engine::BillingHorizon::Step)
            .internal_prices(&market, grid)
    };
    let xs: Vec<f64> = (0..=200).map(|i| i as f64 / 100.0).collect();
    let top = grid.buy_per_kwh * 1.35;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Internal prices against the supply-demand ratio",
            ("sans-serif", 16),
        )
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..2.0, 0.0..top)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("SDR = TSP / TBP")
        .y_desc("₹/kWh")
        .draw()
        .map_err(|e| e.to_string())?;
    let series: [(&str, RGBColor, RuleId, bool); 4] = [
        ("SDR buy", RGBColor(213, 94, 0), RuleId::Sdr, false),
        ("SDR sell", RGBColor(0, 114, 178), RuleId::Sdr, true),
        ("MMR buy", RGBColor(230, 159, 0), RuleId::Mmr, false),
        ("MMR sell", RGBColor(86, 180, 233), RuleId::Mmr, true),
    ];
    for (label, colour, rule, sell) in series {
        let points: Vec<(f64, f64)> = xs
            .iter()
            .map(|x| {
                let p = prices_at(rule, *x);
                (*x, if sell { p.sell_per_kwh } else { p.buy_per_kwh })
            })
            .collect();
        crate::chart::labelled_line(&mut chart, points, label, colour)?;
        if let Some(sdr) = current.filter(|s| *s <= 2.0) {
            let p = prices_at(rule, sdr);
            let y = if sell { p.sell_per_kwh } else { p.buy_per_kwh };
            chart
                .draw_series([Circle::new((sdr, y), 5, colour.filled())])
                .map_err(|e| e.to_string())?;
        }
    }
    for (label, y) in [("λ_buy", grid.buy_per_kwh), ("λ_sell", grid.sell_per_kwh)] {
        let grey = RGBColor(150, 150, 150);
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, y), (2.0, y)],
                5,
                4,
                grey.stroke_width(1),
            ))
            .map_err(|e| e.to_string())?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], grey.stroke_width(1)));
    }
    if let Some(sdr) = current.filter(|s| *s <= 2.0) {
        chart
            .draw_series(DashedLineSeries::new(
                [(sdr, 0.0), (sdr, top)],
                4,
                4,
                BLACK.stroke_width(1),
            ))
            .map_err(|e| e.to_string())?
            .label("this hour")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], BLACK.stroke_width(1)));
    }
    crate::chart::legend(&mut chart, 12)?;
    root.present().map_err(|e| e.to_string())
}

fn fmt_option(value: Option<f64>, digits: usize) -> String {
    value.map_or_else(|| "n/a".to_string(), |v| format!("{v:.digits$}"))
}

/// The worked-example market hour: editable prices and households, results of every rule.
#[component]
pub fn WorkedExample() -> impl IntoView {
    let buy = RwSignal::new(STUDY_PRICES.buy_per_kwh.to_string());
    let sell = RwSignal::new(STUDY_PRICES.sell_per_kwh.to_string());
    let net = RwSignal::new(
        EXAMPLE_A_NET_KWH
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<String>>(),
    );
    let set_net = move |k: usize, text: String| {
        net.update(|n| {
            if let Some(slot) = n.get_mut(k) {
                *slot = text;
            }
        })
    };

    let outcome = Memo::new(move |_| settle_inputs(&buy.get(), &sell.get(), &net.get()));
    // The last valid result stays on screen while an input is invalid.
    let shown = Memo::new(
        move |previous: Option<&Option<SettlementReport>>| match outcome.get() {
            Ok(report) => Some(report),
            Err(_) => previous.cloned().flatten(),
        },
    );
    let error = move || outcome.get().err();

    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let curves = NodeRef::<leptos::html::Canvas>::new();
    Effect::new(move |_| {
        if let (Some(report), Some(canvas)) = (shown.get(), canvas.get()) {
            if let Err(message) = draw_bills_chart(canvas, &report) {
                leptos::logging::warn!("chart not drawn: {message}");
            }
        }
        if let (Some(report), Some(canvas)) = (shown.get(), curves.get()) {
            if let Some(step) = report.steps.first() {
                if let Err(message) =
                    draw_price_curves(canvas, step.grid, step.supply_demand_ratio())
                {
                    leptos::logging::warn!("chart not drawn: {message}");
                }
            }
        }
    });

    let load_example = move |values: [f64; 3]| {
        net.set(values.iter().map(|v| v.to_string()).collect());
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
                    "TBP " <strong data-testid="tbp">{format!("{:.2}", c.buyers_kwh)}</strong> " kWh"
                    <Formula testid="formula-tbp" text="TBP = Σ buyers' net energy (households with NP ≥ 0)" />
                    " · TSP " <strong data-testid="tsp">{format!("{:.2}", c.sellers_kwh)}</strong> " kWh"
                    <Formula testid="formula-tsp" text="TSP = Σ sellers' |net energy| (households with NP < 0)" />
                    " · SDR " <strong data-testid="sdr">{sdr}</strong>
                    <Formula testid="formula-sdr" text="SDR = TSP / TBP: above 1 the community has surplus, below 1 it imports" />
                    " · community grid bill " <strong data-testid="grid-bill">{money(c.grid_bill)}</strong> " ₹"
                    <Formula testid="formula-grid-bill" text="grid bill = λ_buy · max(TBP − TSP, 0) − λ_sell · max(TSP − TBP, 0)" />
                </p>
                <p class="budget" data-testid="budget-balance">
                    {budget_line(&r)}
                    <Formula testid="formula-budget" text="Budget balance: every rule's internal prices are set so Σ members' bills = the community's grid bill; sharing only moves money between members, and all of (λ_buy − λ_sell) × shared energy is saved" />
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
                        <div class="kpi" data-testid=format!("hour-kpi-{key}")>
                            <h3>{rule.rule.label()}</h3>
                            <p class="kpi-value">
                                <span data-testid=format!("hour-kpi-{key}-bill")>{money(rule.community_bill)}</span>
                                " ₹ total"
                            </p>
                            <p>
                                "internal buy " <span data-testid=format!("price-{key}-buy")>{money(prices.buy_per_kwh)}</span>
                                " · sell " <span data-testid=format!("price-{key}-sell")>{money(prices.sell_per_kwh)}</span> " ₹/kWh"
                                <Formula testid=format!("formula-{key}") text=rule_formula(rule.rule) />
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
                            let m = &rule.members[k];
                            view! {
                                <td>
                                    <span data-testid=format!("bill-{}-{}", rule.rule.key(), k + 1)>{money(m.bill)}</span>
                                    <span class="saving" data-testid=format!("saving-{}-{}", rule.rule.key(), k + 1)>
                                        {format!(" (saves {})", money(m.savings))}
                                    </span>
                                </td>
                            }
                        })
                        .collect_view();
                    view! {
                        <tr>
                            <th scope="row">{format!("Household {}", k + 1)}</th>
                            <td>{format!("{net_kwh:+.2}")}" "{if net_kwh >= 0.0 { "buyer" } else { "seller" }}</td>
                            {cells}
                        </tr>
                    }
                })
                .collect_view()
        })
    };

    view! {
        <section class="card" aria-labelledby="hour-title">
            <h2 id="hour-title">"Market playground: one trading hour, four settlement rules"</h2>
            <p class="explain">
                "A few households share one connection to the grid. Drag a household's net energy: positive, it "
                "needs energy (a buyer); negative, it has surplus to sell. Each rule sets an internal buy and sell "
                "price; the grid only sees the community's total. Click ? beside any number for its formula."
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
                    <input type="number" step="0.1" data-testid="hour-price-buy"
                        prop:value=move || buy.get() on:input=move |ev| buy.set(event_target_value(&ev)) />
                    <input type="range" min="1" max="20" step="0.1" data-testid="hour-slider-buy" aria-label="Grid buy price slider"
                        prop:value=move || buy.get() on:input=move |ev| buy.set(event_target_value(&ev)) />
                </label>
                <label>
                    "Grid sell price λ_sell (₹/kWh) "
                    <input type="number" step="0.1" data-testid="hour-price-sell"
                        prop:value=move || sell.get() on:input=move |ev| sell.set(event_target_value(&ev)) />
                    <input type="range" min="0.1" max="20" step="0.1" data-testid="hour-slider-sell" aria-label="Grid sell price slider"
                        prop:value=move || sell.get() on:input=move |ev| sell.set(event_target_value(&ev)) />
                </label>
            </div>
            <div class="inputs households">
                <For each=move || 0..net.with(Vec::len) key=|k| *k let:k>
                    <label>
                        {move || {
                            let v = net.with(|n| n.get(k).and_then(|t| t.trim().parse::<f64>().ok()).unwrap_or(0.0));
                            format!("Household {} — {} (kWh) ", k + 1, if v >= 0.0 { "buyer" } else { "seller" })
                        }}
                        <input type="number" step="0.1" data-testid=format!("net-{}", k + 1)
                            prop:value=move || net.with(|n| n.get(k).cloned().unwrap_or_default())
                            on:input=move |ev| set_net(k, event_target_value(&ev)) />
                        <input type="range" min="-5" max="5" step="0.1" data-testid=format!("slider-{}", k + 1)
                            aria-label=format!("Household {} net energy slider: left sells, right buys", k + 1)
                            prop:value=move || net.with(|n| n.get(k).cloned().unwrap_or_default())
                            on:input=move |ev| set_net(k, event_target_value(&ev)) />
                    </label>
                </For>
                <div class="buttons">
                    <button type="button" data-testid="add-household"
                        prop:disabled=move || { net.with(Vec::len) >= 6 }
                        on:click=move |_| net.update(|n| if n.len() < 6 { n.push("0.5".into()) })>"+ household"</button>
                    <button type="button" data-testid="remove-household"
                        prop:disabled=move || { net.with(Vec::len) <= 2 }
                        on:click=move |_| net.update(|n| if n.len() > 2 { n.pop(); })>"− household"</button>
                </div>
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
                <caption>
                    "Bill per household (₹, > 0 pays) and its saving against no sharing"
                    <Formula testid="formula-bill" text="bill = internal buy price × import − internal sell price × export; saving = no-sharing bill − bill" />
                </caption>
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
            <canvas node_ref=curves width="720" height="320" data-testid="price-curves" role="img"
                aria-label="Internal buy and sell prices of the SDR and MMR rules against the supply-demand ratio, with this hour marked"></canvas>
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
