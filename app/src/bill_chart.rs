//! One member's real bills per billing period as stacked bars: each period's line items grouped
//! into readable categories, charges stacked up from zero and credits (subsidy, export credit,
//! P2P energy sold) down from it, the bill's total marked. The grouping is plain Rust, tested
//! here; the engine's line keys decide it, so a society's re-bill (the same charges, payee
//! `Society`) groups as a DISCOM bill does, and its gap line is a group of its own.

use engine::billing::{BillLine, Party};
use engine::run::MemberPeriodBill;
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

use crate::chart::canvas_root;

/// A readable group of bill lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Energy charges by slab (with any time-of-day adjustment).
    Energy,
    /// The fixed charge.
    Fixed,
    /// ₹/kWh adders, percentage adders, surcharges and duty.
    Adders,
    /// P2P transaction and network charges.
    P2pCharges,
    /// P2P energy bought from peers.
    P2pBought,
    /// The state's subsidy (negative).
    Subsidy,
    /// Export credits and year-end payouts (negative).
    ExportCredit,
    /// P2P energy sold to peers (negative).
    P2pSold,
    /// Behind a single-point connection: the society's gap returned (negative) or its shortfall
    /// collected (positive).
    SocietyGap,
}

/// How many categories there are.
pub const N_CATEGORIES: usize = 9;

/// Every category in stacking order (charges first, then credits), with name and colour
/// (colour-blind-safe palette).
pub const CATEGORIES: [(Category, &str, RGBColor); N_CATEGORIES] = [
    (Category::Energy, "energy", RGBColor(0, 114, 178)),
    (Category::Fixed, "fixed charge", RGBColor(86, 180, 233)),
    (Category::Adders, "adders & duty", RGBColor(204, 121, 167)),
    (Category::P2pCharges, "P2P charges", RGBColor(230, 159, 0)),
    (
        Category::P2pBought,
        "P2P energy bought",
        RGBColor(213, 94, 0),
    ),
    (
        Category::Subsidy,
        "subsidy (state pays)",
        RGBColor(150, 150, 150),
    ),
    (
        Category::ExportCredit,
        "export credit",
        RGBColor(0, 158, 115),
    ),
    (
        Category::P2pSold,
        "P2P energy sold",
        RGBColor(120, 200, 170),
    ),
    (
        Category::SocietyGap,
        "society's gap (returned or collected)",
        RGBColor(240, 228, 66),
    ),
];

/// The category of a bill line (by its engine key and payee).
pub fn category_of(line: &BillLine) -> Category {
    match line.key.as_str() {
        "energy" => Category::Energy,
        "fixed" => Category::Fixed,
        "subsidy" => Category::Subsidy,
        "export_credit" | "bank_lapsed" => Category::ExportCredit,
        "p2p_bought" => Category::P2pBought,
        "p2p_sold" => Category::P2pSold,
        "p2p_fees" => Category::P2pCharges,
        "society_gap" => Category::SocietyGap,
        _ if line.party == Party::Platform => Category::P2pCharges,
        _ if line.party == Party::State => Category::Subsidy,
        _ => Category::Adders,
    }
}

/// The category's display name.
pub fn category_name(c: Category) -> &'static str {
    CATEGORIES
        .iter()
        .find(|(k, _, _)| *k == c)
        .map_or("", |(_, name, _)| name)
}

/// A period's lines summed by category, in [`CATEGORIES`] order, ₹.
pub fn category_sums(lines: &[BillLine]) -> [f64; N_CATEGORIES] {
    let mut out = [0.0; N_CATEGORIES];
    for l in lines {
        let c = category_of(l);
        if let Some(i) = CATEGORIES.iter().position(|(k, _, _)| *k == c) {
            out[i] += l.amount;
        }
    }
    out
}

/// The categories any of these bills uses (for the legend).
pub fn used_categories(bills: &[MemberPeriodBill]) -> Vec<usize> {
    let sums: Vec<[f64; N_CATEGORIES]> =
        bills.iter().map(|b| category_sums(&b.bill.lines)).collect();
    (0..CATEGORIES.len())
        .filter(|&i| sums.iter().any(|s| s[i].abs() > 0.005))
        .collect()
}

/// The stacked bars of one member's bills; returns the number of periods drawn.
pub fn draw_member_bills(
    canvas: HtmlCanvasElement,
    title: &str,
    labels: &[String],
    bills: &[MemberPeriodBill],
    chosen: usize,
) -> Result<usize, String> {
    let root = canvas_root(canvas)?;
    let sums: Vec<[f64; N_CATEGORIES]> =
        bills.iter().map(|b| category_sums(&b.bill.lines)).collect();
    let (mut lo, mut hi) = (0.0_f64, 0.0_f64);
    for s in &sums {
        hi = hi.max(s.iter().filter(|v| **v > 0.0).sum());
        lo = lo.min(s.iter().filter(|v| **v < 0.0).sum());
    }
    let pad = ((hi - lo) * 0.08).max(1.0);
    let n = bills.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5..n as f64 - 0.5, (lo - pad)..(hi + pad))
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-9 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .light_line_style(WHITE.mix(0.0))
        .y_desc("₹ per bill")
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(|e| e.to_string())?;
    // The chosen period, shaded behind its bar.
    if chosen < bills.len() {
        let x = chosen as f64;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x - 0.5, lo - pad), (x + 0.5, hi + pad)],
                RGBColor(240, 180, 0).mix(0.15).filled(),
            )))
            .map_err(|e| e.to_string())?;
    }
    let mut bars = Vec::new();
    for (p, s) in sums.iter().enumerate() {
        let (mut up, mut down) = (0.0, 0.0);
        let x = p as f64;
        for (i, v) in s.iter().enumerate() {
            let colour = CATEGORIES[i].2.filled();
            if *v > 0.0 {
                bars.push(Rectangle::new([(x - 0.35, up), (x + 0.35, up + v)], colour));
                up += v;
            } else if *v < 0.0 {
                bars.push(Rectangle::new(
                    [(x - 0.35, down + v), (x + 0.35, down)],
                    colour,
                ));
                down += v;
            }
        }
    }
    chart.draw_series(bars).map_err(|e| e.to_string())?;
    chart
        .draw_series(std::iter::once(PathElement::new(
            [(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
            BLACK.stroke_width(1),
        )))
        .map_err(|e| e.to_string())?;
    // The bill's total (what the member pays) as a black bar across each period.
    chart
        .draw_series(bills.iter().enumerate().map(|(p, b)| {
            let x = p as f64;
            PathElement::new(
                [(x - 0.42, b.bill.total), (x + 0.42, b.bill.total)],
                BLACK.stroke_width(3),
            )
        }))
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())?;
    Ok(bills.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::billing::{Connection, Phase, RetailPreset};

    #[test]
    fn the_delhi_bill_groups_into_energy_fixed_and_adders() {
        let t = RetailPreset::Delhi.tariff();
        let c = Connection {
            sanctioned_kw: 3.0,
            phase: Phase::Single,
        };
        let bill = t.simple_bill(&c, 30.0, 545.0, 0.0);
        let sums = category_sums(&bill.lines);
        assert!((sums[0] - 2470.0).abs() < 1.0, "energy {}", sums[0]);
        assert!((sums[1] - 146.13).abs() < 0.5, "fixed {}", sums[1]);
        assert!(sums[2] > 1000.0, "adders {}", sums[2]);
        assert!((sums.iter().sum::<f64>() - bill.total).abs() < 1e-6);
        // 150 units: the Delhi government pays the whole bill.
        let small = t.simple_bill(&c, 30.0, 150.0, 0.0);
        let sums = category_sums(&small.lines);
        assert!(sums[5] < 0.0 && small.total.abs() < 1e-6, "{sums:?}");
        assert_eq!(category_name(Category::Subsidy), "subsidy (state pays)");
    }

    #[test]
    fn a_society_re_bill_groups_as_the_discom_bill_with_its_gap_apart() {
        let t = RetailPreset::Delhi.tariff();
        let c = Connection {
            sanctioned_kw: 3.0,
            phase: Phase::Single,
        };
        let own = t.simple_bill(&c, 30.0, 545.0, 0.0);
        let mut re = own.clone();
        engine::billing::rebill(&mut re);
        re.lines.push(engine::billing::gap_line(-120.0));
        assert!(re.lines.iter().all(|l| l.party != Party::Discom));
        let (a, b) = (category_sums(&own.lines), category_sums(&re.lines));
        assert_eq!(a[..8], b[..8]);
        assert_eq!(b[8], -120.0);
        assert_eq!(category_of(re.lines.last().unwrap()), Category::SocietyGap);
    }
}
