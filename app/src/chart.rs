//! Charts drawn with plotters on a canvas.

use engine::SettlementReport;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

/// A canvas as a white plotters drawing area.
pub(crate) fn canvas_root(
    canvas: HtmlCanvasElement,
) -> Result<DrawingArea<CanvasBackend, Shift>, String> {
    let backend = CanvasBackend::with_canvas_object(canvas).ok_or("no 2d canvas context")?;
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    Ok(root)
}

/// The legend every chart uses: upper right, framed, on a light background.
pub(crate) fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    label_px: u32,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.85))
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", label_px))
        .draw()
        .map_err(|e| e.to_string())
}

/// A 2-pixel line with its legend entry.
pub(crate) fn labelled_line<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    points: Vec<(f64, f64)>,
    label: &str,
    colour: RGBColor,
) -> Result<(), String> {
    chart
        .draw_series(LineSeries::new(points, colour.stroke_width(2)))
        .map_err(|e| e.to_string())?
        .label(label)
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], colour.stroke_width(2)));
    Ok(())
}

/// "M1"…"Mn" on whole bar positions of a per-month axis, nothing between them.
pub(crate) fn month_label(x: f64, months: usize) -> String {
    let i = x.round();
    if (x - i).abs() < 1e-9 && i >= 0.0 && (i as usize) < months {
        format!("M{}", i as usize + 1)
    } else {
        String::new()
    }
}

/// One colour per model, in [`engine::run::Model::ALL`] order (colour-blind-safe), the same in
/// every chart of the page.
pub(crate) const MODEL_COLOURS: [RGBColor; 5] = [
    RGBColor(120, 120, 120),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 158, 115),
    RGBColor(0, 114, 178),
];

/// A model's colour.
pub(crate) fn model_colour(model: engine::run::Model) -> RGBColor {
    engine::run::Model::ALL
        .iter()
        .position(|m| *m == model)
        .map_or(BLACK, |i| MODEL_COLOURS[i])
}

/// One colour per rule, in [`engine::RuleId::ALL`] order (colour-blind-safe palette).
const RULE_COLOURS: [RGBColor; 4] = [
    RGBColor(120, 120, 120),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 158, 115),
];

/// Grouped bars: each household's bill under each rule, with a legend and units.
pub fn draw_bills_chart(
    canvas: HtmlCanvasElement,
    report: &SettlementReport,
) -> Result<(), String> {
    let root = canvas_root(canvas)?;

    let bills: Vec<Vec<f64>> = report
        .rules
        .iter()
        .map(|r| r.members.iter().map(|m| m.bill).collect())
        .collect();
    let (lo, hi) = bills
        .iter()
        .flatten()
        .fold((0.0_f64, 0.0_f64), |(lo, hi), &b| (lo.min(b), hi.max(b)));
    let pad = ((hi - lo) * 0.1).max(1.0);
    let members = report.members as f64;
    let rules = report.rules.len().max(1) as f64;

    let mut chart = ChartBuilder::on(&root)
        .caption("Bill per household by rule", ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(-0.5..members - 0.5, (lo - pad)..(hi + pad))
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(report.members)
        .x_label_formatter(&|x| {
            if x.fract().abs() < 1e-9 && *x >= 0.0 {
                format!("Household {}", x.round() as usize + 1)
            } else {
                String::new()
            }
        })
        .y_desc("bill (₹)")
        .draw()
        .map_err(|e| e.to_string())?;

    let width = 0.8 / rules;
    for (r, (rule, colour)) in report
        .rules
        .iter()
        .zip(RULE_COLOURS.iter().cycle())
        .enumerate()
    {
        let style = colour.filled();
        chart
            .draw_series(rule.members.iter().enumerate().map(|(k, m)| {
                let x0 = k as f64 - 0.4 + r as f64 * width;
                Rectangle::new([(x0, 0.0), (x0 + width * 0.9, m.bill)], style)
            }))
            .map_err(|e| e.to_string())?
            .label(rule.rule.label())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], style));
    }
    legend(&mut chart, 12)?;
    root.present().map_err(|e| e.to_string())
}

/// Bars: each model's yearly community cost (bill plus unserved energy), with the bill alone.
pub fn draw_model_costs(
    canvas: HtmlCanvasElement,
    report: &engine::run::RunReport,
) -> Result<(), String> {
    let root = canvas_root(canvas)?;
    let top = report
        .models
        .iter()
        .map(|m| m.comparable_cost.max(m.community_bill))
        .fold(0.0_f64, f64::max)
        * 1.1;
    let low = report
        .models
        .iter()
        .map(|m| m.community_bill.min(0.0))
        .fold(0.0_f64, f64::min)
        * 1.1;
    let n = report.models.len();
    let mut chart = ChartBuilder::on(&root)
        .caption("Community cost per year by model", ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5..n as f64 - 0.5, low..top.max(1.0))
        .map_err(|e| e.to_string())?;
    let labels: Vec<&str> = report.models.iter().map(|m| m.model.label()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-9 && i >= 0.0 {
                labels
                    .get(i as usize)
                    .map_or(String::new(), |s| s.to_string())
            } else {
                String::new()
            }
        })
        .y_desc("₹ per year")
        .draw()
        .map_err(|e| e.to_string())?;
    let total = RGBColor(0, 114, 178).filled();
    let bill = RGBColor(230, 159, 0).filled();
    chart
        .draw_series(report.models.iter().enumerate().map(|(i, m)| {
            Rectangle::new(
                [(i as f64 - 0.38, 0.0), (i as f64 - 0.02, m.comparable_cost)],
                total,
            )
        }))
        .map_err(|e| e.to_string())?
        .label("bills + energy not served (VoLL) + battery wear")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], total));
    chart
        .draw_series(report.models.iter().enumerate().map(|(i, m)| {
            Rectangle::new(
                [(i as f64 + 0.02, 0.0), (i as f64 + 0.38, m.community_bill)],
                bill,
            )
        }))
        .map_err(|e| e.to_string())?
        .label("bills only")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], bill));
    legend(&mut chart, 12)?;
    root.present().map_err(|e| e.to_string())
}

/// Bars: each member's yearly saving against no sharing under one model (who wins, who loses).
pub fn draw_member_savings(
    canvas: HtmlCanvasElement,
    model: &engine::run::ModelReport,
    reference: &engine::run::ModelReport,
) -> Result<(), String> {
    let root = canvas_root(canvas)?;
    // Comparable savings: no-sharing cost minus this model's cost (bills, unserved energy at
    // the VoLL and battery wear), the same measure as the cards and "members worse off".
    let mut savings: Vec<f64> = model
        .members
        .iter()
        .zip(&reference.members)
        .map(|(m, r)| r.comparable_cost - m.comparable_cost)
        .collect();
    // Too many members to name: show the distribution, largest saving first.
    let sorted = savings.len() > 60;
    if sorted {
        savings.sort_by(|a, b| b.total_cmp(a));
    }
    let lo = savings.iter().copied().fold(0.0_f64, f64::min);
    let hi = savings.iter().copied().fold(0.0_f64, f64::max);
    let pad = ((hi - lo) * 0.1).max(1.0);
    let n = savings.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "Saving per member under {} (₹/year, vs no sharing){}",
                model.model.label(),
                if sorted { ", members sorted" } else { "" }
            ),
            ("sans-serif", 16),
        )
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..n as f64, (lo - pad)..(hi + pad))
        .map_err(|e| e.to_string())?;
    let ids: Vec<String> = model.members.iter().map(|m| m.member.clone()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n.min(15))
        .x_label_formatter(&|x| {
            if sorted {
                format!("{:.0}", x.floor())
            } else {
                ids.get(x.floor() as usize).cloned().unwrap_or_default()
            }
        })
        .x_desc(if sorted { "members, by saving" } else { "" })
        .y_desc("₹ per year")
        .draw()
        .map_err(|e| e.to_string())?;
    let gain = RGBColor(0, 158, 115).filled();
    let loss = RGBColor(213, 94, 0).filled();
    chart
        .draw_series(savings.iter().enumerate().map(|(i, s)| {
            Rectangle::new(
                [(i as f64 + 0.1, 0.0), (i as f64 + 0.9, *s)],
                if *s >= 0.0 { gain } else { loss },
            )
        }))
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}
