//! Where cloud-P2P's saving comes from: a stacked bar of netting, islanding and coordination
//! (each can be negative) that adds up to the cloud-P2P card's difference from no sharing, with
//! what each part means and the value of perfect information.

use engine::run::{GainSplit, Model, RunReport};
use leptos::prelude::*;

use crate::kpi_cards::thousands;

/// One part of the split: key, label, value, colour, explanation.
struct Part {
    key: &'static str,
    label: &'static str,
    value: f64,
    colour: &'static str,
    meaning: &'static str,
}

fn parts(g: &GainSplit) -> [Part; 3] {
    [
        Part {
            key: "netting",
            label: "Netting",
            value: g.netting,
            colour: "#009e73",
            meaning: "SDR prices on the homes' own dispatch, each home islanding alone: what trading surplus with neighbours saves before anyone coordinates anything.",
        },
        Part {
            key: "islanding",
            label: "Islanding",
            value: g.islanding,
            colour: "#e69f00",
            meaning: "The same homes islanding together in outages (an isolation switch and grid-forming inverters): neighbours' PV and batteries serve load the grid cannot. Any sharing model gets this; it is 0 when the community cannot island.",
        },
        Part {
            key: "coordination",
            label: "Coordination",
            value: g.coordination,
            colour: "#0072b2",
            meaning: "The coordinator's dispatch of batteries and flexible load over SDR on the homes' own dispatch, net of the aggregator's share. Negative when its plans leave batteries emptier for outages than the homes' own rule would.",
        },
    ]
}

/// Segments of a waterfall: (left %, width %) of each part on a shared scale.
fn segments(values: &[f64]) -> Vec<(f64, f64)> {
    let mut at = 0.0;
    let (mut lo, mut hi) = (0.0_f64, 0.0_f64);
    let mut spans = Vec::new();
    for v in values {
        let next = at + v;
        spans.push((at.min(next), at.max(next)));
        lo = lo.min(next);
        hi = hi.max(next);
        at = next;
    }
    let range = (hi - lo).max(1e-9);
    spans
        .into_iter()
        .map(|(a, b)| (100.0 * (a - lo) / range, 100.0 * (b - a) / range))
        .collect()
}

/// Where the total ends on the waterfall's scale, %.
fn total_mark(parts: &[Part]) -> f64 {
    let values: Vec<f64> = parts.iter().map(|p| p.value).collect();
    let spans = segments(&values);
    let (left, width) = spans.last().copied().unwrap_or((0.0, 0.0));
    if values.last().copied().unwrap_or(0.0) < 0.0 {
        left
    } else {
        left + width
    }
}

/// The gain split beside the model cards.
#[component]
pub fn GainSplitPanel(
    /// The latest report.
    report: RwSignal<Option<RunReport>>,
    /// Whether the report's cloud-P2P is current while its perfect-foresight twin (the value of
    /// perfect information) is still being simulated.
    twin_pending: Signal<bool>,
) -> impl IntoView {
    let body = move || {
        report.with(|r| {
            let cloud = r.as_ref()?.model(Model::Cloud)?;
            let g = cloud.gain_split?;
            let parts = parts(&g);
            let spans = segments(&parts.iter().map(|p| p.value).collect::<Vec<_>>());
            let vpi = cloud.value_of_perfect_information;
            Some(view! {
                <p>
                    "Cloud-P2P costs the community "
                    <strong data-testid="gain-total">{thousands(g.total)}</strong>
                    " ₹/year less than no sharing. Where that comes from:"
                </p>
                <div class="waterfall" role="img" aria-label="Stacked bar of netting, islanding and coordination">
                    {parts.iter().zip(&spans).map(|(p, (left, width))| view! {
                        <div class="segment" class:negative=p.value < 0.0 data-testid=format!("gain-bar-{}", p.key)
                            style=format!("left:{left:.2}%;width:{:.2}%;background:{}", width.max(0.3), p.colour)
                            title=format!("{}: {} ₹", p.label, thousands(p.value))></div>
                    }).collect_view()}
                    <div class="total-mark" style=format!("left:{:.2}%", total_mark(&parts)) title="total"></div>
                </div>
                <p class="note">"Each part starts where the last ended; a hatched part is negative (it takes back saving). The black mark is the total."</p>
                <dl class="gain-parts">
                    {parts.iter().map(|p| view! {
                        <dt><span class="swatch" style=format!("background:{}", p.colour)></span>{p.label}</dt>
                        <dd><span data-testid=format!("gain-{}", p.key)>{thousands(p.value)}</span>" ₹ — "{p.meaning}</dd>
                    }).collect_view()}
                </dl>
                <p class="note">
                    {format!("Netting + islanding + coordination = {} ₹. The aggregator's share ({} ₹) is inside coordination.",
                        thousands(g.netting + g.islanding + g.coordination), thousands(g.aggregator_share))}
                </p>
                {vpi.map(|v| view! {
                    <p data-testid="gain-vpi">
                        "Value of perfect information: "<strong>{thousands(v)}</strong>
                        " ₹/year — what knowing the future exactly would save the coordinator over its forecast."
                    </p>
                })}
                {(vpi.is_none() && twin_pending.get()).then(|| view! {
                    <p class="note" data-testid="gain-vpi-pending">
                        "Value of perfect information: the coordinator's perfect-foresight twin is still running…"
                    </p>
                })}
            })
        })
    };
    view! {
        <section class="gain-split" data-testid="gain-split" aria-labelledby="gain-split-title">
            <h3 id="gain-split-title">"Where cloud-P2P's gain comes from"</h3>
            {body}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_chain_and_fill_the_track() {
        let s = segments(&[10.0, 30.0, -20.0]);
        // Cumulative 0 → 10 → 40 → 20 on a 0..40 scale.
        assert_eq!(s[0], (0.0, 25.0));
        assert_eq!(s[1], (25.0, 75.0));
        assert_eq!(s[2], (50.0, 50.0));
    }
}
