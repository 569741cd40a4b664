//! "Transformer & peaks": the transformer's settings and the stressed preset, a note when it is
//! never congested, each model's peak figures, the loading-duration curve, the month × hour
//! class heat map, and (in its own worker) the cost-vs-peak frontier.

use engine::run::{Model, RunReport};
use engine::scenario::Scenario;
use engine::transformer::STANDARD_KVA;
use leptos::prelude::*;

use crate::browser_io::PngButton;
use crate::frontier_panel::FrontierPanel;
use crate::peak_charts::{
    class_range, draw_class_heatmap, draw_loading_duration, CLASS_COLOURS, CLASS_NAMES,
};
use crate::peak_settings::{apply_peak_edit, is_stressed, stressed_preset, todays_load, PeakEdit};

/// Loading above this share of the rating counts as congestion (the overloaded class).
const CONGESTED_LOADING: f64 = 0.8;

/// One sentence on how hard the transformer works, for the note above the figures.
fn congestion_note(report: &RunReport) -> String {
    let max = report
        .models
        .iter()
        .map(|m| m.peaks.max_loading)
        .fold(0.0_f64, f64::max);
    if max < CONGESTED_LOADING {
        return format!(
            "Max loading {:.0}%: the transformer is never congested — p-MAS has nothing to coordinate. Try the stressed preset.",
            100.0 * max
        );
    }
    let part = |model: Model| {
        report.model(model).map(|m| {
            format!(
                "{:.0}% under {} ({:.0} h over the rating)",
                100.0 * m.peaks.max_loading,
                m.model.label(),
                m.peaks.hours_over_rating
            )
        })
    };
    let parts: Vec<String> = [Model::None, Model::Cloud]
        .into_iter()
        .filter_map(part)
        .collect();
    format!("Max loading {}.", parts.join(", "))
}

/// The peaks panel.
#[component]
pub fn PeakPanel(
    /// The scenario being edited.
    scenario: RwSignal<Scenario>,
    /// The latest report.
    report: RwSignal<Option<RunReport>>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let commit = move |next: Result<Scenario, String>| match next
        .and_then(|n| n.validate().map(|()| n).map_err(|e| e.to_string()))
    {
        Ok(n) => {
            error.set(None);
            scenario.set(n);
        }
        Err(message) => error.set(Some(format!("{message}; the scenario is unchanged."))),
    };
    let edit = move |e: PeakEdit| {
        let mut next = scenario.get_untracked();
        commit(apply_peak_edit(&mut next, &e).map(|()| next));
    };
    let report_kva = move || {
        report.with(|r| {
            r.as_ref()
                .and_then(|r| r.models.first().map(|m| m.peaks.transformer_kva))
        })
    };
    let stress = move |_| {
        let report_kva = report.with_untracked(|r| {
            r.as_ref()
                .and_then(|r| r.models.first().map(|m| m.peaks.transformer_kva))
        });
        commit(scenario.with_untracked(|s| stressed_preset(s, report_kva)));
    };
    let thresholds = Memo::new(move |_| scenario.with(|s| s.settings.peak.class_thresholds));
    let chosen_kva = move || scenario.with(|s| s.settings.transformer_kva);
    // The select offers the standard sizes, plus the scenario's own when it is not one.
    let kva_options = move || {
        let mut sizes = STANDARD_KVA.to_vec();
        if let Some(k) = chosen_kva() {
            if !sizes.iter().any(|s| (s - k).abs() < 1e-9) {
                sizes.push(k);
                sizes.sort_by(f64::total_cmp);
            }
        }
        sizes
    };

    let duration_canvas = NodeRef::<leptos::html::Canvas>::new();
    let duration_lines = RwSignal::new(0_usize);
    Effect::new(move |_| {
        let t = thresholds.get();
        report.with(|r| {
            if let (Some(r), Some(c)) = (r, duration_canvas.get()) {
                match draw_loading_duration(c, r, &t) {
                    Ok(n) => duration_lines.set(n),
                    Err(message) => leptos::logging::warn!("chart not drawn: {message}"),
                }
            }
        });
    });
    let heat_model = RwSignal::new("cloud".to_string());
    let heat_canvas = NodeRef::<leptos::html::Canvas>::new();
    let heat_rows = RwSignal::new(0_usize);
    Effect::new(move |_| {
        let (key, t) = (heat_model.get(), thresholds.get());
        report.with(|r| {
            let model = r
                .as_ref()
                .and_then(|r| r.models.iter().find(|m| m.model.key() == key));
            if let (Some(m), Some(c)) = (model, heat_canvas.get()) {
                match draw_class_heatmap(c, m, &t) {
                    Ok(()) => heat_rows.set(m.peaks.max_loading_by_month_hour.len()),
                    Err(message) => leptos::logging::warn!("chart not drawn: {message}"),
                }
            }
        });
    });

    let rows = move || {
        report.with(|r| {
            r.as_ref().map(|r| {
                r.models
                    .iter()
                    .map(|m| {
                        let (p, key) = (&m.peaks, m.model.key());
                        view! {
                            <tr data-testid=format!("peak-row-{key}")>
                                <th scope="row">{m.model.label()}</th>
                                <td data-testid=format!("peak-import-{key}")>{format!("{:.1}", p.peak_import_kw)}</td>
                                <td data-testid=format!("coincident-peak-{key}")>{format!("{:.1}", p.coincident_peak_kw)}</td>
                                <td data-testid=format!("hours-over-rating-{key}")>{format!("{:.0}", p.hours_over_rating)}</td>
                                <td data-testid=format!("hours-over-80-{key}")>{format!("{:.0}", p.hours_over_80pct)}</td>
                                <td data-testid=format!("max-loading-{key}")>{format!("{:.0}", 100.0 * p.max_loading)}</td>
                            </tr>
                        }
                    })
                    .collect_view()
            })
        })
    };

    view! {
        <section class="card peaks" aria-labelledby="peaks-title" data-testid="peaks">
            <h2 id="peaks-title">"Transformer & peaks"</h2>
            <p class="explain">
                "The community's distribution transformer carries every home's import and the PV's export. p-MAS classes each hour by its loading against the rating and, with coordination on, cloud-P2P holds the import under the rating — and, with do-no-harm, under the highest the homes reached alone."
            </p>
            <div class="inputs">
                <label>"Transformer rating "
                    <select data-testid="transformer-kva" on:change=move |ev| edit(PeakEdit::TransformerKva(event_target_value(&ev)))>
                        <option value="auto" selected=move || chosen_kva().is_none()>
                            {move || match (chosen_kva(), report_kva()) {
                                (None, Some(k)) => format!("Auto ({k:.0} kVA)"),
                                _ => "Auto (no sharing's peak ÷ 0.8)".to_string(),
                            }}
                        </option>
                        {move || kva_options().into_iter().map(|k| view! {
                            <option value=k.to_string() selected=move || chosen_kva() == Some(k)>{format!("{k} kVA")}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Power factor "
                    <input type="number" min="0.5" max="1" step="0.01" data-testid="power-factor"
                        prop:value=move || scenario.with(|s| s.settings.peak.power_factor.to_string())
                        on:change=move |ev| edit(PeakEdit::PowerFactor(event_target_value(&ev))) />
                </label>
                <label>"Demand charge (₹ per kW of monthly peak) "
                    <input type="number" min="0" step="10" data-testid="demand-charge"
                        prop:value=move || scenario.with(|s| s.settings.peak.demand_charge_per_kw.to_string())
                        on:change=move |ev| edit(PeakEdit::DemandCharge(event_target_value(&ev))) />
                </label>
                <label>
                    <input type="checkbox" data-testid="pmas-coordination"
                        prop:checked=move || scenario.with(|s| s.settings.peak.coordination)
                        on:change=move |ev| edit(PeakEdit::Coordination(event_target_checked(&ev))) />
                    " p-MAS peak coordination (cloud-P2P)"
                </label>
                <label>
                    <input type="checkbox" data-testid="do-no-harm"
                        prop:checked=move || scenario.with(|s| s.settings.peak.do_no_harm)
                        on:change=move |ev| edit(PeakEdit::DoNoHarm(event_target_checked(&ev))) />
                    " Do no harm: never above the homes' own peak"
                </label>
                <label>
                    <input type="checkbox" data-testid="valley-filling"
                        prop:checked=move || scenario.with(|s| s.settings.peak.valley_filling)
                        on:change=move |ev| edit(PeakEdit::ValleyFilling(event_target_checked(&ev))) />
                    " Valley filling (flatten ties)"
                </label>
            </div>
            <div class="buttons">
                <button type="button" data-testid="stressed-preset" on:click=stress>"Stressed preset"</button>
                <Show when=move || scenario.with(is_stressed)>
                    <button type="button" data-testid="todays-load"
                        on:click=move |_| commit(Ok(scenario.with_untracked(todays_load)))>"Back to today's load"</button>
                </Show>
            </div>
            <p class="explain">"The stressed preset is today's transformer after 15% of homes buy an air-conditioner and 10% charge an e-rickshaw."</p>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert" data-testid="peak-error">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <p class="note" data-testid="peak-note">{move || report.with(|r| r.as_ref().map(congestion_note))}</p>
            <table class="bills peak-table" data-testid="peak-table">
                <caption data-testid="peak-rating">{move || report.with(|r| r.as_ref().and_then(|r| r.models.first()).map(|m| format!(
                    "Transformer {:.0} kVA = {:.1} kW at power factor {}",
                    m.peaks.transformer_kva, m.peaks.rating_kw, scenario.with_untracked(|s| s.settings.peak.power_factor))))}</caption>
                <thead><tr>
                    <th scope="col">"Model"</th><th scope="col">"Peak import (kW)"</th><th scope="col">"Coincident peak (kW)"</th>
                    <th scope="col">"Hours over rating"</th><th scope="col">"Hours over 80%"</th><th scope="col">"Max loading (%)"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <PngButton canvas=duration_canvas file_name="gridshare-loading-duration.png" testid="png-loading-duration" />
            <canvas node_ref=duration_canvas width="900" height="340" data-testid="loading-duration-chart"
                data-lines=move || duration_lines.get() role="img"
                aria-label="Loading-duration curve of the transformer for every model: loading as % of the rating against the share of hours it is exceeded, over the class bands"></canvas>
            <div class="chart-control"><label>
                "Community class by month and hour under "
                <select data-testid="heatmap-model" on:change=move |ev| heat_model.set(event_target_value(&ev))>
                    {Model::ALL.into_iter().map(|m| view! {
                        <option value=m.key() selected=move || heat_model.get() == m.key()>{m.label()}</option>
                    }).collect_view()}
                </select>
            </label></div>
            <PngButton canvas=heat_canvas file_name="gridshare-class-heatmap.png" testid="png-classes" />
            <canvas node_ref=heat_canvas width="900" height="320" data-testid="classes-chart" data-rows=move || heat_rows.get() role="img"
                aria-label="Heat map of months by hours of the day, each cell coloured by the p-MAS class of the transformer's highest loading"></canvas>
            <ul class="class-legend" data-testid="class-legend">
                {move || {
                    let t = thresholds.get();
                    (0..5).map(|k| {
                        let plotters::style::RGBColor(r, g, b) = CLASS_COLOURS[k];
                        view! {
                            <li><span class="swatch" style=format!("background: rgb({r},{g},{b})")></span>
                                {format!("{} ({} of the rating)", CLASS_NAMES[k], class_range(k, &t))}</li>
                        }
                    }).collect_view()
                }}
            </ul>
            <FrontierPanel scenario=scenario />
        </section>
    }
}
