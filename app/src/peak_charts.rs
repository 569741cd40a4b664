//! The transformer's charts: the loading-duration curve of every model over the class bands,
//! the month × hour heat map of the community class, and the cost-vs-peak frontier.

use engine::coordinator::LoadClass;
use engine::run::{PeakFrontier, RunReport};
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

use crate::chart::{canvas_root, labelled_line, legend, model_colour};

/// One colour per p-MAS class, lightest load first (the heat map and the bands).
pub(crate) const CLASS_COLOURS: [RGBColor; 5] = [
    RGBColor(222, 235, 247),
    RGBColor(120, 190, 230),
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(213, 94, 0),
];

/// The classes' names, lightest load first.
pub(crate) const CLASS_NAMES: [&str; 5] = [
    "underloaded",
    "lightly loaded",
    "normally loaded",
    "overloaded",
    "severely overloaded",
];

/// A class's loading range in words, e.g. "50–80%".
pub(crate) fn class_range(class: usize, t: &[f64; 4]) -> String {
    let pct = |x: f64| format!("{:.0}%", 100.0 * x);
    match class {
        0 => format!("below {}", pct(t[0])),
        4 => format!("{} and above", pct(t[3])),
        k => format!("{:.0}–{}", 100.0 * t[k - 1], pct(t[k])),
    }
}

fn err(e: impl ToString) -> String {
    e.to_string()
}

/// The loading-duration curves: loading (% of the rating) exceeded for x% of the grid-up hours,
/// one line per model, over the shaded class bands, the rating dashed at 100%. Returns the
/// number of lines drawn.
pub fn draw_loading_duration(
    canvas: HtmlCanvasElement,
    report: &RunReport,
    thresholds: &[f64; 4],
) -> Result<usize, String> {
    let root = canvas_root(canvas)?;
    let top_pct = report
        .models
        .iter()
        .flat_map(|m| m.peaks.loading_duration.iter())
        .fold(110.0_f64, |a, v| a.max(100.0 * v * 1.08));
    let rating = report.models.first().map(|m| &m.peaks);
    let caption = rating.map_or_else(String::new, |p| {
        format!(
            "Transformer loading-duration curve — {:.0} kVA = {:.1} kW",
            p.transformer_kva, p.rating_kw
        )
    });
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 16))
        .margin(10)
        .margin_right(24)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..100.0, 0.0..top_pct)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("share of grid-up hours the loading is exceeded")
        .y_desc("loading (% of rating)")
        .x_label_formatter(&|x| format!("{x:.0}%"))
        .y_label_formatter(&|y| format!("{y:.0}%"))
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(err)?;
    // Class bands, lightest load at the bottom.
    let bounds: Vec<f64> = std::iter::once(0.0)
        .chain(thresholds.iter().map(|t| 100.0 * t))
        .chain(std::iter::once(top_pct))
        .collect();
    chart
        .draw_series((0..5).map(|k| {
            let (lo, hi) = (bounds[k].min(top_pct), bounds[k + 1].min(top_pct));
            Rectangle::new(
                [(0.0, lo), (100.0, hi)],
                CLASS_COLOURS[k].mix(0.16).filled(),
            )
        }))
        .map_err(err)?;
    let red = RGBColor(213, 94, 0);
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, 100.0), (100.0, 100.0)],
            8,
            5,
            red.stroke_width(2),
        ))
        .map_err(err)?
        .label("rating (100%)")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], red.stroke_width(2)));
    let mut lines = 0;
    for m in &report.models {
        let points: Vec<(f64, f64)> = m
            .peaks
            .loading_duration
            .iter()
            .enumerate()
            .map(|(i, v)| {
                (
                    100.0 * i as f64 / (m.peaks.loading_duration.len().max(2) - 1) as f64,
                    100.0 * v,
                )
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        labelled_line(&mut chart, points, m.model.label(), model_colour(m.model))?;
        lines += 1;
    }
    legend(&mut chart, 12)?;
    root.present().map_err(err)?;
    Ok(lines)
}

/// The month × hour heat map: each cell coloured by the class of the highest transformer
/// loading in that hour of that month (thresholds of the scenario).
pub fn draw_class_heatmap(
    canvas: HtmlCanvasElement,
    model: &engine::run::ModelReport,
    thresholds: &[f64; 4],
) -> Result<(), String> {
    let root = canvas_root(canvas)?;
    let rows = &model.peaks.max_loading_by_month_hour;
    let n = rows.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "Community class by month and hour (highest loading) — {}",
                model.model.label()
            ),
            ("sans-serif", 16),
        )
        .margin(10)
        .x_label_area_size(32)
        .y_label_area_size(44)
        .build_cartesian_2d(0.0..24.0, 0.0..n as f64)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(13)
        .x_label_formatter(&|x| format!("{:.0}h", x))
        .y_labels(n.min(12))
        .y_label_formatter(&|y| {
            // Month 1 on top: row i sits between n-1-i and n-i.
            let i = n as f64 - y.floor() - 1.0;
            if y.fract().abs() < 1e-9 && i >= 0.0 && (i as usize) < n {
                format!("M{}", i as usize + 1)
            } else {
                String::new()
            }
        })
        .x_desc("hour of day")
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(err)?;
    chart
        .draw_series(rows.iter().enumerate().flat_map(|(i, row)| {
            let y0 = (n - 1 - i) as f64;
            row.iter().enumerate().map(move |(h, v)| {
                let class = LoadClass::of_ratio_with(*v, thresholds).index();
                Rectangle::new(
                    [(h as f64 + 0.04, y0 + 0.06), (h as f64 + 0.96, y0 + 0.94)],
                    CLASS_COLOURS[class.min(4)].filled(),
                )
            })
        }))
        .map_err(err)?;
    root.present().map_err(err)
}

/// The cost-vs-peak frontier: the participants' perfect-foresight cost against each import cap,
/// the chosen level highlighted and the rating dashed.
pub fn draw_frontier(canvas: HtmlCanvasElement, frontier: &PeakFrontier) -> Result<(), String> {
    let root = canvas_root(canvas)?;
    // x = the cap (the energy optimum, uncapped, at its own peak): caps are monotone where the
    // peak reached is not (a cap that cannot be held everywhere can leave a higher peak).
    let x_of = |p: &engine::run::FrontierPoint| p.cap_kw.unwrap_or(p.peak_import_kw);
    let pts: Vec<(f64, f64)> = frontier
        .points
        .iter()
        .map(|p| (x_of(p), p.community_cost))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    if pts.is_empty() || !frontier.rating_kw.is_finite() {
        return root.present().map_err(err);
    }
    let (x0, x1) = pts
        .iter()
        .fold((frontier.rating_kw, frontier.rating_kw), |(a, b), p| {
            (a.min(p.0), b.max(p.0))
        });
    let (y0, y1) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let xpad = ((x1 - x0) * 0.08).max(0.5);
    let ypad = ((y1 - y0) * 0.12).max(1.0);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Cost of a flatter peak (perfect foresight, participants as one meter)",
            ("sans-serif", 16),
        )
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(80)
        .build_cartesian_2d((x0 - xpad)..(x1 + xpad), (y0 - ypad)..(y1 + ypad))
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("import cap (kW; uncapped: the energy optimum's peak)")
        .y_desc("community cost (₹ over the run)")
        .y_label_formatter(&|y| format!("₹{}", crate::kpi_cards::thousands(*y)))
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(err)?;
    let red = RGBColor(213, 94, 0);
    chart
        .draw_series(DashedLineSeries::new(
            [
                (frontier.rating_kw, y0 - ypad),
                (frontier.rating_kw, y1 + ypad),
            ],
            8,
            5,
            red.stroke_width(1),
        ))
        .map_err(err)?
        .label(format!("rating {:.1} kW", frontier.rating_kw))
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], red.stroke_width(1)));
    let blue = RGBColor(0, 114, 178);
    let mut sorted = pts.clone();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    labelled_line(&mut chart, sorted, "cost at each import cap", blue)?;
    chart
        .draw_series(pts.iter().map(|p| Circle::new(*p, 4, blue.filled())))
        .map_err(err)?;
    let chosen: Vec<(f64, f64)> = frontier
        .points
        .iter()
        .filter(|p| p.chosen)
        .map(|p| (x_of(p), p.community_cost))
        .collect();
    let orange = RGBColor(230, 159, 0);
    chart
        .draw_series(chosen.iter().map(|p| Circle::new(*p, 8, orange.filled())))
        .map_err(err)?
        .label("the scenario's level")
        .legend(move |(x, y)| Circle::new((x + 7, y), 5, orange.filled()));
    legend(&mut chart, 12)?;
    root.present().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_ranges_read_as_words() {
        let t = LoadClass::THRESHOLDS;
        assert_eq!(class_range(0, &t), "below 25%");
        assert_eq!(class_range(2, &t), "50–80%");
        assert_eq!(class_range(4, &t), "100% and above");
    }
}
